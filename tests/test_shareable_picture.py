"""Handling codes honoured in every derived field (issue 13, item 6), tested metamorphically.

Delivery D is the hand-written world of tests/test_independent_world.py plus intelligence
logs with handling code C (sharing with conditions) that, in the force's full picture:

  (a) are the only admission of a member (a background offender, subject of a credible CSE
      log naming the network's victim Chloe: an OFFENDER seed linked into the network),
  (b) give an edge its earliest date and (c) extra weight (Darren and Kyle named together
      in a credible log before the shareable log IL-70001 that links them),
  (d) add a holder to a busy address (the latest mention of Wayne's intelligence record, in
      a C log, gives the Malloys' home: the shared address of Darren, Kyle and Maureen is
      down-weighted further), and
  (e) add harm and threat points (that offender's crimes count in the network's harm).

D' is the same delivery without those logs and their intel_person rows. Every file under
exports/ and every dossier must be byte-identical between the runs of D and D' (nothing in
them lets a reader infer the C logs), while analyst.duckdb (the force's full picture) differs.

Entity resolution must not change with the C rows for that comparison to be meaningful
(nominal ids are in every file): every person a C log names also appears in a shareable
file with the same fields, so removing the logs removes records that resolve into
existing nominals and nothing else. The test asserts that precondition (same nominal for
every person_ref both deliveries hold) instead of mapping ids, so a failure of it is
reported as what it is.
"""

from __future__ import annotations

import dataclasses
import types

import dagster as dg
import duckdb
import pytest

from conftest import Workspace, persistent_instance, use_workspace
from csenet_dagster import db
from csenet_dagster.ops.resource import duckdb_resource
from csenet_dagster.cli import _error_text
from test_independent_world import build_world
from test_privacy import recorded_text

CANARY = "QZXW"
C_DATE_EARLIER = "2024-11-03"  # (b): before IL-70001 (2025-02-01), the shareable log linking Darren and Kyle
C_LOGS = ("IL-C0001", "IL-C0002", "IL-C0003")


def background_offender(w) -> str:
    """The first background person the crime file records as an offender (their crimes carry harm)."""
    refs = {row["person_ref"] for row in w.rows["crime_person.csv"] if row["role"] == "OFFENDER"}
    return next(label for label in w.people if label.startswith("BG") and w.refs.get(label, set()) & refs)


def crime_ref_of(w, label: str) -> str:
    return next(r for r in sorted(w.refs[label]) if r.startswith("CRM-"))


def delivery(with_handling_c: bool):
    w = build_world("full")
    if with_handling_c:
        # (a) + (e): a background offender is the subject of a credible CSE log with the network's victim Chloe
        w.intel("IL-C0001", "2026-09-20", "1AC", "Y", subject=[background_offender(w)], victim=["CHLOE"])
        # (b) + (c): Darren and Kyle together in a credible log before the shareable one
        w.intel("IL-C0002", C_DATE_EARLIER, "1BC", "N", subject=["DARREN"], associate=["KYLE"])
        # (d): the latest mention of Wayne's intelligence record (a C log) gives the Malloys' home as
        # his address: in the full picture his record holds it (most recent value wins)
        w.people["WAYNE_AT_MALLOYS"] = dataclasses.replace(
            w.people["WAYNE"], address="14 Ferncliffe Road", postcode="BD9 4QT")
        w.intel("IL-C0003", "2026-09-09", "2CC", "N", mentioned=["WAYNE_AT_MALLOYS"])
        (wayne_intel_ref,) = {r for r in w.refs["WAYNE"] if r.startswith("INT-")}
        for row in w.rows["intel_person.csv"]:
            if row["intel_ref"] == "IL-C0003":
                row["person_ref"] = wayne_intel_ref  # one system, one ref per person
    return w


def run(tmp_path_factory, name: str, with_handling_c: bool) -> Workspace:
    from csenet_dagster.pipeline import run_pipeline

    ws = Workspace(tmp_path_factory.mktemp(name))
    with use_workspace(ws):
        delivery(with_handling_c).write(ws.landing)
        result = run_pipeline(console_log_level="CRITICAL", raise_on_error=False)
    assert result.success, next((str(e.event_specific_data.error)[:2000] for e in result.all_events
                                 if e.is_step_failure), "failed")
    return ws


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Workspace, Workspace]:
    return run(tmp_path_factory, "with_c", True), run(tmp_path_factory, "without_c", False)


def analyst(ws: Workspace, sql: str) -> list[tuple]:
    with duckdb.connect(str(ws.analyst_db), read_only=True) as conn:
        return conn.sql(sql).fetchall()


def exported_files(ws: Workspace) -> dict[str, bytes]:
    root = (ws.warehouse / "exports").resolve()
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_entity_resolution_is_the_same_without_the_c_rows(runs):
    with_c, without_c = runs
    shared = "SELECT person_ref, nominal_id FROM nominal_record WHERE person_ref IN ({refs}) ORDER BY 1"
    refs_without = [r[0] for r in analyst(without_c, "SELECT person_ref FROM nominal_record")]
    in_list = ", ".join(db.literal(r) for r in refs_without)
    assert analyst(with_c, shared.format(refs=in_list)) == analyst(without_c, shared.format(refs=in_list))
    # the C-only record resolves into a person the shareable files already know
    extra = analyst(with_c, f"SELECT count(*) FROM nominal_record WHERE person_ref NOT IN ({in_list})")[0][0]
    assert extra == 1 and analyst(with_c, "SELECT count(*) FROM nominal")[0][0] == \
        analyst(without_c, "SELECT count(*) FROM nominal")[0][0]


def test_the_c_logs_change_the_full_picture_in_analyst_duckdb(runs):
    with_c, without_c = runs
    w = delivery(False)
    offender = f"SELECT nominal_id FROM nominal_record WHERE person_ref = '{crime_ref_of(w, background_offender(w))}'"
    member = f"SELECT member_role FROM network_member WHERE nominal_id = ({offender})"
    # (a) the background offender is a member only through the C log
    assert analyst(with_c, member) == [("OFFENDER",)] and analyst(without_c, member) == []
    reasons = analyst(with_c, f"SELECT reason, source_refs FROM member_reason WHERE nominal_id = ({offender}) AND admits")
    assert reasons and all("IL-C0001" in refs for _, refs in reasons)
    pair = ("SELECT first_seen, weight FROM edge WHERE link_type = 'INTEL_ASSOCIATION' AND nominal_id_a = least(({a}), ({b})) "
            "AND nominal_id_b = greatest(({a}), ({b}))").format(
        a="SELECT nominal_id FROM nominal_record WHERE person_ref = 'CRM-01000'",
        b="SELECT nominal_id FROM nominal_record WHERE person_ref = 'CRM-01001'")
    (first_c, weight_c), = analyst(with_c, pair)
    (first, weight), = analyst(without_c, pair)
    assert str(first_c) == C_DATE_EARLIER and str(first) == "2025-02-01"  # (b)
    assert weight_c > weight  # (c)
    holders = ("SELECT max(detail) FROM edge_evidence WHERE link_type = 'SHARED_ADDRESS' AND nominal_id_a = least(({a}), ({b})) "
               "AND nominal_id_b = greatest(({a}), ({b}))").format(
        a="SELECT nominal_id FROM nominal_record WHERE person_ref = 'CRM-01000'",
        b="SELECT nominal_id FROM nominal_record WHERE person_ref = 'CRM-01002'")
    assert analyst(with_c, holders)[0][0].endswith("4 holders")  # (d)
    assert analyst(without_c, holders)[0][0].endswith("3 holders")
    score = "SELECT harm_score, priority_score FROM network ORDER BY priority_rank LIMIT 1"
    (harm_c, priority_c), = analyst(with_c, score)
    (harm, priority), = analyst(without_c, score)
    assert harm_c > harm and priority_c > priority  # (e)


def test_every_export_and_dossier_is_the_same_as_without_the_c_logs(runs):
    with_c, without_c = runs
    files_c, files = exported_files(with_c), exported_files(without_c)
    assert any(name.startswith("dossiers/") for name in files) and "i2_links.csv" in files
    assert sorted(files_c) == sorted(files)
    differing = [name for name in files if files_c[name] != files[name]]
    assert not differing, f"files differ with the C logs: {differing}"
    text = b"\n".join(files_c.values()).decode("utf-8", errors="replace")
    for ref in C_LOGS:
        assert ref not in text


def test_an_allowed_full_picture_does_carry_the_c_logs(runs, tmp_path):
    """The settings that ask for the full picture: the same writers, the other catalog."""
    from csenet_dagster.harm import config as harm_config
    from csenet_dagster.harm import dossier
    from csenet_dagster.network import exports
    from csenet_dagster.network.network_settings import load as load_network_settings

    with_c, _ = runs
    with use_workspace(with_c), db.working_db() as conn:
        s = dataclasses.replace(load_network_settings(), export_conditional_intel=True)
        exports.write_exports(conn, tmp_path / "full", s)
        cfg = dataclasses.replace(harm_config.load(), dossier_include_handling_c=True, dossier_top_n=1)
        page = dossier.write_dossiers(conn, cfg, tmp_path / "full_dossiers")[0].read_text(encoding="utf-8")
    links = (tmp_path / "full" / "i2_links.csv").read_text(encoding="utf-8")
    assert "IL-C0001" in links and "IL-C0002" in links
    assert "IL-C0001" in page and "IS included" in page


# --- no delivered value in Dagster's event storage, whatever the stage -----------------------


def quoting_failure(conn, *args, **kwargs):
    """What DuckDB does with a bad value: quote it (a name planted as the value)."""
    conn.execute(f"SELECT CAST('{CANARY} Smith' AS DATE)")


def _failing_step(ws: Workspace, assets: list, step: str) -> str:
    with persistent_instance(ws) as instance:
        result = dg.materialize(assets, resources={"duckdb": duckdb_resource()}, instance=instance,
                                raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert failures and failures[0].step_key == step
    return _error_text(failures[0].step_failure_data.error)


@pytest.mark.parametrize("stage", ["network", "harm", "publish", "check"])
def test_an_error_quoting_a_value_is_masked_before_dagster_stores_it(stage, empty_workspace, monkeypatch):
    from csenet_dagster.harm import scoring
    from csenet_dagster.network import assets as network_assets
    from csenet_dagster.network import checks as network_checks
    from csenet_dagster.network import steps as network_steps
    from csenet_dagster.publish import tables
    from csenet_dagster import sql_checks

    with db.working_db() as conn:
        conn.execute("CREATE OR REPLACE TABLE raw.delivery AS SELECT 'D' AS delivery_id, "
                     "TIMESTAMP '2026-11-29 06:00:00' AS extracted_at")
    if stage == "network":
        monkeypatch.setattr(network_steps, "build_edge", quoting_failure)
        assets, step, name = [network_assets.edge], "net__edge", "net/edge"
    elif stage == "harm":
        monkeypatch.setattr(scoring, "build_crime_harm", quoting_failure)
        assets, step, name = [scoring.crime_harm], "harm__crime_harm", "harm/crime_harm"
    elif stage == "publish":
        monkeypatch.setattr(tables, "db", types.SimpleNamespace(**{**vars(db), "run_sql": quoting_failure}))
        spec = next(s for s in tables.PUB_TABLES if s.name == "network")
        assets, step, name = [tables.build_asset(spec)], "pub__network", "pub/network"
    else:
        # the check's own query fails on a value (its edge asset builds an empty net.edge)
        def empty_edge(conn, *args, **kwargs):
            conn.execute("CREATE OR REPLACE TABLE net.edge (nominal_id_a VARCHAR, nominal_id_b VARCHAR, "
                         "link_type VARCHAR, weight DOUBLE)")
            return {}

        monkeypatch.setattr(network_steps, "build_edge", empty_edge)
        # every check runs through the one runner (sql_checks): its query is what fails
        monkeypatch.setattr(sql_checks, "rule_counts", lambda *args, **kwargs: quoting_failure(duckdb.connect()))
        check = next(c for c in network_checks.CHECKS
                     if any(k.name == "edge_weights_positive_finite" for k in c.check_keys))
        assets, step, name = [network_assets.edge, check], "net__edge_edge_weights_positive_finite", \
            "check edge_weights_positive_finite"
    shown = _failing_step(empty_workspace, assets, step)
    # the failure names the step and the rule broken, with the value masked
    assert f"{name}: rule step_failed: ConversionException: " in shown and "'<value>'" in shown
    recorded = recorded_text(empty_workspace.dagster_home)
    assert "step_failed" in recorded
    for text in (shown, recorded):
        assert CANARY not in text and "Smith" not in text
