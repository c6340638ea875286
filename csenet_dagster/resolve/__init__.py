"""Stage: resolve (entity resolution). Person records -> nominals.

Exposes ASSETS and CHECKS for csenet_dagster.definitions. Method and measured
quality: docs/entity_resolution.md.
"""

from csenet_dagster.resolve.assets import ASSETS
from csenet_dagster.resolve.checks import CHECKS

__all__ = ["ASSETS", "CHECKS"]
