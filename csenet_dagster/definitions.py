"""The one Dagster code location: the UI, `dg` and `csenet run` all load this."""

from __future__ import annotations

import os

import dagster as dg

from csenet_dagster import harm, ingest, network, ops, previous, publish, resolve
from csenet_dagster.assets_common import duckdb_resource

from csenet_dagster.pipeline import REFRESH_JOB

STAGES = (ingest, previous, resolve, network, harm, publish, ops)

# Every process that loads the code (UI code server, daemon's run workers, CLI, tests)
# creates files owner-only from the first byte: working database, staged delivery
# copies, exports, Dagster's run storage. Files meant for a group get explicit modes.
os.umask(0o077)

# One process per run, however it is started (UI, sensor, CLI, tests): the run holds
# the warehouse lock from its first step to its last, so two refreshes never
# interleave, and ~70 steps do not each pay for a process start.
RUN_EXECUTOR = dg.in_process_executor

# One job refreshes everything for a delivery; the sensor and `csenet run` use it.
refresh_job = dg.define_asset_job(
    REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description="Refresh every stage for one delivery: ingest, resolve, network, harm, publish.",
    executor_def=RUN_EXECUTOR,
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
        # Also for runs of a selection launched from the UI (Dagster's implicit asset job).
        executor=RUN_EXECUTOR,
    )


defs = build_definitions()
