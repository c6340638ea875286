"""Stage: network. Links between nominals, CSE seeds and networks, centrality, exports.

Exposes ASSETS and CHECKS for csenet_dagster.definitions.
"""

from csenet_dagster.network.assets import ASSETS
from csenet_dagster.network.checks import CHECKS

__all__ = ["ASSETS", "CHECKS"]
