-- Pairwise precision and recall of er.nominal_record against the generator's truth, by the
-- name group of the people involved (registered: truth_person_ref = person_ref -> person_id,
-- truth_person = person_id -> name_group). A true pair belongs to its person's group; a false
-- match joins two people and counts against each of their groups (once if they share one),
-- so a group's precision says how often its members are wrongly joined to anyone.
WITH rec AS (
    SELECT nr.person_ref, nr.nominal_id, t.person_id, coalesce(p.name_group, 'UNKNOWN') AS name_group
    FROM er.nominal_record AS nr
    JOIN truth_person_ref AS t ON t.person_ref = nr.person_ref
    LEFT JOIN truth_person AS p ON p.person_id = t.person_id
),
candidate AS (${candidate_pairs}),
pairs AS (
    SELECT a.nominal_id = b.nominal_id AS predicted,
           a.person_id = b.person_id AS actual,
           a.name_group AS group_a,
           b.name_group AS group_b
    FROM candidate AS c
    JOIN rec AS a ON a.person_ref = c.ref_a
    JOIN rec AS b ON b.person_ref = c.ref_b
),
by_group AS (
    SELECT group_a AS name_group, predicted, actual FROM pairs
    UNION ALL
    SELECT group_b, predicted, actual FROM pairs WHERE group_b <> group_a
    UNION ALL
    SELECT 'all', predicted, actual FROM pairs
)
SELECT name_group,
       count(*) FILTER (WHERE predicted AND actual) AS true_positive,
       count(*) FILTER (WHERE predicted AND NOT actual) AS false_positive,
       count(*) FILTER (WHERE actual AND NOT predicted) AS false_negative
FROM by_group
GROUP BY name_group
ORDER BY name_group;
