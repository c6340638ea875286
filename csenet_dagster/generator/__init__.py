"""Synthetic delivery generator with ground truth.

``generate(out_dir, people, seed)`` writes a delivery in the force's extract
format (``out_dir/landing/<delivery_id>/``: 8 CSV files, then ``manifest.json``)
and, beside it, the truth the pipeline is tested against (``out_dir/truth/``).
The same (people, seed, delivery_id, extracted_at, settings) always give
byte-identical files: every random draw comes from seeded ``random.Random``
streams and every date is measured back from ``extracted_at``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import Counter
from pathlib import Path

from csenet_dagster import settings
from csenet_dagster.generator import pnc
from csenet_dagster.generator.output import DeliveryWriter
from csenet_dagster.generator.params import GeneratorParams
from csenet_dagster.generator.records import RecordMaker
from csenet_dagster.generator.reference import load as load_reference
from csenet_dagster.generator.world import World

__all__ = ["generate", "GeneratorParams", "pnc", "MIN_PEOPLE"]

MIN_PEOPLE = 50


def _as_of_day(extracted_at: str) -> int:
    try:
        moment = dt.datetime.fromisoformat(extracted_at.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"extracted_at must be an ISO timestamp such as 2026-11-29T06:00:00Z: {exc}") from exc
    return moment.date().toordinal()


def generate(
    out_dir: Path,
    people: int,
    seed: int,
    delivery_id: str = "2026-11-29T0600",
    extracted_at: str = "2026-11-29T06:00:00Z",
    world_until: str | None = None,
) -> Path:
    """Write a synthetic delivery and its truth under ``out_dir``; returns the delivery folder.

    ``world_until`` (default ``extracted_at``) is when the synthetic world ends. A delivery
    whose ``extracted_at`` is earlier is a snapshot of that same world: it holds the events
    before ``extracted_at`` only, with the same refs and record values, so successive
    deliveries of one (people, seed, world_until) behave like real successive extracts.
    The truth of a snapshot goes to ``truth/<delivery_id>/`` (``truth/`` is the full world's).
    """
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE} (got {people})")
    params = settings.load(GeneratorParams)
    ref = load_reference()
    cutoff = _as_of_day(extracted_at)
    world_end = _as_of_day(world_until) if world_until else cutoff
    if cutoff > world_end:
        raise ValueError(f"extracted_at {extracted_at} is after world_until {world_until}")
    out_dir = Path(out_dir)
    landing = out_dir / "landing" / delivery_id
    truth = out_dir / "truth" if cutoff == world_end else out_dir / "truth" / delivery_id
    if (landing / "manifest.json").exists():
        (landing / "manifest.json").unlink()  # the folder is incomplete until rewritten
    landing.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    for stale in truth.iterdir():
        if stale.is_file():
            stale.unlink()

    world = World(random.Random(f"csenet:{seed}:world"), ref, params, world_end)
    world.build(people)
    maker = RecordMaker(random.Random(f"csenet:{seed}:records"), ref, params, world)
    maker.build()
    writer = DeliveryWriter(random.Random(f"csenet:{seed}:output"), world, maker, landing, truth, cutoff)
    writer.write_delivery()
    # dirt is drawn per delivery: successive extracts of one world break different rows
    expected = writer.inject_dirt(random.Random(f"csenet:{seed}:dirt:{delivery_id}"),
                                  params.dirty_row_rate, params.dirty_min_rows_per_file)
    writer.write_files()
    delivered = [maker.records[i] for i in writer.delivered]
    writer.write_truth({
        "people": people, "seed": seed, "delivery_id": delivery_id, "extracted_at": extracted_at,
        "world_until": world_until or extracted_at,
        "params": dataclasses.asdict(params),
        "counts": {
            "persons": len({r.pid for r in delivered}),
            "person_records": len(delivered),
            "networks": len(world.networks),
            "ocgs": len(world.ocgs),
            "records_dob_restored_for_resolvability": maker.restored,
            "quarantine_expected": len(expected),
            "quarantine_expected_by_rule": dict(sorted(Counter(rule for _, _, rule in expected).items())),
            "field_issue_expected": len(writer.field_issue_expected),
            "field_issue_expected_by_rule": dict(sorted(Counter(r for *_, r in writer.field_issue_expected).items())),
        },
        "files": {name: meta["rows"] for name, meta in sorted(writer.files.items())},
    })
    writer.write_manifest(delivery_id, extracted_at)  # last: the delivery is complete
    return landing
