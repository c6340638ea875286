"""A refresh started the way the UI and the sensor start it, against `csenet run`.

For one generated delivery (cached under benchmarks/out/), in a fresh warehouse each time:

1. `csenet run` in a child process: wall time from process start to exit, and the
   Dagster run's own time (run start to run success, from the instance).
2. The UI/sensor way: a fresh DAGSTER_HOME with the deployment's dagster.yaml and
   `dagster-daemon run`; the delivery sensor requests the run, the queued run
   coordinator dequeues it, the default run launcher starts a run worker
   (`dagster api execute_run`), which executes the job with its own executor.
   Measured: from the run's creation (the sensor's RunRequest) to its end, and
   the run's own time (start to success).

Target (issue 12): the second within 1.3x of the first. Results:
benchmarks/out/launch_<people>.json and one line of Markdown on stdout.

    .venv/bin/python benchmarks/pipeline_launch_benchmark.py --people 3000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO))


def _env(ws: Path, home: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSENET_") and k != "DAGSTER_HOME"}
    env.update(CSENET_LANDING_DIR=str(ws / "landing"), CSENET_WAREHOUSE_DIR=str(ws / "warehouse"),
               CSENET_CORRECTIONS_DIR=str(ws / "corrections"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    if home is not None:
        env["DAGSTER_HOME"] = str(home)
        settings_file = ws / "settings.json"
        settings_file.write_text(json.dumps({"ops": {"sensor_interval_seconds": 5}}))
        env["CSENET_SETTINGS_FILE"] = str(settings_file)
    return env


def _fresh(gen_root: Path, name: str) -> Path:
    ws = OUT / name
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    shutil.copytree(gen_root / "landing", ws / "landing")
    (ws / "corrections").mkdir()
    return ws


def _run_times(home: Path, trigger_prefix: str) -> dict:
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(home))
    try:
        runs = [r for r in instance.get_runs() if r.tags.get("csenet/trigger", "").startswith(trigger_prefix)]
        if not runs or not all(r.is_finished for r in runs):
            return {}
        [run] = runs
        record = instance.get_run_records(dg.RunsFilter(run_ids=[run.run_id]))[0]
        stats = instance.get_run_stats(run.run_id)
        return {
            "status": run.status.value,
            "created_to_end_s": round(stats.end_time - record.create_timestamp.timestamp(), 1),
            "run_s": round(stats.end_time - stats.start_time, 1),
            "step_processes": len({e.dagster_event.pid for e in instance.all_logs(run.run_id)
                                   if e.dagster_event is not None and e.dagster_event.is_step_start}),
        }
    finally:
        instance.dispose()


def bench(people: int, seed: int) -> dict:
    from pipeline_benchmark import generate, person_records

    gen_root, _ = generate(people, seed)
    delivery = next(p for p in (gen_root / "landing").iterdir() if p.is_dir())

    # 1. csenet run (with a DAGSTER_HOME, so the run's own times are recorded like the daemon's)
    ws = _fresh(gen_root, f"launch_cli_{people}")
    home = ws / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home)
    env = _env(ws, home)
    started = time.monotonic()
    cli = subprocess.run([str(BIN / "csenet"), "run"], env=env, cwd=ws, capture_output=True, text=True)
    cli_wall = time.monotonic() - started
    if cli.returncode != 0:
        raise RuntimeError(f"csenet run failed: {cli.stderr[-2000:]}")
    cli_times = _run_times(home, "cli")

    # 2. the daemon: sensor -> queue -> run launcher -> run worker
    ws = _fresh(gen_root, f"launch_daemon_{people}")
    home = ws / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home)
    env = _env(ws, home)
    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "csenet_dagster.definitions"], env=env,
                              cwd=ws, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 3600
        daemon_times: dict = {}
        while time.monotonic() < deadline and not daemon_times:
            time.sleep(5)
            daemon_times = _run_times(home, "sensor")
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=120)
    result = {
        "people": people, "seed": seed, "person_records": person_records(delivery),
        "cli_process_wall_s": round(cli_wall, 1), "cli": cli_times, "daemon": daemon_times,
        "ratio_run_s": round(daemon_times["run_s"] / cli_times["run_s"], 2),
        "ratio_daemon_created_to_end_vs_cli_process": round(daemon_times["created_to_end_s"] / cli_wall, 2),
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    (OUT / f"launch_{people}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(REPO / "benchmarks"))
    r = bench(args.people, args.seed)
    print(json.dumps(r))
    print(f"| {r['people']:,} | {r['person_records']:,} | {r['cli_process_wall_s']} | {r['cli']['run_s']} | "
          f"{r['daemon']['created_to_end_s']} | {r['daemon']['run_s']} | {r['daemon']['step_processes']} | "
          f"{r['ratio_run_s']} | {r['ratio_daemon_created_to_end_vs_cli_process']} |")


if __name__ == "__main__":
    main()
