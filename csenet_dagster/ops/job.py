"""The refresh job: its name, its executor and the run config naming a delivery.

Defined here, below ``definitions.py`` (which registers it) and beside the sensor
(which requests runs of it), so neither has to import the other.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

REFRESH_JOB = "csenet_refresh"
DELIVERY_OP = "raw__delivery"

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


def refresh_run_config(delivery_id: str | None = None) -> dict[str, Any]:
    """Run config naming the delivery to process (None: the newest complete one)."""
    return {"ops": {DELIVERY_OP: {"config": {"delivery_id": delivery_id or ""}}}}
