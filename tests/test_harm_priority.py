"""SOC links, network harm, priority and explanation on the hand-made world."""

from __future__ import annotations

import pytest

import test_harm_world as world
from conftest import complete_previous_run
from csenet_dagster import db
from csenet_dagster.harm import config, priority, scoring


def score_world(conn, cfg):
    scoring.build_offence_weight(conn, cfg)
    scoring.build_crime_harm(conn, cfg)
    scoring.build_nominal_harm(conn, cfg)
    priority.build_all(conn, cfg)


@pytest.fixture
def scored(empty_workspace, tmp_path):
    conn = world.build(tmp_path / "w.duckdb")
    cfg = config.load()
    score_world(conn, cfg)
    yield conn, cfg
    conn.close()


def rows(conn, query):
    return conn.sql(query).fetchall()


def test_soc_links_have_the_right_kind_and_via_nominals(scored):
    conn, _ = scored
    links = {
        (r[0], r[1]): r[2:]
        for r in rows(conn, "SELECT network_id, ocg_ref, link_kind, via_nominal_ids, ocgm_band, ocg_status, strength FROM harm.soc_link")
    }
    assert set(links) == {("CSE00001", "OCG001"), ("CSE00002", "OCG002"), ("CSE00001", "OCG003")}
    kind, via, band, status, strength = links[("CSE00001", "OCG001")]
    assert (kind, via, band, status) == ("SHARED_MEMBER", world.nid("O2"), "2B", "ACTIVE")
    # shared O2 (1.0) + direct O1-? none; O2's own edge to G1 is inside the OCG: not a direct link;
    # x band 2B factor 0.75 x 0.9
    assert strength == pytest.approx(1.0 * 0.675)
    kind, via, band, status, strength = links[("CSE00002", "OCG002")]
    assert kind == "DIRECT_LINK" and via == ",".join(sorted([world.nid("O3"), world.nid("G2")]))
    assert (band, status, strength) == ("3C", "ARCHIVED", pytest.approx(0.6 * 0.5 * 0.8))
    kind, via, *_, strength = links[("CSE00001", "OCG003")]
    assert kind == "TWO_STEP" and via == world.nid("X1")
    assert strength == pytest.approx(0.5 * 0.3 * 1.0)  # band 1A: factor 1


def test_network_harm_counts_each_crime_once_and_its_orbit(scored):
    conn, _ = scored
    h = conn.sql("SELECT * FROM harm.network_harm WHERE network_id = 'CSE00001'").df().iloc[0]
    expected = 2920 * 2 * world.decay(world.D(2026, 5, 1)) + 365 * world.decay(world.D(2026, 9, 1))
    assert h["harm_score"] == pytest.approx(expected, abs=1e-4)  # C1 once, though two members offended
    assert h["member_harm_sum"] > h["harm_score"]  # members' own harm double-counts C1
    assert 0 < h["top_member_share"] <= 1 and 0 < h["member_harm_hhi"] <= 1
    assert (h["n_crimes"], h["n_victims"], h["n_victims_active_window"]) == (2, 2, 2)
    assert (h["n_missing_children"], h["n_missing_children_active_window"]) == (1, 1)
    assert h["n_new_members_active_window"] == 1  # O2 first seen this year
    assert h["n_ocg_links"] == 2 and h["ocg_refs"] == "OCG001,OCG003"
    assert bool(h["is_active"])
    d = conn.sql("SELECT * FROM harm.network_harm WHERE network_id = 'CSE00002'").df().iloc[0]
    assert not bool(d["is_active"])
    assert d["harm_total_days"] == h["harm_total_days"]  # the same offences ...
    assert d["harm_score"] < h["harm_score"] / 10  # ... long ago


def test_dormant_network_ranks_below_active_one_of_similar_harm(scored):
    conn, _ = scored
    ranks = dict(rows(conn, "SELECT network_id, priority_rank FROM harm.network_priority"))
    assert ranks == {"CSE00001": 1, "CSE00002": 2}


def test_score_parts_add_up_to_priority_score(scored):
    conn, _ = scored
    for kind, table, id_col in (("NETWORK", "network_priority", "network_id"), ("NOMINAL", "nominal_priority", "nominal_id")):
        mismatch = rows(
            conn,
            f"""SELECT p.{id_col}, p.priority_score, sum(e.contribution)
                FROM harm.{table} AS p
                JOIN harm.explanation AS e ON e.subject_kind = '{kind}' AND e.subject_id = p.{id_col} AND e.section = 'SCORE'
                GROUP BY p.{id_col}, p.priority_score
                HAVING abs(p.priority_score - sum(e.contribution)) > 1e-6""",
        )
        assert mismatch == []
    parts = dict(
        rows(conn, "SELECT component, sum(contribution) FROM harm.explanation WHERE subject_id = 'CSE00001' GROUP BY component")
    )
    cfg = config.load()
    assert parts["VICTIM"] == pytest.approx(2 * cfg.points_per_recent_victim)
    assert parts["MISSING"] == pytest.approx(cfg.points_per_missing_child)
    assert parts["GROWTH"] == pytest.approx(cfg.points_per_new_member)
    assert parts["OCG"] == pytest.approx(cfg.points_per_ocg_link * (1.0 + cfg.ocg_kind_factor_two_step))


def test_nominal_priority_is_a_ranked_permutation(scored):
    conn, _ = scored
    ranked = rows(conn, "SELECT nominal_id, priority_rank, network_id FROM harm.nominal_priority ORDER BY priority_rank")
    assert [r[1] for r in ranked] == list(range(1, len(ranked) + 1))
    assert ranked[0][0] == world.nid("O2") and ranked[0][2] == "CSE00001"
    involved = dict(rows(conn, "SELECT nominal_id, is_cse_involved FROM harm.nominal_priority"))
    assert involved[world.nid("O2")] and not involved[world.nid("B1")]  # B1: shoplifting only
    # a victim with no offending, no OCG and no missing link is not on the list
    assert world.nid("V2") not in {r[0] for r in ranked}


def test_changes_since_previous_published_run(scored, empty_workspace):
    conn, cfg = scored
    # no previous analyst.duckdb: no change rows
    assert db.scalar(conn, "SELECT count(*) FROM harm.explanation WHERE section = 'CHANGE'") == 0
    # publish a previous run without O2 in CSE00001, without crime C5 and without the O1-O2 link
    prev = db.connect(empty_workspace.analyst_db)
    prev.execute("CREATE TABLE run AS SELECT 'old' AS delivery_id")
    prev.execute("CREATE TABLE network AS SELECT * FROM (VALUES ('CSE00001', 2), ('CSE00002', 1)) t(network_id, priority_rank)")
    members = [(n, m) for n, ms in world.NETWORKS.items() for m in ms if m != "O2" or n != "CSE00001"]
    prev.execute("CREATE TABLE network_member(network_id VARCHAR, nominal_id VARCHAR)")
    prev.executemany("INSERT INTO network_member VALUES (?, ?)", [[n, world.nid(m)] for n, m in members])
    prev.execute("CREATE TABLE edge(nominal_id_a VARCHAR, nominal_id_b VARCHAR, link_type VARCHAR)")
    for a, b, t, *_ in world.EDGES:
        if {a, b} != {"O1", "O2"}:
            prev.execute("INSERT INTO edge VALUES (?, ?, ?)", [*sorted((world.nid(a), world.nid(b))), t])
    prev.execute(
        "CREATE TABLE explanation AS SELECT 'NETWORK' AS subject_kind, network_id AS subject_id, 'SCORE' AS section, "
        "'HARM' AS component, crime_ref AS item_ref FROM (VALUES ('CSE00001', 'C1'), ('CSE00002', 'C6'), ('CSE00002', 'C7')) t(network_id, crime_ref)"
    )
    prev.close()
    complete_previous_run(empty_workspace.analyst_db)
    priority.build_all(conn, cfg)
    changes = set(rows(conn, "SELECT subject_id, component, item_ref FROM harm.explanation WHERE section = 'CHANGE'"))
    o1, o2 = sorted((world.nid("O1"), world.nid("O2")))
    assert changes == {
        ("CSE00001", "NEW_MEMBER", world.nid("O2")),
        ("CSE00001", "NEW_LINK", f"{o1}|{o2}|CO_OFFENDING"),
        ("CSE00001", "NEW_CRIME", "C5"),
    }
    assert rows(conn, "SELECT previous_rank, rank_change FROM harm.network_priority WHERE network_id = 'CSE00001'") == [(2, 1)]


def test_priority_is_deterministic(scored):
    conn, cfg = scored
    before = rows(conn, "SELECT * FROM harm.explanation")
    priority.build_all(conn, cfg)
    assert rows(conn, "SELECT * FROM harm.explanation") == before


def test_rank_and_explanation_checks_catch_faults(scored):
    from csenet_dagster import sql_checks
    from csenet_dagster.harm import checks

    conn, _ = scored
    by_name = {check.name: check for check in checks.HARM_CHECKS}

    def counts(check) -> dict:
        return sql_checks.rule_counts(conn, check.sql_file, check.params())

    assert counts(by_name["network_rank_is_permutation"])["n_rank_faults"] == 0
    assert sql_checks.run_check(conn, by_name["network_rank_is_permutation"]).passed
    conn.execute("CREATE TABLE harm.bad_rank AS SELECT * FROM (VALUES (1), (2), (2), (5)) t(priority_rank)")
    bad = checks.rank_is_permutation("bad_rank_is_permutation", "harm.bad_rank", "harm.bad_rank", "probe")
    assert counts(bad) == {"n_rank_faults": 2, "rows_not_expected": 0, "n_ranked": 4}  # 5 out of range, 2 repeated
    assert not sql_checks.run_check(conn, bad).passed
    assert counts(by_name["explanation_adds_up"]) == {"n_subjects_not_adding_up": 0}
    conn.execute("UPDATE harm.explanation SET contribution = contribution + 1 WHERE subject_id = 'CSE00002' AND component = 'HARM'")
    assert counts(by_name["explanation_adds_up"]) == {"n_subjects_not_adding_up": 1}
    assert counts(by_name["soc_link_valid"]) == {"n_invalid_rows": 0}
