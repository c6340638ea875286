"""Stage: ingest. Validates a delivery and loads each file into a typed raw table.

Exposes ASSETS and CHECKS for csenet_dagster.definitions, and the plain
delivery helpers the sensor reuses.
"""

from csenet_dagster.ingest.assets import (
    ASSETS,
    DELIVERY_KEY,
    FIELD_ISSUE_KEY,
    QUARANTINE_KEY,
    RAW_FILE_KEYS,
    DeliveryConfig,
)
from csenet_dagster.ingest.checks import CHECKS
from csenet_dagster.ingest.delivery import DeliveryError, Manifest, find_deliveries, resolve_delivery, validate_delivery

__all__ = [
    "ASSETS",
    "CHECKS",
    "DELIVERY_KEY",
    "FIELD_ISSUE_KEY",
    "QUARANTINE_KEY",
    "RAW_FILE_KEYS",
    "DeliveryConfig",
    "DeliveryError",
    "Manifest",
    "find_deliveries",
    "resolve_delivery",
    "validate_delivery",
]
