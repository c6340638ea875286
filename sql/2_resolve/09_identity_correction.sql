-- Analysts' identity decisions (registered as identity_correction_loaded) with
-- what this run did with them. applied = the decision holds in er.nominal_record.
CREATE OR REPLACE TABLE er.identity_correction AS
SELECT
    c.row_no,
    c.decision,
    c.person_ref_a,
    c.person_ref_b,
    c.analyst,
    c.decided_at,
    c.reason,
    a.nominal_id AS nominal_id_a,
    b.nominal_id AS nominal_id_b,
    CASE
        WHEN c.status <> 'applied' THEN FALSE
        WHEN c.decision = 'SAME' THEN a.nominal_id = b.nominal_id
        ELSE a.nominal_id <> b.nominal_id
    END AS applied,
    c.status
FROM identity_correction_loaded AS c
LEFT JOIN er.nominal_record AS a ON a.person_ref = c.person_ref_a
LEFT JOIN er.nominal_record AS b ON b.person_ref = c.person_ref_b
ORDER BY c.row_no;
