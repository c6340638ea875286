-- One row per person_ref. A ref is one record by definition; where its mentions
-- disagree on a field, the most recent non-null value wins (ties: file order,
-- row number), so the choice is deterministic. only_in_quarantine: every row
-- of the ref was quarantined (a record to resolve, but with no links).
CREATE OR REPLACE TABLE er.person_record AS
WITH ranked AS (
    SELECT
        person_ref, system, source_file, event_date,
        first_value(surname IGNORE NULLS)   OVER w AS surname,
        first_value(forenames IGNORE NULLS) OVER w AS forenames,
        first_value(dob IGNORE NULLS)       OVER w AS dob,
        first_value(sex IGNORE NULLS)       OVER w AS sex,
        first_value(address IGNORE NULLS)   OVER w AS address,
        first_value(postcode IGNORE NULLS)  OVER w AS postcode,
        first_value(phone IGNORE NULLS)     OVER w AS phone,
        first_value(pnc_id IGNORE NULLS)    OVER w AS pnc_id,
        count(*) OVER (PARTITION BY person_ref) AS n_mentions,
        min(event_date) OVER (PARTITION BY person_ref) AS first_seen,
        max(event_date) OVER (PARTITION BY person_ref) AS last_seen,
        -- mentions of quarantined rows are only kept for refs with no good row
        bool_and(in_quarantine) OVER (PARTITION BY person_ref) AS only_in_quarantine,
        -- the ref's own system is the file it first appears in (fixed file order)
        row_number() OVER (PARTITION BY person_ref ORDER BY file_order, row_no) AS first_mention
    FROM er.person_mention
    WINDOW w AS (
        PARTITION BY person_ref
        ORDER BY event_date DESC NULLS LAST, file_order, row_no
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    )
)
SELECT person_ref, system, source_file, surname, forenames, dob, sex, address, postcode,
       phone, pnc_id, n_mentions, first_seen, last_seen, only_in_quarantine
FROM ranked
WHERE first_mention = 1
ORDER BY person_ref;
