"""Dossiers of the top networks on the hand-made world.

A page shows the picture it is rendered from (the catalog in use): handling-code-C
intelligence stays out because the dossier asset renders from the shareable picture
(csenet_dagster/network/shareable.py). That end-to-end property is tested metamorphically in
tests/test_shareable_picture.py; here the world is one picture, C item I2 included."""

from __future__ import annotations

import dataclasses
import re
import stat

import pytest

import test_harm_world as world
from csenet_dagster.harm import config, dossier, priority, scoring


@pytest.fixture
def scored(empty_workspace, tmp_path):
    conn = world.build(tmp_path / "w.duckdb")
    cfg = config.load()
    scoring.build_offence_weight(conn, cfg)
    scoring.build_crime_harm(conn, cfg)
    scoring.build_nominal_harm(conn, cfg)
    priority.build_all(conn, cfg)
    yield conn, cfg
    conn.close()


def test_top_network_page_shows_why_it_ranks_first(scored, tmp_path):
    conn, cfg = scored
    out = tmp_path / "dossiers"
    (out).mkdir()
    (out / "CSE09999.html").write_text("stale")
    written = dossier.write_dossiers(conn, dataclasses.replace(cfg, dossier_top_n=1), out)
    assert [p.name for p in written] == ["CSE00001.html"]
    assert sorted(p.name for p in out.iterdir()) == ["CSE00001.html"]  # stale page removed
    assert stat.S_IMODE(written[0].stat().st_mode) == 0o600
    page = written[0].read_text(encoding="utf-8")
    assert "Priority rank <b>1</b>" in page
    assert "made of harm" in page and "It ranks above CSE00002 (rank 2" in page  # the headline
    assert "C1" in page and "19E Rape of a female child under 13" in page  # the crime that drives the score
    assert "OCG001" in page and "SHARED_MEMBER" in page
    assert len(re.findall(r"data:image/png;base64,[A-Za-z0-9+/]{100,}", page)) == 2  # link chart and timeline
    # the page says which picture it shows, in words that count nothing
    assert dossier.HANDLING_NOTE_SHAREABLE in page and "withheld" not in page


def test_pages_are_deterministic_and_say_when_handling_c_is_included(scored, tmp_path):
    conn, cfg = scored
    o1, o2 = sorted((world.nid("O1"), world.nid("O2")))
    conn.execute(f"INSERT INTO net.edge VALUES ('{o1}', '{o2}', 'INTEL_ASSOCIATION', 0.6, DATE '2026-07-01', DATE '2026-07-01', 1, 'I2')")
    allowed = dataclasses.replace(cfg, dossier_top_n=1, dossier_include_handling_c=True)
    first = dossier.write_dossiers(conn, allowed, tmp_path / "a")[0].read_bytes()
    second = dossier.write_dossiers(conn, allowed, tmp_path / "b")[0].read_bytes()
    assert first == second
    assert b"<td>I2</td>" in first and b"IS included" in first
    assert b"INTEL_ASSOCIATION first seen" in first


def _page(conn, cfg, out, **changes) -> str:
    return dossier.write_dossiers(conn, dataclasses.replace(cfg, dossier_top_n=1, **changes), out)[0].read_text()


def _member_degree(page: str, nominal_id: str) -> int:
    return int(re.search(rf"<td>{nominal_id}</td>.*?<td class=\"num\">(\d+)</td>", page).group(1))


def test_marking_on_every_page_and_short_names_on_the_chart(scored, tmp_path):
    conn, cfg = scored
    page = _page(conn, cfg, tmp_path / "n")
    # a fixed bar at the top and at the bottom (repeated on every printed page) and the
    # page-frame table whose thead/tfoot reserve their room on every page
    assert page.count('class="marking-bar marking-top">OFFICIAL-SENSITIVE') == 1
    assert page.count('class="marking-bar marking-bottom">OFFICIAL-SENSITIVE') == 1
    assert re.search(r"\.marking-bar \{ position: fixed;", page) and "<thead><tr><td><div class=\"frame-space\">" in page
    assert "short name over their nominal id" in page
    marked = _page(conn, cfg, tmp_path / "m", dossier_marking="SECRET")
    assert marked.count(">SECRET") == 2
    labels = dossier.chart_labels([{"nominal_id": "N00000001", "surname": "Smith", "forenames": "john paul"},
                                   {"nominal_id": "N00000002", "surname": None, "forenames": None}], "names")
    assert labels == {"N00000001": "J. SMITH\nN00000001", "N00000002": "N00000002"}
    assert dossier.chart_labels([{"nominal_id": "N00000001", "surname": "Smith", "forenames": "J"}], "ids") == {"N00000001": "N00000001"}
    ids_page = _page(conn, cfg, tmp_path / "i", dossier_chart_labels="ids")
    assert "nominal id only" in ids_page
    chart = re.compile(r'alt="Link chart[^"]*" src="data:image/png;base64,([^"]+)"')
    assert chart.search(ids_page).group(1) != chart.search(page).group(1)  # the labels are drawn
    with pytest.raises(ValueError, match="dossier_chart_labels"):
        _page(conn, cfg, tmp_path / "x", dossier_chart_labels="names please")


def test_timeline_of_the_evidence_lists_the_logs_linking_members_with_their_grading(scored, tmp_path):
    conn, cfg = scored
    shown = _page(conn, cfg, tmp_path / "s")
    o1, o2 = sorted((world.nid("O1"), world.nid("O2")))
    assert "Timeline of the evidence" in shown
    assert f"<td>intel</td><td>I2</td><td>{o1} / {o2}</td>" in shown
    assert "<td>1B C</td>" in shown  # the item's 3x5x2 grading


def test_member_measures_are_counted_over_the_links_the_page_draws(scored, tmp_path):
    conn, cfg = scored
    before = _page(conn, cfg, tmp_path / "h")
    o2, v2 = sorted((world.nid("O2"), world.nid("V2")))
    conn.execute(f"INSERT INTO net.edge VALUES ('{o2}', '{v2}', 'INTEL_ASSOCIATION', 0.6, DATE '2026-07-01', DATE '2026-07-01', 1, 'I9')")
    after = _page(conn, cfg, tmp_path / "s")
    assert _member_degree(before, world.nid("O2")) == 2  # O1 and V1
    assert _member_degree(after, world.nid("O2")) == 3  # and V2
    assert "INTEL_ASSOCIATION first seen" not in before and "INTEL_ASSOCIATION first seen" in after


def test_hostile_values_are_escaped_on_the_page(scored, tmp_path):
    conn, cfg = scored
    o1, o2 = sorted((world.nid("O1"), world.nid("O2")))
    conn.execute(
        "INSERT INTO net.edge_evidence (nominal_id_a, nominal_id_b, link_type, source_file, source_ref, event_date, detail, shareable, outcome) "
        f"VALUES ('{o1}', '{o2}', 'CO_OFFENDING', 'crime', '<script>alert(1)</script>\x01', DATE '2026-06-01', 'x', TRUE, '=cmd|\"/C calc\"!A0 <i>')"
    )
    # a name that matplotlib would read as (broken) mathtext on the chart
    conn.execute(f"UPDATE er.nominal SET surname = 'Sm$\\frac{{$ith<b>' WHERE nominal_id = '{o1}'")
    page = _page(conn, cfg, tmp_path / "p")
    assert "<script>" not in page and "\x01" not in page and "<i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\x01" in page and "&lt;i&gt;" in page


def test_printed_pdf_has_the_marking_on_every_page(scored, tmp_path):
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser or not shutil.which("pdftotext"):
        pytest.skip("headless chromium and pdftotext (poppler-utils) are needed to print the page")
    conn, cfg = scored
    page = dossier.write_dossiers(conn, dataclasses.replace(cfg, dossier_top_n=1), tmp_path / "d")[0]
    pdf = tmp_path / "d.pdf"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    for number, content in enumerate(pages, start=1):
        assert content.count("OFFICIAL-SENSITIVE") >= 2, f"page {number} lacks the marking at top and bottom"


def test_a_new_link_is_listed_as_a_change_only_when_the_page_draws_it(scored, tmp_path):
    conn, cfg = scored
    o1, o2 = sorted((world.nid("O1"), world.nid("O2")))
    item = f"{o1}|{o2}|INTEL_ASSOCIATION"
    for ref in (item, f"{o1}|{o2}|CO_OFFENDING"):
        conn.execute("INSERT INTO harm.explanation (subject_kind, subject_id, priority_rank, section, component, item_kind, item_ref, "
                     "contribution, share, detail) VALUES ('NETWORK', 'CSE00001', 1, 'CHANGE', 'NEW_LINK', 'edge', ?, 0, 0, 'new link')", [ref])
    without = _page(conn, cfg, tmp_path / "h")
    conn.execute(f"INSERT INTO net.edge VALUES ('{o1}', '{o2}', 'INTEL_ASSOCIATION', 0.6, DATE '2026-07-01', DATE '2026-07-01', 1, 'I2')")
    drawn = _page(conn, cfg, tmp_path / "s")
    assert f"<td>{o1}|{o2}|CO_OFFENDING</td>" in without and f"<td>{item}</td>" not in without
    assert f"<td>{item}</td>" in drawn

def test_members_show_their_reasons_with_their_refs(scored, tmp_path):
    conn, cfg = scored
    conn.execute(f"UPDATE net.member_reason SET source_refs = 'C1,I2' WHERE nominal_id = '{world.nid('O1')}'")
    page = dossier.write_dossiers(conn, dataclasses.replace(cfg, dossier_top_n=1), tmp_path / "r")[0].read_text()
    assert "CSE_CRIME_CHARGED: C1, I2" in page
    assert "CSE_CRIME_VICTIM: C1" in page and "Key player (offender PageRank)" in page
