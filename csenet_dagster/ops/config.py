"""Tunable settings of the operations layer (sensor, freshness, locking)."""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import locking, settings


@settings.section("ops")
@dataclass(frozen=True)
class OpsSettings:
    # How often the delivery sensor looks at the landing folder. Deliveries come
    # at most a few times a day, so a minute is prompt without busy-polling.
    sensor_interval_seconds: int = 60
    # Freshness of the raw (ingest) assets: the force delivers daily, so one
    # missed delivery (+2 h for a late extract) warns and two missed ones fail.
    raw_warn_hours: float = 26.0
    raw_fail_hours: float = 50.0
    # Freshness of the published assets: same cadence, measured on the last
    # successful publish, so a run that fails its blocking checks shows here.
    published_warn_hours: float = 26.0
    published_fail_hours: float = 50.0
    # How long a run waits for another run holding the working database before
    # giving up with a clear error (a full 1M-record refresh takes minutes).
    working_db_lock_timeout_seconds: float = locking.DEFAULT_TIMEOUT_SECONDS
    # The run-failure auditor waits this long for a running refresh; after that
    # its sensor tick fails and is retried, so the failure is still recorded.
    audit_lock_timeout_seconds: float = 45.0


def load() -> OpsSettings:
    return settings.load(OpsSettings)
