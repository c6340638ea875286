"""Resolve stage on a small generated delivery: contract, checks, determinism,
stable ids across runs and analysts' corrections (truth from the generator)."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from csenet_dagster import db, ingest, previous, resolve
from csenet_dagster.ops.resource import duckdb_resource
from conftest import Workspace, clone_workspace, complete_previous_run, use_workspace

RESOLVE_KEYS = ("er/person_record", "er/person_std", "er/match_pair", "er/match_weight", "er/nominal_record",
                "er/identity_correction", "er/nominal", "er/nominal_change")


def materialise(assets, raise_on_error: bool = True) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        assets,
        resources={"duckdb": duckdb_resource()},
        raise_on_error=raise_on_error,
        instance=dg.DagsterInstance.ephemeral(),
    )


def ingest_and_resolve(ws: Workspace) -> dg.ExecuteInProcessResult:
    with use_workspace(ws):
        result = materialise([*ingest.ASSETS, *previous.ASSETS, *resolve.ASSETS, *ingest.CHECKS, *resolve.CHECKS])
    return result


@pytest.fixture(scope="module")
def resolved(tmp_path_factory, generated) -> tuple[Workspace, dg.ExecuteInProcessResult]:
    """The small delivery ingested and resolved once (read-only for tests; copy to change)."""
    ws = clone_workspace(generated(), tmp_path_factory.mktemp("resolved"))
    return ws, ingest_and_resolve(ws)


def read(ws: Workspace, query: str) -> list[tuple]:
    conn = duckdb.connect(str(ws.work_db), read_only=True)
    try:
        return conn.sql(query).fetchall()
    finally:
        conn.close()


def truth_sql(ws: Workspace) -> str:
    return f"read_csv({db.literal(str(ws.truth / 'person_ref.csv'))}, all_varchar = true)"


def publish_crosswalk(ws: Workspace) -> None:
    """Stand-in for publish: the analyst file holds this run's nominal_record."""
    conn = duckdb.connect(str(ws.analyst_db))
    try:
        conn.execute(f"ATTACH {db.literal(str(ws.work_db))} AS work (READ_ONLY)")
        conn.execute("CREATE OR REPLACE TABLE nominal_record AS SELECT * FROM work.er.nominal_record")
    finally:
        conn.close()
    complete_previous_run(ws.analyst_db)


def test_every_record_once_and_checks_pass(resolved):
    ws, result = resolved
    assert result.success
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert set(RESOLVE_KEYS) <= materialised
    resolve_checks = [e for e in result.get_asset_check_evaluations() if e.asset_key.path[0] == "er"]
    assert {e.check_name for e in resolve_checks} == {
        "every_record_once", "no_oversized_nominal", "no_conflicting_pnc", "linkage_rate"}
    assert all(e.passed for e in resolve_checks)
    truth_refs = read(ws, f"SELECT count(*) FROM {truth_sql(ws)}")[0][0]
    rows = read(ws, "SELECT count(*), count(DISTINCT person_ref), count(DISTINCT nominal_id) FROM er.nominal_record")[0]
    assert rows[0] == rows[1] == truth_refs  # every ref of the delivery, once
    assert rows[2] == read(ws, "SELECT count(*) FROM er.nominal")[0][0]
    assert read(ws, "SELECT count(*) FROM er.nominal_record WHERE NOT regexp_full_match(nominal_id, 'N[0-9]{8}')") == [(0,)]
    # first run: every nominal is new, ids numbered from N00000001
    assert read(ws, "SELECT DISTINCT change FROM er.nominal_change") == [("new",)]
    assert read(ws, "SELECT min(nominal_id) FROM er.nominal_record") == [("N00000001",)]


def test_trained_model_is_published_and_sensible(resolved):
    ws, _ = resolved
    weight = {(c, level): w for c, level, w in read(ws, "SELECT comparison, level, match_weight FROM er.match_weight")}
    # agreement on a near-unique field is strong evidence, disagreement is evidence against
    for comparison in ("dob", "postcode", "phone", "surname", "forename"):
        assert weight[(comparison, "exact")] > 3, comparison
        assert weight[(comparison, "else")] < 0, comparison
    assert weight[("pnc", "same valid PNC id")] > 5
    assert weight[("pnc", "different valid PNC ids")] < -20
    # every scored pair is above the kept level and ordered
    assert read(ws, "SELECT count(*) FROM er.match_pair WHERE person_ref_l >= person_ref_r OR match_probability < 0.5") == [(0,)]


def test_small_delivery_quality_against_truth(resolved):
    from csenet_dagster.resolve.quality import pairwise_scores

    ws, _ = resolved
    conn = duckdb.connect(str(ws.work_db), read_only=True)
    try:
        score = pairwise_scores(conn, ws.truth / "person_ref.csv")["all"]
    finally:
        conn.close()
    assert score.true_positive > 50  # the delivery has real duplicates to find
    assert score.precision >= 0.97 and score.recall >= 0.9, (score.precision, score.recall)


def test_same_delivery_gives_identical_outputs(resolved, tmp_path):
    ws, _ = resolved
    again = Workspace(tmp_path / "again")
    shutil.copytree(ws.landing, again.landing)
    ingest_and_resolve(again)
    for table, order in (("er.match_pair", "person_ref_l, person_ref_r"), ("er.nominal_record", "person_ref"),
                         ("er.nominal", "nominal_id"), ("er.person_std", "person_ref")):
        first = read(ws, f"SELECT * FROM {table} ORDER BY {order}")
        second = read(again, f"SELECT * FROM {table} ORDER BY {order}")
        assert first == second, table


def test_ids_stable_and_corrections_applied_on_the_next_run(resolved, tmp_path):
    ws, _ = resolved
    nxt = Workspace(tmp_path / "next")
    shutil.copytree(ws.root, nxt.root)
    publish_crosswalk(nxt)
    before = dict(read(nxt, "SELECT person_ref, nominal_id FROM er.nominal_record"))

    # a linked pair the analyst says are two people, and two singletons they say are one
    split_a, split_b = read(
        nxt,
        """SELECT min(person_ref), max(person_ref) FROM er.nominal_record
           WHERE nominal_id = (SELECT nominal_id FROM er.nominal_record GROUP BY nominal_id
                               HAVING count(*) = 2 ORDER BY nominal_id LIMIT 1)""",
    )[0]
    join_a, join_b = [r for (r,) in read(
        nxt,
        """SELECT min(person_ref) FROM er.nominal_record GROUP BY nominal_id HAVING count(*) = 1
           ORDER BY 1 LIMIT 2""",
    )]
    nxt.corrections.mkdir(parents=True, exist_ok=True)
    (nxt.corrections / "identity.csv").write_text(
        "decision,person_ref_a,person_ref_b,analyst,decided_at,reason\n"
        f"NOT_SAME,{split_a},{split_b},A1,2026-11-20,checked custody photos\n"
        f"SAME,{join_a},{join_b},A1,2026-11-21,same person per PNC print\n"
        "NOT_SAME,CR99999999,CR99999998,A2,2026-11-22,refs of an older delivery\n",
        encoding="utf-8",
    )
    with use_workspace(nxt):
        selection = [*previous.ASSETS, *(a for a in resolve.ASSETS if not {"er/person_record", "er/person_std",
                                                                        "er/match_pair"}
                                         & {k.to_user_string() for k in a.keys})]
        result = dg.materialize(
            [*selection, *resolve.CHECKS],
            resources={"duckdb": duckdb_resource()},
            selection=dg.AssetSelection.assets(*[k for a in selection for k in a.keys]),
            instance=dg.DagsterInstance.ephemeral(),
        )
    assert result.success
    after = dict(read(nxt, "SELECT person_ref, nominal_id FROM er.nominal_record"))
    assert after[split_a] != after[split_b]
    assert after[join_a] == after[join_b]
    status = read(nxt, "SELECT row_no, applied, status FROM er.identity_correction ORDER BY row_no")
    assert status == [(1, True, "applied"), (2, True, "applied"), (3, False, "person_ref_not_in_delivery")]
    # one side of the split keeps the old id, the other gets a new one above every old id
    assert before[split_a] in (after[split_a], after[split_b])
    highest_before = max(before.values())
    assert max(after[split_a], after[split_b]) > highest_before
    # the joined nominal inherits one of the two old ids
    assert after[join_a] in (before[join_a], before[join_b])
    # every other record keeps its nominal id
    untouched = set(before) - {split_a, split_b, join_a, join_b}
    assert all(after[r] == before[r] for r in untouched)
    changes = dict(read(nxt, "SELECT change, count(*) FROM er.nominal_change GROUP BY change"))
    assert changes.get("split") == 2 and changes.get("merged") == 1 and "new" not in changes


def test_bad_corrections_row_fails_the_run_naming_file_and_row(resolved, tmp_path):
    ws, _ = resolved
    bad = Workspace(tmp_path / "bad")
    shutil.copytree(ws.root, bad.root)
    bad.corrections.mkdir(parents=True, exist_ok=True)
    (bad.corrections / "identity.csv").write_text(
        "decision,person_ref_a,person_ref_b,analyst,decided_at,reason\nPERHAPS,CR1,CR2,A1,2026-11-20,x\n",
        encoding="utf-8",
    )
    with use_workspace(bad):
        nominal_assets = [*previous.ASSETS,
                          *(a for a in resolve.ASSETS if "er/nominal_record" in {k.to_user_string() for k in a.keys})]
        result = dg.materialize(
            nominal_assets, resources={"duckdb": duckdb_resource()}, raise_on_error=False,
            instance=dg.DagsterInstance.ephemeral(),
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = str(failure.event_specific_data.error)
    assert "identity.csv row 1" in message and "SAME or NOT_SAME" in message
