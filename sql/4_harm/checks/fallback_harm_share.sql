-- Crime harm in total and on fallback weights (all harm_days, and recency-decayed).
SELECT
    coalesce(sum(h.harm_days), 0) AS total_harm_days,
    coalesce(sum(h.recent_harm), 0) AS total_recent_harm,
    coalesce(sum(CASE WHEN w.fallback_used IS NOT NULL THEN h.harm_days END), 0) AS fallback_harm_days,
    coalesce(sum(CASE WHEN w.fallback_used IS NOT NULL THEN h.recent_harm END), 0) AS fallback_recent_harm
FROM harm.crime_harm AS h
LEFT JOIN harm.offence_weight AS w ON w.offence_code = h.offence_code
