"""analyst.possible_match, the review queue of possible matches (issue 11 item 4).

A hand-made working database with known pairs: which pairs are in the queue (the band
between review.possible_threshold and resolve.match_threshold, not already one nominal
unless decided), the order (CSE network members first), the decided status from
identity.csv, and the comparisons read from er.match_pair's Splink columns when present.
"""

from __future__ import annotations

import duckdb
import pytest

from csenet_dagster.publish import possible_match as review
from csenet_dagster.publish.tables import audit

RECORDS = {
    # person_ref: (surname, forenames, dob, postcode)
    "CR01": ("Khan", "Imran", "1990-01-02", "B12 9QR"),
    "CU01": ("KHAN", "Mohammed Imran", None, "B12 9QR"),
    "CR02": ("Smith", "Sarah", "1985-05-06", "B5 7AA"),
    "IN02": ("Smith", "Sara", "1985-06-05", None),
    "CR03": ("Nguyen", "Minh", "2001-03-04", "CV1 2AB"),
    "MP03": ("Minh", "Nguyen", "2001-03-04", "CV1 2AB"),
    "CR04": ("Begum", "Rahima", "1970-07-08", "WS1 1AA"),
    "VE04": ("Ali", "Rahima", "1970-07-08", "WS1 1AA"),
    "CR05": ("Jones", "Tom", "1999-09-09", "DY1 1AA"),
    "CU05": ("Jones", "Thomas", "1999-09-09", "DY1 1AA"),
}
NOMINAL = {"CR01": "N1", "CU01": "N2", "CR02": "N3", "IN02": "N4", "CR03": "N5", "MP03": "N6",
           "CR04": "N7", "VE04": "N7", "CR05": "N9", "CU05": "N9"}
PAIRS = [
    # (left, right, probability): CR01-CU01 and CR03-MP03 touch network members
    ("CR01", "CU01", 0.95),
    ("CR02", "IN02", 0.97),
    ("CR03", "MP03", 0.60),
    ("CR04", "VE04", 0.80),   # one nominal through an analyst's SAME: shown as decided
    ("CR05", "CU05", 0.90),   # one nominal through other links, undecided: not shown
    ("CR02", "CR05", 0.30),   # below the possible threshold
    ("CR01", "CR02", 0.995),  # above the automatic threshold
]


def _database(with_splink_columns: bool) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    for schema in ("er", "net", "pub"):
        conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute("CREATE TABLE er.person_record (person_ref VARCHAR, system VARCHAR, surname VARCHAR, "
                 "forenames VARCHAR, dob DATE, sex VARCHAR, address VARCHAR, postcode VARCHAR, phone VARCHAR, "
                 "pnc_id VARCHAR)")
    conn.executemany("INSERT INTO er.person_record VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, NULL, NULL)",
                     [(ref, ref[:2], s, f, d, p) for ref, (s, f, d, p) in RECORDS.items()])
    conn.execute("""CREATE TABLE er.person_std AS SELECT person_ref,
        lower(surname) AS surname_std, lower(split_part(forenames, ' ', 1)) AS forename1,
        lower(split_part(forenames, ' ', 1)) AS forename_canonical, dob AS dob_std, CAST(NULL AS VARCHAR) AS sex_std,
        postcode AS postcode_std, split_part(postcode, ' ', 1) AS postcode_outward,
        CAST(NULL AS VARCHAR) AS phone_std, CAST(NULL AS VARCHAR) AS pnc_std FROM er.person_record""")
    conn.execute("CREATE TABLE er.nominal_record (person_ref VARCHAR, nominal_id VARCHAR)")
    conn.executemany("INSERT INTO er.nominal_record VALUES (?, ?)", list(NOMINAL.items()))
    conn.execute("CREATE TABLE pub.nominal_record AS SELECT * FROM er.nominal_record")
    splink = ", gamma_dob INTEGER, bf_dob DOUBLE, gamma_surname INTEGER, bf_surname DOUBLE, bf_tf_adj_surname DOUBLE"
    conn.execute("CREATE TABLE er.match_pair (person_ref_l VARCHAR, person_ref_r VARCHAR, match_weight DOUBLE, "
                 f"match_probability DOUBLE{splink if with_splink_columns else ''})")
    for left, right, probability in PAIRS:
        extra = ", 4, 128.0, 3, 64.0, 0.5" if with_splink_columns else ""
        conn.execute(f"INSERT INTO er.match_pair VALUES ('{left}', '{right}', 1.0, {probability}{extra})")
    conn.execute("""CREATE TABLE er.identity_correction AS SELECT * FROM (VALUES
        (1, 'NOT_SAME', 'VE04', 'CR04', 'J Analyst', TIMESTAMP '2026-11-01 10:00', 'first thought', 'superseded', FALSE),
        (2, 'SAME', 'VE04', 'CR04', 'K Analyst', TIMESTAMP '2026-11-20 10:00', 'same custody photo', 'applied', TRUE))
        AS t(row_no, decision, person_ref_a, person_ref_b, analyst, decided_at, reason, status, applied)""")
    conn.execute("CREATE TABLE net.network_member AS SELECT * FROM (VALUES ('CSE00001', 'N2'), ('CSE00002', 'N5')) "
                 "AS t(network_id, nominal_id)")
    conn.execute("CREATE TABLE pub.network AS SELECT * FROM (VALUES ('CSE00001', 2), ('CSE00002', 1)) "
                 "AS t(network_id, priority_rank)")
    return conn


@pytest.fixture(params=[False, True], ids=["without_splink_columns", "with_splink_columns"])
def queue(request):
    conn = _database(request.param)
    counts = review.build(conn)
    rows = conn.sql("SELECT * FROM pub.possible_match ORDER BY review_rank").fetchall()
    columns = [d[0] for d in conn.sql("SELECT * FROM pub.possible_match").description]
    checks = {r.check_name: r.passed for r in audit(conn, review.POSSIBLE_MATCH)}
    conn.close()
    return request.param, counts, [dict(zip(columns, r)) for r in rows], checks


def test_queue_holds_the_band_with_network_pairs_first_and_decisions_shown(queue):
    _, counts, rows, checks = queue
    assert checks == {"contract_columns": True, "integrity": True}
    order = [(r["person_ref_a"], r["person_ref_b"], r["status"]) for r in rows]
    assert order == [
        ("CR03", "MP03", "open"),    # network member, network of priority rank 1
        ("CR01", "CU01", "open"),    # network member, rank 2
        ("CR02", "IN02", "open"),    # no network, highest probability of the rest
        ("CR04", "VE04", "decided"),  # decided pairs after open ones
    ]
    assert counts == {"pairs": 4, "open": 3, "decided": 1, "touching_cse_networks": 2,
                      "comparisons_explained": counts["comparisons_explained"]}
    first = rows[0]
    assert first["touches_cse_network"] and first["network_ids"] == "CSE00002"
    assert (first["surname_a"], first["forenames_a"], first["surname_b"], first["forenames_b"]) == (
        "Nguyen", "Minh", "Minh", "Nguyen")
    assert "names swapped" in first["fields_agreeing"] and "dob" in first["fields_agreeing"]
    decided = rows[-1]
    assert (decided["decision"], decided["decided_by"], decided["decision_applied"]) == ("SAME", "K Analyst", True)
    assert decided["nominal_id_a"] == decided["nominal_id_b"] == "N7"
    assert [r["decision"] for r in rows[:3]] == [None, None, None]


def test_comparisons_come_from_the_splink_columns_when_present(queue):
    with_splink, counts, rows, _ = queue
    if not with_splink:
        assert counts["comparisons_explained"] == 0 and all(r["comparisons"] is None for r in rows)
        return
    assert counts["comparisons_explained"] == 2
    # bf_dob 128 = +7 bits; surname 64 x term-frequency 0.5 = +5 bits; strongest first
    assert rows[0]["comparisons"] == "dob 4 +7.0; surname 3 +5.0"


def test_possible_threshold_is_a_setting(tmp_path, monkeypatch):
    (tmp_path / "settings.json").write_text('{"review": {"possible_threshold": 0.7}}')
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(tmp_path / "settings.json"))
    conn = _database(False)
    review.build(conn)
    pairs = {(a, b) for a, b in conn.sql("SELECT person_ref_a, person_ref_b FROM pub.possible_match").fetchall()}
    assert ("CR03", "MP03") not in pairs and ("CR01", "CU01") in pairs  # 0.60 is now below the band


def test_small_run_publishes_the_review_queue(small_run):
    conn = duckdb.connect(str(small_run.analyst_db), read_only=True)
    try:
        rows = conn.sql("SELECT review_rank, status, touches_cse_network, match_probability, person_ref_a, "
                        "person_ref_b FROM possible_match ORDER BY review_rank").fetchall()
        refs = {r for (r,) in conn.sql("SELECT person_ref FROM nominal_record").fetchall()}
        settings_json = conn.sql("SELECT settings FROM run").fetchall()[0][0]
    finally:
        conn.close()
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert all(0.5 <= r[3] < 0.99 and r[1] == "open" for r in rows)
    assert all(r[4] in refs and r[5] in refs for r in rows)
    flags = [r[2] for r in rows]
    assert flags == sorted(flags, reverse=True)  # CSE network pairs first
    assert '"review"' in str(settings_json)  # the threshold used is recorded with the run
