-- One edge per pair of nominals and link type, from every piece of evidence
-- (the force's own analysis, scoring, delineation). Exports and dossiers read the
-- same table of the shareable picture (csenet_dagster/network/shareable.py: the network and
-- harm SQL run again over the delivery without handling-code-C intelligence), so
-- nothing derived from C logs (weight, first/last seen, counts, refs) reaches them.
-- weight = min(strength x max_event_credit, sum over events of
--              event_strength x max(recency_floor, 0.5 ^ (age_days / half_life_days)))
-- with age measured from the delivery's extracted_at (never the clock).
CREATE OR REPLACE TABLE net.edge AS
WITH credited AS (
    SELECT e.*,
           e.event_strength * coalesce(
               greatest(${recency_floor},
                        -- undated evidence (NULL age) gets the floor: greatest() ignores NULL,
                        -- so the date must be tested before it, or it would count as today
                        power(0.5, CASE WHEN e.event_date IS NOT NULL
                                        THEN greatest(0, date_diff('day', e.event_date, CAST(${as_of} AS DATE))) END
                                   / ${recency_half_life_days})),
               ${recency_floor}) AS credit
    FROM net.edge_evidence AS e
),
strength AS (
    SELECT link_type, strength FROM (VALUES
        ('CO_OFFENDING', ${strength_co_offending}),
        ('CO_ARREST', ${strength_co_arrest}),
        ('OFFENDER_VICTIM', ${strength_offender_victim}),
        ('CO_VICTIMISATION', ${strength_co_victimisation}),
        ('MISSING_FOUND_WITH', ${strength_missing_found_with}),
        ('MISSING_FOUND_AT_ADDRESS', ${strength_missing_found_at_address}),
        ('INTEL_ASSOCIATION', ${strength_intel_association}),
        ('SHARED_ADDRESS', ${strength_shared_address}),
        ('SHARED_PHONE', ${strength_shared_phone}),
        ('SHARED_VEHICLE', ${strength_shared_vehicle})
    ) AS s (link_type, strength)
)
SELECT c.nominal_id_a, c.nominal_id_b, c.link_type,
       least(s.strength * ${max_event_credit}, sum(c.credit)) AS weight,
       min(c.event_date) AS first_seen,
       max(c.event_date) AS last_seen,
       count(DISTINCT c.source_ref) AS n_events,
       string_agg(DISTINCT c.source_ref, ',' ORDER BY c.source_ref) AS source_refs,
       bool_or(c.shareable) AS shareable
FROM credited AS c
JOIN strength AS s ON s.link_type = c.link_type
GROUP BY c.nominal_id_a, c.nominal_id_b, c.link_type, s.strength
ORDER BY c.nominal_id_a, c.nominal_id_b, c.link_type;

