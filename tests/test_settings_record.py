"""analyst.run records exactly the pipeline's settings sections, whatever is imported."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb

from csenet_dagster import settings
from csenet_dagster.ops import run_settings

SETTINGS_JSON = """
import sys
if sys.argv[1] == "with_generator":
    import csenet_dagster.generator  # registers the generator's own settings section
import json
from csenet_dagster.ops.run_settings import all_settings
print(json.dumps(all_settings(), sort_keys=True, default=str))
"""


def recorded_in_subprocess(mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", SETTINGS_JSON, mode], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def test_recorded_settings_do_not_depend_on_imports(small_run):
    without = recorded_in_subprocess("without_generator")
    with_generator = recorded_in_subprocess("with_generator")
    assert without == with_generator
    assert sorted(without) == sorted(run_settings.PIPELINE_SECTIONS)
    assert "generator" not in without
    # The pytest process has imported the generator (fixtures use it): the run it
    # published records the same sections and values as a bare process would.
    with duckdb.connect(str(small_run.analyst_db), read_only=True) as conn:
        [(recorded,)] = conn.sql("SELECT settings FROM run").fetchall()
    assert json.loads(recorded) == without


def test_every_registered_section_is_pipeline_or_tool():
    import csenet_dagster.definitions  # noqa: F401  (registers every stage's section)
    import csenet_dagster.generator  # noqa: F401

    registered = set(settings._SECTIONS)
    assert registered == set(run_settings.PIPELINE_SECTIONS) | set(run_settings.TOOL_SECTIONS)
