// The observer's own SQLite schema, apart from the CLI's and the agents' stores: it runs on another machine
// (a Fly volume) and grows differently. Append only, versioned in user_version like src/store.

export const observerMigrations: readonly string[] = [
  // 1: each site's cursor and latest state, its events mirrored exactly (site, seq), metric samples and their
  // rollups, log lines, and the observer's alerts
  `
  CREATE TABLE sites (
    site            TEXT PRIMARY KEY,
    agent           TEXT NOT NULL,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    last_contact    INTEGER,
    unreachable_at  INTEGER,
    last_error      TEXT,
    desired         TEXT,
    observed        TEXT,
    observed_at     INTEGER
  );
  CREATE TABLE events (
    site       TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    time       TEXT NOT NULL,
    type       TEXT NOT NULL,
    service    TEXT,
    message    TEXT NOT NULL,
    data       TEXT,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (site, seq)
  ) WITHOUT ROWID;
  CREATE INDEX events_type ON events (type, time);
  CREATE INDEX events_time ON events (time);
  CREATE TABLE samples (
    site       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    host_cpu   REAL,
    host_mem   REAL,
    turtle_cpu REAL NOT NULL,
    turtle_mem REAL NOT NULL,
    PRIMARY KEY (site, at)
  ) WITHOUT ROWID;
  CREATE TABLE rollups (
    site       TEXT NOT NULL,
    bucket     INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    host_cpu   REAL,
    host_mem   REAL,
    turtle_cpu REAL NOT NULL,
    turtle_mem REAL NOT NULL,
    turtle_cpu_max REAL NOT NULL,
    PRIMARY KEY (site, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE logs (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    site    TEXT NOT NULL,
    service TEXT NOT NULL,
    replica INTEGER NOT NULL,
    time    TEXT NOT NULL,
    stream  TEXT NOT NULL,
    text    TEXT NOT NULL,
    UNIQUE (site, service, replica, time, stream, text)
  );
  CREATE INDEX logs_site_service ON logs (site, service, id);
  CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    site        TEXT,
    service     TEXT,
    message     TEXT NOT NULL,
    opened_at   INTEGER NOT NULL,
    resolved_at INTEGER
  );
  CREATE INDEX alerts_open ON alerts (resolved_at, key);
  `,
];
