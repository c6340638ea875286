-- Check harm/nominal_priority:no_victim_ranked: no victim or child at risk is ranked as a target.
SELECT 'n_victims_ranked' AS rule, count(*) AS n
FROM harm.nominal_priority AS p
WHERE EXISTS (SELECT 1 FROM harm.protected_nominal AS v WHERE v.nominal_id = p.nominal_id)
   OR EXISTS (SELECT 1 FROM net.network_member AS m
              WHERE m.nominal_id = p.nominal_id AND m.member_role IN ('VICTIM', 'CHILD_AT_RISK'))
