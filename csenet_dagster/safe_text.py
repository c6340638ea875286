"""Text made safe for the files analysts open: CSV, GraphML (XML) and HTML.

Every exporter (graph exports, i2 files, dossiers) passes delivered or derived
text through this module, so one hostile value cannot become a live formula,
break a file or cut a reference short:

* ``identifier``: control characters (C0, DEL, C1, Unicode line/paragraph
  separators) are replaced by a visible ``\\xNN`` / ``\\uNNNN`` escape, so a
  reference with a NUL or 0x01 stays whole, stays distinct from its neighbours
  and can still be searched for in the source system.
* ``csv_cell``: the OWASP CSV-injection rule: a cell starting with ``=``, ``+``,
  ``-``, ``@``, tab or carriage return (or their full-width forms, which some
  spreadsheets fold to ASCII) is prefixed with a single quote, and every text
  cell is written quoted with embedded quotes doubled (``write_csv``).
* ``xml_text`` / ``html_text``: identifiers cleaned, then markup characters
  escaped (``& < > " '``), so no value can open an element or an attribute.

Numbers are written as numbers (a negative weight is a number, not a formula).
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

# C0 controls (tab and newlines included: they are never part of an
# identifier), DEL, C1 controls, and the Unicode line/paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Characters that make a spreadsheet evaluate a cell (OWASP), with the
# full-width forms of = + - @.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _escape_control(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def identifier(value) -> str:
    """``value`` as text with every control character replaced by a visible escape.

    None becomes the empty string.
    """
    if value is None:
        return ""
    return _CONTROL.sub(_escape_control, str(value))


def free_text(value) -> str:
    """Like ``identifier`` but keeps ordinary line breaks and tabs as spaces (for
    descriptions and names shown to people)."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return identifier(text)


def csv_cell(value):
    """A value ready for a CSV cell: numbers and booleans unchanged, text cleaned
    of control characters and neutralised when a spreadsheet would read it as a
    formula (prefixed with ``'``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = identifier(value)
    if str(value).startswith(FORMULA_TRIGGERS) or text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    return text


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write ``rows`` under ``header``: every text cell through ``csv_cell`` and
    quoted (embedded quotes doubled), numbers bare, None as an empty field."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
        writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            writer.writerow(["" if c is None else c for c in (csv_cell(v) for v in row)])


def xml_text(value) -> str:
    """Text for an XML element or attribute value (GraphML): cleaned and escaped."""
    return html.escape(identifier(value), quote=True)


def html_text(value) -> str:
    """Text for HTML content or attribute values: cleaned and escaped."""
    return html.escape(free_text(value), quote=True)


def format_share(share: float) -> str:
    """A share as a percentage that never shows a non-zero share as 0.00%."""
    return "<0.01%" if 0 < share < 0.00005 else f"{share:.2%}"
