"""Roles from evidence (issue 10) on the hand-made world plus the labelling cases, with known truth.

Added to test_network_world.build_world(): a grandmother two missing grandchildren
(one household) are found with; two men who kidnap an adult woman (36); two
14-year-olds sharing a classmate's image (86; one co-suspect with no dob); a
no-crimed and an eliminated child sexual offence; a drug dealer co-offending
with two offenders of network A; the offenders' mother at their address; an
adult two of network A's victims were found with (a person of concern); a
charged sole suspect and two suspects on one charged crime; outcomes in many
spellings.
"""

from __future__ import annotations

import datetime as dt

import pytest

from csenet_dagster import db
from csenet_dagster.network import steps as network_steps
from csenet_dagster.network.network_settings import NetworkSettings
from conftest import Workspace, use_workspace
from test_network import query, run_network
from test_network_world import build_world

OUTCOMES = {
    "CR30": ("Evidential difficulties - victim does not support action", "NOT_PROCEEDED"),
    "CR31": ("Not guilty at court", "ELIMINATED"),
    "CR32": ("Released - not charged", "NOT_PROCEEDED"),
    "CR33": ("Conditional discharge", "CHARGED"),
    "CR34": ("Referred to youth panel", "OPEN"),
    "CR35": (None, "OPEN"),
    "CR36": ("  no-crimed  ", "NO_CRIME"),
}


def build_roles_world():
    w = build_world()
    # an adult two of network A's victims were found with / at, on separate episodes
    w.missing("MP10", "2026-03-01", "V1", "2011-01-01", found_with=["FW1"])
    w.missing("MP11", "2026-04-01", "V2", "2011-06-01", address_occupier=["FW1"])
    # a grandmother and two grandchildren of one household
    w.missing("MP12", "2026-05-01", "K1", "2012-02-02", address_occupier=["G1"])
    w.missing("MP13", "2026-06-01", "K2", "2011-02-02", found_with=["G1"])
    w.std("K1", "-home", address="5 Elm Road", postcode="LS1 1AA", phone=None)
    w.std("K2", "-home", address="5, Elm Rd", postcode="ls11aa", phone=None)
    # adult-only kidnapping and blackmail
    w.crime("CR20", "36", "2026-02-01", outcome="Charged/summonsed", offender=["D1", "D2"], victim=["D3"])
    w.crime("CR21", "86", "2026-09-01", cse_flag=True, dobs={"S1": "2012-03-03", "S3": "2012-05-05", "S2": None},
            suspect=["S1", "S2"], victim=["S3"])
    # a no-crimed and an eliminated child sexual offence
    w.crime("CR22", "22B", "2026-03-03", outcome="No crime - crime cancelled", dobs={"E3": "2013-01-01"},
            suspect=["E1", "E2"], victim=["E3"])
    w.crime("CR23", "19D", "2026-03-04", outcome="Suspect eliminated", dobs={"E3": "2013-01-01"},
            suspect=["E4", "E5"], victim=["E3"])
    # a dealer co-offending with two of network A's offenders, the offenders' mother at their home
    w.crime("CR24", "92A", "2026-01-05", outcome="Charged/summonsed", offender=["DD1", "O1"])
    w.crime("CR25", "92A", "2026-01-06", outcome="Charged/summonsed", offender=["DD1", "O2"])
    for label in ("O1", "O3", "HM1"):
        w.std(label, "-fam", address="9 Mill Lane", postcode="M1 1AB", phone=None)
    # a charged sole suspect; two suspects on one charged crime (which one was charged is unknown)
    w.crime("CR26", "22B", "2026-07-01", outcome="Charged", dobs={"L2": "2012-01-01"}, suspect=["L1"], victim=["L2"])
    w.crime("CR27", "22B", "2026-07-02", outcome="Charged/summonsed", dobs={"L5": "2012-01-01"},
            suspect=["L3", "L4"], victim=["L5"])
    for ref, (outcome, _) in OUTCOMES.items():
        w.crime(ref, "46", "2026-01-01", outcome=outcome, offender=["B9"])
    return w


@pytest.fixture(scope="module")
def roles_run(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("network_roles"))
    with use_workspace(ws):
        world = build_roles_world()
        result = run_network(world)
        yield world, result


def names(world):
    return {v: k for k, v in world.labels.items()}


def test_outcomes_are_normalised_and_mapped_by_pattern(roles_run):
    classes = dict(query("SELECT crime_ref, outcome_class FROM net.crime_outcome"))
    for ref, (_, expected) in OUTCOMES.items():
        assert classes[ref] == expected, ref
    assert (classes["CR1"], classes["CR2"], classes["CR3"]) == ("CHARGED", "OPEN", "CHARGED")
    assert (classes["CR22"], classes["CR23"]) == ("NO_CRIME", "ELIMINATED")


def test_the_mapping_is_a_setting(tmp_path, empty_workspace):
    """A force's own wording: 'referred to youth panel' counted as a charge when configured."""
    world = build_roles_world()
    s = NetworkSettings(outcome_charged_patterns=NetworkSettings().outcome_charged_patterns + ("YOUTH PANEL",))
    with db.working_db() as conn:
        world.write(conn)
        network_steps.build_cse_offence_code(conn)
        network_steps.build_party(conn, s)
        network_steps.build_cse_seed(conn, s)
        assert conn.sql("SELECT outcome_class FROM net.crime_outcome WHERE crime_ref = 'CR34'").fetchall() == [("CHARGED",)]


def test_cse_crimes_need_a_child_victim_and_an_adult_suspect(roles_run):
    category = dict(query("SELECT crime_ref, cse_category FROM net.cse_crime"))
    assert category["CR20"] == "NO_CHILD_VICTIM"  # kidnapping of an adult
    assert category["CR21"] == "PEER_HARMFUL_SEXUAL_BEHAVIOUR"  # 14-year-olds; the dob-less co-suspect is a peer
    assert (category["CR22"], category["CR23"]) == ("VOID", "VOID")
    assert category["CR4"] == "CSE"  # an assault with the CSE marker against a child
    assert "CR24" not in category  # drugs: not on the CSE list
    peer = query("SELECT crime_ref, n_child_suspects, n_victims FROM net.peer_safeguarding_case")
    assert peer == [("CR21", 1, 1)]


def test_only_cse_evidence_about_a_person_makes_a_seed(roles_run):
    world, _ = roles_run
    name = names(world)
    seeds = {}
    for nominal_id, reason in query("SELECT nominal_id, reason FROM net.cse_seed"):
        seeds.setdefault(name[nominal_id], set()).add(reason)
    for label in ("G1", "K1", "K2", "D1", "D2", "D3", "S1", "S2", "S3", "E1", "E2", "E3", "E4", "E5",
                  "DD1", "HM1", "FW1", "M1", "B9"):
        assert label not in seeds, label
    assert seeds["L1"] == {"CSE_CRIME_CHARGED"}  # the only suspect of a charged crime
    assert seeds["L3"] == seeds["L4"] == {"CSE_CRIME_SUSPECT"}  # the charge is not attributable
    assert seeds["O1"] == {"CSE_CRIME_CHARGED"} and seeds["O3"] == {"CSE_CRIME_SUSPECT", "CSE_INTEL_SUBJECT"}


def test_members_and_roles_rest_on_typed_reasons(roles_run):
    world, _ = roles_run
    name = names(world)
    members = {name[n]: (net, role) for net, n, role in query(
        "SELECT network_id, nominal_id, member_role FROM net.network_member")}
    # the found-with adult of two victims is an associate, never an offender; the grandmother,
    # the drug dealer and the offenders' mother are not members (they stay in edge / soc_link)
    assert members["FW1"][1] == "ASSOCIATE" and members["FW1"][0] == members["O1"][0]
    for label in ("G1", "K1", "K2", "DD1", "HM1", "D1", "S1", "E1", "L1"):
        assert label not in members, label
    # two suspects of an (open to them) child sexual offence and its child victim are a network of suspects
    assert members["L3"][1] == members["L4"][1] == "SUSPECT" and members["L5"][1] == "VICTIM"
    assert members["M1"][1] == "CHILD_AT_RISK" and members["P2"][1] == "SUSPECT"
    reasons = {(name[n], r): (role, admits, refs) for n, r, role, admits, refs in query(
        "SELECT nominal_id, reason, reason_role, admits, source_refs FROM net.member_reason")}
    assert reasons[("FW1", "FOUND_WITH_MISSING_CHILD")] == ("ASSOCIATE", True, "MP10,MP11")
    assert reasons[("FW1", "PERSON_OF_CONCERN")][1] is False
    assert reasons[("M1", "FOUND_WITH_OFFENDER")] == ("CHILD_AT_RISK", True, "MP1")
    assert reasons[("O1", "CSE_CRIME_CHARGED")][:2] == ("OFFENDER", True)
    # context is shown but admits nobody: O1's co-offending with O2 in shoplifting is not a reason for O1
    assert not any(admits for (label, r), (_, admits, _) in reasons.items()
                   if r in ("CO_OFFENDER_NON_CSE", "SHARED_ADDRESS", "OCG_MEMBER"))
    # every OFFENDER / SUSPECT member rests on an admitting CSE reason of that role
    unsupported = query(
        """SELECT count(*) FROM net.network_member AS m
           WHERE m.member_role IN ('OFFENDER', 'SUSPECT') AND NOT EXISTS (
               SELECT 1 FROM net.member_reason AS r WHERE r.network_id = m.network_id
                 AND r.nominal_id = m.nominal_id AND r.admits AND r.reason_role = m.member_role)""")
    assert unsupported == [(0,)]


def test_person_of_concern_needs_children_of_different_households(roles_run):
    world, _ = roles_run
    name = names(world)
    flagged = {name[n]: (k, e) for n, k, e in query(
        "SELECT nominal_id, n_unrelated_children, n_episodes FROM net.person_of_concern")}
    assert flagged == {"FW1": (2, 2)}  # not the grandmother: her two grandchildren share a home


def test_centrality_among_offenders_alone(roles_run):
    world, _ = roles_run
    name = names(world)
    rows = query("SELECT network_id, nominal_id, member_role, offender_pagerank, offender_degree FROM net.network_member")
    by_network: dict[str, float] = {}
    for network_id, nominal_id, role, pagerank, degree in rows:
        if role in ("OFFENDER", "SUSPECT"):
            assert pagerank is not None and degree is not None
            by_network[network_id] = by_network.get(network_id, 0.0) + pagerank
        else:
            assert pagerank is None and degree is None, name[nominal_id]
    assert all(total == pytest.approx(1.0) for total in by_network.values())


def test_network_checks_pass_on_the_roles_world(roles_run):
    _, result = roles_run
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
