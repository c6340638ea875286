"""Offence reference data and crime harm weights: the bundled files or a force's official releases.

Three inputs, each a CSV:

* The classification, from the file named by setting ``harm.classification_file``
  (empty = bundled ``reference/offence_codes.csv``): every Home Office offence code
  csenet knows, with its group, class, whether it is a CSE offence and whether the
  definition implies a child victim (columns in the README there). A force's own
  file in that layout decides ``is_cse_offence`` / ``child_victim_implied`` for the
  network stage (net.cse_offence_code) and the harm stage alike.
* Harm weights, in days of custody (Cambridge Crime Harm Index method), from the
  file named by setting ``harm.weights_file`` (empty = bundled
  ``reference/harm_weights.csv``). Two layouts are read (detected from the header):

  - csenet layout: ``offence_code, offence_title, harm_days, basis, guideline,
    guideline_category, note`` and optionally ``css_weight, weight_origin, source``;
    one row per code. ``weight_origin`` is ``CSENET_READING`` (csenet's reading of
    the guidelines, the default) or ``OFFICIAL``.
  - CCHI export: a CSV saved from the Cambridge Crime Harm Index spreadsheet
    (save the sheet as CSV; xlsx is not read, to avoid a dependency). Up to 10
    title lines, then a header with an offence-code column (``Offence code``,
    ``HO code``, ``Home Office offence code``), an optional description column
    (``Offence description``, ``Offence``) and a harm value column in days
    (``Harm index value``, ``CCHI``, ``CHI value``, ``Harm value (days)``, ``Days``).
    Where several sub-offences share a code the code gets the lowest value (the
    CCHI's own "lowest category" rule), and the note says so. Origin ``OFFICIAL``.

* ONS Crime Severity Score weights, from setting ``harm.css_weights_file`` (empty =
  none; the bundled weights carry no CSS values, csenet does not guess them): a CSV
  saved from the ONS "Crime Severity Score" offence weights table. Up to 10 title
  lines, then a header with an offence-code column (as above) and a weight column
  (``Weight``, ``Severity weight``, ``Offence weight``, ``CSS weight``,
  ``Crime severity score weight``). One row per code. The CSS weight is carried
  beside the CCHI weight in ``harm.offence_weight.css_weight`` for comparison.

Header matching ignores case, spaces and punctuation. Values may carry thousands
separators (``1,825``). Codes are normalised (surrounding spaces trimmed, upper
case, leading zeros dropped: ``008N`` -> ``8N``, ``008/67`` -> ``8/67``; five digits
are a class and sub-class: ``08805`` -> ``88/05``); SQL compares codes through the
same normalisation, ``sql/common/offence_code.sql`` (:func:`offence_code_sql`). Bad
files fail with the file, the data row and the rule broken. :func:`reference_files` says which files a run used (name, version,
sha256), recorded in ``harm.reference_file`` and ``analyst.run``.
"""

from __future__ import annotations

from collections.abc import Iterator

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from csenet_dagster import db, settings

REFERENCE_DIR = settings.REPO_ROOT / "csenet_dagster" / "reference"
BUNDLED_WEIGHTS = REFERENCE_DIR / "harm_weights.csv"
OFFENCE_CODES = REFERENCE_DIR / "offence_codes.csv"
# Version label of the bundled reference files (bump when either file changes).
BUNDLED_VERSION = "csenet-reference-2026.12.2"

CSENET_COLUMNS = ("offence_code", "offence_title", "harm_days", "basis", "guideline", "guideline_category", "note")
CSENET_OPTIONAL_COLUMNS = ("css_weight", "weight_origin", "source")
OFFENCE_CODE_COLUMNS = (
    "offence_code", "offence_title", "offence_group", "offence_subgroup", "offence_class", "category",
    "is_cse_offence", "cse_basis", "child_victim_implied", "child_victim_basis", "code_status",
)

ORIGIN_CSENET = "CSENET_READING"
ORIGIN_OFFICIAL = "OFFICIAL"
ORIGINS = (ORIGIN_CSENET, ORIGIN_OFFICIAL)

# What a delivered offence code must look like to be named in check metadata and
# to take its Home Office class's weight: 1-3 digits, then up to two letters, a
# dotted sub-number (``4.1``, ``37.2``) or a Notifiable Offence List sub-class
# (``8/67``, delivered as ``008/67`` or ``08/67`` by crime systems that record the
# class/sub-class). Anything else is counted, never shown.
CODE_SHAPE = r"^[0-9]{1,3}([A-Z]{1,2}|\.[0-9]{1,2}|/[0-9]{1,3})?$"
_CODE_SHAPE_RE = re.compile(CODE_SHAPE)

_CODE_ALIASES = {"offencecode", "hocode", "hooffencecode", "homeofficeoffencecode", "homeofficecode", "code"}
_TITLE_ALIASES = {"offencedescription", "offence", "description", "offencetitle", "offencename"}
_VALUE_ALIASES = {
    "harmindexvalue", "harmindexvaluedays", "harmvalue", "harmvaluedays", "cchi", "cchivalue",
    "cchivaluedays", "chivalue", "chivaluedays", "crimeharmindex", "days", "harmdays", "harmindex",
}
_CSS_ALIASES = {
    "weight", "severityweight", "offenceweight", "cssweight", "crimeseverityscoreweight",
    "crimeseverityweight", "severityscoreweight",
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
    css_weight: float | None = None
    weight_origin: str = ORIGIN_CSENET
    source: str = ""


@dataclass(frozen=True)
class ReferenceFile:
    """One reference file a run used: what it is, where from, which version, its checksum."""

    kind: str  # offence_codes | harm_weights | css_weights
    file_name: str
    version: str
    sha256: str
    n_rows: int
    bundled: bool


def normalise_code(raw: str) -> str:
    """The offence code as csenet compares it: ``sql/common/offence_code.sql`` in Python."""
    code = (raw or "").strip(" ").upper()  # SQL trim() removes spaces only
    if re.fullmatch(r"[0-9]{5}", code):  # class and sub-class without the slash: 08805 -> 88/05
        return f"{int(code[:3])}/{code[3:]}"
    return code.lstrip("0") or code


def offence_code_sql(column: str) -> db.SqlFragment:
    """SQL expression normalising the offence code in ``column`` (e.g. ``c.offence_code``), as
    :func:`normalise_code` does; every SQL comparison of offence codes goes through it."""
    expression = db.render_sql("common/offence_code.sql", {"column": db.SqlFragment(column)})
    return db.SqlFragment("(\n" + expression.strip() + "\n)")


def is_code_shaped(code: str | None) -> bool:
    return bool(code) and bool(_CODE_SHAPE_RE.match(code))


def offence_class(code: str | None) -> str | None:
    """The Home Office class of a code-shaped code (``10A`` -> ``10``, ``4.1`` -> ``4``); None otherwise."""
    if not is_code_shaped(code):
        return None
    return re.match(r"[0-9]+", code).group(0)


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (name or "").lower())


def _number(text: str, file: Path, row_no: int, column: str, rule: str = "numeric_harm_days") -> float:
    cleaned = (text or "").replace(",", "").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise WeightsFileError(f"{file.name} row {row_no}: column '{column}' is not a number (rule: {rule})") from None
    if value < 0 or value != value:
        raise WeightsFileError(f"{file.name} row {row_no}: column '{column}' is negative (rule: harm_days_non_negative)")
    return value


def _read_rows(file: Path) -> list[list[str]]:
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    except OSError as exc:
        raise WeightsFileError(f"{file}: cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError:
        raise WeightsFileError(f"{file.name}: not UTF-8 text (rule: utf8)") from None


def load_weights(file: Path | str) -> list[OffenceWeight]:
    """The weights in ``file`` (either layout), one per offence code, sorted by code."""
    file = Path(file)
    rows = _read_rows(file)
    if rows and {_header_key(c) for c in rows[0]} >= {"offencecode", "harmdays"}:
        return _load_csenet(file, rows)
    return _load_cchi(file, rows)



def _data_rows(file: Path, rows: list[list[str]], required: tuple[str, ...] | list[str],
               optional: tuple[str, ...] | list[str], layout_rule: str) -> Iterator[tuple[int, list[str], dict[str, int]]]:
    """(row number, fields, column index) of every non-blank data row of a reference CSV whose
    header holds every required column; a short row is an error naming file, row and rule."""
    header = [c.strip() for c in rows[0]] if rows else []
    missing = [c for c in required if c not in header]
    if missing:
        raise WeightsFileError(f"{file.name}: missing columns {', '.join(missing)} (rule: {layout_rule})")
    index = {c: header.index(c) for c in (*required, *optional) if c in header}
    for row_no, row in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise WeightsFileError(f"{file.name} row {row_no}: {len(row)} fields, header has {len(header)} (rule: malformed_row)")
        yield row_no, row, index

def _load_csenet(file: Path, rows: list[list[str]]) -> list[OffenceWeight]:
    weights: dict[str, OffenceWeight] = {}
    for row_no, row, index in _data_rows(file, rows, CSENET_COLUMNS, CSENET_OPTIONAL_COLUMNS, "csenet_layout"):
        code = normalise_code(row[index["offence_code"]])
        if not code:
            raise WeightsFileError(f"{file.name} row {row_no}: empty offence_code (rule: missing_key)")
        if code in weights:
            raise WeightsFileError(f"{file.name} row {row_no}: offence code {code} repeated (rule: duplicate_code)")
        css_text = row[index["css_weight"]].strip() if "css_weight" in index else ""
        origin = row[index["weight_origin"]].strip().upper() if "weight_origin" in index else ""
        origin = origin or ORIGIN_CSENET
        if origin not in ORIGINS:
            raise WeightsFileError(
                f"{file.name} row {row_no}: weight_origin is not one of {', '.join(ORIGINS)} (rule: known_weight_origin)"
            )
        weights[code] = OffenceWeight(
            offence_code=code,
            offence_title=row[index["offence_title"]].strip(),
            harm_days=_number(row[index["harm_days"]], file, row_no, "harm_days"),
            basis=row[index["basis"]].strip(),
            guideline=row[index["guideline"]].strip(),
            guideline_category=row[index["guideline_category"]].strip(),
            note=row[index["note"]].strip(),
            css_weight=_number(css_text, file, row_no, "css_weight", "numeric_css_weight") if css_text else None,
            weight_origin=origin,
            source=row[index["source"]].strip() if "source" in index else "",
        )
    if not weights:
        raise WeightsFileError(f"{file.name}: no weights (rule: empty_file)")
    return [weights[c] for c in sorted(weights)]


def _find_header(file: Path, rows: list[list[str]], value_aliases: set[str], rule: str) -> tuple[int, int, int | None, int]:
    for line, row in enumerate(rows[:_HEADER_SEARCH_LINES]):
        keys = [_header_key(c) for c in row]
        code = next((i for i, k in enumerate(keys) if k in _CODE_ALIASES), None)
        value = next((i for i, k in enumerate(keys) if k in value_aliases), None)
        if code is not None and value is not None:
            title = next((i for i, k in enumerate(keys) if k in _TITLE_ALIASES), None)
            return line, code, title, value
    raise WeightsFileError(
        f"{file.name}: no header with an offence-code column and a {'harm-value' if rule == 'cchi_layout' else 'weight'} "
        f"column in the first {_HEADER_SEARCH_LINES} lines (rule: {rule}; see reference_files.py for the accepted names)"
    )


def _coded_values(
    file: Path, rows: list[list[str]], value_aliases: set[str], rule: str, value_rule: str
) -> dict[str, list[tuple[float, str]]]:
    """Code -> [(value, title)] of a file with title lines, a header and one value per row."""
    header_line, code_col, title_col, value_col = _find_header(file, rows, value_aliases, rule)
    by_code: dict[str, list[tuple[float, str]]] = {}
    for row_no, row in enumerate(rows[header_line + 1 :], start=1):
        if not any(cell.strip() for cell in row):
            continue
        code = normalise_code(row[code_col]) if code_col < len(row) else ""
        if not code:
            raise WeightsFileError(f"{file.name} row {row_no}: empty offence code (rule: missing_key)")
        if value_col >= len(row) or not row[value_col].strip():
            raise WeightsFileError(f"{file.name} row {row_no}: offence code {code} has no value (rule: missing_value)")
        value = _number(row[value_col], file, row_no, rows[header_line][value_col].strip(), value_rule)
        title = row[title_col].strip() if title_col is not None and title_col < len(row) else ""
        by_code.setdefault(code, []).append((value, title))
    if not by_code:
        raise WeightsFileError(f"{file.name}: no weights (rule: empty_file)")
    return by_code


def _load_cchi(file: Path, rows: list[list[str]]) -> list[OffenceWeight]:
    by_code = _coded_values(file, rows, _VALUE_ALIASES, "cchi_layout", "numeric_harm_days")
    weights = []
    for code in sorted(by_code):
        entries = sorted(by_code[code])
        value, title = entries[0]
        note = f"lowest of {len(entries)} sub-offences" if len(entries) > 1 else ""
        weights.append(
            OffenceWeight(
                code, title, value, "CCHI_OFFICIAL", f"CCHI file {file.name}", "", note,
                weight_origin=ORIGIN_OFFICIAL, source=f"Cambridge Crime Harm Index ({file.name})",
            )
        )
    return weights


def load_css_weights(file: Path | str) -> dict[str, float]:
    """ONS Crime Severity Score weight per offence code from a CSV of the ONS table."""
    file = Path(file)
    by_code = _coded_values(file, _read_rows(file), _CSS_ALIASES, "css_layout", "numeric_css_weight")
    weights = {}
    for row_no, code in enumerate(sorted(by_code), start=1):
        values = {value for value, _ in by_code[code]}
        if len(values) > 1:
            raise WeightsFileError(f"{file.name}: offence code {code} has {len(values)} different weights (rule: one_weight_per_code)")
        weights[code] = values.pop()
    return weights


@dataclass(frozen=True)
class OffenceCode:
    offence_code: str
    offence_title: str
    offence_group: str
    offence_class: str
    is_cse_offence: bool
    child_victim_implied: bool


def load_offence_code_reference(file: Path = OFFENCE_CODES) -> list[OffenceCode]:
    """Every code of the classification file (reference/offence_codes.csv), validated."""
    rows = _read_rows(file)
    codes: dict[str, OffenceCode] = {}
    for row_no, row, index in _data_rows(file, rows, OFFENCE_CODE_COLUMNS, (), "offence_code_layout"):
        code = normalise_code(row[index["offence_code"]])
        if not is_code_shaped(code):
            raise WeightsFileError(f"{file.name} row {row_no}: offence code is not of Home Office shape (rule: code_shape)")
        if code in codes:
            raise WeightsFileError(f"{file.name} row {row_no}: offence code {code} repeated (rule: duplicate_code)")
        flags = {}
        for column in ("is_cse_offence", "child_victim_implied"):
            value = row[index[column]].strip().upper()
            if value not in ("Y", "N"):
                raise WeightsFileError(f"{file.name} row {row_no}: {column} is not Y or N (rule: yes_no)")
            flags[column] = value == "Y"
        if row[index["offence_class"]].strip() != offence_class(code):
            raise WeightsFileError(f"{file.name} row {row_no}: offence_class disagrees with code {code} (rule: class_of_code)")
        codes[code] = OffenceCode(
            code, row[index["offence_title"]].strip(), row[index["offence_group"]].strip(),
            offence_class(code), flags["is_cse_offence"], flags["child_victim_implied"],
        )
    return [codes[c] for c in sorted(codes)]


def load_offence_codes(file: Path = OFFENCE_CODES) -> dict[str, bool]:
    """Offence code -> is it a CSE offence (reference/offence_codes.csv unless ``file`` is given)."""
    return {c.offence_code: c.is_cse_offence for c in load_offence_code_reference(file)}


def weights_path(configured: str) -> Path:
    return Path(configured) if configured else BUNDLED_WEIGHTS


def classification_path(configured: str | None = None) -> Path:
    """The classification file a run uses: ``configured``, else setting ``harm.classification_file``
    (read by name: network reads it too, and a stage does not import a later stage's section),
    else the bundled one (the setting's default, empty)."""
    if configured is None:
        configured = str(settings.section_value("harm", "classification_file", ""))
    return Path(configured) if configured else OFFENCE_CODES


def sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reference_file(kind: str, file: Path, n_rows: int, version: str) -> ReferenceFile:
    """Describe one reference file: bundled files carry BUNDLED_VERSION, a force's file its configured label."""
    bundled = file.resolve().parent == REFERENCE_DIR.resolve()
    label = BUNDLED_VERSION if bundled else (version or "unversioned")
    return ReferenceFile(kind, file.name, label, sha256_of(file), n_rows, bundled)
