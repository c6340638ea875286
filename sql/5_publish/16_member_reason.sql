-- analyst.member_reason: why each member is in each network, one row per
-- network, nominal and reason, with the evidence refs and dates. admits = the
-- reason can put the person in the network; context reasons (co-offending in a
-- non-CSE crime, OCG membership, shared address, person of concern) are shown
-- but never make anyone a member. network_member.member_role derives from the
-- admitting reasons (OFFENDER > SUSPECT > VICTIM > CHILD_AT_RISK > ASSOCIATE).
CREATE OR REPLACE TABLE pub.member_reason AS
SELECT network_id, nominal_id, reason, reason_role, admits, n_sources, source_refs,
       linked_nominal_ids, first_seen, last_seen
FROM net.member_reason
ORDER BY network_id, nominal_id, reason;
