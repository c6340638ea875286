"""Analysts' identity decisions: ``$CSENET_CORRECTIONS_DIR/identity.csv``.

Format (UTF-8 CSV, header row, RFC 4180 quoting)::

    decision,person_ref_a,person_ref_b,analyst,decided_at,reason
    NOT_SAME,CUS000123,INT004567,A Analyst,2026-11-20,different fathers named on custody

``decision`` is SAME (must be one nominal) or NOT_SAME (must be two);
``person_ref_a``/``person_ref_b`` are person refs as delivered (letters, digits
and ``- _ / .``, no spaces). The whole file is validated before any decision is
applied (``corrections_file.read_rows``: encoding, one record per line, strict
quoting, field counts and sizes; then every row's values here). A bad row stops
the run with an error naming the file, the row and the rule; the row's values
are never echoed (they may identify people).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from csenet_dagster import settings
from csenet_dagster.corrections_file import CorrectionsError, parse_decided_at, read_rows

FILE_NAME = "identity.csv"
COLUMNS = ("decision", "person_ref_a", "person_ref_b", "analyst", "decided_at", "reason")
DECISIONS = ("SAME", "NOT_SAME")
# A person_ref is a source system's id: no spaces, so a name typed into the column is refused.
PERSON_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,63}")


__all__ = ["CorrectionsError", "IdentityCorrection", "corrections_file", "load"]


@dataclass(frozen=True)
class IdentityCorrection:
    row_no: int  # 1-based data row (header not counted)
    decision: str
    person_ref_a: str
    person_ref_b: str
    analyst: str
    decided_at: dt.datetime
    reason: str


def corrections_file() -> Path:
    return settings.paths().corrections_dir / FILE_NAME


def load(path: Path | None = None) -> list[IdentityCorrection]:
    """Validated decisions in file order; a missing file means no corrections."""
    path = path or corrections_file()
    if not path.exists():
        return []
    where = path.name
    out: list[IdentityCorrection] = []
    for row_no, value in read_rows(path, COLUMNS):
        decision = value["decision"].upper()
        if decision not in DECISIONS:
            raise CorrectionsError(f"{where} row {row_no}: decision must be SAME or NOT_SAME")
        for col in ("person_ref_a", "person_ref_b", "analyst"):
            if not value[col]:
                raise CorrectionsError(f"{where} row {row_no}: {col} is empty")
        for col in ("person_ref_a", "person_ref_b"):
            if not PERSON_REF.fullmatch(value[col]):
                raise CorrectionsError(
                    f"{where} row {row_no}: rule person_ref_shape: {col} is not a person_ref "
                    "(letters, digits, - _ / . and no spaces)"
                )
        if value["person_ref_a"] == value["person_ref_b"]:
            raise CorrectionsError(f"{where} row {row_no}: person_ref_a equals person_ref_b")
        decided_at = parse_decided_at(value["decided_at"])
        if decided_at is None:
            raise CorrectionsError(
                f"{where} row {row_no}: decided_at is not a date (YYYY-MM-DD[ HH:MM:SS] or DD/MM/YYYY)"
            )
        out.append(
            IdentityCorrection(
                row_no=row_no,
                decision=decision,
                person_ref_a=value["person_ref_a"],
                person_ref_b=value["person_ref_b"],
                analyst=value["analyst"],
                decided_at=decided_at,
                reason=value["reason"],
            )
        )
    return out
