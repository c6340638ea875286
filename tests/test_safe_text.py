"""safe_text: each hostile value made harmless for CSV (OWASP CSV injection), XML and HTML."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pytest

from csenet_dagster import safe_text

FORMULAS = [
    '=HYPERLINK("http://example.invalid","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width equals
]
CONTROLS = ["CR\x00Y", "CR\x01X", "A\x1bB", "A\x7fB", "A\x85B", "A\u2028B", "line\nbreak"]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_are_prefixed_with_a_quote_and_read_back_as_text(value, tmp_path):
    cell = safe_text.csv_cell(value)
    assert cell.startswith("'")
    path = tmp_path / "x.csv"
    safe_text.write_csv(path, ["ref", "n"], [[value, -1.5]])
    raw = path.read_text(encoding="utf-8")
    assert raw.splitlines()[1].startswith("\"'")  # quoted, then the neutralising quote
    (row,) = list(csv.DictReader(open(path, encoding="utf-8", newline="")))
    assert row["ref"].startswith("'") and row["n"] == "-1.5"  # a negative number stays a number


@pytest.mark.parametrize("value", CONTROLS)
def test_control_characters_become_visible_escapes(value):
    cleaned = safe_text.identifier(value)
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029" for c in cleaned)
    assert "\\x" in cleaned or "\\u" in cleaned
    assert safe_text.identifier("CR\x00Y") != safe_text.identifier("CR\x00Z")  # nothing cut short


def test_ordinary_values_are_unchanged():
    for value in ("CR00012345", "INT00000042", "AB12CDE", "O'Brien", "N00000001-N00000002-CO_OFFENDING-CR1"):
        assert safe_text.csv_cell(value) == value and safe_text.identifier(value) == value
    assert safe_text.csv_cell(None) is None and safe_text.csv_cell(3) == 3 and safe_text.csv_cell(True) == "true"


@pytest.mark.parametrize("value", [*CONTROLS, '<script>alert("x")</script>', "a & b", "\"quoted' attr"])
def test_xml_and_html_text_is_escaped_and_well_formed(value):
    text = safe_text.xml_text(value)
    element = ET.fromstring(f'<e a="{text}">{text}</e>')
    assert element.get("a") == safe_text.identifier(value) == element.text
    html_value = safe_text.html_text(value)
    assert "<" not in html_value and ">" not in html_value and '"' not in html_value
    assert "\x00" not in html_value and "\x01" not in html_value
