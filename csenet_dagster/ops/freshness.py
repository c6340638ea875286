"""Freshness policies on the raw and published assets, applied in one place.

"Stale" here means the pipeline has not successfully refreshed the asset
within the window: either no new delivery arrived, or runs failed. It is about
the *operation* of the pipeline (wall-clock time since the last
materialisation), not about the age of the data, which analysts read from
``analyst.run.extracted_at``. See docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import dagster as dg

from csenet_dagster.ops.config import OpsSettings, load

RAW_GROUP = "ingest"
PUBLISHED_GROUP = "publish"


def policies(cfg: OpsSettings) -> dict[str, dg.FreshnessPolicy]:
    """The freshness policy of each asset group that has one."""
    return {
        RAW_GROUP: dg.FreshnessPolicy.time_window(
            fail_window=dt.timedelta(hours=cfg.raw_fail_hours),
            warn_window=dt.timedelta(hours=cfg.raw_warn_hours),
        ),
        PUBLISHED_GROUP: dg.FreshnessPolicy.time_window(
            fail_window=dt.timedelta(hours=cfg.published_fail_hours),
            warn_window=dt.timedelta(hours=cfg.published_warn_hours),
        ),
    }


def apply_freshness(assets: Sequence[Any], cfg: OpsSettings | None = None) -> list[Any]:
    """``assets`` with the group's freshness policy on every raw and published asset spec."""
    by_group = policies(cfg or load())

    def with_policy(spec: dg.AssetSpec) -> dg.AssetSpec:
        policy = by_group.get(spec.group_name or "")
        return dg.apply_freshness_policy(spec, policy) if policy is not None else spec

    mapped: list[Any] = []
    for asset in assets:
        if isinstance(asset, dg.AssetsDefinition):
            mapped.append(asset.map_asset_specs(with_policy))
        elif isinstance(asset, dg.AssetSpec):
            mapped.append(with_policy(asset))
        else:
            mapped.append(asset)
    return mapped
