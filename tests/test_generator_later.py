"""`csenet generate --later`: a later delivery of the same demo world from the CLI (issue 14 item 5).

The first delivery is a snapshot of a world that runs on (``--world-days``); ``--later`` delivers
that world again: same people and person references, the same record values (dates of birth
included), a later ``extracted_at`` and the events since. Run through the pipeline, networks keep
their ids and ``nominal_change`` says which nominals were kept and which are new.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import Workspace, use_workspace
from csenet_dagster import cli, db

PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv", "vehicle.csv", "ocg_member.csv")
FIRST, LATER = "2026-11-29T0600", "2026-12-29T0600"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _good_person_values(out: Path, delivery: str) -> dict[str, tuple]:
    """person_ref -> (surname, forenames, dob) over the rows ingest keeps (injected dirt left out)."""
    dirty = {(r["file_name"], int(r["row_no"])) for r in _rows(out / "truth" / delivery / "quarantine_expected.csv")}
    # rows with a broken field (field_issue_expected.csv) differ between deliveries too
    dirty |= {(r["file_name"], int(r["row_no"])) for r in _rows(out / "truth" / delivery / "field_issue_expected.csv")}
    values: dict[str, tuple] = {}
    for name in PERSON_FILES:
        for row_no, row in enumerate(_rows(out / "landing" / delivery / name), start=1):
            if (name, row_no) not in dirty:
                values[row["person_ref"]] = (row["surname"], row["forenames"], row["dob"])
    return values


def _good_refs(out: Path, delivery: str, name: str, key: str) -> set[str]:
    dirty = {int(r["row_no"]) for r in _rows(out / "truth" / delivery / "quarantine_expected.csv") if r["file_name"] == name}
    return {row[key] for row_no, row in enumerate(_rows(out / "landing" / delivery / name), start=1) if row_no not in dirty}


@pytest.fixture(scope="module")
def two_deliveries(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("later") / "data"
    assert cli.main(["generate", "--out", str(out), "--people", "300", "--seed", "4"]) == 0
    assert cli.main(["generate", "--out", str(out), "--later"]) == 0
    return out


def test_later_delivery_keeps_people_refs_and_dobs(two_deliveries):
    out = two_deliveries
    assert sorted(p.name for p in (out / "landing").iterdir()) == [FIRST, LATER]
    first = json.loads((out / "landing" / FIRST / "manifest.json").read_text())
    later = json.loads((out / "landing" / LATER / "manifest.json").read_text())
    assert (first["extracted_at"], later["extracted_at"]) == ("2026-11-29T06:00:00Z", "2026-12-29T06:00:00Z")
    params = [json.loads((out / "truth" / d / "params.json").read_text()) for d in (FIRST, LATER)]
    assert {(p["people"], p["seed"], p["world_until"]) for p in params} == {(300, 4, "2027-02-27T06:00:00Z")}

    before, after = _good_person_values(out, FIRST), _good_person_values(out, LATER)
    assert len(before) > 300
    # every record of the first delivery is in the later one with the same name and dob
    # (a ref whose only rows are broken in one delivery cannot be compared); counts only
    compared = [ref for ref in before if ref in after]
    assert len(compared) >= 0.97 * len(before)
    assert sum(before[ref] != after[ref] for ref in compared) == 0
    truth_before = {r["person_ref"]: r["person_id"] for r in _rows(out / "truth" / FIRST / "person_ref.csv")}
    truth_after = {r["person_ref"]: r["person_id"] for r in _rows(out / "truth" / LATER / "person_ref.csv")}
    assert all(truth_after[ref] == pid for ref, pid in truth_before.items())
    # and the month in between brought new events
    for name, key in (("crime.csv", "crime_ref"), ("custody.csv", "custody_ref")):
        old, new = (_good_refs(out, delivery, name, key) for delivery in (FIRST, LATER))
        dirty_later = sum(1 for r in _rows(out / "truth" / LATER / "quarantine_expected.csv") if r["file_name"] == name)
        assert len(old - new) <= dirty_later, name  # only rows broken in the later delivery differ
        assert len(new - old) > 0, name


def test_later_refuses_what_it_cannot_deliver(two_deliveries, tmp_path, capsys):
    out = two_deliveries
    # the world runs 90 days past the first extract: 60 are left after the later one
    assert cli.main(["generate", "--out", str(out), "--later", "--days", "61"]) == cli.EXIT_USAGE
    assert "--days 60 or fewer" in capsys.readouterr().err
    assert cli.main(["generate", "--out", str(out), "--later", "--people", "500"]) == cli.EXIT_USAGE
    assert "--people 500 differs" in capsys.readouterr().err
    assert cli.main(["generate", "--out", str(tmp_path / "empty"), "--later"]) == cli.EXIT_USAGE
    assert "no complete delivery" in capsys.readouterr().err
    # a world that ends at its extract (--world-days 0) has no later delivery
    plain = tmp_path / "plain"
    assert cli.main(["generate", "--out", str(plain), "--people", "60", "--world-days", "0"]) == 0
    assert (plain / "truth" / "person.csv").is_file()
    assert cli.main(["generate", "--out", str(plain), "--later", "--days", "1"]) == cli.EXIT_USAGE
    assert "0 days after its extract" in capsys.readouterr().err
    assert sorted(p.name for p in (out / "landing").iterdir()) == [FIRST, LATER]


def test_follow_on_names_the_previous_delivery(two_deliveries, tmp_path):
    out = tmp_path / "data"
    shutil.copytree(two_deliveries, out)
    assert cli.main(["generate", "--out", str(out), "--follow-on", str(out / "landing" / FIRST), "--days", "7"]) == 0
    manifest = json.loads((out / "landing" / "2026-12-06T0600" / "manifest.json").read_text())
    assert manifest["extracted_at"] == "2026-12-06T06:00:00Z"


def _analyst(path: Path, query: str) -> list[tuple]:
    conn = duckdb.connect(str(path), read_only=True, config=dict(db.CONNECTION_CONFIG))
    try:
        return conn.sql(query).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
def test_second_delivery_keeps_network_ids_and_shows_kept_and_new_nominals(two_deliveries, tmp_path):
    from csenet_dagster.pipeline import run_pipeline

    ws = Workspace(tmp_path / "ws")
    with use_workspace(ws):
        shutil.copytree(two_deliveries / "landing" / FIRST, ws.landing / FIRST)
        assert run_pipeline(FIRST).success
        networks_before = _analyst(ws.analyst_db, "SELECT network_id, list(nominal_id ORDER BY nominal_id) "
                                                  "FROM network_member GROUP BY network_id ORDER BY network_id")
        # an analyst decides the first open pair of the review queue before the next delivery
        queue = _analyst(ws.analyst_db, "SELECT person_ref_a, person_ref_b FROM possible_match "
                                        "WHERE status = 'open' ORDER BY review_rank LIMIT 1")
        assert queue, "the first run offers a pair to review"
        if queue:
            (ws.corrections / "identity.csv").write_text(
                "decision,person_ref_a,person_ref_b,analyst,decided_at,reason\n"
                f"NOT_SAME,{queue[0][1]},{queue[0][0]},T Analyst,2026-12-01,review queue\n")
        shutil.copytree(two_deliveries / "landing" / LATER, ws.landing / LATER)
        assert run_pipeline(LATER).success
        pair = tuple(queue[0]) if queue else ("", "")
        decided = _analyst(ws.analyst_db, "SELECT status, decision, decision_applied FROM possible_match "
                                          f"WHERE (person_ref_a, person_ref_b) = {pair}")
        rescored = _analyst(ws.work_db, "SELECT match_probability FROM er.match_pair "
                                        f"WHERE (person_ref_l, person_ref_r) = {pair}")
        networks_after = dict(_analyst(ws.analyst_db, "SELECT network_id, list(nominal_id ORDER BY nominal_id) "
                                                      "FROM network_member GROUP BY network_id"))
        changes = dict(_analyst(ws.analyst_db, "SELECT change, count(*) FROM nominal_change GROUP BY change"))
        new_refs_nominals = _analyst(ws.analyst_db, f"""
            SELECT DISTINCT c.change FROM nominal_record AS r JOIN nominal_change AS c USING (nominal_id)
            WHERE r.person_ref NOT IN (SELECT person_ref FROM read_csv(
                {db.literal(str(two_deliveries / 'truth' / FIRST / 'person_ref.csv'))}, all_varchar = true))
              AND r.nominal_id NOT IN (SELECT r2.nominal_id FROM nominal_record AS r2 WHERE r2.person_ref IN (
                SELECT person_ref FROM read_csv({db.literal(str(two_deliveries / 'truth' / FIRST / 'person_ref.csv'))},
                                                all_varchar = true)))""")
    assert len(networks_before) >= 3
    for network_id, members in networks_before:
        # the same network under the same id, its members (nominal ids) the same or nearly
        assert network_id in networks_after, network_id
        kept = set(members) & set(networks_after[network_id])
        assert len(kept) >= 0.8 * len(members), (network_id, len(kept), len(members))
    assert changes.get("kept", 0) >= 0.95 * sum(changes.values()), changes
    assert changes.get("new", 0) >= 1, changes
    # a nominal made only of records first seen in the later delivery is new
    assert [c for (c,) in new_refs_nominals] == ["new"]
    # the later run applied the analyst's decision and shows the pair as decided
    if queue and rescored and 0.5 <= rescored[0][0] < 0.99:  # still a possible match
        assert decided == [("decided", "NOT_SAME", True)], decided
