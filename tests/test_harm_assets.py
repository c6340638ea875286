"""The harm stage's Dagster assets and checks on the hand-made world database.

The hand-made world is stage tables, not a delivery, so there is no delivery to build the
shareable picture from: harm/shareable is left out and dossiers are written from the world
itself (the full picture, harm.dossier_include_handling_c). The shareable path is tested end
to end in tests/test_shareable_picture.py."""

from __future__ import annotations

import json

import dagster as dg
import pytest

import test_harm_world as world
from csenet_dagster import db, harm, previous
from csenet_dagster import reference_files
from csenet_dagster.ops.resource import duckdb_resource


FULL_PICTURE_DOSSIERS = {"dossier_include_handling_c": True}


@pytest.fixture(autouse=True)
def dossiers_from_the_world(empty_workspace, tmp_path, monkeypatch):  # after use_workspace clears the variable
    settings_file = tmp_path / "full_picture.json"
    settings_file.write_text(json.dumps({"harm": FULL_PICTURE_DOSSIERS}), encoding="utf-8")
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))


def materialize(selection=None):
    assets = [a for a in harm.ASSETS if dg.AssetKey(["harm", "shareable"]) not in a.keys]
    return dg.materialize(
        [*previous.ASSETS, *assets, *harm.CHECKS],
        resources={"duckdb": duckdb_resource()},
        raise_on_error=False,
        selection=selection,
    )


def metadata_text(result) -> str:
    texts = []
    for event in result.get_asset_materialization_events():
        texts += [str(v.value) for v in event.materialization.metadata.values()]
    for evaluation in result.get_asset_check_evaluations():
        texts += [str(v.value) for v in evaluation.metadata.values()] + [str(evaluation.description)]
    return json.dumps(texts)


def test_assets_materialise_checks_pass_and_metadata_carry_no_person_values(empty_workspace):
    world.build(empty_workspace.work_db).close()
    result = materialize()
    assert result.success
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations and all(evaluations.values()), evaluations
    assert (empty_workspace.warehouse / "exports" / "dossiers" / "CSE00001.html").exists()
    text = metadata_text(result)
    # names and dates of birth of the fixture people never reach Dagster metadata
    assert "Surname" not in text and "Fore" not in text and "2010-01-01" not in text
    assert "CSE00001" in text  # pseudonymous ids are fine


def test_unknown_code_warns_and_never_blocks(empty_workspace):
    conn = world.build(empty_workspace.work_db)
    conn.execute("UPDATE raw.crime SET offence_code = '999Z', offence_title = 'Hostile title' WHERE crime_ref = 'C5'")
    conn.execute("UPDATE raw.crime SET offence_code = 'DROP TABLE x' WHERE crime_ref = 'C2'")
    conn.close()
    result = materialize()
    assert result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.check_name, e.severity) for e in failed] == [("offence_codes_in_reference", dg.AssetCheckSeverity.WARN)]
    description = failed[0].description
    assert "999Z" in description and "1 non-code value" in description and "of crime harm" in description
    text = metadata_text(result)
    # values not of offence-code shape and delivered titles never reach metadata
    assert "DROP TABLE" not in text and "Hostile title" not in text
    assert failed[0].metadata["n_unknown_codes"].value == 1
    assert failed[0].metadata["n_non_code_values"].value == 1
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"harm/crime_harm", "harm/nominal_harm", "harm/network_priority"} <= materialised


def test_weights_file_setting_reads_a_force_cchi_export(empty_workspace, tmp_path, monkeypatch):
    cchi = tmp_path / "cchi.csv"
    rows = ["HO code,Offence,Harm index value"] + [f"{code},x,{days}" for code, days in world.WEIGHT.items()]
    rows += ["5D,x,1", "19D,x,1", "72,x,1", "106,x,1", "86,x,1"]
    cchi.write_text("\n".join(rows) + "\n", encoding="utf-8")
    settings_file = tmp_path / "settings.json"
    css = tmp_path / "ons_css.csv"
    css.write_text("Crime Severity Score weights\nOffence code,Offence,Weight\n19E,x,\"6,000\"\n46,x,14\n", encoding="utf-8")
    settings_file.write_text(
        json.dumps({"harm": {"weights_file": str(cchi), "weights_version": "CCHI test 1",
                             "css_weights_file": str(css), "css_weights_version": "ONS CSS test",
                             **FULL_PICTURE_DOSSIERS}}),
        encoding="utf-8",
    )
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    world.build(empty_workspace.work_db).close()
    result = materialize()
    assert result.success
    with db.connect(empty_workspace.work_db, read_only=True) as conn:
        weighted = conn.sql(
            "SELECT offence_code, harm_days FROM harm.offence_weight WHERE fallback_used IS NULL"
        ).fetchall()
        assert len(weighted) == len(world.WEIGHT) + 5
        assert db.scalar(conn, "SELECT min(basis) FROM harm.offence_weight WHERE fallback_used IS NULL") == "CCHI_OFFICIAL"
        assert db.scalar(conn, "SELECT min(weight_origin) FROM harm.offence_weight WHERE fallback_used IS NULL") == "OFFICIAL"
        # reference codes the force's file lacks are weighted by fallback, not dropped
        assert db.scalar(conn, "SELECT count(*) FROM harm.offence_weight WHERE in_reference AND fallback_used IS NOT NULL") > 0
        assert conn.sql("SELECT kind, file_name, version, n_rows FROM harm.reference_file ORDER BY kind").fetchall() == [
            ("css_weights", "ons_css.csv", "ONS CSS test", 2),
            ("harm_weights", "cchi.csv", "CCHI test 1", len(world.WEIGHT) + 5),
            ("offence_codes", "offence_codes.csv", reference_files.BUNDLED_VERSION, len(reference_files.load_offence_code_reference())),
        ]
        assert dict(conn.sql("SELECT offence_code, css_weight FROM harm.offence_weight WHERE css_weight IS NOT NULL").fetchall()) == {
            "19E": 6000.0, "46": 14.0,
        }
