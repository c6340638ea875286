-- analyst.possible_match: the review queue. Record pairs the model scored between the
-- "possible" threshold (review.possible_threshold) and the automatic one
-- (resolve.match_threshold), with both records side by side, the match weight and the
-- comparisons that drove it, for an analyst to decide SAME or NOT_SAME in identity.csv.
-- Pairs touching members of CSE networks come first: a missed or false match there moves
-- a victim or an offender. Pairs already in one nominal through other links need no
-- review and are left out, unless an analyst decided them: a decided pair stays, shown
-- as decided, so the analyst sees the decision applied by later runs.
-- ${comparison_bits} is a list of (comparison, level, bits) per pair read from
-- er.match_pair's per-comparison Splink columns (gamma_*, bf_*), or NULL when it has none.
CREATE OR REPLACE TABLE pub.possible_match AS
WITH decision_ranked AS (
    -- each pair's decisions, whichever way round identity.csv names it, latest first
    SELECT least(person_ref_a, person_ref_b) AS ref_l,
           greatest(person_ref_a, person_ref_b) AS ref_r,
           decision, analyst, decided_at, reason, applied,
           row_number() OVER (
               PARTITION BY least(person_ref_a, person_ref_b), greatest(person_ref_a, person_ref_b)
               ORDER BY decided_at DESC, row_no DESC) AS recency
    FROM er.identity_correction
    WHERE status <> 'superseded'
),
decision AS (
    SELECT * FROM decision_ranked WHERE recency = 1
),
scored AS (
    SELECT m.person_ref_l, m.person_ref_r, m.match_weight, m.match_probability,
           ${comparison_bits} AS comparison_bits
    FROM er.match_pair AS m
    WHERE m.match_probability >= ${possible_threshold}
      AND m.match_probability < ${match_threshold}
),
candidate AS (
    SELECT s.*, na.nominal_id AS nominal_id_a, nb.nominal_id AS nominal_id_b,
           d.decision, d.analyst, d.decided_at, d.reason, d.applied
    FROM scored AS s
    JOIN er.nominal_record AS na ON na.person_ref = s.person_ref_l
    JOIN er.nominal_record AS nb ON nb.person_ref = s.person_ref_r
    LEFT JOIN decision AS d ON d.ref_l = s.person_ref_l AND d.ref_r = s.person_ref_r
    WHERE na.nominal_id <> nb.nominal_id OR d.decision IS NOT NULL
),
network_of AS (
    -- the CSE networks a nominal is a member of, and the best (lowest) priority rank among them
    SELECT mm.nominal_id,
           string_agg(DISTINCT mm.network_id, ',' ORDER BY mm.network_id) AS network_ids,
           min(n.priority_rank) AS best_priority_rank
    FROM net.network_member AS mm
    LEFT JOIN pub.network AS n ON n.network_id = mm.network_id
    GROUP BY mm.nominal_id
),
queue AS (
    SELECT c.*,
           nwa.network_ids AS network_ids_a,
           nwb.network_ids AS network_ids_b,
           (nwa.nominal_id IS NOT NULL OR nwb.nominal_id IS NOT NULL) AS touches_cse_network,
           least(coalesce(nwa.best_priority_rank, 1000000000), coalesce(nwb.best_priority_rank, 1000000000))
               AS best_network_rank
    FROM candidate AS c
    LEFT JOIN network_of AS nwa ON nwa.nominal_id = c.nominal_id_a
    LEFT JOIN network_of AS nwb ON nwb.nominal_id = c.nominal_id_b
)
SELECT
    row_number() OVER (
        ORDER BY q.touches_cse_network DESC, q.decision IS NOT NULL, q.best_network_rank,
                 q.match_probability DESC, q.person_ref_l, q.person_ref_r) AS review_rank,
    CASE WHEN q.decision IS NULL THEN 'open' ELSE 'decided' END AS status,
    q.touches_cse_network,
    nullif(concat_ws(',', q.network_ids_a, q.network_ids_b), '') AS network_ids,
    q.person_ref_l AS person_ref_a,
    q.person_ref_r AS person_ref_b,
    q.nominal_id_a,
    q.nominal_id_b,
    round(q.match_probability, 6) AS match_probability,
    round(q.match_weight, 3) AS match_weight,
    -- strongest first: comparison, its level (Splink gamma, where written) and the bits it added
    -- (DuckDB list lambdas; Spark SQL would use transform/filter/array_sort)
    CASE WHEN q.comparison_bits IS NOT NULL THEN array_to_string(list_transform(
        list_sort(list_filter(q.comparison_bits, lambda x: x.abs_bits IS NOT NULL),
                  'DESC', 'NULLS LAST'),
        lambda x: concat_ws(' ', x.comparison, x.level, printf('%+.1f', x.signed_bits))), '; ')
    END AS comparisons,
    -- which standardised fields agree and which differ (both known), as a quick read
    concat_ws(', ',
        CASE WHEN sa.surname_std = sb.surname_std THEN 'surname' END,
        CASE WHEN sa.surname_std = sb.forename1 AND sa.forename1 = sb.surname_std THEN 'names swapped' END,
        CASE WHEN sa.forename_canonical = sb.forename_canonical THEN 'forename' END,
        CASE WHEN sa.dob_std = sb.dob_std THEN 'dob' END,
        CASE WHEN sa.postcode_std = sb.postcode_std THEN 'postcode'
             WHEN sa.postcode_outward = sb.postcode_outward THEN 'postcode district' END,
        CASE WHEN sa.phone_std = sb.phone_std THEN 'phone' END,
        CASE WHEN sa.pnc_std = sb.pnc_std THEN 'PNC id' END,
        CASE WHEN sa.sex_std = sb.sex_std THEN 'sex' END) AS fields_agreeing,
    concat_ws(', ',
        CASE WHEN sa.surname_std <> sb.surname_std THEN 'surname' END,
        CASE WHEN sa.forename_canonical <> sb.forename_canonical THEN 'forename' END,
        CASE WHEN sa.dob_std <> sb.dob_std THEN 'dob' END,
        CASE WHEN sa.postcode_std <> sb.postcode_std THEN 'postcode' END,
        CASE WHEN sa.phone_std <> sb.phone_std THEN 'phone' END,
        CASE WHEN sa.pnc_std <> sb.pnc_std THEN 'PNC id' END,
        CASE WHEN sa.sex_std <> sb.sex_std THEN 'sex' END) AS fields_differing,
    ra.system AS system_a, rb.system AS system_b,
    ra.surname AS surname_a, rb.surname AS surname_b,
    ra.forenames AS forenames_a, rb.forenames AS forenames_b,
    ra.dob AS dob_a, rb.dob AS dob_b,
    ra.sex AS sex_a, rb.sex AS sex_b,
    ra.address AS address_a, rb.address AS address_b,
    ra.postcode AS postcode_a, rb.postcode AS postcode_b,
    ra.phone AS phone_a, rb.phone AS phone_b,
    ra.pnc_id AS pnc_id_a, rb.pnc_id AS pnc_id_b,
    q.decision,
    q.analyst AS decided_by,
    q.decided_at,
    q.reason AS decision_reason,
    q.applied AS decision_applied
FROM queue AS q
JOIN er.person_record AS ra ON ra.person_ref = q.person_ref_l
JOIN er.person_record AS rb ON rb.person_ref = q.person_ref_r
JOIN er.person_std AS sa ON sa.person_ref = q.person_ref_l
JOIN er.person_std AS sb ON sb.person_ref = q.person_ref_r
ORDER BY review_rank;
