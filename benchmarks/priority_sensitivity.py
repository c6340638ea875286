"""How the ranking of networks moves when each priority point weight is halved or doubled.

    python benchmarks/priority_sensitivity.py [--people 20000] [--seed 5] [--workdir /tmp/csenet_sensitivity]

Generates a synthetic delivery (denser planting than the default world, as the
harm quality tests use: one network per 800 people, 60% tied to an OCG), runs
the whole pipeline once with default settings, then re-ranks the networks
(sql/4_harm/08_network_priority.sql only, on a copy of the working database)
with each threat-point weight of the `harm` settings halved and doubled, and
with every threat point off (harm only). For each variant it reports, against
the default ranking:

* Kendall's tau of the priority ranks (1 = same order);
* overlap of the top 5 and the top 10 networks;
* the largest move of one network and how many networks change rank;
* Spearman's rho of the priority score against the generator's truth order
  (each planted network's crimes x bundled weight x recency; harm only, so it
  cannot see victims, missing children, growth or OCG links: read it as "how
  far a weight pulls the order away from pure harm", not as accuracy).

Prints a markdown table (pasted into docs/harm_and_priority.md) and writes it
to ``<workdir>/priority_sensitivity.md``. Deterministic for a given delivery.
Run it alone, niced: it takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

WEIGHTS = ("points_per_recent_victim", "points_per_missing_child", "points_per_new_member", "points_per_ocg_link")
FACTORS = (0.5, 2.0)
DENSER_WORLD = {"generator": {"people_per_network": 800, "network_ocg_link_share": 0.6}}


def kendall_tau(a: dict[str, int], b: dict[str, int]) -> float:
    """Kendall's tau-a between two rankings of the same ids (ranks have no ties)."""
    ids = sorted(a)
    n = len(ids)
    if n < 2:
        return 1.0
    concordant = discordant = 0
    for i in range(n):
        for j in range(i + 1, n):
            x, y = ids[i], ids[j]
            s = (a[x] - a[y]) * (b[x] - b[y])
            concordant += s > 0
            discordant += s < 0
    return (concordant - discordant) / (n * (n - 1) / 2)


def top(ranks: dict[str, int], k: int) -> set[str]:
    return {n for n, r in ranks.items() if r <= k}


def prepare(workdir: Path, people: int, seed: int) -> Path:
    """Generate the delivery and run the pipeline once; returns the workspace folder."""
    from csenet_dagster.generator import generate
    from csenet_dagster.pipeline import run_pipeline

    ws = workdir / f"world_{people}_{seed}"
    if (ws / "warehouse" / "analyst.duckdb").exists():
        return ws
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    generator_settings = ws / "generator_settings.json"
    generator_settings.write_text(json.dumps(DENSER_WORLD), encoding="utf-8")
    os.environ["CSENET_SETTINGS_FILE"] = str(generator_settings)
    generate(ws, people=people, seed=seed)
    os.environ.pop("CSENET_SETTINGS_FILE")
    run_pipeline()
    return ws


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/csenet_sensitivity"))
    args = parser.parse_args()
    ws = args.workdir / f"world_{args.people}_{args.seed}"
    os.environ["CSENET_LANDING_DIR"] = str(ws / "landing")
    os.environ["CSENET_WAREHOUSE_DIR"] = str(ws / "warehouse")
    os.environ["CSENET_CORRECTIONS_DIR"] = str(ws / "corrections")
    os.environ.pop("CSENET_SETTINGS_FILE", None)
    started = time.time()
    prepare(args.workdir, args.people, args.seed)
    prepared = time.time() - started

    from test_harm_quality import priority_vs_truth

    from csenet_dagster import db
    from csenet_dagster.harm import config
    from csenet_dagster.harm.priority import priority_params

    copy = ws / "sensitivity.duckdb"
    shutil.copy(ws / "warehouse" / "work.duckdb", copy)
    base = config.load()
    rows = []
    with db.connect(copy) as conn:
        def rank(cfg) -> tuple[dict[str, int], float]:
            db.run_sql(conn, "4_harm/08_network_priority.sql", **priority_params(conn, cfg))
            ranks = dict(conn.sql("SELECT network_id, priority_rank FROM harm.network_priority").fetchall())
            return ranks, priority_vs_truth(conn, ws / "truth")["spearman"]

        baseline, base_rho = rank(base)
        shares = dict(conn.sql(
            "SELECT component, sum(contribution) / sum(sum(contribution)) OVER () FROM harm.explanation "
            "WHERE subject_kind = 'NETWORK' AND section = 'SCORE' GROUP BY component ORDER BY component"
        ).fetchall())
        variants = [(w, f, dataclasses.replace(base, **{w: getattr(base, w) * f})) for w in WEIGHTS for f in FACTORS]
        variants.append(("all threat points", 0.0, dataclasses.replace(base, **{w: 0.0 for w in WEIGHTS})))
        for weight, factor, cfg in variants:
            ranks, rho = rank(cfg)
            moves = [abs(ranks[n] - baseline[n]) for n in baseline]
            rows.append({
                "weight": weight, "factor": factor,
                "value": getattr(cfg, weight) if weight in WEIGHTS else 0.0,
                "tau": kendall_tau(baseline, ranks),
                "top5": len(top(baseline, 5) & top(ranks, 5)),
                "top10": len(top(baseline, 10) & top(ranks, 10)),
                "max_move": max(moves) if moves else 0,
                "n_moved": sum(m > 0 for m in moves),
                "rho": rho,
            })
    copy.unlink()
    n = len(baseline)
    lines = [
        f"Delivery: {args.people:,} people, seed {args.seed}, one planted network per 800 people; "
        f"{n} networks ranked. Default ranking's Spearman vs truth (harm-only order): {base_rho:.3f}. "
        "Share of all network priority points by part at default weights: "
        + ", ".join(f"{c} {s:.1%}" for c, s in shares.items()) + ".",
        "",
        "| weight | x | value | Kendall tau | top 5 kept | top 10 kept | largest move | networks moved | Spearman vs truth |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['weight']} | {r['factor']:g} | {r['value']:g} | {r['tau']:.3f} | {r['top5']} / {min(5, n)} | "
            f"{r['top10']} / {min(10, n)} | {r['max_move']} | {r['n_moved']} / {n} | {r['rho']:.3f} |"
        )
    table = "\n".join(lines)
    (args.workdir / "priority_sensitivity.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"\n(pipeline {prepared:.0f} s, re-ranking {time.time() - started - prepared:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
