"""Resolve stage, person records and standardisation, on small hand-made raw tables."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from csenet_dagster import db
from csenet_dagster.generator.pnc import pnc_id
from csenet_dagster.resolve import steps

PERSON = (
    "person_ref VARCHAR, surname VARCHAR, forenames VARCHAR, dob DATE, sex VARCHAR, address VARCHAR, "
    "postcode VARCHAR, phone VARCHAR, pnc_id VARCHAR, row_no BIGINT"
)
RAW_TABLES = {
    "crime": "crime_ref VARCHAR, recorded_date DATE, committed_date DATE, row_no BIGINT",
    "crime_person": f"crime_ref VARCHAR, role VARCHAR, {PERSON}",
    "custody": f"custody_ref VARCHAR, arrest_date DATE, occurrence_ref VARCHAR, offence_code VARCHAR, {PERSON}",
    "intel_log": "intel_ref VARCHAR, created_date DATE, row_no BIGINT",
    "intel_person": f"intel_ref VARCHAR, role VARCHAR, {PERSON}",
    "missing_person": f"episode_ref VARCHAR, reported_date DATE, found_date DATE, role VARCHAR, {PERSON}",
    "vehicle": f"vrm VARCHAR, seen_date DATE, role VARCHAR, source VARCHAR, {PERSON}",
    "ocg_member": f"ocg_ref VARCHAR, mapped_date DATE, {PERSON}",
    "quarantined_person": "delivery_id VARCHAR, file_name VARCHAR, row_no BIGINT, " + PERSON.removesuffix(", row_no BIGINT"),
}
EXTRACTED_AT = dt.datetime(2026, 11, 29, 6, 0)


def raw_db() -> duckdb.DuckDBPyConnection:
    """An in-memory working database with empty raw tables shaped as in DESIGN.md."""
    conn = duckdb.connect(":memory:", config=dict(db.CONNECTION_CONFIG))
    for schema in db.SCHEMAS:
        conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute("CREATE TABLE raw.delivery (delivery_id VARCHAR, extracted_at TIMESTAMP)")
    conn.execute("INSERT INTO raw.delivery VALUES ('test', ?)", [EXTRACTED_AT])
    for table, columns in RAW_TABLES.items():
        conn.execute(f"CREATE TABLE raw.{table} ({columns})")
    return conn


def add_custody(conn, rows: list[dict]) -> None:
    """Custody records: each dict gives person fields (missing ones are null)."""
    fields = ("person_ref", "surname", "forenames", "dob", "sex", "address", "postcode", "phone", "pnc_id")
    for i, row in enumerate(rows, start=1):
        conn.execute(
            "INSERT INTO raw.custody VALUES (?, ?, 'OCC', '8N', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [f"C{i}", row.get("arrest_date", dt.date(2025, 1, i % 28 + 1))]
            + [row.get(f) for f in fields]
            + [i],
        )


def std(conn, ref: str) -> dict:
    rel = conn.sql(f"SELECT * FROM er.person_std WHERE person_ref = {db.literal(ref)}")
    return dict(zip(rel.columns, rel.fetchall()[0]))


def test_person_record_one_row_per_ref_across_files():
    conn = raw_db()
    conn.execute("INSERT INTO raw.crime VALUES ('X1', DATE '2024-05-01', DATE '2024-04-30', 1)")
    conn.execute(
        "INSERT INTO raw.crime_person VALUES ('X1', 'SUSPECT', 'CR1', 'Smith', 'Jo', NULL, 'F', NULL, NULL, NULL, NULL, 1)"
    )
    conn.execute("INSERT INTO raw.intel_log VALUES ('I1', DATE '2025-02-01', 1)")
    # the same ref mentioned twice in intel, once with a dob filled in
    conn.execute(
        "INSERT INTO raw.intel_person VALUES ('I1', 'SUBJECT', 'IN1', 'Khan', 'Ali', NULL, 'M', NULL, NULL, NULL, NULL, 1),"
        " ('I1', 'ASSOCIATE', 'IN1', 'Khan', 'Ali', DATE '1990-02-03', 'M', NULL, NULL, NULL, NULL, 2),"
        " ('I1', 'ASSOCIATE', 'CR1', 'Smith', 'Jo', NULL, 'F', NULL, NULL, NULL, NULL, 3)"
    )
    counts = steps.build_person_record(conn)
    assert counts["person_records"] == 2
    assert counts["person_mentions"] == 4
    rows = conn.sql(
        "SELECT person_ref, system, source_file, dob, n_mentions, first_seen, last_seen FROM er.person_record ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("CR1", "CRIME", "crime_person.csv", None, 2, dt.date(2024, 4, 30), dt.date(2025, 2, 1)),
        ("IN1", "INTEL", "intel_person.csv", dt.date(1990, 2, 3), 2, dt.date(2025, 2, 1), dt.date(2025, 2, 1)),
    ]


def test_ref_only_in_quarantined_rows_is_a_record_flagged_only_in_quarantine():
    conn = raw_db()
    add_custody(conn, [{"person_ref": "GOOD", "surname": "Khan", "dob": dt.date(1990, 1, 1)}])
    conn.execute(
        "INSERT INTO raw.quarantined_person VALUES"
        # GOOD also has a quarantined row: its good row alone makes its record
        " ('d', 'crime_person.csv', 4, 'GOOD', 'Other', 'X', NULL, NULL, NULL, NULL, NULL, NULL),"
        " ('d', 'intel_person.csv', 7, 'QONLY', 'Shaw', 'Ann', DATE '2001-02-03', 'F', NULL, NULL, NULL, NULL),"
        " ('d', 'vehicle.csv', 2, 'QONLY', 'Shaw', 'Ann', NULL, 'F', NULL, NULL, NULL, NULL)"
    )
    counts = steps.build_person_record(conn)
    assert counts["person_records"] == 2
    rows = conn.sql(
        "SELECT person_ref, system, source_file, surname, dob, n_mentions, last_seen, only_in_quarantine"
        " FROM er.person_record ORDER BY 1"
    ).fetchall()
    assert rows == [
        ("GOOD", "CUSTODY", "custody.csv", "Khan", dt.date(1990, 1, 1), 1, dt.date(2025, 1, 2), False),
        ("QONLY", "INTEL", "intel_person.csv", "Shaw", dt.date(2001, 2, 3), 2, None, True),
    ]


def test_names_are_folded_split_and_canonicalised():
    conn = raw_db()
    add_custody(
        conn,
        [
            {"person_ref": "A", "surname": "O'Brien-Smith", "forenames": "J.A. Robért"},
            {"person_ref": "B", "surname": "  WRIGHT ", "forenames": "Bob"},
            {"person_ref": "C", "surname": "Wiśniewski", "forenames": "Łukasz"},
            {"person_ref": "D", "surname": "hussain", "forenames": "Muhammad"},
            {"person_ref": "E", "surname": None, "forenames": "  "},
        ],
    )
    steps.build_person_record(conn)
    steps.standardise(conn)
    a = std(conn, "A")
    assert (a["surname_std"], a["surname_first"], a["surname_last"]) == ("obriensmith", "obrien", "smith")
    assert (a["forename1"], a["forename2"], a["forename_is_initial"]) == ("j", "a", True)
    b = std(conn, "B")
    assert (b["surname_std"], b["forename1"], b["forename_canonical"]) == ("wright", "bob", "robert")
    assert b["surname_sdx"] == "W623" and b["forename_sdx"] == "R163"
    c = std(conn, "C")
    assert (c["surname_std"], c["forename1"]) == ("wisniewski", "lukasz")
    assert std(conn, "D")["forename_canonical"] == "mohammed"
    e = std(conn, "E")
    assert e["surname_std"] is None and e["forename1"] is None and e["full_name"] is None


def test_title_surnames_and_prefix_forenames_are_flagged():
    """Begum/Bibi/Khatun/Kaur/Singh in the surname field and Mohammed (any common spelling or
    abbreviation) as first forename get their own comparison levels (docs/entity_resolution.md)."""
    conn = raw_db()
    add_custody(
        conn,
        [
            {"person_ref": "A", "surname": "BEGUM", "forenames": "Rahima"},
            {"person_ref": "B", "surname": "Khatoon", "forenames": "Md Saiful"},
            {"person_ref": "C", "surname": "Kaur", "forenames": "Mohd"},
            {"person_ref": "D", "surname": "Sandhu", "forenames": "Harpreet Kaur"},
            {"person_ref": "E", "surname": "Khan", "forenames": "Imran Mohammed"},
            {"person_ref": "F", "surname": None, "forenames": None},
        ],
    )
    steps.build_person_record(conn)
    steps.standardise(conn)
    flags = {ref: (std(conn, ref)["surname_is_title"], std(conn, ref)["forename_is_prefix"]) for ref in "ABCDEF"}
    # a title name only in the surname field; Mohammed only as the first forename
    assert flags == {"A": (True, False), "B": (True, True), "C": (True, True), "D": (False, False),
                     "E": (False, False), "F": (None, None)}
    assert std(conn, "B")["forename_canonical"] == std(conn, "C")["forename_canonical"] == "mohammed"


def test_placeholder_and_impossible_dobs_are_unknown():
    conn = raw_db()
    add_custody(
        conn,
        [
            {"person_ref": "A", "dob": dt.date(1900, 1, 1)},
            {"person_ref": "B", "dob": dt.date(1987, 1, 1)},
            {"person_ref": "C", "dob": dt.date(2027, 3, 1)},
            {"person_ref": "D", "dob": dt.date(1987, 6, 5)},
            {"person_ref": "E", "dob": None},
        ],
    )
    steps.build_person_record(conn)
    counts = steps.standardise(conn)
    assert [std(conn, r)["dob_std"] for r in "ABCDE"] == [None, None, None, dt.date(1987, 6, 5), None]
    assert counts["placeholder_dob"] == 2 and counts["with_dob"] == 1


def test_postcodes_phones_and_pnc_ids_normalised():
    good = pnc_id(2015, 123456)
    bad_check = good[:-1] + ("A" if good[-1] != "A" else "B")
    conn = raw_db()
    add_custody(
        conn,
        [
            {"person_ref": "A", "postcode": "b15  2tt", "phone": "+44 (0)7700 900123", "pnc_id": good},
            {"person_ref": "B", "postcode": "B152TT", "phone": "07700 900123", "pnc_id": " " + good.lower() + " "},
            {"person_ref": "C", "postcode": "not a postcode", "phone": "0044 7700 900123", "pnc_id": bad_check},
            {"person_ref": "D", "postcode": "WV1 1AA", "phone": "447700900123", "pnc_id": "15/123456" + good[-1]},
            {"person_ref": "E", "postcode": None, "phone": "12345", "pnc_id": "2015-0123456"},
        ],
    )
    steps.build_person_record(conn)
    counts = steps.standardise(conn)
    rows = {r: std(conn, r) for r in "ABCDE"}
    assert [rows[r]["postcode_std"] for r in "ABCDE"] == ["B15 2TT", "B15 2TT", None, "WV1 1AA", None]
    assert rows["D"]["postcode_outward"] == "WV1"
    assert [rows[r]["phone_std"] for r in "ABCD"] == ["07700900123"] * 4
    assert rows["E"]["phone_std"] is None
    # the same valid PNC id in any spelling gives one key; a wrong check letter is not trusted
    assert rows["A"]["pnc_std"] == rows["B"]["pnc_std"] == rows["D"]["pnc_std"] is not None
    assert [rows[r]["pnc_status"] for r in "ABCDE"] == ["VALID", "VALID", "BAD_CHECK", "VALID", "MALFORMED"]
    assert rows["C"]["pnc_std"] is None and rows["E"]["pnc_std"] is None
    assert counts["valid_pnc"] == 3 and counts["untrusted_pnc"] == 2


@pytest.mark.parametrize("year,serial", [(2001, 1), (1999, 9999999), (2024, 4567890)])
def test_pnc_check_agrees_with_generator(year, serial):
    from csenet_dagster.generator.pnc import CHECK_LETTERS

    conn = raw_db()
    right = pnc_id(year, serial)
    wrong = right[:-1] + next(c for c in CHECK_LETTERS if c != right[-1])
    add_custody(conn, [{"person_ref": "R", "pnc_id": right}, {"person_ref": "W", "pnc_id": wrong}])
    steps.build_person_record(conn)
    steps.standardise(conn)
    assert std(conn, "R")["pnc_status"] == "VALID"
    assert std(conn, "W")["pnc_status"] == "BAD_CHECK"
