"""analyst.duckdb after the whole pipeline on the small generated delivery (the `small_run` fixture).

Checked against the generator's truth, not against the pipeline's own tables:
every person record of the delivery appears exactly once, and the contract's
tables and columns are there for analysts.
"""

from __future__ import annotations

import csv
import json

import duckdb
import pytest

from csenet_dagster.publish.analyst_db import published_tables

# shared/contract/outputs.md: table -> columns it "must have".
CONTRACT = {
    "nominal_record": {"person_ref", "nominal_id"},
    "nominal": {"nominal_id", "surname", "forenames", "dob", "harm_score", "network_id"},
    "edge": {"nominal_id_a", "nominal_id_b", "link_type", "weight", "first_seen", "last_seen", "n_events", "source_refs"},
    "network": {"network_id", "n_members", "harm_score", "priority_rank"},
    "network_member": {"network_id", "nominal_id", "degree", "betweenness", "pagerank", "eigenvector",
                       "graph_degree", "graph_betweenness", "graph_pagerank"},
    "soc_link": {"network_id", "ocg_ref", "link_kind", "strength"},
    "run": {"delivery_id", "extracted_at", "ran_at", "code_version", "settings"},
}


@pytest.fixture(scope="module")
def analyst(small_run):
    conn = duckdb.connect(str(small_run.analyst_db), read_only=True)
    yield conn
    conn.close()


def rows(conn, query: str) -> list[tuple]:
    return conn.sql(query).fetchall()


def test_contract_tables_and_columns_in_main(analyst):
    tables = dict(rows(analyst, "SELECT table_name, table_schema FROM information_schema.tables"))
    assert set(tables) == set(published_tables())
    assert set(tables.values()) == {"main"}
    for table, required in CONTRACT.items():
        columns = {r[0] for r in rows(analyst, f"DESCRIBE analyst.{table}")}
        assert required <= columns, f"{table} lacks {sorted(required - columns)}"


PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv", "vehicle.csv", "ocg_member.csv")


def refs_by_row(delivery) -> dict[tuple[str, int], str]:
    """(file, 1-based data row) -> person_ref of every person file row of the delivery."""
    refs = {}
    for name in PERSON_FILES:
        with (delivery / name).open(encoding="utf-8", newline="") as f:
            for row_no, row in enumerate(csv.DictReader(f), start=1):
                refs[(name, row_no)] = row.get("person_ref") or ""
    return refs


def test_every_delivered_person_record_once(analyst, small_run):
    with (small_run.truth / "person_ref.csv").open(encoding="utf-8", newline="") as f:
        truth = {row["person_ref"] for row in csv.DictReader(f)}
    [delivery] = small_run.deliveries()
    refs = refs_by_row(delivery)
    quarantined = {(file_name, row_no) for file_name, row_no in rows(analyst, "SELECT file_name, row_no FROM quarantine")}
    # A record can only be missing when every row naming it was quarantined.
    good = {ref for key, ref in refs.items() if key not in quarantined}
    expected = truth & good
    published = [r[0] for r in rows(analyst, "SELECT person_ref FROM nominal_record")]
    assert len(published) == len(set(published)), "a person_ref is published more than once"
    assert set(published) == expected
    assert len(expected) >= 0.95 * len(truth)


def test_ids_join_up(analyst):
    assert rows(analyst, """
        SELECT count(*) FROM nominal_record r LEFT JOIN nominal n USING (nominal_id) WHERE n.nominal_id IS NULL
    """) == [(0,)]
    assert rows(analyst, """
        SELECT count(*) FROM network_member m LEFT JOIN nominal n USING (nominal_id) WHERE n.nominal_id IS NULL
    """) == [(0,)]
    assert rows(analyst, """
        SELECT count(*) FROM nominal n LEFT JOIN network w USING (network_id)
        WHERE n.network_id IS NOT NULL AND w.network_id IS NULL
    """) == [(0,)]
    [(n, ranks, low, high)] = rows(analyst, "SELECT count(*), count(DISTINCT priority_rank), min(priority_rank), max(priority_rank) FROM network")
    assert n > 0, "the small delivery plants CSE networks: none were published"
    assert (ranks, low, high) == (n, 1, n)


def test_run_row_and_history(analyst, small_run):
    params = json.loads((small_run.truth / "params.json").read_text())
    [(delivery_id, extracted_at, settings_text, trigger)] = rows(
        analyst, "SELECT delivery_id, extracted_at, settings, trigger FROM run")
    assert delivery_id == params["delivery_id"]
    assert extracted_at.strftime("%Y-%m-%dT%H:%M:%SZ") == params["extracted_at"]
    assert {"publish", "network", "harm"} <= set(json.loads(settings_text))
    assert trigger == "api"
    assert rows(analyst, "SELECT count(*), min(status) FROM run_history") == [(1, "published")]
