"""Freshness policies: on raw and published assets only, windows from settings."""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg

from csenet_dagster.ops.config import OpsSettings
from csenet_dagster.ops.freshness import PUBLISHED_GROUP, RAW_GROUP, apply_freshness


def _asset(name: str, group: str):
    @dg.asset(key=[group, name], group_name=group)
    def _materialise() -> None:
        return None

    return _materialise


def _policy(assets, key: list[str]):
    specs = {spec.key: spec for a in assets for spec in a.specs}
    return specs[dg.AssetKey(key)].freshness_policy


def test_policies_go_on_raw_and_published_groups_only():
    assets = [_asset("crime", RAW_GROUP), _asset("nominal", "resolve"), _asset("analyst_db", PUBLISHED_GROUP)]
    cfg = OpsSettings(raw_warn_hours=2, raw_fail_hours=5, published_warn_hours=3, published_fail_hours=7)
    mapped = apply_freshness(assets, cfg)

    raw = _policy(mapped, [RAW_GROUP, "crime"])
    published = _policy(mapped, [PUBLISHED_GROUP, "analyst_db"])
    assert raw.fail_window.to_timedelta() == dt.timedelta(hours=5)
    assert raw.warn_window.to_timedelta() == dt.timedelta(hours=2)
    assert published.fail_window.to_timedelta() == dt.timedelta(hours=7)
    assert published.warn_window.to_timedelta() == dt.timedelta(hours=3)
    assert _policy(mapped, ["resolve", "nominal"]) is None


def test_windows_come_from_the_settings_file(tmp_path, monkeypatch):
    file = tmp_path / "settings.json"
    file.write_text(json.dumps({"ops": {"raw_fail_hours": 80, "raw_warn_hours": 30}}), encoding="utf-8")
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(file))
    mapped = apply_freshness([_asset("crime", RAW_GROUP)])
    assert _policy(mapped, [RAW_GROUP, "crime"]).fail_window.to_timedelta() == dt.timedelta(hours=80)


def test_every_real_raw_and_published_asset_has_a_policy():
    from csenet_dagster.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    with_policy = set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in (RAW_GROUP, PUBLISHED_GROUP):
            assert node.freshness_policy is not None, key.to_user_string()
            with_policy.add(key.to_user_string())
        else:
            assert node.freshness_policy is None, key.to_user_string()
    assert {"raw/delivery", "raw/crime", "publish/analyst_db"} <= with_policy
