-- Copy what later stages need from the previous published run (attached read-only as
-- previous_run; the caller has checked every table and column named here exists):
-- the crosswalk for stable nominal ids (resolve), network members for stable network
-- ids (network), and ranks, members, edges and network crimes for "what changed" (harm).
INSERT INTO prev.run
SELECT CAST(delivery_id AS VARCHAR) FROM previous_run.main.run;

INSERT INTO prev.nominal_record
SELECT CAST(person_ref AS VARCHAR), CAST(nominal_id AS VARCHAR)
FROM previous_run.main.nominal_record
ORDER BY 1;

INSERT INTO prev.network
SELECT CAST(network_id AS VARCHAR), CAST(priority_rank AS BIGINT)
FROM previous_run.main.network
ORDER BY 1;

INSERT INTO prev.network_member
SELECT DISTINCT CAST(network_id AS VARCHAR), CAST(nominal_id AS VARCHAR)
FROM previous_run.main.network_member
ORDER BY 1, 2;

INSERT INTO prev.edge
SELECT DISTINCT CAST(nominal_id_a AS VARCHAR), CAST(nominal_id_b AS VARCHAR), CAST(link_type AS VARCHAR)
FROM previous_run.main.edge
ORDER BY 1, 2, 3;

-- The previous run's crimes per network, read back from its explanation (component HARM).
INSERT INTO prev.network_crime
SELECT DISTINCT CAST(subject_id AS VARCHAR), CAST(item_ref AS VARCHAR)
FROM previous_run.main.explanation
WHERE subject_kind = 'NETWORK' AND section = 'SCORE' AND component = 'HARM'
ORDER BY 1, 2;

-- Every id the previous run held counts as issued: the crosswalk's and nominals', the
-- ids merged away (nominal_change.previous_nominal_ids, a comma list; Spark:
-- explode(split(x, ','))), networks' and members'.
INSERT INTO previous_issued_id
SELECT ${nominal_kind}, 'nominal_record.nominal_id', nominal_id FROM prev.nominal_record WHERE nominal_id IS NOT NULL
UNION ALL
SELECT ${nominal_kind}, 'nominal.nominal_id', CAST(nominal_id AS VARCHAR)
FROM previous_run.main.nominal WHERE nominal_id IS NOT NULL
UNION ALL
SELECT ${nominal_kind}, 'nominal_change.previous_nominal_ids', trim(u.id)
FROM (SELECT unnest(string_split(CAST(previous_nominal_ids AS VARCHAR), ',')) AS id
      FROM previous_run.main.nominal_change WHERE previous_nominal_ids IS NOT NULL) AS u
WHERE trim(u.id) <> ''
UNION ALL
SELECT ${network_kind}, 'network.network_id', network_id FROM prev.network WHERE network_id IS NOT NULL
UNION ALL
SELECT ${network_kind}, 'network_member.network_id', network_id FROM prev.network_member WHERE network_id IS NOT NULL;

-- The high-water marks the previous run declared: they remember ids whose nominal or
-- network has since vanished.
INSERT INTO previous_declared_mark
SELECT CAST(kind AS VARCHAR), CAST(max_issued AS BIGINT)
FROM previous_run.main.id_watermark
WHERE max_issued IS NOT NULL;
