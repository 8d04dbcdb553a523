-- piiaudit audit database, schema version 1 (PRAGMA user_version).
-- Runs, the sources each run read, the findings in them, the rules used.
-- No raw matched value is stored unless the run was made with --store-values
-- (findings.value); previews are masked, fingerprints are keyed HMACs.
-- Identities that must survive a merge of shard databases are uuids.
PRAGMA user_version = 1;

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL DEFAULT 'scan',     -- scan | probe
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    argv         TEXT NOT NULL,                    -- the command line, JSON array
    tool_version TEXT NOT NULL,
    rules_digest TEXT NOT NULL,
    key_id       TEXT NOT NULL,                    -- identifies the fingerprint key, never the key
    label        TEXT,
    shard_index  INTEGER,                          -- this run is shard K of N (--shard)
    shard_count  INTEGER,
    plan_digest  TEXT,                             -- SHA-256 of the plan file, with --plan
    store_values INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'running',  -- running | ok | errors | interrupted | failed
    sources_ok     INTEGER NOT NULL DEFAULT 0,
    sources_failed INTEGER NOT NULL DEFAULT 0,
    bytes_scanned  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS rules (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    id          TEXT NOT NULL,
    category    TEXT NOT NULL,
    description TEXT,
    validator   TEXT,
    confidence  REAL NOT NULL,
    tags        TEXT,                              -- space-separated
    pack        TEXT,
    PRIMARY KEY (run_id, id)
);

-- One row per file, archive and archive member read.  parent_id links a
-- member to the archive that holds it.
CREATE TABLE IF NOT EXISTS sources (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id),
    parent_id     INTEGER REFERENCES sources(id),
    path          TEXT NOT NULL,
    member        TEXT,                            -- nested members joined with '!'
    kind          TEXT NOT NULL,                   -- file | archive | member | stdin
    format        TEXT,                            -- e.g. 'gzip', 'tar', 'zip'
    size          INTEGER,                         -- bytes on disk or in the archive header
    bytes_scanned INTEGER NOT NULL DEFAULT 0,      -- decompressed bytes read
    status        TEXT NOT NULL DEFAULT 'scanning',-- scanning | ok | error | skipped
    error         TEXT,                            -- the reason, when not ok
    findings      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sources_run ON sources(run_id, status);

CREATE TABLE IF NOT EXISTS findings (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    source_id   INTEGER NOT NULL REFERENCES sources(id),
    rule        TEXT NOT NULL,
    category    TEXT NOT NULL,
    record      INTEGER,                           -- JSONL line, in field mode
    field       TEXT,
    line        INTEGER NOT NULL,                  -- 1-based
    offset      INTEGER NOT NULL,                  -- 0-based, decompressed bytes of the member
    length      INTEGER NOT NULL,
    confidence  REAL NOT NULL,
    placeholder INTEGER NOT NULL DEFAULT 0,        -- a documentation value (allow-listed as such)
    preview     TEXT NOT NULL,                     -- masked
    fingerprint TEXT NOT NULL,                     -- HMAC-SHA-256 of the normalised value, hex
    value       TEXT                               -- raw, only with --store-values
);
CREATE INDEX IF NOT EXISTS findings_run_source ON findings(run_id, source_id, offset);
CREATE INDEX IF NOT EXISTS findings_fingerprint ON findings(fingerprint);
CREATE INDEX IF NOT EXISTS findings_run_category ON findings(run_id, category, rule);
