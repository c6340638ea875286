"""A small hand-made world for network tests: raw.* and er.* tables with known truth.

Network A: offenders O1 O2 (charged / cautioned) and O3 (suspect on an open
crime, subject of credible CSE intelligence), victims V1 V2 (crimes whose
codes imply a child; the victims' records carry adult dobs).
Network B: suspects P1 P2 (open crime), victim W1 (a child: a CSE-marked
assault) and missing child M1 found with P2 (a child at risk). X is arrested with O1 and, separately, with P1: a broker.
Background: B1 B2 burglars (B1 also shoplifts with O1), a hostel of 8, a taxi of 10;
Z1 witnesses O1 and O2 shoplifting (witnesses are never linked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

PERSON_COLUMNS = ("person_ref", "surname", "forenames", "dob", "sex", "address", "postcode", "phone", "pnc_id")

EXTRACTED_AT = dt.datetime(2026, 11, 29, 6, 0, 0)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@dataclass
class World:
    """Builds raw and er tables; every person_ref maps to the nominal of its label."""

    people: dict[str, dict] = field(default_factory=dict)  # person_ref -> person fields
    nominal_of_ref: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # label -> nominal_id
    tables: dict[str, list[dict]] = field(default_factory=dict)

    def nominal(self, label: str) -> str:
        if label not in self.labels:
            self.labels[label] = f"N{len(self.labels) + 1:08d}"
        return self.labels[label]

    def person(self, label: str, ref_suffix: str = "", *, dob: str | None = "1990-05-05",
               address: str | None = None, postcode: str | None = None, phone: str | None = None) -> dict:
        ref = f"P-{label}{ref_suffix}"
        fields = {
            "person_ref": ref, "surname": "Test", "forenames": label, "dob": d(dob) if dob else None,
            "sex": "U", "address": address, "postcode": postcode, "phone": phone, "pnc_id": None,
        }
        self.people[ref] = fields
        self.nominal_of_ref[ref] = self.nominal(label)
        return fields

    def add(self, table: str, row: dict) -> None:
        self.tables.setdefault(table, []).append(row)

    def crime(self, ref: str, code: str, date: str, cse_flag: bool = False, *, outcome: str | None = None,
              recorded: str | None = None, dobs: dict[str, str] | None = None, **roles: list[str]) -> None:
        self.add("crime", {"crime_ref": ref, "recorded_date": d(recorded or date), "committed_date": d(date),
                           "offence_code": code, "offence_title": "t", "cse_flag": cse_flag,
                           "lsoa_code": None, "outcome": outcome})
        for role, labels in roles.items():
            for label in labels:
                dob = (dobs or {}).get(label, "1990-05-05")
                self.add("crime_person", {"crime_ref": ref, "role": role.upper(), **self.person(label, dob=dob)})

    def custody(self, ref: str, occurrence: str, date: str, label: str, suffix: str = "") -> None:
        self.add("custody", {"custody_ref": ref, "arrest_date": d(date), "occurrence_ref": occurrence,
                             "offence_code": "49", **self.person(label, suffix)})

    def intel(self, ref: str, grade: str, date: str, cse: bool, **roles: list[str]) -> None:
        source_eval, intel_eval, handling = grade
        self.add("intel_log", {"intel_ref": ref, "created_date": d(date), "source_eval": source_eval,
                               "intel_eval": intel_eval, "handling": handling, "cse_flag": cse,
                               "summary": "text"})
        for role, labels in roles.items():
            for label in labels:
                self.add("intel_person", {"intel_ref": ref, "role": role.upper(), **self.person(label)})

    def missing(self, ref: str, date: str, missing: str, missing_dob: str | None, **roles: list[str]) -> None:
        base = {"episode_ref": ref, "reported_date": d(date), "found_date": d(date)}
        self.add("missing_person", {**base, "role": "MISSING", **self.person(missing, dob=missing_dob)})
        for role, labels in roles.items():
            for label in labels:
                self.add("missing_person", {**base, "role": role.upper(), **self.person(label)})

    def vehicle(self, vrm: str, date: str, role: str, label: str) -> None:
        self.add("vehicle", {"vrm": vrm, "seen_date": d(date), "role": role, "source": "STOP",
                             **self.person(label, "-veh")})

    def ocg(self, ocg_ref: str, label: str, band: str = "2B", date: str = "2025-01-01") -> None:
        self.add("ocg_member", {"ocg_ref": ocg_ref, "ocg_name": "Operation Test", "ocgm_band": band,
                                "ocg_status": "ACTIVE", "member_role": "SIGNIFICANT", "mapped_date": d(date),
                                **self.person(label, "-ocg")})

    def std(self, label: str, suffix: str, *, address: str | None, postcode: str | None, phone: str | None) -> None:
        """A person record seen only for its contact details (feeds shared attributes)."""
        self.add("extra_person", self.person(label, suffix, address=address, postcode=postcode, phone=phone))

    def write(self, conn) -> None:
        schemas = {
            "crime": ["crime_ref", "recorded_date", "committed_date", "offence_code", "offence_title",
                      "cse_flag", "lsoa_code", "outcome"],
            "crime_person": ["crime_ref", "role"],
            "custody": ["custody_ref", "arrest_date", "occurrence_ref", "offence_code"],
            "intel_log": ["intel_ref", "created_date", "source_eval", "intel_eval", "handling", "cse_flag", "summary"],
            "intel_person": ["intel_ref", "role"],
            "missing_person": ["episode_ref", "reported_date", "found_date", "role"],
            "vehicle": ["vrm", "seen_date", "role", "source"],
            "ocg_member": ["ocg_ref", "ocg_name", "ocgm_band", "ocg_status", "member_role", "mapped_date"],
        }
        person_tables = {"crime_person", "custody", "intel_person", "missing_person", "vehicle", "ocg_member"}
        conn.execute(
            "CREATE OR REPLACE TABLE raw.delivery AS SELECT 'TEST' AS delivery_id, "
            f"TIMESTAMP '{EXTRACTED_AT.isoformat(sep=' ')}' AS extracted_at, '' AS landing_path, "
            "'' AS manifest_sha256, TIMESTAMP '2026-11-29 07:00:00' AS loaded_at"
        )
        for table, columns in schemas.items():
            if table in person_tables:
                columns = columns + list(PERSON_COLUMNS)
            rows = [{**r, "row_no": i} for i, r in enumerate(self.tables.get(table, []), start=1)]
            frame = pl.DataFrame(rows, schema=_schema(columns + ["row_no"]), orient="row") if rows else \
                pl.DataFrame(schema=_schema(columns + ["row_no"]))
            conn.register("frame", frame.to_arrow())
            conn.execute(f"CREATE OR REPLACE TABLE raw.{table} AS SELECT * FROM frame")
            conn.unregister("frame")
        # records seen only for their contact details, as the ingest stage gives such refs:
        # the person fields of quarantined rows (what the shareable picture rebuilds records from)
        extra = [{"delivery_id": "TEST", "file_name": "crime_person.csv", "row_no": 10_000 + i, **p}
                 for i, p in enumerate(self.tables.get("extra_person", []), start=1)]
        quarantined = pl.DataFrame(extra, schema=_schema(["delivery_id", "file_name", "row_no", *PERSON_COLUMNS]),
                                   orient="row") if extra else \
            pl.DataFrame(schema=_schema(["delivery_id", "file_name", "row_no", *PERSON_COLUMNS]))
        conn.register("quarantined", quarantined.to_arrow())
        conn.execute("CREATE OR REPLACE TABLE raw.quarantined_person AS SELECT * FROM quarantined")
        conn.unregister("quarantined")
        records = pl.DataFrame(
            [{**p, "last_seen": d("2026-01-01")} for p in self.people.values()],
            schema=_schema(list(PERSON_COLUMNS) + ["last_seen"]),
        )
        mapping = pl.DataFrame(
            {"person_ref": list(self.nominal_of_ref), "nominal_id": list(self.nominal_of_ref.values())}
        )
        conn.register("records", records.to_arrow())
        conn.register("mapping", mapping.to_arrow())
        conn.execute("CREATE OR REPLACE TABLE er.person_record AS SELECT * FROM records")
        conn.execute(
            "CREATE OR REPLACE TABLE er.nominal_record AS "
            "SELECT person_ref, nominal_id, 1.0 AS match_probability FROM mapping"
        )
        # the standardised fields the network reads (same rules as sql/2_resolve/04_person_std.sql)
        conn.execute(
            """CREATE OR REPLACE TABLE er.person_std AS
               SELECT person_ref,
                      upper(left(replace(postcode, ' ', ''), length(replace(postcode, ' ', '')) - 3)) || ' '
                          || upper(right(replace(postcode, ' ', ''), 3)) AS postcode_std,
                      nullif(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), '') AS phone_std
               FROM er.person_record"""
        )
        # er.nominal: the resolved dob (the one the roles' age rules read) = the earliest record's
        conn.execute(
            """CREATE OR REPLACE TABLE er.nominal AS
               SELECT m.nominal_id, min(r.surname) AS surname, min(r.forenames) AS forenames, min(r.dob) AS dob
               FROM mapping AS m JOIN records AS r ON r.person_ref = m.person_ref
               GROUP BY m.nominal_id"""
        )
        conn.unregister("records")
        conn.unregister("mapping")


def _schema(columns: list[str]) -> dict:
    types = {
        "recorded_date": pl.Date, "committed_date": pl.Date, "arrest_date": pl.Date, "created_date": pl.Date,
        "reported_date": pl.Date, "found_date": pl.Date, "seen_date": pl.Date, "dob": pl.Date,
        "last_seen": pl.Date, "cse_flag": pl.Boolean, "row_no": pl.Int64, "mapped_date": pl.Date,
    }
    return {c: types.get(c, pl.String) for c in columns}


def build_world() -> World:
    w = World()
    # Network A
    w.crime("CR1", "71", "2026-06-01", outcome="Charged/summonsed", offender=["O1", "O2"], victim=["V1"])
    w.crime("CR2", "88A", "2026-05-01", outcome="Under investigation", suspect=["O3"], victim=["V1"])
    w.crime("CR3", "22B", "2026-04-01", outcome=" caution -  adults ", offender=["O2"], victim=["V2"])
    # Network B: the assault is CSE by the force's marker and the child victim, not by its code
    w.crime("CR4", "8N", "2025-01-01", cse_flag=True, dobs={"W1": "2011-04-04"},
            offender=["P1", "P2"], victim=["W1"])
    w.missing("MP1", "2026-02-01", "M1", "2012-03-03", found_with=["P2"])
    # an adult found with a burglar: no seed
    w.missing("MP2", "2026-02-02", "M2", "1970-01-02", found_with=["B2"])
    # background
    w.crime("CR5", "28E", "2026-03-01", offender=["B1", "B2"])
    w.crime("CR6", "46", "2026-03-02", offender=["B1", "O1"])
    # O1 and O2 shoplift together six more times this month: their co-offending edge saturates
    for i in range(6):
        w.crime(f"CR7{i}", "46", f"2026-11-0{i + 1}", offender=["O1", "O2"], witness=["Z1"])
    # X: arrested with O1, and separately with P1 (O1 has a second record in custody)
    w.custody("CU1", "OCC1", "2026-07-01", "O1", "-c")
    w.custody("CU2", "OCC1", "2026-07-01", "X")
    w.custody("CU3", "OCC2", "2026-07-02", "P1")
    w.custody("CU4", "OCC2", "2026-07-02", "X", "-2")
    # intelligence
    w.intel("IL1", "1AP", "2026-08-01", True, subject=["O3"], associate=["Q1"])
    w.intel("IL2", "3AP", "2026-08-02", True, subject=["B1"], associate=["B2"])   # source 3: never
    w.intel("IL3", "1DP", "2026-08-03", False, subject=["B1"], mentioned=["Q1"])  # D: never
    w.intel("IL4", "1BC", "2026-08-04", False, subject=["O1"], associate=["O3"])  # credible, handling C
    w.intel("IL5", "2AP", "2026-08-05", True, subject=["Q2"], associate=["B2"])   # source 2: not by default
    # shared attributes
    for i in range(8):
        w.std(f"H{i}", "-std", address="Hostel, 1 Station Road", postcode="ab1 2cd", phone=None)
    w.std("B1", "-std", address="12 High St", postcode="XY9 8ZZ", phone="07700 900001")
    w.std("B2", "-std", address="12, High Street", postcode="xy98zz", phone=None)
    w.std("O2", "-std", address=None, postcode=None, phone="+44 7700 900555")
    w.std("P1", "-std", address=None, postcode=None, phone="447700900555")
    w.vehicle("AB12 CDE", "2026-06-02", "KEEPER", "O1")
    w.vehicle("AB12CDE", "2026-06-03", "DRIVER", "O2")
    for i in range(10):
        w.vehicle("TAXI1", "2026-06-04", "DRIVER", f"T{i}")
    return w
