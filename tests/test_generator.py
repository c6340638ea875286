"""The synthetic delivery generator: contract shape, determinism, truth and noise."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from csenet_dagster.generator import generate, pnc
from csenet_dagster.generator.records import normalised_phone, normalised_postcode

DELIVERY = "2026-11-29T0600"
EXTRACTED = dt.date(2026, 11, 29)
FILES = ("crime.csv", "crime_person.csv", "custody.csv", "intel_log.csv", "intel_person.csv",
         "missing_person.csv", "vehicle.csv", "ocg_member.csv")
PERSON_FILES = {"crime_person.csv": "CR", "custody.csv": "CU", "intel_person.csv": "IN",
                "missing_person.csv": "MP", "vehicle.csv": "VE", "ocg_member.csv": "OC"}
PERSON_FIELDS = ("surname", "forenames", "dob", "sex", "address", "postcode", "phone", "pnc_id")
REQUIRED_COLUMNS = {
    "crime.csv": {"crime_ref", "recorded_date", "committed_date", "offence_code", "offence_title",
                  "cse_flag", "lsoa_code", "outcome"},
    "crime_person.csv": {"crime_ref", "role", "person_ref", *PERSON_FIELDS},
    "custody.csv": {"custody_ref", "arrest_date", "occurrence_ref", "offence_code", "person_ref", *PERSON_FIELDS},
    "intel_log.csv": {"intel_ref", "created_date", "source_eval", "intel_eval", "handling", "cse_flag", "summary"},
    "intel_person.csv": {"intel_ref", "role", "person_ref", *PERSON_FIELDS},
    "missing_person.csv": {"episode_ref", "reported_date", "found_date", "role", "person_ref", *PERSON_FIELDS},
    "vehicle.csv": {"vrm", "seen_date", "role", "source", "person_ref", *PERSON_FIELDS},
    "ocg_member.csv": {"ocg_ref", "ocg_name", "ocgm_band", "ocg_status", "member_role", "mapped_date",
                       "person_ref", *PERSON_FIELDS},
}
NAME_VARIANTS = Path(__file__).resolve().parent.parent / "csenet_dagster" / "generator" / "data" / "name_variants.csv"
OFFENCE_CODES = Path(__file__).resolve().parent.parent / "csenet_dagster" / "reference" / "offence_codes.csv"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def parse_date(text: str) -> dt.date:
    if "/" in text:
        day, month, year = text.split("/")
        return dt.date(int(year), int(month), int(day))
    return dt.date.fromisoformat(text)


@pytest.fixture(scope="module")
def small(generated) -> Path:
    return generated()


def good_rows(folder: Path, truth: Path, blank_field_dirt: bool = True) -> dict[str, list[dict[str, str]]]:
    """The delivery's rows minus the injected dirt (truth/quarantine_expected.csv, tested in
    test_generator_dirt.py): what the pipeline gets past ingest."""
    dirty = {(r["file_name"], int(r["row_no"])) for r in read(truth / "quarantine_expected.csv")}
    # Field-level dirt (truth/field_issue_expected.csv): ingest blanks the field and keeps the row,
    # except a non-code offence_code, which is listed and kept as delivered.
    blanked: dict[tuple[str, int], set[str]] = {}
    for r in read(truth / "field_issue_expected.csv"):
        if blank_field_dirt and r["column_name"] != "offence_code":
            blanked.setdefault((r["file_name"], int(r["row_no"])), set()).add(r["column_name"])
    rows: dict[str, list[dict[str, str]]] = {}
    for name in FILES:
        rows[name] = []
        for n, row in enumerate(read(folder / name), start=1):
            if (name, n) in dirty:
                continue
            for column in blanked.get((name, n), ()):
                row[column] = ""
            rows[name].append(row)
    return rows


@pytest.fixture(scope="module")
def delivery(small) -> dict[str, list[dict[str, str]]]:
    return good_rows(small / "landing" / DELIVERY, small / "truth")


@pytest.fixture(scope="module")
def truth(small) -> dict[str, list[dict[str, str]]]:
    names = ("person_ref", "person", "network", "network_member", "network_offence", "network_ocg", "ocg", "noise",
             "label_case", "label_case_crime")
    return {name: read(small / "truth" / f"{name}.csv") for name in names}


def person_rows(delivery):
    for name in PERSON_FILES:
        yield from ((name, row) for row in delivery[name])


def test_same_seed_same_bytes_other_seed_differs(tmp_path, small):
    again = tmp_path / "again"
    other = tmp_path / "other"
    # another process with another hash seed: no set or dict order may leak into the output
    script = f"from csenet_dagster.generator import generate; generate({str(again)!r}, people=600, seed=11)"
    subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ, "PYTHONHASHSEED": "4242"},
                   cwd=Path(__file__).resolve().parent.parent)
    generate(other, people=600, seed=12)
    for folder in (Path("landing") / DELIVERY, Path("truth")):
        for path in sorted((small / folder).iterdir()):
            assert (again / folder / path.name).read_bytes() == path.read_bytes(), path.name
    differs = [n for n in FILES if (other / "landing" / DELIVERY / n).read_bytes()
               != (small / "landing" / DELIVERY / n).read_bytes()]
    assert differs == list(FILES)


def test_manifest_matches_files_and_is_written_last(small):
    folder = small / "landing" / DELIVERY
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["delivery_id"] == DELIVERY
    assert manifest["extracted_at"] == "2026-11-29T06:00:00Z"
    assert sorted(manifest["files"]) == sorted(FILES)
    for name, meta in manifest["files"].items():
        data = (folder / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == meta["sha256"], name
        assert len(read(folder / name)) == meta["rows"] > 0, name
    newest_data = max((folder / n).stat().st_mtime_ns for n in FILES)
    assert (folder / "manifest.json").stat().st_mtime_ns >= newest_data
    assert not (folder / "truth").exists() and (small / "truth").is_dir()


def test_files_follow_the_contract(small, delivery):
    folder = small / "landing" / DELIVERY
    headers = {}
    for name in FILES:
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            headers[name] = next(csv.reader(handle))
        assert REQUIRED_COLUMNS[name] <= set(headers[name]), name
    # the contract allows any column order and unknown extra columns: both occur
    assert any(set(h) - REQUIRED_COLUMNS[n] for n, h in headers.items())
    assert headers["custody.csv"][0] == "person_ref"
    with OFFENCE_CODES.open(encoding="utf-8", newline="") as handle:
        codes = {r["offence_code"]: r for r in csv.DictReader(handle)}
    for row in delivery["crime.csv"]:
        assert row["offence_title"] == codes[row["offence_code"]]["offence_title"]
        assert row["cse_flag"] in ("Y", "N", "")
    assert {r["offence_code"] for r in delivery["custody.csv"]} <= set(codes)
    assert {r["role"] for r in delivery["crime_person.csv"]} <= {"SUSPECT", "OFFENDER", "VICTIM", "WITNESS", "OTHER"}
    assert {r["role"] for r in delivery["intel_person.csv"]} <= {"SUBJECT", "ASSOCIATE", "VICTIM", "MENTIONED"}
    assert {r["role"] for r in delivery["missing_person.csv"]} == {"MISSING", "FOUND_WITH", "ADDRESS_OCCUPIER"}
    assert {r["role"] for r in delivery["vehicle.csv"]} <= {"KEEPER", "DRIVER", "PASSENGER"}
    assert {r["source_eval"] for r in delivery["intel_log.csv"]} == {"1", "2", "3"}
    assert {r["intel_eval"] for r in delivery["intel_log.csv"]} == set("ABCDE")
    assert {r["ocgm_band"] for r in delivery["ocg_member.csv"]} <= {f"{a}{b}" for a in "123" for b in "ABC"}
    assert len({r["crime_ref"] for r in delivery["crime.csv"]}) == len(delivery["crime.csv"])
    assert len({r["custody_ref"] for r in delivery["custody.csv"]}) == len(delivery["custody.csv"])
    # every date is a real date no later than the extract, in either format
    formats = Counter()
    for name, column in (("crime.csv", "recorded_date"), ("crime.csv", "committed_date"),
                         ("custody.csv", "arrest_date"), ("intel_log.csv", "created_date"),
                         ("missing_person.csv", "reported_date"), ("vehicle.csv", "seen_date"),
                         ("ocg_member.csv", "mapped_date")):
        for row in delivery[name]:
            if row[column]:
                assert parse_date(row[column]) < EXTRACTED, (name, column)
                formats["/" in row[column]] += 1
    assert formats[True] and formats[False]
    # children referenced by person files exist
    crimes = {r["crime_ref"] for r in delivery["crime.csv"]}
    assert {r["crime_ref"] for r in delivery["crime_person.csv"]} <= crimes
    # (<=: a dirty people row can leave a log naming nobody)
    assert {r["intel_ref"] for r in delivery["intel_person.csv"]} <= {r["intel_ref"] for r in delivery["intel_log.csv"]}


def test_person_refs_prefixed_unique_and_consistent(delivery):
    values: dict[str, tuple] = {}
    for name, row in person_rows(delivery):
        ref = row["person_ref"]
        assert ref.startswith(PERSON_FILES[name]), (name, ref)
        # a field blanked by field-level dirt is unknown on that row, not a disagreement
        fields = tuple(row[f] for f in PERSON_FIELDS)
        known = values.setdefault(ref, fields)
        assert all(a == b for a, b in zip(known, fields) if a and b), ref
        values[ref] = tuple(a or b for a, b in zip(known, fields))


def test_truth_matches_the_delivery(delivery, truth):
    delivered = {row["person_ref"] for _, row in person_rows(delivery)}
    truth_refs = {r["person_ref"]: r for r in truth["person_ref"]}
    assert delivered == set(truth_refs)
    persons = {r["person_id"]: r for r in truth["person"]}
    assert {r["person_id"] for r in truth["person_ref"]} == set(persons)
    for ref, row in truth_refs.items():
        assert ref.startswith(row["system"])
    people_delivered = {truth_refs[r]["person_id"] for r in delivered}
    networks = {r["network_id"]: r for r in truth["network"]}
    assert len(networks) >= 3
    assert {"ACTIVE", "DORMANT"} <= {n["status"] for n in networks.values()}
    for network_id, network in networks.items():
        members = [m for m in truth["network_member"] if m["network_id"] == network_id]
        offenders = {m["person_id"] for m in members if m["role"] == "OFFENDER"}
        victims = {m["person_id"] for m in members if m["role"] == "VICTIM"}
        assert 3 <= len(offenders) == int(network["n_offenders"]) <= 12
        assert len(victims) == int(network["n_victims"]) >= 3
        assert offenders | victims <= people_delivered
        assert {persons[p]["kind"] for p in offenders} == {"CSE_OFFENDER"}
        assert {persons[p]["kind"] for p in victims} == {"CSE_VICTIM"}
        last = dt.date.fromisoformat(network["last_active"])
        if network["status"] == "ACTIVE":
            assert (EXTRACTED - last).days <= 365
        else:
            assert (EXTRACTED - last).days > 3 * 365
    crimes = {r["crime_ref"]: r for r in delivery["crime.csv"]}
    victims_on_crime = {(r["crime_ref"], truth_refs[r["person_ref"]]["person_id"])
                        for r in delivery["crime_person.csv"] if r["role"] == "VICTIM"}
    for offence in truth["network_offence"]:
        crime = crimes[offence["crime_ref"]]
        assert crime["offence_code"] == offence["offence_code"]
        assert (offence["crime_ref"], offence["victim_person_id"]) in victims_on_crime
    ocg_refs = {r["ocg_ref"] for r in truth["ocg"]}
    assert len(ocg_refs) >= 2
    assert {r["ocg_ref"] for r in truth["network_ocg"]} <= ocg_refs
    mapped = {(r["ocg_ref"], truth_refs[r["person_ref"]]["person_id"]) for r in delivery["ocg_member.csv"]}
    assert mapped == {(r["ocg_ref"], r["person_id"]) for r in truth["ocg"] if r["mapped"] == "true"}
    assert any(r["mapped"] == "false" for r in truth["ocg"])


def test_victims_are_children_at_their_offences(delivery, truth):
    dob = {}
    for _, row in person_rows(delivery):
        # the 01/01/1900 placeholder (dirt) is no one's dob; it can be a victim's most common one
        if row["dob"] and parse_date(row["dob"]).year > 1900:
            dob.setdefault(row["person_ref"], parse_date(row["dob"]))
    true_dob: dict[str, Counter] = {}
    pid_of = {r["person_ref"]: r["person_id"] for r in truth["person_ref"]}
    for ref, day in dob.items():
        true_dob.setdefault(pid_of[ref], Counter())[day] += 1
    ages = []
    for offence in truth["network_offence"]:
        if offence["victim_person_id"] not in true_dob:
            continue  # every record of this victim lacks a dob (a single record can)
        born = true_dob[offence["victim_person_id"]].most_common(1)[0][0]
        committed = dt.date.fromisoformat(offence["committed_date"])
        ages.append((committed - born).days / 365.25)
    assert len(ages) >= 0.9 * len(truth["network_offence"])
    assert ages and min(ages) >= 11.9 and max(ages) < 18


def test_noise_present_at_intended_rates(delivery, truth):
    noise = Counter()
    for row in truth["noise"]:
        noise.update(n for n in row["noise"].split(";") if n)
    n_records = len(truth["noise"])
    rate = {k: v / n_records for k, v in noise.items()}
    assert 0.04 <= rate["dob_missing"] <= 0.14
    assert 0.005 <= rate.get("dob_placeholder", 0) <= 0.05
    assert 0.01 <= rate["swapped"] <= 0.05
    assert 0.02 <= rate["surname_typo"] <= 0.09
    rows = {row["person_ref"]: row for _, row in person_rows(delivery)}
    dobs = [r["dob"] for r in rows.values()]
    assert any(d in ("01/01/1900", "1900-01-01") for d in dobs)
    assert any(d and "/" in d for d in dobs) and any(d and "-" in d for d in dobs)
    phones = [r["phone"] for r in rows.values() if r["phone"]]
    assert any(p.startswith("+44") for p in phones) and any(" " in p for p in phones)
    assert any(p.isdigit() for p in phones)
    postcodes = [r["postcode"] for r in rows.values() if r["postcode"]]
    assert any(p != p.upper() for p in postcodes) and any(" " not in p for p in postcodes)
    assert {r["sex"] for r in rows.values()} >= {"M", "F", "U", ""}


def test_duplicate_records_share_more_than_a_name(delivery, truth, small):
    """Resolvable noise: any two records of one person share a dob, postcode, phone or PNC id
    (as generated: a field broken afterwards by dirt, field_issue_expected.csv, can undo it,
    so records with a broken field are left out)."""
    person_files = {name: [r["person_ref"] for r in read(small / "landing" / DELIVERY / name)] for name in PERSON_FILES}
    broken_refs = {person_files[r["file_name"]][int(r["row_no"]) - 1]
                   for r in read(small / "truth" / "field_issue_expected.csv") if r["file_name"] in person_files}
    # a person_ref's fields over all its rows (a field blanked on one row by field-level dirt is
    # still known from its other rows, as the pipeline's person record keeps it)
    rows: dict[str, dict] = {}
    for _, row in person_rows(delivery):
        merged = rows.setdefault(row["person_ref"], dict(row))
        for field in PERSON_FIELDS:
            merged[field] = merged[field] or row[field]
    by_person: dict[str, list[dict]] = {}
    for r in truth["person_ref"]:
        by_person.setdefault(r["person_id"], []).append(rows[r["person_ref"]])
    placeholders = {"01/01/1900", "1900-01-01"}

    def anchors(row):
        keys = set()
        if row["dob"] and row["dob"] not in placeholders:
            keys.add(("dob", parse_date(row["dob"])))
        if row["postcode"]:
            keys.add(("postcode", normalised_postcode(row["postcode"])))
        if row["phone"]:
            keys.add(("phone", normalised_phone(row["phone"])))
        if row["pnc_id"] and pnc.is_valid(row["pnc_id"]):
            keys.add(("pnc", row["pnc_id"]))
        return keys

    duplicated = [records for records in by_person.values() if len(records) > 1]
    assert len(duplicated) > 50
    for records in duplicated:
        keys = [anchors(r) for r in records]
        for i in range(len(records)):
            for j in range(i + 1, len(records)):
                if not {records[i]["person_ref"], records[j]["person_ref"]} & broken_refs:
                    assert keys[i] & keys[j], (records[i]["person_ref"], records[j]["person_ref"])


def test_pnc_check_characters(delivery, truth):
    assert pnc.pnc_id(2015, 123456) == "2015/0123456" + pnc.CHECK_LETTERS[150123456 % 23]
    assert pnc.is_valid(pnc.pnc_id(1999, 7)) and not pnc.is_valid("2015/0123456")
    corrupt = {r["person_ref"] for r in truth["noise"] if "pnc_corrupt" in r["noise"]}
    rows = {row["person_ref"]: row for _, row in person_rows(delivery)}
    with_pnc = {ref: row["pnc_id"] for ref, row in rows.items() if row["pnc_id"]}
    assert len(with_pnc) > 30
    invalid = {ref for ref, value in with_pnc.items() if not pnc.is_valid(value)}
    assert invalid == corrupt and len(corrupt) >= 3


def test_background_people_meet_networks_only_through_low_grade_intel(delivery, truth):
    """No crime, arrest, missing episode or vehicle puts a background person with a network member."""
    person_of = {r["person_ref"]: r["person_id"] for r in truth["person_ref"]}
    kind = {r["person_id"]: r["kind"] for r in truth["person"]}
    network_of = {r["person_id"]: r["network_id"] for r in truth["person"] if r["network_id"]}
    low_grade = {r["intel_ref"] for r in delivery["intel_log.csv"]
                 if r["source_eval"] == "3" or r["intel_eval"] in ("D", "E")}
    events: dict[tuple, set[str]] = {}
    for name, key in (("crime_person.csv", "crime_ref"), ("custody.csv", "occurrence_ref"),
                      ("missing_person.csv", "episode_ref"), ("vehicle.csv", "vrm"),
                      ("intel_person.csv", "intel_ref")):
        for row in delivery[name]:
            if name == "intel_person.csv" and row["intel_ref"] in low_grade:
                continue
            events.setdefault((name, row[key]), set()).add(person_of[row["person_ref"]])
    checked = 0
    for people in events.values():
        members = {p for p in people if kind[p] in ("CSE_OFFENDER", "CSE_VICTIM")}
        if members:
            checked += 1
            assert all(kind[p] != "BACKGROUND" for p in people)
            outsiders = {p for p in people if kind[p] in ("ASSOCIATE", "CSE_OFFENDER", "CSE_VICTIM")
                         and network_of[p] not in {network_of[m] for m in members}}
            assert not outsiders
    assert checked > 30


# A deliberately plain Fellegi-Sunter style scorer with hand-set weights: if even this finds the
# duplicates at precision 0.99 / recall 0.95, the noise is realistic but resolvable.
STANDARDISED = """
CREATE TABLE rec AS
WITH s AS (
  SELECT person_ref,
    upper(regexp_replace(strip_accents(coalesce(surname, '')), '[^A-Za-z]', '', 'g')) AS sn,
    upper(regexp_replace(strip_accents(split_part(trim(coalesce(forenames, '')), ' ', 1)), '[^A-Za-z]', '', 'g')) AS fn0,
    upper(regexp_replace(strip_accents(split_part(trim(coalesce(forenames, '')), ' ', 2)), '[^A-Za-z]', '', 'g')) AS fn2,
    coalesce(try_strptime(dob, '%Y-%m-%d'), try_strptime(dob, '%d/%m/%Y'))::DATE AS d,
    nullif(upper(replace(postcode, ' ', '')), '') AS pc,
    nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '') AS ph0,
    pnc_id
  FROM people)
SELECT person_ref, s.sn, coalesce(v.canon, s.fn0) AS fn, s.fn2,
  CASE WHEN d IS NULL OR (month(d) = 1 AND day(d) = 1) THEN NULL ELSE d END AS d,
  pc, CASE WHEN ph0 LIKE '44%' THEN '0' || substr(ph0, 3) ELSE ph0 END AS ph,
  CASE WHEN substr('ZABCDEFGHJKLMNPQRTUVWXY',
       (CAST(substr(pnc_id, 3, 2) || substr(pnc_id, 6, 7) AS BIGINT) % 23)::INT + 1, 1) = right(pnc_id, 1)
       THEN pnc_id END AS pnc
FROM s LEFT JOIN variant AS v ON v.name = s.fn0
"""
# Spelling variants of one forename share a canonical form (a public name dictionary would do).
VARIANTS = """
CREATE TABLE variant AS
SELECT DISTINCT upper(strip_accents(name)) AS name, upper(min(name) OVER (PARTITION BY variant_group)) AS canon
FROM read_csv('{path}', all_varchar = true)
"""
# Religious or title names a record may give instead of the family name (Begum, Singh): weak evidence.
TITLE_SURNAMES = "('BEGUM', 'BIBI', 'KHATUN', 'SINGH', 'KAUR')"
CANDIDATES = " UNION ".join(
    f"SELECT a.person_ref AS ra, b.person_ref AS rb FROM rec a JOIN rec b ON a.person_ref < b.person_ref AND {on}"
    for on in ("a.d = b.d", "a.pc = b.pc", "a.ph = b.ph", "a.pnc = b.pnc", "a.sn = b.sn AND a.fn[1] = b.fn[1]",
               "a.sn = b.fn AND a.fn = b.sn")
)
SCORE = f"""
SELECT c.ra, c.rb,
  (CASE WHEN a.d IS NULL OR b.d IS NULL THEN 0 WHEN a.d = b.d THEN 7
        WHEN year(a.d) = year(b.d) AND month(a.d) = day(b.d) AND day(a.d) = month(b.d) THEN 4
        WHEN abs(year(a.d) - year(b.d)) = 1 AND month(a.d) = month(b.d) AND day(a.d) = day(b.d) THEN 4
        WHEN year(a.d) = year(b.d) AND (month(a.d) = month(b.d) OR day(a.d) = day(b.d)) THEN 2 ELSE -6 END)
  + (CASE WHEN a.pc IS NULL OR b.pc IS NULL THEN 0 WHEN a.pc = b.pc THEN 3 ELSE -1 END)
  + (CASE WHEN a.ph IS NULL OR b.ph IS NULL THEN 0 WHEN a.ph = b.ph THEN 6 ELSE -1 END)
  + (CASE WHEN a.pnc IS NULL OR b.pnc IS NULL THEN 0 WHEN a.pnc = b.pnc THEN 10 ELSE -8 END)
  + greatest(
      (CASE WHEN a.sn = b.sn THEN 4 WHEN jaro_winkler_similarity(a.sn, b.sn) >= 0.9 THEN 2.5
            WHEN least(length(a.sn), length(b.sn)) >= 3 AND (contains(a.sn, b.sn) OR contains(b.sn, a.sn)) THEN 2.5
            WHEN a.sn IN {TITLE_SURNAMES} OR b.sn IN {TITLE_SURNAMES} THEN 0
            WHEN jaro_winkler_similarity(a.sn, b.sn) >= 0.8 THEN 0 ELSE -5 END)
      + (CASE WHEN a.fn = b.fn THEN 3
              WHEN length(a.fn) = 1 OR length(b.fn) = 1 THEN (CASE WHEN a.fn[1] = b.fn[1] THEN 0.5 ELSE -3 END)
              WHEN jaro_winkler_similarity(a.fn, b.fn) >= 0.88 THEN 1.5
              WHEN a.fn = b.fn2 OR a.fn2 = b.fn THEN 1.5 WHEN a.fn[1] = b.fn[1] THEN 0 ELSE -3 END),
      CASE WHEN a.sn = b.fn AND a.fn = b.sn THEN 6
           WHEN jaro_winkler_similarity(a.sn, b.fn) >= 0.9 AND jaro_winkler_similarity(a.fn, b.sn) >= 0.9 THEN 4.5
           ELSE -99 END) AS score
FROM candidates c JOIN rec a ON a.person_ref = c.ra JOIN rec b ON b.person_ref = c.rb
"""


def test_a_plain_scorer_resolves_the_duplicates(generated):
    import duckdb

    base = generated(5000, 11)
    folder = base / "landing" / DELIVERY
    conn = duckdb.connect(config={"python_enable_replacements": False})
    union = " UNION ALL ".join(
        f"SELECT person_ref, surname, forenames, dob, postcode, phone, pnc_id "
        f"FROM read_csv('{folder / name}', all_varchar = true)" for name in PERSON_FILES)
    conn.execute(f"CREATE TABLE people AS SELECT DISTINCT * FROM ({union})")
    conn.execute(VARIANTS.format(path=NAME_VARIANTS))
    conn.execute(STANDARDISED)
    conn.execute(f"CREATE TABLE candidates AS {CANDIDATES}")
    conn.execute(f"CREATE TABLE scored AS {SCORE}")
    conn.execute(f"CREATE TABLE truth AS SELECT * FROM read_csv('{base / 'truth' / 'person_ref.csv'}', all_varchar = true)")
    true_pairs = conn.sql("SELECT sum(n * (n - 1) // 2) FROM (SELECT count(*) AS n FROM truth GROUP BY person_id)").fetchall()[0][0]
    found, wrong = conn.sql("""
        SELECT count(*) FILTER (WHERE ta.person_id = tb.person_id), count(*) FILTER (WHERE ta.person_id <> tb.person_id)
        FROM scored s JOIN truth ta ON ta.person_ref = s.ra JOIN truth tb ON tb.person_ref = s.rb
        WHERE s.score >= 9""").fetchall()[0]
    assert true_pairs > 1000
    assert found / (found + wrong) >= 0.99
    assert found / true_pairs >= 0.95


def test_an_earlier_snapshot_of_the_same_world(tmp_path, monkeypatch):
    """A delivery extracted six months earlier holds the same world's earlier events, same refs and values.
    Compared without dirt (each delivery breaks other rows; see test_generator_dirt.py)."""
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"generator": {"dirty_row_rate": 0}}), encoding="utf-8")
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    generate(tmp_path / "later", people=600, seed=11)
    delivery = {name: read(tmp_path / "later" / "landing" / DELIVERY / name) for name in FILES}
    earlier_id, earlier_at = "2026-05-29T0600", "2026-05-29T06:00:00Z"
    generate(tmp_path, people=600, seed=11, delivery_id=earlier_id, extracted_at=earlier_at,
             world_until="2026-11-29T06:00:00Z")
    folder = tmp_path / "landing" / earlier_id
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["extracted_at"] == earlier_at
    assert read(tmp_path / "truth" / earlier_id / "quarantine_expected.csv") == []
    earlier = {name: read(folder / name) for name in FILES}
    for name in FILES:
        assert 0 < len(earlier[name]) <= len(delivery[name]), name
    assert len(earlier["crime.csv"]) < len(delivery["crime.csv"])
    cutoff = dt.date(2026, 5, 29)
    assert max(parse_date(r["recorded_date"]) for r in earlier["crime.csv"]) < cutoff
    assert max(parse_date(r["created_date"]) for r in earlier["intel_log.csv"]) < cutoff
    # every earlier row is in the later delivery (a child found after the cutoff was still missing)
    for name in FILES:
        later = {tuple(sorted(r.items())) for r in delivery[name]}
        for row in earlier[name]:
            if name == "missing_person.csv" and not row["found_date"]:
                continue
            assert tuple(sorted(row.items())) in later, name
    values = {row["person_ref"]: tuple(row[f] for f in PERSON_FIELDS) for _, row in person_rows(delivery)}
    earlier_refs = {row["person_ref"] for _, row in person_rows(earlier)}
    assert earlier_refs < set(values)
    truth_refs = {r["person_ref"] for r in read(tmp_path / "truth" / earlier_id / "person_ref.csv")}
    assert truth_refs == earlier_refs
    for network in read(tmp_path / "truth" / earlier_id / "network.csv"):
        assert dt.date.fromisoformat(network["last_active"]) < cutoff
    with pytest.raises(ValueError, match="world_until"):
        generate(tmp_path / "bad", people=600, seed=11, extracted_at="2026-12-01T06:00:00Z",
                 world_until="2026-11-29T06:00:00Z")
    with pytest.raises(ValueError, match="people"):
        generate(tmp_path / "bad", people=10, seed=11)


def test_cse_crimes_are_the_planted_networks(delivery, truth):
    with OFFENCE_CODES.open(encoding="utf-8", newline="") as handle:
        cse_codes = {r["offence_code"] for r in csv.DictReader(handle) if r["is_cse_offence"] == "Y"}
    planted = {r["crime_ref"] for r in truth["network_offence"]}
    # the labelling cases' CSE-listed crimes that are not CSE (adult victims, peers, no-crimed, eliminated)
    label_cases = {r["crime_ref"] for r in truth["label_case_crime"]}
    cse_crimes = {r["crime_ref"] for r in delivery["crime.csv"] if r["offence_code"] in cse_codes}
    flagged = {r["crime_ref"] for r in delivery["crime.csv"] if r["cse_flag"] == "Y"}
    assert cse_crimes | flagged <= planted | label_cases
    assert not planted & label_cases
    # the force's recording errors: CSE crimes without the marker, and under non-CSE codes
    assert planted - flagged and planted - cse_crimes


def test_label_cases_are_planted_with_their_true_labels(delivery, truth):
    """Each planted network brings one of every labelling case (issue 10), recorded with its true label."""
    cases = Counter(r["case"] for r in truth["label_case"])
    n_networks = len(truth["network"])
    per_network = {"ADULT_KIDNAPPING": 3, "PEER_IMAGE_SHARING": 3, "NO_CRIMED": 2, "ELIMINATED": 2,
                   "GRANDMOTHER_TAKES_IN_GRANDCHILD": 3, "DRUG_CO_OFFENDER": 1, "OFFENDERS_HOUSEHOLD": 1,
                   "VICTIM_LATER_OFFENDS": 1}
    for case, n in per_network.items():
        assert cases[case] == n * n_networks, case
    assert 1 <= cases["DELAYED_DISCLOSURE"] <= n_networks
    kind = {r["person_id"]: r["kind"] for r in truth["person"]}
    label = {(r["person_id"], r["case"]): r["true_label"] for r in truth["label_case"]}
    for (person_id, case), true_label in label.items():
        if true_label == "OFFENDER":
            assert kind[person_id] == "CSE_OFFENDER"
        elif true_label == "VICTIM":
            assert kind[person_id] == "CSE_VICTIM"
        else:
            assert kind[person_id] in ("BACKGROUND", "ASSOCIATE"), (person_id, case)
    outcome = {r["crime_ref"]: r["outcome"] for r in delivery["crime.csv"]}
    voided = [outcome[r["crime_ref"]] for r in truth["label_case_crime"]
              if r["case"] in ("NO_CRIMED", "ELIMINATED") and r["crime_ref"] in outcome]
    assert voided and all(("CRIME" in o.upper() or "CANCEL" in o.upper() or "ELIMINATED" in o.upper()) for o in voided)


def test_busy_shared_attributes_touch_networks(delivery, truth):
    """A taxi firm's phone and a children's home address are shared by many, planted people included."""
    person_of = {r["person_ref"]: r["person_id"] for r in truth["person_ref"]}
    kind = {r["person_id"]: r["kind"] for r in truth["person"]}
    by_phone: dict[str, set[str]] = {}
    by_home: dict[str, set[str]] = {}
    for _, row in person_rows(delivery):
        if row["phone"]:
            by_phone.setdefault(normalised_phone(row["phone"]), set()).add(person_of[row["person_ref"]])
        if "CHILDREN" in row["address"].upper():
            by_home.setdefault("home", set()).add(person_of[row["person_ref"]])
    busy = [people for people in by_phone.values() if len(people) >= 5]
    assert len(busy) == 1
    assert Counter(kind[p] for p in busy[0])["CSE_OFFENDER"] == 1
    home = Counter(kind[p] for p in by_home["home"])
    assert home["CSE_VICTIM"] == 1 and home["BACKGROUND"] >= 2
    # other phones are shared only within families, networks and OCGs
    assert max(len(people) for people in by_phone.values() if people is not busy[0]) <= 3
