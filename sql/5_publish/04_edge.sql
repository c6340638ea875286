-- analyst.edge: one row per pair of nominals and link type (after link corrections).
-- shareable: false when any evidence is intelligence with handling code C.
CREATE OR REPLACE TABLE pub.edge AS
SELECT
    e.nominal_id_a,
    e.nominal_id_b,
    e.link_type,
    e.weight,
    e.first_seen,
    e.last_seen,
    e.n_events,
    e.source_refs,
    e.shareable
FROM net.edge AS e
ORDER BY e.nominal_id_a, e.nominal_id_b, e.link_type;
