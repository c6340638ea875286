"""Person records: which appearances of a true person share a record (person_ref), and
what each record says about the person (with realistic noise).

A record is created at the first appearance of a person in a system; further
appearances reuse one of the person's records in that system or, now and then,
open a new duplicate record. A ref always carries the same field values.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from csenet_dagster.generator import pnc
from csenet_dagster.generator.params import GeneratorParams
from csenet_dagster.generator.population import (
    FEMALE_SURNAMES, GENDERED_SURNAME_GROUPS, PREFIX_FORENAMES, PREFIX_NAME_GROUPS, SIKH_SURNAMES, WOMEN_TITLE_SURNAMES, Address, Bijection,
    Person, masculine,
)
from csenet_dagster.generator.reference import Reference
from csenet_dagster.generator.world import World

# system prefix -> (person file, share of dobs written DD/MM/YYYY, dob-missing factor,
#                   chance a known phone is recorded, chance a known PNC id is recorded,
#                   address-missing factor)
SYSTEMS = {
    "CR": ("crime_person.csv", 0.2, 1.0, 0.5, 0.3, 1.0),
    "CU": ("custody.csv", 0.9, 0.25, 0.8, 0.85, 0.3),
    "IN": ("intel_person.csv", 0.5, 2.0, 0.3, 0.2, 2.5),
    "MP": ("missing_person.csv", 0.0, 0.5, 0.5, 0.05, 0.5),
    "VE": ("vehicle.csv", 0.7, 1.2, 0.45, 0.05, 1.0),
    "OC": ("ocg_member.csv", 0.0, 0.5, 0.4, 0.6, 1.0),
}
KEYBOARD_NEIGHBOURS = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}
MIN_CORRUPT_PNC = 3
# Surnames a record may give a Muslim South Asian woman instead of her family name.
TITLE_SURNAMES = {"BANGLADESHI": ("Begum", "Khatun"), "PAKISTANI": ("Bibi", "Begum")}
# Groups whose names are often keyed family name first (Chinese, Vietnamese order).
FAMILY_NAME_FIRST_GROUPS = frozenset({"CHINESE", "VIETNAMESE"})
# Name noise after which no swap is applied (a swapped record would share only a dob).
HEAVY_NAME_NOISE = frozenset({"forename_typo", "surname_typo", "initial", "nickname", "middle_name",
                              "prefix_dropped", "surname_part"})
# Letters that Unicode decomposition does not reduce to ASCII.
ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss"})
STREET_ABBREVIATIONS = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Lane": "Ln", "Close": "Cl",
                        "Drive": "Dr", "Grove": "Gr", "Crescent": "Cres"}


@dataclass(slots=True)
class Record:
    system: str
    pid: int
    first_date: int
    ref: str = ""
    surname: str | None = None
    forenames: str | None = None
    dob: str | None = None
    sex: str | None = None
    address: str | None = None
    postcode: str | None = None
    phone: str | None = None
    pnc_id: str | None = None
    dob_true: bool = True
    dob_format_dmy: bool = False
    noise: tuple = ()

    def fields(self) -> tuple:
        return (self.ref, self.surname, self.forenames, self.dob, self.sex, self.address,
                self.postcode, self.phone, self.pnc_id)


PERSON_COLUMNS = ("person_ref", "surname", "forenames", "dob", "sex", "address", "postcode", "phone", "pnc_id")


@lru_cache(maxsize=1 << 16)
def date_text(day: int, dmy: bool) -> str:
    d = dt.date.fromordinal(day)
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}" if dmy else d.isoformat()


def typo(rng, text: str) -> str:
    """``text`` at edit distance 1 (sometimes 2): a slip of a key, a lost, doubled or swapped letter."""
    for _ in range(2 if rng.random() < 0.2 else 1):
        if len(text) < 3:
            return text
        i = rng.randrange(1, len(text))
        kind = rng.random()
        ch = text[i]
        if kind < 0.35 and ch.lower() in KEYBOARD_NEIGHBOURS:
            new = rng.choice(KEYBOARD_NEIGHBOURS[ch.lower()])
            text = text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1:]
        elif kind < 0.6:
            text = text[:i] + text[i + 1:]
        elif kind < 0.8:
            text = text[:i] + ch + text[i:]
        elif i + 1 < len(text) and text[i] != text[i + 1]:
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        else:
            text = text[:i] + text[i + 1:]
    return text


def ascii_folded(text: str) -> str:
    """``text`` without diacritics (Wiśniewski -> Wisniewski, Łukasz -> Lukasz, Nguyễn -> Nguyen)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(ASCII_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def cased(rng, text: str, upper_share: float) -> str:
    draw = rng.random()
    if draw < upper_share:
        return text.upper()
    if draw < upper_share + 0.04:
        return text.lower()
    return text


def address_text(rng, home: Address) -> str:
    street = home.street
    if rng.random() < 0.25:
        words = street.split()
        words[-1] = STREET_ABBREVIATIONS.get(words[-1], words[-1])
        street = " ".join(words)
    parts = [home.name, home.flat, f"{home.number} {street}", home.town]
    text = ", ".join(p for p in parts if p)
    draw = rng.random()
    if draw < 0.2:
        return text.upper().replace(",", "")
    if draw < 0.3:
        return text.replace(", ", " ")
    return text


def postcode_text(rng, postcode: str) -> str:
    draw = rng.random()
    if draw < 0.6:
        return postcode
    if draw < 0.75:
        return postcode.replace(" ", "")
    if draw < 0.85:
        return postcode.lower()
    if draw < 0.9:
        return postcode.lower().replace(" ", "")
    return postcode.replace(" ", "  ")


def phone_text(rng, number: str) -> str:
    draw = rng.random()
    mobile = number.startswith("07")
    head, tail = (number[:5], number[5:]) if mobile else (number[:4], number[4:])
    if draw < 0.35:
        return f"{head} {tail}" if mobile else f"{head} {tail[:3]} {tail[3:]}"
    if draw < 0.7:
        return number
    if draw < 0.85:
        return "+44" + number[1:]
    if draw < 0.95:
        return f"+44 {head[1:]} {tail}"
    return f"({head}) {tail}"


def normalised_phone(text: str | None) -> str | None:
    if not text:
        return None
    digits = "".join(c for c in text if c.isdigit())
    return "0" + digits[2:] if digits.startswith("44") else digits


def normalised_postcode(text: str | None) -> str | None:
    return text.replace(" ", "").upper() if text else None


class RecordMaker:
    def __init__(self, rng, ref: Reference, params: GeneratorParams, world: World):
        self.rng, self.ref, self.params, self.world = rng, ref, params, world
        self.persons = world.pop.persons
        self.records: list[Record] = []
        # rows of each person file -> index of its record
        self.row_record: dict[str, list[int]] = {}

    # --- which record each appearance uses ----------------------------------
    def assign(self) -> None:
        w = self.world
        appearances = {
            "CR": [(pid, w.crimes[c][1]) for c, _, pid in w.crime_people],
            "CU": [(pid, day) for _, day, _, pid in w.custody],
            "IN": [(pid, w.intel[i][0]) for i, _, pid in w.intel_people],
            "MP": [(pid, w.episodes[e][0]) for e, _, pid in w.missing_people],
            "VE": [(pid, day) for _, day, _, _, pid in w.vehicle_rows],
            "OC": [(pid, day) for _, _, day, pid in w.ocg_rows],
        }
        rng, params = self.rng, self.params
        for system, rows in appearances.items():
            order = sorted(range(len(rows)), key=lambda i: (rows[i][0], rows[i][1], i))
            row_record = [0] * len(rows)
            current_pid, slots = -1, []
            for i in order:
                pid, day = rows[i]
                if pid != current_pid:
                    current_pid, slots = pid, []
                if not slots or (len(slots) < params.max_records_per_system and rng.random() < params.new_record_rate):
                    self.records.append(Record(system, pid, day))
                    slots.append(len(self.records) - 1)
                    row_record[i] = slots[-1]
                else:
                    row_record[i] = rng.choice(slots)
            self.row_record[system] = row_record

    # --- PNC ids: people who were ever arrested, and some older offenders ------
    def issue_pnc_ids(self) -> None:
        rng, w = self.rng, self.world
        first_arrest: dict[int, int] = {}
        for _, day, _, pid in w.custody:
            if pid not in first_arrest or day < first_arrest[pid]:
                first_arrest[pid] = day
        for person in w.offenders:
            if person.pid not in first_arrest and rng.random() < 0.2:
                first_arrest[person.pid] = w.start - rng.randint(1, 3000)
        serials = Bijection(10_000_000, 7_654_321, rng.randrange(10_000_000))
        for pid in sorted(first_arrest):
            person = self.persons[pid]
            person.pnc_since = first_arrest[pid]
            person.pnc = pnc.pnc_id(dt.date.fromordinal(first_arrest[pid]).year, serials.draw())

    # --- what a record says --------------------------------------------------
    def render(self) -> None:
        for record in self.records:
            self.render_one(record, self.persons[record.pid])
        # a handful of mistyped PNC ids in every delivery, however small
        corrupt = [r for r in self.records if "pnc_corrupt" in r.noise]
        clean = [r for r in self.records if r.pnc_id and "pnc_corrupt" not in r.noise]
        for record in self.rng.sample(clean, max(0, min(len(clean) // 10, MIN_CORRUPT_PNC - len(corrupt)))):
            record.pnc_id = self.corrupt_pnc(record.pnc_id)
            record.noise = (*record.noise, "pnc_corrupt")

    def render_one(self, record: Record, person: Person) -> None:
        rng, p = self.rng, self.params
        _, dmy_share, dob_factor, phone_share, pnc_share, address_factor = SYSTEMS[record.system]
        noise = []
        fore, sur = self.render_names(person, noise)
        record.surname, record.forenames = sur, fore
        # date of birth
        dmy = rng.random() < dmy_share
        record.dob_format_dmy = dmy
        draw = rng.random()
        missing = p.dob_missing_rate * dob_factor
        if draw < missing:
            record.dob, record.dob_true = None, False
            noise.append("dob_missing")
        elif draw < missing + p.dob_placeholder_rate:
            year = 1900 if rng.random() < 0.4 else dt.date.fromordinal(person.dob).year
            record.dob = date_text(dt.date(year, 1, 1).toordinal(), dmy)
            record.dob_true = dt.date(year, 1, 1).toordinal() == person.dob
            noise.append("dob_placeholder")
        elif draw < missing + p.dob_placeholder_rate + p.dob_typo_rate:
            record.dob = date_text(self.wrong_dob(person.dob), dmy)
            record.dob_true = False
            noise.append("dob_typo")
        else:
            record.dob = date_text(person.dob, dmy)
        # sex
        draw = rng.random()
        record.sex = "U" if draw < p.sex_unknown_rate else None if draw < p.sex_unknown_rate + p.sex_missing_rate else person.sex
        # address as it was when the record was made (sometimes an older one)
        home = person.home_at(record.first_date)
        if rng.random() < p.stale_address_rate and len(person.homes) > 1:
            older = [h for since, h in person.homes if since <= record.first_date and h is not home]
            if older:
                home = rng.choice(older)
                noise.append("stale_address")
        if home is None or rng.random() < p.address_missing_rate * address_factor:
            record.address = None
            noise.append("address_missing")
        else:
            record.address = address_text(rng, home)
        if home is None or rng.random() < p.postcode_missing_rate * address_factor:
            record.postcode = None
        else:
            record.postcode = postcode_text(rng, home.postcode)
        number = person.phone_at(record.first_date)
        shown = rng.random() < phone_share or person.always_gives_phone
        record.phone = phone_text(rng, number) if number and shown else None
        if person.pnc and person.pnc_since <= record.first_date and rng.random() < pnc_share:
            record.pnc_id = person.pnc
            if rng.random() < p.pnc_corrupt_rate:
                record.pnc_id = self.corrupt_pnc(person.pnc)
                noise.append("pnc_corrupt")
        record.noise = tuple(noise)

    def render_names(self, person: Person, noise: list) -> tuple[str, str]:
        """(forenames, surname) as one record shows them, with the variation each group's
        names carry in police records. Appends the noise applied to ``noise``."""
        rng, p, ref = self.rng, self.params, self.ref
        fore, sur, middle, group = person.forename, person.surname, person.middle, person.group
        # --- how the person's names are given (before any keying error) ------------
        if middle and fore in PREFIX_FORENAMES and group in PREFIX_NAME_GROUPS and rng.random() < p.prefix_dropped_rate:
            fore, middle = middle, ""  # "Mohammed Imran Khan" known as Imran Khan
            noise.append("prefix_dropped")
        if person.sex == "F" and group in TITLE_SURNAMES and sur not in FEMALE_SURNAMES:
            if rng.random() < p.title_surname_rate:
                sur = rng.choice(TITLE_SURNAMES[group])  # Fatima Khan recorded as Fatima Begum
                noise.append("title_surname")
        elif sur in FEMALE_SURNAMES and person.household >= 0 and rng.random() < p.title_surname_rate:
            head = self.world.pop.households[person.household][0]
            if head is not person and head.surname not in FEMALE_SURNAMES and head.sex == "M":
                sur = head.surname  # Rahima Begum recorded under her husband's surname
                noise.append("household_surname")
        if sur in SIKH_SURNAMES and sur not in ("Singh", "Kaur") and rng.random() < p.sikh_name_rate:
            sur = "Kaur" if person.sex == "F" else "Singh"  # Harpreet Sandhu recorded as Harpreet Kaur
            noise.append("sikh_surname")
        if person.sex == "F" and group in GENDERED_SURNAME_GROUPS and rng.random() < p.gendered_surname_rate:
            male = masculine(sur)
            if male != sur:
                sur = male  # Kowalska recorded as Kowalski, her husband's or father's form
                noise.append("gendered_surname")
        if ("-" in sur or " " in sur) and rng.random() < p.surname_part_rate:
            parts = sur.replace("-", " ").split()
            sur = parts[0] if rng.random() < 0.6 else parts[-1]  # Smith-Jones recorded as Smith
            noise.append("surname_part")
        # --- spelling: transliteration and dropped diacritics ----------------------
        variants = ref.variants
        if fore in variants and rng.random() < p.transliteration_rate:
            new = rng.choice(variants[fore])
            if new != fore:
                fore = new
                noise.append("forename_variant")
        if sur in variants and rng.random() < p.transliteration_rate:
            new = rng.choice(variants[sur])
            if new != sur:
                sur = new
                noise.append("surname_variant")
        if not (fore + sur + middle).isascii() and rng.random() < p.diacritics_dropped_rate:
            fore, sur, middle = ascii_folded(fore), ascii_folded(sur), ascii_folded(middle)
            noise.append("diacritics_dropped")  # Wiśniewski -> Wisniewski on a system without Polish letters
        # --- keying: initials, nicknames, middle names, typos ------------------------
        draw = rng.random()
        if draw < p.initial_only_rate:
            fore = fore[0]
            noise.append("initial")
        elif draw < p.initial_only_rate + p.nickname_rate and fore in ref.nicknames:
            fore = rng.choice(ref.nicknames[fore])
            noise.append("nickname")
        else:
            if middle and rng.random() < p.middle_name_rate:
                fore = f"{fore} {middle if rng.random() < 0.75 else middle[0]}"
                noise.append("middle_name")
            if rng.random() < p.name_typo_rate * 0.8:
                fore = typo(rng, fore)
                noise.append("forename_typo")
        if rng.random() < p.name_typo_rate:
            new = typo(rng, sur)
            if new != sur:
                sur = new
                noise.append("surname_typo")
        sur = cased(rng, sur, 0.45)
        if rng.random() < 0.03 and ("-" in sur or "'" in sur):
            sur = sur.replace("-", " ").replace("'", "")
        fore = cased(rng, fore, 0.25)
        # --- order: family name first, or the fields swapped ------------------------
        heavy = HEAVY_NAME_NOISE.intersection(noise)
        if group in FAMILY_NAME_FIRST_GROUPS and not heavy and rng.random() < p.family_name_first_rate:
            fore, sur = sur, fore  # NGUYEN Minh: the family name keyed as the forename
            noise.append("family_name_first")
        # a swap is applied to otherwise clean names only: swap on top of typos, nicknames or
        # middle names leaves too little for any linker (the record shares nothing but a dob)
        elif not heavy and rng.random() < p.name_swap_rate:
            fore, sur = sur, fore
            noise.append("swapped")
        return fore, sur

    def wrong_dob(self, day: int) -> int:
        rng = self.rng
        d = dt.date.fromordinal(day)
        draw = rng.random()
        if draw < 0.4 and d.day <= 12 and d.day != d.month:
            return dt.date(d.year, d.day, d.month).toordinal()  # day and month transposed
        if draw < 0.7:
            return day + rng.choice((-1, 1))
        try:
            return dt.date(d.year + rng.choice((-1, 1)), d.month, d.day).toordinal()
        except ValueError:
            return day + 1

    def corrupt_pnc(self, value: str) -> str:
        """A mistyped serial digit under the original check letter (so the check fails)."""
        rng = self.rng
        while True:
            i = rng.randrange(5, 12)
            digit = str((int(value[i]) + rng.randint(1, 9)) % 10)
            candidate = value[:i] + digit + value[i + 1:]
            if not pnc.is_valid(candidate):
                return candidate

    # --- resolvability: two records of a person share more than a name ---------
    def ensure_resolvable(self) -> int:
        """Restore the true dob on a record that shares no dob, postcode, phone or PNC with
        another record of the same person. Returns how many records were restored."""
        by_person: dict[int, list[Record]] = {}
        for record in self.records:
            by_person.setdefault(record.pid, []).append(record)
        restored = 0
        for pid, records in by_person.items():
            if len(records) < 2 or all(r.dob_true for r in records):
                continue
            person = self.persons[pid]
            keys = [self.anchors(r) for r in records]
            for i, record in enumerate(records):
                if record.dob_true:
                    continue
                if any(not (keys[i] & keys[j]) for j in range(len(records)) if j != i):
                    record.dob = date_text(person.dob, record.dob_format_dmy)
                    record.dob_true = True
                    record.noise = tuple(n for n in record.noise if not n.startswith("dob_"))
                    keys[i] = self.anchors(record)
                    restored += 1
        return restored

    @staticmethod
    def anchors(record: Record) -> set:
        keys = set()
        if record.dob_true:
            keys.add(("dob",))
        if record.postcode:
            keys.add(("postcode", normalised_postcode(record.postcode)))
        if record.phone:
            keys.add(("phone", normalised_phone(record.phone)))
        if record.pnc_id and pnc.is_valid(record.pnc_id):
            keys.add(("pnc", record.pnc_id))
        return keys

    # --- refs ---------------------------------------------------------------
    def number_refs(self) -> None:
        """Refs in a random order per system, so numbering does not reveal who is who."""
        rng = self.rng
        by_system: dict[str, list[Record]] = {}
        for record in self.records:
            by_system.setdefault(record.system, []).append(record)
        for system in SYSTEMS:
            records = by_system.get(system, [])
            rng.shuffle(records)
            for n, record in enumerate(records, start=1):
                record.ref = f"{system}{n:08d}"

    def build(self) -> None:
        self.assign()
        self.issue_pnc_ids()
        self.render()
        self.restored = self.ensure_resolvable()
        self.number_refs()
