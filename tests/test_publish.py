"""Publish stage on small hand-made stage tables whose right answers are known.

The full pipeline on a generated delivery is covered in test_publish_pipeline.py;
here every upstream table is a fixture, so the publish logic (analyst tables,
blocking audits, atomic swap, run audit) is tested on its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import dagster as dg
import duckdb
import pytest
from conftest import Workspace, use_workspace

from csenet_dagster import db, settings
from csenet_dagster.ops.resource import duckdb_resource
from csenet_dagster.publish import ASSETS, PUB_TABLES, audit, tables
from csenet_dagster.publish.analyst_db import published_tables, staging_dir, write_analyst_file

DELIVERY = "2026-11-29T0600"

# Seven person records of one delivery resolving into six nominals; N00000001
# is in two networks, the second of which has the higher priority (rank 1).
STAGE_TABLES = """
CREATE OR REPLACE TABLE raw.delivery AS SELECT
    '2026-11-29T0600' AS delivery_id, TIMESTAMP '2026-11-29 06:00:00' AS extracted_at,
    '/landing/2026-11-29T0600' AS landing_path, 'abc123' AS manifest_sha256,
    TIMESTAMP '2026-11-29 07:00:00' AS loaded_at;
CREATE OR REPLACE TABLE raw.delivery_file AS
SELECT * FROM (VALUES ('2026-11-29T0600', 'crime.csv', 3::BIGINT, 'd1'),
                      ('2026-11-29T0600', 'crime_person.csv', 3::BIGINT, 'd2'))
    AS t(delivery_id, file_name, rows, sha256);
CREATE OR REPLACE TABLE raw.crime_person AS SELECT * FROM (VALUES ('P1'), ('P2'), ('P3')) AS t(person_ref);
CREATE OR REPLACE TABLE raw.custody AS SELECT * FROM (VALUES ('P4'), ('P1')) AS t(person_ref);
CREATE OR REPLACE TABLE raw.intel_person AS SELECT * FROM (VALUES ('P5')) AS t(person_ref);
CREATE OR REPLACE TABLE raw.missing_person AS SELECT * FROM (VALUES ('P6')) AS t(person_ref);
CREATE OR REPLACE TABLE raw.vehicle AS SELECT CAST(NULL AS VARCHAR) AS person_ref WHERE FALSE;
CREATE OR REPLACE TABLE raw.ocg_member AS SELECT * FROM (VALUES ('P7')) AS t(person_ref);
-- Person fields of quarantined rows (here a second, quarantined row of P3).
CREATE OR REPLACE TABLE raw.quarantined_person AS
SELECT * FROM (VALUES ('2026-11-29T0600', 'crime_person.csv', 4::BIGINT, 'P3')) AS t(delivery_id, file_name, row_no, person_ref);
CREATE OR REPLACE TABLE raw.quarantine AS
SELECT * FROM (VALUES ('2026-11-29T0600', 'crime.csv', 4::BIGINT, 'unparseable_date', 'recorded_date'))
    AS t(delivery_id, file_name, row_no, rule, detail);
CREATE OR REPLACE TABLE raw.field_issue AS
SELECT * FROM (VALUES ('2026-11-29T0600', 'crime_person.csv', 2::BIGINT, 'dob', 'unparseable_date', 'dob is not a valid date'))
    AS t(delivery_id, file_name, row_no, column_name, rule, detail);
CREATE OR REPLACE TABLE er.person_record AS
SELECT * FROM (VALUES ('P1', 'CRIME', 'crime_person.csv'), ('P2', 'CRIME', 'crime_person.csv'),
                      ('P3', 'CRIME', 'crime_person.csv'), ('P4', 'CUSTODY', 'custody.csv'),
                      ('P5', 'INTEL', 'intel_person.csv'), ('P6', 'MISSING', 'missing_person.csv'),
                      ('P7', 'OCG', 'ocg_member.csv'))
    AS t(person_ref, system, source_file);
CREATE OR REPLACE TABLE er.nominal_record AS
SELECT * FROM (VALUES ('P1', 'N00000001', 1.0), ('P2', 'N00000001', 0.97), ('P3', 'N00000002', 1.0),
                      ('P4', 'N00000003', 1.0), ('P5', 'N00000004', 1.0), ('P6', 'N00000005', 1.0),
                      ('P7', 'N00000006', 1.0))
    AS t(person_ref, nominal_id, match_probability);
-- The review queue's inputs (analyst.possible_match): person fields, standardised fields,
-- one scored pair between the possible and the automatic threshold, no decisions yet.
ALTER TABLE er.person_record ADD COLUMN surname VARCHAR DEFAULT 'SMITH';
ALTER TABLE er.person_record ADD COLUMN forenames VARCHAR DEFAULT 'JO';
ALTER TABLE er.person_record ADD COLUMN dob DATE;
ALTER TABLE er.person_record ADD COLUMN sex VARCHAR;
ALTER TABLE er.person_record ADD COLUMN address VARCHAR;
ALTER TABLE er.person_record ADD COLUMN postcode VARCHAR;
ALTER TABLE er.person_record ADD COLUMN phone VARCHAR;
ALTER TABLE er.person_record ADD COLUMN pnc_id VARCHAR;
CREATE OR REPLACE TABLE er.person_std AS
SELECT person_ref, lower(surname) AS surname_std, lower(forenames) AS forename1, lower(forenames) AS forename_canonical,
       dob AS dob_std, sex AS sex_std, postcode AS postcode_std, postcode AS postcode_outward, phone AS phone_std,
       pnc_id AS pnc_std
FROM er.person_record;
CREATE OR REPLACE TABLE er.match_pair AS
SELECT 'P3' AS person_ref_l, 'P4' AS person_ref_r, 4.2 AS match_weight, 0.9 AS match_probability;
CREATE OR REPLACE TABLE er.identity_correction AS
SELECT 1::BIGINT AS row_no, 'SAME' AS decision, 'P3' AS person_ref_a, 'P4' AS person_ref_b, 'A' AS analyst,
       TIMESTAMP '2026-11-01 00:00:00' AS decided_at, 'r' AS reason, TRUE AS applied, 'applied' AS status
WHERE FALSE;
CREATE OR REPLACE TABLE er.nominal AS
SELECT nominal_id, 'SURNAME' || nominal_id AS surname, 'FORENAME' AS forenames, DATE '2000-01-01' AS dob,
       'M' AS sex, CAST(NULL AS VARCHAR) AS pnc_id, n_records, 1::BIGINT AS n_systems, 'CRIME' AS systems
FROM (VALUES ('N00000001', 2::BIGINT), ('N00000002', 1), ('N00000003', 1), ('N00000004', 1),
             ('N00000005', 1), ('N00000006', 1)) AS t(nominal_id, n_records);
CREATE OR REPLACE TABLE er.linkage_adaptation AS
SELECT * FROM (VALUES (1::BIGINT, 'comparison', 'pnc', 'pnc_std', 'left_out', 0.0, NULL::BIGINT, 'nearly empty'))
    AS t(item_no, kind, name, columns, status, fill_share, pairs, detail);
CREATE OR REPLACE TABLE prev.id_watermark AS
SELECT * FROM (VALUES ('network', 1::BIGINT), ('nominal', 9::BIGINT)) AS t(kind, max_issued);
CREATE OR REPLACE TABLE er.nominal_change AS
SELECT nominal_id, 'new' AS change, CAST(NULL AS VARCHAR) AS previous_nominal_ids FROM er.nominal;
CREATE OR REPLACE TABLE net.edge AS
SELECT * FROM (VALUES
    ('N00000001', 'N00000002', 'CO_OFFENDING', 2.0, DATE '2026-01-01', DATE '2026-02-01', 2::BIGINT, 'C1;C2'),
    ('N00000001', 'N00000003', 'OFFENDER_VICTIM', 1.5, DATE '2026-03-01', DATE '2026-03-01', 1::BIGINT, 'C3'),
    ('N00000004', 'N00000005', 'INTEL_ASSOCIATION', 0.5, DATE '2025-06-01', DATE '2025-06-01', 1::BIGINT, 'I1'))
    AS t(nominal_id_a, nominal_id_b, link_type, weight, first_seen, last_seen, n_events, source_refs);
ALTER TABLE net.edge ADD COLUMN shareable BOOLEAN DEFAULT TRUE;
CREATE OR REPLACE TABLE net.edge_evidence AS
SELECT nominal_id_a, nominal_id_b, link_type, 'crime_person.csv' AS source_file, source_refs AS source_ref,
       first_seen AS event_date, 'role pair' AS detail, TRUE AS shareable
FROM net.edge;
-- the shareable picture's network ids (net/shareable), one issued only there
CREATE OR REPLACE TABLE net.shareable_network_id AS
SELECT * FROM (VALUES ('CSE00001'), ('CSE00003')) AS t(network_id);
CREATE OR REPLACE TABLE net.network AS
SELECT network_id, n_members, n_offenders, 0::BIGINT AS n_suspects, n_victims, 0::BIGINT AS n_children_at_risk,
       0::BIGINT AS n_associates, 1.0 AS density, first_seen, last_seen, 'new' AS id_status
FROM (VALUES ('CSE00001', 3::BIGINT, 2::BIGINT, 1::BIGINT, DATE '2026-01-01', DATE '2026-03-01'),
             ('CSE00002', 2::BIGINT, 1::BIGINT, 1::BIGINT, DATE '2025-06-01', DATE '2025-06-01'))
    AS t(network_id, n_members, n_offenders, n_victims, first_seen, last_seen);
CREATE OR REPLACE TABLE net.network_member AS
SELECT network_id, nominal_id, member_role,
       CASE member_role WHEN 'OFFENDER' THEN 'CSE_CRIME_CHARGED' ELSE 'CSE_CRIME_VICTIM' END AS member_reasons,
       1::BIGINT AS degree, 1.0 AS weighted_degree, 0.0 AS betweenness,
       0.2 AS pagerank, 0.5 AS eigenvector, 0.0 AS brokerage,
       CASE WHEN member_role = 'OFFENDER' THEN 1 END::BIGINT AS offender_degree,
       CASE WHEN member_role = 'OFFENDER' THEN 0.0 END AS offender_betweenness,
       CASE WHEN member_role = 'OFFENDER' THEN 0.5 END AS offender_pagerank
FROM (VALUES ('CSE00001', 'N00000001', 'OFFENDER'), ('CSE00001', 'N00000002', 'OFFENDER'),
             ('CSE00001', 'N00000003', 'VICTIM'), ('CSE00002', 'N00000001', 'OFFENDER'),
             ('CSE00002', 'N00000005', 'VICTIM')) AS t(network_id, nominal_id, member_role);
CREATE OR REPLACE TABLE net.member_reason AS
SELECT network_id, nominal_id, CASE member_role WHEN 'OFFENDER' THEN 'CSE_CRIME_CHARGED' ELSE 'CSE_CRIME_VICTIM' END AS reason,
       member_role AS reason_role, TRUE AS admits, 1::BIGINT AS n_sources, 'C1' AS source_refs,
       CAST(NULL AS VARCHAR) AS linked_nominal_ids, DATE '2026-01-01' AS first_seen, DATE '2026-01-01' AS last_seen
FROM net.network_member;
CREATE OR REPLACE TABLE net.peer_safeguarding_case AS
SELECT 'C9' AS crime_ref, '86' AS offence_code, DATE '2026-02-01' AS offence_date, 'OPEN' AS outcome_class,
       2::BIGINT AS n_child_suspects, 1::BIGINT AS n_victims, 'N00000004' AS child_suspect_nominal_ids,
       'N00000006' AS victim_nominal_ids;
CREATE OR REPLACE TABLE net.person_of_concern AS
SELECT 'N00000004' AS nominal_id, 2::BIGINT AS n_children, 2::BIGINT AS n_unrelated_children, 2::BIGINT AS n_episodes,
       DATE '2026-01-01' AS first_seen, DATE '2026-02-01' AS last_seen, 'E1,E2' AS episode_refs, 'rule' AS rule;
CREATE OR REPLACE TABLE harm.child_safeguarding AS
SELECT * FROM (VALUES ('N00000003', 'CSE00001', 'VICTIM', 1::BIGINT, 0::BIGINT, DATE '2026-03-01', 300.0, 1::BIGINT),
                      ('N00000005', 'CSE00002', 'VICTIM', 1::BIGINT, 1::BIGINT, DATE '2025-06-01', 200.0, 2::BIGINT))
    AS t(nominal_id, network_id, member_role, n_offenders_linked, n_missing_episodes, last_event_date,
         safeguarding_score, safeguarding_rank);
CREATE OR REPLACE TABLE net.centrality AS
SELECT nominal_id, 5::BIGINT AS component_size, 2::BIGINT AS degree, 1.5 AS weighted_degree, 0.1 AS betweenness,
       'exact' AS betweenness_method, 0.2 AS pagerank, 0.4 AS "constraint", 1.0 AS brokerage
FROM (VALUES ('N00000001'), ('N00000002'), ('N00000003'), ('N00000005')) AS t(nominal_id);
CREATE OR REPLACE TABLE net.network_link AS
SELECT 'CSE00001' AS network_id_a, 'CSE00002' AS network_id_b, 1::BIGINT AS n_edges, 1.0 AS weight,
       'N00000001' AS broker_nominal_ids;
CREATE OR REPLACE TABLE harm.nominal_harm AS
SELECT * FROM (VALUES ('N00000001', 120.0), ('N00000002', 40.0), ('N00000003', 0.0))
    AS t(nominal_id, harm_score);
CREATE OR REPLACE TABLE harm.network_harm AS
SELECT network_id, harm_score, 2::BIGINT AS n_crimes, 1::BIGINT AS n_cse_crimes, 1::BIGINT AS n_victims,
       0::BIGINT AS n_missing_children, 0::BIGINT AS n_ocg_links
FROM (VALUES ('CSE00001', 160.0), ('CSE00002', 300.0)) AS t(network_id, harm_score);
CREATE OR REPLACE TABLE harm.network_priority AS
SELECT network_id, priority_score, priority_rank, CAST(NULL AS BIGINT) AS previous_rank,
       CAST(NULL AS BIGINT) AS rank_change, TRUE AS is_active, DATE '2026-03-01' AS last_activity_date,
       priority_score AS harm_points, 0.0 AS victim_points, 0.0 AS missing_points, 0.0 AS growth_points,
       0.0 AS ocg_points
FROM (VALUES ('CSE00002', 0.9, 1::BIGINT), ('CSE00001', 0.4, 2::BIGINT))
    AS t(network_id, priority_score, priority_rank);
CREATE OR REPLACE TABLE harm.nominal_priority AS
SELECT * FROM (VALUES ('N00000001', 1::BIGINT, 9.0), ('N00000002', 2::BIGINT, 3.0))
    AS t(nominal_id, priority_rank, priority_score);
CREATE OR REPLACE TABLE harm.explanation AS
SELECT * FROM (VALUES ('NETWORK', 'CSE00001', 2::BIGINT, 'SCORE', 'HARM', 'crime', 'C1', 160.0, 'crime harm'))
    AS t(subject_kind, subject_id, priority_rank, section, component, item_kind, item_ref, contribution, detail);
CREATE OR REPLACE TABLE harm.soc_link AS
SELECT 'CSE00001' AS network_id, 'OCG001' AS ocg_ref, 'SHARED_MEMBER' AS link_kind, 1.0 AS strength,
       'N00000002' AS via_nominal_ids, '1A' AS ocgm_band, 'ACTIVE' AS ocg_status;
-- Offence codes: 10Z took class 10's weight on one crime of 10 harm days out of 100.
CREATE OR REPLACE TABLE harm.crime_harm AS
SELECT * FROM (VALUES ('C1', '19E', 90.0, 9.0), ('C2', '10Z', 10.0, 1.0)) AS t(crime_ref, offence_code, harm_days, recent_harm);
CREATE OR REPLACE TABLE harm.offence_weight AS SELECT '10Z' AS offence_code, 10.0 AS harm_days, 'CLASS' AS fallback_used;
CREATE OR REPLACE TABLE harm.unknown_offence_code AS
SELECT '10Z' AS offence_code, TRUE AS is_code_shaped, 'as delivered' AS offence_title_delivered, 1::BIGINT AS n_crime_rows,
       0::BIGINT AS n_custody_rows, 1::BIGINT AS n_rows, 'CLASS' AS fallback_used, '10' AS fallback_class,
       '10C' AS fallback_code, 10.0 AS harm_days, 'CSENET_READING' AS weight_origin, FALSE AS in_reference;
CREATE OR REPLACE TABLE harm.reference_file AS
SELECT * FROM (VALUES ('harm_weights', 'harm_weights.csv', 'v1', 'aa11'), ('offence_codes', 'offence_codes.csv', 'v1', 'bb22'))
    AS t(kind, file_name, version, sha256);
"""

CONTRACT_COLUMNS = {
    "nominal_record": {"person_ref", "nominal_id"},
    "nominal": {"nominal_id", "surname", "forenames", "dob", "harm_score", "network_id"},
    "edge": {"nominal_id_a", "nominal_id_b", "link_type", "weight", "first_seen", "last_seen", "n_events", "source_refs"},
    "network": {"network_id", "n_members", "harm_score", "priority_rank"},
    "network_member": {"network_id", "nominal_id", "degree", "betweenness", "pagerank", "graph_degree", "graph_pagerank"},
    "soc_link": {"network_id", "ocg_ref", "link_kind", "strength"},
    "run": {"delivery_id", "extracted_at", "ran_at", "code_version", "settings"},
}


def load_stage_tables() -> None:
    with db.working_db() as conn:
        for statement in db._statements(STAGE_TABLES):
            conn.execute(statement)


@pytest.fixture
def stage_tables(empty_workspace):
    """The empty workspace's working database holding the fixture stage tables."""
    load_stage_tables()
    return empty_workspace


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The fixture stage tables published once (read-only for the tests using it)."""
    ws = Workspace(tmp_path_factory.mktemp("published"))
    with use_workspace(ws):
        load_stage_tables()
        result = publish()
        assert result.success
        yield result


def publish(tags: dict[str, str] | None = None, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ASSETS,
        resources={"duckdb": duckdb_resource()},
        instance=dg.DagsterInstance.ephemeral(),
        tags=tags or {"csenet/trigger": "cli"},
        raise_on_error=raise_on_error,
    )


def execute(sql: str) -> None:
    with db.working_db() as conn:
        for statement in db._statements(sql):
            conn.execute(statement)


def read_analyst(query: str) -> list[tuple]:
    conn = duckdb.connect(str(settings.paths().analyst_db), read_only=True)
    try:
        return conn.sql(query).fetchall()
    finally:
        conn.close()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publishes_every_analyst_table_with_contract_columns(published):
    tables = {row[0]: row[1] for row in read_analyst(
        "SELECT table_name, table_schema FROM information_schema.tables WHERE table_catalog = 'analyst'")}
    assert set(tables) == set(published_tables())
    assert set(tables.values()) == {"main"}
    assert read_analyst("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'analyst'") == [(0,)]
    for table, required in CONTRACT_COLUMNS.items():
        columns = {row[0] for row in read_analyst(f"DESCRIBE analyst.{table}")}
        assert required <= columns, f"analyst.{table} lacks {sorted(required - columns)}"


def test_analyst_tables_hold_the_joined_stage_values(published):
    nominals = {row[0]: row[1:] for row in read_analyst(
        "SELECT nominal_id, harm_score, network_id, n_networks FROM nominal ORDER BY nominal_id")}
    # In two networks: the one ranked first by priority is shown, and both are counted.
    assert nominals["N00000001"] == (120.0, "CSE00002", 2)
    assert nominals["N00000002"] == (40.0, "CSE00001", 1)
    # No harm row and no network: harm 0, network null.
    assert nominals["N00000006"] == (0.0, None, 0)
    assert read_analyst("SELECT network_id, priority_rank, harm_score FROM network ORDER BY priority_rank") == [
        ("CSE00002", 1, 300.0), ("CSE00001", 2, 160.0)]
    assert read_analyst("SELECT count(*), count(DISTINCT person_ref) FROM nominal_record") == [(7, 7)]
    assert read_analyst("SELECT system FROM nominal_record WHERE person_ref = 'P4'") == [("CUSTODY",)]
    assert read_analyst("SELECT count(*) FROM quarantine") == [(1,)]


def test_id_watermark_covers_network_ids_issued_only_in_the_shareable_picture(published):
    # CSE00003 names a network only in exports and dossiers: it must never be issued again
    assert dict(read_analyst("SELECT kind, max_issued FROM id_watermark")) == {"network": 3, "nominal": 9}


def test_run_row_describes_the_published_run(published):
    result = published
    [(run_id, trigger, delivery_id, extracted_at, ran_at, code_version, settings_text)] = read_analyst(
        "SELECT run_id, trigger, delivery_id, extracted_at, ran_at, code_version, settings FROM run")
    assert run_id == result.run_id
    assert trigger == "cli"
    assert delivery_id == DELIVERY
    assert extracted_at.isoformat() == "2026-11-29T06:00:00"
    assert ran_at is not None
    assert code_version.startswith("0.1.0")
    assert json.loads(settings_text)["publish"]["file_mode"] == "0600"
    history = read_analyst("SELECT run_id, status, delivery_id, delivery_checksums FROM run_history")
    assert [(h[0], h[1], h[2]) for h in history] == [(result.run_id, "published", DELIVERY)]
    assert json.loads(history[0][3]) == {"crime.csv": "d1", "crime_person.csv": "d2"}
    [(reference_files,)] = read_analyst("SELECT reference_files FROM run")
    assert json.loads(reference_files) == [
        {"kind": "harm_weights", "file_name": "harm_weights.csv", "version": "v1", "sha256": "aa11"},
        {"kind": "offence_codes", "file_name": "offence_codes.csv", "version": "v1", "sha256": "bb22"},
    ]
    assert read_analyst("SELECT offence_code, fallback_used, share_of_crime_harm, share_of_recent_harm FROM unknown_offence_code") == [
        ("10Z", "CLASS", 0.1, 0.1)
    ]


def test_files_are_owner_only(published):
    paths = settings.paths()
    assert oct(paths.analyst_db.stat().st_mode & 0o777) == oct(0o600)
    assert oct(paths.work_db.stat().st_mode & 0o777) == oct(0o600)
    # No staging folder is left behind.
    assert sorted(p.name for p in paths.warehouse_dir.iterdir() if p.name.startswith(".")) == []


def test_history_accumulates_one_row_per_run_and_settings_apply(stage_tables, tmp_path, monkeypatch):
    first = publish()
    execute("UPDATE raw.delivery SET delivery_id = '2026-11-30T0600'; UPDATE raw.quarantine SET delivery_id = '2026-11-30T0600'; "
            "UPDATE raw.field_issue SET delivery_id = '2026-11-30T0600'")
    overrides = tmp_path / "settings.json"
    overrides.write_text(json.dumps({"publish": {"file_mode": "0640"}}))
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(overrides))
    second = publish(tags={"csenet/trigger": "sensor:csenet_delivery_sensor"})
    history = read_analyst("SELECT run_id, trigger, delivery_id, status FROM run_history ORDER BY recorded_at, run_id")
    assert sorted(history) == sorted([
        (first.run_id, "cli", DELIVERY, "published"),
        (second.run_id, "sensor", "2026-11-30T0600", "published"),
    ])
    [(run_id, delivery_id, settings_text)] = read_analyst("SELECT run_id, delivery_id, settings FROM run")
    assert (run_id, delivery_id) == (second.run_id, "2026-11-30T0600")
    # The override is both applied to the file and recorded with the run.
    assert json.loads(settings_text)["publish"]["file_mode"] == "0640"
    assert settings.paths().analyst_db.stat().st_mode & 0o777 == 0o640


def build_pub_tables() -> dict[str, dict[str, int]]:
    """Build every pub table from the stage tables and return each table's failed rules."""
    failed: dict[str, dict[str, int]] = {}
    with db.working_db() as conn:
        for spec in PUB_TABLES:
            tables.build_table(conn, spec)
            assert tables.missing_columns(conn, spec) == [], spec.name
            if spec.has_integrity_rules:
                failed[spec.name] = {r: n for r, n in tables.integrity_failures(conn, spec).items() if n}
    return failed


@pytest.mark.parametrize(
    ("breakage", "table", "expected"),
    [
        # A person record resolved twice.
        ("INSERT INTO er.nominal_record VALUES ('P3', 'N00000004', 0.6)", "nominal_record", {"person_ref_repeated": 1}),
        # A delivered person record the resolver lost.
        ("DELETE FROM er.nominal_record WHERE person_ref = 'P5'", "nominal_record",
         {"person_ref_missing": 1, "nominal_without_record": 1}),
        # An edge to a nominal that does not exist.
        ("UPDATE net.edge SET nominal_id_b = 'N00000099' WHERE link_type = 'OFFENDER_VICTIM'", "edge",
         {"nominal_id_not_in_nominal": 1}),
        # Two networks with the same priority rank.
        ("UPDATE harm.network_priority SET priority_rank = 1", "network", {"priority_rank_repeated": 1}),
        # A network the harm stage did not rank.
        ("DELETE FROM harm.network_priority WHERE network_id = 'CSE00001'", "network", {"priority_rank_out_of_range": 1}),
        # A nominal shown in an unknown network.
        ("UPDATE net.network_member SET network_id = 'CSE00009' WHERE nominal_id = 'N00000005'", "nominal",
         {"network_id_not_in_network": 1}),
        # A network that lost a member the network table still counts.
        ("DELETE FROM net.network_member WHERE nominal_id = 'N00000003'", "network_member", {"n_members_mismatch": 1}),
        # Evidence left behind by a link correction that removed the edge.
        ("DELETE FROM net.edge WHERE link_type = 'INTEL_ASSOCIATION'", "edge_evidence", {"evidence_without_edge": 1}),
        # A SOC link to a network that is not published.
        ("UPDATE harm.soc_link SET network_id = 'CSE00077'", "soc_link", {"network_id_not_in_network": 1}),
    ],
)
def test_audit_rules_catch_broken_stage_tables(stage_tables, breakage, table, expected):
    assert all(not rules for rules in build_pub_tables().values())
    execute(breakage)
    failed = build_pub_tables()
    assert failed[table] == expected


def test_contract_columns_check_names_each_missing_column_and_holds_back_integrity(stage_tables):
    spec = next(s for s in PUB_TABLES if s.name == "network")
    with db.working_db() as conn:
        tables.build_table(conn, spec)
        passed = {r.check_name: r.passed for r in tables.audit(conn, spec)}
        conn.execute("ALTER TABLE pub.network DROP COLUMN harm_score")
        conn.execute("ALTER TABLE pub.network DROP COLUMN priority_rank")
        contract, integrity = tables.audit(conn, spec)
    assert passed == {"contract_columns": True, "integrity": True}
    assert (contract.check_name, contract.passed) == ("contract_columns", False)
    assert {rule: n.value for rule, n in contract.metadata.items()} == {
        "missing_column/network_id": 0, "missing_column/n_members": 0,
        "missing_column/harm_score": 1, "missing_column/priority_rank": 1}
    assert "missing_column/harm_score (1 rows)" in contract.description
    assert (integrity.check_name, integrity.passed) == ("integrity", False)
    assert integrity.description == "not run: contract columns missing"


def test_failed_blocking_audit_stops_publish_and_keeps_the_old_file(stage_tables):
    publish()
    analyst_db = settings.paths().analyst_db
    before = digest(analyst_db)
    execute("INSERT INTO er.nominal_record VALUES ('P3', 'N00000004', 0.6)")
    result = publish(raise_on_error=False)
    assert not result.success
    failed = [
        e.event_specific_data for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION and not e.event_specific_data.passed
    ]
    assert [(ev.asset_key.to_user_string(), ev.check_name) for ev in failed] == [("pub/nominal_record", "integrity")]
    assert "person_ref_repeated (1 rows)" in failed[0].description
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "publish/analyst_db" not in materialized
    assert digest(analyst_db) == before
    assert read_analyst("SELECT count(*) FROM run_history") == [(1,)]


def write_nominal_file(conn, run_id: str) -> None:
    write_analyst_file(conn, ["nominal", "quarantine"], settings.paths().analyst_db, run_id, 0o600)


def test_failure_before_the_rename_leaves_the_old_file(stage_tables):
    build_pub_tables()
    analyst_db = settings.paths().analyst_db
    with db.working_db() as conn:
        write_nominal_file(conn, "run-1")
        before = digest(analyst_db)
        with pytest.raises(duckdb.CatalogException):
            write_analyst_file(conn, ["nominal", "no_such_table"], analyst_db, "run-2", 0o600)
        # The working connection is usable again: the half-written file was detached.
        assert db.scalar(conn, "SELECT count(*) FROM duckdb_databases() WHERE NOT internal") == 1
    assert digest(analyst_db) == before
    assert not staging_dir(analyst_db, "run-2").exists()
    assert read_analyst("SELECT count(*) FROM nominal") == [(6,)]


READER = textwrap.dedent(
    """
    import sys, duckdb
    conn = duckdb.connect(sys.argv[1], read_only=True)
    query = "SELECT DISTINCT delivery_id FROM quarantine"
    print(conn.sql(query).fetchall()[0][0], flush=True)
    sys.stdin.readline()  # hold the old file open until the test has published again
    print(conn.sql(query).fetchall()[0][0], flush=True)
    """
)


def test_reader_holding_the_old_file_does_not_block_publish(stage_tables):
    build_pub_tables()
    analyst_db = settings.paths().analyst_db
    with db.working_db() as conn:
        write_nominal_file(conn, "run-1")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(analyst_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().strip() == DELIVERY
        execute("UPDATE raw.quarantine SET delivery_id = 'NEXT'")
        build_pub_tables()
        with db.working_db() as conn:
            write_nominal_file(conn, "run-2")
        # New readers see the new file; the analyst who kept the old one open still reads it whole.
        assert read_analyst("SELECT DISTINCT delivery_id FROM quarantine") == [("NEXT",)]
        out, err = reader.communicate("\n", timeout=60)
        assert reader.returncode == 0, err
        assert out.strip() == DELIVERY
    finally:
        if reader.poll() is None:
            reader.kill()


def test_record_run_logs_a_failed_run(stage_tables):
    audit.record_run(
        run_id="failed-run-1", status=audit.STATUS_FAILED,
        tags={"csenet/trigger": "sensor:csenet_delivery_sensor"}, delivery_id="2026-12-01T0600",
        failed_step="raw__delivery", error="Failure: crime.csv row count 10 != manifest 12",
    )
    with db.working_db(read_only=True) as conn:
        rows = conn.sql(
            "SELECT trigger, status, delivery_id, extracted_at, failed_step, published_at "
            "FROM audit.run_history WHERE run_id = 'failed-run-1'").fetchall()
    # The failed delivery was never ingested: nothing of raw.delivery's older delivery is attached to it.
    assert rows == [("sensor", "failed", "2026-12-01T0600", None, "raw__delivery", None)]
    with pytest.raises(ValueError, match="status"):
        audit.record_run(run_id="x", status="done")


def test_trigger_from_tags():
    assert audit.trigger_from_tags({"csenet/trigger": "cli"}) == "cli"
    assert audit.trigger_from_tags({"csenet/trigger": "sensor:csenet_delivery_sensor"}) == "sensor"
    assert audit.trigger_from_tags({"dagster/sensor_name": "x"}) == "sensor"
    assert audit.trigger_from_tags({}) == "ui"


def test_every_pub_table_has_an_audit_file_or_says_why_not():
    sql_dir = db.sql_root() / "5_publish"
    for spec in PUB_TABLES:
        assert (sql_dir / spec.sql_file).is_file()
        assert (sql_dir / "checks" / f"{spec.name}.sql").is_file() == spec.has_integrity_rules, spec.name


def test_written_file_is_verified_against_pub_tables(stage_tables):
    from csenet_dagster.publish.analyst_db import _verify_copy

    build_pub_tables()
    analyst_db = settings.paths().analyst_db
    with db.working_db() as conn:
        write_nominal_file(conn, "run-1")
        _verify_copy(conn, analyst_db, ["nominal", "quarantine"])
        with pytest.raises(RuntimeError, match="expected"):
            _verify_copy(conn, analyst_db, ["nominal", "quarantine", "edge"])
        conn.execute("INSERT INTO pub.quarantine SELECT * FROM pub.quarantine")
        with pytest.raises(RuntimeError, match="quarantine has 1 rows in the new file, 2 in pub.quarantine"):
            _verify_copy(conn, analyst_db, ["nominal", "quarantine"])
