"""Dossiers of the top networks on the hand-made world."""

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
    # the handling-code-C intel item is withheld, and the page says so
    assert "<td>I2</td>" not in page and "1 evidence item(s) from intelligence with handling code C" in page


def test_handling_c_shown_only_when_allowed_and_pages_are_deterministic(scored, tmp_path):
    conn, cfg = scored
    # a link evidenced only by the handling-code-C intel item I2
    o1, o2 = sorted((world.nid("O1"), world.nid("O2")))
    conn.execute(f"INSERT INTO net.edge VALUES ('{o1}', '{o2}', 'INTEL_ASSOCIATION', 0.6, DATE '2026-07-01', DATE '2026-07-01', 1, 'I2')")
    hidden = dossier.write_dossiers(conn, dataclasses.replace(cfg, dossier_top_n=1), tmp_path / "c")[0].read_text()
    assert "INTEL_ASSOCIATION first seen" not in hidden and "<td>I2</td>" not in hidden
    allowed = dataclasses.replace(cfg, dossier_top_n=1, dossier_include_handling_c=True)
    first = dossier.write_dossiers(conn, allowed, tmp_path / "a")[0].read_bytes()
    second = dossier.write_dossiers(conn, allowed, tmp_path / "b")[0].read_bytes()
    assert first == second
    assert b"<td>I2</td>" in first and b"IS included" in first
    assert b"INTEL_ASSOCIATION first seen" in first


def test_members_show_their_reasons_with_handling_c_refs_withheld(scored, tmp_path):
    conn, cfg = scored
    # O1's reasons cite a crime and the handling-code-C log I2
    conn.execute(f"UPDATE net.member_reason SET source_refs = 'C1,I2' WHERE nominal_id = '{world.nid('O1')}'")
    page = dossier.write_dossiers(conn, dataclasses.replace(cfg, dossier_top_n=1), tmp_path / "r")[0].read_text()
    assert "CSE_CRIME_CHARGED: C1, 1 withheld (handling C)" in page and ", I2" not in page
    assert "CSE_CRIME_VICTIM: C1" in page and "Key player (offender PageRank)" in page
    allowed = dataclasses.replace(cfg, dossier_top_n=1, dossier_include_handling_c=True)
    assert "CSE_CRIME_CHARGED: C1, I2" in dossier.write_dossiers(conn, allowed, tmp_path / "s")[0].read_text()
