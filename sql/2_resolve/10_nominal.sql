-- One row per nominal with its best values: the most frequent standardised
-- value among its records (ties: most recently seen record, then person_ref).
-- The name shown is the raw name of the record carrying the most frequent full name.
CREATE OR REPLACE TABLE er.nominal AS
WITH rec AS (
    SELECT nr.nominal_id, pr.person_ref, pr.system, pr.surname, pr.forenames, pr.last_seen,
           ps.full_name, ps.dob_std, ps.sex_std, ps.pnc_std, pr.pnc_id,
           count(*) OVER (PARTITION BY nr.nominal_id, ps.full_name) AS name_frequency
    FROM er.nominal_record AS nr
    JOIN er.person_record AS pr ON pr.person_ref = nr.person_ref
    JOIN er.person_std AS ps ON ps.person_ref = nr.person_ref
),
name_pick AS (
    SELECT nominal_id, surname, forenames,
           row_number() OVER (
               PARTITION BY nominal_id
               ORDER BY name_frequency DESC,
                        (full_name IS NULL), last_seen DESC NULLS LAST, person_ref
           ) AS pick
    FROM rec
),
dob_pick AS (
    SELECT nominal_id, dob_std,
           row_number() OVER (PARTITION BY nominal_id ORDER BY count(*) DESC, max(last_seen) DESC NULLS LAST, min(person_ref)) AS pick
    FROM rec WHERE dob_std IS NOT NULL GROUP BY nominal_id, dob_std
),
sex_pick AS (
    SELECT nominal_id, sex_std,
           row_number() OVER (PARTITION BY nominal_id ORDER BY count(*) DESC, max(last_seen) DESC NULLS LAST, min(person_ref)) AS pick
    FROM rec WHERE sex_std IS NOT NULL GROUP BY nominal_id, sex_std
),
pnc_pick AS (
    -- only PNC ids that pass the check character; shown as delivered
    SELECT nominal_id, pnc_std, min(pnc_id) AS pnc_id,
           row_number() OVER (PARTITION BY nominal_id ORDER BY count(*) DESC, max(last_seen) DESC NULLS LAST, min(person_ref)) AS pick
    FROM rec WHERE pnc_std IS NOT NULL GROUP BY nominal_id, pnc_std
),
summary AS (
    SELECT nominal_id,
           count(*) AS n_records,
           count(DISTINCT system) AS n_systems,
           string_agg(DISTINCT system, ',' ORDER BY system) AS systems,
           count(DISTINCT pnc_std) AS n_valid_pnc_ids
    FROM rec GROUP BY nominal_id
)
SELECT s.nominal_id, n.surname, n.forenames, d.dob_std AS dob, x.sex_std AS sex, p.pnc_id,
       s.n_records, s.n_systems, s.systems, s.n_valid_pnc_ids
FROM summary AS s
JOIN name_pick AS n ON n.nominal_id = s.nominal_id AND n.pick = 1
LEFT JOIN dob_pick AS d ON d.nominal_id = s.nominal_id AND d.pick = 1
LEFT JOIN sex_pick AS x ON x.nominal_id = s.nominal_id AND x.pick = 1
LEFT JOIN pnc_pick AS p ON p.nominal_id = s.nominal_id AND p.pick = 1
ORDER BY s.nominal_id;
