// Versioned schema. Append only: a shipped migration never changes, the next one fixes it.
// The version lives in SQLite's user_version, so no bookkeeping table is needed.

export const migrations: readonly string[] = [
  // 1: deployments (one row per `turtle deploy`, one per site it touched), events, operator run-state
  `
  CREATE TABLE deployments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    spec_hash   TEXT NOT NULL,
    command     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'no-op'))
  );
  CREATE TABLE deployment_sites (
    deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    site          TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'no-op')),
    steps         TEXT NOT NULL,
    error         TEXT,
    started_at    TEXT NOT NULL,
    duration_ms   INTEGER,
    PRIMARY KEY (deployment_id, site)
  );
  CREATE TABLE events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    time    TEXT NOT NULL,
    site    TEXT NOT NULL,
    type    TEXT NOT NULL,
    service TEXT,
    message TEXT NOT NULL,
    data    TEXT
  );
  CREATE INDEX events_site_seq ON events (site, seq);
  CREATE TABLE service_state (
    site       TEXT NOT NULL,
    service    TEXT NOT NULL,
    stopped    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (site, service)
  );
  `,
  // 2: the site agent: its desired state (pushed by the CLI) and a journal of the steps it runs, so a
  // kill -9 in the middle of a step is finished or undone after restart
  `
  CREATE TABLE agent_desired (
    site       TEXT PRIMARY KEY,
    project    TEXT NOT NULL,
    spec_hash  TEXT NOT NULL,
    containers TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE agent_journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site        TEXT NOT NULL,
    step        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'recovered'))
  );
  CREATE INDEX agent_journal_open ON agent_journal (site, status);
  `,
  // 3: operations research: site probes, the observations derived from them (and written by agents), decision
  // records and the predictions they make
  `
  CREATE TABLE probes (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    site    TEXT NOT NULL,
    at      TEXT NOT NULL,
    engine  TEXT NOT NULL,
    version TEXT NOT NULL,
    data    TEXT NOT NULL
  );
  CREATE INDEX probes_site_at ON probes (site, at);
  CREATE TABLE observations (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    metric TEXT NOT NULL,
    site   TEXT NOT NULL,
    value  REAL NOT NULL,
    at     TEXT NOT NULL,
    source TEXT NOT NULL
  );
  CREATE INDEX observations_metric_site_at ON observations (metric, site, at);
  CREATE TABLE decisions (
    number INTEGER PRIMARY KEY,
    title  TEXT NOT NULL,
    date   TEXT NOT NULL,
    winner TEXT NOT NULL,
    file   TEXT NOT NULL,
    record TEXT NOT NULL
  );
  CREATE TABLE predictions (
    decision INTEGER NOT NULL REFERENCES decisions(number) ON DELETE CASCADE,
    id       TEXT NOT NULL,
    metric   TEXT NOT NULL,
    site     TEXT NOT NULL,
    op       TEXT NOT NULL CHECK (op IN ('<=', '>=')),
    value    REAL NOT NULL,
    text     TEXT NOT NULL,
    PRIMARY KEY (decision, id)
  );
  `,
  // 4: the site's capacity and budget the CLI pushes with the desired state (JSON; NULL from an older CLI)
  `
  ALTER TABLE agent_desired ADD COLUMN site_budget TEXT;
  `,
  // 5: rollouts. Outcomes gain rolled-back and pending (a site cut off and skipped), and a site that never
  // got the version (skipped); each site's row keeps the version it ended on; releases keep every spec
  // deployed, so a rollback needs only the store. SQLite cannot change a CHECK in place: the two tables
  // are copied, the old ones dropped (children first, so no cascade fires) and the copies renamed.
  `
  CREATE TABLE deployments_v5 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    spec_hash   TEXT NOT NULL,
    command     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'no-op', 'rolled-back', 'pending'))
  );
  INSERT INTO deployments_v5 SELECT id, spec_hash, command, started_at, finished_at, outcome FROM deployments;
  CREATE TABLE deployment_sites_v5 (
    deployment_id INTEGER NOT NULL REFERENCES deployments_v5(id) ON DELETE CASCADE,
    site          TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'no-op', 'rolled-back', 'pending', 'skipped')),
    steps         TEXT NOT NULL,
    error         TEXT,
    started_at    TEXT NOT NULL,
    duration_ms   INTEGER,
    version       TEXT,
    PRIMARY KEY (deployment_id, site)
  );
  INSERT INTO deployment_sites_v5 (deployment_id, site, outcome, steps, error, started_at, duration_ms)
    SELECT deployment_id, site, outcome, steps, error, started_at, duration_ms FROM deployment_sites;
  DROP TABLE deployment_sites;
  DROP TABLE deployments;
  ALTER TABLE deployments_v5 RENAME TO deployments;
  ALTER TABLE deployment_sites_v5 RENAME TO deployment_sites;
  CREATE INDEX deployment_sites_site ON deployment_sites (site, deployment_id);
  CREATE TABLE releases (
    spec_hash TEXT PRIMARY KEY,
    spec      TEXT NOT NULL,
    saved_at  TEXT NOT NULL
  );
  `,
  // 6: deployments can be interrupted (Ctrl-C, or the CLI killed: found by the next deploy), and each
  // records the process running it (host, pid), so a later deploy can tell a live one from a dead one.
  // Copied as in 5, since SQLite cannot change a CHECK in place.
  `
  CREATE TABLE deployments_v6 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    spec_hash   TEXT NOT NULL,
    command     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'no-op', 'rolled-back', 'pending', 'interrupted')),
    host        TEXT,
    pid         INTEGER
  );
  INSERT INTO deployments_v6 (id, spec_hash, command, started_at, finished_at, outcome)
    SELECT id, spec_hash, command, started_at, finished_at, outcome FROM deployments;
  CREATE TABLE deployment_sites_v6 (
    deployment_id INTEGER NOT NULL REFERENCES deployments_v6(id) ON DELETE CASCADE,
    site          TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'no-op', 'rolled-back', 'pending', 'skipped', 'interrupted')),
    steps         TEXT NOT NULL,
    error         TEXT,
    started_at    TEXT NOT NULL,
    duration_ms   INTEGER,
    version       TEXT,
    PRIMARY KEY (deployment_id, site)
  );
  INSERT INTO deployment_sites_v6 SELECT deployment_id, site, outcome, steps, error, started_at, duration_ms, version FROM deployment_sites;
  DROP TABLE deployment_sites;
  DROP TABLE deployments;
  ALTER TABLE deployments_v6 RENAME TO deployments;
  ALTER TABLE deployment_sites_v6 RENAME TO deployment_sites;
  CREATE INDEX deployment_sites_site ON deployment_sites (site, deployment_id);
  `,
  // 7: who started each deployment (the operator certificate's role and name, else user@host)
  `ALTER TABLE deployments ADD COLUMN by_who TEXT;`,
];
