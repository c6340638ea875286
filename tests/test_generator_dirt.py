"""Dirty rows in generated deliveries: every injected row breach is in truth/quarantine_expected.csv
and every field breach in truth/field_issue_expected.csv, each really breaks its rule in the
written file, the planted truth stays intact, and ingest quarantines exactly those rows and
blanks exactly those fields."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest

from csenet_dagster import db
from csenet_dagster.ops.resource import duckdb_resource
from csenet_dagster.generator import generate

DELIVERY = "2026-11-29T0600"
RULES = {"unparseable_date", "missing_key", "unknown_value", "orphan_row", "duplicate_ref"}
FIELD_RULES = {"unparseable_date", "unknown_value", "invalid_format", "future_date"}
# The contract (../shared/contract/extracts.md), restated independently of the generator.
KEYS = {"crime.csv": ("crime_ref",), "crime_person.csv": ("crime_ref", "person_ref"),
        "custody.csv": ("custody_ref", "person_ref"), "intel_log.csv": ("intel_ref",),
        "intel_person.csv": ("intel_ref", "person_ref"), "missing_person.csv": ("episode_ref", "person_ref"),
        "vehicle.csv": ("vrm", "person_ref"), "ocg_member.csv": ("ocg_ref", "person_ref")}
# Event dates: an unparseable one rejects the row. A dob is a person field (below).
DATES = {"crime.csv": ("recorded_date", "committed_date"), "crime_person.csv": (),
         "custody.csv": ("arrest_date",), "intel_log.csv": ("created_date",), "intel_person.csv": (),
         "missing_person.csv": ("reported_date", "found_date"), "vehicle.csv": ("seen_date",),
         "ocg_member.csv": ("mapped_date",)}
CODES = {"crime.csv": [("cse_flag", {"Y", "N", ""})],
         "crime_person.csv": [("role", {"SUSPECT", "OFFENDER", "VICTIM", "WITNESS", "OTHER"})],
         "custody.csv": [],
         "intel_log.csv": [("source_eval", {"1", "2", "3"}), ("intel_eval", set("ABCDE")), ("handling", {"P", "C"}),
                           ("cse_flag", {"Y", "N", ""})],
         "intel_person.csv": [("role", {"SUBJECT", "ASSOCIATE", "VICTIM", "MENTIONED"})],
         "missing_person.csv": [("role", {"MISSING", "FOUND_WITH", "ADDRESS_OCCUPIER"})],
         "vehicle.csv": [("role", {"KEEPER", "DRIVER", "PASSENGER"})],
         "ocg_member.csv": [("ocg_status", {"ACTIVE", "ARCHIVED"}),
                            ("member_role", {"PRINCIPAL", "SIGNIFICANT", "PERIPHERAL"})]}
# Field rules (the field is blanked, the row loads), restated from the contract: person fields
# in every person file, offence codes, and any date after extracted_at (2026-11-29) + 1 day.
EXTRACTED = dt.date(2026, 11, 29)
POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? *[0-9][A-Z]{2}")
OFFENCE_CODE = re.compile(r"[0-9]{1,3}([A-Z]{1,2}|\.[0-9]{1,2})?")
ALL_DATES = {name: dates + (("dob",) if name in KEYS and "person_ref" in KEYS[name] else ()) for name, dates in DATES.items()}
UNIQUE = {"crime.csv": "crime_ref", "custody.csv": "custody_ref", "intel_log.csv": "intel_ref"}
PARENT = {"crime_person.csv": ("crime_ref", "crime.csv"), "intel_person.csv": ("intel_ref", "intel_log.csv")}
# parents first: a child's orphan rule looks for its parent among the parent's good rows
ORDER = ("crime.csv", "intel_log.csv", "crime_person.csv", "intel_person.csv", "custody.csv",
         "missing_person.csv", "vehicle.csv", "ocg_member.csv")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def valid_date(text: str) -> bool:
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            dt.date.fromisoformat(text)
        elif len(text) == 10 and text[2] == "/" and text[5] == "/":
            dt.datetime.strptime(text, "%d/%m/%Y")
        else:
            return False
    except ValueError:
        return False
    return True


def parse_date(text: str) -> dt.date | None:
    if not valid_date(text):
        return None
    return dt.date.fromisoformat(text) if "-" in text else dt.datetime.strptime(text, "%d/%m/%Y").date()


def uk_phone(text: str) -> bool:
    digits = re.sub(r"[^0-9]", "", text)
    return bool(re.fullmatch(r"[0-9 +().-]+", text)) and (
        (digits.startswith("0044") and len(digits) == 14) or (digits.startswith("440") and len(digits) == 13)
        or (digits.startswith("44") and len(digits) == 12) or (digits.startswith("0") and len(digits) == 11)
        or (not digits.startswith("0") and len(digits) == 10))


def field_rules(name: str, row: dict[str, str], extracted: dt.date = EXTRACTED) -> set[tuple[str, str]]:
    """(column, rule) of every field the row carries that ingest must blank."""
    broken = set()
    for column in ALL_DATES[name]:
        text = row[column].strip()
        if column == "dob" and text and not valid_date(text):
            broken.add((column, "unparseable_date"))
        parsed = parse_date(text) if text else None
        if parsed and parsed > extracted + dt.timedelta(days=1):
            broken.add((column, "future_date"))
    if "person_ref" in row:
        if row["sex"].strip().upper() not in {"M", "F", "U", ""}:
            broken.add(("sex", "unknown_value"))
        if row["postcode"].strip() and not POSTCODE.fullmatch(row["postcode"].strip().upper()):
            broken.add(("postcode", "invalid_format"))
        if row["phone"].strip() and not uk_phone(row["phone"].strip()):
            broken.add(("phone", "invalid_format"))
    if "offence_code" in row and row["offence_code"].strip() and \
            not OFFENCE_CODE.fullmatch(row["offence_code"].strip().upper()):
        broken.add(("offence_code", "invalid_format"))
    return broken


def judge_fields(folder: Path, extracted: dt.date = EXTRACTED) -> set[tuple[str, int, str, str]]:
    return {(name, row_no, column, rule) for name in ORDER
            for row_no, row in enumerate(read(folder / name), start=1)
            for column, rule in field_rules(name, row, extracted)}


def expected_fields(base: Path, truth_dir: str = "truth") -> set[tuple[str, int, str, str]]:
    return {(r["file_name"], int(r["row_no"]), r["column_name"], r["rule"])
            for r in read(base / truth_dir / "field_issue_expected.csv")}


def row_rules(name: str, row: dict[str, str]) -> set[str]:
    """The per-row rules (no cross-row ones) a row breaks, judged from the contract alone."""
    broken = set()
    if any(not row[k].strip() for k in KEYS[name]):
        broken.add("missing_key")
    if any(row[c].strip() and not valid_date(row[c].strip()) for c in DATES[name]):
        broken.add("unparseable_date")
    if any(row[c].strip().upper() not in allowed for c, allowed in CODES[name]):
        broken.add("unknown_value")
    return broken


def judge(folder: Path) -> set[tuple[str, int, str]]:
    """Every (file_name, row_no, rule) the delivery's rows break, applied the way the contract says."""
    breaches: set[tuple[str, int, str]] = set()
    good_refs: dict[str, set[str]] = {}
    for name in ORDER:
        rows = read(folder / name)
        bad: set[int] = set()
        for row_no, row in enumerate(rows, start=1):
            rules = row_rules(name, row)
            if name in PARENT:
                column, parent = PARENT[name]
                if row[column].strip() and row[column] not in good_refs[parent]:
                    rules.add("orphan_row")
            breaches |= {(name, row_no, rule) for rule in rules}
            if rules:
                bad.add(row_no)
        if name in UNIQUE:
            seen: set[str] = set()
            for row_no, row in enumerate(rows, start=1):
                if row_no in bad:
                    continue
                if row[UNIQUE[name]] in seen:
                    breaches.add((name, row_no, "duplicate_ref"))
                    bad.add(row_no)
                seen.add(row[UNIQUE[name]])
            good_refs[name] = {row[UNIQUE[name]] for row_no, row in enumerate(rows, start=1) if row_no not in bad}
    return breaches


def expected(base: Path, truth_dir: str = "truth") -> set[tuple[str, int, str]]:
    return {(r["file_name"], int(r["row_no"]), r["rule"]) for r in read(base / truth_dir / "quarantine_expected.csv")}


@pytest.fixture(scope="module")
def small(generated) -> Path:
    return generated()


def test_expected_quarantine_is_exactly_what_the_files_break(small):
    listed = expected(small)
    assert judge(small / "landing" / DELIVERY) == listed
    # every file is dirtied, every rule occurs, one rule per row
    assert {f for f, _, _ in listed} == set(ORDER)
    assert {rule for _, _, rule in listed} == RULES
    assert len({(f, n) for f, n, _ in listed}) == len(listed)
    per_file = Counter(f for f, _, _ in listed)
    assert min(per_file.values()) >= 4
    params = json.loads((small / "truth" / "params.json").read_text(encoding="utf-8"))
    assert params["counts"]["quarantine_expected"] == len(listed)
    assert params["counts"]["quarantine_expected_by_rule"] == dict(sorted(Counter(r for _, _, r in listed).items()))
    assert params["params"]["dirty_row_rate"] > 0
    # field breaches: exactly what the files break, every file and every field rule, and
    # never on a row that is itself quarantined
    fields = expected_fields(small)
    assert judge_fields(small / "landing" / DELIVERY) == fields
    assert {f for f, *_ in fields} == set(ORDER) and {r for *_, r in fields} == FIELD_RULES
    assert not {(f, n) for f, n, _, _ in fields} & {(f, n) for f, n, _ in listed}
    assert params["counts"]["field_issue_expected"] == len(fields)


def test_dirt_leaves_planted_truth_and_every_record_intact(small):
    folder, truth = small / "landing" / DELIVERY, small / "truth"
    listed = expected(small)
    good = {name: [row for n, row in enumerate(read(folder / name), start=1) if (name, n) not in
                   {(f, r) for f, r, _ in listed}] for name in ORDER}
    person_of = {r["person_ref"]: r["person_id"] for r in read(truth / "person_ref.csv")}
    kind = {r["person_id"]: r["kind"] for r in read(truth / "person.csv")}
    # every person record of the truth still has a good row (nothing lost to dirt)
    good_refs = {row["person_ref"] for name in ORDER for row in good[name] if "person_ref" in row}
    assert good_refs == set(person_of)
    # corrupted rows (other than re-entries in ocg_member.csv) name background people only
    dirty_refs = {row["person_ref"] for name in ORDER if name != "ocg_member.csv"
                  for n, row in enumerate(read(folder / name), start=1)
                  if (name, n) in {(f, r) for f, r, _ in listed} and row.get("person_ref")}
    assert dirty_refs and {kind[person_of[ref]] for ref in dirty_refs if ref in person_of} == {"BACKGROUND"}
    # the planted networks' offences and victims, and the OCG mapping, are all in good rows
    crimes = {r["crime_ref"] for r in good["crime.csv"]}
    victims = {(r["crime_ref"], person_of[r["person_ref"]]) for r in good["crime_person.csv"] if r["role"] == "VICTIM"}
    for offence in read(truth / "network_offence.csv"):
        assert offence["crime_ref"] in crimes
        assert (offence["crime_ref"], offence["victim_person_id"]) in victims
    mapped = {(r["ocg_ref"], person_of[r["person_ref"]]) for r in good["ocg_member.csv"]}
    assert mapped == {(r["ocg_ref"], r["person_id"]) for r in read(truth / "ocg.csv") if r["mapped"] == "true"}
    # the manifest describes the dirty files as written
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in ORDER:
        assert manifest["files"][name]["rows"] == len(read(folder / name))


def test_dirt_is_deterministic_and_differs_between_deliveries(tmp_path, small):
    generate(tmp_path / "again", people=600, seed=11)
    for name in (*ORDER, "manifest.json"):
        assert (tmp_path / "again" / "landing" / DELIVERY / name).read_bytes() == \
            (small / "landing" / DELIVERY / name).read_bytes(), name
    assert (tmp_path / "again" / "truth" / "quarantine_expected.csv").read_bytes() == \
        (small / "truth" / "quarantine_expected.csv").read_bytes()
    # an earlier extract of the same world breaks other rows, still exactly as listed
    earlier = "2026-05-29T0600"
    generate(tmp_path / "snap", people=600, seed=11, delivery_id=earlier, extracted_at="2026-05-29T06:00:00Z",
             world_until="2026-11-29T06:00:00Z")
    listed = expected(tmp_path / "snap", f"truth/{earlier}")
    assert listed and judge(tmp_path / "snap" / "landing" / earlier) == listed
    fields = expected_fields(tmp_path / "snap", f"truth/{earlier}")
    assert fields and judge_fields(tmp_path / "snap" / "landing" / earlier, dt.date(2026, 5, 29)) == fields


def test_rate_zero_disables_dirt(tmp_path, small, monkeypatch):
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"generator": {"dirty_row_rate": 0}}), encoding="utf-8")
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    generate(tmp_path / "clean", people=600, seed=11)
    folder = tmp_path / "clean" / "landing" / DELIVERY
    assert expected(tmp_path / "clean") == set() and judge(folder) == set()
    assert expected_fields(tmp_path / "clean") == set() and judge_fields(folder) == set()
    params = json.loads((tmp_path / "clean" / "truth" / "params.json").read_text(encoding="utf-8"))
    assert params["counts"]["quarantine_expected"] == 0
    # the clean rows are the dirty delivery's good rows, in order (dirt changes nothing else)
    listed = {(f, n) for f, n, _ in expected(small)} | {(f, n) for f, n, _, _ in expected_fields(small)}
    for name in ORDER:
        dirty = [row for n, row in enumerate(read(small / "landing" / DELIVERY / name), start=1) if (name, n) not in listed]
        clean = read(folder / name)
        kept = [row for row in clean if row in dirty]
        assert kept == dirty, name
        assert len(clean) - len(kept) == sum(1 for f, n in listed if f == name and not _is_copy(small, f, n)), name


def _is_copy(base: Path, name: str, row_no: int) -> bool:
    """A duplicate_ref row and a re-entry in ocg_member.csv are inserted rows, not corrupted ones."""
    rules = {(f, n): r for f, n, r in expected(base)}
    if (name, row_no) not in rules:
        return False  # a field breach: a corrupted clean row
    return rules[(name, row_no)] == "duplicate_ref" or name == "ocg_member.csv"


def test_ingest_quarantines_every_expected_row(workspace):
    from csenet_dagster import ingest

    result = dg.materialize(ingest.ASSETS, resources={"duckdb": duckdb_resource()})
    assert result.success
    with db.working_db(read_only=True) as conn:
        quarantined = {tuple(r) for r in conn.sql("SELECT file_name, row_no, rule FROM raw.quarantine").fetchall()}
        loaded = {name: conn.sql(f"SELECT count(*) FROM raw.{name.removesuffix('.csv')}").fetchall()[0][0]
                  for name in ORDER}
    listed = expected(workspace.root)
    missing = sorted(listed - quarantined)
    assert not missing, f"expected quarantine rows ingest did not quarantine: {missing}"
    assert quarantined == listed, f"quarantined beyond the injected dirt: {sorted(quarantined - listed)}"
    with db.working_db(read_only=True) as conn:
        blanked = {tuple(r) for r in conn.sql("SELECT file_name, row_no, column_name, rule FROM raw.field_issue").fetchall()}
        # a blanked field is NULL in the loaded row, and the row itself loaded (a non-code
        # offence code is listed but kept: harm weighs it by default)
        for file_name, row_no, column, _ in sorted(expected_fields(workspace.root)):
            if column == "offence_code":
                continue
            table = "raw." + file_name.removesuffix(".csv")
            assert conn.sql(f"SELECT {column} FROM {table} WHERE row_no = {row_no}").fetchall() == [(None,)], \
                (file_name, row_no, column)
    assert blanked == expected_fields(workspace.root)
    delivery = workspace.deliveries()[-1]
    for name in ORDER:
        bad_rows = {n for f, n, _ in listed if f == name}
        assert loaded[name] == len(read(delivery / name)) - len(bad_rows), name
