-- audit.id_ledger: the highest id number ever issued per kind of id, kept in the
-- pipeline's own state (work.duckdb) beside the published id_watermark, so ids are
-- never issued again even if analyst.duckdb is deleted or replaced by an old copy.
CREATE TABLE IF NOT EXISTS audit.id_ledger (
    kind VARCHAR NOT NULL,
    max_issued BIGINT NOT NULL,
    run_id VARCHAR,
    recorded_at TIMESTAMP
);
