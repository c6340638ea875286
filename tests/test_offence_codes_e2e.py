"""End to end: a delivery with offence codes outside csenet's weights still publishes.

The small generated delivery is rewritten the way a real force's extract looks:
ordinary Home Office codes the project's generator never uses (``10A``, ``58A``,
``8L``), an unseen sub-code of a known class (``058Z``, ``88Z``), a brand-new
code (``999Z``) and a value that is no offence code at all (person-like text a
hostile or broken extract might carry). The run goes through what `csenet run`
runs (``run_pipeline``) to a published ``analyst.duckdb``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import duckdb
import pytest

from conftest import clone_workspace, use_workspace
from csenet_dagster import reference_files
from csenet_dagster.pipeline import run_pipeline
from csenet_dagster.publish.summary import analyst_summary, format_share

NON_CODE = "SMITH John 07700 900123"
NEW_TITLE = "Brand-new offence as delivered"
CRIME_CODES = ["10A", "58A", "8L", "999Z", "058Z", NON_CODE]
CUSTODY_CODE = "88Z"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _quarantined_rows(truth: Path, file_name: str) -> set[int]:
    with (truth / "quarantine_expected.csv").open(newline="", encoding="utf-8") as handle:
        return {int(r["row_no"]) for r in csv.DictReader(handle) if r["file_name"] == file_name}


def rewrite_offence_codes(folder: Path, truth: Path) -> dict[str, str]:
    """Give good background burglaries (28E) the test codes; returns crime_ref -> code."""
    header, rows = _read(folder / "crime.csv")
    bad = _quarantined_rows(truth, "crime.csv")
    candidates = [i for i, r in enumerate(rows, start=1) if r["offence_code"] == "28E" and i not in bad]
    chosen: dict[str, str] = {}
    for index, code in zip(candidates, CRIME_CODES, strict=False):
        row = rows[index - 1]
        row["offence_code"] = code
        if code == "999Z":
            row["offence_title"] = NEW_TITLE
        chosen[row["crime_ref"]] = code
    _write(folder / "crime.csv", header, rows)
    header, rows = _read(folder / "custody.csv")
    bad = _quarantined_rows(truth, "custody.csv")
    first = next(i for i, r in enumerate(rows, start=1) if r["offence_code"] == "92A" and i not in bad)
    rows[first - 1]["offence_code"] = CUSTODY_CODE
    _write(folder / "custody.csv", header, rows)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name in ("crime.csv", "custody.csv"):
        data = (folder / name).read_bytes()
        manifest["files"][name] = {"rows": data.count(b"\n") - 1, "sha256": hashlib.sha256(data).hexdigest()}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return chosen


@pytest.fixture(scope="module")
def foreign_codes_run(tmp_path_factory, generated):
    ws = clone_workspace(generated(), tmp_path_factory.mktemp("foreign_codes"))
    chosen = rewrite_offence_codes(ws.deliveries()[0], ws.truth)
    assert len(chosen) == len(CRIME_CODES)
    with use_workspace(ws):
        result = run_pipeline(raise_on_error=False)
        summary = analyst_summary(ws.analyst_db)
    return ws, result, chosen, summary


def analyst(ws, query: str) -> list[tuple]:
    conn = duckdb.connect(str(ws.analyst_db), read_only=True)
    try:
        return conn.sql(query).fetchall()
    finally:
        conn.close()


def test_run_publishes_despite_codes_outside_the_weights(foreign_codes_run):
    ws, result, _, _ = foreign_codes_run
    assert result.success
    assert ws.analyst_db.exists()
    assert analyst(ws, "SELECT delivery_id FROM run") == [(ws.deliveries()[0].name,)]
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert {e.severity.value for e in failed} == {"WARN"}  # the generated delivery's dirt also warns (quarantine_rate)
    failed = [e for e in failed if e.asset_key.to_user_string().startswith("harm/")]
    assert [(e.asset_key.to_user_string(), e.check_name) for e in failed] == [
        ("harm/crime_harm", "offence_codes_in_reference")
    ]
    description = failed[0].description
    for code in ("58Z", "88Z", "999Z"):
        assert code in description
    assert "1 non-code value" in description and "of crime harm" in description
    # neither the non-code value nor the delivered title reaches check metadata or text
    text = description + json.dumps([str(v.value) for v in failed[0].metadata.values()])
    assert "SMITH" not in text and "07700" not in text and NEW_TITLE not in text


def test_unknown_offence_code_table_lists_codes_and_fallback_weights(foreign_codes_run):
    ws, _, _, _ = foreign_codes_run
    rows = {
        r[0]: r[1:]
        for r in analyst(
            ws,
            "SELECT offence_code, is_code_shaped, fallback_used, fallback_class, fallback_code, harm_days, "
            "n_crime_rows, n_custody_rows, offence_title_delivered FROM unknown_offence_code",
        )
    }
    by_code = {w.offence_code: w.harm_days for w in reference_files.load_weights(reference_files.BUNDLED_WEIGHTS)}
    class_58 = min((d, c) for c, d in by_code.items() if reference_files.offence_class(c) == "58")
    class_88 = min((d, c) for c, d in by_code.items() if reference_files.offence_class(c) == "88")
    non_code = NON_CODE.upper()  # trimmed and upper-cased like every delivered code
    assert set(rows) == {"58Z", "88Z", "999Z", non_code}
    assert rows["58Z"][:6] == (True, "CLASS", "58", class_58[1], class_58[0], 1)
    assert rows["88Z"][:7] == (True, "CLASS", "88", class_88[1], class_88[0], 0, 1)
    assert rows["999Z"][:6] == (True, "DEFAULT", None, None, 2.5, 1)
    assert rows["999Z"][7] == NEW_TITLE  # the delivered title, for analysts only
    assert rows[non_code][:3] == (False, "DEFAULT", None)
    # 10A, 58A and 8L are ordinary Home Office codes: in the reference, weighted by their own values
    assert not {"10A", "58A", "8L"} & set(rows)


def test_crimes_carry_their_own_or_fallback_weights(foreign_codes_run):
    ws, _, chosen, _ = foreign_codes_run
    by_code = {w.offence_code: w.harm_days for w in reference_files.load_weights(reference_files.BUNDLED_WEIGHTS)}
    conn = duckdb.connect(str(ws.work_db), read_only=True)
    try:
        harm = {
            r[0]: (r[1], r[2])
            for r in conn.sql("SELECT crime_ref, offence_harm_days, harm_days FROM harm.crime_harm").fetchall()
        }
    finally:
        conn.close()
    expected = {"10A": by_code["10A"], "58A": by_code["58A"], "8L": by_code["8L"], "999Z": 2.5,
                "058Z": min(d for c, d in by_code.items() if reference_files.offence_class(c) == "58"), NON_CODE: 2.5}
    for crime_ref, code in chosen.items():
        assert harm[crime_ref][0] == pytest.approx(expected[code]), code
        assert harm[crime_ref][1] >= harm[crime_ref][0]


def test_summary_and_run_record_say_what_the_scores_rest_on(foreign_codes_run):
    ws, _, _, summary = foreign_codes_run
    line = next(s for s in summary if s.startswith("Offence codes outside the weights"))
    [(total_share,)] = analyst(ws, "SELECT sum(share_of_crime_harm) FROM unknown_offence_code")
    assert 0 < total_share < 1 and f"{format_share(total_share)} of crime harm" in line
    assert "SMITH" not in "\n".join(summary)
    [(recorded_files,)] = analyst(ws, "SELECT reference_files FROM run")
    files = {f["kind"]: f for f in json.loads(recorded_files)}
    assert files["harm_weights"]["sha256"] == hashlib.sha256(reference_files.BUNDLED_WEIGHTS.read_bytes()).hexdigest()
    assert files["offence_codes"]["sha256"] == hashlib.sha256(reference_files.OFFENCE_CODES.read_bytes()).hexdigest()
    assert files["harm_weights"]["version"] == reference_files.BUNDLED_VERSION
