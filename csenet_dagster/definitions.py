"""The one Dagster code location: the UI, `dg` and `csenet run` all load this.

The top of the package: it imports the stages and ops; nothing in the package imports it
except the runner (``pipeline.py``) that the CLI, tests and benchmarks call.
"""

from __future__ import annotations

import dagster as dg

from csenet_dagster import files, harm, ingest, network, ops, previous, publish, resolve
from csenet_dagster.ops.job import RUN_EXECUTOR, refresh_job
from csenet_dagster.ops.resource import duckdb_resource

STAGES = (ingest, previous, resolve, network, harm, publish, ops)

# Every process that loads the code (UI code server, daemon's run workers, CLI, tests)
# creates files owner-only from the first byte: working database, staged delivery
# copies, exports, Dagster's run storage. Files meant for a group get explicit modes.
files.private_umask()


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
