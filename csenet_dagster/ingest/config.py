"""Tunable settings of the ingest stage (override in CSENET_SETTINGS_FILE, section "ingest")."""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import settings


@settings.section("ingest")
@dataclass(frozen=True)
class IngestSettings:
    # Longest CSV record accepted (bytes); longer records are quarantined as malformed_row.
    # Intelligence summaries can be long, hence well above DuckDB's 2 MB default.
    max_line_size: int = 8_000_000
    # Date sanity (warning check): event dates before this are suspect (dates of birth exempt).
    earliest_event_date: str = "1900-01-01"
    # Null-rate warnings on the person fields that drive record linkage, per person file.
    max_null_rate_surname: float = 0.05
    max_null_rate_dob: float = 0.30
    max_null_rate_postcode: float = 0.50
    # Dates after the delivery's extracted_at (its date) plus this many days are
    # impossible: the field is blanked (the event counts for no recency or
    # activity) and recorded in raw.field_issue as future_date. One day absorbs
    # time zones and a late-evening extract; a dob after extracted_at is blanked the same way.
    future_date_tolerance_days: int = 1
    # Warn when more than this share of a file's rows is quarantined.
    max_quarantine_rate: float = 0.02

    def max_null_rate(self, column: str) -> float:
        return float(getattr(self, f"max_null_rate_{column}"))


def load() -> IngestSettings:
    return settings.load(IngestSettings)
