"""Privacy and security: nothing Dagster records names a person; files are owner-only;
handling-code-C intelligence stays out of the exports meant for sharing."""

from __future__ import annotations

import csv
import json
import re
import stat
from pathlib import Path

import dagster as dg
import duckdb
from dagster._serdes import serialize_value

# Person fields of the extract contract, plus the free text of intelligence logs.
PERSON_FIELDS = ("surname", "forenames", "dob", "address", "postcode", "phone", "pnc_id")
# Shorter values (initials, "Ali", "Lee") occur inside ordinary words and ids.
MIN_CHARS = 6
_UK_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _rows(path: Path):
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _date_forms(value: str) -> set[str]:
    """A date of birth as delivered and as a DATE renders (YYYY-MM-DD)."""
    match = _UK_DATE.match(value)
    return {value, f"{match[3]}-{match[2]}-{match[1]}"} if match else {value}


def identifying_values(delivery: Path) -> set[str]:
    """Distinct person values of the delivery (and intel summaries) long enough to be telling.

    Dates of birth that are also dates of events in the delivery (or placeholders such as
    1900-01-01) are left out: a date in metadata is not telling by itself.
    """
    values: set[str] = set()
    dobs: set[str] = set()
    event_dates: set[str] = set()
    for path in sorted(delivery.glob("*.csv")):
        for row in _rows(path):
            for column, value in row.items():
                value = (value or "").strip()
                if not value:
                    continue
                if column == "dob":
                    dobs |= _date_forms(value)
                elif column in PERSON_FIELDS or column == "summary":
                    if len(value) >= MIN_CHARS:
                        values.add(value)
                elif column and column.endswith("_date"):
                    event_dates |= _date_forms(value)
    # a dirty row's unparseable dob ("unknown") is the generator's breach marker, not a person's value
    values |= {d for d in dobs - event_dates
               if any(c.isdigit() for c in d) and not d.startswith(("1900-", "01/01/")) and "-01-01" not in d}
    return values


_WORD = re.compile(r"[^\W_]+")


def leaked(values: set[str], text: str) -> list[str]:
    """Which values occur verbatim in ``text`` (also JSON-escaped, as event storage keeps them).

    A value is looked for only when each of its words is a word of ``text``, which keeps the
    scan of thousands of values fast; values glued to other letters are not looked for.
    """
    words = set(_WORD.findall(text))
    found = []
    for value in sorted(values):
        for form in dict.fromkeys((value, json.dumps(value)[1:-1])):
            if all(word in words for word in _WORD.findall(form)) and form in text:
                found.append(value)
                break
    return found


def recorded_text(home: Path) -> str:
    """Everything Dagster recorded for every run: all events (metadata, log messages, check
    results, errors) from the event log storage, plus every file under DAGSTER_HOME
    (compute logs, run and event databases)."""
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        runs = instance.get_runs()
        assert runs, "no run recorded in the instance"
        parts = [serialize_value(entry) for run in runs for entry in instance.all_logs(run.run_id)]
    finally:
        instance.dispose()
    for path in sorted(home.rglob("*")):
        if path.is_file():
            parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts)


def test_dagster_records_no_person_values(small_run):
    values = identifying_values(small_run.deliveries()[0])
    assert len(values) > 1000  # surnames, forenames, addresses, postcodes, phones, PNC ids, dobs, summaries
    text = recorded_text(small_run.dagster_home)
    assert len(text) > 100_000  # the run's events really are in there
    found = leaked(values, text)
    # Report how many and of which kind only: the values themselves must not reach the test log.
    assert not found, f"{len(found)} person values recorded by Dagster (lengths {sorted({len(v) for v in found})})"


def test_the_scan_finds_a_planted_value(small_run, tmp_path):
    """The scan is not blind: a person value planted in a run's metadata is found."""
    values = identifying_values(small_run.deliveries()[0])
    planted = sorted(v for v in values if len(v) > 10)[0]

    @dg.asset
    def careless() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"example": planted})

    home = tmp_path / "home"
    home.mkdir()
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        dg.materialize([careless], instance=instance)
    finally:
        instance.dispose()
    assert leaked(values, recorded_text(home)) == [planted]


def test_published_and_working_databases_are_owner_only(small_run):
    for path in (small_run.analyst_db, small_run.work_db):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} has mode {oct(mode)}"


def _intel_by_handling(delivery: Path) -> dict[str, set[str]]:
    refs: dict[str, set[str]] = {"P": set(), "C": set()}
    for row in _rows(delivery / "intel_log.csv"):
        refs.setdefault(row["handling"], set()).add(row["intel_ref"])
    return refs


def test_handling_c_intelligence_stays_out_of_shared_exports(small_run):
    delivery = small_run.deliveries()[0]
    refs = _intel_by_handling(delivery)
    summaries = {row["summary"] for row in _rows(delivery / "intel_log.csv") if len(row["summary"] or "") >= MIN_CHARS}
    exports = sorted(p for p in (small_run.warehouse / "exports").rglob("*") if p.is_file())
    kinds = {p.suffix for p in exports}
    assert {".graphml", ".csv", ".html"} <= kinds, kinds
    text = "\n".join(p.read_text(encoding="utf-8") for p in exports)
    exported_refs = set(re.findall(r"INT\d{8}", text))

    # Handling-C logs do link people in the analysts' own tables ...
    with duckdb.connect(str(small_run.analyst_db), read_only=True) as conn:
        linked = {
            ref
            for (refs_text,) in conn.sql("SELECT source_refs FROM edge WHERE link_type = 'INTEL_ASSOCIATION'").fetchall()
            for ref in re.findall(r"INT\d{8}", refs_text or "")
        }
    assert linked & refs["C"], "the small delivery should have handling-C intelligence on links"
    # ... and handling-P ones reach the exports, but no handling-C ref and no summary does.
    assert exported_refs & refs["P"]
    assert not exported_refs & refs["C"], f"{len(exported_refs & refs['C'])} handling-C intel refs exported"
    assert not leaked(summaries, text), "intelligence summary text found in the exports"
