"""Sensor: start one refresh run for each new complete delivery.

The force's extract writes every data file first and ``manifest.json`` last,
so a folder without a manifest is still being written and is left alone until
its manifest appears. Only the newest complete delivery is run: deliveries are
full snapshots, so an older one that turns up late would only roll analysts
back. The cursor remembers the last delivery handled (and its manifest's
digest), so an invalid delivery is reported once rather than retried every
tick, and a re-written manifest is looked at again. ``run_key`` is the delivery
id and its manifest digest, so Dagster never starts two runs for one delivery.

Deliveries already published (by any trigger, `csenet run` included) are in the
warehouse's delivery ledger (``deliveries.py``) and are skipped; one re-sent
under a published id with different content is refused, with a warning that says so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from csenet_dagster import deliveries, settings
from csenet_dagster.ingest import DeliveryError, find_deliveries, validate_delivery
from csenet_dagster.ops.config import load
from csenet_dagster.ops.job import REFRESH_JOB, refresh_run_config
from csenet_dagster.publish.audit import TRIGGER_TAG

MANIFEST = "manifest.json"
SENSOR_NAME = "csenet_delivery_sensor"
DELIVERY_TAG = "csenet/delivery_id"


@dataclass(frozen=True)
class Landed:
    """A delivery folder whose manifest has been written."""

    delivery_id: str
    path: Path
    manifest_sha256: str


def complete_deliveries(landing_dir: Path) -> tuple[list[Landed], list[str]]:
    """(complete deliveries oldest first, ids of folders still being written)."""
    complete = [
        Landed(p.name, p, hashlib.sha256((p / MANIFEST).read_bytes()).hexdigest())
        for p in find_deliveries(landing_dir)
    ]
    done = {landed.delivery_id for landed in complete}
    partial = sorted(p.name for p in landing_dir.iterdir() if p.is_dir() and p.name not in done) if landing_dir.is_dir() else []
    return complete, partial


def _handled(cursor: str | None) -> tuple[str, str]:
    if not cursor:
        return "", ""
    state = json.loads(cursor)
    return state.get("delivery_id", ""), state.get("manifest_sha256", "")


def _cursor(landed: Landed) -> str:
    return json.dumps({"delivery_id": landed.delivery_id, "manifest_sha256": landed.manifest_sha256})


def validation_error(path: Path) -> str | None:
    """Why the delivery at ``path`` is invalid (file and rule), or None if it is valid."""
    try:
        validate_delivery(path)
    except DeliveryError as exc:
        # Ingest's messages name the delivery, file and rule, never a person value.
        return str(exc)
    except OSError as exc:
        return f"delivery {path.name}: cannot be read ({type(exc).__name__}: {exc.strerror})"
    return None


@dg.sensor(
    name=SENSOR_NAME,
    job_name=REFRESH_JOB,
    minimum_interval_seconds=load().sensor_interval_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts one csenet_refresh run when a new complete delivery (manifest.json "
        "written) appears in CSENET_LANDING_DIR; invalid deliveries are reported once."
    ),
)
def delivery_sensor(context: dg.SensorEvaluationContext):
    complete, partial = complete_deliveries(settings.paths().landing_dir)
    waiting = f"; still being written (no manifest): {', '.join(partial)}" if partial else ""
    if not complete:
        return dg.SkipReason(f"no complete delivery in the landing folder{waiting}")
    newest = complete[-1]
    handled_id, handled_sha = _handled(context.cursor)
    if (newest.delivery_id, newest.manifest_sha256) == (handled_id, handled_sha):
        return dg.SkipReason(f"no new complete delivery (last handled: {handled_id}){waiting}")
    if handled_id and newest.delivery_id < handled_id:
        return dg.SkipReason(
            f"newest complete delivery {newest.delivery_id} is older than the last handled "
            f"{handled_id}: not run{waiting}"
        )
    processed = deliveries.processed()
    earlier = processed.get(newest.delivery_id)
    if earlier is not None and earlier.manifest_sha256 == newest.manifest_sha256:
        context.update_cursor(_cursor(newest))
        return dg.SkipReason(
            f"delivery {newest.delivery_id} was already processed: published by run {earlier.run_id} "
            f"({earlier.trigger}){waiting}"
        )
    if earlier is not None:
        context.update_cursor(_cursor(newest))
        message = deliveries.refusal(newest.delivery_id, newest.manifest_sha256, earlier)
        context.log.warning(message)
        return dg.SkipReason(message)
    newer_published = sorted(d for d in processed if d > newest.delivery_id)
    if newer_published:
        return dg.SkipReason(
            f"newest complete delivery {newest.delivery_id} is older than the published {newer_published[-1]}: "
            f"not run{waiting}"
        )
    problem = validation_error(newest.path)
    context.update_cursor(_cursor(newest))
    if problem is not None:
        context.log.warning(f"delivery {newest.delivery_id} is invalid and will not be run: {problem}")
        return dg.SkipReason(f"delivery {newest.delivery_id} is invalid: {problem}")
    return dg.RunRequest(
        run_key=f"{newest.delivery_id}:{newest.manifest_sha256[:16]}",
        run_config=refresh_run_config(newest.delivery_id),
        tags={TRIGGER_TAG: f"sensor:{SENSOR_NAME}", DELIVERY_TAG: newest.delivery_id},
    )
