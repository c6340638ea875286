-- Highest id number ever issued per kind of id (nominal 'N' + 8 digits,
-- network 'CSE' + 5 digits) up to the previous published run: the largest of
-- the ids its tables hold (previous_issued_id) and of the marks it declared
-- (previous_issued_number). New ids start above it, so an id is never reused
-- even when the nominal or network that held it has vanished. The pipeline's own
-- ledger (audit.id_ledger in work.duckdb) counts too: it survives the deletion of
-- analyst.duckdb, so ids are never issued twice (max of both).
CREATE TABLE IF NOT EXISTS audit.id_ledger (
    kind VARCHAR NOT NULL,
    max_issued BIGINT NOT NULL,
    run_id VARCHAR,
    recorded_at TIMESTAMP
);
CREATE OR REPLACE TABLE er.previous_id_watermark AS
WITH issued AS (
    SELECT 'nominal' AS kind, CAST(substr(id, 2) AS BIGINT) AS max_issued
    FROM previous_issued_id
    WHERE kind = 'nominal' AND regexp_full_match(id, 'N[0-9]{8}')
    UNION ALL
    SELECT 'network', CAST(substr(id, 4) AS BIGINT)
    FROM previous_issued_id
    WHERE kind = 'network' AND regexp_full_match(id, 'CSE[0-9]{5}')
    UNION ALL
    SELECT kind, max_issued FROM previous_issued_number
    UNION ALL
    SELECT kind, max_issued FROM audit.id_ledger
    UNION ALL
    SELECT kind, 0 FROM (VALUES ('nominal'), ('network')) AS k (kind)
)
SELECT kind, max(max_issued) AS max_issued
FROM issued
GROUP BY kind
ORDER BY kind;
