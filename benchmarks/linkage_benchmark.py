"""Entity-resolution benchmark: wall time and peak memory of the resolve stage.

    .venv/bin/python benchmarks/linkage_benchmark.py --people 100000
    .venv/bin/python benchmarks/linkage_benchmark.py --people 800000   # ~1.03M person records

A synthetic delivery is generated and ingested in a child process (cached
under --workdir), then the resolve steps run in this process on the working
database, so the peak resident memory reported is the resolve stage's own.
Pairwise quality against the generator's truth is printed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

PREPARE = """
import os, sys
from pathlib import Path
import dagster as dg
from csenet_dagster.generator import generate
from csenet_dagster import ingest
from csenet_dagster.ops.resource import duckdb_resource
root, people, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
if not (root / "truth").exists():
    generate(root, people=people, seed=seed)
dg.materialize(ingest.ASSETS, resources={"duckdb": duckdb_resource()},
               instance=dg.DagsterInstance.ephemeral(), raise_on_error=True)
"""


def prepare(root: Path, people: int, seed: int) -> float:
    """Generate and ingest the delivery (child process); returns wall seconds."""
    if (root / "warehouse" / "work.duckdb").exists():
        return 0.0
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", PREPARE, str(root), str(people), str(seed)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    args = parser.parse_args()

    root = (args.workdir / f"linkage_{args.people}_{args.seed}").resolve()
    os.environ["CSENET_LANDING_DIR"] = str(root / "landing")
    os.environ["CSENET_WAREHOUSE_DIR"] = str(root / "warehouse")
    os.environ["CSENET_CORRECTIONS_DIR"] = str(root / "corrections")
    prepare_seconds = prepare(root, args.people, args.seed)

    from csenet_dagster import db, settings
    from csenet_dagster.previous import snapshot
    from csenet_dagster.resolve import quality, steps
    from csenet_dagster.resolve.config import ResolveSettings

    cfg = settings.load(ResolveSettings)
    conn = db.connect()
    timings: dict[str, float] = {}
    counts: dict[str, dict] = {}
    run = [
        ("person_record", lambda: steps.build_person_record(conn)),
        ("person_std", lambda: steps.standardise(conn)),
        ("match_pair", lambda: steps.score_pairs(conn, cfg)),
        ("previous_run", lambda: snapshot.take(conn, analyst_db=root / "none.duckdb")),
        ("nominal_record", lambda: steps.build_nominal_record(conn, cfg)),
        ("nominal", lambda: steps.build_nominal(conn)),
        ("nominal_change", lambda: steps.build_nominal_change(conn)),
    ]
    total = time.perf_counter()
    for name, step in run:
        start = time.perf_counter()
        out = step()
        timings[name] = round(time.perf_counter() - start, 1)
        counts[name] = {k: v for k, v in out.items() if isinstance(v, (int, float))}
        print(f"{name:15s} {timings[name]:8.1f} s  {counts[name]}", flush=True)
    total_seconds = round(time.perf_counter() - total, 1)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    scores = quality.pairwise_scores(conn, root / "truth" / "person_ref.csv")
    conn.close()

    report = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "people": args.people,
        "seed": args.seed,
        "person_records": counts["person_record"]["person_records"],
        "pairs_kept": counts["match_pair"]["pairs_kept"],
        "nominals": counts["nominal_record"]["nominals"],
        "prepare_seconds": round(prepare_seconds, 1),
        "resolve_seconds": total_seconds,
        "step_seconds": timings,
        "peak_rss_mib": round(peak_mib),
        "precision": round(scores["all"].precision, 4),
        "recall": round(scores["all"].recall, 4),
        "f1": round(scores["all"].f1, 4),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
