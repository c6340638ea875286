"""One offence-code normalisation everywhere codes are compared, and a force's own classification.

A force's crime system may pad codes with zeros (``019E``), carry spaces or lower
case, or record the Notifiable Offence List class/sub-class (``008/67``). The
network stage (CSE seeds in net.crime_party) and the harm stage (weights) must
read such a code as the reference's code, through the single expression in
sql/common/offence_code.sql. A force may also point harm.classification_file at
its own classification, which then decides is_cse_offence for both stages and is
recorded with its version and sha256.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from csenet_dagster import db
from csenet_dagster.harm import config, scoring, weights
from csenet_dagster.network import assets as network_assets
from csenet_dagster.network.network_settings import FORBIDDEN_INTEL_EVALS, FORBIDDEN_INTEL_SOURCE_EVALS
from csenet_dagster.network.network_settings import load as load_network_settings

EXTRACTED_AT = dt.datetime(2026, 11, 29, 6, 0, 0)
# crime_ref -> delivered offence code, and what it must be read as
DELIVERED = {
    "C1": ("019E", "19E"),     # zero-padded child rape code: a CSE offence
    "C2": (" 19e ", "19E"),    # spaces and lower case
    "C3": ("0088A", "88A"),    # zero-padded grooming code
    "C4": ("008/67", "8/67"),  # NOL class/sub-class (controlling or coercive behaviour)
    "C5": ("10A", "10A"),      # an ordinary code, as delivered
    "C6": ("036", "36"),       # kidnapping: CSE in the bundled reading, not in the force's below
    "C7": ("07117", "71/17"),  # class and sub-class without the slash: sexual communication with a child
}


def _make_db(path):
    conn = db.connect(path)
    conn.execute(f"CREATE TABLE raw.delivery AS SELECT TIMESTAMP '{EXTRACTED_AT.isoformat(sep=' ')}' AS extracted_at")
    conn.execute(
        "CREATE TABLE raw.crime (crime_ref VARCHAR, recorded_date DATE, committed_date DATE, offence_code VARCHAR, "
        "offence_title VARCHAR, cse_flag BOOLEAN, lsoa_code VARCHAR, outcome VARCHAR, row_no BIGINT)"
    )
    conn.execute("CREATE TABLE raw.crime_person (crime_ref VARCHAR, role VARCHAR, person_ref VARCHAR, row_no BIGINT)")
    conn.execute("CREATE TABLE er.nominal_record (person_ref VARCHAR, nominal_id VARCHAR)")
    for i, (ref, (code, _)) in enumerate(DELIVERED.items(), start=1):
        conn.execute(
            "INSERT INTO raw.crime VALUES (?, DATE '2026-06-01', DATE '2026-06-01', ?, 'as delivered', FALSE, NULL, NULL, ?)",
            [ref, code, i],
        )
        for role, person in (("SUSPECT", f"P{i}S"), ("VICTIM", f"P{i}V")):
            conn.execute("INSERT INTO raw.crime_person VALUES (?, ?, ?, ?)", [ref, role, person, i])
            conn.execute("INSERT INTO er.nominal_record VALUES (?, ?)", [person, f"N{person}"])
    conn.execute(
        "CREATE TABLE raw.custody (custody_ref VARCHAR, arrest_date DATE, occurrence_ref VARCHAR, offence_code VARCHAR, "
        "person_ref VARCHAR, row_no BIGINT)"
    )
    conn.execute("INSERT INTO raw.custody VALUES ('K1', DATE '2026-06-02', 'O1', '0019E', 'P1S', 1)")
    conn.execute("CREATE TABLE raw.intel_person (intel_ref VARCHAR, role VARCHAR, person_ref VARCHAR)")
    conn.execute(
        "CREATE TABLE raw.intel_log (intel_ref VARCHAR, created_date DATE, source_eval VARCHAR, intel_eval VARCHAR, "
        "handling VARCHAR, cse_flag BOOLEAN)"
    )
    conn.execute(
        "CREATE TABLE raw.missing_person (episode_ref VARCHAR, reported_date DATE, found_date DATE, role VARCHAR, "
        "person_ref VARCHAR, dob DATE)"
    )
    return conn


def _materialize_reference(path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [network_assets.cse_offence_code], resources={"duckdb": DuckDBResource(database=str(path))}, raise_on_error=False
    )


def _crime_party(conn) -> dict[str, tuple[str, bool]]:
    s = load_network_settings()
    db.run_sql(
        conn,
        "3_network/01_party.sql",
        intel_source_evals=s.credible_intel_source_evals(),
        intel_evals=s.credible_intel_evals(),
        forbidden_source_evals=FORBIDDEN_INTEL_SOURCE_EVALS,
        forbidden_intel_evals=FORBIDDEN_INTEL_EVALS,
        missing_child_max_age=s.missing_child_max_age,
        crime_offence_code=weights.offence_code_sql("c.offence_code"),
    )
    rows = conn.sql("SELECT DISTINCT crime_ref, offence_code, is_cse_crime FROM net.crime_party").fetchall()
    return {ref: (code, cse) for ref, code, cse in rows}


def test_sql_normalisation_is_the_python_one(tmp_path):
    raw = ["019E", " 19e ", "0088A", "008/67", "08/67", "08805", "07117", "4.10", "0", "00", "", "  ", "SMITH John 0770", "105A",
           "123456"]
    conn = db.connect(tmp_path / "n.duckdb")
    conn.execute("CREATE TABLE codes (code VARCHAR)")
    conn.executemany("INSERT INTO codes VALUES (?)", [[c] for c in raw] + [[None]])
    expr = weights.offence_code_sql("code")
    got = dict(conn.sql(f"SELECT code, {expr} FROM codes").fetchall())
    for code in raw:
        assert got[code] == (weights.normalise_code(code) or None), code
    assert got[None] is None
    assert got["019E"] == "19E" and got["008/67"] == got["08/67"] == "8/67" and got["0"] == "0"
    assert got["08805"] == "88/05" and got["07117"] == "71/17" and got["123456"] == "123456"
    assert got["SMITH John 0770"] == "SMITH JOHN 0770"  # a non-code value stays readable (inner spaces kept)
    assert weights.offence_class("8/67") == "8" and weights.is_code_shaped("8/67")


def test_padded_and_spaced_codes_match_in_the_network_stage(tmp_path, monkeypatch):
    monkeypatch.delenv("CSENET_SETTINGS_FILE", raising=False)
    path = tmp_path / "w.duckdb"
    _make_db(path).close()
    assert _materialize_reference(path).success
    conn = db.connect(path)
    party = _crime_party(conn)
    for ref, (_, expected) in DELIVERED.items():
        assert party[ref][0] == expected, ref
    # the zero-padded and lower-case child rape and grooming codes seed CSE (no force marker on them)
    assert party["C1"][1] and party["C2"][1] and party["C3"][1] and party["C6"][1] and party["C7"][1]
    assert not party["C5"][1] and not party["C4"][1]
    conn.close()


def test_padded_codes_take_their_own_weight_in_the_harm_stage(tmp_path, monkeypatch):
    monkeypatch.delenv("CSENET_SETTINGS_FILE", raising=False)
    conn = _make_db(tmp_path / "h.duckdb")
    cfg = config.load()
    scoring.build_offence_weight(conn, cfg)
    scoring.build_crime_harm(conn, cfg)
    weight = dict(conn.sql("SELECT offence_code, harm_days FROM harm.offence_weight").fetchall())
    harm = {r[0]: r[1:] for r in conn.sql("SELECT crime_ref, offence_code, offence_harm_days, is_cse_offence FROM harm.crime_harm").fetchall()}
    for ref, (_, expected) in DELIVERED.items():
        assert harm[ref][0] == expected and harm[ref][1] == weight[expected], ref
    assert harm["C1"][2] and harm["C3"][2]
    # none of them is an unknown code; the padded custody code is 19E too
    assert conn.sql("SELECT count(*) FROM harm.unknown_offence_code").fetchall()[0][0] == 0
    conn.close()


def _force_classification(tmp_path) -> tuple:
    """The bundled classification as a force might re-issue it: zero-padded codes, 36 not a CSE
    offence in the force's reading, and a (zero-padded) sub-class code of its own flagged as CSE."""
    with weights.OFFENCE_CODES.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["offence_code"] == "36":
            row["is_cse_offence"], row["cse_basis"] = "N", ""
        if row["offence_code"] == "19E":
            row["offence_code"] = "019E"
    rows.append({
        **{c: "" for c in header}, "offence_code": "088/99", "offence_title": "A force's own sub-class",
        "offence_group": "Sexual offences", "offence_class": "88", "category": "child sexual exploitation",
        "is_cse_offence": "Y", "cse_basis": "force reading", "child_victim_implied": "Y", "code_status": "CURRENT",
    })
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    file = tmp_path / "force_offence_codes.csv"
    file.write_text(out.getvalue(), encoding="utf-8")
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(
        json.dumps({"harm": {"classification_file": str(file), "classification_version": "Force X 2026-11"}}),
        encoding="utf-8",
    )
    return file, settings_file


def test_a_forces_classification_decides_cse_for_both_stages_and_is_recorded(tmp_path, monkeypatch):
    file, settings_file = _force_classification(tmp_path)
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    path = tmp_path / "f.duckdb"
    _make_db(path).close()
    result = _materialize_reference(path)
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["classification_file"].value == file.name
    conn = db.connect(path)
    flags = dict(conn.sql("SELECT offence_code, is_cse_offence FROM net.cse_offence_code").fetchall())
    assert flags["88/99"] is True and flags["36"] is False and flags["19E"] is True and "019E" not in flags
    party = _crime_party(conn)
    assert party["C1"][1] and not party["C6"][1]  # kidnapping is no longer a CSE seed for this force
    cfg = config.load()
    assert cfg.classification_file == str(file)
    scoring.build_offence_weight(conn, cfg)
    assert dict(conn.sql("SELECT offence_code, is_cse_offence FROM harm.offence_weight").fetchall())["36"] is False
    recorded = conn.sql(
        "SELECT file_name, version, sha256, bundled FROM harm.reference_file WHERE kind = 'offence_codes'"
    ).fetchall()
    assert recorded == [(file.name, "Force X 2026-11", hashlib.sha256(file.read_bytes()).hexdigest(), False)]
    conn.close()


def test_a_bad_force_classification_fails_naming_file_row_and_rule(tmp_path, monkeypatch):
    file, settings_file = _force_classification(tmp_path)
    lines = file.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",N,,N,,", ",maybe,,N,,", 1)
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    path = tmp_path / "b.duckdb"
    _make_db(path).close()
    result = _materialize_reference(path)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.message
    assert "force_offence_codes.csv row 2" in message and "rule: yes_no" in message
    with pytest.raises(weights.WeightsFileError, match="row 2: is_cse_offence is not Y or N"):
        weights.load_offence_code_reference(file)
