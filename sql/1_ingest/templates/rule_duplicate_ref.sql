-- Rule duplicate_ref: a unique ref repeated. Among the rows that pass every
-- other rule the first keeps the ref; later repeats are quarantined.
INSERT INTO rule_breach
SELECT d.row_no, 'duplicate_ref', ${column_name} || ' repeats row ' || CAST(d.first_row_no AS VARCHAR)
FROM (
    SELECT s.row_no, min(s.row_no) OVER (PARTITION BY s.${column}) AS first_row_no
    FROM staged s
    WHERE NOT EXISTS (SELECT 1 FROM rule_breach b WHERE b.row_no = s.row_no)
) d
WHERE d.row_no > d.first_row_no;
