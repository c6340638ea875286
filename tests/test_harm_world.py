"""A small hand-made working database with known harm truth, for the harm stage's tests.

Two CSE networks with the same crimes ten years apart in spirit:
CSE00001 is active (crimes this year), CSE00002 is dormant (same offences in
2019). Three organised crime groups reach them by a shared member, a direct
link and a two-step path. Everything is synthetic; no real person data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from csenet_dagster import db

EXTRACTED_AT = dt.datetime(2026, 11, 29, 6, 0, 0)

# Readable aliases for nominal ids.
NOM = {
    "O1": "N00000001", "O2": "N00000002", "V1": "N00000003", "V2": "N00000004",
    "O3": "N00000005", "O4": "N00000006", "V3": "N00000007", "V4": "N00000008",
    "G1": "N00000009", "G2": "N00000010", "G3": "N00000011", "X1": "N00000012",
    "B1": "N00000013",
}
# person_ref -> nominal alias; V1 has two records that resolve to one nominal.
REFS = {f"P_{alias}": alias for alias in NOM}
REFS["P_V1b"] = "V1"

PERSON_COLUMNS = "person_ref VARCHAR, surname VARCHAR, forenames VARCHAR, dob DATE, sex VARCHAR, address VARCHAR, postcode VARCHAR, phone VARCHAR, pnc_id VARCHAR"

D = dt.date
# crime_ref, committed_date, offence_code, cse_flag, [(role, person_ref)]
CRIMES = [
    ("C1", D(2026, 5, 1), "19E", True, [("OFFENDER", "P_O1"), ("SUSPECT", "P_O2"), ("VICTIM", "P_V1"), ("VICTIM", "P_V1b"), ("VICTIM", "P_V2")]),
    ("C5", D(2026, 9, 1), "71", True, [("OFFENDER", "P_O2"), ("VICTIM", "P_V1")]),
    ("C6", D(2019, 3, 1), "19E", True, [("OFFENDER", "P_O3"), ("OFFENDER", "P_O4"), ("VICTIM", "P_V3"), ("VICTIM", "P_V4")]),
    ("C7", D(2019, 6, 1), "71", True, [("OFFENDER", "P_O4"), ("VICTIM", "P_V3")]),
    ("C2", D(2020, 1, 1), "46", False, [("OFFENDER", "P_B1"), ("WITNESS", "P_O1")]),
    ("C8", D(2025, 2, 1), "92A", False, [("SUSPECT", "P_G1")]),
]
WEIGHT = {"19E": 2920.0, "71": 365.0, "46": 2.5, "92A": 5.0}

NETWORKS = {
    "CSE00001": {"O1": "OFFENDER", "O2": "OFFENDER", "V1": "VICTIM", "V2": "VICTIM"},
    "CSE00002": {"O3": "OFFENDER", "O4": "OFFENDER", "V3": "VICTIM", "V4": "VICTIM"},
}
# ocg_ref, band, status, member alias
OCG_MEMBERS = [
    ("OCG001", "2B", "ACTIVE", "O2"),   # shared member with CSE00001
    ("OCG001", "2B", "ACTIVE", "G1"),
    ("OCG002", "3C", "ARCHIVED", "G2"),  # direct link to O3 (CSE00002)
    ("OCG003", "1A", "ACTIVE", "G3"),   # two steps from O1 via X1
]
# alias_a, alias_b, link_type, weight, last_seen
EDGES = [
    ("O1", "O2", "CO_OFFENDING", 2.0, D(2026, 9, 1)),
    ("O1", "V1", "OFFENDER_VICTIM", 1.0, D(2026, 5, 1)),
    ("O2", "V1", "OFFENDER_VICTIM", 2.0, D(2026, 9, 1)),
    ("O1", "V2", "OFFENDER_VICTIM", 1.0, D(2026, 5, 1)),
    ("O3", "O4", "CO_OFFENDING", 1.0, D(2019, 3, 1)),
    ("O3", "V3", "OFFENDER_VICTIM", 1.0, D(2019, 3, 1)),
    ("O4", "V3", "OFFENDER_VICTIM", 2.0, D(2019, 6, 1)),
    ("O4", "V4", "OFFENDER_VICTIM", 1.0, D(2019, 3, 1)),
    ("O3", "G2", "INTEL_ASSOCIATION", 0.6, D(2019, 1, 1)),
    ("O1", "X1", "SHARED_ADDRESS", 0.3, D(2026, 1, 1)),
    ("X1", "G3", "CO_OFFENDING", 1.0, D(2025, 1, 1)),
    ("O2", "G1", "CO_OFFENDING", 1.0, D(2025, 2, 1)),
]
# episode_ref, reported_date, [(role, person_ref)]
MISSING = [
    ("E1", D(2026, 8, 1), [("MISSING", "P_V1"), ("FOUND_WITH", "P_O1")]),
    ("E2", D(2019, 5, 1), [("MISSING", "P_V3"), ("FOUND_WITH", "P_O4")]),
]
# nominal first seen (growth): O2 joined this year
FIRST_SEEN = {alias: D(2020, 1, 1) for alias in NOM}
FIRST_SEEN.update({"O2": D(2026, 3, 1), "O3": D(2018, 1, 1), "O4": D(2018, 1, 1), "V3": D(2018, 6, 1), "V4": D(2018, 6, 1)})


def nid(alias: str) -> str:
    return NOM[alias]


def _person(ref: str) -> tuple:
    # Synthetic placeholders only; the harm stage never reads these values.
    alias = REFS[ref]
    return (ref, f"Surname{alias}", f"Fore{alias}", D(2010, 1, 1) if alias.startswith("V") else D(1990, 1, 1), "U", None, None, None, None)


def build(path: Path, *, with_network: bool = True) -> duckdb.DuckDBPyConnection:
    """Create the fixture database at ``path`` and return a connection to it."""
    conn = db.connect(path)
    conn.execute(
        "CREATE TABLE raw.delivery(delivery_id VARCHAR, extracted_at TIMESTAMP, landing_path VARCHAR, manifest_sha256 VARCHAR, loaded_at TIMESTAMP)"
    )
    conn.execute("INSERT INTO raw.delivery VALUES ('2026-11-29T0600', ?, '', '', ?)", [EXTRACTED_AT, EXTRACTED_AT])
    conn.execute(
        "CREATE TABLE raw.crime(crime_ref VARCHAR, recorded_date DATE, committed_date DATE, offence_code VARCHAR, offence_title VARCHAR, cse_flag BOOLEAN, lsoa_code VARCHAR, outcome VARCHAR, row_no BIGINT)"
    )
    conn.execute(f"CREATE TABLE raw.crime_person(crime_ref VARCHAR, role VARCHAR, {PERSON_COLUMNS}, row_no BIGINT)")
    for i, (ref, date, code, cse, people) in enumerate(CRIMES, start=1):
        conn.execute("INSERT INTO raw.crime VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)", [ref, date, date, code, code, cse, i])
        for role, person_ref in people:
            conn.execute("INSERT INTO raw.crime_person VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [ref, role, *_person(person_ref), i])
    conn.execute(
        f"CREATE TABLE raw.custody(custody_ref VARCHAR, arrest_date DATE, occurrence_ref VARCHAR, offence_code VARCHAR, {PERSON_COLUMNS}, row_no BIGINT)"
    )
    conn.execute("INSERT INTO raw.custody VALUES ('K1', DATE '2026-05-02', 'C1', '19E', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", list(_person("P_O1")))
    conn.execute(
        "CREATE TABLE raw.intel_log(intel_ref VARCHAR, created_date DATE, source_eval VARCHAR, intel_eval VARCHAR, handling VARCHAR, cse_flag BOOLEAN, summary VARCHAR, row_no BIGINT)"
    )
    conn.execute("INSERT INTO raw.intel_log VALUES ('I1', DATE '2026-06-01', '1', 'A', 'P', TRUE, 'synthetic', 1), ('I2', DATE '2026-07-01', '1', 'B', 'C', TRUE, 'synthetic', 2)")
    conn.execute(
        f"CREATE TABLE raw.missing_person(episode_ref VARCHAR, reported_date DATE, found_date DATE, role VARCHAR, {PERSON_COLUMNS}, row_no BIGINT)"
    )
    for i, (ref, date, people) in enumerate(MISSING, start=1):
        for role, person_ref in people:
            conn.execute("INSERT INTO raw.missing_person VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [ref, date, date, role, *_person(person_ref), i])
    conn.execute(
        f"CREATE TABLE raw.ocg_member(ocg_ref VARCHAR, ocg_name VARCHAR, ocgm_band VARCHAR, ocg_status VARCHAR, member_role VARCHAR, mapped_date DATE, {PERSON_COLUMNS}, row_no BIGINT)"
    )
    for i, (ocg, band, status, alias) in enumerate(OCG_MEMBERS, start=1):
        conn.execute("INSERT INTO raw.ocg_member VALUES (?, ?, ?, ?, 'SIGNIFICANT', DATE '2024-01-01', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [ocg, f"Op {ocg}", band, status, *_person(f"P_{alias}"), i])

    conn.execute("CREATE TABLE er.nominal_record(person_ref VARCHAR, nominal_id VARCHAR, match_probability DOUBLE)")
    conn.executemany("INSERT INTO er.nominal_record VALUES (?, ?, 1.0)", [[ref, nid(alias)] for ref, alias in sorted(REFS.items())])
    conn.execute("CREATE TABLE er.nominal(nominal_id VARCHAR, surname VARCHAR, forenames VARCHAR, dob DATE, sex VARCHAR, pnc_id VARCHAR, n_records BIGINT, n_systems BIGINT, systems VARCHAR)")
    conn.executemany(
        "INSERT INTO er.nominal VALUES (?, ?, ?, ?, 'U', NULL, 1, 1, 'crime')",
        [[nid(a), f"Surname{a}", f"Fore{a}", D(2010, 1, 1) if a.startswith("V") else D(1990, 1, 1)] for a in NOM],
    )
    conn.execute(
        "CREATE TABLE er.person_record(person_ref VARCHAR, system VARCHAR, source_file VARCHAR, surname VARCHAR, forenames VARCHAR, dob DATE, sex VARCHAR, address VARCHAR, postcode VARCHAR, phone VARCHAR, pnc_id VARCHAR, n_mentions BIGINT, first_seen DATE, last_seen DATE)"
    )
    conn.executemany(
        "INSERT INTO er.person_record VALUES (?, 'crime', 'crime.csv', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, ?, ?)",
        [[ref, FIRST_SEEN[alias], D(2026, 9, 1)] for ref, alias in sorted(REFS.items())],
    )
    conn.execute(f"CREATE TABLE raw.intel_person(intel_ref VARCHAR, role VARCHAR, {PERSON_COLUMNS}, row_no BIGINT)")
    build_cse_evidence(conn)
    if with_network:
        build_network(conn)
    return conn


def build_cse_evidence(conn: duckdb.DuckDBPyConnection) -> None:
    """The network stage's evidence tables harm reads (crime outcomes, CSE crimes, seeds), by its own code."""
    from csenet_dagster.network import steps as network_steps
    from csenet_dagster.network.network_settings import NetworkSettings

    s = NetworkSettings()
    network_steps.build_cse_offence_code(conn)
    network_steps.build_party(conn, s)
    network_steps.build_cse_seed(conn, s)


def build_network(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(
        "CREATE OR REPLACE TABLE net.edge(nominal_id_a VARCHAR, nominal_id_b VARCHAR, link_type VARCHAR, weight DOUBLE, first_seen DATE, last_seen DATE, n_events BIGINT, source_refs VARCHAR)"
    )
    conn.execute(
        "CREATE OR REPLACE TABLE net.edge_evidence(nominal_id_a VARCHAR, nominal_id_b VARCHAR, link_type VARCHAR, source_file VARCHAR, source_ref VARCHAR, event_date DATE, detail VARCHAR, shareable BOOLEAN)"
    )
    for a, b, link_type, weight, last_seen in EDGES:
        x, y = sorted((nid(a), nid(b)))
        conn.execute("INSERT INTO net.edge VALUES (?, ?, ?, ?, ?, ?, 1, 'ref')", [x, y, link_type, weight, last_seen, last_seen])
        conn.execute("INSERT INTO net.edge_evidence VALUES (?, ?, ?, 'crime.csv', 'C1', ?, 'co-listed', TRUE)", [x, y, link_type, last_seen])
    # one conditional-handling intel item evidencing a member link
    x, y = sorted((nid("O1"), nid("O2")))
    conn.execute("INSERT INTO net.edge_evidence VALUES (?, ?, 'INTEL_ASSOCIATION', 'intel_log.csv', 'I2', DATE '2026-07-01', 'subject/associate', FALSE)", [x, y])
    # the grading, outcome and role columns of the network stage's evidence
    for column in ("source_eval", "intel_eval", "handling", "outcome", "role_a", "role_b"):
        conn.execute(f"ALTER TABLE net.edge_evidence ADD COLUMN {column} VARCHAR")
    conn.execute("UPDATE net.edge_evidence SET source_eval = '1', intel_eval = 'B', handling = 'C' WHERE source_ref = 'I2'")
    conn.execute(
        "CREATE OR REPLACE TABLE net.network(network_id VARCHAR, n_members BIGINT, n_offenders BIGINT, n_victims BIGINT, first_seen DATE, last_seen DATE)"
    )
    conn.execute(
        "CREATE OR REPLACE TABLE net.network_member(network_id VARCHAR, nominal_id VARCHAR, member_role VARCHAR, degree BIGINT, weighted_degree DOUBLE, betweenness DOUBLE, pagerank DOUBLE, eigenvector DOUBLE, brokerage DOUBLE, offender_pagerank DOUBLE)"
    )
    for network_id, members in NETWORKS.items():
        n_off = sum(1 for r in members.values() if r == "OFFENDER")
        conn.execute("INSERT INTO net.network VALUES (?, ?, ?, ?, DATE '2018-01-01', DATE '2026-09-01')", [network_id, len(members), n_off, len(members) - n_off])
        for alias, role in members.items():
            conn.execute("INSERT INTO net.network_member VALUES (?, ?, ?, 2, 2.0, 0.5, 0.25, 0.5, 0.1, ?)",
                         [network_id, nid(alias), role, 0.5 if role == "OFFENDER" else None])
    # why each member is there (the network stage's net.member_reason)
    conn.execute(
        """CREATE OR REPLACE TABLE net.member_reason AS
           SELECT network_id, nominal_id,
                  CASE member_role WHEN 'OFFENDER' THEN 'CSE_CRIME_CHARGED' ELSE 'CSE_CRIME_VICTIM' END AS reason,
                  member_role AS reason_role, TRUE AS admits, 1 AS n_sources,
                  CASE WHEN network_id = 'CSE00001' THEN 'C1' ELSE 'C6' END AS source_refs,
                  CAST(NULL AS VARCHAR) AS linked_nominal_ids, DATE '2019-03-01' AS first_seen, DATE '2026-05-01' AS last_seen
           FROM net.network_member"""
    )


def decay(event: dt.date, half_life: float = 365.0) -> float:
    return 0.5 ** ((EXTRACTED_AT.date() - event).days / half_life)


def test_world_builds(tmp_path):
    conn = build(tmp_path / "w.duckdb")
    assert db.row_count(conn, "er.nominal_record") == len(REFS)
    assert db.row_count(conn, "net.network_member") == 8
    conn.close()
