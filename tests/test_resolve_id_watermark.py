"""Nominal and network ids are never issued twice, even after the holder vanished:
the highest id ever issued travels with the published file (analyst.id_watermark)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import duckdb

from csenet_dagster import db, ids
from csenet_dagster.previous import snapshot
from conftest import complete_previous_run
from csenet_dagster.pipeline import run_pipeline

PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv", "vehicle.csv", "ocg_member.csv")


def _read_analyst(path: Path, query: str) -> list[tuple]:
    conn = duckdb.connect(str(path), read_only=True, config=dict(db.CONNECTION_CONFIG))
    try:
        return conn.sql(query).fetchall()
    finally:
        conn.close()


def _rewrite(source: Path, delivery_id: str, extracted_at: str, edit) -> Path:
    """A copy of delivery ``source`` as ``delivery_id``, each CSV's records passed through
    ``edit(file_name, records) -> records``, with a matching manifest."""
    target = source.parent / delivery_id
    shutil.copytree(source, target)
    manifest = json.loads((source / "manifest.json").read_text())
    manifest["delivery_id"], manifest["extracted_at"] = delivery_id, extracted_at
    for name in manifest["files"]:
        content = (source / name).read_bytes()
        records = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
        edited = edit(name, records)
        if edited is not records:
            out = io.StringIO()
            terminator = "\r\n" if content.endswith(b"\r\n") else "\n"
            writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator=terminator)
            writer.writeheader()
            writer.writerows(edited)
            content = out.getvalue().encode("utf-8")
            (target / name).write_bytes(content)
            manifest["files"][name] = {"rows": len(edited), "sha256": hashlib.sha256(content).hexdigest()}
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def test_id_of_a_vanished_nominal_is_never_reissued(workspace):
    first = workspace.deliveries()[-1]
    assert run_pipeline(first.name).success
    analyst = workspace.analyst_db
    [(highest, )] = _read_analyst(analyst, "SELECT max(nominal_id) FROM nominal_record")
    vanishing = {r for (r,) in _read_analyst(analyst, f"SELECT person_ref FROM nominal_record WHERE nominal_id = '{highest}'")}
    highest_number = int(highest[1:])

    # Second delivery: every record of the highest-id nominal is gone.
    def drop_vanishing(name, records):
        if name not in PERSON_FILES:
            return records
        return [r for r in records if r["person_ref"] not in vanishing]

    second = _rewrite(first, "2026-11-30T0600", "2026-11-30T06:00:00Z", drop_vanishing)
    assert run_pipeline(second.name).success
    assert highest not in {i for (i,) in _read_analyst(analyst, "SELECT nominal_id FROM nominal_record")}
    marks = dict(_read_analyst(analyst, "SELECT kind, max_issued FROM id_watermark"))
    assert marks["nominal"] >= highest_number
    [(max_network,)] = _read_analyst(analyst, "SELECT coalesce(max(CAST(substr(network_id, 4) AS BIGINT)), 0) FROM network")
    assert marks["network"] >= max_network

    # Third delivery: one new person, who needs a new id.
    def add_person(name, records):
        if name != "custody.csv":
            return records
        new = dict(records[0], custody_ref="CUSTNEW000001", occurrence_ref="OCCNEW000001", person_ref="PRNEW0000001",
                   surname="Quillfeather", forenames="Ottoline", dob="1931-07-04", address="", postcode="",
                   phone="", pnc_id="")
        return [*records, new]

    third = _rewrite(second, "2026-12-01T0600", "2026-12-01T06:00:00Z", add_person)
    assert run_pipeline(third.name).success
    crosswalk = dict(_read_analyst(analyst, "SELECT person_ref, nominal_id FROM nominal_record"))
    assert highest not in set(crosswalk.values())
    assert int(crosswalk["PRNEW0000001"][1:]) > marks["nominal"]
    new_ids = {i for (i,) in _read_analyst(analyst, "SELECT nominal_id FROM nominal_change WHERE change = 'new'")}
    assert crosswalk["PRNEW0000001"] in new_ids
    assert all(int(i[1:]) > marks["nominal"] for i in new_ids)


def test_network_ids_continue_above_the_published_watermark(tmp_path):
    analyst = tmp_path / "analyst.duckdb"
    conn = duckdb.connect(str(analyst), config=dict(db.CONNECTION_CONFIG))
    conn.execute("CREATE TABLE network_member AS SELECT 'CSE00002' AS network_id, 'N00000001' AS nominal_id")
    conn.execute("CREATE TABLE network AS SELECT 'CSE00002' AS network_id, 1 AS priority_rank")
    # CSE00007 was issued once and has since vanished: only the watermark remembers it.
    conn.execute("CREATE TABLE id_watermark AS SELECT * FROM (VALUES ('nominal', 40), ('network', 7)) AS t(kind, max_issued)")
    conn.close()
    complete_previous_run(analyst)
    work = db.connect(tmp_path / "work.duckdb")
    try:
        snapshot.take(work, analyst)
        previous, highest = snapshot.network_members(work), snapshot.watermark(work, ids.NETWORK)
    finally:
        work.close()
    assert highest == 7
    assigned = ids.inherit([["N00000001"], ["N00000009"]], previous, ids.NETWORK, highest)
    assert [(i.id, i.status) for i in assigned] == [("CSE00002", "kept"), ("CSE00008", "new")]
