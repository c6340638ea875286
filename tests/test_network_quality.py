"""Network quality against the generator's truth (slow: >= 20,000 people).

Measured per planted person (truth/person_ref.csv maps records to people):
offender recall, cohesion of each planted network, wrong merges and
background people swept into CSE networks. docs/network.md reports them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import polars as pl
import pytest

from csenet_dagster import db

OFFENCE_CODES = Path(__file__).resolve().parent.parent / "csenet_dagster" / "reference" / "offence_codes.csv"


def measure_network_quality(truth_dir: Path, work_db: Path) -> dict[str, float]:
    person_ref = pl.read_csv(truth_dir / "person_ref.csv", infer_schema=False)
    person = pl.read_csv(truth_dir / "person.csv", infer_schema=False)
    planted = pl.read_csv(truth_dir / "network_member.csv", infer_schema=False)
    conn = db.connect(work_db, read_only=True)
    try:
        nominal_record = conn.sql("SELECT person_ref, nominal_id FROM er.nominal_record").pl()
        member = conn.sql("SELECT nominal_id, network_id FROM net.network_member").pl()
    finally:
        conn.close()
    # a person is placed in the output network holding most of their records'
    # nominals (records in no network count only when none is in a network)
    placed = (
        person_ref.join(nominal_record, on="person_ref")
        .join(member, on="nominal_id", how="left")
        .group_by("person_id", "network_id").len()
        .with_columns(pl.col("network_id").is_null().alias("outside"))
        .sort(["person_id", "outside", "len", "network_id"], descending=[False, False, True, False])
        .unique("person_id", keep="first", maintain_order=True)
    )
    network_of = dict(zip(placed["person_id"], placed["network_id"]))
    offenders = planted.filter(pl.col("role") == "OFFENDER")
    by_planted: dict[str, list[str | None]] = defaultdict(list)
    for network_id, person_id in zip(offenders["network_id"], offenders["person_id"]):
        by_planted[network_id].append(network_of.get(person_id))
    found = sum(n is not None for nets in by_planted.values() for n in nets)
    total = sum(len(nets) for nets in by_planted.values())
    cohesion = []
    main_output: dict[str, str | None] = {}
    for network_id, nets in sorted(by_planted.items()):
        counts = Counter(n for n in nets if n is not None)
        best, best_n = (counts.most_common(1)[0] if counts else (None, 0))
        cohesion.append(best_n / len(nets))
        main_output[network_id] = best
    # planted networks sharing an output network with another planted network's offenders
    planted_in_output: dict[str, set[str]] = defaultdict(set)
    for network_id, nets in by_planted.items():
        for n in nets:
            if n is not None:
                planted_in_output[n].add(network_id)
    merged = {p for ps in planted_in_output.values() if len(ps) > 1 for p in ps}
    # Offenders the delivery itself accuses of a CSE offence: the recorded offender of a planted
    # network crime with a CSE code. Some planted offenders carry only non-CSE crimes and
    # intelligence below the credibility rule; by design (issue 10) nobody may call them
    # OFFENDER, so a small world's recall over all planted offenders measures the generator's
    # draw as much as the product.
    cse_codes = {r[0] for r in pl.read_csv(OFFENCE_CODES, infer_schema=False)
                 .filter(pl.col("is_cse_offence") == "Y").select("offence_code").iter_rows()}
    offences = pl.read_csv(truth_dir / "network_offence.csv", infer_schema=False)
    accused = set(offences.filter(pl.col("offence_code").is_in(sorted(cse_codes)))["offender_person_id"].drop_nulls())
    evidenced = [network_of.get(p) for p in offenders["person_id"] if p in accused]
    kinds = dict(zip(person["person_id"], person["kind"]))
    in_networks = [p for p, n in network_of.items() if n is not None]
    background = sum(kinds.get(p) == "BACKGROUND" for p in in_networks)
    victims = planted.filter(pl.col("role") == "VICTIM")["person_id"].to_list()
    return {
        "planted_networks": len(by_planted),
        "output_networks": member["network_id"].n_unique(),
        "offender_recall": found / total if total else 0.0,
        "evidenced_offender_recall": sum(n is not None for n in evidenced) / max(1, len(evidenced)),
        "n_evidenced_offenders": len(evidenced),
        "victim_recall": sum(network_of.get(v) is not None for v in victims) / max(1, len(victims)),
        "mean_cohesion": sum(cohesion) / len(cohesion) if cohesion else 0.0,
        "min_cohesion": min(cohesion, default=0.0),
        "planted_networks_merged": len(merged),
        "people_in_networks": len(in_networks),
        "background_in_networks": background,
        "background_share_of_members": background / max(1, len(in_networks)),
    }


# Targets of issue 4 (docs/network.md reports the measured values).
OFFENDER_RECALL_TARGET = 0.95
COHESION_TARGET = 0.85
BACKGROUND_SHARE_LIMIT = 0.05


@pytest.mark.slow
def test_cse_networks_match_planted_truth(quality_pipeline_run):
    ws = quality_pipeline_run
    quality = measure_network_quality(ws.truth, ws.work_db)
    assert quality["offender_recall"] >= OFFENDER_RECALL_TARGET, quality
    assert quality["mean_cohesion"] >= COHESION_TARGET, quality
    assert quality["planted_networks_merged"] == 0, quality
    assert quality["background_share_of_members"] <= BACKGROUND_SHARE_LIMIT, quality
    # the generator's hostel and taxi firm's phone are held by many: they link nobody
    with db.connect(ws.work_db, read_only=True) as conn:
        too_common = dict(conn.sql("SELECT link_type, n_too_common FROM net.shared_attribute_summary").fetchall())
        # shared-attribute evidence not explained by an attribute held by at most 6 nominals
        busy_links = conn.sql(
            """SELECT count(*) FROM net.edge_evidence AS e
               WHERE e.link_type LIKE 'SHARED_%' AND NOT EXISTS (
                   SELECT 1 FROM net.shared_attribute_holder AS a
                   JOIN net.shared_attribute_holder AS b
                     ON b.link_type = a.link_type AND b.attribute = a.attribute
                   WHERE a.link_type = e.link_type AND a.nominal_id = e.nominal_id_a
                     AND b.nominal_id = e.nominal_id_b AND a.n_holders <= 6)"""
        ).fetchall()[0][0]
    assert too_common["SHARED_ADDRESS"] >= 1 and too_common["SHARED_PHONE"] >= 1, too_common
    assert busy_links == 0


def test_small_delivery_networks_are_planted_ones(small_run):
    """The shared small run (600 people, 3 planted networks): every output network
    is mostly planted people and no two planted networks are merged."""
    quality = measure_network_quality(small_run.truth, small_run.work_db)
    assert quality["output_networks"] >= 1, quality
    assert quality["planted_networks_merged"] == 0, quality
    # 600 people: recall over the offenders the delivery accuses of a CSE offence (all
    # planted offenders, the stricter measure, is asserted at 20k people above)
    assert quality["evidenced_offender_recall"] >= 0.9, quality
    assert quality["background_share_of_members"] <= 0.2, quality
