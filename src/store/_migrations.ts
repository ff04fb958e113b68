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
];
