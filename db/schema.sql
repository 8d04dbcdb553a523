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
    settings     TEXT,                             -- JSON array: the options that decide what is read and
                                                   -- recorded (limits, --exclude, --field...); resume and merge compare it
    status       TEXT NOT NULL DEFAULT 'running',  -- running | ok | errors | interrupted | failed
    sources_ok     INTEGER NOT NULL DEFAULT 0,
    sources_failed INTEGER NOT NULL DEFAULT 0,
    bytes_scanned  INTEGER NOT NULL DEFAULT 0,
    inputs       TEXT                              -- SHA-256 of the paths named (operands, --files-from
                                                   -- entries; any order), --plan and --shard; resume compares it
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
    findings      INTEGER NOT NULL DEFAULT 0,
    records       INTEGER,                         -- JSON records read, in field mode
    invalid_records INTEGER,                       -- of which not valid JSON (scanned as text)
    note          TEXT,                            -- what to know though it was read (first invalid lines...)
    sha256        TEXT                             -- top-level inputs: SHA-256 of the bytes on disk, hex; NULL: not had
);
CREATE INDEX IF NOT EXISTS sources_run ON sources(run_id, status);
CREATE INDEX IF NOT EXISTS sources_parent ON sources(parent_id);
CREATE INDEX IF NOT EXISTS sources_path ON sources(run_id, path);

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
    value       TEXT,                              -- raw, only with --store-values
    brand       TEXT                               -- credit_card: the card brand at scan time ('unknown': none matched)
);
CREATE INDEX IF NOT EXISTS findings_run_source ON findings(run_id, source_id, offset);
-- By run first: a scan inserts into its own run's part only (db/store.c
-- replaces the older index on fingerprint alone); lookups by fingerprint
-- alone go run by run.
CREATE INDEX IF NOT EXISTS findings_run_fingerprint ON findings(run_id, fingerprint);
CREATE INDEX IF NOT EXISTS findings_run_category ON findings(run_id, category, rule);

-- Human verdicts on sampled findings (piiaudit review; db/review.c).  Keyed
-- by a finding id made of the fingerprint and the location (path, member,
-- offset, rule), not by findings.id, so a verdict outlives a rescan of the
-- same corpus.  Never a context or a raw value.  db/review.c runs the text
-- between the begin and end lines on databases made before this table.
-- begin verdicts
CREATE TABLE IF NOT EXISTS verdicts (
    finding_id  TEXT PRIMARY KEY,                  -- db_finding_id()
    fingerprint TEXT NOT NULL,
    path        TEXT NOT NULL,                     -- sources.path
    member      TEXT,                              -- sources.member
    offset      INTEGER NOT NULL,
    rule        TEXT NOT NULL,
    category    TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('tp', 'fp', 'unsure')),
    reviewer    TEXT,
    reviewed_at TEXT NOT NULL,                     -- ISO 8601, UTC
    note        TEXT,
    run_id      INTEGER                            -- the run it was sampled from, when known
);
CREATE INDEX IF NOT EXISTS verdicts_fingerprint ON verdicts(fingerprint);
CREATE INDEX IF NOT EXISTS verdicts_rule ON verdicts(rule, verdict);
-- end verdicts

-- Merged runs (piiaudit merge): one row per shard number of the plan,
-- naming the shard run copied into the merged run, or why none was.  A
-- merged run is a runs row with shard_count set and shard_index NULL; its
-- status is 'incomplete' while a shard is missing or failed.  db/merge.c
-- runs the text between the begin and end lines on databases made before
-- this table.
-- begin run_shards
CREATE TABLE IF NOT EXISTS run_shards (
    run_id           INTEGER NOT NULL REFERENCES runs(id),   -- the merged run
    shard_index      INTEGER NOT NULL,
    status           TEXT NOT NULL,          -- merged | failed | missing
    source_db        TEXT,                   -- the shard database, as given to merge
    shard_uuid       TEXT,                   -- runs.uuid of the shard run in it
    shard_status     TEXT,                   -- that run's status (ok, errors, interrupted...)
    key_id           TEXT,
    shard_started_at TEXT,
    shard_ended_at   TEXT,
    sources          INTEGER NOT NULL DEFAULT 0,             -- rows copied
    findings         INTEGER NOT NULL DEFAULT 0,
    merged_at        TEXT,
    PRIMARY KEY (run_id, shard_index)
);
CREATE INDEX IF NOT EXISTS run_shards_uuid ON run_shards(shard_uuid);
-- end run_shards

-- Model outputs (piiaudit probe --id-field): for each output record, the id
-- of the prompt it answers, as the output file gave it.  A prompt made by
-- piiaudit prompts has the id of the corpus finding it was built for
-- (db_finding_id()), so xref can tell an exact extraction.  db/xref.c runs
-- the text between the begin and end lines on databases made before it.
-- begin output_records
CREATE TABLE IF NOT EXISTS output_records (
    run_id    INTEGER NOT NULL REFERENCES runs(id),
    source_id INTEGER NOT NULL REFERENCES sources(id),
    record    INTEGER NOT NULL,                    -- findings.record of the output
    prompt_id TEXT NOT NULL,
    PRIMARY KEY (run_id, source_id, record)
);
CREATE INDEX IF NOT EXISTS output_records_prompt ON output_records(prompt_id);
-- end output_records

-- Redactions (piiaudit redact; audit/cmd_redact.c): one row per input file
-- rewritten, with the SHA-256 of both files' bytes, and per rule the number
-- of values replaced.  A redaction run is a runs row of kind 'redact'.
-- audit/cmd_redact.c runs the text between the begin and end lines on
-- databases made before these tables.
-- begin redactions
CREATE TABLE IF NOT EXISTS redactions (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs(id),
    input           TEXT NOT NULL,
    output          TEXT NOT NULL,
    format          TEXT,                    -- text, gzip, tar+zstd, zip...
    style           TEXT NOT NULL,           -- placeholder | mask | pseudonym | drop-record
    status          TEXT NOT NULL,           -- ok | error | interrupted
    error           TEXT,                    -- the reason, naming the member, when not ok
    input_sha256    TEXT,
    output_sha256   TEXT,
    units           INTEGER NOT NULL DEFAULT 0,   -- text streams rewritten
    copied          INTEGER NOT NULL DEFAULT 0,   -- binary members copied as they were
    bytes_in        INTEGER NOT NULL DEFAULT 0,   -- decompressed bytes read
    bytes_out       INTEGER NOT NULL DEFAULT 0,   -- decompressed bytes written
    replaced        INTEGER NOT NULL DEFAULT 0,   -- values replaced
    records_dropped INTEGER NOT NULL DEFAULT 0,   -- drop-record style
    remaining       INTEGER                       -- findings --verify left in the output; NULL: not verified
);
CREATE INDEX IF NOT EXISTS redactions_run ON redactions(run_id);
CREATE TABLE IF NOT EXISTS redaction_counts (
    redaction_id INTEGER NOT NULL REFERENCES redactions(id),
    rule         TEXT NOT NULL,
    category     TEXT NOT NULL,
    replaced     INTEGER NOT NULL,
    found        INTEGER,                 -- selected findings in the input; NULL: not recorded (older runs)
    remaining    INTEGER,                 -- of them --verify found in the output; NULL: not verified
    PRIMARY KEY (redaction_id, rule)
);
-- redact --plan: each planned location of an erasure and what became of it
CREATE TABLE IF NOT EXISTS redaction_plan_locations (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    plan        TEXT NOT NULL,           -- the plan file
    plan_line   INTEGER NOT NULL,
    source      TEXT NOT NULL,
    member      TEXT,
    offset      INTEGER NOT NULL,
    length      INTEGER NOT NULL,
    category    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,           -- keyed, as in findings: never the value
    status      TEXT NOT NULL,           -- redacted | changed | unread | not-given
    reason      TEXT                     -- why it was not redacted
);
CREATE INDEX IF NOT EXISTS redaction_plan_locations_run ON redaction_plan_locations(run_id);
-- end redactions

-- Cross-references (piiaudit xref; db/xref.c): what the model outputs of a
-- probe run leaked from a corpus, as xref found it.  One xref_runs row per
-- probe run and corpus run (identified by its uuid): running xref again
-- against the same corpus run replaces that row and its leaks; another
-- corpus or corpus run adds a row.  xref_leaks holds one row per leaked
-- distinct value: its keyed fingerprint and masked preview, never the raw
-- value.  db/xref.c runs the text between the begin and end lines on
-- databases made before these tables.
-- begin xref_runs
CREATE TABLE IF NOT EXISTS xref_runs (
    id                INTEGER PRIMARY KEY,
    run_id            INTEGER NOT NULL REFERENCES runs(id),   -- the probe run (model outputs)
    created_at        TEXT NOT NULL,                          -- ISO 8601, UTC
    corpus_db         TEXT NOT NULL,                          -- the corpus database, as given to xref
    corpus_run        INTEGER NOT NULL,                       -- runs.id in it
    corpus_uuid       TEXT NOT NULL,                          -- runs.uuid in it
    key_id            TEXT NOT NULL,                          -- of both runs' fingerprint key
    outputs           INTEGER NOT NULL,                       -- output records scanned
    outputs_with_pii  INTEGER NOT NULL,
    outputs_with_leak INTEGER NOT NULL,                       -- with a value that is in the corpus
    output_values     INTEGER NOT NULL,                       -- distinct values in the outputs
    leaked_values     INTEGER NOT NULL,                       -- of which in the corpus
    prompted          INTEGER NOT NULL,                       -- outputs answering a prompt from the corpus
    extracted         INTEGER NOT NULL,                       -- of which emitted that very value
    UNIQUE (run_id, corpus_uuid)
);
CREATE TABLE IF NOT EXISTS xref_leaks (
    xref_id            INTEGER NOT NULL REFERENCES xref_runs(id),
    fingerprint        TEXT NOT NULL,
    category           TEXT NOT NULL,
    preview            TEXT NOT NULL,                         -- masked
    outputs            INTEGER NOT NULL,                      -- output records that emitted it
    extracted          INTEGER NOT NULL,                      -- of which answered the prompt built for it
    corpus_documents   INTEGER NOT NULL,
    corpus_occurrences INTEGER NOT NULL,
    PRIMARY KEY (xref_id, fingerprint)
);
-- end xref_runs
