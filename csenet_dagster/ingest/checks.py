"""Data-quality checks of the raw tables (filled in below)."""

CHECKS: list = []
