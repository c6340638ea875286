"""Operations: the delivery sensor, freshness policies, run locking and run-failure auditing.

Exposes ASSETS, CHECKS, SENSORS, JOBS and SCHEDULES for csenet_dagster.definitions.
No schedule: deliveries arrive when the force's extract finishes, so the
sensor (not a clock) starts runs; see docs/operations.md.
"""

from csenet_dagster.ops.audit import record_failure, run_failure_audit
from csenet_dagster.ops.freshness import apply_freshness
from csenet_dagster.ops.sensor import delivery_sensor

ASSETS: list = []
CHECKS: list = []
SENSORS: list = [delivery_sensor, run_failure_audit]
JOBS: list = []
SCHEDULES: list = []

__all__ = [
    "ASSETS", "CHECKS", "JOBS", "SCHEDULES", "SENSORS",
    "apply_freshness", "record_failure", "run_failure_audit",
]
