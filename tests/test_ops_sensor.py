"""The delivery sensor: one run per new complete delivery, invalid ones reported once."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from csenet_dagster.ops import sensor as sensor_module
from csenet_dagster.ops.sensor import DELIVERY_TAG, delivery_sensor
from csenet_dagster.ops.job import REFRESH_JOB, refresh_run_config


class Ticks:
    """Evaluates the sensor tick after tick, carrying the cursor like the daemon does."""

    def __init__(self) -> None:
        self.cursor: str | None = None
        self.instance = dg.DagsterInstance.ephemeral()

    def tick(self):
        context = dg.build_sensor_context(cursor=self.cursor, instance=self.instance)
        result = delivery_sensor(context)
        self.cursor = context.cursor
        return result


def land(landing: Path, delivery_id: str, with_manifest: bool = True, note: str = "") -> Path:
    """A stand-in delivery folder (the sensor itself only needs folder + manifest)."""
    folder = landing / delivery_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "crime.csv").write_text("crime_ref\n", encoding="utf-8")
    if with_manifest:
        manifest = {"delivery_id": delivery_id, "extracted_at": "2026-11-29T06:00:00Z", "files": {}, "note": note}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.fixture
def validations(monkeypatch):
    """Replaces ingest validation: a delivery holding a file BAD is invalid; records calls."""
    calls: list[str] = []

    def fake(path: Path) -> str | None:
        calls.append(path.name)
        return "crime.csv: sha256 does not match the manifest" if (path / "BAD").exists() else None

    monkeypatch.setattr(sensor_module, "validation_error", fake)
    return calls


def test_half_written_delivery_waits_for_its_manifest(empty_workspace, validations):
    ticks = Ticks()
    assert isinstance(ticks.tick(), dg.SkipReason)  # empty landing folder

    land(empty_workspace.landing, "2026-11-29T0600", with_manifest=False)
    skipped = ticks.tick()
    assert isinstance(skipped, dg.SkipReason)
    assert "2026-11-29T0600" in skipped.skip_message and "no manifest" in skipped.skip_message
    assert validations == []

    land(empty_workspace.landing, "2026-11-29T0600")
    request = ticks.tick()
    assert isinstance(request, dg.RunRequest)
    assert request.run_key.startswith("2026-11-29T0600:")
    assert request.run_config == refresh_run_config("2026-11-29T0600")
    assert request.tags[DELIVERY_TAG] == "2026-11-29T0600"
    assert delivery_sensor.job_name == REFRESH_JOB


def test_each_delivery_is_requested_once(empty_workspace, validations):
    ticks = Ticks()
    land(empty_workspace.landing, "2026-11-29T0600")
    assert isinstance(ticks.tick(), dg.RunRequest)
    for _ in range(3):
        assert isinstance(ticks.tick(), dg.SkipReason)
    assert validations == ["2026-11-29T0600"]

    land(empty_workspace.landing, "2026-11-30T0600")
    request = ticks.tick()
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith("2026-11-30T0600:")


def test_invalid_delivery_is_reported_once_not_retried(empty_workspace, validations):
    ticks = Ticks()
    bad = land(empty_workspace.landing, "2026-11-29T0600")
    (bad / "BAD").touch()

    reported = ticks.tick()
    assert isinstance(reported, dg.SkipReason)
    assert "invalid" in reported.skip_message and "crime.csv" in reported.skip_message
    for _ in range(3):
        again = ticks.tick()
        assert isinstance(again, dg.SkipReason) and "invalid" not in again.skip_message
    assert validations == ["2026-11-29T0600"]

    # The force re-issues the delivery with a corrected manifest: it is looked at again.
    (bad / "BAD").unlink()
    land(empty_workspace.landing, "2026-11-29T0600", note="re-issued")
    request = ticks.tick()
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith("2026-11-29T0600:")


def test_only_the_newest_complete_delivery_runs(empty_workspace, validations):
    ticks = Ticks()
    land(empty_workspace.landing, "2026-11-28T0600")
    land(empty_workspace.landing, "2026-11-29T0600")
    land(empty_workspace.landing, "2026-11-30T0600", with_manifest=False)
    request = ticks.tick()
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith("2026-11-29T0600:")

    # A delivery older than the one already handled turns up late: never rolls analysts back.
    land(empty_workspace.landing, "2026-11-27T0600")
    assert isinstance(ticks.tick(), dg.SkipReason)
    assert validations == ["2026-11-29T0600"]


def test_sensor_is_running_by_default_in_the_deployment():
    from csenet_dagster.definitions import defs

    sensor = defs.resolve_sensor_def(delivery_sensor.name)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_real_delivery_is_validated_by_ingest(workspace):
    """No stand-in: ingest's validate_delivery decides; a tampered file is reported once by rule."""
    delivery = workspace.deliveries()[0]
    ticks = Ticks()
    request = ticks.tick()
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith(delivery.name + ":")

    tampered_id = "2026-11-30T0600"
    tampered = workspace.landing / tampered_id
    tampered.mkdir()
    for source in delivery.iterdir():
        (tampered / source.name).write_bytes(source.read_bytes())
    manifest = json.loads((tampered / "manifest.json").read_text(encoding="utf-8"))
    manifest["delivery_id"] = tampered_id
    (tampered / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with (tampered / "vehicle.csv").open("ab") as handle:
        handle.write(b"\n")

    reported = ticks.tick()
    assert isinstance(reported, dg.SkipReason)
    assert tampered_id in reported.skip_message and "vehicle.csv" in reported.skip_message
    assert "sha256_match" in reported.skip_message
    assert isinstance(ticks.tick(), dg.SkipReason) and "invalid" not in ticks.tick().skip_message
