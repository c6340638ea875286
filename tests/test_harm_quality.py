"""Harm stage against the generator's truth: priority order and SOC links.

Truth order of networks: sum over truth/network_offence.csv crimes (each once)
of the offence's harm weight x recency decay from extracted_at, i.e. the harm
the planted network really did, weighted as the method says (a CSE crime ages
from the later of its committed and recorded dates, never below the floor:
delayed disclosure, docs/harm_and_priority.md). Our networks are
matched to planted ones by majority of members (person_ref -> person_id).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from csenet_dagster import db
from csenet_dagster import reference_files
from csenet_dagster.harm import config

QUALITY_PEOPLE = 20000
QUALITY_SEED = 5


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def match_networks(conn, truth: Path) -> dict[str, tuple[str, int]]:
    """Our network_id -> (planted network_id, overlapping members), by majority of members."""
    ref_person = {r["person_ref"]: r["person_id"] for r in read_csv(truth / "person_ref.csv")}
    person_network = {r["person_id"]: r["network_id"] for r in read_csv(truth / "network_member.csv")}
    votes: dict[str, Counter] = defaultdict(Counter)
    rows = conn.sql(
        """SELECT m.network_id, m.nominal_id, nr.person_ref
           FROM net.network_member AS m JOIN er.nominal_record AS nr ON nr.nominal_id = m.nominal_id
           ORDER BY m.network_id, m.nominal_id, nr.person_ref"""
    ).fetchall()
    seen = set()
    for network_id, nominal_id, person_ref in rows:
        planted = person_network.get(ref_person.get(person_ref, ""))
        if planted and (network_id, nominal_id) not in seen:
            seen.add((network_id, nominal_id))
            votes[network_id][planted] += 1
    return {n: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for n, c in votes.items()}


def truth_harm(truth: Path, extracted_at: dt.datetime, cfg: config.HarmSettings) -> dict[str, float]:
    """Planted network -> recency-weighted harm of its true crimes (each crime once)."""
    weight = {w.offence_code: w.harm_days for w in reference_files.load_weights(reference_files.weights_path(cfg.weights_file))}
    crimes = {(r["network_id"], r["crime_ref"]): r for r in read_csv(truth / "network_offence.csv")}
    harm: dict[str, float] = defaultdict(float)
    for (network_id, _), r in sorted(crimes.items()):
        known = max(dt.date.fromisoformat(r["committed_date"]), dt.date.fromisoformat(r["recorded_date"]))
        age = max((extracted_at.date() - known).days, 0)
        recency = max(cfg.cse_recency_floor, 0.5 ** (age / cfg.recency_half_life_days))
        harm[network_id] += weight[reference_files.normalise_code(r["offence_code"])] * recency
    for r in read_csv(truth / "network.csv"):
        harm.setdefault(r["network_id"], 0.0)
    return dict(harm)


def priority_vs_truth(conn, truth: Path) -> dict:
    """Spearman correlation of our priority with the truth order, over planted networks we found."""
    from scipy.stats import spearmanr

    cfg = config.load()
    matched = match_networks(conn, truth)
    true_harm = truth_harm(truth, db.extracted_at(conn), cfg)
    score = dict(conn.sql("SELECT network_id, priority_score FROM harm.network_priority").fetchall())
    # each planted network scored by the found network holding most of its members
    best: dict[str, tuple[int, float]] = {}
    for ours, (planted, overlap) in matched.items():
        if planted not in best or overlap > best[planted][0]:
            best[planted] = (overlap, score[ours])
    planted_ids = sorted(best)
    rho = spearmanr([true_harm[p] for p in planted_ids], [best[p][1] for p in planted_ids]).statistic
    return {"spearman": float(rho), "n_planted": len(true_harm), "n_found": len(planted_ids)}


def soc_vs_truth(conn, truth: Path) -> dict:
    """SOC links against truth/network_ocg.csv, over planted networks the pipeline found.

    recall: true (network, OCG) pairs we link by any kind (a TWO_STEP link through an
    unmapped OCG member still points the analyst at the right group);
    precision: our SHARED_MEMBER / DIRECT_LINK claims that are true; precision_any_kind
    also counts TWO_STEP; strict_recall counts SHARED_MEMBER / DIRECT_LINK only (the
    truth's DIRECT_LINK often runs through an OCG member the force has not mapped,
    which the pipeline can only see as TWO_STEP).
    """
    matched = match_networks(conn, truth)
    found_planted = {planted for planted, _ in matched.values()}
    truth_pairs = {(r["network_id"], r["ocg_ref"]) for r in read_csv(truth / "network_ocg.csv")}
    ours = conn.sql("SELECT network_id, ocg_ref, link_kind FROM harm.soc_link").fetchall()
    claimed = {(matched[n][0], o) for n, o, kind in ours if n in matched and kind != "TWO_STEP"}
    any_kind = {(matched[n][0], o) for n, o, _ in ours if n in matched}
    two_step = any_kind - claimed
    reachable = {p for p in truth_pairs if p[0] in found_planted}
    return {
        "recall": len(any_kind & reachable) / len(reachable) if reachable else 1.0,
        "strict_recall": len(claimed & reachable) / len(reachable) if reachable else 1.0,
        "precision": len(claimed & truth_pairs) / len(claimed) if claimed else 1.0,
        "precision_any_kind": len(any_kind & truth_pairs) / len(any_kind) if any_kind else 1.0,
        "n_truth": len(truth_pairs),
        "n_reachable": len(reachable),
        "n_claimed": len(claimed),
        "n_two_step_only": len(two_step),
        "n_two_step_only_true": len(two_step & truth_pairs),
    }


def test_small_run_publishes_harm_priority_and_soc_link(small_run):
    with db.connect(small_run.work_db, read_only=True) as conn:
        n_networks = db.row_count(conn, "net.network")
        ranks = [r[0] for r in conn.sql("SELECT priority_rank FROM harm.network_priority ORDER BY 1").fetchall()]
        assert ranks == list(range(1, n_networks + 1))
        assert db.scalar(conn, "SELECT count(*) FROM harm.crime_harm WHERE harm_days IS NULL") == 0
        top = db.scalar(conn, "SELECT network_id FROM harm.network_priority WHERE priority_rank = 1")
    with db.connect(small_run.analyst_db, read_only=True) as analyst:
        cols = {r[0] for r in analyst.sql("DESCRIBE soc_link").fetchall()}
        assert {"network_id", "ocg_ref", "link_kind", "strength"} <= cols
        assert db.scalar(analyst, "SELECT count(*) FROM network WHERE harm_score IS NULL OR priority_rank IS NULL") == 0
    assert (small_run.warehouse / "exports" / "dossiers" / f"{top}.html").exists()


# Denser than the default world (one network per 800 people, 60% tied to an OCG)
# so 20,000 people give ~25 planted networks and ~13 true SOC links to score.
QUALITY_GENERATOR = {"generator": {"people_per_network": 800, "network_ocg_link_share": 0.6}}


@pytest.fixture(scope="module")
def quality_run(tmp_path_factory):
    from conftest import clone_workspace, use_workspace
    from csenet_dagster.generator import generate
    from csenet_dagster.pipeline import run_pipeline

    source = tmp_path_factory.mktemp("harm_quality_gen")
    generator_settings = source / "generator_settings.json"
    generator_settings.write_text(json.dumps(QUALITY_GENERATOR), encoding="utf-8")
    saved = os.environ.get("CSENET_SETTINGS_FILE")
    os.environ["CSENET_SETTINGS_FILE"] = str(generator_settings)
    try:
        generate(source, people=QUALITY_PEOPLE, seed=QUALITY_SEED)
    finally:
        if saved is None:
            os.environ.pop("CSENET_SETTINGS_FILE", None)
        else:
            os.environ["CSENET_SETTINGS_FILE"] = saved
    ws = clone_workspace(source, tmp_path_factory.mktemp("harm_quality"))
    with use_workspace(ws):  # the pipeline itself runs with default settings
        run_pipeline()
    return ws


@pytest.mark.slow
def test_priority_order_follows_true_harm_and_recency(quality_run):
    with db.connect(quality_run.work_db, read_only=True) as conn:
        result = priority_vs_truth(conn, quality_run.truth)
    print("harm priority vs truth:", result)  # the figures docs/harm_and_priority.md reports
    assert result["n_found"] >= 0.8 * result["n_planted"], result
    assert result["spearman"] >= 0.7, result


@pytest.mark.slow
def test_soc_links_match_truth(quality_run):
    with db.connect(quality_run.work_db, read_only=True) as conn:
        result = soc_vs_truth(conn, quality_run.truth)
    print("SOC links vs truth:", result)
    assert result["n_reachable"] > 0, result
    assert result["recall"] >= 0.9, result
    assert result["precision"] >= 0.8, result
    assert result["precision_any_kind"] >= 0.8, result


@pytest.mark.slow
def test_successive_deliveries_list_what_changed(tmp_path):
    """Two snapshots of one world six months apart: the second run lists the new crimes."""
    from conftest import Workspace, use_workspace
    from csenet_dagster.generator import generate
    from csenet_dagster.pipeline import run_pipeline

    ws = Workspace(tmp_path / "ws")
    with use_workspace(ws):
        kwargs = dict(people=600, seed=11, world_until="2026-11-29T06:00:00Z")
        generate(tmp_path / "gen", delivery_id="2026-05-29T0600", extracted_at="2026-05-29T06:00:00Z", **kwargs)
        generate(tmp_path / "gen", delivery_id="2026-11-29T0600", extracted_at="2026-11-29T06:00:00Z", **kwargs)
        for delivery in ("2026-05-29T0600", "2026-11-29T0600"):
            shutil.copytree(tmp_path / "gen" / "landing" / delivery, ws.landing / delivery)
        run_pipeline("2026-05-29T0600")
        first_crimes = {r["crime_ref"] for r in read_csv(ws.landing / "2026-05-29T0600" / "crime.csv")}
        run_pipeline("2026-11-29T0600")
    with db.connect(ws.work_db, read_only=True) as conn:
        assert db.row_count(conn, "prev.run") == 1
        new_crimes = [r[0] for r in conn.sql(
            "SELECT item_ref FROM harm.explanation WHERE section = 'CHANGE' AND component = 'NEW_CRIME'").fetchall()]
        ranks = conn.sql("SELECT count(previous_rank) FROM harm.network_priority").fetchall()[0][0]
    assert new_crimes, "an active world gains crimes in six months"
    truly_new = [c for c in new_crimes if c not in first_crimes]
    assert len(truly_new) >= 0.8 * len(new_crimes), (len(truly_new), len(new_crimes))
    assert ranks > 0  # networks that persist show their previous rank
