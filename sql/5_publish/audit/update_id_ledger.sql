-- Raise the ledger to this run's id_watermark (never lower it): written before the
-- run's files are switched in, so a crash after the switch cannot lose an issued id
-- (a crash before it only leaves numbers unused, which is harmless).
CREATE TABLE IF NOT EXISTS audit.id_ledger (
    kind VARCHAR NOT NULL,
    max_issued BIGINT NOT NULL,
    run_id VARCHAR,
    recorded_at TIMESTAMP
);
CREATE OR REPLACE TEMP TABLE id_ledger_next AS
SELECT kind, max(max_issued) AS max_issued
FROM (
    SELECT kind, max_issued FROM audit.id_ledger
    UNION ALL
    SELECT CAST(kind AS VARCHAR), CAST(max_issued AS BIGINT) FROM pub.id_watermark
) AS marks
GROUP BY kind;
DELETE FROM audit.id_ledger;
INSERT INTO audit.id_ledger (kind, max_issued, run_id, recorded_at)
SELECT kind, max_issued, ${run_id}, ${recorded_at}
FROM id_ledger_next
ORDER BY kind;
DROP TABLE id_ledger_next;
