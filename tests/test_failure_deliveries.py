"""Corrupted deliveries against a warehouse that already published a run: each is refused with a
clear error naming file and rule, or its bad rows are quarantined; nothing published or delivered
before is lost."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import Workspace, use_workspace
from csenet_dagster.pipeline import run_pipeline

NEW_ID = "2026-11-30T0600"
csv.field_size_limit(1 << 30)  # the test plants a multi-megabyte field


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _records(path: Path) -> int:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def new_delivery(ws: Workspace, break_it: Callable[[Path], None], *, reissue_manifest: bool) -> Path:
    """A copy of the published delivery under a new id, broken by ``break_it``; with
    ``reissue_manifest`` the manifest describes the broken files (the extract itself was bad),
    otherwise it still describes the good ones (the files were damaged after the extract)."""
    source = ws.deliveries()[0]
    folder = ws.landing / NEW_ID
    shutil.copytree(source, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["delivery_id"] = NEW_ID
    break_it(folder)
    if reissue_manifest:
        for name in manifest["files"]:
            if (folder / name).exists():
                manifest["files"][name] = {"rows": _records(folder / name), "sha256": _sha(folder / name)}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _append(name: str, data: bytes) -> Callable[[Path], None]:
    def do(folder: Path) -> None:
        with (folder / name).open("ab") as handle:
            handle.write(data)
    return do


def _truncate(name: str) -> Callable[[Path], None]:
    def do(folder: Path) -> None:
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(data[: len(data) * 2 // 3])
    return do


def _windows_1252(name: str) -> Callable[[Path], None]:
    def do(folder: Path) -> None:
        text = (folder / name).read_text(encoding="utf-8")
        (folder / name).write_bytes((text + "CRM99999999,VICTIM,CR99999999,Renée,Zoë,,F,,,,\n").encode("cp1252", errors="replace"))
    return do


def _drop_column(name: str, column: str) -> Callable[[Path], None]:
    def do(folder: Path) -> None:
        with (folder / name).open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[c for c in rows[0] if c != column], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        (folder / name).write_text(out.getvalue(), encoding="utf-8")
    return do


REFUSED = {
    # case: (how the delivery is broken, manifest re-issued for the broken files?, file, rule words)
    "checksum_mismatch": (_append("crime.csv", b"\n"), False, "crime.csv", "sha256"),
    "missing_file": (lambda folder: (folder / "custody.csv").unlink(), False, "custody.csv", "file_present"),
    "truncated_in_transfer": (_truncate("intel_log.csv"), False, "intel_log.csv", "sha256"),
    "missing_required_column": (_drop_column("vehicle.csv", "vrm"), True, "vehicle.csv", "required_column"),
    "empty_file": (lambda folder: (folder / "ocg_member.csv").write_bytes(b""), True, "ocg_member.csv", "empty"),
}


@pytest.fixture
def published(small_run, tmp_path):
    ws = Workspace(tmp_path / "ws")
    shutil.copytree(small_run.landing, ws.landing)
    shutil.copytree(small_run.warehouse, ws.warehouse, symlinks=True)  # analyst.duckdb, exports -> current/
    with use_workspace(ws):
        yield ws


def _failure_text(result: dg.ExecuteInProcessResult) -> tuple[str, str]:
    [failure] = [e for e in result.all_events if e.is_step_failure]
    data = failure.step_failure_data
    description = data.user_failure_data.description if data.user_failure_data else None
    return failure.step_key, description or data.error.message


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_delivery_is_refused_clearly_and_nothing_is_lost(published, case):
    break_it, reissue, file_name, rule = REFUSED[case]
    good = published.deliveries()[0]
    good_digests = {p.name: _sha(p) for p in good.iterdir()}
    analyst_before = _sha(published.analyst_db)

    new_delivery(published, break_it, reissue_manifest=reissue)
    result = run_pipeline(NEW_ID, raise_on_error=False)

    assert not result.success
    step, message = _failure_text(result)
    assert step.startswith("raw__"), step
    assert file_name in message and rule in message, message
    assert "Traceback" not in message
    assert _sha(published.analyst_db) == analyst_before  # the published run is untouched ...
    assert {p.name: _sha(p) for p in good.iterdir()} == good_digests  # ... and so is the earlier delivery
    with duckdb.connect(str(published.analyst_db), read_only=True) as conn:
        assert conn.sql("SELECT delivery_id FROM run").fetchall() == [(good.name,)]


def test_garbage_rows_huge_fields_and_duplicates_are_quarantined_and_the_run_publishes(published):
    def break_it(folder: Path) -> None:
        garbage = ",".join(["\x07§¿??", "99/99/9999", "-1", "NOT-A-CODE", "☃" * 40, "maybe", "'; DROP TABLE x; --", "", ""])
        _append("crime.csv", (garbage + "\n").encode("utf-8"))(folder)
        with (folder / "crime.csv").open(encoding="utf-8", newline="") as handle:
            first_row = next(iter(csv.DictReader(handle)))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(first_row.values())  # the same crime_ref twice
        _append("crime.csv", out.getvalue().encode("utf-8"))(folder)
        huge = "INT99999999,2020-01-01,1,A,P,N," + "x" * 3_000_000 + "\n"
        _append("intel_log.csv", huge.encode("utf-8"))(folder)
        _windows_1252("crime_person.csv")(folder)  # an extract written in the wrong encoding

    with (published.deliveries()[0] / "crime_person.csv").open(encoding="utf-8", newline="") as handle:
        non_ascii_rows = sum(1 for row in csv.reader(handle) if any(not cell.isascii() for cell in row))
    assert non_ascii_rows > 0
    new_delivery(published, break_it, reissue_manifest=True)
    result = run_pipeline(NEW_ID, raise_on_error=False)
    assert result.success, [_failure_text(result)]
    with duckdb.connect(str(published.analyst_db), read_only=True) as conn:
        assert conn.sql("SELECT delivery_id FROM run").fetchall() == [(NEW_ID,)]
        rules = dict(conn.sql("SELECT file_name || ':' || rule, count(*) FROM quarantine GROUP BY 1").fetchall())
        longest = conn.sql("SELECT max(length(detail)) FROM quarantine").fetchall()[0][0]
    assert any(key.startswith("crime.csv:") for key in rules), rules
    assert "crime.csv:duplicate_ref" in rules, rules
    assert any(key.startswith("intel_log.csv:") for key in rules), rules
    # Rows not valid UTF-8 are quarantined, never loaded with their characters mangled.
    assert sum(n for key, n in rules.items() if key.startswith("crime_person.csv:")) >= non_ascii_rows + 1, rules
    assert longest < 1000  # details name columns and rules, never carry the field itself
