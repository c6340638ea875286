"""End-to-end benchmark: the whole refresh on generated deliveries of growing size.

For each size, generates a delivery (cached under benchmarks/out/), runs the whole
pipeline in a fresh child process (as `csenet run` would) and records wall time per
stage, total wall time and the child's peak resident memory. Results go to
benchmarks/out/pipeline_<people>.json and a Markdown table on stdout, for
benchmarks/README.md.

    .venv/bin/python benchmarks/pipeline_benchmark.py --people 78000 390000 800000

~1.28 person records per generated person at scale, so these are ~100k, 500k, 1M records.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "benchmarks" / "out"

# Runs inside the child: the pipeline on the workspace named by the environment,
# then per-stage wall time from Dagster's step stats and the process's peak RSS.
CHILD = r"""
import json, resource, sys, time
import dagster as dg
from csenet_dagster.pipeline import run_pipeline

STAGE = {"raw": "ingest", "er": "resolve", "net": "network", "harm": "harm", "pub": "publish", "publish": "publish"}
instance = dg.DagsterInstance.ephemeral()
started = time.monotonic()
result = run_pipeline(instance=instance, raise_on_error=False, console_log_level="CRITICAL")
wall = time.monotonic() - started
stages, steps = {}, {}
for stat in instance.get_run_step_stats(result.run_id):
    seconds = (stat.end_time or stat.start_time) - stat.start_time
    prefix = stat.step_key.split("__", 1)[0]
    stage = STAGE.get(prefix, "checks")
    stages[stage] = stages.get(stage, 0.0) + seconds
    steps[stat.step_key] = round(seconds, 2)
failed = [e.step_key for e in result.all_events if e.is_step_failure]
print(json.dumps({
    "success": result.success, "failed_steps": failed, "run_wall_s": round(wall, 1),
    "stage_s": {k: round(v, 1) for k, v in sorted(stages.items())},
    "slowest_steps_s": dict(sorted(steps.items(), key=lambda kv: -kv[1])[:12]),
    # the second run of network and harm for exports and dossiers (csenet_dagster/network/shareable.py)
    "shareable_picture_s": {k: v for k, v in sorted(steps.items()) if k.endswith("__shareable")},
    "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2, 2),
}))
"""


PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv",
                "vehicle.csv", "ocg_member.csv")


def person_rows(delivery: Path) -> int:
    """Rows of the person files (mentions): one person record may appear in many."""
    manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    return sum(manifest["files"][name]["rows"] for name in PERSON_FILES)


def person_records(delivery: Path) -> int:
    """Distinct person_refs: the contract's person records (rows of analyst.nominal_record)."""
    refs: set[str] = set()
    for name in PERSON_FILES:
        with open(delivery / name, newline="", encoding="utf-8") as handle:
            refs.update(row["person_ref"] for row in csv.DictReader(handle) if row["person_ref"])
    return len(refs)


def generate(people: int, seed: int) -> tuple[Path, float]:
    root = OUT / f"gen_{people}_{seed}"
    if (root / "landing").exists():
        return root, 0.0
    from csenet_dagster.generator import generate as make

    shutil.rmtree(root, ignore_errors=True)
    started = time.monotonic()
    make(root, people=people, seed=seed)
    return root, time.monotonic() - started


def bench(people: int, seed: int) -> dict:
    gen_root, gen_s = generate(people, seed)
    ws = OUT / f"run_{people}_{seed}"
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    shutil.copytree(gen_root / "landing", ws / "landing")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSENET_") and k != "DAGSTER_HOME"}
    env.update(CSENET_LANDING_DIR=str(ws / "landing"), CSENET_WAREHOUSE_DIR=str(ws / "warehouse"),
               CSENET_CORRECTIONS_DIR=str(ws / "corrections"))
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    child = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=REPO, capture_output=True, text=True)
    total = time.monotonic() - started
    if child.returncode != 0:
        raise RuntimeError(f"pipeline child failed (exit {child.returncode}): {child.stderr[-2000:]}")
    measured = json.loads(child.stdout.strip().splitlines()[-1])
    delivery = next(p for p in (ws / "landing").iterdir() if p.is_dir())
    warehouse = ws / "warehouse"
    result = {
        "people": people, "seed": seed, "person_records": person_records(delivery), "person_rows": person_rows(delivery),
        "generate_s": round(gen_s, 1), "process_wall_s": round(total, 1), **measured,
        "analyst_db_mb": round((warehouse / "analyst.duckdb").stat().st_size / 1e6, 1)
        if (warehouse / "analyst.duckdb").exists() else None,
        "work_db_mb": round((warehouse / "work.duckdb").stat().st_size / 1e6, 1),
        "load_avg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024 ** 3:.0f} GB RAM",
    }
    (OUT / f"pipeline_{people}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    shutil.rmtree(ws, ignore_errors=True)
    return result


def table(results: list[dict]) -> str:
    stages = ("ingest", "resolve", "network", "harm", "publish", "checks")
    lines = ["| people | person records | person rows | " + " | ".join(f"{s} s" for s in stages)
             + " | run wall s | peak RSS GB | ok |",
             "|" + " --- |" * (len(stages) + 6)]
    for r in results:
        lines.append(f"| {r['people']:,} | {r['person_records']:,} | {r.get('person_rows', 0):,} | "
                     + " | ".join(f"{r['stage_s'].get(s, 0):.0f}" for s in stages)
                     + f" | {r['run_wall_s']:.0f} | {r['peak_rss_gb']:.2f} | {'yes' if r['success'] else 'FAILED ' + ','.join(r['failed_steps'])} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[78_000, 390_000, 800_000])
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for people in args.people:
        result = bench(people, args.seed)
        print(json.dumps(result), flush=True)
        results.append(result)
    print(table(results))


if __name__ == "__main__":
    main()
