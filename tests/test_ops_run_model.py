"""One way to run: every refresh runs in one process, one at a time, however it is started.

The UI and the delivery sensor start a run the same way: the run is queued in the
instance, the daemon's run coordinator dequeues it and the run launcher starts a
run worker process (``dagster api execute_run``) that executes it with the job's
own executor. The end-to-end test here starts the real daemon beside `csenet run`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import Workspace, use_workspace
from csenet_dagster import settings
from csenet_dagster.definitions import RUN_EXECUTOR, defs
from csenet_dagster.ops.job import REFRESH_JOB
from csenet_dagster.publish import ANALYST_DB_KEY

BIN = Path(sys.executable).parent
OLDER, NEWER = "2026-11-29T0600", "2026-11-30T0600"


def test_refresh_job_and_every_other_job_run_in_process():
    assert defs.resolve_job_def(REFRESH_JOB).executor_def is RUN_EXECUTOR
    assert RUN_EXECUTOR is dg.in_process_executor
    # Materialising a selection from the UI uses Dagster's implicit asset job: in process too.
    assert defs.resolve_implicit_global_asset_job_def().executor_def is RUN_EXECUTOR


def test_publish_runs_after_every_other_asset_and_so_after_every_blocking_check():
    job = defs.resolve_job_def(REFRESH_JOB)
    graph = job.asset_layer.asset_graph
    parents = set(graph.get(ANALYST_DB_KEY).parent_keys)
    # publish's own step also reports the run-state tables it writes (pub/run, audit/id_ledger, ...)
    publish_step = set(defs.resolve_assets_def(ANALYST_DB_KEY).keys)
    others = set(job.asset_layer.executable_asset_keys) - publish_step
    assert others <= parents, sorted(k.to_user_string() for k in others - parents)
    checks = defs.resolve_asset_graph()
    blocking = [checks.get_check_spec(k) for k in checks.asset_check_keys if checks.get_check_spec(k).blocking]
    assert blocking and all(spec.asset_key in parents for spec in blocking)


def _env(ws: Workspace, home: Path, settings_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSENET_") and k != "DAGSTER_HOME"}
    env.update(
        CSENET_LANDING_DIR=str(ws.landing),
        CSENET_WAREHOUSE_DIR=str(ws.warehouse),
        CSENET_CORRECTIONS_DIR=str(ws.corrections),
        CSENET_SETTINGS_FILE=str(settings_file),
        DAGSTER_HOME=str(home),
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(settings.REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    return env


@pytest.fixture(scope="module")
def two_deliveries(tmp_path_factory) -> Path:
    """Two small deliveries, one day apart (the newer one is what the sensor picks)."""
    from csenet_dagster.generator import generate

    out = tmp_path_factory.mktemp("two_deliveries")
    generate(out, people=150, seed=21, delivery_id=OLDER, extracted_at="2026-11-29T06:00:00Z")
    generate(out, people=150, seed=22, delivery_id=NEWER, extracted_at="2026-11-30T06:00:00Z")
    return out


@pytest.mark.slow
def test_sensor_run_through_the_daemon_and_a_cli_run_each_publish_their_own_delivery_in_order(two_deliveries, tmp_path):
    ws = Workspace(tmp_path / "ws")
    shutil.copytree(two_deliveries / "landing", ws.landing)
    ws.corrections.mkdir(parents=True)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(settings.REPO_ROOT / "dagster_home" / "dagster.yaml", home)
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({"ops": {"sensor_interval_seconds": 1}}))
    env = _env(ws, home, settings_file)

    # The operator runs the older delivery by hand ...
    cli = subprocess.Popen([str(BIN / "csenet"), "run", "--delivery-id", OLDER], env=env, cwd=tmp_path,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    daemon = None
    try:
        for line in cli.stdout:
            if line.startswith("  ingest"):
                break  # its run holds the warehouse
        # ... while the daemon (UI deployment) sees the newer one land and starts its run.
        daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "csenet_dagster.definitions"],
                                  env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        cli_output = cli.stdout.read()
        assert cli.wait(timeout=600) == 0, cli_output[-3000:]
        instance = dg.DagsterInstance.from_config(str(home))
        try:
            deadline = time.monotonic() + 400
            sensor_runs: list = []
            while time.monotonic() < deadline:
                sensor_runs = [r for r in instance.get_runs() if r.tags.get("csenet/trigger", "").startswith("sensor")]
                if sensor_runs and all(r.is_finished for r in sensor_runs):
                    break
                time.sleep(2)
            assert len(sensor_runs) == 1, [r.tags for r in sensor_runs]
            [sensor_run] = sensor_runs
            assert sensor_run.status == dg.DagsterRunStatus.SUCCESS
            assert sensor_run.tags["csenet/delivery_id"] == NEWER
            cli_run = next(r for r in instance.get_runs() if r.tags.get("csenet/trigger") == "cli")
            sensor_events = [e for e in instance.all_logs(sensor_run.run_id) if e.dagster_event is not None]
            cli_events = [e for e in instance.all_logs(cli_run.run_id) if e.dagster_event is not None]
        finally:
            instance.dispose()
    finally:
        if daemon is not None and daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGTERM)
            daemon.wait(timeout=60)
        if cli.poll() is None:
            cli.kill()
            cli.wait()

    # The launched run executed every step in the one run worker process.
    step_pids = {e.dagster_event.pid for e in sensor_events if e.dagster_event.event_type == dg.DagsterEventType.STEP_START}
    assert len(step_pids) == 1
    # It started its first step only after the command-line run had finished: no interleaving.
    cli_end = max(e.timestamp for e in cli_events if e.dagster_event.event_type == dg.DagsterEventType.RUN_SUCCESS)
    sensor_first_step = min(e.timestamp for e in sensor_events
                            if e.dagster_event.event_type == dg.DagsterEventType.STEP_START)
    assert sensor_first_step >= cli_end

    with duckdb.connect(str(ws.analyst_db), read_only=True) as conn:
        history = conn.sql(
            "SELECT run_id, trigger, status, delivery_id FROM run_history ORDER BY published_at").fetchall()
        [(published_delivery, published_run)] = conn.sql("SELECT delivery_id, run_id FROM run").fetchall()
        quarantined_from = conn.sql("SELECT DISTINCT delivery_id FROM quarantine").fetchall()
    assert history == [(cli_run.run_id, "cli", "published", OLDER), (sensor_run.run_id, "sensor", "published", NEWER)]
    assert (published_delivery, published_run) == (NEWER, sensor_run.run_id)
    # The published file holds the newer delivery's rows only, not a mix.
    assert quarantined_from == [(NEWER,)]
    # Both deliveries are recorded as processed: the sensor will not run the CLI's again.
    processed = json.loads((ws.warehouse / "deliveries.json").read_text())["deliveries"]
    assert {k: v["run_id"] for k, v in processed.items()} == {OLDER: cli_run.run_id, NEWER: sensor_run.run_id}
