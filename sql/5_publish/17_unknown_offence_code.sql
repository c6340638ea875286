-- analyst.unknown_offence_code: every offence code of the delivery outside the
-- weights (or a row with no code), the fallback weight it took and how much of
-- the delivery's crime harm rests on it, so analysts can judge those scores and
-- ask for the reference to be extended. offence_title_delivered is the delivered
-- text, for analysts only (never in metadata or logs).
CREATE OR REPLACE TABLE pub.unknown_offence_code AS
WITH total AS (
    SELECT coalesce(sum(harm_days), 0) AS harm_days, coalesce(sum(recent_harm), 0) AS recent_harm
    FROM harm.crime_harm
),
by_code AS (
    SELECT offence_code, sum(harm_days) AS harm_days, sum(recent_harm) AS recent_harm
    FROM harm.crime_harm
    GROUP BY offence_code
)
SELECT
    u.offence_code,
    u.is_code_shaped,
    u.offence_title_delivered,
    u.n_crime_rows,
    u.n_custody_rows,
    u.n_rows,
    u.fallback_used,
    u.fallback_class,
    u.fallback_code,
    u.harm_days,
    u.weight_origin,
    u.in_reference,
    CAST(coalesce(b.harm_days, 0) AS DOUBLE) AS crime_harm_days,
    CAST(CASE WHEN t.harm_days > 0 THEN coalesce(b.harm_days, 0) / t.harm_days ELSE 0 END AS DOUBLE) AS share_of_crime_harm,
    CAST(CASE WHEN t.recent_harm > 0 THEN coalesce(b.recent_harm, 0) / t.recent_harm ELSE 0 END AS DOUBLE) AS share_of_recent_harm
FROM harm.unknown_offence_code AS u
CROSS JOIN total AS t
LEFT JOIN by_code AS b ON b.offence_code = u.offence_code
ORDER BY u.offence_code NULLS FIRST;
