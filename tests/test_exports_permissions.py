"""Exports (GraphML, i2 CSVs, dossiers) get the publish.file_mode permissions, like analyst.duckdb."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from csenet_dagster import settings
from csenet_dagster.files import private_dir, write_private_file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_small_run_exports_are_owner_only(small_run):
    exports = small_run.warehouse / "exports"
    files = sorted(p for p in exports.rglob("*") if p.is_file())
    names = {p.name for p in files}
    assert {"network.graphml", "i2_entities.csv", "i2_links.csv"} <= names
    assert any(p.parent.name == "dossiers" and p.suffix == ".html" for p in files)
    assert not any(p.name.endswith(".tmp") for p in files)
    folders = [exports, *(p for p in exports.rglob("*") if p.is_dir())]
    assert {str(p.relative_to(small_run.warehouse)): oct(mode(p)) for p in folders} == {
        str(p.relative_to(small_run.warehouse)): oct(0o700) for p in folders
    }
    assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o600) for p in files}


def test_file_mode_setting_applies_to_exports(empty_workspace, tmp_path):
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"publish": {"file_mode": "0640"}}))
    os.environ["CSENET_SETTINGS_FILE"] = str(settings_file)  # use_workspace restores it
    folder = empty_workspace.warehouse / "exports"
    folder.mkdir(parents=True)
    os.chmod(folder, 0o777)  # an existing, too open folder is tightened
    leftover = folder / ".x.csv.tmp"
    leftover.write_text("old")
    os.chmod(leftover, 0o666)  # a leftover temp file of a killed run does not leak its mode

    assert mode(private_dir(folder)) == 0o750
    seen_while_writing = []
    written = write_private_file(folder / "x.csv", lambda temp: (seen_while_writing.append(mode(temp)), temp.write_text("a,b\n")))
    assert seen_while_writing == [0o600]
    assert written.read_text() == "a,b\n" and mode(written) == 0o640
    assert not leftover.exists()

    os.environ.pop("CSENET_SETTINGS_FILE")
    assert mode(write_private_file(folder / "x.csv", lambda temp: temp.write_text("c\n"))) == 0o600
    assert mode(private_dir(folder)) == 0o700
    assert settings.paths().exports_dir == folder
