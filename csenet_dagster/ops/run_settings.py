"""The settings of a run: every pipeline section, read once when the run starts.

The run's resource takes the snapshot (``settings.run_snapshot(all_settings)``) before
its first step; every ``settings.load`` inside the run returns those values, and
publish records ``snapshot.used`` in ``analyst.run`` and ``audit.run_history``. The
snapshot is kept with the run's files as ``runs/<run_id>/settings.json``.

The sections are imported here by name (ops sits above every stage), so the record
never depends on what else a process has loaded; the generator's section belongs to
a tool, not to a run.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from csenet_dagster import files, settings
from csenet_dagster.harm.config import HarmSettings
from csenet_dagster.ingest.config import IngestSettings
from csenet_dagster.network.network_settings import NetworkSettings
from csenet_dagster.ops.config import OpsSettings
from csenet_dagster.publish.config import PublishSettings
from csenet_dagster.publish.review_config import ReviewSettings
from csenet_dagster.resolve.config import ResolveSettings

SECTION_CLASSES = (
    HarmSettings, IngestSettings, NetworkSettings, OpsSettings, PublishSettings, ReviewSettings, ResolveSettings,
)
PIPELINE_SECTIONS = tuple(sorted(settings.section_name(cls) for cls in SECTION_CLASSES))
# Sections of tools that are not part of a run (the synthetic-data generator).
TOOL_SECTIONS = ("generator",)
SNAPSHOT_FILE = "settings.json"


def all_settings() -> dict[str, dict[str, Any]]:
    """Every pipeline section's values (inside a run: those read at its start)."""
    by_name = {settings.section_name(cls): cls for cls in SECTION_CLASSES}
    return {name: dataclasses.asdict(settings.load(by_name[name])) for name in PIPELINE_SECTIONS}


def write_snapshot(run_folder: Path, snapshot: settings.RunSnapshot) -> Path:
    """``runs/<run_id>/settings.json``: the file read, what it held and the values used."""
    text = json.dumps(
        {"settings_file": snapshot.file, "overrides": snapshot.overrides, "used": snapshot.used},
        sort_keys=True, indent=2, default=str,
    )
    return files.write_private_file(run_folder / SNAPSHOT_FILE, lambda temp: temp.write_text(text, encoding="utf-8"))
