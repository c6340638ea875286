"""Network stage on a small hand-made world with known links and networks (fast)."""

from __future__ import annotations

import json
import math
import os

import dagster as dg
import pytest

from csenet_dagster import db, ids, previous
from csenet_dagster.network import shareable
from csenet_dagster.ops.resource import duckdb_resource
from csenet_dagster.network import ASSETS, CHECKS
from csenet_dagster.network.corrections import CorrectionError, load_link_corrections
from conftest import Workspace, complete_previous_run, use_workspace
from test_network_world import EXTRACTED_AT, build_world


def run_network(world) -> dg.ExecuteInProcessResult:
    with db.working_db() as conn:
        world.write(conn)
    return dg.materialize(
        [*previous.ASSETS, *ASSETS, *CHECKS], resources={"duckdb": duckdb_resource()}, raise_on_error=True
    )


def query(sql: str) -> list[tuple]:
    with db.working_db(read_only=True) as conn:
        return conn.sql(sql).fetchall()


def shareable_query(sql: str) -> list[tuple]:
    """``sql`` over the shareable picture, which the exports are written from."""
    with db.working_db(read_only=True) as conn, shareable.using_shareable(conn):
        return conn.sql(sql).fetchall()


@pytest.fixture(scope="module")
def world_run(tmp_path_factory):
    """The hand-made world run once through the network stage (read-only for tests)."""
    ws = Workspace(tmp_path_factory.mktemp("network_world"))
    with use_workspace(ws):
        world = build_world()
        result = run_network(world)
        yield world, result, ws


def pair(world, a: str, b: str) -> tuple[str, str]:
    x, y = world.labels[a], world.labels[b]
    return (x, y) if x < y else (y, x)


def edges(world) -> dict[tuple[str, str, str], tuple]:
    rows = query("SELECT nominal_id_a, nominal_id_b, link_type, weight, n_events, source_refs FROM net.edge")
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_link_types_and_rules(world_run):
    world, result, _ = world_run
    assert result.success
    found = edges(world)
    expected = {
        (*pair(world, "O1", "O2"), "CO_OFFENDING"),
        (*pair(world, "P1", "P2"), "CO_OFFENDING"),
        (*pair(world, "B1", "B2"), "CO_OFFENDING"),
        (*pair(world, "B1", "O1"), "CO_OFFENDING"),
        (*pair(world, "O1", "V1"), "OFFENDER_VICTIM"),
        (*pair(world, "O2", "V1"), "OFFENDER_VICTIM"),
        (*pair(world, "O3", "V1"), "OFFENDER_VICTIM"),
        (*pair(world, "O2", "V2"), "OFFENDER_VICTIM"),
        (*pair(world, "P1", "W1"), "OFFENDER_VICTIM"),
        (*pair(world, "P2", "W1"), "OFFENDER_VICTIM"),
        (*pair(world, "O1", "O3"), "CO_VICTIMISATION"),
        (*pair(world, "O2", "O3"), "CO_VICTIMISATION"),
        (*pair(world, "O1", "X"), "CO_ARREST"),
        (*pair(world, "P1", "X"), "CO_ARREST"),
        (*pair(world, "M1", "P2"), "MISSING_FOUND_WITH"),
        (*pair(world, "B2", "M2"), "MISSING_FOUND_WITH"),
        (*pair(world, "O3", "Q1"), "INTEL_ASSOCIATION"),
        (*pair(world, "O1", "O3"), "INTEL_ASSOCIATION"),
        (*pair(world, "B1", "B2"), "SHARED_ADDRESS"),
        (*pair(world, "O2", "P1"), "SHARED_PHONE"),
        (*pair(world, "O1", "O2"), "SHARED_VEHICLE"),
    }
    assert set(found) == expected
    # source 3 (IL2), assessment D (IL3) and source 2 (IL5, not in the default rule) never link
    refs = {r[0] for r in query("SELECT source_ref FROM net.edge_evidence WHERE source_file = 'intel'")}
    assert refs == {"IL1", "IL4"}
    # handling code C evidence is kept but not shareable; the grade is on the evidence
    il4 = query("SELECT shareable, detail FROM net.edge_evidence WHERE source_ref = 'IL4'")
    assert il4 == [(False, "grade 1B handling C roles SUBJECT/ASSOCIATE")]
    # the hostel (8 holders) and the taxi (10 holders) link nobody
    hostel = {world.labels[f"H{i}"] for i in range(8)} | {world.labels[f"T{i}"] for i in range(10)}
    assert not any(a in hostel or b in hostel for a, b, _ in found)


def test_weight_formula_from_extracted_at(world_run):
    world, _, _ = world_run
    found = edges(world)
    as_of = EXTRACTED_AT.date()

    def credit(date: str) -> float:
        age = (as_of - __import__("datetime").date.fromisoformat(date)).days
        return max(0.2, 0.5 ** (age / 730))

    weight, n_events, refs = found[(*pair(world, "O1", "V1"), "OFFENDER_VICTIM")]
    assert weight == pytest.approx(credit("2026-06-01"))
    assert (n_events, refs) == (1, "CR1")
    # co-victimisation: O1's CR1 and O3's CR2 against V1, strength 0.7
    weight, n_events, refs = found[(*pair(world, "O1", "O3"), "CO_VICTIMISATION")]
    assert weight == pytest.approx(0.7 * (credit("2026-06-01") + credit("2026-05-01")))
    assert (n_events, refs) == (2, "CR1,CR2")
    # a shared attribute held by two nominals: strength 0.3 / (2 - 1)
    weight, _, _ = found[(*pair(world, "O2", "P1"), "SHARED_PHONE")]
    assert weight == pytest.approx(0.3 * credit("2026-01-01"))
    # seven co-offending events in a year saturate at strength x max_event_credit
    weight, n_events, _ = found[(*pair(world, "O1", "O2"), "CO_OFFENDING")]
    assert (weight, n_events) == (pytest.approx(5.0), 7)
    assert all(w > 0 and math.isfinite(w) for w, _, _ in found.values())


def test_seeds_and_networks(world_run):
    world, _, _ = world_run
    name = {v: k for k, v in world.labels.items()}
    seeds = {(name[n], r) for n, r in query("SELECT nominal_id, reason FROM net.cse_seed")}
    # outcomes decide OFFENDER (charge, caution) vs SUSPECT (open); found-with people are not seeds
    assert seeds == {
        ("O1", "CSE_CRIME_CHARGED"), ("O2", "CSE_CRIME_CHARGED"), ("O3", "CSE_CRIME_SUSPECT"),
        ("O3", "CSE_INTEL_SUBJECT"), ("V1", "CSE_CRIME_VICTIM"), ("V2", "CSE_CRIME_VICTIM"),
        ("P1", "CSE_CRIME_SUSPECT"), ("P2", "CSE_CRIME_SUSPECT"), ("W1", "CSE_CRIME_VICTIM"),
    }
    members = query("SELECT network_id, nominal_id, member_role FROM net.network_member ORDER BY 1, 2")
    networks: dict[str, set[str]] = {}
    for network_id, nominal_id, role in members:
        networks.setdefault(network_id, set()).add(name[nominal_id])
    # X is a broker between the two groups, not a member; the shared phone O2-P1 does not merge them
    assert sorted(map(sorted, networks.values())) == [["M1", "P1", "P2", "W1"], ["O1", "O2", "O3", "V1", "V2"]]
    assert set(networks) == {"CSE00001", "CSE00002"}
    roles = {(name[n], r) for n, r in query("SELECT nominal_id, member_role FROM net.network_member")}
    assert roles == {
        ("O1", "OFFENDER"), ("O2", "OFFENDER"), ("O3", "OFFENDER"), ("V1", "VICTIM"), ("V2", "VICTIM"),
        ("P1", "SUSPECT"), ("P2", "SUSPECT"), ("W1", "VICTIM"), ("M1", "CHILD_AT_RISK"),
    }
    summary = query(
        "SELECT network_id, n_members, n_offenders, n_suspects, n_victims, n_children_at_risk FROM net.network ORDER BY 1"
    )
    assert [row[1:] for row in summary] == [(5, 3, 0, 2, 0), (4, 0, 2, 1, 1)]
    link = query("SELECT network_id_a, network_id_b, n_edges, broker_nominal_ids, n_outside_brokers FROM net.network_link")
    assert len(link) == 1
    brokers = set(link[0][3].split(","))
    assert brokers == {world.labels["X"], world.labels["O2"], world.labels["P1"]}
    assert link[0][2] == 1 and link[0][4] == 1
    # within network A, O2 (linked to everyone) is the most central offender
    a_id = next(k for k, v in networks.items() if "O1" in v)
    ranking = query(
        f"SELECT nominal_id FROM net.network_member WHERE network_id = '{a_id}' ORDER BY weighted_degree DESC, nominal_id"
    )
    assert name[ranking[0][0]] in {"O1", "O2"}
    x_row = query(f"SELECT brokerage, betweenness FROM net.centrality WHERE nominal_id = '{world.labels['X']}'")
    assert x_row[0][0] == 2 and x_row[0][1] > 0


def test_checks_pass_and_exports_written(world_run):
    world, result, ws = world_run
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
    exports = ws.warehouse / "exports"
    assert all((exports / f).stat().st_mode & 0o077 == 0 for f in ("network.graphml", "i2_links.csv", "i2_entities.csv"))
    import igraph as ig

    loaded = ig.Graph.Read_GraphML(str(exports / "network.graphml"))
    assert loaded.vcount() == shareable_query("SELECT count(DISTINCT nominal_id) FROM net.export_node")[0][0]
    assert loaded.ecount() == shareable_query(
        "SELECT count(*) FROM (SELECT DISTINCT nominal_id_a, nominal_id_b, link_type FROM net.export_network_edge)")[0][0]
    graphml = (exports / "network.graphml").read_text()
    assert world.labels["O1"] in graphml and "surname" not in graphml and "Test" not in graphml
    links = (exports / "i2_links.csv").read_text().splitlines()
    assert links[0].startswith('"from_type","from_identity","from_label","link_id","link_type","direction"')
    # the handling-code-C log IL4 is not shared, so the O1-O3 intelligence link it alone evidences is left out
    o1, o3 = pair(world, "O1", "O3")
    assert "IL4" not in "\n".join(links)
    assert not any(f'"{o1}-{o3}-INTEL_ASSOCIATION' in line for line in links)
    assert any(f'"{o1}-{o3}-CO_VICTIMISATION' in line for line in links)
    entities = (exports / "i2_entities.csv").read_text().splitlines()
    n_people = shareable_query("SELECT count(DISTINCT nominal_id) FROM net.export_node")[0][0]
    assert sum(line.startswith('"Person"') for line in entities) == n_people


def test_link_corrections_remove_edges_and_are_audited(empty_workspace):
    world = build_world()
    b1, b2 = pair(world, "B1", "B2")
    o1, o2 = pair(world, "O1", "O2")
    (empty_workspace.corrections / "links.csv").write_text(
        "nominal_id_a,nominal_id_b,link_type,analyst,decided_at,reason\n"
        f"{b2},{b1},,an1,2026-11-01,not linked\n"
        f"{o1},{o2},SHARED_VEHICLE,an1,2026-11-01T10:00:00Z,pool car\n"
        "N00000998,N00000999,,an2,01/11/2026,unknown pair\n"
    )
    run_network(world)
    found = edges(world)
    assert not any((b1, b2, t) in found for t in ("CO_OFFENDING", "SHARED_ADDRESS"))
    assert (o1, o2, "SHARED_VEHICLE") not in found and (o1, o2, "CO_OFFENDING") in found
    audit = query("SELECT row_no, applied, n_edges_removed FROM net.link_correction ORDER BY row_no")
    assert audit == [(1, True, 2), (2, True, 1), (3, False, 0)]


@pytest.mark.parametrize(
    "row, rule",
    [
        ("N00000001,N00000001,,an,2026-01-01,x", "same nominal"),
        ("N1,N00000002,,an,2026-01-01,x", "not a nominal_id"),
        ("N00000001,N00000002,FRIENDS,an,2026-01-01,x", "unknown link type"),
        ("N00000001,N00000002,,,2026-01-01,x", "missing value"),
        ("N00000001,N00000002,,an,yesterday,x", "unparseable date"),
    ],
)
def test_bad_correction_rows_are_refused_by_row_and_rule(tmp_path, row, rule):
    path = tmp_path / "links.csv"
    path.write_text("nominal_id_a,nominal_id_b,link_type,analyst,decided_at,reason\n" + row + "\n")
    with pytest.raises(CorrectionError, match=f"links.csv row 1: .*{rule}"):
        load_link_corrections(path)


def test_network_ids_inherit_from_published_run(empty_workspace):
    world, ws = build_world(), empty_workspace
    a = [world.labels[x] for x in ("O1", "O2", "O3", "V1", "V2")]
    b = [world.labels[x] for x in ("P1", "P2", "W1", "M1")]
    # the previous published file knew B as CSE00007 and A (partly) as CSE00003
    analyst = db.connect(ws.analyst_db)
    analyst.execute("CREATE TABLE network_member (network_id VARCHAR, nominal_id VARCHAR)")
    analyst.execute(
        "INSERT INTO network_member VALUES "
        + ", ".join(f"('CSE00007', '{n}')" for n in b)
        + ", " + ", ".join(f"('CSE00003', '{n}')" for n in a[:2])
        + ", ('CSE00009', 'N00000999')"
    )
    analyst.close()
    complete_previous_run(ws.analyst_db)
    run_network(world)
    members = query("SELECT network_id, min(nominal_id) FROM net.network_member GROUP BY 1 ORDER BY 1")
    assert dict(members) == {"CSE00003": min(a), "CSE00007": min(b)}
    lineage = query("SELECT network_id, id_status, previous_overlap FROM net.network_lineage ORDER BY 1")
    assert lineage == [("CSE00003", "kept", 2), ("CSE00007", "kept", 4)]


def test_assign_network_ids_new_networks_continue_after_highest():
    previous = {"CSE00004": {"N1", "N2"}, "CSE00010": {"N9"}}
    assigned = ids.inherit([["N5", "N6"], ["N1", "N2", "N3"], ["N2", "N7"]], previous, ids.NETWORK, 10)
    assert [(i.id, i.status) for i in assigned] == [
        ("CSE00011", "new"), ("CSE00004", "kept"), ("CSE00012", "new"),
    ]


def test_same_input_same_output(empty_workspace):
    world = build_world()
    tables = ("net.edge", "net.edge_evidence", "net.network_member", "net.network_link", "net.centrality")

    def snapshot():
        run_network(world)
        return {t: query(f"SELECT * FROM {t} ORDER BY ALL") for t in tables}

    assert snapshot() == snapshot()


def test_intel_rule_is_a_setting_but_source_3_never_links(empty_workspace, tmp_path):
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(
        {"network": {"intel_source_evals": ["1", "2", "3"], "intel_evals": ["A", "B", "C", "D", "E"]}}
    ))
    os.environ["CSENET_SETTINGS_FILE"] = str(settings_file)
    try:
        run_network(build_world())
    finally:
        os.environ.pop("CSENET_SETTINGS_FILE")
    refs = {r[0] for r in query("SELECT source_ref FROM net.edge_evidence WHERE source_file = 'intel'")}
    assert refs == {"IL1", "IL4", "IL5"}


def test_unresolved_person_ref_is_refused(empty_workspace):
    world = build_world()
    with db.working_db() as conn:
        world.write(conn)
        conn.execute("DELETE FROM er.nominal_record WHERE person_ref = 'P-X'")
    with pytest.raises(dg.Failure, match=r"custody.csv: 1 row\(s\) have a person_ref missing .* data row 2"):
        dg.materialize([*ASSETS], resources={"duckdb": duckdb_resource()})


def two_groups_joined_by_one_link() -> tuple:
    """Two dense CSE groups of 20 (8 offenders, 12 victims each) joined by a single
    co-offending link between one offender of each: one component of 40."""
    import igraph as ig

    names = [f"N{i:08d}" for i in range(40)]
    edges, weights = [], []
    for group in (range(0, 20), range(20, 40)):
        offenders, victims = list(group)[:8], list(group)[8:]
        for i, a in enumerate(offenders):
            for b in offenders[i + 1:]:
                edges.append((a, b)); weights.append(1.0)
            for v in victims[i % 4::4]:
                edges.append((a, v)); weights.append(1.0)
    edges.append((0, 20)); weights.append(1.0)
    graph = ig.Graph(n=40, edges=edges)
    graph.vs["name"] = names
    graph.es["weight"] = weights
    graph.es["strong_weight"] = weights
    graph.es["shared_weight"] = [0.0] * len(weights)
    role = {names[v]: ("OFFENDER" if v % 20 < 8 else "VICTIM") for v in range(40)}
    evidenced = {n for n, r in role.items() if r == "OFFENDER"}
    return graph, role, evidenced


def test_large_component_is_split_by_seeded_leiden():
    from csenet_dagster.network.delineate import delineate
    from csenet_dagster.network.network_settings import NetworkSettings

    graph, role, evidenced = two_groups_joined_by_one_link()
    s = NetworkSettings()
    networks = delineate(graph, role, evidenced, s)
    assert [set(n.members) for n in networks] == [set(range(20)), set(range(20, 40))]
    assert all(n.split_by_leiden for n in networks)
    assert delineate(graph, role, evidenced, s) == networks
    # below the size threshold the component stays whole
    whole = delineate(graph, role, evidenced, NetworkSettings(leiden_min_component_size=40))
    assert [set(n.members) for n in whole] == [set(range(40))]


def test_delivery_without_links_gives_empty_tables_and_passing_checks(empty_workspace):
    from test_network_world import World

    world = World()
    world.crime("CR1", "46", "2026-01-01", offender=["A1"])
    result = run_network(world)
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert query("SELECT count(*) FROM net.edge")[0][0] == 0
    assert query("SELECT count(*) FROM net.network_member")[0][0] == 0
    assert query("SELECT count(*) FROM net.centrality")[0][0] == 1
