-- Check net/network_member:member_roles_evidenced: every OFFENDER/SUSPECT member rests on an
-- admitting CSE reason of that role about that person, every other non-associate on an admitting
-- reason of its role; roles are the v2 vocabulary. Associates without an admitting reason in their
-- own network (their seeds fell in another community after a Leiden split) are reported, not failed.
SELECT 'members_without_supporting_reason' AS rule, count(*) AS n
FROM net.network_member AS m
WHERE m.member_role <> 'ASSOCIATE' AND NOT EXISTS (
    SELECT 1 FROM net.member_reason AS r
    WHERE r.network_id = m.network_id AND r.nominal_id = m.nominal_id AND r.admits AND r.reason_role = m.member_role
)
UNION ALL
SELECT 'accused_without_cse_evidence', count(*)
FROM net.network_member AS m
WHERE m.member_role IN ('OFFENDER', 'SUSPECT') AND NOT EXISTS (
    SELECT 1 FROM net.cse_evidence AS e WHERE e.nominal_id = m.nominal_id AND e.seed_role = m.member_role
)
UNION ALL
SELECT 'unknown_roles', count(*)
FROM net.network_member
WHERE member_role NOT IN ('OFFENDER', 'SUSPECT', 'VICTIM', 'CHILD_AT_RISK', 'ASSOCIATE') OR member_role IS NULL
UNION ALL
SELECT 'associates_without_reason_in_own_network', count(*)
FROM net.network_member AS m
WHERE m.member_role = 'ASSOCIATE' AND NOT EXISTS (
    SELECT 1 FROM net.member_reason AS r
    WHERE r.network_id = m.network_id AND r.nominal_id = m.nominal_id AND r.admits
)
