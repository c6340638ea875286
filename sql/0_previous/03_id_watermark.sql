-- prev.id_watermark: the highest id number of each kind ever issued up to this run,
-- computed once: the largest of the ids the previous published run holds, the marks it
-- declared (its id_watermark) and the pipeline's own ledger (audit.id_ledger in
-- work.duckdb, raised by every publish), which survives the loss of analyst.duckdb.
-- New ids start above it, so an id is never reused. Ids of unexpected form were refused
-- before this runs (csenet_dagster/previous/snapshot.py).
CREATE TABLE IF NOT EXISTS audit.id_ledger (
    kind VARCHAR NOT NULL,
    max_issued BIGINT NOT NULL,
    run_id VARCHAR,
    recorded_at TIMESTAMP
);
CREATE OR REPLACE TABLE prev.id_watermark AS
WITH issued AS (
    SELECT kind, ${nominal_number} AS max_issued FROM previous_issued_id WHERE kind = ${nominal_kind}
    UNION ALL
    SELECT kind, ${network_number} FROM previous_issued_id WHERE kind = ${network_kind}
    UNION ALL
    SELECT kind, max_issued FROM previous_declared_mark
    UNION ALL
    SELECT kind, max_issued FROM audit.id_ledger
    UNION ALL
    SELECT kind, 0 FROM (VALUES (${nominal_kind}), (${network_kind})) AS k (kind)
)
SELECT kind, max(max_issued) AS max_issued
FROM issued
GROUP BY kind
ORDER BY kind;
