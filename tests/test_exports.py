"""Graph exports (i2 Analyst's Notebook CSVs, GraphML) on the hand-made network world.

The world (tests/test_network_world.py) plus: a credible, shareable log IL6
linking O1 and O3 a week after the handling-code-C log IL4 that links them
too, and crimes with hostile references (a spreadsheet formula, a control
character, a NUL) between the offenders O1 and O2.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import xml.etree.ElementTree as ET

import dagster as dg
import igraph as ig
import pytest

from csenet_dagster import db, previous
from csenet_dagster.network import shareable
from csenet_dagster.ops.resource import duckdb_resource
from csenet_dagster.network import ASSETS, CHECKS, exports
from csenet_dagster.network.network_settings import load as load_network_settings
from conftest import Workspace, use_workspace
from test_network_world import EXTRACTED_AT, build_world

FORMULA_REF = '=HYPERLINK("http://example.invalid","click")'
CONTROL_REF = "CR\x01X"
NUL_REF = "CR\x00Y"


def hostile_world():
    w = build_world()
    w.intel("IL6", "1AP", "2026-08-10", False, subject=["O1"], associate=["O3"])
    for ref in (FORMULA_REF, CONTROL_REF, NUL_REF):
        w.crime(ref, "46", "2026-10-01", offender=["O1", "O2"])
    next(c for c in w.tables["crime"] if c["crime_ref"] == "CR1")["outcome"] = "Charged"
    # Q3 is known only from a handling-code-C log (not credible enough to link by itself: 2A),
    # whose record gives the phone O1 also uses: the shared phone is C intelligence too
    w.add("intel_log", {"intel_ref": "IL7", "created_date": dt.date(2026, 8, 20), "source_eval": "2",
                        "intel_eval": "A", "handling": "C", "cse_flag": False, "summary": "text"})
    w.add("intel_person", {"intel_ref": "IL7", "role": "SUBJECT", **w.person("Q3", phone="07700 900777")})
    w.std("O1", "-ph", address=None, postcode=None, phone="07700900777")
    return w


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("exports_world"))
    with use_workspace(ws):
        world = hostile_world()
        with db.working_db() as conn:
            world.write(conn)
        # a per-network file of a network that no longer exists is removed
        stale = ws.warehouse / "exports" / "i2" / "CSE09999_links.csv"
        stale.parent.mkdir(parents=True)
        stale.write_text("old")
        result = dg.materialize([*previous.ASSETS, *ASSETS, *CHECKS], resources={"duckdb": duckdb_resource()}, raise_on_error=True)
        assert result.success
        yield world, ws


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def links_of(ws, name="i2_links.csv") -> list[dict]:
    return read_csv(ws.warehouse / "exports" / name)


def test_one_i2_pair_and_graphml_per_network_and_stale_ones_removed(exported):
    world, ws = exported
    out = ws.warehouse / "exports"
    with db.working_db(read_only=True) as conn:
        networks = [r[0] for r in conn.sql("SELECT network_id FROM net.network ORDER BY 1").fetchall()]
        members = dict(conn.sql("SELECT network_id, list(nominal_id ORDER BY nominal_id) FROM net.network_member GROUP BY 1").fetchall())
    assert len(networks) == 2
    assert sorted(p.name for p in (out / "i2").iterdir()) == sorted(
        f"{n}_{kind}.csv" for n in networks for kind in ("entities", "links"))
    assert sorted(p.name for p in (out / "graphml").iterdir()) == [f"{n}.graphml" for n in networks]
    for network_id in networks:
        people = {e["identity"]: e for e in read_csv(out / "i2" / f"{network_id}_entities.csv") if e["entity_type"] == "Person"}
        # every member, marked in the network; everyone else is a direct neighbour
        assert {i for i, e in people.items() if e["in_network"] == "true"} == set(members[network_id])
        assert all(e["role"] == "NEIGHBOUR" for i, e in people.items() if i not in members[network_id])
        graph = ig.Graph.Read_GraphML(str(out / "graphml" / f"{network_id}.graphml"))
        assert set(graph.vs["label"]) == set(people)
    # the whole graph is not exported: background burglars' own links and the hostel are not there
    everyone = {e["identity"] for e in read_csv(out / "i2_entities.csv")}
    hostel = {world.labels[f"H{i}"] for i in range(8)}
    assert not everyone & hostel and world.labels["M2"] not in everyone


def test_offender_victim_links_point_from_the_offender(exported):
    world, ws = exported
    o3, v1 = world.labels["O3"], world.labels["V1"]
    assert o3 > v1  # the offender is the higher id, so "lower id first" would point the wrong way
    (link,) = [row for row in links_of(ws) if row["link_type"] == "OFFENDER_VICTIM" and row["source_ref"] == "CR2"]
    assert (link["from_identity"], link["to_identity"], link["direction"]) == (o3, v1, "With")
    assert (link["from_type"], link["from_label"], link["to_type"], link["to_label"]) == ("Person", "O3 TEST", "Person", "V1 TEST")
    assert (link["from_role"], link["to_role"]) == ("SUSPECT", "VICTIM")  # O3 is recorded as suspect on CR2
    undirected = [row for row in links_of(ws) if row["link_type"] == "CO_OFFENDING"]
    assert undirected and {row["direction"] for row in undirected} == {"None"}


def test_links_carry_date_grading_and_rounded_weight(exported):
    world, ws = exported
    (intel,) = [row for row in links_of(ws) if row["source_ref"] == "IL6"]
    assert intel["date"] == "2026-08-10"
    assert (intel["grade"], intel["source_eval"], intel["intel_eval"], intel["handling"]) == ("1A", "1", "A", "P")
    assert intel["label"] == "intel association 1AP"
    for row in links_of(ws):
        if row["weight"]:
            assert row["weight"] == f"{round(float(row['weight']), 2)}"  # at most 2 decimals


def test_nothing_derived_from_handling_c_intelligence_reaches_the_exports(exported):
    world, ws = exported
    o1, o3 = sorted((world.labels["O1"], world.labels["O3"]))
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ws.warehouse / "exports").rglob("*") if p.is_file())
    assert "IL4" not in text and "2026-08-04" not in text  # neither the C log's ref nor its date
    # nor a phone known only from a C log, nor the link it makes
    q3 = world.labels["Q3"]
    assert "900777" not in text and q3 not in text
    with db.working_db(read_only=True) as conn:
        shared_phone = conn.sql("SELECT shareable FROM net.edge_evidence WHERE link_type = 'SHARED_PHONE' "
                                f"AND '{q3}' IN (nominal_id_a, nominal_id_b)").fetchall()
    assert shared_phone == [(False,)]
    (intel,) = [row for row in links_of(ws) if row["source_ref"] == "IL6"]
    # the O1-O3 intelligence edge as exported rests on IL6 alone: one event, IL6's date, IL6's credit
    age = (EXTRACTED_AT.date() - dt.date(2026, 8, 10)).days
    s = load_network_settings()
    assert (intel["first_seen"], intel["last_seen"], intel["edge_n_events"]) == ("2026-08-10", "2026-08-10", "1")
    assert float(intel["weight"]) == round(s.strength_intel_association * 0.5 ** (age / s.recency_half_life_days), 2)
    with db.working_db(read_only=True) as conn:
        full = conn.sql(f"SELECT n_events, first_seen FROM net.edge WHERE nominal_id_a = '{o1}' AND nominal_id_b = '{o3}' "
                        "AND link_type = 'INTEL_ASSOCIATION'").fetchall()
        # the force's own analysis keeps both logs
        assert full[0][0] == 2 and str(full[0][1]) == "2026-08-04"
        graphml = (ws.warehouse / "exports" / "network.graphml").read_text()
        assert "IL4" not in graphml


def test_conditional_intel_exported_only_when_the_setting_allows(exported, tmp_path):
    world, ws = exported
    with use_workspace(ws), db.working_db() as conn:
        s = dataclasses.replace(load_network_settings(), export_conditional_intel=True)
        exports.write_exports(conn, tmp_path / "with_c", s)
        rows = read_csv(tmp_path / "with_c" / "i2_links.csv")
        with shareable.picture(conn, include_handling_c=False):  # put the module's files back
            exports.write_exports(conn, ws.warehouse / "exports", load_network_settings())
    il4 = [row for row in rows if row["source_ref"] == "IL4"]
    assert il4 and il4[0]["handling"] == "C" and il4[0]["first_seen"] == "2026-08-04" and il4[0]["edge_n_events"] == "2"


def test_labels_names_inside_the_force_ids_only_when_shared(exported, tmp_path):
    world, ws = exported
    o1 = world.labels["O1"]
    named = {e["identity"]: e for e in read_csv(ws.warehouse / "exports" / "i2_entities.csv")}
    assert named[o1]["label"] == "O1 TEST"
    with use_workspace(ws), db.working_db() as conn:
        exports.write_exports(conn, tmp_path / "shared", dataclasses.replace(load_network_settings(), export_labels="ids"))
        exports.write_exports(conn, ws.warehouse / "exports", load_network_settings())
    shared = read_csv(tmp_path / "shared" / "i2_entities.csv")
    assert all(e["label"] == e["identity"] for e in shared)
    text = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "shared").rglob("*.csv"))
    assert "TEST" not in text and "900555" not in text  # no names, no phone numbers
    assert "AB12CDE" not in text  # nor the shared car's VRM (its numbered id instead)
    assert any(row["link_type"] == "SHARED_VEHICLE" and row["source_ref"].startswith("VEHICLE-")
               for row in read_csv(tmp_path / "shared" / "i2_links.csv"))
    kinds = {e["entity_type"] for e in shared}
    assert {"Person", "Vehicle", "Phone"} <= kinds  # O1/O2's shared car, O2/P1's shared phone
    with pytest.raises(ValueError, match="export_labels"):
        with use_workspace(ws), db.working_db() as conn:
            exports.write_exports(conn, tmp_path / "bad", dataclasses.replace(load_network_settings(), export_labels="x"))


def test_hostile_references_are_neutralised_in_csv_and_graphml(exported):
    world, ws = exported
    out = ws.warehouse / "exports"
    raw = (out / "i2_links.csv").read_text(encoding="utf-8")
    assert "\x00" not in raw and "\x01" not in raw
    refs = {row["source_ref"] for row in links_of(ws)}
    # the formula is a quoted text cell starting with a single quote; control characters are visible escapes
    assert "'" + FORMULA_REF in refs and FORMULA_REF not in refs
    assert f'"\'{FORMULA_REF.replace(chr(34), chr(34) * 2)}"' in raw
    assert "CR\\x01X" in refs and "CR\\x00Y" in refs
    for row in links_of(ws):
        for value in row.values():
            assert not (value or "").startswith(("=", "+", "-", "@", "\t", "\r"))
    for path in [out / "network.graphml", *(out / "graphml").iterdir()]:
        text = path.read_text(encoding="utf-8")
        ET.fromstring(text)  # well-formed XML
        assert "\x00" not in text and "\x01" not in text
    graph = ig.Graph.Read_GraphML(str(out / "network.graphml"))
    assert any("CR\\x01X" in refs for refs in graph.es["source_refs"])
    assert any(FORMULA_REF in refs for refs in graph.es["source_refs"])  # GraphML is not a spreadsheet: kept, escaped


def test_export_is_deterministic(exported, tmp_path):
    world, ws = exported
    with use_workspace(ws), db.working_db() as conn:
        exports.write_exports(conn, tmp_path / "a", load_network_settings())
        exports.write_exports(conn, tmp_path / "b", load_network_settings())
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_evidence_columns_hold_grading_outcome_and_roles(exported):
    world, ws = exported
    with db.working_db(read_only=True) as conn:
        rows = {(r[0], r[1]): r[2:] for r in conn.sql(
            "SELECT source_ref, link_type, source_eval, intel_eval, handling, outcome, role_a, role_b, nominal_id_a, nominal_id_b "
            "FROM net.edge_evidence").fetchall()}
    o1, o3 = world.labels["O1"], world.labels["O3"]
    # intelligence: its 3x5x2 grade and each end's role in the log
    assert rows[("IL4", "INTEL_ASSOCIATION")][:4] == ("1", "B", "C", None)
    il6 = rows[("IL6", "INTEL_ASSOCIATION")]
    assert {il6[6]: il6[4], il6[7]: il6[5]} == {o1: "SUBJECT", o3: "ASSOCIATE"}
    # crimes: no grading; the offender-side role as recorded (O3 is a suspect on CR2)
    cr2 = rows[("CR2", "OFFENDER_VICTIM")]
    assert cr2[:3] == (None, None, None) and {cr2[6]: cr2[4], cr2[7]: cr2[5]} == {o3: "SUSPECT", world.labels["V1"]: "VICTIM"}
    assert rows[("OCC1", "CO_ARREST")][4:6] == ("ARRESTED", "ARRESTED")
    assert rows[("CR1", "CO_OFFENDING")][3] == "Charged" and rows[("CR1", "OFFENDER_VICTIM")][3] == "Charged"
    assert {row["outcome"] for row in links_of(ws) if row["source_ref"] == "CR1"} == {"Charged"}
    mp1 = rows[("MP1", "MISSING_FOUND_WITH")]
    assert {mp1[6]: mp1[4], mp1[7]: mp1[5]} == {world.labels["M1"]: "MISSING", world.labels["P2"]: "FOUND_WITH"}
    with db.working_db(read_only=True) as conn:
        published_columns = {c for c, _ in db.table_schema(conn, "net.edge_evidence")}
    assert {"source_eval", "intel_eval", "handling", "outcome", "role_a", "role_b"} <= published_columns
