"""Ingest: delivery validation, typed raw tables, quarantine rules, checks.

Most tests build a tiny hand-made delivery (synthetic values only) so each
rule can be exercised by one crafted row with a known file, row and rule.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import dagster as dg
import pytest

from csenet_dagster import db
from csenet_dagster.assets_common import duckdb_resource
from csenet_dagster.ingest import ASSETS, CHECKS, DeliveryError, find_deliveries, validate_delivery
from csenet_dagster.ingest.contract import BY_FILE, FILES, PERSON_FIELDS
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


def ingest(delivery_id: str = "", raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [*ASSETS, *CHECKS],
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
    write_delivery(empty_workspace.landing)
    result = ingest()
    assert result.success

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

    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    failed = sorted(name for name, e in checks.items() if not e.passed)
    assert failed == []
    assert CANARY not in all_metadata_text(result)
