"""All or nothing: a run killed at any stage leaves the previous published set whole.

The published set is analyst.duckdb, the exports (GraphML, i2) and the dossiers of one
run, reached through ``current``. `csenet run` is killed (SIGKILL, as the OOM killer
or a power cut would) at a series of points named by ``CSENET_KILL_AT``; after each,
every published byte must be the previous run's, and the next run must recover.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import Workspace, use_workspace
from csenet_dagster import settings

CSENET = str(Path(sys.executable).parent / "csenet")

# (kill point, whether the new run's set is the one published afterwards)
KILL_POINTS = [
    # Every export, dossier and the new analyst.duckdb complete in the run folder, not switched.
    # (This subsumes earlier kill points: nothing of the run is visible before the switch;
    # `after:<step_key>` kills mid-pipeline, e.g. `after:harm__dossier`, work the same way.)
    ("publish:before_switch", False),
    ("publish:after_switch", True),       # switched; the working database not yet told
]


def published_set(warehouse: Path) -> dict[str, str]:
    """sha256 of every file an analyst can reach: analyst.duckdb and everything under exports/."""
    files = {"analyst.duckdb": warehouse / "analyst.duckdb"}
    files.update({f"exports/{p.relative_to(warehouse / 'exports')}": p
                  for p in (warehouse / "exports").rglob("*") if p.is_file()})
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in sorted(files.items())}


def published_run_id(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse / "analyst.duckdb"), read_only=True) as conn:
        return conn.sql("SELECT run_id FROM run").fetchall()[0][0]


def cli_run(ws: Workspace, kill_at: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSENET_") and k != "DAGSTER_HOME"}
    env.update(CSENET_LANDING_DIR=str(ws.landing), CSENET_WAREHOUSE_DIR=str(ws.warehouse),
               CSENET_CORRECTIONS_DIR=str(ws.corrections),
               # This checkout's code, also when the venv's editable install points at another.
               PYTHONPATH=os.pathsep.join(filter(None, [str(settings.REPO_ROOT), os.environ.get("PYTHONPATH")])))
    if kill_at:
        env["CSENET_KILL_AT"] = kill_at
    return subprocess.run([CSENET, "run"], env=env, cwd=ws.root, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def published_tiny(tmp_path_factory) -> Workspace:
    """A tiny delivery published once (the 'previous run' every kill must leave whole)."""
    from csenet_dagster.generator import generate
    from csenet_dagster.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("kill_points")
    generate(root, people=150, seed=31)
    ws = Workspace(root)
    with use_workspace(ws):
        assert run_pipeline().success
    return ws


def copy_of(ws: Workspace, dest: Path) -> Workspace:
    copy = Workspace(dest)
    shutil.copytree(ws.landing, copy.landing)
    shutil.copytree(ws.warehouse, copy.warehouse, symlinks=True)  # the published layout as it is
    copy.corrections.mkdir(parents=True)
    return copy


@pytest.mark.slow
def test_a_run_killed_at_each_stage_leaves_the_previous_set_whole(published_tiny, tmp_path):
    ws = copy_of(published_tiny, tmp_path / "ws")
    before = published_set(ws.warehouse)
    assert {"analyst.duckdb", "exports/network.graphml", "exports/i2_links.csv"} <= set(before)
    assert any(name.startswith("exports/dossiers/") for name in before)
    previous_run = published_run_id(ws.warehouse)

    for kill_at, switched in KILL_POINTS:
        result = cli_run(ws, kill_at)
        assert result.returncode == -signal.SIGKILL, (kill_at, result.returncode, result.stderr[-2000:])
        now = published_set(ws.warehouse)
        if not switched:
            assert now == before, f"killed at {kill_at}: the published set changed"
            assert published_run_id(ws.warehouse) == previous_run
            continue
        # Killed right after the switch: the new set is published whole, from one run.
        new_run = published_run_id(ws.warehouse)
        assert new_run != previous_run
        assert os.readlink(ws.warehouse / "current") == f"runs/{new_run}"
        assert set(now) == set(before) and now["analyst.duckdb"] != before["analyst.duckdb"]

    # The next run recovers: it settles the history of the killed runs and publishes.
    result = cli_run(ws, None)
    assert result.returncode == 0, result.stderr[-3000:]
    final_run = published_run_id(ws.warehouse)
    with duckdb.connect(str(ws.analyst_db), read_only=True) as conn:
        statuses = conn.sql("SELECT run_id, status, failed_step FROM run_history ORDER BY recorded_at").fetchall()
    assert statuses[0] == (previous_run, "published", None)
    by_run = {run_id: status for run_id, status, _ in statuses}
    assert by_run[new_run] == "published" and by_run[final_run] == "published"
    # One run folder is left: the published one (leftovers of the killed runs are gone).
    assert sorted(p.name for p in (ws.warehouse / "runs").iterdir()) == [final_run]
