"""The true people of the synthetic world: households, addresses, phones, dates of birth.

Dates are day ordinals (``datetime.date.toordinal``) until they are written.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field

from csenet_dagster.generator.reference import Reference

YEAR = 365.25
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
HOUSE_NUMBERS = 80  # per street (480 streets per district)
# Surnames only women carry (Begum, Bibi, Khatun: Muslim South Asian women's names used as
# surnames; Kaur: Sikh women) and only men carry (Singh: Sikh men; Miah, Uddin: Bangladeshi men).
FEMALE_SURNAMES = frozenset({"Begum", "Khatun", "Bibi", "Kaur"})
MALE_SURNAMES = frozenset({"Singh", "Miah", "Uddin"})
WOMEN_TITLE_SURNAME_SHARE = {"BANGLADESHI": 0.4, "PAKISTANI": 0.15}
WOMEN_TITLE_SURNAMES = {"BANGLADESHI": ("Begum", "Begum", "Begum", "Khatun"), "PAKISTANI": ("Bibi", "Begum")}
# Sikh family (clan) names: a Sikh woman is Kaur, a man Singh, often as well as the clan name.
SIKH_SURNAMES = frozenset({
    "Singh", "Kaur", "Gill", "Sandhu", "Sidhu", "Bains", "Dhillon", "Johal", "Atwal", "Bassi", "Mann",
    "Sahota", "Virdi", "Grewal", "Sangha", "Bhamra", "Hayer", "Kalsi", "Dhaliwal", "Gakhal", "Chahal",
    "Sohal", "Basra", "Samra", "Bhogal", "Thandi", "Lally", "Dosanjh", "Purewal", "Heer", "Khera",
})
# First forenames that are a religious prefix: the man is known by his middle (calling) name.
PREFIX_FORENAMES = frozenset({"Mohammed", "Muhammad", "Md", "Mohammad", "Mohamed"})
PREFIX_NAME_GROUPS = frozenset({"PAKISTANI", "BANGLADESHI", "MIDDLE_EASTERN"})
# Groups whose surnames are sometimes double-barrelled (Smith-Jones, Lloyd Davies).
DOUBLE_BARREL_GROUPS = frozenset({"WHITE_BRITISH", "IRISH", "BLACK_CARIBBEAN"})
DOUBLE_BARREL_RATE = 0.02
# Polish surnames are gendered: Kowalski (m), Kowalska (f).
GENDERED_SURNAME_GROUPS = frozenset({"POLISH"})
POLISH_GENDERED_ENDINGS = (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka"))

BACKGROUND = "BACKGROUND"
CSE_OFFENDER = "CSE_OFFENDER"
CSE_VICTIM = "CSE_VICTIM"
OCG_MEMBER = "OCG_MEMBER"
ASSOCIATE = "ASSOCIATE"


@dataclass(frozen=True)
class Address:
    flat: str
    number: int
    street: str
    town: str
    postcode: str  # canonical "B12 9QR"
    name: str = ""  # a building name (hostels)


@dataclass(eq=False, slots=True)
class Person:
    pid: int
    kind: str
    sex: str
    group: str
    forename: str
    middle: str
    surname: str
    dob: int
    # (since, Address), oldest first; the home at a date is the last one whose since <= date.
    homes: list = field(default_factory=list)
    # (since, number or None), oldest first.
    phones: list = field(default_factory=list)
    pnc: str | None = None
    pnc_since: int = 0
    network_id: str = ""
    ocg_ref: str = ""
    household: int = -1
    always_gives_phone: bool = False  # taxi drivers give the firm's number whenever asked

    def age_at(self, day: int) -> float:
        return (day - self.dob) / YEAR

    def home_at(self, day: int) -> Address | None:
        found = None
        for since, home in self.homes:
            if since <= day:
                found = home
        return found if found is not None else (self.homes[0][1] if self.homes else None)

    def phone_at(self, day: int) -> str | None:
        found = None
        for since, number in self.phones:
            if since <= day:
                found = number
        return found


def gendered(surname: str, sex: str, group: str) -> str:
    """A Polish surname in the form for ``sex`` (Kowalski, Kowalska); other names unchanged."""
    if group not in GENDERED_SURNAME_GROUPS or sex != "F":
        return surname
    for male, female in POLISH_GENDERED_ENDINGS:
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname


def masculine(surname: str) -> str:
    for male, female in POLISH_GENDERED_ENDINGS:
        if surname.endswith(female):
            return surname[: -len(female)] + male
    return surname


class Bijection:
    """Distinct pseudo-random integers in [0, modulus) from a counter (a*i + c mod m, gcd(a, m) = 1)."""

    def __init__(self, modulus: int, multiplier: int, offset: int):
        self.modulus, self.multiplier, self.offset, self.next_index = modulus, multiplier, offset, 0

    def draw(self) -> int:
        value = (self.multiplier * self.next_index + self.offset) % self.modulus
        self.next_index += 1
        return value


class Population:
    """Creates people, households, addresses and phone numbers; holds every true person."""

    def __init__(self, rng, ref: Reference, today: int, history_days: int):
        self.rng, self.ref, self.today, self.history_days = rng, ref, today, history_days
        self.persons: list[Person] = []
        self.households: list[list[Person]] = []
        # 9-digit mobile suffixes: 282475249 = 7**10 is coprime with 9e8.
        self._mobiles = Bijection(900_000_000, 282_475_249, rng.randrange(900_000_000))
        self._dwellings: dict[str, Bijection] = {}
        # (surname, current address) -> forenames given in that family
        self._family_forenames: dict[tuple, set] = {}
        self.dwellings_per_district = len(ref.streets) * HOUSE_NUMBERS

    # --- attributes ----------------------------------------------------------
    def new_phone(self) -> str:
        return "07" + str(100_000_000 + self._mobiles.draw())

    def new_address(self) -> Address:
        """A dwelling nobody else in the world has lived in: unrelated households never share
        an address by accident (neighbours do share a unit postcode)."""
        rng = self.rng
        districts = self.ref.districts.items
        index = districts.index(self.ref.districts.pick(rng))
        for step in range(len(districts)):
            # a full district (only at very large scales) passes the household to the next one
            outward, town = districts[(index + step) % len(districts)]
            slots = self._dwellings.get(outward)
            if slots is None:
                # 1_000_003 is prime and larger than a district's slot count, so coprime with it
                slots = self._dwellings[outward] = Bijection(self.dwellings_per_district, 1_000_003, rng.randrange(1 << 20))
            if slots.next_index < self.dwellings_per_district:
                break
        else:
            raise ValueError("the synthetic world has run out of addresses; lower `people`")
        slot = slots.draw()
        street = self.ref.streets[slot % len(self.ref.streets)]
        number = slot // len(self.ref.streets) + 1
        flat = f"Flat {rng.randint(1, 12)}" if rng.random() < 0.1 else ""
        return Address(flat, number, street, town, self.postcode(outward, street, number))

    @staticmethod
    def postcode(outward: str, street: str, number: int) -> str:
        """Neighbours share a unit postcode: one unit per street and block of 16 numbers."""
        digest = zlib.crc32(f"{outward}|{street}|{number // 16}".encode())
        letters = POSTCODE_UNIT_LETTERS
        return f"{outward} {digest % 9 + 1}{letters[(digest >> 8) % 20]}{letters[(digest >> 16) % 20]}"

    def forename(self, group: str, sex: str, avoid: str | frozenset | set = "", rng=None) -> str:
        rng = rng or self.rng
        # some groups often carry English forenames (Kevin Wong, Marcus Campbell)
        english = self.ref.group_info[group].english_forename_share
        if english and rng.random() < english:
            group = "WHITE_BRITISH"
        names = self.ref.forenames[(group, "F" if sex == "F" else "M")]
        avoided = self.same_names(avoid)
        for _ in range(5 if len(avoided) <= 2 else 30):  # a large family needs more tries
            name = names.pick(rng)
            if name not in avoided:
                return name
        return name

    def same_names(self, names: str | frozenset | set) -> set:
        """``names`` with their spelling variants (Hussain is Hussein is Husain)."""
        names = {names} if isinstance(names, str) else set(names)
        return names.union(*(self.ref.variants.get(name, ()) for name in names))

    def surname(self, group: str, sex: str = "") -> str:
        """A surname of ``group`` that a person of ``sex`` can carry (blank sex: a family name)."""
        names = self.ref.surnames[group]
        name = names.pick(self.rng)
        while (sex != "F" and name in FEMALE_SURNAMES) or (sex == "F" and name in MALE_SURNAMES):
            name = names.pick(self.rng)
        if group in DOUBLE_BARREL_GROUPS and self.rng.random() < DOUBLE_BARREL_RATE:
            second = names.pick(self.rng)
            if second != name and "-" not in second and " " not in second:
                # mostly hyphenated; the older double-barrelled form has a space
                name = f"{name}-{second}" if self.rng.random() < 0.8 else f"{name} {second}"
        return gendered(name, sex, group)

    def family_surname(self, surname: str, sex: str, group: str) -> str:
        """The household's surname as a member of ``sex`` carries it: Kowalski -> Kowalska for a
        woman, Singh <-> Kaur, and a son of a Begum gets a man's surname of the group."""
        if surname in ("Singh", "Kaur"):
            return "Kaur" if sex == "F" else "Singh"
        title_share = WOMEN_TITLE_SURNAME_SHARE.get(group, 0.0)
        if sex == "F" and title_share and self.rng.random() < title_share:
            # many Bangladeshi and Pakistani women carry Begum, Khatun or Bibi, not the family name
            return self.rng.choice(WOMEN_TITLE_SURNAMES[group])
        if (sex != "F" and surname in FEMALE_SURNAMES) or (sex == "F" and surname in MALE_SURNAMES):
            return self.surname(group, sex)
        return gendered(masculine(surname) if group in GENDERED_SURNAME_GROUPS else surname, sex, group)

    def dob_for_age(self, age_years: float, at: int | None = None) -> int:
        at = self.today if at is None else at
        return at - int(age_years * YEAR) - self.rng.randint(0, 364)

    def adult_age(self) -> float:
        return 18 + self.rng.betavariate(1.6, 3.0) * 67

    # --- people --------------------------------------------------------------
    def add_person(self, kind, sex, group, dob, surname, homes, forename="", phone=True) -> Person:
        rng = self.rng
        # people of one family at one address (brothers, a partner) never share a forename; a
        # clash is redrawn from a stream of its own, so the world's other draws stay as they were
        family = (masculine(surname), homes[-1][1]) if homes else None
        taken = self._family_forenames.setdefault(family, set()) if family else set()
        if not forename:
            forename = self.forename(group, sex)
            if forename in self.same_names(taken):
                redraw = random.Random(f"forename:{len(self.persons)}:{forename}")
                forename = self.forename(group, sex, avoid=taken, rng=redraw)
        taken.add(forename)
        middle = self.forename(group, sex, avoid=forename) if rng.random() < 0.35 else ""
        if sex == "M" and group in PREFIX_NAME_GROUPS and forename in PREFIX_FORENAMES:
            # Mohammed Imran Khan is known as Imran: the calling name is always there, never a prefix
            for _ in range(10):
                if middle and middle not in PREFIX_FORENAMES:
                    break
                middle = self.forename(group, sex, avoid=forename)
        elif group == "VIETNAMESE" and rng.random() < 0.8:
            middle = "Thi" if sex == "F" else "Van"
        elif surname in SIKH_SURNAMES and surname not in ("Singh", "Kaur") and rng.random() < 0.4:
            middle = "Kaur" if sex == "F" else "Singh"
        person = Person(
            pid=len(self.persons), kind=kind, sex=sex, group=group, forename=forename,
            middle=middle, surname=surname, dob=dob, homes=list(homes),
        )
        age = person.age_at(self.today)
        if phone and (age >= 18 and rng.random() < 0.85 or 12 <= age < 18 and rng.random() < 0.6):
            person.phones.append((self.today - self.history_days - 1, self.new_phone()))
            if rng.random() < 0.25:
                person.phones.append((self.today - rng.randint(30, self.history_days), self.new_phone()))
        self.persons.append(person)
        return person

    def home_history(self, current: Address, moves: int | None = None) -> list:
        """(since, Address) list ending at ``current``; some people moved once or twice."""
        rng = self.rng
        if moves is None:
            draw = rng.random()
            moves = 2 if draw < 0.15 else 1 if draw < 0.45 else 0
        move_dates = sorted(self.today - rng.randint(60, self.history_days - 30) for _ in range(moves))
        starts = [self.today - self.history_days - 1, *move_dates]
        places = [self.new_address() for _ in range(moves)] + [current]
        return list(zip(starts, places))

    def household(
        self, kind: str, group: str | None = None, *, adults: int = 1, children: int = 0,
        surname: str = "", address: Address | None = None, adult_ages=None, child_ages=None,
        head_sex: str | None = None,
    ) -> list[Person]:
        """A family at one address: adults (head + partner) and children sharing the head's surname."""
        rng = self.rng
        group = group or self.ref.groups.pick(rng)
        surname = surname or self.surname(group, "" if head_sex is None else head_sex)
        address = address or self.new_address()
        homes = self.home_history(address)
        members: list[Person] = []
        for i in range(adults):
            age = adult_ages[i] if adult_ages else self.adult_age()
            if i == 0:
                sex = head_sex or ("M" if rng.random() < 0.5 else "F")
            else:
                sex = "F" if members[0].sex == "M" else "M"
            own_surname = (self.family_surname(surname, sex, group) if i == 0 or rng.random() < 0.7
                           else self.surname(group, sex))
            person_homes = homes if i == 0 else self.home_history(address)
            members.append(self.add_person(kind, sex, group, self.dob_for_age(age), own_surname, person_homes))
        parent_names = {m.forename for m in members}
        head_age = members[0].age_at(self.today) if members else 40.0
        for i in range(children):
            # born when the head was 16-45: older heads live with grown-up children
            age = child_ages[i] if child_ages else rng.uniform(max(0.0, head_age - 45), max(0.5, head_age - 16))
            sex = "M" if rng.random() < 0.5 else "F"
            name = self.forename(group, sex)
            child_surname = self.family_surname(surname, sex, group)
            if name in self.same_names(parent_names):
                name = self.forename(group, sex, avoid=parent_names)
            child = self.add_person(kind, sex, group, self.dob_for_age(age), child_surname, homes, forename=name)
            parent_names.add(child.forename)
            members.append(child)
        index = len(self.households)
        for m in members:
            m.household = index
        self.households.append(members)
        return members

    def background(self, people: int) -> list[Person]:
        """``people`` background persons in households of realistic size."""
        rng = self.rng
        made: list[Person] = []
        while len(made) < people:
            left = people - len(made)
            size = min(left, rng.choices((1, 2, 3, 4, 5), cum_weights=(30, 60, 75, 90, 100))[0])
            adults = 1 if size == 1 or rng.random() < 0.3 else 2
            adults = min(adults, size)
            made.extend(self.household(BACKGROUND, adults=adults, children=size - adults))
        return made
