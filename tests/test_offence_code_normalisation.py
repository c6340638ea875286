"""One offence-code normalisation everywhere codes are compared, and a force's own classification.

A force's crime system may pad codes with zeros (``019E``), carry spaces or lower
case, or record the Notifiable Offence List class/sub-class (``008/67``). The
network stage (net.crime_party, the CSE crimes of net.cse_crime and their seeds)
and the harm stage (weights) must
read such a code as the reference's code, through the single expression in
sql/common/offence_code.sql. A force may also point harm.classification_file at
its own classification, which then decides is_cse_offence for both stages and is
recorded with its version and sha256.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json

import dagster as dg
import pytest
from dagster_duckdb import DuckDBResource

from csenet_dagster import db, settings
from csenet_dagster import reference_files
from csenet_dagster.harm import config, scoring
from csenet_dagster.network import assets as network_assets, steps as network_steps
from csenet_dagster.network.network_settings import load as load_network_settings
from test_network_world import build_world

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


def _write_world() -> dict[str, str]:
    """The network stage's hand-made world plus one crime per DELIVERED code (an adult suspect and a
    child victim each, no force CSE marker) and a zero-padded custody code; written to the working
    database. Returns label -> nominal_id."""
    world = build_world()
    for ref, (code, _) in DELIVERED.items():
        world.crime(ref, code, "2026-06-01", outcome="Under investigation", dobs={f"V{ref}": "2014-01-01"},
                    suspect=[f"S{ref}"], victim=[f"V{ref}"])
    world.custody("K90", "OCC90", "2026-06-02", "SC1")
    world.tables["custody"][-1]["offence_code"] = "0019E"
    with db.working_db() as conn:
        world.write(conn)
    return world.labels


def _materialize_reference() -> dg.ExecuteInProcessResult:
    database = str(settings.paths().work_db)
    return dg.materialize(
        [network_assets.cse_offence_code], resources={"duckdb": DuckDBResource(database=database)}, raise_on_error=False
    )


def _crime_party(conn) -> dict[str, tuple[str, bool]]:
    network_steps.build_party(conn, load_network_settings())
    rows = conn.sql("SELECT DISTINCT crime_ref, offence_code, is_cse_crime FROM net.crime_party").fetchall()
    return {ref: (code, cse) for ref, code, cse in rows}


def test_sql_normalisation_is_the_python_one(tmp_path):
    raw = ["019E", " 19e ", "0088A", "008/67", "08/67", "08805", "07117", "4.10", "0", "00", "", "  ", "SMITH John 0770", "105A",
           "123456"]
    conn = db.connect(tmp_path / "n.duckdb")
    conn.execute("CREATE TABLE codes (code VARCHAR)")
    conn.executemany("INSERT INTO codes VALUES (?)", [[c] for c in raw] + [[None]])
    expr = reference_files.offence_code_sql("code")
    got = dict(conn.sql(f"SELECT code, {expr} FROM codes").fetchall())
    for code in raw:
        assert got[code] == (reference_files.normalise_code(code) or None), code
    assert got[None] is None
    assert got["019E"] == "19E" and got["008/67"] == got["08/67"] == "8/67" and got["0"] == "0"
    assert got["08805"] == "88/05" and got["07117"] == "71/17" and got["123456"] == "123456"
    assert got["SMITH John 0770"] == "SMITH JOHN 0770"  # a non-code value stays readable (inner spaces kept)
    assert reference_files.offence_class("8/67") == "8" and reference_files.is_code_shaped("8/67")


def test_padded_and_spaced_codes_match_in_the_network_stage(empty_workspace, monkeypatch):
    monkeypatch.delenv("CSENET_SETTINGS_FILE", raising=False)
    _write_world()
    assert _materialize_reference().success
    with db.working_db() as conn:
        party = _crime_party(conn)
    for ref, (_, expected) in DELIVERED.items():
        assert party[ref][0] == expected, ref
    # the zero-padded, lower-case and slash-less CSE codes seed CSE (no force marker on them)
    assert all(party[ref][1] for ref in ("C1", "C2", "C3", "C6", "C7"))
    assert not party["C5"][1] and not party["C4"][1]


def test_padded_codes_make_cse_crimes_and_seeds(empty_workspace, monkeypatch):
    """net.cse_crime (the age- and outcome-aware CSE crimes) reads 019E and 07117 as 19E and 71/17."""
    monkeypatch.delenv("CSENET_SETTINGS_FILE", raising=False)
    labels = _write_world()
    s = load_network_settings()
    with db.working_db() as conn:
        network_steps.build_cse_offence_code(conn)
        network_steps.build_party(conn, s)
        network_steps.build_cse_seed(conn, s)
        crimes = {r[0]: r[1:] for r in conn.sql(
            "SELECT crime_ref, offence_code, is_cse_offence, cse_category FROM net.cse_crime").fetchall()}
        seeded = {r[0] for r in conn.sql("SELECT DISTINCT nominal_id FROM net.cse_seed").fetchall()}
    for ref in ("C1", "C2", "C3", "C7"):
        assert crimes[ref] == (DELIVERED[ref][1], True, "CSE"), ref
        assert labels[f"S{ref}"] in seeded, ref
    assert "C5" not in crimes and "C4" not in crimes  # 10A and controlling or coercive behaviour: not CSE offences


def test_padded_codes_take_their_own_weight_in_the_harm_stage(empty_workspace, monkeypatch):
    monkeypatch.delenv("CSENET_SETTINGS_FILE", raising=False)
    _write_world()
    cfg = config.load()
    with db.working_db() as conn:
        network_steps.build_cse_offence_code(conn)
        network_steps.build_party(conn, load_network_settings())
        network_steps.build_cse_seed(conn, load_network_settings())
        scoring.build_offence_weight(conn, cfg)
        scoring.build_crime_harm(conn, cfg)
        weight = dict(conn.sql("SELECT offence_code, harm_days FROM harm.offence_weight").fetchall())
        harm = {r[0]: r[1:] for r in conn.sql(
            "SELECT crime_ref, offence_code, offence_harm_days, is_cse_offence FROM harm.crime_harm").fetchall()}
        unknown = conn.sql("SELECT offence_code FROM harm.unknown_offence_code").fetchall()
    for ref, (_, expected) in DELIVERED.items():
        assert harm[ref][0] == expected and harm[ref][1] == weight[expected], ref
    assert harm["C1"][2] and harm["C3"][2] and harm["C7"][2]
    # none of them is an unknown code; the padded custody code is 19E too
    assert unknown == []


def _force_classification(tmp_path) -> tuple:
    """The bundled classification as a force might re-issue it: zero-padded codes, 36 not a CSE
    offence in the force's reading, and a (zero-padded) sub-class code of its own flagged as CSE."""
    with reference_files.OFFENCE_CODES.open(encoding="utf-8", newline="") as handle:
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


def test_a_forces_classification_decides_cse_for_both_stages_and_is_recorded(empty_workspace, tmp_path, monkeypatch):
    file, settings_file = _force_classification(tmp_path)
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    _write_world()
    result = _materialize_reference()
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["classification_file"].value == file.name
    cfg = config.load()
    assert cfg.classification_file == str(file)
    with db.working_db() as conn:
        flags = dict(conn.sql("SELECT offence_code, is_cse_offence FROM net.cse_offence_code").fetchall())
        party = _crime_party(conn)
        scoring.build_offence_weight(conn, cfg)
        harm_flags = dict(conn.sql("SELECT offence_code, is_cse_offence FROM harm.offence_weight").fetchall())
        recorded = conn.sql(
            "SELECT file_name, version, sha256, bundled FROM harm.reference_file WHERE kind = 'offence_codes'"
        ).fetchall()
    assert flags["88/99"] is True and flags["36"] is False and flags["19E"] is True and "019E" not in flags
    assert party["C1"][1] and not party["C6"][1]  # kidnapping is no longer a CSE seed for this force
    assert harm_flags["36"] is False and harm_flags["88/99"] is True
    assert recorded == [(file.name, "Force X 2026-11", hashlib.sha256(file.read_bytes()).hexdigest(), False)]


def test_a_bad_force_classification_fails_naming_file_row_and_rule(empty_workspace, tmp_path, monkeypatch):
    file, settings_file = _force_classification(tmp_path)
    lines = file.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",N,,N,,", ",maybe,,N,,", 1)
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    _write_world()
    result = _materialize_reference()
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.step_failure_data.error.message
    assert "force_offence_codes.csv row 2" in message and "rule: yes_no" in message
    with pytest.raises(reference_files.WeightsFileError, match="row 2: is_cse_offence is not Y or N"):
        reference_files.load_offence_code_reference(file)
