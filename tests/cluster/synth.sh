#!/usr/bin/env bash
# Synthetic volume for merge: adds to a shard database's run, in SQL,
# ARCHIVES archive sources with MEMBERS members each (parent_id set) and
# FINDINGS findings per member, with random 64-hex fingerprints.
#
#   tests/cluster/synth.sh DB RUN_ID ARCHIVES MEMBERS FINDINGS
#
# 1000 x 10 x 100 makes a million findings.  Used by t0720 (a smaller
# size) and by tests/cluster/bench-merge.sh.
set -eu
db=$1 run=$2 archives=$3 members=$4 findings=$5
sqlite3 -batch "$db" <<EOF
PRAGMA cache_size = -65536;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $archives)
INSERT INTO sources(run_id, path, kind, format, size, bytes_scanned, status)
SELECT $run, printf('synthetic/part-%05d.tar.gz', i), 'archive', 'gzip', 1000000, 0, 'ok' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $members)
INSERT INTO sources(run_id, parent_id, path, member, kind, format, size, bytes_scanned, status, findings)
SELECT $run, s.id, s.path, printf('docs/m-%03d.txt', n.i), 'member', 'raw', 100000, 100000, 'ok', $findings
FROM sources s, n WHERE s.run_id = $run AND s.kind = 'archive' AND s.path LIKE 'synthetic/%'
ORDER BY s.id, n.i;
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < $findings)
INSERT INTO findings(run_id, source_id, rule, category, line, offset, length, confidence,
                     placeholder, preview, fingerprint)
SELECT $run, s.id, 'email.address', 'email', k.k, k.k * 97, 31, 0.9, 0, 'u***@h***.io',
       lower(hex(randomblob(32)))
FROM sources s, k WHERE s.run_id = $run AND s.kind = 'member' AND s.path LIKE 'synthetic/%'
ORDER BY s.id, k.k;
UPDATE runs SET sources_ok = (SELECT count(*) FROM sources WHERE run_id = $run AND kind != 'archive')
WHERE id = $run;
COMMIT;
EOF
