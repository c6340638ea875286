"""Analysts' link corrections: $CSENET_CORRECTIONS_DIR/links.csv.

Each row removes the link between two nominals (one link type, or every type
when link_type is blank) in this and every later run. The file is validated
strictly and whole before any row is applied (``corrections_file.read_rows``:
encoding, one record per line, strict quoting, field counts and sizes; then
every row's values here): a bad row stops the run with the file, row and rule
named, because a correction silently ignored would put a link an analyst
rejected back in front of analysts.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from csenet_dagster import ids, settings
from csenet_dagster.corrections_file import CorrectionsError, parse_decided_at, read_rows
from csenet_dagster.network.network_settings import LINK_TYPES

FILE_NAME = "links.csv"
COLUMNS = ("nominal_id_a", "nominal_id_b", "link_type", "analyst", "decided_at", "reason")

SCHEMA = {
    "row_no": pl.Int64,
    "nominal_id_a": pl.String,
    "nominal_id_b": pl.String,
    "link_type": pl.String,
    "analyst": pl.String,
    "decided_at": pl.Datetime("us"),
    "reason": pl.String,
}


# One error type for every corrections file; the old name stays for callers.
CorrectionError = CorrectionsError


def corrections_path() -> Path:
    return settings.paths().corrections_dir / FILE_NAME


def load_link_corrections(path: Path | None = None) -> pl.DataFrame:
    """Validated corrections (row_no = 1-based data row); empty when no file."""
    path = path or corrections_path()
    if not path.exists():
        return pl.DataFrame(schema=SCHEMA)
    rows: list[dict] = []
    for row_no, values in read_rows(path, COLUMNS):

        def fail(rule: str, column: str) -> None:
            raise CorrectionError(f"{FILE_NAME} row {row_no}: {rule} in column {column}")

        for column in ("nominal_id_a", "nominal_id_b"):
            if not ids.NOMINAL.is_valid(values[column]):
                fail(f"not a nominal_id ({ids.NOMINAL.description})", column)
        if values["nominal_id_a"] == values["nominal_id_b"]:
            fail("both ends are the same nominal", "nominal_id_b")
        link_type = values["link_type"].upper()
        if link_type and link_type not in LINK_TYPES:
            fail("unknown link type", "link_type")
        if not values["analyst"]:
            fail("missing value", "analyst")
        decided_at = parse_decided_at(values["decided_at"])
        if decided_at is None:
            fail("unparseable date", "decided_at")
        rows.append({
            "row_no": row_no,
            "nominal_id_a": values["nominal_id_a"],
            "nominal_id_b": values["nominal_id_b"],
            "link_type": link_type or None,
            "analyst": values["analyst"],
            "decided_at": decided_at,
            "reason": values["reason"] or None,
        })
    return pl.DataFrame(rows, schema=SCHEMA)
