-- net.admission_link: why a person who is not a seed may join a network, one
-- row per person, seed, reason and source. delineate.py admits:
--   ASSOCIATE      with admitting links to >= associate_min_seed_links seeds of one group:
--     INTEL_ASSOCIATE           named with a seed offender/suspect in a credible CSE-flagged log
--     INTEL_ASSOCIATE_LOW_GRADE the same in a CSE-flagged log below the credibility rule but in the
--                               associate tier (source ${associate_source_evals}, assessment ${associate_intel_evals};
--                               never source 3, D or E): admits an ASSOCIATE, never an offender
--     FOUND_WITH_MISSING_CHILD  an adult a missing child VICTIM was found with / at whose address
--     SHARED_VEHICLE / SHARED_PHONE  a vehicle or phone shared with a seed offender/suspect
--                               who does not share a home with them (else HOUSEHOLD_*, context)
--   CHILD_AT_RISK  a missing child found with, or at the address of, a seed offender/suspect
--     (FOUND_WITH_OFFENDER): joins that offender's network.
-- Context reasons (admits = false) never put anyone in a network, because they
-- are not evidence of CSE: CO_OFFENDER_NON_CSE (co-offending or co-arrest with
-- a seed), SHARED_ADDRESS (a family home) and HOUSEHOLD_PHONE / HOUSEHOLD_VEHICLE
-- (the home's phone or car shared with a seed living there). OCG membership is context too
-- (10_member_reason.sql).
CREATE OR REPLACE TABLE net.admission_link AS
WITH
seed AS (
    SELECT nominal_id, cse_role FROM net.node WHERE cse_role IS NOT NULL
),
accused AS (
    SELECT nominal_id FROM seed WHERE cse_role IN ('OFFENDER', 'SUSPECT')
),
intel AS (
    SELECT o.nominal_id, s.nominal_id AS seed_nominal_id,
           CASE WHEN o.is_credible THEN 'INTEL_ASSOCIATE' ELSE 'INTEL_ASSOCIATE_LOW_GRADE' END AS reason,
           'ASSOCIATE' AS admits_as, 'intel' AS source_file, o.intel_ref AS source_ref, o.event_date
    FROM net.intel_party AS o
    JOIN net.intel_party AS s ON s.intel_ref = o.intel_ref AND s.nominal_id <> o.nominal_id
    JOIN accused AS a ON a.nominal_id = s.nominal_id
    WHERE o.is_cse_intel AND o.role IN ('ASSOCIATE', 'MENTIONED', 'SUBJECT')
      AND (o.is_credible
           OR (o.source_eval IN ${associate_source_evals} AND o.intel_eval IN ${associate_intel_evals}
               AND o.source_eval NOT IN ('3') AND o.intel_eval NOT IN ('D', 'E')))
),
found_with_victim AS (
    -- an adult (or anyone not a seed) a missing child victim was found with or at
    SELECT f.nominal_id, m.nominal_id AS seed_nominal_id, 'FOUND_WITH_MISSING_CHILD', 'ASSOCIATE',
           'missing', m.episode_ref, m.event_date
    FROM net.missing_party AS m
    JOIN net.missing_party AS f
      ON f.episode_ref = m.episode_ref AND f.role IN ('FOUND_WITH', 'ADDRESS_OCCUPIER') AND f.nominal_id <> m.nominal_id
    JOIN seed AS v ON v.nominal_id = m.nominal_id AND v.cse_role = 'VICTIM'
    WHERE m.role = 'MISSING' AND m.is_child
),
child_with_offender AS (
    SELECT m.nominal_id, f.nominal_id AS seed_nominal_id, 'FOUND_WITH_OFFENDER', 'CHILD_AT_RISK',
           'missing', m.episode_ref, m.event_date
    FROM net.missing_party AS m
    JOIN net.missing_party AS f
      ON f.episode_ref = m.episode_ref AND f.role IN ('FOUND_WITH', 'ADDRESS_OCCUPIER') AND f.nominal_id <> m.nominal_id
    JOIN accused AS a ON a.nominal_id = f.nominal_id
    WHERE m.role = 'MISSING' AND m.is_child
),
end_point AS (
    SELECT nominal_id_a AS nominal_id, nominal_id_b AS other_id, link_type, first_seen, last_seen, source_refs
    FROM net.edge
    UNION ALL
    SELECT nominal_id_b, nominal_id_a, link_type, first_seen, last_seen, source_refs FROM net.edge
),
household AS (
    -- pairs who share a home (an address under the busy-attribute cap)
    SELECT DISTINCT nominal_id, other_id FROM end_point WHERE link_type = 'SHARED_ADDRESS'
),
shared_use AS (
    -- A phone or vehicle shared with a seed offender/suspect admits an associate,
    -- unless the two also share a home: then it is the family landline or car
    -- (an offender's mother on the home phone), household context like the
    -- address itself, not evidence of CSE (reason HOUSEHOLD_PHONE / HOUSEHOLD_VEHICLE).
    SELECT e.nominal_id, e.other_id,
           CASE WHEN h.nominal_id IS NULL THEN e.link_type
                ELSE 'HOUSEHOLD_' || substr(e.link_type, 8) END,
           CASE WHEN h.nominal_id IS NULL THEN 'ASSOCIATE' END,
           'edge', e.link_type || ':' || e.source_refs, e.last_seen
    FROM end_point AS e
    JOIN accused AS a ON a.nominal_id = e.other_id
    LEFT JOIN household AS h ON h.nominal_id = e.nominal_id AND h.other_id = e.other_id
    WHERE e.link_type IN ('SHARED_VEHICLE', 'SHARED_PHONE')
),
context AS (
    SELECT e.nominal_id, e.other_id,
           CASE WHEN e.link_type = 'SHARED_ADDRESS' THEN 'SHARED_ADDRESS' ELSE 'CO_OFFENDER_NON_CSE' END,
           CAST(NULL AS VARCHAR), 'edge', e.link_type || ':' || e.source_refs, e.last_seen
    FROM end_point AS e
    JOIN seed AS s ON s.nominal_id = e.other_id
    WHERE e.link_type IN ('SHARED_ADDRESS', 'CO_OFFENDING', 'CO_ARREST')
),
everything AS (
    SELECT * FROM intel
    UNION ALL SELECT * FROM found_with_victim
    UNION ALL SELECT * FROM child_with_offender
    UNION ALL SELECT * FROM shared_use
    UNION ALL SELECT * FROM context
)
SELECT DISTINCT x.nominal_id, x.seed_nominal_id, x.reason, x.admits_as,
       x.admits_as IS NOT NULL AS admits, x.source_file, x.source_ref, x.event_date
FROM everything AS x
-- seeds are placed by their own evidence
WHERE NOT EXISTS (SELECT 1 FROM seed AS s WHERE s.nominal_id = x.nominal_id)
ORDER BY x.nominal_id, x.seed_nominal_id, x.reason, x.source_ref;
