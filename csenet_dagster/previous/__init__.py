"""Stage: prev. The previous published run, read once into ``prev.*`` for resolve, network,
harm and publish (stable ids, id watermark, what changed). Exposes ASSETS and CHECKS."""

from csenet_dagster.previous.assets import ASSETS

CHECKS: list = []

__all__ = ["ASSETS", "CHECKS"]
