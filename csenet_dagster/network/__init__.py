"""Stage: network. Exposes ASSETS and CHECKS for csenet_dagster.definitions."""

ASSETS: list = []
CHECKS: list = []
