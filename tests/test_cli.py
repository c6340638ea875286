"""The `csenet` command in a subprocess, as an operator would run it: exit codes, messages, no person data."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import SMALL_PEOPLE, SMALL_SEED

CSENET = str(Path(sys.executable).parent / "csenet")
PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv", "vehicle.csv", "ocg_member.csv")


def run_cli(*args: str, root: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSENET_") and k != "DAGSTER_HOME"}
    env.update(
        CSENET_LANDING_DIR=str(root / "landing"),
        CSENET_WAREHOUSE_DIR=str(root / "warehouse"),
        CSENET_CORRECTIONS_DIR=str(root / "corrections"),
        # This checkout's code, also when the venv's editable install points at another.
        PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH")])),
    )
    return subprocess.run([CSENET, *args], env=env, cwd=root, capture_output=True, text=True, timeout=timeout)


def person_values(landing: Path) -> set[str]:
    """Names, dates of birth, postcodes and phones of the delivery (none may reach the terminal)."""
    values: set[str] = set()
    for delivery in landing.iterdir():
        for name in PERSON_FILES:
            with (delivery / name).open(encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    for column in ("surname", "forenames", "dob", "postcode", "phone", "pnc_id"):
                        value = (row.get(column) or "").strip()
                        if len(value) >= 5:
                            values.add(value)
    return values


def leaked(output: str, values: set[str]) -> list[str]:
    tokens = set(re.findall(r"[\w/+-]+", output))
    return sorted(v for v in values if v in tokens or (" " in v and v in output))


def test_help_and_usage_errors(tmp_path):
    assert run_cli("--help", root=tmp_path).returncode == 0
    no_command = run_cli(root=tmp_path)
    assert no_command.returncode == 2
    assert "generate" in no_command.stderr and "run" in no_command.stderr


def test_generate_writes_a_delivery_and_truth_outside_it(tmp_path):
    result = run_cli("generate", "--out", str(tmp_path), "--people", "120", "--seed", "5",
                     "--delivery-id", "2026-12-01T0600", root=tmp_path)
    assert result.returncode == 0, result.stderr
    delivery = tmp_path / "landing" / "2026-12-01T0600"
    assert (delivery / "manifest.json").is_file()
    assert sorted(p.name for p in delivery.glob("*.csv")) == sorted(
        ["crime.csv", "intel_log.csv", *PERSON_FILES])
    # a snapshot of a world that runs on (for `--later`): its truth is per delivery
    assert (tmp_path / "truth" / "2026-12-01T0600" / "person.csv").is_file()
    assert not list(delivery.rglob("truth*"))
    assert "2026-12-01T0600" in result.stdout


def test_generate_rejects_a_too_small_world(tmp_path):
    result = run_cli("generate", "--out", str(tmp_path), "--people", "3", root=tmp_path)
    assert result.returncode == 2
    assert "people" in result.stderr
    assert not (tmp_path / "landing").exists() or not any((tmp_path / "landing").iterdir())


def test_run_without_a_delivery_says_what_to_do(tmp_path):
    result = run_cli("run", root=tmp_path)
    assert result.returncode == 1
    assert "no complete delivery" in result.stderr
    assert "csenet generate" in result.stderr


def test_run_on_a_tampered_delivery_fails_naming_file_and_step(tmp_path, generated):
    shutil.copytree(generated() / "landing", tmp_path / "landing")
    [delivery] = list((tmp_path / "landing").iterdir())
    lines = (delivery / "crime.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (delivery / "crime.csv").write_text("".join(lines[:-1]), encoding="utf-8")  # one row lost in transfer
    result = run_cli("run", root=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stderr
    assert "failed step raw/delivery" in result.stderr
    assert "crime.csv" in result.stderr
    assert "analyst.duckdb was not replaced" in result.stderr
    assert not (tmp_path / "warehouse" / "analyst.duckdb").exists()
    assert leaked(result.stdout + result.stderr, person_values(tmp_path / "landing")) == []


def _all_stages_landed() -> bool:
    from csenet_dagster import harm, ingest, network, resolve

    return all(stage.ASSETS for stage in (ingest, resolve, network, harm))


@pytest.mark.skipif(not _all_stages_landed(), reason="a stage has no assets yet: nothing to publish")
def test_run_publishes_and_summarises_a_small_delivery(tmp_path, generated, small_run):
    shutil.copytree(generated(SMALL_PEOPLE, SMALL_SEED) / "landing", tmp_path / "landing")
    result = run_cli("run", root=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # One progress line per stage's assets, in the order they finish.
    for stage, asset in [("ingest", "raw/delivery"), ("resolve", "er/nominal"), ("network", "net/network"),
                         ("harm", "harm/network_priority"), ("publish", "publish/analyst_db")]:
        assert re.search(rf"^\s+{stage}\s+{re.escape(asset)}\s+\d+\.\ds", result.stdout, re.M), asset
    analyst_db = tmp_path / "warehouse" / "analyst.duckdb"
    assert f"Analyst database: {analyst_db}" in result.stdout
    assert "Quarantined rows:" in result.stdout
    conn = duckdb.connect(str(analyst_db), read_only=True)
    try:
        [(delivery_id, trigger)] = conn.sql("SELECT delivery_id, trigger FROM run").fetchall()
        n_nominals = conn.sql("SELECT count(*) FROM nominal").fetchall()[0][0]
    finally:
        conn.close()
    assert trigger == "cli"
    assert f"Delivery {delivery_id}" in result.stdout
    assert re.search(rf"^\s+nominal\s+{n_nominals:,}$", result.stdout, re.M)
    assert leaked(output, person_values(tmp_path / "landing")) == []

    # Same delivery, same settings, another process and warehouse: the same analyst tables.
    assert_same_tables(analyst_db, small_run.analyst_db, skip={"run", "run_history"})

    summary = run_cli("summary", root=tmp_path)
    assert summary.returncode == 0
    assert f"Delivery {delivery_id}" in summary.stdout


def assert_same_tables(path_a: Path, path_b: Path, skip: set[str]) -> None:
    a = duckdb.connect(str(path_a), read_only=True)
    b = duckdb.connect(str(path_b), read_only=True)
    try:
        tables = [r[0] for r in a.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        assert tables == [r[0] for r in b.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        for table in tables:
            if table not in skip:
                # Row order too: analysts' queries without ORDER BY must not change between runs.
                assert a.sql(f"SELECT * FROM {table}").fetchall() == b.sql(f"SELECT * FROM {table}").fetchall(), table
    finally:
        a.close()
        b.close()


def test_summary_without_a_published_file(tmp_path):
    result = run_cli("summary", root=tmp_path)
    assert result.returncode == 1
    assert "csenet run" in result.stdout


def test_failure_text_masks_quoted_values_except_in_project_worded_errors():
    from dagster._utils.error import SerializableErrorInfo

    from csenet_dagster.cli import _error_text

    cast = SerializableErrorInfo(
        "_duckdb.ConversionException: Conversion Error: Could not convert string 'Smith' to DATE",
        [], "ConversionException")
    wrapped = SerializableErrorInfo("Error occurred while executing op", [], "DagsterExecutionStepExecutionError", cause=cast)
    text = _error_text(wrapped)
    assert "Smith" not in text
    assert "Could not convert string '<value>' to DATE" in text
    failure = SerializableErrorInfo("crime.csv: 1233 data rows but manifest says 1234 (rule 'row_count')", [], "Failure")
    assert _error_text(failure) == "Failure: crime.csv: 1233 data rows but manifest says 1234 (rule 'row_count')"


def test_failure_text_drops_the_module_path_of_the_error_class():
    from dagster._utils.error import SerializableErrorInfo

    from csenet_dagster.cli import _error_text

    failure = SerializableErrorInfo(
        "dagster._core.definitions.events.Failure: delivery 2026-12-24T0600: no such folder", [], "Failure")
    assert _error_text(failure) == "Failure: delivery 2026-12-24T0600: no such folder"
