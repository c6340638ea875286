-- Tables every ingest asset may write before the others have run.
CREATE TABLE IF NOT EXISTS raw.quarantine (
    delivery_id VARCHAR,
    file_name VARCHAR,
    row_no BIGINT,
    rule VARCHAR,
    detail VARCHAR
);

-- Fields blanked because they were unusable (the row loaded): file, row, column,
-- rule and a detail naming the column, never the value.
CREATE TABLE IF NOT EXISTS raw.field_issue (
    delivery_id VARCHAR,
    file_name VARCHAR,
    row_no BIGINT,
    column_name VARCHAR,
    rule VARCHAR,
    detail VARCHAR
);

-- Person fields of quarantined rows of person files (see templates/publish_quarantined_person.sql).
CREATE TABLE IF NOT EXISTS raw.quarantined_person (
    delivery_id VARCHAR,
    file_name VARCHAR,
    row_no BIGINT,
    person_ref VARCHAR,
    surname VARCHAR,
    forenames VARCHAR,
    dob DATE,
    sex VARCHAR,
    address VARCHAR,
    postcode VARCHAR,
    phone VARCHAR,
    pnc_id VARCHAR
);
