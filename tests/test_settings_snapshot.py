"""A run reads the settings file once, at its start: a change during the run does not reach it."""

from __future__ import annotations

import json
import os
import stat
import uuid

import dagster as dg
import duckdb
import pytest

from csenet_dagster import files, settings
from csenet_dagster.ops import run_settings
from csenet_dagster.pipeline import run_pipeline
from csenet_dagster.publish import config as publish_config
from csenet_dagster.publish import review_config

AT_START = {"publish": {"file_mode": "0640", "max_error_chars": 1500}, "review": {"possible_threshold": 0.55}}
LATER = {"publish": {"file_mode": "0600", "max_error_chars": 900}, "review": {"possible_threshold": 0.95}}
# The file changes as soon as ingest has loaded the delivery: every later stage runs after it.
CHANGE_AFTER_STEP = "raw__delivery"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_later_stages_and_analyst_run_use_the_settings_read_at_the_start(workspace, tmp_path):
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(AT_START), encoding="utf-8")
    os.environ[settings.SETTINGS_FILE_ENV] = str(settings_file)  # use_workspace restores it
    instance = dg.DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    changed_after: list[str] = []

    def change_the_file(entry) -> None:
        event = entry.dagster_event
        if (event is not None and event.event_type == dg.DagsterEventType.STEP_SUCCESS
                and event.step_key == CHANGE_AFTER_STEP and not changed_after):
            settings_file.write_text(json.dumps(LATER), encoding="utf-8")
            changed_after.append(event.step_key)
            # Outside the run's snapshot the file now says otherwise.
            assert json.loads(settings_file.read_text(encoding="utf-8")) == LATER

    instance.add_event_listener(run_id, change_the_file)
    result = run_pipeline(instance=instance, run_id=run_id)
    assert result.success and changed_after == [CHANGE_AFTER_STEP]

    # Stages after the change wrote their files with the mode read at the start.
    warehouse = workspace.warehouse
    assert mode(workspace.analyst_db) == 0o640
    exported = [p for p in (warehouse / "exports").rglob("*") if p.is_file()]
    assert exported and {oct(mode(p)) for p in exported} == {oct(0o640)}
    # The review queue (publish) used the threshold read at the start.
    with duckdb.connect(str(workspace.analyst_db), read_only=True) as conn:
        [(recorded,)] = conn.sql("SELECT settings FROM run").fetchall()
        lowest = conn.sql("SELECT min(match_probability) FROM possible_match").fetchall()[0][0]
        [(history,)] = conn.sql(f"SELECT settings FROM run_history WHERE run_id = '{run_id}'").fetchall()
    assert lowest is not None and 0.55 <= lowest < 0.95
    recorded = json.loads(recorded)
    assert recorded["publish"] == {"file_mode": "0640", "max_error_chars": 1500}
    assert recorded["review"]["possible_threshold"] == 0.55
    assert json.loads(history) == recorded
    # The snapshot is kept with the run's files: what the file held and what the run used.
    snapshot = json.loads((warehouse / "runs" / run_id / run_settings.SNAPSHOT_FILE).read_text(encoding="utf-8"))
    assert snapshot["overrides"] == AT_START and snapshot["used"] == recorded
    assert snapshot["settings_file"] == str(settings_file)

    # After the run, settings are read from the file again.
    assert settings.current_run_snapshot() is None
    assert publish_config.load().file_mode == "0600" and review_config.load().possible_threshold == 0.95
    assert files.private_file_mode() == 0o600


def test_a_snapshot_pins_every_load_and_section_value_inside_it(tmp_path, monkeypatch):
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(AT_START), encoding="utf-8")
    monkeypatch.setenv(settings.SETTINGS_FILE_ENV, str(settings_file))
    reads: list[int] = []

    def resolve():
        reads.append(1)
        return run_settings.all_settings()

    with settings.run_snapshot(resolve) as snapshot:
        settings_file.write_text(json.dumps(LATER), encoding="utf-8")
        assert publish_config.load().max_error_chars == 1500
        assert files.private_file_mode() == 0o640
        assert snapshot.used["review"]["possible_threshold"] == 0.55
    assert reads == [1]
    assert publish_config.load().max_error_chars == 900


def test_a_bad_settings_file_is_refused_when_the_run_starts(tmp_path, monkeypatch):
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"harm": {"no_such_setting": 1}}), encoding="utf-8")
    monkeypatch.setenv(settings.SETTINGS_FILE_ENV, str(settings_file))
    with pytest.raises(ValueError, match="settings section 'harm' has unknown keys: no_such_setting"):
        with settings.run_snapshot(run_settings.all_settings):
            pass
    assert settings.current_run_snapshot() is None
