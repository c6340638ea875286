-- The pairs a pairwise score looks at, over a CTE rec(person_ref, nominal_id, person_id):
-- every pair either predicted (same nominal) or true (same person), as two equi-joins
-- (a cross join of all records would grow with the square of the delivery).
SELECT a.person_ref AS ref_a, b.person_ref AS ref_b
FROM rec AS a JOIN rec AS b ON a.nominal_id = b.nominal_id AND a.person_ref < b.person_ref
UNION
SELECT a.person_ref, b.person_ref
FROM rec AS a JOIN rec AS b ON a.person_id = b.person_id AND a.person_ref < b.person_ref
