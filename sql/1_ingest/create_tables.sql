-- Tables every ingest asset may write before the others have run.
CREATE TABLE IF NOT EXISTS raw.quarantine (
    delivery_id VARCHAR,
    file_name VARCHAR,
    row_no BIGINT,
    rule VARCHAR,
    detail VARCHAR
);
