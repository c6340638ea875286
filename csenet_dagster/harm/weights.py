"""Crime harm weights: the bundled reference table or a force's official CCHI file.

Two CSV layouts are read (detected from the header):

* csenet layout (``reference/harm_weights.csv``): ``offence_code, offence_title,
  harm_days, basis, guideline, guideline_category, note``; one row per code.
* CCHI export: a CSV saved from the Cambridge Crime Harm Index / ONS
  spreadsheet (save the sheet as CSV; xlsx is not read, to avoid a dependency).
  Assumed layout: up to 10 title lines, then a header with an offence-code
  column (``Offence code``, ``HO code``, ``Home Office offence code``), an
  optional description column (``Offence description``, ``Offence``) and a
  harm value column in days (``Harm index value``, ``CCHI``, ``CHI value``,
  ``Harm value (days)``, ``Days``). Header matching ignores case, spaces and
  punctuation. Values may carry thousands separators (``1,825``). Codes are
  normalised (trimmed, upper case, leading zeros dropped: ``008N`` -> ``8N``).
  Where several sub-offences share a Home Office code, the code gets the lowest
  value (the CCHI's own "lowest category" rule), and the note says so.

Bad files fail with the file, the data row and the rule broken.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from csenet_dagster import settings

BUNDLED_WEIGHTS = settings.REPO_ROOT / "csenet_dagster" / "reference" / "harm_weights.csv"
OFFENCE_CODES = settings.REPO_ROOT / "csenet_dagster" / "reference" / "offence_codes.csv"

CSENET_COLUMNS = ("offence_code", "offence_title", "harm_days", "basis", "guideline", "guideline_category", "note")

_CODE_ALIASES = {"offencecode", "hocode", "hooffencecode", "homeofficeoffencecode", "homeofficecode", "code"}
_TITLE_ALIASES = {"offencedescription", "offence", "description", "offencetitle", "offencename"}
_VALUE_ALIASES = {
    "harmindexvalue", "harmindexvaluedays", "harmvalue", "harmvaluedays", "cchi", "cchivalue",
    "cchivaluedays", "chivalue", "chivaluedays", "crimeharmindex", "days", "harmdays", "harmindex",
}
_HEADER_SEARCH_LINES = 10


class WeightsFileError(ValueError):
    """A weights file that cannot be used; the message names file, row and rule."""


@dataclass(frozen=True)
class OffenceWeight:
    offence_code: str
    offence_title: str
    harm_days: float
    basis: str
    guideline: str
    guideline_category: str
    note: str


def normalise_code(raw: str) -> str:
    code = re.sub(r"\s+", "", raw or "").upper()
    return code.lstrip("0") or code


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def _number(text: str, file: Path, row_no: int, column: str) -> float:
    cleaned = (text or "").replace(",", "").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise WeightsFileError(f"{file.name} row {row_no}: column '{column}' is not a number (rule: numeric_harm_days)") from None
    if value < 0 or value != value:
        raise WeightsFileError(f"{file.name} row {row_no}: column '{column}' is negative (rule: harm_days_non_negative)")
    return value


def _read_rows(file: Path) -> list[list[str]]:
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    except OSError as exc:
        raise WeightsFileError(f"{file}: cannot be read ({exc.strerror})") from exc


def load_weights(file: Path | str) -> list[OffenceWeight]:
    """The weights in ``file`` (either layout), one per offence code, sorted by code."""
    file = Path(file)
    rows = _read_rows(file)
    if rows and {_header_key(c) for c in rows[0]} >= {"offencecode", "harmdays"}:
        return _load_csenet(file, rows)
    return _load_cchi(file, rows)


def _load_csenet(file: Path, rows: list[list[str]]) -> list[OffenceWeight]:
    header = [c.strip() for c in rows[0]]
    missing = [c for c in CSENET_COLUMNS if c not in header]
    if missing:
        raise WeightsFileError(f"{file.name}: missing columns {', '.join(missing)} (rule: csenet_layout)")
    index = {c: header.index(c) for c in CSENET_COLUMNS}
    weights: dict[str, OffenceWeight] = {}
    for row_no, row in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise WeightsFileError(f"{file.name} row {row_no}: {len(row)} fields, header has {len(header)} (rule: malformed_row)")
        code = normalise_code(row[index["offence_code"]])
        if not code:
            raise WeightsFileError(f"{file.name} row {row_no}: empty offence_code (rule: missing_key)")
        if code in weights:
            raise WeightsFileError(f"{file.name} row {row_no}: offence code {code} repeated (rule: duplicate_code)")
        weights[code] = OffenceWeight(
            offence_code=code,
            offence_title=row[index["offence_title"]].strip(),
            harm_days=_number(row[index["harm_days"]], file, row_no, "harm_days"),
            basis=row[index["basis"]].strip(),
            guideline=row[index["guideline"]].strip(),
            guideline_category=row[index["guideline_category"]].strip(),
            note=row[index["note"]].strip(),
        )
    if not weights:
        raise WeightsFileError(f"{file.name}: no weights (rule: empty_file)")
    return [weights[c] for c in sorted(weights)]


def _find_cchi_header(file: Path, rows: list[list[str]]) -> tuple[int, int, int | None, int]:
    for line, row in enumerate(rows[:_HEADER_SEARCH_LINES]):
        keys = [_header_key(c) for c in row]
        code = next((i for i, k in enumerate(keys) if k in _CODE_ALIASES), None)
        value = next((i for i, k in enumerate(keys) if k in _VALUE_ALIASES), None)
        if code is not None and value is not None:
            title = next((i for i, k in enumerate(keys) if k in _TITLE_ALIASES), None)
            return line, code, title, value
    raise WeightsFileError(
        f"{file.name}: no header with an offence-code column and a harm-value column in the first "
        f"{_HEADER_SEARCH_LINES} lines (rule: cchi_layout; see harm/weights.py for the accepted names)"
    )


def _load_cchi(file: Path, rows: list[list[str]]) -> list[OffenceWeight]:
    header_line, code_col, title_col, value_col = _find_cchi_header(file, rows)
    by_code: dict[str, list[tuple[float, str]]] = {}
    for row_no, row in enumerate(rows[header_line + 1 :], start=1):
        if not any(cell.strip() for cell in row):
            continue
        code = normalise_code(row[code_col]) if code_col < len(row) else ""
        if not code:
            raise WeightsFileError(f"{file.name} row {row_no}: empty offence code (rule: missing_key)")
        if value_col >= len(row) or not row[value_col].strip():
            raise WeightsFileError(f"{file.name} row {row_no}: offence code {code} has no harm value (rule: missing_value)")
        value = _number(row[value_col], file, row_no, rows[header_line][value_col].strip())
        title = row[title_col].strip() if title_col is not None and title_col < len(row) else ""
        by_code.setdefault(code, []).append((value, title))
    if not by_code:
        raise WeightsFileError(f"{file.name}: no weights (rule: empty_file)")
    weights = []
    for code in sorted(by_code):
        entries = sorted(by_code[code])
        value, title = entries[0]
        note = f"lowest of {len(entries)} sub-offences" if len(entries) > 1 else ""
        weights.append(OffenceWeight(code, title, value, "CCHI_OFFICIAL", f"CCHI file {file.name}", "", note))
    return weights


def load_offence_codes() -> dict[str, bool]:
    """Offence code -> is it a CSE offence (reference/offence_codes.csv)."""
    with OFFENCE_CODES.open(encoding="utf-8", newline="") as handle:
        return {normalise_code(r["offence_code"]): r["is_cse_offence"].strip().upper() == "Y" for r in csv.DictReader(handle)}


def weights_path(configured: str) -> Path:
    return Path(configured) if configured else BUNDLED_WEIGHTS
