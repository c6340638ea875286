-- Networks and explained nominals whose SCORE parts do not add up to their priority score.
WITH subject AS (
    SELECT 'NETWORK' AS kind, network_id AS id, priority_score FROM harm.network_priority
    UNION ALL
    SELECT 'NOMINAL', nominal_id, priority_score FROM harm.nominal_priority WHERE is_explained
),
parts AS (
    SELECT subject_kind, subject_id, sum(contribution) AS total
    FROM harm.explanation WHERE section = 'SCORE' GROUP BY subject_kind, subject_id
)
SELECT 'n_subjects_not_adding_up' AS rule, count(*) AS n FROM subject AS s
LEFT JOIN parts AS p ON p.subject_kind = s.kind AND p.subject_id = s.id
WHERE abs(s.priority_score - coalesce(p.total, 0)) > 1e-6
