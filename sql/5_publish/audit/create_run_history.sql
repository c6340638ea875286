-- audit.run_history: one row per published (or failed) run, kept in the working
-- database across runs and published to analysts as run_history.
CREATE TABLE IF NOT EXISTS audit.run_history (
    run_id VARCHAR NOT NULL,
    trigger VARCHAR,
    status VARCHAR NOT NULL,
    delivery_id VARCHAR,
    extracted_at TIMESTAMP,
    manifest_sha256 VARCHAR,
    delivery_checksums VARCHAR,
    code_version VARCHAR,
    settings VARCHAR,
    identity_corrections_applied BIGINT,
    link_corrections_applied BIGINT,
    failed_step VARCHAR,
    error VARCHAR,
    published_at TIMESTAMP,
    recorded_at TIMESTAMP NOT NULL
);
