"""The force's extract contract (../shared/contract/extracts.md, v1) as data.

One :class:`FileSpec` per delivered CSV says which columns it must have, which
are dates, keys, coded values and references to another file. The generic
SQL under ``sql/1_ingest/`` applies these rules to every file the same way, so
a rule is written once and the contract is readable in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from csenet_dagster import redact

PERSON_FIELDS = ("person_ref", "surname", "forenames", "dob", "sex", "address", "postcode", "phone", "pnc_id")

# Person fields whose null rate is watched (they drive record linkage).
PERSON_NULL_RATE_FIELDS = ("surname", "dob", "postcode")


@dataclass(frozen=True)
class Coded:
    """A column restricted to a set of codes (compared after trim + upper case).

    ``field_level``: a code outside the set blanks the field and is recorded in
    raw.field_issue (the row loads); otherwise the row is quarantined.
    """

    column: str
    allowed: tuple[str, ...]
    nullable: bool = False
    field_level: bool = False


@dataclass(frozen=True)
class Format:
    """A free-typed column whose text must have a shape (``sql/1_ingest/templates/format_<name>.sql``).

    A value of the wrong shape blanks the field and is recorded in raw.field_issue
    (rule invalid_format); the row loads.
    """

    column: str
    name: str  # the format's SQL file
    description: str  # "<column> is not <description>" in the field issue
    # False: the value is kept as delivered (the field issue says so) because a later
    # stage handles it on purpose (harm gives a non-code offence code the default weight).
    blank: bool = True


@dataclass(frozen=True)
class FileSpec:
    file_name: str
    table: str  # raw.<name>
    columns: tuple[str, ...]  # contract order = column order of the raw table (row_no last)
    keys: tuple[str, ...] = ()  # must not be empty (rule missing_key)
    dates: tuple[str, ...] = ()  # parsed to DATE (rule unparseable_date; future ones blanked, see field_dates)
    # Dates whose unparseable value blanks the field (raw.field_issue) instead of
    # quarantining the row: dates of birth. Event dates stay row rules.
    field_dates: tuple[str, ...] = ()
    formats: tuple[Format, ...] = ()  # shape rules on free-typed fields (field level)
    coded: tuple[Coded, ...] = ()  # rule unknown_value
    flags: tuple[str, ...] = ()  # Y/N/null columns typed BOOLEAN (true only for Y)
    unique_ref: str | None = None  # rule duplicate_ref: later repeats are quarantined
    parent: tuple[str, str] | None = None  # (column, parent file name): rule orphan_row
    description: str = ""

    @property
    def name(self) -> str:
        return self.table.split(".", 1)[1]

    @property
    def has_person(self) -> bool:
        return "person_ref" in self.columns


SEX = Coded("sex", ("M", "F", "U"), nullable=True, field_level=True)
YES_NO = ("Y", "N")
# Person fields checked for shape: a bad one is blanked, the row and its links load.
PERSON_FORMATS = (
    Format("postcode", "postcode", "a UK postcode"),
    Format("phone", "phone", "a UK phone number"),
)
# Home Office offence codes (19E, 8L, 105A, 4.1): digits first, no spaces (reference_files.CODE_SHAPE). Free
# text typed into the column (a name, a date) is listed in raw.field_issue but kept:
# harm weighs a non-code value with its default weight (so the crime's harm is not
# lost) and never names it in a message (harm/checks.py).
OFFENCE_CODE = Format("offence_code", "offence_code", "a Home Office offence code (kept as delivered)", blank=False)


def _person_file(file_name: str, own_columns: tuple[str, ...], *, keys: tuple[str, ...], dates=(), coded=(), **kw) -> FileSpec:
    name = file_name.removesuffix(".csv")
    return FileSpec(
        file_name=file_name,
        table=f"raw.{name}",
        columns=own_columns + PERSON_FIELDS,
        keys=keys + ("person_ref",),
        dates=tuple(dates) + ("dob",),
        field_dates=("dob",),
        coded=tuple(coded) + (SEX,),
        formats=tuple(kw.pop("formats", ())) + PERSON_FORMATS,
        **kw,
    )


FILES: tuple[FileSpec, ...] = (
    FileSpec(
        file_name="crime.csv",
        table="raw.crime",
        columns=("crime_ref", "recorded_date", "committed_date", "offence_code", "offence_title", "cse_flag", "lsoa_code", "outcome"),
        keys=("crime_ref",),
        dates=("recorded_date", "committed_date"),
        coded=(Coded("cse_flag", YES_NO, nullable=True),),
        flags=("cse_flag",),
        formats=(OFFENCE_CODE,),
        unique_ref="crime_ref",
        description="Recorded crimes (crime.csv): one row per crime_ref, typed; bad rows in raw.quarantine.",
    ),
    _person_file(
        "crime_person.csv",
        ("crime_ref", "role"),
        keys=("crime_ref",),
        coded=(Coded("role", ("SUSPECT", "OFFENDER", "VICTIM", "WITNESS", "OTHER")),),
        parent=("crime_ref", "crime.csv"),
        description="People on crimes (crime_person.csv) with their role; every crime_ref is in raw.crime.",
    ),
    _person_file(
        "custody.csv",
        ("custody_ref", "arrest_date", "occurrence_ref", "offence_code"),
        keys=("custody_ref",),
        dates=("arrest_date",),
        formats=(OFFENCE_CODE,),
        unique_ref="custody_ref",
        description="Custody records (custody.csv): one person, one arrest; occurrence_ref groups co-arrests.",
    ),
    FileSpec(
        file_name="intel_log.csv",
        table="raw.intel_log",
        columns=("intel_ref", "created_date", "source_eval", "intel_eval", "handling", "cse_flag", "summary"),
        keys=("intel_ref",),
        dates=("created_date",),
        coded=(
            Coded("source_eval", ("1", "2", "3")),
            Coded("intel_eval", ("A", "B", "C", "D", "E")),
            Coded("handling", ("P", "C")),
            Coded("cse_flag", YES_NO, nullable=True),
        ),
        flags=("cse_flag",),
        unique_ref="intel_ref",
        description="Intelligence logs (intel_log.csv) with 3x5x2 grading; summary text is never put in metadata.",
    ),
    _person_file(
        "intel_person.csv",
        ("intel_ref", "role"),
        keys=("intel_ref",),
        coded=(Coded("role", ("SUBJECT", "ASSOCIATE", "VICTIM", "MENTIONED")),),
        parent=("intel_ref", "intel_log.csv"),
        description="People named in intelligence (intel_person.csv); every intel_ref is in raw.intel_log.",
    ),
    _person_file(
        "missing_person.csv",
        ("episode_ref", "reported_date", "found_date", "role"),
        keys=("episode_ref",),
        dates=("reported_date", "found_date"),
        coded=(Coded("role", ("MISSING", "FOUND_WITH", "ADDRESS_OCCUPIER")),),
        description="Missing-person episodes (missing_person.csv): the missing person, who they were found with and where.",
    ),
    _person_file(
        "vehicle.csv",
        ("vrm", "seen_date", "role", "source"),
        keys=("vrm",),
        dates=("seen_date",),
        coded=(Coded("role", ("KEEPER", "DRIVER", "PASSENGER")),),
        description="People linked to vehicles (vehicle.csv) by registration mark.",
    ),
    _person_file(
        "ocg_member.csv",
        ("ocg_ref", "ocg_name", "ocgm_band", "ocg_status", "member_role", "mapped_date"),
        keys=("ocg_ref",),
        dates=("mapped_date",),
        coded=(
            Coded("ocg_status", ("ACTIVE", "ARCHIVED")),
            Coded("member_role", ("PRINCIPAL", "SIGNIFICANT", "PERIPHERAL")),
        ),
        description="Organised crime group mapping (ocg_member.csv) from the SOC networks project.",
    ),
)

BY_FILE = {spec.file_name: spec for spec in FILES}
CONTRACT_FILES = tuple(spec.file_name for spec in FILES)

# Quarantine rules (raw.quarantine.rule: the row is rejected).
RULES = ("malformed_row", "missing_key", "unparseable_date", "unknown_value", "orphan_row", "duplicate_ref")
# Field-issue rules (raw.field_issue.rule: the field is blanked, the row loads).
FIELD_RULES = ("unparseable_date", "future_date", "unknown_value", "invalid_format")

# Error messages keep the contract's own names readable (redact masks every other quoted token).
redact.register_project_names(
    {*RULES, *(name for spec in FILES for name in (*spec.columns, spec.file_name, spec.table, spec.name))}
)
