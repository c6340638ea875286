"""Harm follows the labels (issue 10) on the hand-made harm world plus a few rows:
void crimes carry no harm, delayed disclosure is not discounted away, victims are
never targets nor a network's harm, SOC links never run through a victim, and the
children are ranked for safeguarding instead."""

from __future__ import annotations

import pytest

import test_harm_world as world
from csenet_dagster.harm import config
from test_harm_priority import score_world


@pytest.fixture
def labelled(empty_workspace, tmp_path):
    conn = world.build(tmp_path / "w.duckdb")
    p = world._person
    crimes = [
        # a child rape by O1 in 2019 against V2, disclosed and recorded in October 2026
        ("C9", "2026-10-01", "2019-01-01", "19E", True, "Charged/summonsed", [("OFFENDER", "P_O1"), ("VICTIM", "P_V2")]),
        # V1 later shoplifts: her own offending
        ("C10", "2026-08-01", "2026-08-01", "46", False, "Charged/summonsed", [("OFFENDER", "P_V1")]),
        # a child sexual offence by O3 that was no-crimed
        ("C11", "2026-09-01", "2026-09-01", "22B", True, "No crime - crime cancelled", [("SUSPECT", "P_O3"), ("VICTIM", "P_V3")]),
    ]
    for i, (ref, recorded, committed, code, cse, outcome, people) in enumerate(crimes, start=100):
        conn.execute("INSERT INTO raw.crime VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                     [ref, recorded, committed, code, code, cse, outcome, i])
        for role, person_ref in people:
            conn.execute("INSERT INTO raw.crime_person VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [ref, role, *p(person_ref), i])
    # V2 shares a family address with a member of a fourth OCG
    conn.execute("INSERT INTO raw.ocg_member VALUES ('OCG004', 'Op OCG004', '1A', 'ACTIVE', 'PRINCIPAL', DATE '2024-01-01', ?, ?, ?, ?, ?, ?, ?, ?, ?, 9)",
                 list(p("P_B1")))
    x, y = sorted((world.nid("V2"), world.nid("B1")))
    conn.execute("INSERT INTO net.edge VALUES (?, ?, 'SHARED_ADDRESS', 0.3, DATE '2026-01-01', DATE '2026-01-01', 1, 'ref')", [x, y])
    world.build_cse_evidence(conn)
    cfg = config.load()
    score_world(conn, cfg)
    yield conn, cfg
    conn.close()


def test_void_crimes_have_no_harm(labelled):
    conn, _ = labelled
    assert conn.sql("SELECT count(*) FROM harm.crime_harm WHERE crime_ref = 'C11'").fetchall() == [(0,)]
    assert conn.sql("SELECT count(*) FROM harm.network_crime WHERE crime_ref = 'C11'").fetchall() == [(0,)]


def test_delayed_disclosure_counts_from_the_recording(labelled):
    conn, cfg = labelled
    recency, age, recency_date = conn.sql(
        "SELECT recency_weight, age_days, recency_date FROM harm.crime_harm WHERE crime_ref = 'C9'").fetchall()[0]
    assert str(recency_date) == "2026-10-01" and age == 59
    assert recency == pytest.approx(0.5 ** (59 / cfg.recency_half_life_days))
    # an old CSE crime recorded long ago keeps at least the floor
    old = conn.sql("SELECT recency_weight FROM harm.crime_harm WHERE crime_ref = 'C6'").fetchall()[0][0]
    assert old == pytest.approx(max(cfg.cse_recency_floor, world.decay(world.D(2019, 3, 1))))


def test_victims_are_never_targets_nor_network_harm(labelled):
    conn, _ = labelled
    ranked = {r[0] for r in conn.sql("SELECT nominal_id FROM harm.nominal_priority").fetchall()}
    for victim in ("V1", "V2", "V3", "V4"):
        assert world.nid(victim) not in ranked
    # V1's shoplifting is on her own harm, not on the network's record
    assert conn.execute("SELECT harm_score FROM harm.nominal_harm WHERE nominal_id = ?", [world.nid("V1")]).fetchall()[0][0] > 0
    assert conn.sql("SELECT count(*) FROM harm.network_crime WHERE crime_ref = 'C10'").fetchall() == [(0,)]
    assert "C10" not in {r[0] for r in conn.sql(
        "SELECT item_ref FROM harm.explanation WHERE subject_kind = 'NETWORK'").fetchall()}


def test_soc_links_never_run_through_a_victim(labelled):
    conn, _ = labelled
    links = {(r[0], r[1]) for r in conn.sql("SELECT network_id, ocg_ref FROM harm.soc_link").fetchall()}
    assert ("CSE00001", "OCG004") not in links  # only V2 (a victim) shares an address with its member
    assert ("CSE00001", "OCG001") in links  # O2, an offender, is a shared member


def test_children_are_ranked_for_safeguarding(labelled):
    conn, cfg = labelled
    rows = conn.sql(
        "SELECT nominal_id, n_offenders_linked, n_missing_episodes, safeguarding_score, safeguarding_rank "
        "FROM harm.child_safeguarding ORDER BY safeguarding_rank").fetchall()
    assert {r[0] for r in rows} == {world.nid(v) for v in ("V1", "V2", "V3", "V4")}
    assert [r[4] for r in rows] == [1, 2, 3, 4]
    by_child = {r[0]: r for r in rows}
    v1 = by_child[world.nid("V1")]
    assert (v1[1], v1[2]) == (2, 1)  # linked to O1 and O2; missing once (E1)
    assert rows[0][0] == world.nid("V1")  # two offenders, missing recently
    assert all(r[3] >= 0 for r in rows)
