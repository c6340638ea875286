"""Linkage adapts to what a delivery carries, and its errors say which rule and column.

Unit level: the linkage on the small generated delivery's records with columns
emptied (PNC, phone, dob, everything) completes, leaves out what is empty and
records it. End to end: a delivery whose person files carry no PNC ids and no
phone numbers, and whose intelligence files are header-only, runs through the
whole pipeline and publishes; analyst.linkage_adaptation says what it did without.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json

import duckdb
import pyarrow as pa
import pytest

from conftest import Workspace, clone_workspace, use_workspace
from csenet_dagster import settings
from csenet_dagster.resolve import linkage
from csenet_dagster.resolve.config import ResolveSettings

PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv", "vehicle.csv",
                "ocg_member.csv")


@pytest.fixture(scope="module")
def records(small_run) -> pa.Table:
    columns = ", ".join(linkage.MODEL_COLUMNS)
    with duckdb.connect(str(small_run.work_db), read_only=True) as conn:
        return conn.sql(f"SELECT {columns} FROM er.person_std ORDER BY person_ref").to_arrow_table()


def _cfg() -> ResolveSettings:
    # fewer random pairs for u than a delivery gets (the test's time budget); same rules
    return dataclasses.replace(settings.load(ResolveSettings), u_sample_pairs=1e5)


@pytest.fixture(scope="module")
def full_result(records) -> linkage.LinkageResult:
    return linkage.link(records, _cfg())


def _emptied(records: pa.Table, *columns: str) -> pa.Table:
    for column in columns:
        i = records.schema.get_field_index(column)
        records = records.set_column(i, column, pa.nulls(records.num_rows, records.schema.field(i).type))
    return records


def _status(result: linkage.LinkageResult, kind: str) -> dict[str, str]:
    return {row["name"]: row["status"] for row in result.adaptation if row["kind"] == kind}


def _pairs(result: linkage.LinkageResult, threshold: float) -> set[tuple[str, str]]:
    return {(r["person_ref_l"], r["person_ref_r"]) for r in result.pairs.to_pylist()
            if r["match_probability"] >= threshold}


def test_all_columns_present_nothing_left_out(full_result):
    result = full_result
    comparisons = _status(result, "comparison")
    assert comparisons == {name: "used" for name in linkage.FIELD_COLUMNS}
    assert _status(result, "training_rule")["l.pnc_std = r.pnc_std"] == "used"
    assert not [row for row in result.adaptation if row["status"] == "prior" and row["name"].endswith(": m")]
    # the near-certain rules' recall comes from the trained model, not the 0.6 assumed
    recall = next(row for row in result.adaptation if row["name"] == "deterministic_rule_recall")
    assert recall["status"] == "estimated"
    assert 0.3 < float(recall["detail"].split()[0]) < 0.9


def test_deterministic_recall_from_m_and_fill():
    model = {"comparisons": [
        {"output_column_name": "forename", "comparison_levels": [{"label_for_charts": "exact", "m_probability": 0.8}]},
        {"output_column_name": "surname", "comparison_levels": [{"label_for_charts": "exact", "m_probability": 0.5}]},
        {"output_column_name": "dob", "comparison_levels": [{"label_for_charts": "exact", "m_probability": 1.0}]},
    ]}
    adapt = linkage.Adaptation(100, {"forename1": 100, "surname_std": 100, "dob_std": 50}, 0.01, 10)
    rule = linkage.deterministic_rules()[0]
    assert linkage.deterministic_recall(model, [rule], adapt) == pytest.approx(0.8 * 0.5 * 1.0 * 0.5 ** 2)


def test_no_pnc_and_no_phone_completes_without_them(records, full_result):
    cfg = _cfg()
    full = full_result
    result = linkage.link(_emptied(records, "pnc_std", "phone_std"), cfg)
    comparisons = _status(result, "comparison")
    assert comparisons["pnc"] == comparisons["phone"] == "left_out"
    assert comparisons["surname"] == comparisons["dob"] == "used"
    assert _status(result, "training_rule")["l.pnc_std = r.pnc_std"] == "left_out"
    assert _status(result, "blocking_rule")["l.phone_std = r.phone_std"] == "left_out"
    model = json.loads(result.model_json)
    assert {c["output_column_name"] for c in model["comparisons"]} == {"surname", "forename", "dob", "postcode", "sex"}
    # dob was trained by the PNC block before; now a fallback pass (or the prior) fills it
    dob = next(c for c in model["comparisons"] if c["output_column_name"] == "dob")
    assert all(isinstance(lv.get("m_probability"), float) for lv in dob["comparison_levels"] if not lv.get("is_null_level"))
    # most of what the full model joins is still joined without PNC and phone
    kept = _pairs(full, cfg.match_threshold)
    assert len(kept) > 50
    assert len(kept & _pairs(result, cfg.match_threshold)) >= 0.85 * len(kept)


def test_no_dob_and_no_pnc_takes_the_fallback_prior(records):
    cfg = _cfg()
    result = linkage.link(_emptied(records, "dob_std", "dob_placeholder_year", "pnc_std"), cfg)
    priors = {row["name"] for row in result.adaptation if row["status"] == "prior"}
    assert "probability_two_random_records_match" in priors
    assert _status(result, "deterministic_rule") == {
        "l.forename1 = r.forename1 AND l.surname_std = r.surname_std AND l.dob_std = r.dob_std": "left_out",
        "l.pnc_std = r.pnc_std": "left_out",
    }
    assert result.prior == pytest.approx(2 * cfg.fallback_duplicate_pairs_per_record / (records.num_rows - 1))
    assert result.pairs.num_rows > 0  # names and postcode still find matches


def test_nothing_usable_or_nothing_to_link_scores_no_pairs(records):
    cfg = _cfg()
    bare = _emptied(records, *[c for c in linkage.MODEL_COLUMNS if c != "person_ref"])
    result = linkage.link(bare, cfg)
    assert result.pairs.num_rows == 0
    assert {row["status"] for row in result.adaptation if row["kind"] == "comparison"} == {"left_out"}
    assert _status(result, "model") == {"linkage": "skipped"}
    for n in (0, 1):
        assert linkage.link(records.slice(0, n), cfg).pairs.num_rows == 0


def test_linkage_error_names_step_rule_and_columns_and_survives_masking():
    from csenet_dagster.redact import mask_values

    rule = linkage.equi("pnc_std")
    with pytest.raises(linkage.LinkageError) as raised:
        with linkage._step("em", rule):
            raise RuntimeError("Could not convert string 'Smith' to DATE")
    message = str(raised.value)
    assert message == "linkage step em failed on rule l.pnc_std = r.pnc_std (columns pnc_std): RuntimeError"
    assert "Smith" not in message
    # the masking of CLI and run audit hides quoted values only: this message has none
    assert mask_values(message) == message
    assert mask_values("Could not convert string 'Smith' to DATE") != "Could not convert string 'Smith' to DATE"


# -- end to end ------------------------------------------------------------------------


def _rewrite(folder, name: str, edit) -> None:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [edit(row) for row in reader]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(row for row in rows if row is not None)
    (folder / name).write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def sparse_run(tmp_path_factory, generated):
    """The small delivery without PNC ids or phones and with empty intelligence files,
    run through the whole pipeline once (read-only)."""
    from csenet_dagster.pipeline import run_pipeline

    ws = clone_workspace(generated(), tmp_path_factory.mktemp("sparse"))
    folder = ws.deliveries()[0]
    for name in PERSON_FILES:
        _rewrite(folder, name, lambda row: {**row, "pnc_id": "", "phone": ""})
    for name in ("intel_log.csv", "intel_person.csv"):
        _rewrite(folder, name, lambda row: None)  # header only
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in manifest["files"]:
        data = (folder / name).read_bytes()
        rows = max(sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1, 0)
        manifest["files"][name] = {"rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with use_workspace(ws):
        result = run_pipeline(raise_on_error=False, console_log_level="CRITICAL")
    return ws, result


def _analyst(ws: Workspace, query: str) -> list[tuple]:
    with duckdb.connect(str(ws.analyst_db), read_only=True) as conn:
        return conn.sql(query).fetchall()


def test_delivery_without_pnc_and_phone_publishes_and_says_what_it_did_without(sparse_run):
    ws, result = sparse_run
    failures = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert result.success, failures
    left_out = dict(_analyst(ws, "SELECT name, detail FROM linkage_adaptation WHERE kind = 'comparison'"
                                 " AND status = 'left_out'"))
    assert set(left_out) == {"pnc", "phone"}
    assert _analyst(ws, "SELECT count(*) FROM linkage_adaptation WHERE kind = 'training_rule'"
                        " AND name = 'l.pnc_std = r.pnc_std' AND status = 'left_out'") == [(1,)]
    assert _analyst(ws, "SELECT count(*) FROM nominal WHERE pnc_id IS NOT NULL") == [(0,)]
    records, nominals = _analyst(ws, "SELECT count(*), count(DISTINCT nominal_id) FROM nominal_record")[0]
    assert nominals < records  # records were still linked into nominals


def test_delivery_with_empty_intelligence_files_publishes(sparse_run):
    ws, result = sparse_run
    assert result.success
    with duckdb.connect(str(ws.work_db), read_only=True) as conn:
        assert conn.sql("SELECT count(*) FROM raw.intel_person").fetchall() == [(0,)]
        assert conn.sql("SELECT count(*) FROM er.person_record WHERE system = 'INTEL'").fetchall() == [(0,)]
        delivered = conn.sql(
            "SELECT count(DISTINCT person_ref) FROM (" + " UNION ALL ".join(
                f"SELECT person_ref FROM raw.{name.removesuffix('.csv')}" for name in PERSON_FILES) + ")"
        ).fetchall()[0][0]
    # every person record of the other five files is published once
    assert delivered > 500
    assert _analyst(ws, "SELECT count(*), count(DISTINCT person_ref) FROM nominal_record") == [(delivered, delivered)]
    assert _analyst(ws, "SELECT count(*) FROM run") == [(1,)]
