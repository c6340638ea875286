-- Audit of pub.network_member against pub.network and pub.nominal.
SELECT 'membership_repeated' AS rule, count(*) AS n_failing
FROM (
    SELECT network_id, nominal_id FROM pub.network_member
    GROUP BY network_id, nominal_id HAVING count(*) > 1
) AS repeated
UNION ALL
SELECT 'network_id_not_in_network', count(*)
FROM pub.network_member AS m
WHERE NOT EXISTS (SELECT 1 FROM pub.network AS w WHERE w.network_id = m.network_id)
UNION ALL
SELECT 'nominal_id_not_in_nominal', count(*)
FROM pub.network_member AS m
WHERE NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = m.nominal_id)
UNION ALL
SELECT 'unknown_member_role', count(*)
FROM pub.network_member
WHERE member_role IS NULL OR member_role NOT IN ('OFFENDER', 'SUSPECT', 'VICTIM', 'CHILD_AT_RISK', 'ASSOCIATE')
UNION ALL
-- network.n_members must count exactly the members published here.
SELECT 'n_members_mismatch', count(*)
FROM pub.network AS w
LEFT JOIN (
    SELECT network_id, count(*) AS n FROM pub.network_member GROUP BY network_id
) AS c ON c.network_id = w.network_id
WHERE coalesce(c.n, 0) <> w.n_members;
