"""Red team: the labelling cases of issue 10 in a delivery written by hand, run end to end.

Nothing here comes from ``csenet_dagster.generator``: a small writer of its own
produces the 8 CSVs and ``manifest.json`` exactly per the force contract
(/work/shared/contract/extracts.md), with conventions the generator does not
use: other outcome wordings ("Caution - adult", "Crime-related incident (N100)",
"Evidential difficulties - victim supports", ...), DD/MM/YYYY dates beside ISO
ones, mixed-case codes and roles, names in different case per source system,
shuffled column order and an unknown extra column. The pipeline then runs as
``csenet run`` does (``run_pipeline``) and the tests read ``analyst.duckdb``.

The world (about 70 people; ``extracted_at`` 2026-10-15):

- real network: Darren MALLOY and Kyle BRANNIGAN charged/cautioned with 19E,
  22B, 71 and 88A on Chloe ATKINS (12) and Jade HOLLOWAY (15), named together
  in a 1A CSE log; Sean PRIESTLEY a suspect on a 22B against Jade whose outcome
  is "Evidential difficulties - victim supports", and the recorded offender of
  two 88A crimes "Released without charge" and on "Pre-charge bail";
- Wayne FLETCHER, their drug co-offender (92A, a co-arrest, a non-CSE 1A log),
  mapped to OCG-0003; Maureen MALLOY, Darren's mother, who shares the address
  of Darren and Kyle and the home's landline, nothing else;
- Jade later shoplifts (46); Chloe lives with her brother Ryan, mapped to OCG-0007;
- Edna HOLLOWAY, the grandmother Jade and her sister Lily are found with / at;
- Mark DOYLE and Gary ROOKE kidnapping (36) and blackmailing (35) Natalie PRICE (31);
- Tyler WOOD and Ethan SHAW (14) sharing classmate Mia CLARKE's image (86);
- void child sexual offences: "Cancelled", "Suspect eliminated",
  "Crime-related incident (N100)";
- delayed disclosure: Graham NUTTALL's rape of an 11-year-old (19E) in 2018,
  recorded in September 2026;
- about 40 background people with ordinary crime, arrests and vehicles.

Variants: ``no_intel_no_phone`` (intelligence files with a header only, no
phone anywhere) and ``bare`` (the same and no PNC id anywhere: resolve must adapt, leaving out
the PNC comparison and its training rule).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from conftest import Workspace, use_workspace

DELIVERY_ID = "2026-10-15T0730"
EXTRACTED_AT = "2026-10-15T07:30:00Z"

PERSON_FIELDS = ["person_ref", "surname", "forenames", "dob", "sex", "address", "postcode", "phone", "pnc_id"]
# Column order is not guaranteed by the contract: every file puts its columns in
# an order of its own, the person fields first in some, and carries an extra column.
FILE_COLUMNS = {
    "crime.csv": ["outcome", "crime_ref", "offence_title", "committed_date", "recorded_date", "offence_code",
                  "lsoa_code", "cse_flag", "force_division"],
    "crime_person.csv": ["role", *PERSON_FIELDS, "crime_ref"],
    "custody.csv": ["custody_ref", *PERSON_FIELDS, "arrest_date", "offence_code", "occurrence_ref"],
    "intel_log.csv": ["intel_ref", "summary", "source_eval", "intel_eval", "handling", "created_date", "cse_flag"],
    "intel_person.csv": ["intel_ref", "role", *PERSON_FIELDS],
    "missing_person.csv": ["episode_ref", "role", "reported_date", "found_date", *PERSON_FIELDS],
    "vehicle.csv": ["vrm", "seen_date", "role", "source", *PERSON_FIELDS],
    "ocg_member.csv": ["ocg_ref", "ocg_name", "ocgm_band", "ocg_status", "member_role", "mapped_date", *PERSON_FIELDS],
}
PERSON_FILES = ("crime_person.csv", "custody.csv", "intel_person.csv", "missing_person.csv", "vehicle.csv",
                "ocg_member.csv")

PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


def pnc(year: int, serial: int) -> str:
    return f"{year}/{serial:07d}{PNC_LETTERS[int(f'{year % 100:02d}{serial:07d}') % 23]}"


def uk(date: str) -> str:
    """ISO date as DD/MM/YYYY (the force's crime and custody systems write this)."""
    y, m, d = date.split("-")
    return f"{d}/{m}/{y}"


@dataclass
class Person:
    label: str
    forenames: str
    surname: str
    dob: str | None
    sex: str
    address: str | None
    postcode: str | None
    phone: str | None = None
    pnc_id: str | None = None


# Each source system writes names and dates its own way (the same person looks
# different in every file), but one system's ref is always the same record.
SYSTEM_STYLE = {
    "crime_person.csv": ("CRM", lambda p: (p.surname.upper(), p.forenames.title()), uk),
    "custody.csv": ("NICHE", lambda p: (p.surname.title(), p.forenames.upper()), uk),
    "intel_person.csv": ("INT", lambda p: (p.surname.lower(), p.forenames.lower()), lambda d: d),
    "missing_person.csv": ("COMPACT", lambda p: (p.surname.title(), p.forenames.title()), lambda d: d),
    "vehicle.csv": ("VEH", lambda p: (p.surname.upper(), p.forenames.upper()), uk),
    "ocg_member.csv": ("SOC", lambda p: (p.surname.title(), p.forenames.title()), lambda d: d),
}


@dataclass
class Delivery:
    """A hand-written delivery: rows per file, person refs per (system, person)."""

    no_intel: bool = False  # intel_log.csv and intel_person.csv with a header only
    no_phone: bool = False
    no_pnc: bool = False
    people: dict[str, Person] = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in FILE_COLUMNS})
    refs: dict[str, set[str]] = field(default_factory=dict)  # label -> person_refs

    def add(self, label, forenames, surname, dob, sex, address=None, postcode=None, phone=None, pnc_id=None):
        self.people[label] = Person(label, forenames, surname, dob, sex, address, postcode,
                                    None if self.no_phone else phone, None if self.no_pnc else pnc_id)
        return label

    def person_fields(self, file: str, label: str) -> dict:
        p = self.people[label]
        prefix, names, date_style = SYSTEM_STYLE[file]
        ref = f"{prefix}-{list(self.people).index(label) + 1000:05d}"  # serial in order of adding
        self.refs.setdefault(label, set()).add(ref)
        surname, forenames = names(p)
        # the custody suite writes postcodes in lower case without the space, sex in lower case
        postcode = p.postcode
        sex = p.sex
        if postcode and file == "custody.csv":
            postcode = postcode.lower().replace(" ", "")
        if file == "custody.csv":
            sex = sex.lower()
        return {"person_ref": ref, "surname": surname, "forenames": forenames,
                "dob": date_style(p.dob) if p.dob else "", "sex": sex, "address": p.address or "",
                "postcode": postcode or "", "phone": p.phone or "", "pnc_id": p.pnc_id or ""}

    def crime(self, ref, code, committed, outcome, *, recorded=None, title="", cse_flag="", **roles):
        self.rows["crime.csv"].append({
            "crime_ref": ref, "recorded_date": uk(recorded or committed), "committed_date": uk(committed),
            "offence_code": code, "offence_title": title, "cse_flag": cse_flag, "lsoa_code": "E01010001",
            "outcome": outcome or "", "force_division": "BD"})
        for role, labels in roles.items():
            for label in labels:
                # roles as the crime system spells them: "Suspect", "victim", ...
                spelled = {"suspect": "Suspect", "offender": "OFFENDER", "victim": "victim"}.get(role, role)
                self.rows["crime_person.csv"].append(
                    {"crime_ref": ref, "role": spelled, **self.person_fields("crime_person.csv", label)})

    def custody(self, ref, date, occurrence, code, label):
        self.rows["custody.csv"].append({"custody_ref": ref, "arrest_date": uk(date), "occurrence_ref": occurrence,
                                         "offence_code": code, **self.person_fields("custody.csv", label)})

    def intel(self, ref, date, grade, cse_flag, **roles):
        if self.no_intel:
            return
        source_eval, intel_eval, handling = grade
        self.rows["intel_log.csv"].append({
            "intel_ref": ref, "created_date": date, "source_eval": source_eval, "intel_eval": intel_eval.lower(),
            "handling": handling, "cse_flag": cse_flag, "summary": "free text, never read"})
        for role, labels in roles.items():
            for label in labels:
                self.rows["intel_person.csv"].append(
                    {"intel_ref": ref, "role": role.title(), **self.person_fields("intel_person.csv", label)})

    def missing(self, ref, date, child, **roles):
        base = {"episode_ref": ref, "reported_date": date, "found_date": date}
        self.rows["missing_person.csv"].append(
            {**base, "role": "MISSING", **self.person_fields("missing_person.csv", child)})
        for role, labels in roles.items():
            for label in labels:
                self.rows["missing_person.csv"].append(
                    {**base, "role": role.upper(), **self.person_fields("missing_person.csv", label)})

    def vehicle(self, vrm, date, role, label, phone=None):
        """``phone``: the number on this record when it is not the person's own (e.g. the home landline)."""
        fields = self.person_fields("vehicle.csv", label)
        if phone and not self.no_phone:
            fields["phone"] = phone
        self.rows["vehicle.csv"].append({"vrm": vrm, "seen_date": uk(date), "role": role, "source": "STOP", **fields})

    def ocg(self, ocg_ref, name, band, label, role="SIGNIFICANT"):
        self.rows["ocg_member.csv"].append({
            "ocg_ref": ocg_ref, "ocg_name": name, "ocgm_band": band, "ocg_status": "Active",
            "member_role": role.lower(), "mapped_date": "2024-03-01", **self.person_fields("ocg_member.csv", label)})

    def write(self, landing: Path) -> Path:
        folder = landing / DELIVERY_ID
        folder.mkdir(parents=True)
        files = {}
        for name, columns in FILE_COLUMNS.items():
            buffer = io.StringIO(newline="")
            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
            writer.writeheader()
            for row in self.rows[name]:
                writer.writerow(row)
            data = buffer.getvalue().encode("utf-8")
            (folder / name).write_bytes(data)
            files[name] = {"rows": len(self.rows[name]), "sha256": hashlib.sha256(data).hexdigest()}
        manifest = {"delivery_id": DELIVERY_ID, "extracted_at": EXTRACTED_AT, "files": files}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")  # last
        return folder


FORENAMES = ["Aaron", "Bethany", "Callum", "Danielle", "Elliot", "Fiona", "George", "Hannah", "Imran", "Joanne",
             "Kieran", "Lauren", "Mohammed", "Nicola", "Oliver", "Paige", "Rhys", "Stacey", "Tariq", "Vicky"]
SURNAMES = ["Ackroyd", "Barraclough", "Crowther", "Dewhirst", "Ellwood", "Firth", "Greenwood", "Haigh", "Illingworth",
            "Jowett", "Kershaw", "Lumb", "Mitchell", "Naylor", "Oldroyd", "Pickles", "Rushworth", "Sutcliffe",
            "Thornton", "Utley", "Whiteley", "Yeadon"]
STREETS = ["Carr Lane", "Heaton Road", "Manningham Lane", "Leeds Road", "Otley Road", "Thornton Road",
           "Bolton Road", "Allerton Road", "Wakefield Road", "Harrogate Road"]


VARIANTS = {
    "full": {},
    "no_intel_no_phone": {"no_intel": True, "no_phone": True},
    "bare": {"no_intel": True, "no_phone": True, "no_pnc": True},
}


def build_world(variant: str = "full") -> Delivery:
    w = Delivery(**VARIANTS[variant])
    a = w.add
    # --- the real network and the people around it ---
    a("DARREN", "Darren", "Malloy", "1984-03-12", "M", "14 Ferncliffe Road", "BD9 4QT", "07700 900311",
      pnc(2003, 456123))
    a("KYLE", "Kyle James", "Brannigan", "1990-07-01", "M", "14 Ferncliffe Road", "BD9 4QT", "+447700900412")
    a("MAUREEN", "Maureen", "Malloy", "1961-11-02", "F", "14 Ferncliffe Road", "BD9 4QT", "01274 496000")
    a("CHLOE", "Chloe", "Atkins", "2012-05-20", "F", "3 Cotewall Road", "BD3 8HQ")
    a("RYAN", "Ryan", "Atkins", "1996-01-17", "M", "3 Cotewall Road", "BD3 8HQ", "07700 900513")
    a("JADE", "Jade", "Holloway", "2010-02-14", "F", "8 Thornbury Avenue", "BD3 7AA")
    a("LILY", "Lily", "Holloway", "2013-01-05", "F", "8 Thornbury Avenue", "BD3 7AA")
    a("EDNA", "Edna", "Holloway", "1948-08-30", "F", "27 Moorside Lane", "BD10 0JZ", "01274 496111")
    a("SEAN", "Sean", "Priestley", "1979-04-22", "M", "51 Girlington Road", "BD8 9NN", "07700 900614")
    a("WAYNE", "Wayne", "Fletcher", "1988-10-09", "M", "2 Lumb Lane", "BD8 7QX", "07700 900715", pnc(2006, 98765))
    # --- adult kidnapping / blackmail ---
    a("MARK", "Mark", "Doyle", "1982-06-30", "M", "9 Queens Road", "BD8 7BS", "07700 900816")
    a("GARY", "Gary", "Rooke", "1979-12-24", "M", "40 Oak Lane", "BD9 4PX", "07700 900917")
    a("NATALIE", "Natalie", "Price", "1994-09-03", "F", "6 Park Grove", "BD9 4JY", "07700 900018")
    # --- peers sharing an image ---
    a("TYLER", "Tyler", "Wood", "2012-01-15", "M", "12 Rosebery Road", "BD8 8AB")
    a("ETHAN", "Ethan", "Shaw", "2011-12-02", "M", "30 Rosebery Road", "BD8 8AD")
    a("MIA", "Mia", "Clarke", "2012-02-22", "F", "7 Toller Lane", "BD8 9BX")
    # --- void child sexual offences ---
    a("PAUL", "Paul", "Henshaw", "1975-05-05", "M", "18 Legrams Lane", "BD7 1NH", "07700 900119")
    a("CRAIG", "Craig", "Bell", "1981-02-11", "M", "22 Legrams Lane", "BD7 1NH", "07700 900220")
    a("AMY", "Amy", "Ross", "2011-03-03", "F", "4 Cemetery Road", "BD7 2HU")
    a("NEIL", "Neil", "Parr", "1970-08-08", "M", "61 Great Horton Road", "BD7 1AY", "07700 900321")
    a("STEVEN", "Steven", "Holt", "1968-03-19", "M", "63 Great Horton Road", "BD7 1AY", "07700 900422")
    a("ELLA", "Ella", "Young", "2014-09-09", "F", "11 Horton Grange Road", "BD7 2DN")
    a("DEAN", "Dean", "Moss", "1983-07-07", "M", "5 Duckworth Lane", "BD9 5HA", "07700 900523")
    a("IAN", "Ian", "Frost", "1977-01-27", "M", "9 Duckworth Lane", "BD9 5HA", "07700 900624")
    a("RUBEN", "Ruben", "Hall", "2010-12-12", "M", "14 Whetley Hill", "BD8 8NA")
    # --- delayed disclosure ---
    a("GRAHAM", "Graham", "Nuttall", "1960-10-10", "M", "88 Idle Road", "BD2 4NR", "07700 900725", pnc(1998, 4321))
    a("SOPHIE", "Sophie", "Lamb", "2007-02-02", "F", "3 Undercliffe Road", "BD2 3BN", "07700 900826")

    # the network: 19E on Chloe at 12, 71 and 88A on both girls, 22B on Jade at 15
    w.crime("CR/24/1101", "19e", "2025-02-10", "Charged", title="Rape of a female child under 13",
            cse_flag="Y", offender=["DARREN"], victim=["CHLOE"])
    w.crime("CR/24/1102", "71", "2025-03-15", "Charged", title="Abuse of children through sexual exploitation",
            cse_flag="y", offender=["DARREN", "KYLE"], victim=["CHLOE", "JADE"])
    w.crime("CR/24/1103", "88a", "2025-01-20", "Caution - adult", title="Sexual grooming",
            offender=["KYLE"], victim=["JADE"])
    w.crime("CR/25/0207", "22b", "2025-06-01", "Charged", title="Sexual activity involving a child under 16",
            cse_flag="Y", offender=["KYLE"], victim=["JADE"])
    w.crime("CR/25/0311", "22B", "2025-07-04", "Evidential difficulties - victim supports",
            title="Sexual activity involving a child under 16", cse_flag="Y", suspect=["SEAN"], victim=["JADE"])
    # Sean again, recorded as OFFENDER, on crimes whose outcome holds a charge word but no charge
    w.crime("CR/25/0312", "88A", "2025-07-20", "Released without charge", title="Sexual grooming",
            offender=["SEAN"], victim=["JADE"])
    w.crime("CR/25/0313", "88A", "2025-08-02", "Pre-charge bail", title="Sexual grooming",
            offender=["SEAN"], victim=["JADE"])
    w.intel("IL-70001", "2025-02-01", "1AP", "Y", subject=["DARREN", "KYLE"], victim=["CHLOE"])
    # Jade goes missing: once found with Kyle, twice at her grandmother's, once with her
    w.missing("MISS-301", "2025-03-01", "JADE", found_with=["KYLE"])
    w.missing("MISS-302", "2025-04-12", "JADE", address_occupier=["EDNA"])
    w.missing("MISS-303", "2025-09-30", "JADE", found_with=["EDNA"])
    w.missing("MISS-304", "2026-02-14", "LILY", address_occupier=["EDNA"])
    # Darren and Kyle deal drugs with Wayne (an OCG member), are arrested with him and named with him in a drugs log
    w.crime("CR/25/0420", "92a", "2025-05-05", "Charged", title="Trafficking in controlled drugs",
            offender=["DARREN", "WAYNE"])
    w.custody("CU-880001", "2025-08-08", "OCC-5512", "92a", "KYLE")
    w.custody("CU-880002", "2025-08-08", "OCC-5512", "92a", "WAYNE")
    w.intel("IL-70002", "2025-08-01", "1BP", "N", subject=["WAYNE"], associate=["DARREN", "KYLE"])
    w.ocg("OCG-0003", "Operation Kestrel", "2A", "WAYNE", "PRINCIPAL")
    # the car's records carry the family home's landline, also Maureen's number
    w.vehicle("YX19 KZP", "2025-03-02", "KEEPER", "DARREN", phone="01274 496000")
    w.vehicle("yx19kzp", "2025-04-20", "DRIVER", "KYLE", phone="(01274) 496000")
    # Maureen is known only as the victim of a burglary at the family home
    w.crime("CR/25/0555", "28e", "2025-10-01", "No further action", title="Burglary residential",
            victim=["MAUREEN"])
    # Jade, a victim, shoplifts at 16; Chloe lives with her brother Ryan, an OCG principal
    w.crime("CR/26/0101", "46", "2026-08-02", "Community resolution", title="Shoplifting", offender=["JADE"])
    w.ocg("OCG-0007", "Operation Heron", "1B", "RYAN", "PRINCIPAL")
    w.crime("CR/26/0140", "8n", "2026-03-03", "Charged", title="Assault with injury", offender=["RYAN"],
            victim=["NATALIE"])

    # two men kidnap and blackmail an adult woman over a debt (the force's marker on one of them)
    w.crime("CR/26/0200", "36", "2026-04-04", "Charged", title="Kidnapping", cse_flag="Y",
            offender=["MARK", "GARY"], victim=["NATALIE"])
    w.crime("CR/26/0201", "35", "2026-04-10", "Under investigation", title="Blackmail",
            suspect=["MARK", "GARY"], victim=["NATALIE"])
    w.custody("CU-880010", "2026-04-05", "OCC-6001", "36", "MARK")
    w.custody("CU-880011", "2026-04-05", "OCC-6001", "36", "GARY")

    # two 14-year-olds share a classmate's image
    w.crime("CR/26/0300", "86", "2026-06-01", "Community resolution", title="Indecent images of children",
            cse_flag="Y", suspect=["TYLER", "ETHAN"], victim=["MIA"])
    w.crime("CR/26/0301", "86", "2026-06-03", "", title="Indecent images of children",
            cse_flag="Y", suspect=["TYLER", "ETHAN"], victim=["MIA"])

    # void child sexual offences: no seed, no harm
    w.crime("CR/26/0400", "22b", "2026-05-01", "Cancelled", title="Sexual activity involving a child under 16",
            cse_flag="Y", suspect=["PAUL", "CRAIG"], victim=["AMY"])
    w.crime("CR/26/0401", "19E", "2026-05-20", "Suspect eliminated", title="Rape of a female child under 13",
            cse_flag="Y", suspect=["NEIL", "STEVEN"], victim=["ELLA"])
    w.crime("CR/26/0402", "19g", "2026-07-11", "Crime-related incident (N100)", title="Rape of a male child under 16",
            suspect=["DEAN", "IAN"], victim=["RUBEN"])

    # delayed disclosure: a rape of an 11-year-old in 2018, recorded last month
    w.crime("CR/26/0500", "19E", "2018-06-01", "Under investigation", recorded="2026-09-20",
            title="Rape of a female child under 13", cse_flag="Y", suspect=["GRAHAM"], victim=["SOPHIE"])

    # background: ordinary crime, arrests and vehicles among about 40 people
    rng = random.Random(20261015)
    background = []
    for i in range(40):
        label = f"BG{i:02d}"
        year = rng.randint(1960, 2004)
        a(label, rng.choice(FORENAMES), SURNAMES[i % len(SURNAMES)] + ("" if i < len(SURNAMES) else "-Lee"),
          f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice("MF"),
          f"{rng.randint(1, 199)} {rng.choice(STREETS)}", f"BD{rng.randint(1, 15)} {rng.randint(1, 9)}"
          f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
          f"07700 9{i:05d}" if rng.random() < 0.6 else None)
        background.append(label)
    outcomes = ["Charged", "No further action", "", "Under investigation", "Caution - adult",
                "Evidential difficulties - victim supports", "Community resolution"]
    codes = [("46", "Shoplifting"), ("28e", "Burglary residential"), ("8N", "Assault with injury"),
             ("58a", "Criminal damage to a dwelling"), ("30C", "Theft from the person")]
    for n in range(30):
        code, title = rng.choice(codes)
        offenders = rng.sample(background, rng.choice([1, 1, 2]))
        victims = [v for v in rng.sample(background, 1) if v not in offenders]
        committed = (dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 1000))).isoformat()
        w.crime(f"CR/BG/{n:04d}", code, committed, rng.choice(outcomes), title=title, cse_flag=rng.choice(["N", ""]),
                offender=offenders, victim=victims)
    for n in range(15):
        label = rng.choice(background)
        w.custody(f"CU-77{n:04d}", (dt.date(2024, 6, 1) + dt.timedelta(days=rng.randint(0, 800))).isoformat(),
                  f"OCC-BG{n:03d}", rng.choice(["46", "8N", "30C"]), label)
    for n in range(10):
        w.vehicle(f"BD{n:02d} XYZ", "2025-01-01", "KEEPER", background[n])
    return w


def run_world(tmp_path_factory, variant: str):
    from csenet_dagster.pipeline import run_pipeline

    ws = Workspace(tmp_path_factory.mktemp(f"independent_{variant}"))
    world = build_world(variant)
    with use_workspace(ws):
        world.write(ws.landing)
        result = run_pipeline(console_log_level="CRITICAL", raise_on_error=False)
    if not result.success:
        failure = next(e for e in result.all_events if e.is_step_failure)
        error = str(failure.event_specific_data.error)
        pytest.fail(f"pipeline failed at {failure.step_key}: {error[:2000]}")
    con = duckdb.connect(str(ws.analyst_db), read_only=True)
    return world, con


class Analyst:
    """analyst.duckdb read through the world's labels."""

    def __init__(self, world: Delivery, con):
        self.world = world
        self.con = con
        nominal_of_ref = dict(con.sql("SELECT person_ref, nominal_id FROM nominal_record").fetchall())
        self.nominals = {label: {nominal_of_ref[r] for r in refs} for label, refs in world.refs.items()}

    def nid(self, label: str) -> str:
        ids = self.nominals[label]
        assert len(ids) == 1, f"{label}'s records resolved to {len(ids)} nominals"
        return next(iter(ids))

    def q(self, sql: str, *params) -> list[tuple]:
        return self.con.sql(sql, params=list(params) if params else None).fetchall()

    def roles(self, label: str) -> set[tuple[str, str]]:
        return set(self.q("SELECT network_id, member_role FROM network_member WHERE nominal_id = ?", self.nid(label)))

    def network_of(self, label: str) -> str | None:
        rows = self.q("SELECT network_id FROM network_member WHERE nominal_id = ?", self.nid(label))
        return rows[0][0] if rows else None


@pytest.fixture(scope="module", params=list(VARIANTS))
def analyst(request, tmp_path_factory):
    world, con = run_world(tmp_path_factory, request.param)
    yield Analyst(world, con)
    con.close()


ACCUSED = ("OFFENDER", "SUSPECT")


def test_every_person_of_the_world_resolves_to_one_nominal(analyst):
    for label in analyst.world.refs:
        analyst.nid(label)
    assert len({analyst.nid(label) for label in analyst.world.refs}) == len(analyst.world.refs)


def test_nothing_quarantined(analyst):
    assert analyst.q("SELECT file_name, row_no, rule FROM quarantine") == []


def test_the_real_network_is_found_with_its_offenders_and_victims(analyst):
    network = analyst.network_of("DARREN")
    assert network is not None
    assert analyst.roles("DARREN") == {(network, "OFFENDER")}
    assert analyst.roles("KYLE") == {(network, "OFFENDER")}
    assert analyst.roles("CHLOE") == {(network, "VICTIM")}
    assert analyst.roles("JADE") == {(network, "VICTIM")}
    # "Evidential difficulties - victim supports" is not proceeded with: a suspect, not an offender
    assert analyst.roles("SEAN") == {(network, "SUSPECT")}
    n_offenders, n_suspects, n_victims = analyst.q(
        "SELECT n_offenders, n_suspects, n_victims FROM network WHERE network_id = ?", network)[0]
    assert (n_offenders, n_suspects, n_victims) == (2, 1, 2)


def test_only_the_real_network_is_published(analyst):
    networks = analyst.q("SELECT network_id FROM network")
    assert networks == [(analyst.network_of("DARREN"),)]
    members = {n for (n,) in analyst.q("SELECT nominal_id FROM network_member")}
    expected = {analyst.nid(x) for x in ("DARREN", "KYLE", "SEAN", "CHLOE", "JADE")}
    assert members == expected


def test_every_accused_member_has_a_reason_with_evidence_refs(analyst):
    accused = analyst.q("SELECT network_id, nominal_id, member_role FROM network_member "
                        "WHERE member_role IN ('OFFENDER', 'SUSPECT')")
    assert accused
    for network, nominal, role in accused:
        reasons = analyst.q("SELECT reason, source_refs FROM member_reason WHERE network_id = ? AND nominal_id = ? "
                            "AND admits AND reason_role = ?", network, nominal, role)
        assert reasons, (network, nominal, role)
        assert all(refs and refs.strip() for _, refs in reasons), (nominal, reasons)
    # and those refs are the CSE crimes / logs of the delivery
    darren_refs = ",".join(r for (r,) in analyst.q(
        "SELECT source_refs FROM member_reason WHERE nominal_id = ? AND reason_role = 'OFFENDER'",
        analyst.nid("DARREN")))
    assert "CR/24/1101" in darren_refs and "CR/24/1102" in darren_refs
    assert "CR/25/0420" not in darren_refs  # the drugs crime is no CSE evidence
    sean_refs = ",".join(r for (r,) in analyst.q(
        "SELECT source_refs FROM member_reason WHERE nominal_id = ? AND reason_role = 'SUSPECT'",
        analyst.nid("SEAN")))
    assert {"CR/25/0311", "CR/25/0312", "CR/25/0313"} <= set(sean_refs.split(","))
    # "Released without charge" and "Pre-charge bail" are no charge: Sean is never an offender
    assert analyst.q("SELECT count(*) FROM member_reason WHERE nominal_id = ? AND reason_role = 'OFFENDER'",
                     analyst.nid("SEAN")) == [(0,)]


def test_grandmother_is_not_an_offender(analyst):
    edna = analyst.nid("EDNA")
    assert not any(role in ACCUSED for _, role in analyst.roles("EDNA"))
    assert analyst.q("SELECT count(*) FROM nominal_priority WHERE nominal_id = ? AND (is_cse_involved "
                     "OR network_role IN ('OFFENDER', 'SUSPECT'))", edna) == [(0,)]
    assert analyst.q("SELECT count(*) FROM nominal_priority WHERE nominal_id = ? AND network_role = 'OFFENDER'",
                     edna) == [(0,)]
    # two grandchildren of one household: no person-of-concern flag either
    assert analyst.q("SELECT count(*) FROM person_of_concern WHERE nominal_id = ?", edna) == [(0,)]


def test_adult_kidnapping_and_blackmail_are_not_cse(analyst):
    for label in ("MARK", "GARY", "NATALIE"):
        assert analyst.roles(label) == set(), label
    members = analyst.q("SELECT count(*) FROM member_reason WHERE nominal_id IN (?, ?) AND reason_role IN "
                        "('OFFENDER', 'SUSPECT')", analyst.nid("MARK"), analyst.nid("GARY"))
    assert members == [(0,)]
    # they are still ranked on the harm of what they did (the kidnapping is serious crime), not as CSE
    rows = analyst.q("SELECT is_cse_involved, network_id FROM nominal_priority WHERE nominal_id IN (?, ?)",
                     analyst.nid("MARK"), analyst.nid("GARY"))
    assert len(rows) == 2 and all(not cse and net is None for cse, net in rows)


def test_peers_sharing_an_image_are_a_safeguarding_case_not_a_network(analyst):
    for label in ("TYLER", "ETHAN", "MIA"):
        assert analyst.roles(label) == set(), label
    cases = dict(analyst.q("SELECT crime_ref, child_suspect_nominal_ids FROM peer_safeguarding"))
    assert set(cases) == {"CR/26/0300", "CR/26/0301"}
    for suspects in cases.values():
        assert set(suspects.split(",")) == {analyst.nid("TYLER"), analyst.nid("ETHAN")}
    # children are never OFFENDER anywhere
    assert analyst.q("SELECT count(*) FROM member_reason WHERE nominal_id IN (?, ?) AND reason_role = 'OFFENDER'",
                     analyst.nid("TYLER"), analyst.nid("ETHAN")) == [(0,)]


@pytest.mark.parametrize("suspects, crime_ref", [
    (("PAUL", "CRAIG"), "CR/26/0400"),     # Cancelled
    (("NEIL", "STEVEN"), "CR/26/0401"),    # Suspect eliminated
    (("DEAN", "IAN"), "CR/26/0402"),       # Crime-related incident (N100): not a recorded crime
])
def test_void_crimes_make_no_seed_and_no_harm(analyst, suspects, crime_ref):
    for label in suspects:
        assert analyst.roles(label) == set(), label
        nominal = analyst.nid(label)
        harm = analyst.q("SELECT harm_score, priority_rank FROM nominal WHERE nominal_id = ?", nominal)[0]
        assert harm[0] == 0 and harm[1] is None, (label, harm)
        assert analyst.q("SELECT count(*) FROM nominal_priority WHERE nominal_id = ?", nominal) == [(0,)]
    assert analyst.q("SELECT count(*) FROM explanation WHERE item_ref = ?", crime_ref) == [(0,)]
    assert analyst.q("SELECT count(*) FROM member_reason WHERE source_refs LIKE ?", f"%{crime_ref}%") == [(0,)]


def test_drug_co_offender_and_mother_are_not_members(analyst):
    assert analyst.roles("WAYNE") == set()
    assert analyst.roles("MAUREEN") == set()
    # yet the edges are there for an analyst to see
    wayne, darren = analyst.nid("WAYNE"), analyst.nid("DARREN")
    types = {t for (t,) in analyst.q("SELECT link_type FROM edge WHERE (nominal_id_a = ? AND nominal_id_b = ?) OR "
                                     "(nominal_id_a = ? AND nominal_id_b = ?)", wayne, darren, darren, wayne)}
    assert "CO_OFFENDING" in types
    maureen = analyst.nid("MAUREEN")
    assert analyst.q("SELECT count(*) FROM edge WHERE link_type = 'SHARED_ADDRESS' AND ? IN (nominal_id_a, nominal_id_b)",
                     maureen)[0][0] >= 1


def test_victim_who_later_shoplifts_is_not_a_target_and_adds_no_network_harm(analyst):
    jade = analyst.nid("JADE")
    assert analyst.q("SELECT count(*) FROM nominal_priority WHERE nominal_id = ?", jade) == [(0,)]
    assert analyst.q("SELECT priority_rank FROM nominal WHERE nominal_id = ?", jade) == [(None,)]
    network = analyst.network_of("DARREN")
    assert analyst.q("SELECT count(*) FROM explanation WHERE subject_kind = 'NETWORK' AND subject_id = ? "
                     "AND item_ref = 'CR/26/0101'", network) == [(0,)]
    # the network's harm is that of its CSE crimes and its offenders' own crimes, listed item by item
    harm_items = {r for (r,) in analyst.q("SELECT item_ref FROM explanation WHERE subject_kind = 'NETWORK' AND "
                                          "subject_id = ? AND component = 'HARM'", network)}
    assert {"CR/24/1101", "CR/24/1102", "CR/24/1103", "CR/25/0207", "CR/25/0311"} <= harm_items
    assert "CR/26/0101" not in harm_items
    # Jade is listed for safeguarding instead
    assert analyst.q("SELECT member_role FROM child_safeguarding WHERE nominal_id = ?", jade) == [("VICTIM",)]


def test_victims_never_ranked(analyst):
    # CSE victims, the peers' classmate and the children of void crimes: never targets
    for label in ("CHLOE", "JADE", "LILY", "MIA", "SOPHIE", "AMY", "ELLA", "RUBEN"):
        assert analyst.q("SELECT count(*) FROM nominal_priority WHERE nominal_id = ?", analyst.nid(label)) == [(0,)], label


def test_victim_sharing_a_home_with_an_ocg_member_links_no_ocg(analyst):
    network = analyst.network_of("DARREN")
    links = dict(analyst.q("SELECT ocg_ref, via_nominal_ids FROM soc_link WHERE network_id = ?", network))
    assert "OCG-0007" not in links
    # the OCG of the offenders' drug co-offender is linked, through the offenders, never through a victim
    assert "OCG-0003" in links
    via = set(links["OCG-0003"].split(","))
    assert via & {analyst.nid("DARREN"), analyst.nid("KYLE")}
    assert not via & {analyst.nid(x) for x in ("CHLOE", "JADE", "RYAN")}


def test_delayed_disclosure_keeps_non_trivial_harm(analyst):
    graham = analyst.nid("GRAHAM")
    harm_score, rank = analyst.q("SELECT harm_score, priority_rank FROM nominal WHERE nominal_id = ?", graham)[0]
    # 19E weighs 2920 days; committed eight years ago (0.5^8 = 0.004 of it, ~11 days), recorded a month ago
    assert harm_score > 1000, harm_score
    assert rank is not None
    top = analyst.q("SELECT nominal_id FROM nominal_priority ORDER BY priority_rank LIMIT 5")
    assert (graham,) in top
    # Sophie was 11: a victim, never a target
    assert analyst.q("SELECT count(*) FROM nominal_priority WHERE nominal_id = ?", analyst.nid("SOPHIE")) == [(0,)]


def test_no_child_is_accused_and_no_protected_child_is_ranked(analyst):
    # every OFFENDER/SUSPECT is an adult by the resolved date of birth (the world's children are born 2007+)
    accused_dobs = analyst.q("SELECT n.nominal_id, n.dob FROM network_member AS m JOIN nominal AS n USING (nominal_id) "
                             "WHERE m.member_role IN ('OFFENDER', 'SUSPECT')")
    assert accused_dobs and all(dob is not None and dob.year < 2000 for _, dob in accused_dobs), accused_dobs
    assert analyst.q("SELECT count(*) FROM nominal_priority WHERE nominal_id IN "
                     "(SELECT nominal_id FROM child_safeguarding)") == [(0,)]
    assert analyst.q("SELECT count(*) FROM nominal WHERE priority_rank IS NOT NULL AND nominal_id IN "
                     "(SELECT nominal_id FROM network_member WHERE member_role IN ('VICTIM', 'CHILD_AT_RISK'))") == [(0,)]
