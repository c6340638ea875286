"""A person_ref seen only in quarantined rows is still a record of the delivery:
it reaches er.nominal_record and analyst.nominal_record exactly once (contract)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter

import duckdb

from csenet_dagster import db
from csenet_dagster.pipeline import run_pipeline

PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv", "vehicle.csv", "ocg_member.csv")


def _read(path) -> tuple[list[str], list[dict[str, str]], str]:
    content = path.read_bytes()
    records = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
    terminator = "\r\n" if content.endswith(b"\r\n") else "\n"
    return list(records[0]), records, terminator


def test_ref_only_in_an_orphan_row_reaches_nominal_record_once(workspace):
    delivery = workspace.deliveries()[-1]
    dirt = {(r["file_name"], int(r["row_no"])) for r in csv.DictReader(open(workspace.truth / "quarantine_expected.csv"))}
    mentions = Counter()
    for name in PERSON_FILES:
        mentions.update(r["person_ref"] for r in _read(delivery / name)[1] if r["person_ref"].strip())
    header, records, terminator = _read(delivery / "crime_person.csv")
    # A ref mentioned once in the whole delivery, on a clean crime_person row.
    row_no, record = next(
        (i, r) for i, r in enumerate(records, start=1)
        if mentions[r["person_ref"]] == 1 and ("crime_person.csv", i) not in dirt
    )
    ref = record["person_ref"]
    record["crime_ref"] = "CRNOSUCHCRIME"  # the row becomes an orphan: quarantined
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator=terminator)
    writer.writeheader()
    writer.writerows(records)
    content = out.getvalue().encode("utf-8")
    (delivery / "crime_person.csv").write_bytes(content)
    manifest = json.loads((delivery / "manifest.json").read_text())
    manifest["files"]["crime_person.csv"]["sha256"] = hashlib.sha256(content).hexdigest()
    (delivery / "manifest.json").write_text(json.dumps(manifest))

    result = run_pipeline(raise_on_error=False)
    assert result.success
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed
              and e.severity.value == "ERROR"]
    assert failed == []

    # A step's last materialisation is what progress reports show: the step's main table.
    last_row_count = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        row_count = materialization.metadata.get("dagster/row_count")
        last_row_count[event.step_key] = (materialization.asset_key.to_user_string(),
                                          row_count.value if row_count is not None else None)
    conn = duckdb.connect(str(workspace.work_db), read_only=True, config=dict(db.CONNECTION_CONFIG))
    try:
        for step, table in (("er__nominal_record", "er.nominal_record"), ("er__match_pair", "er.match_pair")):
            assert last_row_count[step] == (table.replace(".", "/"), db.row_count(conn, table))
        assert conn.sql(
            f"SELECT rule FROM raw.quarantine WHERE file_name = 'crime_person.csv' AND row_no = {row_no}"
        ).fetchall() == [("orphan_row",)]
        assert conn.sql(f"SELECT count(*) FROM raw.crime_person WHERE person_ref = {db.literal(ref)}").fetchall() == [(0,)]
        assert conn.sql(
            f"SELECT system, only_in_quarantine FROM er.person_record WHERE person_ref = {db.literal(ref)}"
        ).fetchall() == [("CRIME", True)]
        assert conn.sql(f"SELECT count(*) FROM er.nominal_record WHERE person_ref = {db.literal(ref)}").fetchall() == [(1,)]
        # Its row makes no links: the network stage reads only good rows.
        assert conn.sql(
            f"SELECT count(*) FROM net.edge_evidence WHERE source_ref = 'CRNOSUCHCRIME'"
        ).fetchall() == [(0,)]
        # every record is there once: records = non-empty refs of the delivery (rows missing one can't count)
        assert conn.sql("SELECT count(*), count(DISTINCT person_ref) FROM er.nominal_record").fetchall() == [
            (len(mentions), len(mentions))
        ]
    finally:
        conn.close()
    analyst = duckdb.connect(str(workspace.analyst_db), read_only=True, config=dict(db.CONNECTION_CONFIG))
    try:
        assert analyst.sql(f"SELECT count(*) FROM nominal_record WHERE person_ref = {db.literal(ref)}").fetchall() == [(1,)]
    finally:
        analyst.close()
