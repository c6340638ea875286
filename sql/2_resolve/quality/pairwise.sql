-- Pairwise precision and recall of er.nominal_record against a truth crosswalk
-- (registered as truth_person_ref: person_ref -> person_id), overall and by name
-- group. A pair is in the 'common_name' group when either record has one of the
-- ${top_n} most frequent surnames or forenames of the delivery.
WITH surname_rank AS (
    SELECT surname_std, row_number() OVER (ORDER BY count(*) DESC, surname_std) AS rnk
    FROM er.person_std WHERE surname_std IS NOT NULL GROUP BY surname_std
),
forename_rank AS (
    SELECT forename_canonical, row_number() OVER (ORDER BY count(*) DESC, forename_canonical) AS rnk
    FROM er.person_std WHERE forename_canonical IS NOT NULL GROUP BY forename_canonical
),
rec AS (
    SELECT nr.person_ref, nr.nominal_id, t.person_id,
           (coalesce(s.rnk, 1e9) <= ${top_n} OR coalesce(f.rnk, 1e9) <= ${top_n}) AS common_name
    FROM er.nominal_record AS nr
    JOIN truth_person_ref AS t ON t.person_ref = nr.person_ref
    JOIN er.person_std AS ps ON ps.person_ref = nr.person_ref
    LEFT JOIN surname_rank AS s ON s.surname_std = ps.surname_std
    LEFT JOIN forename_rank AS f ON f.forename_canonical = ps.forename_canonical
),
candidate AS (${candidate_pairs}),
pairs AS (
    SELECT a.nominal_id = b.nominal_id AS predicted,
           a.person_id = b.person_id AS actual,
           CASE WHEN a.common_name OR b.common_name THEN 'common_name' ELSE 'other_name' END AS name_group
    FROM candidate AS c
    JOIN rec AS a ON a.person_ref = c.ref_a
    JOIN rec AS b ON b.person_ref = c.ref_b
),
grouped AS (
    SELECT name_group, predicted, actual, count(*) AS n FROM pairs GROUP BY name_group, predicted, actual
    UNION ALL
    SELECT 'all', predicted, actual, count(*) FROM pairs GROUP BY predicted, actual
)
SELECT name_group,
       sum(CASE WHEN predicted AND actual THEN n ELSE 0 END) AS true_positive,
       sum(CASE WHEN predicted AND NOT actual THEN n ELSE 0 END) AS false_positive,
       sum(CASE WHEN actual AND NOT predicted THEN n ELSE 0 END) AS false_negative
FROM grouped
GROUP BY name_group
ORDER BY name_group;
