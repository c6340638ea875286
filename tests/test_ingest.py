"""Ingest: delivery validation, typed raw tables, quarantine rules, checks.

Most tests build a tiny hand-made delivery (synthetic values only) so each
rule can be exercised by one crafted row with a known file, row and rule.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from pathlib import Path

import dagster as dg
import pytest

from csenet_dagster import db, settings, sql_checks
from csenet_dagster.ops.resource import duckdb_resource
from csenet_dagster.ingest import ASSETS, CHECKS, DeliveryError, find_deliveries, validate_delivery
from csenet_dagster.ingest.contract import BY_FILE, FILES, PERSON_FIELDS
from csenet_dagster.ingest import checks, loader, resolve_delivery
from csenet_dagster.ingest.config import IngestSettings
from csenet_dagster.ingest.delivery import scan_csv

DELIVERY = "2026-11-29T0600"
EXTRACTED_AT = "2026-11-29T06:00:00Z"
# A distinctive synthetic surname: it must never surface in metadata, logs or errors.
CANARY = "Qzxwvutname"


def person(ref: str, **overrides: str) -> dict[str, str]:
    values = {
        "person_ref": ref,
        "surname": CANARY,
        "forenames": "Alex",
        "dob": "2001-02-03",
        "sex": "M",
        "address": "1 Test Street, Testtown",
        "postcode": "ZZ1 1ZZ",
        "phone": "07700 900123",
        "pnc_id": "",
    }
    values.update(overrides)
    return values


def good_rows() -> dict[str, list[dict[str, str]]]:
    """One or two valid rows per file, covering both date formats and a multi-line field."""
    return {
        "crime.csv": [
            {"crime_ref": "CR1", "recorded_date": "2026-01-10", "committed_date": "09/01/2026", "offence_code": "19E",
             "offence_title": "Rape of a female child", "cse_flag": "Y", "lsoa_code": "E01000001", "outcome": ""},
            {"crime_ref": "CR2", "recorded_date": "15/02/2026", "committed_date": "", "offence_code": "71",
             "offence_title": "Abduction", "cse_flag": "N", "lsoa_code": "", "outcome": "Charged,\nremanded"},
        ],
        "crime_person.csv": [
            {"crime_ref": "CR1", "role": "SUSPECT", **person("CP1")},
            {"crime_ref": "CR1", "role": "victim", **person("CP2", dob="01/01/2011", sex="F")},
        ],
        "custody.csv": [
            {"custody_ref": "CU1", "arrest_date": "2026-03-01", "occurrence_ref": "OC1", "offence_code": "19E", **person("CU-P1")},
        ],
        "intel_log.csv": [
            {"intel_ref": "IN1", "created_date": "2026-04-01", "source_eval": "1", "intel_eval": "B", "handling": "P",
             "cse_flag": "Y", "summary": "Subject seen, with \"quotes\" and a comma"},
        ],
        "intel_person.csv": [
            {"intel_ref": "IN1", "role": "SUBJECT", **person("IP1")},
        ],
        "missing_person.csv": [
            {"episode_ref": "MP1", "reported_date": "2026-05-01", "found_date": "02/05/2026", "role": "MISSING",
             **person("MP-P1", sex="")},
        ],
        "vehicle.csv": [
            {"vrm": "AB12CDE", "seen_date": "2026-06-01", "role": "DRIVER", "source": "STOP", **person("VH-P1")},
        ],
        "ocg_member.csv": [
            {"ocg_ref": "OCG1", "ocg_name": "Op Test", "ocgm_band": "1A", "ocg_status": "ACTIVE",
             "member_role": "PRINCIPAL", "mapped_date": "2025-12-01", **person("OG-P1")},
        ],
    }


def csv_bytes(rows: list[dict[str, str]], columns: list[str] | tuple[str, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_delivery(
    landing: Path,
    delivery_id: str = DELIVERY,
    rows: dict[str, list[dict[str, str]]] | None = None,
    *,
    raw: dict[str, tuple[bytes, int]] | None = None,
    columns: dict[str, list[str]] | None = None,
    manifest: bool = True,
) -> Path:
    """A delivery folder: CSVs written from dict rows (contract columns unless overridden) or raw bytes
    with their true data-row count, then manifest.json last."""
    folder = landing / delivery_id
    folder.mkdir(parents=True, exist_ok=True)
    rows = good_rows() if rows is None else rows
    files: dict[str, dict] = {}
    for spec in FILES:
        if raw and spec.file_name in raw:
            content, n_rows = raw[spec.file_name]
        else:
            file_rows = rows.get(spec.file_name, [])
            content = csv_bytes(file_rows, (columns or {}).get(spec.file_name, spec.columns))
            n_rows = len(file_rows)
        (folder / spec.file_name).write_bytes(content)
        files[spec.file_name] = {"rows": n_rows, "sha256": hashlib.sha256(content).hexdigest()}
    if manifest:
        doc = {"delivery_id": delivery_id, "extracted_at": EXTRACTED_AT, "files": files}
        (folder / "manifest.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return folder


def ingest(delivery_id: str = "", raise_on_error: bool = True, with_checks: bool = True) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*ASSETS, *(CHECKS if with_checks else [])],
        resources={"duckdb": duckdb_resource()},
        run_config={"ops": {"raw__delivery": {"config": {"delivery_id": delivery_id}}}},
        raise_on_error=raise_on_error,
    )


def query(sql: str) -> list[tuple]:
    with db.working_db(read_only=True) as conn:
        return conn.sql(sql).fetchall()


def quarantined(file_name: str | None = None) -> set[tuple[str, int, str]]:
    where = f"WHERE file_name = {db.literal(file_name)}" if file_name else ""
    return {tuple(r) for r in query(f"SELECT file_name, row_no, rule FROM raw.quarantine {where}")}


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(
        (e.step_failure_data.user_failure_data.description or "")
        for e in result.all_events
        if e.is_step_failure and e.step_failure_data.user_failure_data is not None
    )


def all_metadata_text(result: dg.ExecuteInProcessResult) -> str:
    parts = []
    for event in result.all_events:
        if event.is_step_materialization:
            parts.append(repr(event.step_materialization_data.materialization.metadata))
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            parts.append(repr(event.event_specific_data.metadata))
        parts.append(event.message or "")
    return "\n".join(parts)


# --- a valid delivery -------------------------------------------------------------------------


def test_valid_delivery_loads_every_file_typed(empty_workspace):
    load_direct(write_delivery(empty_workspace.landing))

    assert query("SELECT delivery_id, extracted_at::VARCHAR FROM raw.delivery") == [(DELIVERY, "2026-11-29 06:00:00")]
    files = query('SELECT file_name, "rows", sha256 FROM raw.delivery_file ORDER BY file_name')
    assert [f[0] for f in files] == sorted(BY_FILE)
    for file_name, n_rows, sha in files:
        content = (empty_workspace.landing / DELIVERY / file_name).read_bytes()
        assert sha == hashlib.sha256(content).hexdigest()
        assert n_rows == len(good_rows()[file_name])

    for spec in FILES:
        assert query(f"SELECT count(*) FROM {spec.table}") == [(len(good_rows()[spec.file_name]),)], spec.table
    assert quarantined() == set()

    # Contract column order with row_no last; dates DATE, flags BOOLEAN.
    with db.working_db(read_only=True) as conn:
        schema = dict(db.table_schema(conn, "raw.crime_person"))
        assert list(schema) == ["crime_ref", "role", *PERSON_FIELDS, "row_no"]
        assert schema["dob"] == "DATE" and schema["row_no"] == "BIGINT"
        assert dict(db.table_schema(conn, "raw.crime"))["cse_flag"] == "BOOLEAN"
    # Both date formats, the multi-line quoted field and Y/N flags.
    assert query("SELECT crime_ref, recorded_date::VARCHAR, committed_date::VARCHAR, cse_flag, outcome, row_no FROM raw.crime ORDER BY row_no") == [
        ("CR1", "2026-01-10", "2026-01-09", True, None, 1),
        ("CR2", "2026-02-15", None, False, "Charged,\nremanded", 2),
    ]
    # Codes are compared and kept upper-case; dob parsed from DD/MM/YYYY; empty sex is NULL.
    assert query("SELECT role, dob::VARCHAR FROM raw.crime_person ORDER BY row_no") == [
        ("SUSPECT", "2001-02-03"), ("VICTIM", "2011-01-01"),
    ]
    assert query("SELECT sex FROM raw.missing_person") == [(None,)]
    assert query("SELECT summary FROM raw.intel_log") == [('Subject seen, with "quotes" and a comma',)]



# --- quarantine rules (loader called directly: fast) --------------------------------------------


def scan_csv_rows(content: bytes) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan.csv"
        path.write_bytes(content)
        return scan_csv(path).rows


def load_direct(folder: Path) -> None:
    """Validate and load a delivery without Dagster (what the assets do, minus metadata)."""
    manifest = validate_delivery(folder)
    with db.working_db() as conn:
        loader.record_delivery(conn, manifest)
        for spec in FILES:
            loader.load_file(conn, spec, settings.load(IngestSettings))


def crime(ref: str, **overrides: str) -> dict[str, str]:
    row = {"crime_ref": ref, "recorded_date": "2026-01-10", "committed_date": "2026-01-09", "offence_code": "19E",
           "offence_title": "Offence", "cse_flag": "N", "lsoa_code": "", "outcome": ""}
    row.update(overrides)
    return row


def intel(ref: str, **overrides: str) -> dict[str, str]:
    row = {"intel_ref": ref, "created_date": "2026-04-01", "source_eval": "2", "intel_eval": "C", "handling": "P",
           "cse_flag": "", "summary": "text"}
    row.update(overrides)
    return row


def test_each_quarantine_rule_names_file_row_and_rule(empty_workspace):
    rows = good_rows()
    rows["crime.csv"] = [
        crime("CR1"),                                  # 1 good
        crime(""),                                     # 2 missing_key
        crime("CR3", recorded_date="2026-02-30"),      # 3 unparseable_date (impossible day)
        crime("CR4", committed_date="31-01-2026"),     # 4 unparseable_date (neither format)
        crime("CR5", cse_flag="X"),                    # 5 unknown_value
        crime("CR1"),                                  # 6 duplicate_ref of row 1
        crime("CR7", cse_flag=" y "),                  # 7 good: codes compared trimmed, any case
        crime("CR3"),                                  # 8 good: row 3 was quarantined, so this one keeps CR3
    ]
    rows["crime_person.csv"] = [
        {"crime_ref": "CR1", "role": "OFFENDER", **person("P1")},       # 1 good
        {"crime_ref": "CR1", "role": "BYSTANDER", **person("P2")},      # 2 unknown_value
        {"crime_ref": "CR404", "role": "VICTIM", **person("P3")},       # 3 orphan_row (no such crime)
        {"crime_ref": "CR5", "role": "VICTIM", **person("P4")},         # 4 orphan_row (its crime was quarantined)
        {"crime_ref": "CR7", "role": "VICTIM", **person("")},           # 5 missing_key person_ref
        {"crime_ref": "CR7", "role": "VICTIM", **person("P6", sex="X")},  # 6 loads: sex blanked (field issue)
        {"crime_ref": "CR7", "role": "", **person("P7", dob="1/1/2001")},  # 7 unknown_value; bad dob is a field issue
    ]
    rows["custody.csv"] = [
        {"custody_ref": "CU1", "arrest_date": "2026-03-01", "occurrence_ref": "", "offence_code": "", **person("C1")},
        {"custody_ref": "CU1", "arrest_date": "2026-03-02", "occurrence_ref": "", "offence_code": "", **person("C2")},
    ]
    rows["intel_log.csv"] = [intel("IN1"), intel("IN2", source_eval="4"), intel("IN3", intel_eval="F"),
                             intel("IN4", handling="X"), intel("IN1"), intel("IN6", source_eval="")]
    rows["intel_person.csv"] = [
        {"intel_ref": "IN1", "role": "SUBJECT", **person("I1")},
        {"intel_ref": "IN2", "role": "SUBJECT", **person("I2")},       # orphan: its log was quarantined
    ]
    rows["missing_person.csv"] = [
        {"episode_ref": "", "reported_date": "2026-05-01", "found_date": "", "role": "MISSING", **person("M1")},
        {"episode_ref": "MP2", "reported_date": "2026-05-01", "found_date": "", "role": "LOST", **person("M2")},
    ]
    rows["vehicle.csv"] = [{"vrm": "", "seen_date": "2026-06-01", "role": "DRIVER", "source": "STOP", **person("V1")}]
    rows["ocg_member.csv"] = [
        {"ocg_ref": "OCG1", "ocg_name": "Op", "ocgm_band": "1A", "ocg_status": "DISBANDED",
         "member_role": "PRINCIPAL", "mapped_date": "2025-12-01", **person("O1")},
        {"ocg_ref": "OCG1", "ocg_name": "Op", "ocgm_band": "1A", "ocg_status": "ACTIVE",
         "member_role": "BOSS", "mapped_date": "2025-12-01", **person("O2")},
        {"ocg_ref": "", "ocg_name": "Op", "ocgm_band": "1A", "ocg_status": "ACTIVE",
         "member_role": "PERIPHERAL", "mapped_date": "2025-12-01", **person("O3")},
    ]
    load_direct(write_delivery(empty_workspace.landing, rows=rows))

    assert quarantined() == {
        ("crime.csv", 2, "missing_key"), ("crime.csv", 3, "unparseable_date"), ("crime.csv", 4, "unparseable_date"),
        ("crime.csv", 5, "unknown_value"), ("crime.csv", 6, "duplicate_ref"),
        ("crime_person.csv", 2, "unknown_value"), ("crime_person.csv", 3, "orphan_row"),
        ("crime_person.csv", 4, "orphan_row"), ("crime_person.csv", 5, "missing_key"),
        ("crime_person.csv", 7, "unknown_value"),
        ("custody.csv", 2, "duplicate_ref"),
        ("intel_log.csv", 2, "unknown_value"), ("intel_log.csv", 3, "unknown_value"),
        ("intel_log.csv", 4, "unknown_value"), ("intel_log.csv", 5, "duplicate_ref"),
        ("intel_log.csv", 6, "unknown_value"),
        ("intel_person.csv", 2, "orphan_row"),
        ("missing_person.csv", 1, "missing_key"), ("missing_person.csv", 2, "unknown_value"),
        ("vehicle.csv", 1, "missing_key"),
        ("ocg_member.csv", 1, "unknown_value"), ("ocg_member.csv", 2, "unknown_value"),
        ("ocg_member.csv", 3, "missing_key"),
    }
    # Good rows go on, with their file row numbers.
    assert query("SELECT crime_ref, row_no, cse_flag FROM raw.crime ORDER BY row_no") == [
        ("CR1", 1, False), ("CR7", 7, True), ("CR3", 8, False)]
    assert query("SELECT row_no, sex FROM raw.crime_person ORDER BY row_no") == [(1, "M"), (6, None)]
    assert query("SELECT custody_ref, row_no FROM raw.custody") == [("CU1", 1)]
    # Person fields that are unusable are blanked and listed; the row (and its link) loads.
    assert query("SELECT file_name, row_no, column_name, rule, detail FROM raw.field_issue ORDER BY row_no") == [
        ("crime_person.csv", 6, "sex", "unknown_value", "sex is not one of M, F, U"),
        ("crime_person.csv", 7, "dob", "unparseable_date", "dob is not a valid YYYY-MM-DD or DD/MM/YYYY date"),
    ]
    # Details name the column (and the rule's terms), never the value.
    details = dict(((f, r, rule), d) for f, r, rule, d in query("SELECT file_name, row_no, rule, detail FROM raw.quarantine"))
    assert details[("crime.csv", 6, "duplicate_ref")] == "crime_ref repeats row 1"
    assert details[("crime.csv", 3, "unparseable_date")].startswith("recorded_date ")
    assert details[("crime_person.csv", 3, "orphan_row")] == "crime_ref not found in crime.csv"
    assert details[("missing_person.csv", 1, "missing_key")] == "episode_ref is empty"
    assert details[("intel_log.csv", 6, "unknown_value")] == "source_eval is empty"
    leaked = [d for d in details.values() if any(v in d for v in ("BYSTANDER", "CR404", "2026-02-30", "1/1/2001", "DISBANDED", "BOSS", CANARY))]
    assert leaked == []
    assert query("SELECT DISTINCT delivery_id FROM raw.quarantine") == [(DELIVERY,)]


def test_malformed_rows_are_quarantined_with_their_row_number(empty_workspace):
    header = ",".join(BY_FILE["crime.csv"].columns)
    lines = [
        header,
        'CR1,2026-01-10,,19E,"Title with\nnewline",N,,',   # 1 good (two physical lines)
        "",                                                # blank line: not a row
        "CR2,2026-01-10,,19E",                             # 2 too few columns
        "CR3,2026-01-10,,19E,T,N,,",                       # 3 good
        "CR4,2026-01-10,,19E,T,N,,,extra",                 # 4 too many columns
        "CR5,2026-01-10,,19E,Caf\xe9,N,,",                 # 5 latin-1 byte: not UTF-8
        "CR6,2026-01-10,,19E,T,N,,",                       # 6 good
        'CR7,2026-01-10,,19E,"bad"quote,N,,',              # 7 bad quoting
        "CR8,2026-01-10,,19E,T,N,,",                       # 8 good, no newline at the end
    ]
    content = "\r\n".join(lines).encode("latin-1")
    assert scan_csv_rows(content) == 8
    load_direct(write_delivery(empty_workspace.landing, raw={"crime.csv": (content, 8)}))

    assert query("SELECT crime_ref, row_no FROM raw.crime ORDER BY row_no") == [("CR1", 1), ("CR3", 3), ("CR6", 6), ("CR8", 8)]
    assert quarantined("crime.csv") == {("crime.csv", n, "malformed_row") for n in (2, 4, 5, 7)}
    details = dict(query("SELECT row_no, detail FROM raw.quarantine WHERE file_name = 'crime.csv'"))
    assert details[2].startswith("fewer columns") and details[4].startswith("more columns")
    assert "UTF-8" in details[5] and "offence_title" in details[5]


def test_record_longer_than_the_setting_is_quarantined(empty_workspace, monkeypatch):
    settings_file = empty_workspace.root / "settings.json"
    settings_file.write_text(json.dumps({"ingest": {"max_line_size": 2000}}))
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    rows = good_rows()
    rows["crime.csv"] = [crime("CR1"), crime("CR2", outcome="x" * 3000), crime("CR3")]
    load_direct(write_delivery(empty_workspace.landing, rows=rows))
    assert query("SELECT crime_ref, row_no FROM raw.crime ORDER BY row_no") == [("CR1", 1), ("CR3", 3)]
    assert query("SELECT row_no, rule, detail FROM raw.quarantine") == [(2, "malformed_row", "record longer than max_line_size")]


def test_unterminated_quote_swallowing_the_rest_is_quarantined_not_lost(empty_workspace):
    header = ",".join(BY_FILE["crime.csv"].columns)
    content = (header + "\nCR1,2026-01-10,,19E,T,N,,\nCR2,2026-01-10,,19E,\"unterminated,N,,\nCR3,2026-01-10,,19E,T,N,,\n").encode()
    rows = scan_csv_rows(content)  # the quote runs to the end: rows 2 and 3 are one record
    assert rows == 2
    load_direct(write_delivery(empty_workspace.landing, raw={"crime.csv": (content, rows)}))
    assert query("SELECT crime_ref FROM raw.crime") == [("CR1",)]
    assert quarantined("crime.csv") == {("crime.csv", 2, "malformed_row")}


# --- file-level contract breaches ---------------------------------------------------------------


def test_extra_columns_ignored_and_column_order_free(empty_workspace):
    columns = {"crime.csv": ["notes", *reversed(BY_FILE["crime.csv"].columns)]}
    rows = good_rows()
    rows["crime.csv"] = [dict(r, notes="free text") for r in rows["crime.csv"]]
    load_direct(write_delivery(empty_workspace.landing, rows=rows, columns=columns))
    assert query("SELECT crime_ref, recorded_date::VARCHAR, row_no FROM raw.crime ORDER BY row_no") == [
        ("CR1", "2026-01-10", 1), ("CR2", "2026-02-15", 2)]
    with db.working_db(read_only=True) as conn:
        assert [c for c, _ in db.table_schema(conn, "raw.crime")] == [*BY_FILE["crime.csv"].columns, "row_no"]


def test_header_only_file_gives_an_empty_table(empty_workspace):
    rows = good_rows()
    rows["vehicle.csv"] = []
    load_direct(write_delivery(empty_workspace.landing, rows=rows))
    assert query("SELECT count(*) FROM raw.vehicle") == [(0,)]
    assert quarantined("vehicle.csv") == set()
    with db.working_db(read_only=True) as conn:
        assert dict(db.table_schema(conn, "raw.vehicle"))["seen_date"] == "DATE"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        ("vrm,seen_date,r\xf4le\n".encode("latin-1"), "header row is not valid UTF-8"),
        (b"vrm,seen_date,role,source,person_ref,surname,forenames,dob,sex,address,postcode,phone\n", "column pnc_id missing"),
        (b"vrm,vrm,seen_date,role,source,person_ref,surname,forenames,dob,sex,address,postcode,phone,pnc_id\n", "column vrm repeats header cell 1"),
        (b"vrm,seen_date,role,source,person_ref,surname,forenames,dob,sex,address,postcode,phone,pnc_id\n"
         b"V1,2026-01-01,DRIVER,STOP,P1,,,,,,,,\nV2,2026-01-01,DRIVER,STOP,P2,,,,,,,,X\r\nV3,2026-01-01,DRIVER,STOP,P3,,,,,,,,\n",
         "csv_readable"),
    ],
    ids=["zero_bytes", "latin1_header", "missing_column", "duplicate_column", "mixed_line_endings"],
)
def test_unreadable_header_fails_the_file_naming_file_and_rule(empty_workspace, content, message):
    load_direct(write_delivery(empty_workspace.landing))
    before = query("SELECT * FROM raw.vehicle")
    folder = write_delivery(empty_workspace.landing, "2026-11-30T0600", raw={"vehicle.csv": (content, scan_csv_rows(content))})
    with pytest.raises(DeliveryError) as err:
        load_direct(folder)
    assert "file vehicle.csv" in str(err.value) and message in str(err.value)
    assert query("SELECT * FROM raw.vehicle") == before  # previous table untouched


def test_missing_required_column_fails_the_asset_and_keeps_the_previous_table(empty_workspace):
    load_direct(write_delivery(empty_workspace.landing))
    before = query("SELECT * FROM raw.crime ORDER BY row_no")
    columns = {"crime.csv": [c for c in BY_FILE["crime.csv"].columns if c != "offence_code"]}
    write_delivery(empty_workspace.landing, "2026-11-30T0600", columns=columns)

    result = ingest(raise_on_error=False, with_checks=False)
    assert not result.success
    text = failure_text(result)
    assert "crime.csv" in text and "offence_code" in text and "required_column" in text
    assert query("SELECT * FROM raw.crime ORDER BY row_no") == before
    # Nothing that depends on raw.crime ran.
    ran = {e.step_key for e in result.all_events if e.is_step_success}
    assert "raw__crime_person" not in ran and "raw__quarantine" not in ran
    assert CANARY not in all_metadata_text(result)


# --- delivery validation --------------------------------------------------------------------


def _break(folder: Path, how: str) -> None:
    manifest_path = folder / "manifest.json"
    doc = json.loads(manifest_path.read_text())
    if how == "checksum":
        (folder / "crime.csv").write_bytes((folder / "crime.csv").read_bytes().replace(b"Abduction", b"Abductiom"))
    elif how == "row_count":
        doc["files"]["intel_log.csv"]["rows"] += 1
    elif how == "missing_file":
        (folder / "custody.csv").unlink()
    elif how == "not_named":
        del doc["files"]["vehicle.csv"]
    elif how == "missing_manifest":
        manifest_path.unlink()
    elif how == "bad_json":
        manifest_path.write_text("{not json")
        return
    elif how == "wrong_delivery_id":
        doc["delivery_id"] = "2020-01-01T0000"
    if manifest_path.exists():
        manifest_path.write_text(json.dumps(doc))


BREAKS = {
    "checksum": ("crime.csv", "sha256_match"),
    "row_count": ("intel_log.csv", "row_count_match"),
    "missing_file": ("custody.csv", "file_present"),
    "not_named": ("vehicle.csv", "contract_file_named"),
    "missing_manifest": ("manifest.json", "manifest_present"),
    "bad_json": ("manifest.json", "manifest_format"),
    "wrong_delivery_id": ("delivery_id", "manifest_format"),
}


@pytest.mark.parametrize("how", sorted(BREAKS))
def test_validate_delivery_refuses_with_file_and_rule(empty_workspace, how):
    folder = write_delivery(empty_workspace.landing)
    assert validate_delivery(folder).delivery_id == DELIVERY
    _break(folder, how)
    with pytest.raises(DeliveryError) as err:
        validate_delivery(folder)
    file_name, rule = BREAKS[how]
    assert f"delivery {DELIVERY}" in str(err.value)
    assert file_name in str(err.value) and rule in str(err.value)


@pytest.mark.parametrize("how", ["checksum", "missing_manifest"])
def test_invalid_delivery_fails_the_run_and_keeps_previous_tables(empty_workspace, how):
    load_direct(write_delivery(empty_workspace.landing))
    before = {spec.table: query(f"SELECT * FROM {spec.table} ORDER BY row_no") for spec in FILES}
    before_delivery = query("SELECT * FROM raw.delivery")
    bad = write_delivery(empty_workspace.landing, "2026-11-30T0600")
    _break(bad, how)

    result = ingest("2026-11-30T0600", raise_on_error=False, with_checks=False)
    assert not result.success
    file_name, rule = BREAKS[how]
    text = failure_text(result)
    assert "2026-11-30T0600" in text and file_name in text and rule in text
    assert {e.step_key for e in result.all_events if e.is_step_success} == set()
    assert query("SELECT * FROM raw.delivery") == before_delivery
    assert {t: query(f"SELECT * FROM {t} ORDER BY row_no") for t in before} == before


def test_find_deliveries_lists_complete_folders_and_newest_is_default(empty_workspace):
    landing = empty_workspace.landing
    write_delivery(landing, "2026-11-28T0600")
    write_delivery(landing, "2026-11-30T0600", manifest=False)  # still being written
    write_delivery(landing, "2026-11-29T0600")
    assert [p.name for p in find_deliveries(landing)] == ["2026-11-28T0600", "2026-11-29T0600"]
    assert resolve_delivery(landing).name == "2026-11-29T0600"
    assert resolve_delivery(landing, "2026-11-28T0600").name == "2026-11-28T0600"
    with pytest.raises(DeliveryError, match="no such folder"):
        resolve_delivery(landing, "2026-01-01T0000")
    with pytest.raises(DeliveryError, match="not a folder name"):
        resolve_delivery(landing, "../etc")
    assert find_deliveries(landing / "nowhere") == []


def test_scan_csv_counts_records_like_a_csv_parser():
    rows = [["a", "b"], ["1", "x\ny"], ["2", 'say "hi"'], ["3", ""], ["4", "\r\n"]]
    for terminator in ("\n", "\r\n"):
        out = io.StringIO()
        csv.writer(out, lineterminator=terminator).writerows(rows)
        text = out.getvalue()
        assert scan_csv_rows(text.encode()) == 4
        assert scan_csv_rows(text.rstrip("\r\n").encode()) == 4  # no final newline
        assert scan_csv_rows((text + terminator).encode()) == 4  # trailing blank line
    assert scan_csv_rows(b"a,b\n") == 0
    assert scan_csv_rows(b"") == 0


def test_loading_is_deterministic(empty_workspace):
    folder = write_delivery(empty_workspace.landing)
    load_direct(folder)
    first = {spec.table: query(f"SELECT * FROM {spec.table} ORDER BY row_no") for spec in FILES}
    load_direct(folder)
    assert {t: query(f"SELECT * FROM {t} ORDER BY row_no") for t in first} == first


# --- checks ---------------------------------------------------------------------------------


def run_checks(conn, file_name: str) -> dict[str, dg.AssetCheckResult]:
    """Every check of ``file_name``'s raw table, run by the one check runner (``sql_checks``)."""
    return {check.name: sql_checks.run_check(conn, check) for check in checks.checks_for(BY_FILE[file_name])}


def rules(result: dg.AssetCheckResult) -> dict[str, float]:
    return {rule: value.value for rule, value in result.metadata.items()}


def test_warning_checks_flag_implausible_dates_and_null_rates(empty_workspace):
    rows = good_rows()
    rows["crime.csv"][0]["recorded_date"] = "2027-01-01"  # after extracted_at + tolerance: blanked
    rows["crime.csv"][1]["recorded_date"] = "2026-11-30"  # after extracted_at, within the 1-day tolerance: kept
    rows["crime.csv"][1]["committed_date"] = "01/01/1850"  # before 1900
    rows["crime_person.csv"][0]["surname"] = ""
    rows["crime_person.csv"][1]["dob"] = "1899-12-31"  # an old dob is not an event date: fine
    load_direct(write_delivery(empty_workspace.landing, rows=rows))
    with db.working_db(read_only=True) as conn:
        crime, people = run_checks(conn, "crime.csv"), run_checks(conn, "crime_person.csv")
    crime_dates = crime["date_sanity"]
    assert not crime_dates.passed and crime_dates.severity == dg.AssetCheckSeverity.WARN
    assert rules(crime_dates) == {
        "after_extracted_at/recorded_date": 1, "future_blanked/recorded_date": 1,
        "before_earliest_event_date/recorded_date": 0, "dated_rows/recorded_date": 1,
        "after_extracted_at/committed_date": 0, "future_blanked/committed_date": 0,
        "before_earliest_event_date/committed_date": 1, "dated_rows/committed_date": 2,
    }
    # The failing rules are named, never a date (a date in a message reads like a date of birth).
    assert crime_dates.description == ("failed rules: after_extracted_at/recorded_date (1 rows), "
                                       "before_earliest_event_date/committed_date (1 rows), "
                                       "future_blanked/recorded_date (1 rows)")
    assert query("SELECT row_no, recorded_date::VARCHAR FROM raw.crime ORDER BY row_no") == [(1, None), (2, "2026-11-30")]
    assert query("SELECT row_no, column_name, rule FROM raw.field_issue") == [(1, "recorded_date", "future_date")]
    assert people["date_sanity"].passed and "before_earliest_event_date/dob" not in rules(people["date_sanity"])
    nulls = people["person_null_rates"]
    assert not nulls.passed and nulls.severity == dg.AssetCheckSeverity.WARN
    assert nulls.description == "failed rules: null_rate_above_max/surname (1 rows)"
    assert {k: v for k, v in rules(nulls).items() if k.endswith("surname") or k == "rows"} == {
        "null_rate_above_max/surname": 1, "null_rate/surname": 0.5, "max_null_rate/surname": 0.05, "rows": 2}
    assert crime["unique_ref"].passed and rules(crime["unique_ref"]) == {"repeats": 0}


def test_blocking_checks_pass_on_good_tables_and_count_each_broken_rule(empty_workspace):
    load_direct(write_delivery(empty_workspace.landing))
    with db.working_db() as conn:
        good = {spec.file_name: run_checks(conn, spec.file_name) for spec in FILES}
        assert all(result.passed for results in good.values() for result in results.values())
        conn.execute("INSERT INTO raw.crime SELECT * FROM raw.crime")  # both crimes twice
        conn.execute("UPDATE raw.crime_person SET crime_ref = 'CR404', role = 'NOBODY' WHERE row_no = 1")
        conn.execute("UPDATE raw.crime_person SET person_ref = ' ' WHERE row_no = 2")
        crime, people = run_checks(conn, "crime.csv"), run_checks(conn, "crime_person.csv")
    assert rules(crime["unique_ref"]) == {"repeats": 2}
    assert rules(people["referential_integrity"]) == {"orphans": 1}
    assert rules(people["allowed_values"]) == {"unknown/role": 1, "unknown/sex": 0}
    assert rules(people["keys_present"]) == {"empty/crime_ref": 0, "empty/person_ref": 1}
    for result in (crime["unique_ref"], *(people[name] for name in ("referential_integrity", "allowed_values", "keys_present"))):
        assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert people["keys_present"].description == "failed rules: empty/person_ref (1 rows)"
    specs = {check.name: check.blocking for spec in FILES for check in checks.checks_for(spec)}
    assert specs == {"keys_present": True, "allowed_values": True, "unique_ref": True,
                     "referential_integrity": True, "date_sanity": False, "person_null_rates": False}


def test_quarantine_rate_warns_per_file_above_the_setting(empty_workspace):
    rows = good_rows()
    rows["crime.csv"].append(crime("", recorded_date="2026-01-11"))  # missing_key: 1 of 3 rows quarantined
    load_direct(write_delivery(empty_workspace.landing, rows=rows))
    with db.working_db(read_only=True) as conn:
        result = sql_checks.run_check(conn, checks.QUARANTINE_RATE)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.description == "failed rules: quarantine_rate_above_max/crime.csv (1 rows)"
    assert rules(result)["quarantine_rate/crime.csv"] == 0.3333 and rules(result)["max_quarantine_rate"] == 0.02
    assert rules(result)["quarantine_rate/crime_person.csv"] == 0
    assert rules(result)["quarantine_rate_above_max/crime_person.csv"] == 0


# --- a generated delivery (known truth) -------------------------------------------------------


def _csv_records(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _expected_quarantine(ws) -> set[tuple[str, int, str]]:
    """The dirt the generator injected, from its truth folder."""
    return {
        (r["file_name"], int(r["row_no"]), r["rule"])
        for r in _csv_records(ws.truth / "quarantine_expected.csv")
    }


def _expected_field_issues(ws) -> set[tuple[str, int, str, str]]:
    """The fields the generator broke (the rows load, the fields are blanked), from its truth folder."""
    return {
        (r["file_name"], int(r["row_no"]), r["column_name"], r["rule"])
        for r in _csv_records(ws.truth / "field_issue_expected.csv")
    }


def test_generated_delivery_loads_completely_with_checks_passing(workspace):
    result = ingest()
    assert result.success
    delivery = workspace.deliveries()[-1]
    # Exactly the generator's injected dirt is quarantined; every other row loads.
    expected = _expected_quarantine(workspace)
    assert expected, "the generator injects dirt by default"
    assert quarantined() == expected
    fields = _expected_field_issues(workspace)
    assert {r for *_, r in fields} == {"unparseable_date", "unknown_value", "invalid_format", "future_date"}
    assert set(query("SELECT file_name, row_no, column_name, rule FROM raw.field_issue")) == fields
    for spec in FILES:
        records = _csv_records(delivery / spec.file_name)
        bad_rows = {row for file, row, _ in expected if file == spec.file_name}
        good = [r for i, r in enumerate(records, start=1) if i not in bad_rows]
        assert query(f"SELECT count(*) FROM {spec.table}") == [(len(good),)], spec.file_name
        for column in spec.dates:
            # Every delivered date of a good row parsed (both formats occur); the only ones
            # blanked are the injected field breaches, each listed in raw.field_issue.
            blanked = {row for file, row, col, _ in fields if file == spec.file_name and col == column}
            given = sum(1 for i, r in enumerate(records, start=1) if i not in bad_rows and i not in blanked and r[column].strip())
            assert query(f"SELECT count({column}) FROM {spec.table}") == [(given,)], (spec.file_name, column)
    # Every person record of the truth is in the raw person files, and nothing else.
    truth_refs = {r["person_ref"] for r in _csv_records(workspace.truth / "person_ref.csv")}
    union = " UNION ".join(f"SELECT person_ref FROM {s.table}" for s in FILES if s.has_person)
    assert {r[0] for r in query(union)} == truth_refs
    # Quarantined rows of person files keep their person fields (raw.quarantined_person),
    # unless the person_ref itself is missing or the record could not be read.
    expected_person_rows = set()
    for spec in FILES:
        if not spec.has_person:
            continue
        records = _csv_records(delivery / spec.file_name)
        unread = {row for file, row, rule in expected if file == spec.file_name and rule == "malformed_row"}
        for file, row, _ in expected:
            if file == spec.file_name and row not in unread and records[row - 1]["person_ref"].strip():
                expected_person_rows.add((file, row, records[row - 1]["person_ref"]))
    assert expected_person_rows, "the generated dirt touches person files"
    assert set(query("SELECT file_name, row_no, person_ref FROM raw.quarantined_person")) == expected_person_rows
    # The planted networks' offences are all there.
    offences = {r["crime_ref"] for r in _csv_records(workspace.truth / "network_offence.csv")}
    assert offences <= {r[0] for r in query("SELECT crime_ref FROM raw.crime")}

    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == sum(len(checks.checks_for(s)) for s in FILES) + 1
    # Blocking checks all pass; only warnings (e.g. a small file's quarantine rate) may fire.
    blocking_failures = [e.check_name for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    assert blocking_failures == []
    metadata = all_metadata_text(result)
    for record in _csv_records(delivery / "crime_person.csv")[:50]:
        for field in ("surname", "forenames", "address", "postcode", "phone"):
            if len(record[field]) > 4:
                assert record[field] not in metadata


def test_dirt_added_to_a_generated_delivery_is_quarantined_exactly(workspace):
    delivery = workspace.deliveries()[-1]
    crimes = (delivery / "crime.csv").read_bytes()
    records = _csv_records(delivery / "crime.csv")
    header = list(records[0])
    dirt = _expected_quarantine(workspace)
    first = next(r for i, r in enumerate(records, start=1) if ("crime.csv", i, "duplicate_ref") not in dirt
                 and all(row != i for file, row, _ in dirt if file == "crime.csv"))
    bad = [dict(first), dict(first, crime_ref="CRX1", recorded_date="2026-13-01"), dict(first, crime_ref="CRX2", cse_flag="maybe")]
    out = io.StringIO()
    terminator = "\r\n" if crimes.endswith(b"\r\n") else "\n"
    csv.DictWriter(out, fieldnames=header, lineterminator=terminator).writerows(bad)
    content = crimes + out.getvalue().encode()
    (delivery / "crime.csv").write_bytes(content)
    manifest = json.loads((delivery / "manifest.json").read_text())
    manifest["files"]["crime.csv"] = {"rows": len(records) + 3, "sha256": hashlib.sha256(content).hexdigest()}
    (delivery / "manifest.json").write_text(json.dumps(manifest))

    load_direct(delivery)
    n = len(records)
    added = {("crime.csv", n + 1, "duplicate_ref"), ("crime.csv", n + 2, "unparseable_date"),
             ("crime.csv", n + 3, "unknown_value")}
    assert quarantined("crime.csv") == added | {q for q in dirt if q[0] == "crime.csv"}
    crime_dirt_rows = {row for file, row, _ in dirt if file == "crime.csv"}
    assert query("SELECT count(*) FROM raw.crime") == [(n - len(crime_dirt_rows),)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_scan_csv_is_exact_across_read_chunk_boundaries(monkeypatch, tmp_path, chunk):
    import random

    from csenet_dagster.ingest import delivery as delivery_module

    rng = random.Random(chunk)
    values = ["a", "", 'q"uote', "multi\nline", "crlf\r\nin", "x,y", "  "]
    rows = [[rng.choice(values) for _ in range(3)] for _ in range(60)]
    out = io.StringIO()
    csv.writer(out, lineterminator=rng.choice(["\n", "\r\n"])).writerows([["h1", "h2", "h3"], *rows])
    path = tmp_path / "f.csv"
    path.write_bytes(out.getvalue().encode())
    monkeypatch.setattr(delivery_module, "_CHUNK", chunk)
    scan = scan_csv(path)
    assert scan.rows == len(rows)
    assert scan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # Blank lines are no rows; their line numbers (header = 1) renumber rejected records.
    path.write_bytes(b'h,i\r\n\r\n1,"a\n\nb"\n\n2,c\n')
    scan = scan_csv(path)
    assert (scan.rows, scan.blank_lines) == (2, (2, 4))
