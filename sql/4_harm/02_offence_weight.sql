-- harm.offence_weight: the crime harm weight (CCHI days) of every offence code a
-- run can meet: the codes of the weights file, of the classification
-- (reference/offence_codes.csv) and of this delivery's crime.csv and custody.csv.
-- Inputs registered by harm/scoring.py after validation: harm_weight_input (the
-- weights file, CSS weights merged in) and offence_code_reference (the classification).
--
-- An unknown code never stops a run (it would leave analysts on stale results):
-- under fallback mode 'CLASS' it takes the lowest weight of its Home Office class
-- (the numeric part of a code-shaped code, 10A -> 10; the lowest because the CCHI
-- itself counts the least serious category), and ${default_days} when no code of
-- the class is weighted; under 'DEFAULT' always ${default_days}. fallback_used says
-- which; it is NULL for a code the weights file weights.
-- Code shape (regexp_matches is DuckDB's; Spark: RLIKE): ${code_shape}.
-- Delivered codes are compared after the one normalisation of sql/common/offence_code.sql
-- (019E -> 19E), rendered here as parameter crime_offence_code for the column offence_code.
CREATE OR REPLACE TABLE harm.offence_weight AS
WITH delivered AS (
    SELECT ${crime_offence_code} AS offence_code
    FROM raw.crime
    WHERE offence_code IS NOT NULL
    UNION
    SELECT ${crime_offence_code}
    FROM raw.custody
    WHERE offence_code IS NOT NULL
),
every_code AS (
    SELECT offence_code FROM harm_weight_input
    UNION
    SELECT offence_code FROM offence_code_reference
    UNION
    SELECT offence_code FROM delivered WHERE offence_code <> ''
),
classed AS (
    SELECT
        offence_code,
        CASE WHEN regexp_matches(offence_code, ${code_shape})
             THEN regexp_extract(offence_code, '^[0-9]+') END AS offence_class
    FROM every_code
),
weighted_by_class AS (
    -- the weighted codes of each class, lightest first (ties: lowest code)
    SELECT
        c.offence_class,
        w.offence_code,
        w.harm_days,
        w.weight_origin,
        row_number() OVER (PARTITION BY c.offence_class ORDER BY w.harm_days, w.offence_code) AS lightness
    FROM harm_weight_input AS w
    JOIN classed AS c ON c.offence_code = w.offence_code
    WHERE c.offence_class IS NOT NULL
),
class_weight AS (
    SELECT offence_class, offence_code AS class_code, harm_days, weight_origin
    FROM weighted_by_class
    WHERE lightness = 1
),
resolved AS (
    SELECT
        c.offence_code,
        c.offence_class,
        w.offence_code IS NOT NULL AS has_weight,
        r.offence_code IS NOT NULL AS in_reference,
        CASE
            WHEN w.offence_code IS NOT NULL THEN NULL
            WHEN ${fallback_mode} = 'CLASS' AND cw.harm_days IS NOT NULL THEN 'CLASS'
            ELSE 'DEFAULT'
        END AS fallback_used,
        w.offence_title AS weight_title,
        r.offence_title AS reference_title,
        r.offence_group,
        w.harm_days AS own_harm_days,
        w.basis,
        w.guideline,
        w.guideline_category,
        w.note,
        w.css_weight,
        w.weight_origin,
        w.source,
        cw.class_code,
        cw.harm_days AS class_harm_days,
        cw.weight_origin AS class_weight_origin,
        coalesce(r.is_cse_offence, FALSE) AS is_cse_offence,
        coalesce(r.child_victim_implied, FALSE) AS child_victim_implied
    FROM classed AS c
    LEFT JOIN harm_weight_input AS w ON w.offence_code = c.offence_code
    LEFT JOIN offence_code_reference AS r ON r.offence_code = c.offence_code
    LEFT JOIN class_weight AS cw ON cw.offence_class = c.offence_class
)
SELECT
    CAST(offence_code AS VARCHAR) AS offence_code,
    -- a fallback row's title is csenet's own text, never the delivered title
    CAST(CASE
        WHEN NOT has_weight AND reference_title IS NOT NULL THEN reference_title
        WHEN fallback_used = 'CLASS' THEN 'Offence code outside the weights: weight of Home Office class ' || offence_class
        WHEN fallback_used = 'DEFAULT' THEN 'Offence code outside the weights: default weight'
        ELSE coalesce(weight_title, reference_title)
    END AS VARCHAR) AS offence_title,
    CAST(offence_group AS VARCHAR) AS offence_group,
    CAST(offence_class AS VARCHAR) AS offence_class,
    CAST(CASE
        WHEN has_weight THEN own_harm_days
        WHEN fallback_used = 'CLASS' THEN class_harm_days
        ELSE ${default_days}
    END AS DOUBLE) AS harm_days,
    CAST(CASE
        WHEN has_weight THEN basis
        WHEN fallback_used = 'CLASS' THEN 'FALLBACK_CLASS'
        ELSE 'FALLBACK_DEFAULT'
    END AS VARCHAR) AS basis,
    CAST(CASE
        WHEN has_weight THEN guideline
        WHEN fallback_used = 'CLASS' THEN 'lowest weight of class ' || offence_class || ': ' || class_code
        ELSE 'setting harm.unknown_code_default_days'
    END AS VARCHAR) AS guideline,
    CAST(CASE WHEN has_weight THEN guideline_category ELSE '' END AS VARCHAR) AS guideline_category,
    CAST(CASE WHEN has_weight THEN note ELSE 'fallback weight (docs/harm_and_priority.md)' END AS VARCHAR) AS note,
    CAST(css_weight AS DOUBLE) AS css_weight,
    CAST(CASE
        WHEN has_weight THEN weight_origin
        WHEN fallback_used = 'CLASS' THEN class_weight_origin
        ELSE 'SETTING'
    END AS VARCHAR) AS weight_origin,
    CAST(CASE WHEN has_weight THEN source ELSE '' END AS VARCHAR) AS weight_source,
    CAST(fallback_used AS VARCHAR) AS fallback_used,
    CAST(CASE WHEN fallback_used = 'CLASS' THEN class_code END AS VARCHAR) AS fallback_code,
    in_reference,
    CAST(is_cse_offence AS BOOLEAN) AS is_cse_offence,
    CAST(child_victim_implied AS BOOLEAN) AS child_victim_implied,
    CAST(${source_file} AS VARCHAR) AS source_file
FROM resolved
ORDER BY offence_code;

-- harm.unknown_offence_code: every code of this delivery that took a fallback
-- weight (or has no code at all), with its rows per file. The delivered title
-- (the commonest in crime.csv, ties to the lowest) is kept for analysts only:
-- it is delivered text and never goes into metadata or logs.
CREATE OR REPLACE TABLE harm.unknown_offence_code AS
WITH delivered_rows AS (
    SELECT
        ${crime_offence_code} AS offence_code,
        offence_title,
        'crime.csv' AS file_name
    FROM raw.crime
    UNION ALL
    SELECT ${crime_offence_code}, NULL, 'custody.csv'
    FROM raw.custody
),
title_rank AS (
    SELECT
        offence_code,
        offence_title,
        row_number() OVER (PARTITION BY offence_code ORDER BY count(*) DESC, offence_title) AS title_rank
    FROM delivered_rows
    WHERE file_name = 'crime.csv' AND offence_title IS NOT NULL
    GROUP BY offence_code, offence_title
),
unknown_rows AS (
    SELECT d.offence_code, d.file_name, w.fallback_used, w.fallback_code, w.offence_class, w.harm_days, w.weight_origin, w.in_reference
    FROM delivered_rows AS d
    LEFT JOIN harm.offence_weight AS w ON w.offence_code = d.offence_code
    WHERE d.offence_code IS NULL OR w.fallback_used IS NOT NULL
)
SELECT
    u.offence_code,
    coalesce(regexp_matches(u.offence_code, ${code_shape}), FALSE) AS is_code_shaped,
    t.offence_title AS offence_title_delivered,
    CAST(sum(CASE WHEN u.file_name = 'crime.csv' THEN 1 ELSE 0 END) AS BIGINT) AS n_crime_rows,
    CAST(sum(CASE WHEN u.file_name = 'custody.csv' THEN 1 ELSE 0 END) AS BIGINT) AS n_custody_rows,
    CAST(count(*) AS BIGINT) AS n_rows,
    -- NO_CODE: the row carries no offence code, so no weight at all (harm unknown)
    coalesce(u.fallback_used, 'NO_CODE') AS fallback_used,
    CASE WHEN u.fallback_used = 'CLASS' THEN u.offence_class END AS fallback_class,
    u.fallback_code,
    u.harm_days,
    u.weight_origin,
    coalesce(u.in_reference, FALSE) AS in_reference
FROM unknown_rows AS u
LEFT JOIN title_rank AS t ON t.offence_code IS NOT DISTINCT FROM u.offence_code AND t.title_rank = 1
GROUP BY u.offence_code, t.offence_title, u.fallback_used, u.offence_class, u.fallback_code, u.harm_days, u.weight_origin, u.in_reference
ORDER BY u.offence_code NULLS FIRST;
