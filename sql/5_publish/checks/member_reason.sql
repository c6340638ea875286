-- Audit of pub.member_reason against pub.network_member: every member has a
-- reason that admits them, every OFFENDER/SUSPECT rests on CSE evidence about
-- that person, and the published role is the one the reasons give.
SELECT 'member_without_admitting_reason' AS rule, count(*) AS n_failing
FROM pub.network_member AS m
WHERE m.member_role <> 'ASSOCIATE'
  AND NOT EXISTS (SELECT 1 FROM pub.member_reason AS r
                  WHERE r.network_id = m.network_id AND r.nominal_id = m.nominal_id AND r.admits)
UNION ALL
SELECT 'accusation_without_cse_evidence', count(*)
FROM pub.network_member AS m
WHERE m.member_role IN ('OFFENDER', 'SUSPECT')
  AND NOT EXISTS (SELECT 1 FROM pub.member_reason AS r
                  WHERE r.network_id = m.network_id AND r.nominal_id = m.nominal_id AND r.admits
                    AND r.reason_role = m.member_role
                    AND r.reason IN ('CSE_CRIME_CHARGED', 'CSE_CRIME_SUSPECT', 'CSE_INTEL_SUBJECT'))
UNION ALL
SELECT 'reason_for_non_member', count(*)
FROM pub.member_reason AS r
WHERE NOT EXISTS (SELECT 1 FROM pub.network_member AS m
                  WHERE m.network_id = r.network_id AND m.nominal_id = r.nominal_id)
UNION ALL
SELECT 'reason_without_evidence_refs', count(*)
FROM pub.member_reason
WHERE source_refs IS NULL OR source_refs = '';
