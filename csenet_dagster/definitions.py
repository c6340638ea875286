"""The one Dagster code location: the UI, `dg` and `csenet run` all load this."""

from __future__ import annotations

import dagster as dg

from csenet_dagster import harm, ingest, network, ops, publish, resolve
from csenet_dagster.assets_common import duckdb_resource

from csenet_dagster.pipeline import REFRESH_JOB

STAGES = (ingest, resolve, network, harm, publish, ops)

# One job refreshes everything for a delivery; the sensor and `csenet run` use it.
refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description="Refresh every stage for one delivery: ingest, resolve, network, harm, publish.",
)


def build_definitions() -> dg.Definitions:
    """Definitions with resources bound to the current environment's paths."""
    # Freshness policies on the raw and published groups are applied in one place (ops).
    assets = ops.apply_freshness([a for stage in STAGES for a in stage.ASSETS])
    checks = [c for stage in STAGES for c in stage.CHECKS]
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=[refresh_job, *getattr(ops, "JOBS", [])],
        sensors=list(getattr(ops, "SENSORS", [])),
        schedules=list(getattr(ops, "SCHEDULES", [])),
        resources={"duckdb": duckdb_resource()},
    )


defs = build_definitions()
