"""Hostile and messy input (issue 13): what an attacker or a tired data clerk would hand the pipeline.

Each case asserts its outcome: refused with a clear message naming file, row (or column
position) and rule, never the value; or loaded with the bad field blanked and recorded in
``field_issue`` and nothing else lost. The values planted here carry a canary (``QZXW``) so
"appears nowhere" can be checked in CLI output, exception text and Dagster's event storage.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import clone_workspace
from csenet_dagster import db
from csenet_dagster.corrections_file import MAX_FIELD_CHARS, CorrectionsError
from csenet_dagster.ingest import DeliveryError
from csenet_dagster.network.corrections import load_link_corrections
from csenet_dagster.resolve import corrections as identity
from test_ingest import crime, good_rows, load_direct, person, query, quarantined, write_delivery
from test_privacy import recorded_text

REPO = Path(__file__).resolve().parent.parent
CANARY = "QZXW"
NAME_IN_CODE = f"ZZ {CANARY}SMITH JOHN 01/02/1990"
IDENTITY_HEADER = "decision,person_ref_a,person_ref_b,analyst,decided_at,reason\n"
LINKS_HEADER = "nominal_id_a,nominal_id_b,link_type,analyst,decided_at,reason\n"


# --- corrections: parsed strictly and whole --------------------------------------------------


def _identity(tmp_path: Path, body: bytes | str) -> Path:
    path = tmp_path / "identity.csv"
    path.write_bytes((IDENTITY_HEADER.encode() + body) if isinstance(body, bytes) else (IDENTITY_HEADER + body).encode())
    return path


THREE_DECISIONS = (
    "NOT_SAME,CUS001,INT002,A Analyst,2026-11-20,{reason}\n"
    "NOT_SAME,CUS003,INT004,A Analyst,2026-11-20,different fathers\n"
    "SAME,CUS005,CRP006,B Analyst,21/11/2026,same PNC on paper\n"
)


def test_well_formed_corrections_load_every_row(tmp_path):
    loaded = identity.load(_identity(tmp_path, THREE_DECISIONS.format(reason='"checked, twice"')))
    assert [(c.row_no, c.decision, c.person_ref_a) for c in loaded] == [
        (1, "NOT_SAME", "CUS001"), (2, "NOT_SAME", "CUS003"), (3, "SAME", "CUS005")]


@pytest.mark.parametrize(
    ("body", "where", "rule"),
    [
        # The first row's reason opens a quote and never closes it: read leniently, rows 2
        # and 3 vanish into that field and only one decision is applied.
        (THREE_DECISIONS.format(reason=f'"{CANARY} said so'), "row 1", "quoting"),
        # ... and one closed on a later line also spans rows: refused, not merged.
        (THREE_DECISIONS.format(reason=f'"{CANARY} said').replace("different fathers", 'so"'), "row 1", "quoting"),
        (THREE_DECISIONS.format(reason=f'{CANARY} "quoted" inside'), "row 1", "quoting"),
        (THREE_DECISIONS.format(reason="ok").encode() + f"SAME,CUS007,CRP008,A,2026-11-20,{CANARY}".encode() + b"\xe9\xff\n",
         "row 4", "utf8"),
        (THREE_DECISIONS.format(reason="ok") + f"SAME,CUS007,CRP008,A,2026-11-20,{CANARY * (MAX_FIELD_CHARS // 4 + 1)}\n",
         "row 4", "field_size: column reason"),
        (THREE_DECISIONS.format(reason="ok").replace("SAME,CUS005", f"{CANARY}MAYBE,CUS005"), "row 3",
         "decision must be SAME or NOT_SAME"),
        (THREE_DECISIONS.format(reason="ok").replace("21/11/2026", f"{CANARY} last week"), "row 3",
         "decided_at is not a date"),
        (THREE_DECISIONS.format(reason="ok").replace("INT004", f"{CANARY} John Smith"), "row 2", "person_ref_shape"),
        (THREE_DECISIONS.format(reason="ok").replace("different fathers", f"{CANARY}\x01"), "row 2", "control_character"),
        (THREE_DECISIONS.format(reason="ok").replace(",different fathers", ""), "row 2", "has 5 fields"),
    ],
    ids=["unclosed_quote", "quote_spanning_rows", "quote_inside_field", "invalid_utf8", "oversized_field",
         "unknown_decision", "bad_date", "name_as_person_ref", "control_character", "field_count"],
)
def test_broken_identity_corrections_are_refused_whole(tmp_path, body, where, rule):
    path = _identity(tmp_path, body)
    with pytest.raises(CorrectionsError) as err:
        identity.load(path)
    message = str(err.value)
    assert message.startswith(f"identity.csv {where}:") and rule in message, message
    assert CANARY not in message and "CUS00" not in message  # rule and place, never a value


@pytest.mark.parametrize(
    ("body", "where", "rule"),
    [
        ('N00000001,N00000002,,an,2026-01-01,"unclosed\nN00000003,N00000004,,an,2026-01-01,x\n', "row 1", "quoting"),
        (b"N00000001,N00000002,,an,2026-01-01,ok\nN00000003,N00000004,,an,2026-01-01,caf\xe9\n", "row 2", "utf8"),
        ("N00000001,N00000002,,an,2026-01-01,ok\nN00000003,N00000004,,an,2026-02-30,x\n", "row 2", "unparseable date"),
    ],
    ids=["unclosed_quote", "invalid_utf8", "bad_date"],
)
def test_broken_link_corrections_are_refused_whole(tmp_path, body, where, rule):
    path = tmp_path / "links.csv"
    path.write_bytes(LINKS_HEADER.encode() + (body if isinstance(body, bytes) else body.encode()))
    with pytest.raises(CorrectionsError) as err:
        load_link_corrections(path)
    assert str(err.value).startswith(f"links.csv {where}:") and rule in str(err.value)


# --- ingest: one bad field never drops a record ---------------------------------------------


def _field_issues() -> list[tuple]:
    return query("SELECT file_name, row_no, column_name, rule, detail FROM raw.field_issue ORDER BY file_name, row_no, column_name")


def test_bad_person_fields_are_blanked_and_listed_while_the_row_and_its_link_load(empty_workspace):
    rows = good_rows()
    rows["crime_person.csv"] = [
        {"crime_ref": "CR1", "role": "OFFENDER", **person("CP1", dob="31/02/1985")},        # impossible dob
        {"crime_ref": "CR1", "role": "VICTIM", **person("CP2", postcode=f"{CANARY} ROAD")},  # not a postcode
        {"crime_ref": "CR1", "role": "WITNESS", **person("CP3", phone=f"ring {CANARY}")},    # not a phone
        {"crime_ref": "CR1", "role": "OTHER", **person("CP4", sex=f"{CANARY}")},            # not a sex code
        {"crime_ref": "CR1", "role": "OTHER", **person("CP5", postcode="b1  1aa", phone="+44 (0)7700 900123")},
    ]
    load_direct(write_delivery(empty_workspace.landing, rows=rows))
    dob = dt.date(2001, 2, 3)
    # Every row and its link to the crime loaded; only the bad field is empty.
    assert query("SELECT crime_ref, person_ref, role, dob, postcode, phone, sex FROM raw.crime_person ORDER BY row_no") == [
        ("CR1", "CP1", "OFFENDER", None, "ZZ1 1ZZ", "07700 900123", "M"),
        ("CR1", "CP2", "VICTIM", dob, None, "07700 900123", "M"),
        ("CR1", "CP3", "WITNESS", dob, "ZZ1 1ZZ", None, "M"),
        ("CR1", "CP4", "OTHER", dob, "ZZ1 1ZZ", "07700 900123", None),
        ("CR1", "CP5", "OTHER", dob, "b1  1aa", "+44 (0)7700 900123", "M"),
    ]
    assert quarantined("crime_person.csv") == set()
    assert _field_issues() == [
        ("crime_person.csv", 1, "dob", "unparseable_date", "dob is not a valid YYYY-MM-DD or DD/MM/YYYY date"),
        ("crime_person.csv", 2, "postcode", "invalid_format", "postcode is not a UK postcode"),
        ("crime_person.csv", 3, "phone", "invalid_format", "phone is not a UK phone number"),
        ("crime_person.csv", 4, "sex", "unknown_value", "sex is not one of M, F, U"),
    ]


def test_future_dated_events_are_blanked_and_listed_within_a_tolerance(empty_workspace, monkeypatch):
    rows = good_rows()  # extracted_at 2026-11-29T06:00Z
    rows["crime.csv"] = [crime("CR1", committed_date="2099-01-01"),                     # far future
                         crime("CR2", recorded_date="30/11/2026", committed_date=""),   # +1 day: within tolerance
                         crime("CR3", recorded_date="2026-12-01", committed_date="")]   # +2 days: future
    rows["crime_person.csv"] = [{"crime_ref": "CR1", "role": "OFFENDER", **person("CP1", dob="2030-01-01")}]
    rows["missing_person.csv"][0]["found_date"] = "01/01/2099"
    load_direct(write_delivery(empty_workspace.landing, rows=rows))
    assert query("SELECT crime_ref, recorded_date::VARCHAR, committed_date::VARCHAR FROM raw.crime ORDER BY row_no") == [
        ("CR1", "2026-01-10", None), ("CR2", "2026-11-30", None), ("CR3", None, None)]
    assert query("SELECT person_ref, dob FROM raw.crime_person") == [("CP1", None)]  # its link stays
    assert query("SELECT episode_ref, found_date FROM raw.missing_person") == [("MP1", None)]
    assert [(f, r, c, rule) for f, r, c, rule, _ in _field_issues()] == [
        ("crime.csv", 1, "committed_date", "future_date"), ("crime.csv", 3, "recorded_date", "future_date"),
        ("crime_person.csv", 1, "dob", "future_date"), ("missing_person.csv", 1, "found_date", "future_date")]
    assert quarantined() == set()

    # The tolerance is a setting: with none, the day after extracted_at is future too.
    settings_file = empty_workspace.root / "settings.json"
    settings_file.write_text(json.dumps({"ingest": {"future_date_tolerance_days": 0}}))
    monkeypatch.setenv("CSENET_SETTINGS_FILE", str(settings_file))
    load_direct(write_delivery(empty_workspace.landing, "2026-11-29T0601", rows=rows))
    assert ("crime.csv", 2, "recorded_date", "future_date") in {(f, r, c, rule) for f, r, c, rule, _ in _field_issues()}


def test_free_text_in_code_fields_never_reaches_a_message(empty_workspace):
    rows = good_rows()
    rows["crime.csv"][0]["offence_code"] = NAME_IN_CODE
    rows["custody.csv"][0]["offence_code"] = NAME_IN_CODE
    rows["crime_person.csv"][0]["role"] = NAME_IN_CODE
    rows["crime_person.csv"][1]["sex"] = NAME_IN_CODE
    load_direct(write_delivery(empty_workspace.landing, rows=rows))
    # A code column's free text: listed (an offence code is kept for harm's default weight),
    # blanked (sex) or the row refused (role); the messages say column and rule only.
    assert query("SELECT crime_ref, offence_code FROM raw.crime ORDER BY row_no") == [("CR1", NAME_IN_CODE), ("CR2", "71")]
    assert query("SELECT offence_code FROM raw.custody") == [(NAME_IN_CODE,)]
    assert {(f, r, c, rule) for f, r, c, rule, _ in _field_issues()} == {
        ("crime.csv", 1, "offence_code", "invalid_format"), ("custody.csv", 1, "offence_code", "invalid_format"),
        ("crime_person.csv", 2, "sex", "unknown_value")}
    assert quarantined("crime_person.csv") == {("crime_person.csv", 1, "unknown_value")}
    assert query("SELECT person_ref, sex FROM raw.crime_person") == [("CP2", None)]
    text = repr(query("SELECT * FROM raw.quarantine")) + repr(_field_issues())
    assert "offence_code is not a Home Office offence code (kept as delivered)" in text and CANARY not in text


HEADERLESS_ROW = f"V1,2026-06-01,DRIVER,STOP,VP1,{CANARY}WILLIAMS,{CANARY}WILLIAMS,01/02/1990,M,1 Road,ZZ1 1ZZ,,\n"
HEADERLESS_DISTINCT = f"V1,2026-06-01,DRIVER,STOP,VP1,{CANARY}WILLIAMS,{CANARY}JO,01/02/1990,M,1 Road,ZZ1 1ZZ,07700 900123,\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # Its first record read as a header: two cells alike, named by position only.
        (HEADERLESS_ROW + HEADERLESS_ROW.replace("V1,", "V2,"), "rule unique_column: header cell 7 repeats header cell 6"),
        (HEADERLESS_DISTINCT, "is the header row missing?"),
    ],
    ids=["cells_repeat", "no_contract_column"],
)
def test_a_csv_without_its_header_is_refused_by_position_and_rule(empty_workspace, content, expected):
    data = content.encode()
    folder = write_delivery(empty_workspace.landing, raw={"vehicle.csv": (data, data.count(b"\n") - 1)})
    with pytest.raises(DeliveryError) as err:
        load_direct(folder)
    assert "file vehicle.csv" in str(err.value) and expected in str(err.value)
    assert CANARY not in str(err.value) and "1990" not in str(err.value)


# --- end to end, as an operator runs it -------------------------------------------------------


def _rewrite(delivery: Path, file_name: str, edit) -> None:
    """Apply ``edit(records)`` to one delivered file and bring the manifest's digest up to date."""
    content = (delivery / file_name).read_bytes()
    terminator = "\r\n" if content.endswith(b"\r\n") else "\n"
    records = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
    header = list(records[0])
    edit(records)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator=terminator)
    writer.writeheader()
    writer.writerows(records)
    new = out.getvalue().encode("utf-8")
    (delivery / file_name).write_bytes(new)
    manifest = json.loads((delivery / "manifest.json").read_text())
    manifest["files"][file_name] = {"rows": len(records), "sha256": hashlib.sha256(new).hexdigest()}
    (delivery / "manifest.json").write_text(json.dumps(manifest))


def _cli_env_home(root: Path) -> Path:
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster_home" / "dagster.yaml", home)
    return home


def _run_cli_recorded(root: Path) -> tuple[subprocess.CompletedProcess, str]:
    """`csenet run` in a subprocess with a persistent DAGSTER_HOME; its result and all Dagster recorded."""
    home = _cli_env_home(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSENET_")}
    env.update(CSENET_LANDING_DIR=str(root / "landing"), CSENET_WAREHOUSE_DIR=str(root / "warehouse"),
               CSENET_CORRECTIONS_DIR=str(root / "corrections"), DAGSTER_HOME=str(home),
               # this checkout's package, whatever the venv's editable install points at
               PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))
    csenet = str(Path(sys.executable).parent / "csenet")
    result = subprocess.run([csenet, "run"], env=env, cwd=root, capture_output=True, text=True, timeout=900)
    return result, recorded_text(home)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, generated):
    """The small generated delivery, made hostile, run once through `csenet run`."""
    root = tmp_path_factory.mktemp("hostile_run")
    ws = clone_workspace(generated(), root)
    delivery = ws.deliveries()[-1]
    with open(ws.truth / "network_offence.csv", newline="", encoding="utf-8") as handle:
        offences = list(csv.DictReader(handle))
    person_ref_of = {}
    with open(ws.truth / "person_ref.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            person_ref_of.setdefault(row["person_id"], set()).add(row["person_ref"])
    dirty = set()
    for truth_file in ("quarantine_expected.csv", "field_issue_expected.csv"):
        with open(ws.truth / truth_file, newline="", encoding="utf-8") as handle:
            dirty |= {(r["file_name"], int(r["row_no"])) for r in csv.DictReader(handle)}
    # planted network crimes with a recorded offender (the label cases add crimes without one)
    offences = [o for o in offences if o["offender_person_id"] in person_ref_of]
    dob_crime = offences[0]["crime_ref"]
    future_crime = next(o["crime_ref"] for o in offences if o["crime_ref"] != dob_crime)
    planted = {"dob_crime": dob_crime, "future_crime": future_crime}

    def crime_edits(records):
        for r in records:
            if r["crime_ref"] == future_crime:
                r["recorded_date"], r["committed_date"] = "2099-01-01", "01/01/2099"
        # free text with a name in the offence code of a crime no planted network uses
        network_crimes = {o["crime_ref"] for o in offences}
        victim = next(r for i, r in enumerate(records, start=1)
                      if r["crime_ref"] not in network_crimes and ("crime.csv", i) not in dirty)
        victim["offence_code"] = NAME_IN_CODE
        planted["code_crime"] = victim["crime_ref"]

    def person_edits(records):
        offenders = person_ref_of[offences[0]["offender_person_id"]]  # a planted network crime's offender
        row = next(r for r in records if r["crime_ref"] == dob_crime and r["person_ref"] in offenders)
        row["dob"] = "31/02/1985"
        planted["dob_ref"] = row["person_ref"]
        other = next(r for i, r in enumerate(records, start=1)
                     if r["crime_ref"] not in {o["crime_ref"] for o in offences} and r["crime_ref"] != planted["code_crime"]
                     and ("crime_person.csv", i) not in dirty)
        other["sex"], other["postcode"], other["phone"] = NAME_IN_CODE, f"{CANARY} Road", f"ask {CANARY}"
        planted["fields_ref"] = other["person_ref"]

    _rewrite(delivery, "crime.csv", crime_edits)
    _rewrite(delivery, "crime_person.csv", person_edits)
    result, recorded = _run_cli_recorded(root)
    return ws, planted, result, recorded


def test_hostile_delivery_runs_end_to_end_with_bad_fields_recorded_and_nothing_lost(hostile_run):
    ws, planted, result, recorded = hostile_run
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # No delivered value planted in a code field reaches the terminal or Dagster's storage.
    assert CANARY not in result.stdout + result.stderr
    assert len(recorded) > 100_000 and CANARY not in recorded
    assert "Blanked fields (row loaded)" in result.stdout
    with duckdb.connect(str(ws.analyst_db), read_only=True) as conn:
        issues = conn.sql("SELECT file_name, row_no, column_name, rule, detail FROM field_issue").fetchall()
        assert CANARY not in repr(issues)
        by_column = {(f, c, rule) for f, _, c, rule, _ in issues}
        assert {("crime.csv", "offence_code", "invalid_format"), ("crime.csv", "recorded_date", "future_date"),
                ("crime.csv", "committed_date", "future_date"), ("crime_person.csv", "dob", "unparseable_date"),
                ("crime_person.csv", "sex", "unknown_value"), ("crime_person.csv", "postcode", "invalid_format"),
                ("crime_person.csv", "phone", "invalid_format")} <= by_column
        # The offender with the impossible dob keeps the link to the crime: it is evidence of their edges.
        [(nominal,)] = conn.sql(
            f"SELECT nominal_id FROM nominal_record WHERE person_ref = {db.literal(planted['dob_ref'])}").fetchall()
        assert conn.sql(
            "SELECT count(*) FROM edge_evidence WHERE source_ref = ? AND ? IN (nominal_id_a, nominal_id_b)",
            params=[planted["dob_crime"], nominal]).fetchall()[0][0] > 0
        # The future-dated crime still links its people, but has no date.
        dates = conn.sql("SELECT DISTINCT event_date FROM edge_evidence WHERE source_ref = ?",
                         params=[planted["future_crime"]]).fetchall()
        assert dates == [(None,)]
    with duckdb.connect(str(ws.work_db), read_only=True) as conn:
        # ... and counts for no recency or activity.
        assert conn.sql("SELECT event_date, in_active_window IS TRUE, recent_harm FROM harm.crime_harm WHERE crime_ref = ?",
                        params=[planted["future_crime"]]).fetchall() == [(None, False, 0)]
        assert conn.sql("SELECT count(*) FROM raw.crime_person WHERE person_ref = ?",
                        params=[planted["fields_ref"]]).fetchall()[0][0] >= 1


def test_a_headerless_csv_fails_its_step_without_echoing_it_in_any_record(empty_workspace):
    """As `csenet run` reports it (the CLI prints cli._error_text of the failed step) and as
    Dagster stores it (every event and file of a persistent instance)."""
    import dagster as dg

    from conftest import persistent_instance
    from csenet_dagster import ingest
    from csenet_dagster.ops.resource import duckdb_resource
    from csenet_dagster.cli import _error_text

    data = (HEADERLESS_ROW + HEADERLESS_ROW.replace("V1,", "V2,")).encode()
    write_delivery(empty_workspace.landing, raw={"vehicle.csv": (data, 1)})
    with persistent_instance(empty_workspace) as instance:
        result = dg.materialize(ingest.ASSETS, resources={"duckdb": duckdb_resource()}, instance=instance,
                                raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    shown = _error_text(failure.step_failure_data.error)
    assert failure.step_key == "raw__vehicle"
    assert "file vehicle.csv: rule unique_column: header cell 7 repeats header cell 6" in shown
    recorded = recorded_text(empty_workspace.dagster_home)
    for text in (shown, recorded):
        assert CANARY not in text and "01/02/1990" not in text


# --- masking: values hidden, names readable (issue 9 item 4) ----------------------------------


def test_masking_hides_delivered_values_but_keeps_rule_column_table_and_file_names():
    from dagster._utils.error import SerializableErrorInfo

    from csenet_dagster.cli import _error_text
    from csenet_dagster.ops.audit import safe_error_line
    from csenet_dagster.redact import mask_values

    splink = SerializableErrorInfo(
        'EMTrainingException: Training rule `l."pnc_std" = r."pnc_std"` resulted in no record pairs.',
        [], "EMTrainingException")
    for shown in (_error_text(splink), safe_error_line(splink)):
        assert 'Training rule `l."pnc_std" = r."pnc_std"`' in shown
    duckdb_error = SerializableErrorInfo(
        f"Conversion Error: Could not convert string '{CANARY} Smith' to DATE in column \"dob\" of "
        "\"raw.crime_person\" reading 'crime_person.csv' at '/data/landing/2026-11-29T0600/crime_person.csv'",
        [], "ConversionException")
    for shown in (_error_text(duckdb_error), safe_error_line(duckdb_error)):
        assert CANARY not in shown and "Smith" not in shown
        assert "string '<value>' to DATE" in shown and '"dob"' in shown and '"raw.crime_person"' in shown
        assert "'crime_person.csv'" in shown and "'/data/landing/2026-11-29T0600/crime_person.csv'" in shown
    # Names, dates, postcodes, phones and PNC ids never pass as names, whatever the quoting.
    for value in ("Smith", "John Smith", "01/02/1990", "1990-02-01", "ZZ1 1ZZ", "zz11zz", "07700 900123",
                  "+447700900123", "2015/0123456K", "ZZ SMITH JOHN 01/02/1990", "WILLIAMS"):
        assert mask_values(f"x '{value}' y \"{value}\"") == "x '<value>' y '<value>'", value


def test_ingest_and_harm_agree_on_what_an_offence_code_looks_like():
    from csenet_dagster.ingest.loader import format_valid
    from csenet_dagster.reference_files import is_code_shaped

    values = ["19E", "8L", "105A", "4.1", "008L", "8/67", " 19e ", "Smith", "2026-01-01", "19 E", "", "4.123", "ABC"]
    conn = duckdb.connect(":memory:", config=dict(db.CONNECTION_CONFIG))
    expression = format_valid(db.SqlFragment("v"), "offence_code")
    rows = ", ".join(f"({db.literal(v)})" for v in values)
    shaped = dict(conn.sql(f"SELECT v, {expression} FROM (VALUES {rows}) AS t(v)").fetchall())
    assert shaped == {v: is_code_shaped(v.strip().upper()) for v in values}
    assert sum(shaped.values()) == 7
