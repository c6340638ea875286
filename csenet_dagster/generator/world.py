"""The events of the synthetic world: crimes, arrests, intelligence, missing episodes,
vehicles, organised crime groups and the planted CSE networks (the ground truth).

Every event refers to true people by ``pid``; person records, refs and noise are
made later (``records.py``). Events are kept as tuples in lists, in creation order.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from csenet_dagster.generator.params import GeneratorParams
from csenet_dagster.generator.population import (
    ASSOCIATE, BACKGROUND, CSE_OFFENDER, CSE_VICTIM, OCG_MEMBER, YEAR, Person, Population,
)
from csenet_dagster.generator.reference import Reference

# Background offence mix (code, relative frequency, chance a suspect is named, has a personal victim).
BACKGROUND_OFFENCES = (
    ("46", 12, 0.6, False), ("49", 10, 0.15, True), ("8N", 12, 0.75, True), ("105A", 14, 0.75, True),
    ("9A", 8, 0.7, True), ("28E", 8, 0.2, True), ("45", 6, 0.1, True), ("48", 4, 0.2, True),
    ("58C", 6, 0.15, True), ("92D", 4, 1.0, False), ("92E", 6, 1.0, False), ("92A", 2, 1.0, False),
    ("34B", 3, 0.3, True), ("10D", 3, 1.0, False), ("5D", 1.5, 0.8, True), ("19C", 1, 0.6, True),
    ("20A", 1.5, 0.5, True),
)  # no CSE codes: in the truth, CSE offending is the planted networks' alone
# Offences a planted network's crimes are recorded as; 8N/105A are CSE crimes recorded under
# a non-CSE code (the force's recording errors the pipeline must survive).
NETWORK_OFFENCES = (
    ("71", 25), ("88A", 15), ("22B", 20), ("19D", 10), ("72", 7), ("13", 5), ("36", 5), ("86", 5),
    ("8N", 5), ("105A", 3),
)
STANDALONE_ARREST_OFFENCES = ("92E", "92D", "9A", "10D", "105A", "46")
OCG_OFFENCES = ("92A", "92A", "92A", "10D", "34B", "48", "5D")
OUTCOMES = (
    "Charged/summonsed", "Investigation complete - no suspect identified",
    "Evidential difficulties - victim does not support action", "Caution - adults",
    "Community resolution", "Under investigation", "Further investigation not in public interest",
)
BANDS = ("1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C")
# Outcomes of planted network crimes by the role recorded (several spellings, as forces write them).
PROVEN_OUTCOMES = ("Charged/summonsed", "Caution - adults", "CHARGED", "Convicted at court")
UNPROVEN_OUTCOMES = (
    "Under investigation", "Evidential difficulties - victim does not support action",
    "Further investigation not in public interest", None, "Awaiting CPS decision",
)
# Outcomes that void a crime for the labelled "no-crimed" and "eliminated" cases.
NO_CRIME_OUTCOMES = ("No crime - crime cancelled", "NO CRIME", "Cancelled - recorded in error")
ELIMINATED_OUTCOMES = ("Suspect eliminated", "Suspect eliminated - not the offender")

BACKGROUND_INTEL = (
    "Subject believed to be supplying cannabis from an address in {town}.",
    "Subject seen in company of associates in a {colour} hatchback, {town} area.",
    "Subject is said to be storing stolen goods for others; further details unknown.",
    'Subject reportedly involved in a dispute with a neighbour, described as "ongoing".',
    "Subject and associates believed to be responsible for vehicle crime in {town}.",
    "Subject has been seen carrying a knife in the {town} area.",
)
NOISE_INTEL = (
    "Caller believes the named persons are involved in crime; no further detail.",
    "Anonymous information that named persons are associated; not corroborated.",
    "Rumour on social media links the named persons to each other.",
    "Subject allegedly seen with young people near shops in {town}; source unreliable.",
)
CSE_INTEL = (
    "Subjects believed to be picking up young females from outside schools in {town} in a {colour} car.",
    "Young people reported to be taken to a flat in {town} and given alcohol and cannabis.",
    "Subject believed to be grooming a 14-year-old female via social media; associates also involved.",
    "Children's home staff report a female returning with gifts and a new phone from 'older friends'.",
    "Subjects believed to be moving young females between addresses in {town} and {town2}.",
    "Subject reportedly takes young people to parties, where other males are present.",
)
COLOURS = ("silver", "black", "white", "blue", "red", "grey")


@dataclass
class Network:
    network_id: str
    status: str
    window: tuple[int, int]
    offenders: list[Person] = field(default_factory=list)
    victims: list[Person] = field(default_factory=list)
    associates: list[Person] = field(default_factory=list)
    event_dates: list[int] = field(default_factory=list)
    in_crime: set[int] = field(default_factory=set)  # pids named on the network's crimes
    shared_phone: str = ""  # the number two of the offenders both give


@dataclass
class Ocg:
    ocg_ref: str
    name: str
    band: str
    status: str
    window: tuple[int, int]
    members: list[tuple[Person, str]] = field(default_factory=list)  # (person, member_role)


class World:
    def __init__(self, rng, ref: Reference, params: GeneratorParams, today: int):
        self.rng, self.ref, self.params, self.today = rng, ref, params, today
        self.history_days = int(params.history_years * YEAR)
        self.start = today - self.history_days
        self.pop = Population(rng, ref, today, self.history_days)
        # crimes: [committed as shown (may be None), recorded, code, cse_flag, lsoa, outcome, true committed]
        self.crimes: list[list] = []
        self.crime_people: list[tuple] = []  # (crime_idx, role, pid)
        self.occurrences = 0
        self.custody: list[tuple] = []  # (occurrence_idx, arrest_date, code, pid)
        self.intel: list[tuple] = []  # (created, source_eval, intel_eval, handling, cse_flag, summary)
        self.intel_people: list[tuple] = []  # (intel_idx, role, pid)
        self.episodes: list[tuple] = []  # (reported, found or None)
        self.missing_people: list[tuple] = []  # (episode_idx, role, pid)
        self.vehicles: list[str] = []
        self.vehicle_rows: list[tuple] = []  # (vehicle_idx, seen, role, source, pid)
        self.ocgs: list[Ocg] = []
        self.ocg_rows: list[tuple] = []  # (ocg_idx, member_role, mapped_date, pid)
        self.networks: list[Network] = []
        self.network_offences: list[tuple] = []  # (network_id, crime_idx, offender_pid|None, victim_pid)
        self.network_ocg: list[tuple] = []  # (network_id, ocg_ref, link_kind)
        # planted labelling cases (issue 10): (pid, case, true_label, network_id or "")
        self.label_cases: list[tuple] = []
        self.label_case_crimes: list[tuple] = []  # (crime_idx, case): CSE-listed crimes outside the networks
        self.background: list[Person] = []
        self.n_background_crimes = 0
        self.lsoas = [f"E0{1008000 + i * 7}" for i in range(700)]

    # --- small helpers -------------------------------------------------------
    def day_between(self, first: int, last: int) -> int:
        first, last = max(first, self.start), min(last, self.today - 1)
        return self.rng.randint(first, last) if last > first else max(min(first, self.today - 1), self.start)

    def town(self) -> str:
        return self.ref.districts.pick(self.rng)[1]

    def summary(self, templates) -> str:
        return self.rng.choice(templates).format(
            town=self.town(), town2=self.town(), colour=self.rng.choice(COLOURS)
        )

    def add_crime(self, committed, code, *, cse_flag=None, outcome=None, lag=None) -> int:
        rng = self.rng
        lag = lag if lag is not None else (0 if rng.random() < 0.6 else rng.randint(1, 30))
        recorded = min(committed + lag, self.today - 1)
        shown_committed = None if rng.random() < 0.03 else committed
        lsoa = None if rng.random() < 0.05 else rng.choice(self.lsoas)
        if outcome is None and rng.random() < 0.9:
            outcome = rng.choice(OUTCOMES)
        if cse_flag is None:
            cse_flag = "N" if rng.random() < 0.6 else None
        self.crimes.append([shown_committed, recorded, code, cse_flag, lsoa, outcome, committed])
        return len(self.crimes) - 1

    def crime_date(self, idx: int) -> int:
        return self.crimes[idx][1]

    def add_occurrence(self, date: int, code: str, people) -> None:
        occurrence = self.occurrences
        self.occurrences += 1
        for person in people:
            self.custody.append((occurrence, date, code, person.pid))

    def add_intel(self, created, people_roles, *, source=None, grade=None, handling=None, cse=None, text=""):
        rng = self.rng
        source = source or rng.choices("123", cum_weights=(25, 80, 100))[0]
        grade = grade or rng.choices("ABCDE", cum_weights=(10, 45, 80, 92, 100))[0]
        handling = handling or ("P" if rng.random() < 0.8 else "C")
        self.intel.append((created, source, grade, handling, cse, text))
        idx = len(self.intel) - 1
        seen = set()
        for person, role in people_roles:
            if person.pid not in seen:
                seen.add(person.pid)
                self.intel_people.append((idx, role, person.pid))
        return idx

    def add_episode(self, reported, missing: Person, found_with=(), occupiers=(), found=True):
        rng = self.rng
        found_date = min(reported + rng.choice((0, 0, 1, 1, 2, 3, 5)), self.today - 1) if found else None
        self.episodes.append((reported, found_date))
        idx = len(self.episodes) - 1
        self.missing_people.append((idx, "MISSING", missing.pid))
        for p in found_with:
            self.missing_people.append((idx, "FOUND_WITH", p.pid))
        for p in occupiers:
            self.missing_people.append((idx, "ADDRESS_OCCUPIER", p.pid))

    def add_vehicle(self) -> int:
        self.vehicles.append("")  # the registration mark is drawn when written
        return len(self.vehicles) - 1

    def see_vehicle(self, vehicle, seen, role, source, person):
        self.vehicle_rows.append((vehicle, seen, role, source, person.pid))

    # --- the world -----------------------------------------------------------
    def build(self, people: int) -> None:
        self.background = self.pop.background(people)
        self.busy_places()
        self.background_offending()
        self.plant_ocgs()
        self.plant_networks()
        self.background_missing()
        self.background_vehicles()
        self.noise_intel(people)
        self.plant_label_cases()
        self.everyone_appears()

    def busy_places(self) -> None:
        """A hostel many people pass through, a children's home and a taxi firm whose phone
        many drivers give: busy shared attributes that are not evidence of a network."""
        rng = self.rng
        self.childrens_home = dataclasses.replace(self.pop.new_address(), flat="", name="Oakfield Children's Home")
        children = [p for p in self.background if 11 <= p.age_at(self.today) < 18]
        self.in_care = set()
        for child in rng.sample(children, min(self.params.children_in_care, len(children))):
            since = self.today - rng.randint(30, int((child.age_at(self.today) - 10) * YEAR))
            child.homes = sorted([*child.homes, (since, self.childrens_home)], key=lambda h: h[0])
            self.in_care.add(child.pid)
        hostel = dataclasses.replace(self.pop.new_address(), flat="", name="Trinity House Hostel")
        adults = [p for p in self.background if p.age_at(self.today) >= 18]
        for person in rng.sample(adults, min(self.params.hostel_residents, len(adults))):
            since = self.today - rng.randint(30, self.history_days - 30)
            person.homes = sorted([*person.homes, (since, hostel)], key=lambda h: h[0])
        self.taxi_phone = "01214960" + f"{rng.randint(100, 999)}"
        men = [p for p in adults if p.sex == "M" and p.age_at(self.today) < 65]
        self.taxi_drivers = rng.sample(men, min(self.params.taxi_drivers, len(men)))
        for person in self.taxi_drivers:
            since = self.today - rng.randint(30, self.history_days - 30)
            person.phones = sorted([*person.phones, (since, self.taxi_phone)], key=lambda h: h[0])
            person.always_gives_phone = True

    def background_offending(self) -> None:
        rng, params = self.rng, self.params
        eligible = [p for p in self.background if p.age_at(self.today) >= 14]
        offenders = [p for p in eligible if rng.random() < params.offender_share]
        if len(offenders) < 4:
            offenders = eligible[:4]
        self.offenders = offenders
        activity = [rng.lognormvariate(0, 1.0) for _ in offenders]
        cum = []
        total = 0.0
        for a in activity:
            total += a
            cum.append(total)
        self.offender_cum = cum
        # small co-offending crews
        self.crew_of: dict[int, list[Person]] = {}
        pool = [p for p in offenders if rng.random() < params.crew_share]
        while len(pool) >= 2:
            size = min(len(pool), rng.choice((2, 2, 3, 3, 4)))
            crew, pool = pool[:size], pool[size:]
            for member in crew:
                self.crew_of[member.pid] = crew
        victims_pool = [p for p in self.background if p.age_at(self.today) >= 12]
        codes = [c for c, *_ in BACKGROUND_OFFENCES]
        cum_freq = []
        total = 0.0
        for _, freq, *_ in BACKGROUND_OFFENCES:
            total += freq
            cum_freq.append(total)
        detail = {c: (s, v) for c, _, s, v in BACKGROUND_OFFENCES}
        n_crimes = max(10, int(params.crimes_per_person * len(self.background)))
        for _ in range(n_crimes):
            code = rng.choices(codes, cum_weights=cum_freq)[0]
            p_suspect, has_victim = detail[code]
            committed = self.day_between(self.start, self.today - 1)
            suspects: list[Person] = []
            if rng.random() < p_suspect:
                lead = rng.choices(offenders, cum_weights=cum)[0]
                earliest = lead.dob + int(12 * YEAR)
                if committed < earliest:
                    committed = self.day_between(earliest, self.today - 1)
                suspects.append(lead)
                crew = self.crew_of.get(lead.pid)
                if crew and rng.random() < 0.5:
                    suspects.extend(m for m in crew[: rng.randint(2, len(crew))] if m is not lead)
                elif rng.random() < 0.08:
                    suspects.append(rng.choices(offenders, cum_weights=cum)[0])
            crime = self.add_crime(committed, code)
            charged = rng.random() < 0.4
            for s in dict.fromkeys(suspects):
                self.crime_people.append((crime, "OFFENDER" if charged else "SUSPECT", s.pid))
            if has_victim:
                for v in rng.sample(victims_pool, 2 if rng.random() < 0.1 else 1):
                    if v not in suspects:
                        self.crime_people.append((crime, "VICTIM", v.pid))
            if rng.random() < 0.15:
                self.crime_people.append((crime, "WITNESS" if rng.random() < 0.8 else "OTHER",
                                          rng.choice(victims_pool).pid))
            if suspects and rng.random() < 0.5:
                arrested = [s for s in dict.fromkeys(suspects) if rng.random() < 0.85] or suspects[:1]
                self.add_occurrence(min(self.crime_date(crime) + rng.randint(0, 60), self.today - 1), code, arrested)
        self.n_background_crimes = len(self.crimes)
        # arrests with no crime record (stop and search finds, public order)
        for _ in range(max(2, int(0.06 * len(self.background)))):
            lead = rng.choices(offenders, cum_weights=cum)[0]
            date = self.day_between(lead.dob + int(14 * YEAR), self.today - 1)
            group = [lead]
            crew = self.crew_of.get(lead.pid)
            if crew and rng.random() < 0.3:
                group = list(dict.fromkeys([lead, *crew[:2]]))
            self.add_occurrence(date, rng.choice(STANDALONE_ARREST_OFFENCES), group)
        # ordinary intelligence on offenders
        for _ in range(max(2, int(0.08 * len(self.background)))):
            subject = rng.choices(offenders, cum_weights=cum)[0]
            named = [(subject, "SUBJECT")]
            crew = self.crew_of.get(subject.pid, [])
            for mate in crew:
                if mate is not subject and rng.random() < 0.6:
                    named.append((mate, "ASSOCIATE"))
            if rng.random() < 0.2:
                named.append((rng.choice(offenders), "ASSOCIATE"))
            created = self.day_between(subject.dob + int(14 * YEAR), self.today - 1)
            self.add_intel(created, named, cse="N" if rng.random() < 0.5 else None,
                           text=self.summary(BACKGROUND_INTEL))

    def plant_ocgs(self) -> None:
        rng, params = self.rng, self.params
        n = max(params.min_ocgs, round(len(self.background) / params.people_per_ocg))
        words = list(self.ref.words)
        for k in range(n):
            last = self.today - rng.randint(1, 3 * 365)
            first = max(self.start, last - rng.randint(2 * 365, 8 * 365))
            status = "ACTIVE" if last > self.today - 540 and rng.random() < 0.8 else "ARCHIVED"
            name = f"Operation {words[k % len(words)]}" + (f" {k // len(words) + 1}" if k >= len(words) else "")
            ocg = Ocg(f"OCG{k + 1:04d}", name, rng.choice(BANDS), status, (first, last))
            size = rng.randint(6, 20)
            group = self.ref.groups.pick(rng)
            family = self.pop.household(OCG_MEMBER, group, adults=1, children=0, head_sex="M")
            members = list(family)
            # brothers/cousins of the head share the surname
            for _ in range(rng.randint(0, 2)):
                members += self.pop.household(OCG_MEMBER, group, adults=1, surname=family[0].surname,
                                              adult_ages=[rng.uniform(18, 45)], head_sex="M")
            while len(members) < size:
                g = group if rng.random() < 0.7 else None
                members += self.pop.household(OCG_MEMBER, g, adults=1, adult_ages=[rng.uniform(17, 50)],
                                              head_sex="M" if rng.random() < 0.9 else "F")
            for i, person in enumerate(members):
                person.ocg_ref = ocg.ocg_ref
                role = "PRINCIPAL" if i < 1 + (size > 12) else "SIGNIFICANT" if i < 5 else "PERIPHERAL"
                ocg.members.append((person, role))
            self.ocgs.append(ocg)
            self.ocg_activity(ocg)

    def ocg_activity(self, ocg: Ocg) -> None:
        rng = self.rng
        people = [p for p, _ in ocg.members]
        first, last = ocg.window
        for person, role in ocg.members:
            if rng.random() < self.params.ocg_mapped_share or role == "PRINCIPAL":
                self.ocg_rows.append((len(self.ocgs) - 1, role, self.day_between(first, last), person.pid))
        for _ in range(len(people) * 2):
            crew = rng.sample(people, rng.randint(1, min(4, len(people))))
            date = self.day_between(first, last)
            code = rng.choice(OCG_OFFENCES)
            crime = self.add_crime(date, code)
            for p in crew:
                self.crime_people.append((crime, "SUSPECT", p.pid))
            if rng.random() < 0.5:
                self.add_occurrence(min(date + rng.randint(0, 30), self.today - 1), code, crew)
        for _ in range(len(people)):
            crew = rng.sample(people, rng.randint(2, min(4, len(people))))
            self.add_intel(self.day_between(first, last), [(crew[0], "SUBJECT")] + [(p, "ASSOCIATE") for p in crew[1:]],
                           source=rng.choice("112"), grade=rng.choice("ABBC"), text=self.summary(BACKGROUND_INTEL))
        for _ in range(max(1, len(people) // 4)):
            vehicle = self.add_vehicle()
            keeper, *others = rng.sample(people, min(3, len(people)))
            self.see_vehicle(vehicle, self.day_between(first, last), "KEEPER", "PNC", keeper)
            for p in others:
                self.see_vehicle(vehicle, self.day_between(first, last), "DRIVER", "STOP", p)

    def plant_networks(self) -> None:
        rng, params = self.rng, self.params
        n = max(params.min_networks, round(len(self.background) / params.people_per_network))
        for k in range(n):
            if k == 0:
                status = "ACTIVE"
            elif k == 1:
                status = "DORMANT"
            else:
                status = "ACTIVE" if rng.random() < params.active_network_share else "DORMANT"
            if status == "ACTIVE":
                last = self.today - rng.randint(5, 300)
                first = last - rng.randint(365, 5 * 365)
            else:
                last = self.today - rng.randint(int(3.3 * YEAR), int(8 * YEAR))
                first = last - rng.randint(365, 3 * 365)
            first = max(first, self.start + 30)
            net = Network(f"NET{k + 1:04d}", status, (first, last))
            self.make_network(net)
            self.networks.append(net)
            if k == 0:
                # a victim placed in the children's home: a busy shared address touches this network
                victim = net.victims[-1]
                since = max(victim.dob + int(11 * YEAR), first - rng.randint(0, 200))
                victim.homes = sorted([*victim.homes, (since, self.childrens_home)], key=lambda h: h[0])
            if k == 2:
                # one offender drives for the taxi firm: a busy shared phone touches this network
                driver = [o for o in net.offenders if net.shared_phone not in {n for _, n in o.phones}][-1]
                since = first - rng.randint(0, 365)
                # from then on he gives the firm's number only
                driver.phones = [h for h in driver.phones if h[0] < since] + [(since, self.taxi_phone)]
                driver.always_gives_phone = True
                self.taxi_drivers.append(driver)
            if rng.random() < params.network_ocg_link_share or (k == 2 and self.ocgs):
                self.link_network_to_ocg(net, rng.choice(self.ocgs))

    def make_network(self, net: Network) -> None:
        rng, pop = self.rng, self.pop
        first, last = net.window
        n_off = rng.choices(range(3, 13), weights=(14, 18, 18, 14, 10, 8, 6, 5, 4, 3))[0]
        n_vic = rng.randint(3, 10)
        group = self.ref.groups.pick(rng)
        # a family core (brothers/cousins sharing surname and address) plus friends
        family_size = max(2, round(n_off * rng.uniform(0.3, 0.6)))
        head = pop.household(CSE_OFFENDER, group, adults=1, head_sex="M",
                             adult_ages=[rng.uniform(22, 45) + (self.today - first) / YEAR])[0]
        offenders = [head]
        family_home = head.homes[-1][1]
        for _ in range(family_size - 1):
            brother = pop.add_person(CSE_OFFENDER, "M", group,
                                     pop.dob_for_age(rng.uniform(18, 40) + (self.today - first) / YEAR),
                                     head.surname, pop.home_history(family_home))
            offenders.append(brother)
        while len(offenders) < n_off:
            g = group if rng.random() < 0.7 else None
            offenders.append(pop.household(
                CSE_OFFENDER, g, adults=1, head_sex="M" if rng.random() < 0.95 else "F",
                adult_ages=[rng.uniform(18, 45) + (self.today - first) / YEAR])[0])
        # partners and children of some offenders live with them: associates of the network
        for off in offenders[: rng.randint(1, 3)]:
            sex = "F" if off.sex == "M" else "M"
            partner = pop.add_person(ASSOCIATE, sex, off.group, pop.dob_for_age(pop.adult_age()),
                                     off.surname if rng.random() < 0.6 else pop.surname(off.group, sex),
                                     pop.home_history(off.homes[-1][1]))
            partner.network_id = net.network_id
            net.associates.append(partner)
        for off in offenders:
            off.network_id = net.network_id
        # shared phone: two offenders give the same number
        shared_phone = net.shared_phone = pop.new_phone()
        for off in rng.sample(offenders, 2):
            off.phones.append((first - rng.randint(0, 365), shared_phone))
            off.phones.sort(key=lambda h: h[0])
        victims = []
        for i in range(n_vic):
            span = min(last - first, rng.randint(120, 700))
            v_first = rng.randint(first, last - span) if last - span > first else first
            if i == 0:
                # the first victim is abused until the network's last activity (recent when ACTIVE)
                v_first = last - span
            v_last = v_first + span
            dob = v_first - rng.randint(int(12 * YEAR), int(15.5 * YEAR))
            dob = max(dob, v_last - int(17.9 * YEAR))
            sex = "F" if rng.random() < 0.85 else "M"
            vgroup = self.ref.groups.pick(rng)
            child_age = (self.today - dob) / YEAR
            family = pop.household(CSE_VICTIM, vgroup, adults=1 + (rng.random() < 0.5), children=1,
                                   child_ages=[child_age], head_sex="F")
            victim = family[-1]
            victim.sex = sex
            victim.forename = pop.forename(vgroup, sex, avoid={parent.forename for parent in family[:-1]})
            victim.middle = pop.forename(vgroup, sex, avoid=victim.forename) if victim.middle else ""
            # the surname in the form the child's sex carries (Kaur/Singh, Kowalska/Kowalski, no boy Begum)
            victim.surname = pop.family_surname(victim.surname, sex, vgroup)
            victim.dob = dob
            for parent in family[:-1]:
                parent.kind = ASSOCIATE
                parent.network_id = net.network_id
                net.associates.append(parent)
            victim.network_id = net.network_id
            victims.append((victim, v_first, v_last))
        net.offenders = offenders
        net.victims = [v for v, _, _ in victims]
        core = offenders[: max(1, len(offenders) // 3)]
        for i, (victim, v_first, v_last) in enumerate(victims):
            dates = sorted(rng.randint(v_first, v_last) for _ in range(rng.randint(1, 3)))
            if i == 0:
                dates[-1] = v_last
            for date in dates:
                involved = list(dict.fromkeys(
                    [rng.choice(core)] + rng.sample(offenders, rng.randint(0, min(2, len(offenders))))))
                self.network_crime(net, date, involved, victim)
            for _ in range(rng.randint(1, 5)):
                reported = rng.randint(v_first, v_last)
                draw = rng.random()
                if draw < 0.45:
                    self.add_episode(reported, victim, found_with=[rng.choice(offenders)])
                elif draw < 0.7:
                    self.add_episode(reported, victim, occupiers=[rng.choice(offenders)])
                elif draw < 0.8 and len(victims) > 1:
                    other = rng.choice([v for v, _, _ in victims if v is not victim])
                    self.add_episode(reported, victim, found_with=[other])
                else:
                    self.add_episode(reported, victim, found=rng.random() < 0.95)
                net.event_dates.append(reported)
            if rng.random() < 0.4:
                vehicle = self.add_vehicle()
                self.see_vehicle(vehicle, rng.randint(v_first, v_last), "DRIVER", "STOP", rng.choice(offenders))
                self.see_vehicle(vehicle, self.vehicle_rows[-1][1], "PASSENGER", "STOP", victim)
                net.event_dates.append(self.vehicle_rows[-1][1])
        # a car kept by one offender and driven by others
        vehicle = self.add_vehicle()
        keeper = rng.choice(offenders)
        self.see_vehicle(vehicle, first, "KEEPER", "PNC", keeper)
        for driver in rng.sample(offenders, min(len(offenders), rng.randint(1, 3))):
            if driver is not keeper:
                self.see_vehicle(vehicle, rng.randint(first, last), "DRIVER", "STOP", driver)
        # intelligence naming offenders together (mixed grades), sometimes the victims
        in_intel: set[int] = set()
        for _ in range(rng.randint(2, 3 + len(offenders))):
            named = rng.sample(offenders, rng.randint(2, min(4, len(offenders))))
            roles = [(named[0], "SUBJECT")] + [(p, "ASSOCIATE") for p in named[1:]]
            if rng.random() < 0.4:
                roles.append((rng.choice(net.victims), "VICTIM"))
            created = rng.randint(first, last)
            self.add_intel(created, roles, cse="Y" if rng.random() < 0.85 else None,
                           text=self.summary(CSE_INTEL))
            in_intel.update(p.pid for p, _ in roles)
            net.event_dates.append(created)
        # every offender is evidenced somewhere
        for off in offenders:
            if off.pid not in net.in_crime and off.pid not in in_intel:
                created = rng.randint(first, last)
                self.add_intel(created, [(off, "SUBJECT"), (rng.choice(core), "ASSOCIATE")],
                               cse="Y", text=self.summary(CSE_INTEL))
                net.event_dates.append(created)
        # offenders' ordinary offending, sometimes together
        for off in offenders:
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                date = self.day_between(off.dob + int(16 * YEAR), self.today - 1)
                code = rng.choice(("92E", "92D", "8N", "105A", "48", "9A", "10D"))
                crime = self.add_crime(date, code)
                # together only within the network's active years, so a dormant network stays dormant
                with_mate = first <= date <= last and rng.random() < 0.3
                together = [off] + ([rng.choice(offenders)] if with_mate else [])
                for p in dict.fromkeys(together):
                    self.crime_people.append((crime, "SUSPECT", p.pid))
                if rng.random() < 0.5:
                    self.add_occurrence(min(date + rng.randint(0, 20), self.today - 1), code, list(dict.fromkeys(together)))

    def network_crime(self, net: Network, date: int, offenders: list[Person], victim: Person) -> None:
        rng = self.rng
        codes = [c for c, _ in NETWORK_OFFENCES]
        code = rng.choices(codes, weights=[w for _, w in NETWORK_OFFENCES])[0]
        if code in self.ref.cse_codes:
            flag = "Y" if rng.random() < 0.7 else ("N" if rng.random() < 0.5 else None)
        else:
            flag = "N" if rng.random() < 0.7 else None
        # historic reporting: some CSE crimes of active networks are recorded months later
        # (dormant networks' crimes are recorded promptly, so their dormancy is unambiguous)
        late = net.status == "ACTIVE" and rng.random() < 0.2
        lag = rng.randint(30, 400) if late else rng.randint(0, 30)
        named = offenders if rng.random() > 0.1 else []
        role = "OFFENDER" if rng.random() < 0.3 else "SUSPECT"
        # an OFFENDER was charged, cautioned or convicted; a SUSPECT's case is open or was not proceeded with
        outcome = rng.choice(PROVEN_OUTCOMES if role == "OFFENDER" and named else UNPROVEN_OUTCOMES)
        crime = self.add_crime(date, code, cse_flag=flag, lag=lag, outcome=outcome)
        for off in named:
            net.in_crime.add(off.pid)
            self.crime_people.append((crime, role, off.pid))
            self.network_offences.append((net.network_id, crime, off.pid, victim.pid))
        if not named:
            self.network_offences.append((net.network_id, crime, None, victim.pid))
        self.crime_people.append((crime, "VICTIM", victim.pid))
        net.event_dates.append(date)
        if named and rng.random() < 0.4:
            self.add_occurrence(min(self.crime_date(crime) + rng.randint(0, 30), self.today - 1), code, named)

    # --- labelling cases (issue 10) -------------------------------------------
    def plant_label_cases(self) -> None:
        """People whose true label a careless pipeline gets wrong, one set per planted network,
        each recorded in ``label_cases`` with its true label (truth/label_case.csv):

        GRANDMOTHER_TAKES_IN_GRANDCHILD  a grandmother two missing grandchildren (one household) are
                                 found with / at, on several episodes                     NOT_OFFENDER
        ADULT_KIDNAPPING         two men kidnap and blackmail an adult woman (codes 36, 35)  NOT_CSE
        PEER_IMAGE_SHARING       two 14-year-olds share a classmate's image (86, CSE marker) CHILD_PEER
        NO_CRIMED / ELIMINATED   adults on a child sexual offence no-crimed / whose suspects
                                 were eliminated                                         NOT_OFFENDER
        DRUG_CO_OFFENDER         a dealer who supplies drugs with two of the network's
                                 offenders (92A, arrested together)                      ASSOCIATE
        OFFENDERS_HOUSEHOLD      the mother living at the offenders' family home          ASSOCIATE
        VICTIM_LATER_OFFENDS     a victim who later shoplifts and assaults someone        VICTIM
        DELAYED_DISCLOSURE       a child rape by a network offender reported ~6 years later OFFENDER
        """
        rng, pop, today = self.rng, self.pop, self.today
        for net in self.networks:
            nid = net.network_id
            group = self.ref.groups.pick(rng)
            # grandmother and two grandchildren of one household, missing and found at hers
            family = pop.household(BACKGROUND, group, adults=1, children=2, child_ages=[13.5, 15.5])
            grandmother = pop.add_person(BACKGROUND, "F", group, pop.dob_for_age(rng.uniform(62, 78)),
                                         family[0].surname, pop.home_history(pop.new_address(), moves=0))
            for child in family[1:]:
                for _ in range(2):
                    reported = rng.randint(today - 700, today - 10)
                    if rng.random() < 0.5:
                        self.add_episode(reported, child, occupiers=[grandmother])
                    else:
                        self.add_episode(reported, child, found_with=[grandmother])
                self.label_cases.append((child.pid, "GRANDMOTHER_TAKES_IN_GRANDCHILD", "NOT_OFFENDER", ""))
            self.label_cases.append((grandmother.pid, "GRANDMOTHER_TAKES_IN_GRANDCHILD", "NOT_OFFENDER", ""))
            # two men kidnap and blackmail an adult woman over a debt
            men = [pop.add_person(BACKGROUND, "M", group, pop.dob_for_age(rng.uniform(22, 45)), pop.surname(group, "M"),
                                  pop.home_history(pop.new_address())) for _ in range(2)]
            woman = pop.household(BACKGROUND, None, adults=1, adult_ages=[rng.uniform(20, 40)], head_sex="F")[0]
            date = rng.randint(today - 900, today - 30)
            for code in ("36", "35"):
                crime = self.add_crime(date, code, cse_flag="N", outcome="Charged/summonsed")
                self.label_case_crimes.append((crime, "ADULT_KIDNAPPING"))
                for man in men:
                    self.crime_people.append((crime, "OFFENDER", man.pid))
                self.crime_people.append((crime, "VICTIM", woman.pid))
            self.add_occurrence(min(date + 2, today - 1), "36", men)
            for person in (*men, woman):
                self.label_cases.append((person.pid, "ADULT_KIDNAPPING", "NOT_CSE", ""))
            # two 14-year-olds share a classmate's image
            date = rng.randint(today - 300, today - 20)
            pupils = [pop.household(BACKGROUND, group, adults=1, children=1,
                                    child_ages=[14.2 + (today - date) / YEAR])[-1] for _ in range(3)]
            crime = self.add_crime(date, "86", cse_flag="Y", outcome="Under investigation")
            self.label_case_crimes.append((crime, "PEER_IMAGE_SHARING"))
            for pupil in pupils[:2]:
                self.crime_people.append((crime, "SUSPECT", pupil.pid))
            self.crime_people.append((crime, "VICTIM", pupils[2].pid))
            for pupil in pupils:
                self.label_cases.append((pupil.pid, "PEER_IMAGE_SHARING", "CHILD_PEER", ""))
            # a child sexual offence no-crimed, another whose suspects were eliminated
            for case, code, outcomes in (("NO_CRIMED", "22B", NO_CRIME_OUTCOMES), ("ELIMINATED", "19D", ELIMINATED_OUTCOMES)):
                accused = [pop.add_person(BACKGROUND, "M", group, pop.dob_for_age(rng.uniform(25, 50)),
                                          pop.surname(group, "M"), pop.home_history(pop.new_address())) for _ in range(2)]
                child = pop.household(BACKGROUND, None, adults=1, children=1, child_ages=[rng.uniform(12, 15)])[-1]
                date = rng.randint(today - 1000, today - 30)
                crime = self.add_crime(date, code, cse_flag="Y", outcome=rng.choice(outcomes))
                self.label_case_crimes.append((crime, case))
                for person in accused:
                    self.crime_people.append((crime, "SUSPECT", person.pid))
                    self.label_cases.append((person.pid, case, "NOT_OFFENDER", ""))
                self.crime_people.append((crime, "VICTIM", child.pid))
            first, last = net.window
            # a dealer supplying drugs with two of the network's offenders
            dealer = pop.add_person(ASSOCIATE, "M", group, pop.dob_for_age(rng.uniform(20, 40) + (today - last) / YEAR),
                                    pop.surname(group, "M"), pop.home_history(pop.new_address()))
            dealer.network_id = nid
            for offender in rng.sample(net.offenders, 2):
                date = rng.randint(first, last)
                crime = self.add_crime(date, "92A", outcome="Charged/summonsed")
                for person in (dealer, offender):
                    self.crime_people.append((crime, "OFFENDER", person.pid))
                self.add_occurrence(min(date + rng.randint(0, 5), today - 1), "92A", [dealer, offender])
            self.label_cases.append((dealer.pid, "DRUG_CO_OFFENDER", "ASSOCIATE", nid))
            # the mother at the offenders' family home
            head = net.offenders[0]
            mother = pop.add_person(ASSOCIATE, "F", head.group, head.dob - int(rng.uniform(20, 32) * YEAR),
                                    head.surname, [head.homes[-1]])
            mother.network_id = nid
            self.add_crime_with_victim(mother, "49")
            self.label_cases.append((mother.pid, "OFFENDERS_HOUSEHOLD", "ASSOCIATE", nid))
            # a victim who later offends (as a young adult when possible)
            victim = net.victims[0]
            for code in ("46", "8N"):
                earliest = max(victim.dob + int(16 * YEAR), last)
                date = self.day_between(earliest, today - 1)
                crime = self.add_crime(date, code, outcome="Charged/summonsed")
                self.crime_people.append((crime, "OFFENDER", victim.pid))
            self.label_cases.append((victim.pid, "VICTIM_LATER_OFFENDS", "VICTIM", nid))
            # delayed disclosure: a child rape committed years ago, reported recently
            victim = net.victims[-1]
            committed = max(first, victim.dob + int(13 * YEAR), today - int(6.5 * YEAR))
            committed = min(committed, victim.dob + int(17.5 * YEAR))
            recorded = today - rng.randint(20, 200)
            if recorded - committed > 2 * YEAR:
                offender = net.offenders[0]
                crime = self.add_crime(committed, "19D", cse_flag="Y", outcome="Charged/summonsed", lag=recorded - committed)
                self.crime_people.append((crime, "OFFENDER", offender.pid))
                self.crime_people.append((crime, "VICTIM", victim.pid))
                self.network_offences.append((nid, crime, offender.pid, victim.pid))
                net.in_crime.add(offender.pid)
                self.label_cases.append((offender.pid, "DELAYED_DISCLOSURE", "OFFENDER", nid))

    def add_crime_with_victim(self, person: Person, code: str) -> None:
        """An ordinary event for a planted bystander: the victim of a theft."""
        since = person.homes[-1][0] if person.homes else self.start
        crime = self.add_crime(self.day_between(since + 1, self.today - 1), code)
        self.crime_people.append((crime, "VICTIM", person.pid))

    def link_network_to_ocg(self, net: Network, ocg: Ocg) -> None:
        rng = self.rng
        off = rng.choice(net.offenders)
        first, last = net.window
        if rng.random() < 0.5:
            # the offender is also a (not always mapped) member of the OCG
            off.ocg_ref = ocg.ocg_ref
            ocg.members.append((off, "PERIPHERAL"))
            if rng.random() < self.params.ocg_mapped_share:
                self.ocg_rows.append((self.ocgs.index(ocg), "PERIPHERAL", self.day_between(*ocg.window), off.pid))
            kind = "SHARED_MEMBER"
        else:
            kind = "DIRECT_LINK"
        # evidence either way: supplying drugs with an OCG member
        member = rng.choice([p for p, _ in ocg.members if p is not off])
        date = self.day_between(max(first, ocg.window[0]) - 365, max(last, ocg.window[1]))
        crime = self.add_crime(date, "92A")
        for p in (off, member):
            self.crime_people.append((crime, "SUSPECT", p.pid))
        self.add_occurrence(min(date + rng.randint(0, 10), self.today - 1), "92A", [off, member])
        self.network_ocg.append((net.network_id, ocg.ocg_ref, kind))

    def background_missing(self) -> None:
        rng = self.rng
        children = [p for p in self.background if 11 <= p.age_at(self.today) < 18]
        adults = [p for p in self.background if p.age_at(self.today) >= 18]
        for child in children:
            # children in care go missing far more often
            if rng.random() < (0.6 if child.pid in self.in_care else 0.05):
                for _ in range(1 + min(12, int(rng.expovariate(0.5)))):
                    first = max(child.dob + int(10 * YEAR), self.start)
                    reported = self.day_between(first, min(child.dob + int(17.9 * YEAR), self.today - 1))
                    draw = rng.random()
                    if draw < 0.08 and len(children) > 1:
                        self.add_episode(reported, child, found_with=[rng.choice(children)])
                    elif draw < 0.14 and adults:
                        self.add_episode(reported, child, occupiers=[rng.choice(adults)])
                    else:
                        self.add_episode(reported, child, found=rng.random() < 0.97)
        for adult in adults:
            if rng.random() < 0.004:
                self.add_episode(self.day_between(self.start, self.today - 1), adult, found=rng.random() < 0.9)

    def background_vehicles(self) -> None:
        rng = self.rng
        for household in self.pop.households:
            if not household or household[0].kind != BACKGROUND:
                continue
            adults = [p for p in household if p.age_at(self.today) >= 18]
            if not adults or rng.random() > 0.25:
                continue
            keeper = adults[0]
            vehicle = self.add_vehicle()
            self.see_vehicle(vehicle, self.day_between(keeper.dob + int(18 * YEAR), self.today - 1), "KEEPER", "PNC", keeper)
            for _ in range(rng.randint(0, 2)):
                driver = rng.choice(adults)
                seen = self.day_between(driver.dob + int(18 * YEAR), self.today - 1)
                self.see_vehicle(vehicle, seen, "DRIVER", rng.choice(("STOP", "STOP", "CRIME")), driver)
                if rng.random() < 0.2 and len(household) > 1:
                    self.see_vehicle(vehicle, seen, "PASSENGER", "STOP", rng.choice(household))
        for driver in self.taxi_drivers:
            vehicle = self.add_vehicle()
            for _ in range(rng.randint(1, 3)):
                since = [s for s, number in driver.phones if number == self.taxi_phone][0]
                self.see_vehicle(vehicle, self.day_between(since, self.today - 1), "DRIVER", "STOP", driver)

    def noise_intel(self, people: int) -> None:
        """Low-grade logs naming unrelated people together (anyone, planted people included)."""
        rng = self.rng
        everyone = self.pop.persons
        for _ in range(max(2, int(self.params.noise_intel_per_person * people))):
            named = rng.sample(everyone, rng.randint(2, 3))
            if rng.random() < 0.5:
                source, grade = "3", rng.choice("ABCDE")
            else:
                source, grade = rng.choice("12"), rng.choice("DE")
            cse = "Y" if rng.random() < 0.15 else None
            self.add_intel(self.day_between(self.start, self.today - 1),
                           [(named[0], "SUBJECT")] + [(p, "MENTIONED") for p in named[1:]],
                           source=source, grade=grade, cse=cse, text=self.summary(NOISE_INTEL))

    def everyone_appears(self) -> None:
        """People the world gave no event meet the police once: a victim, witness or driver."""
        rng = self.rng
        seen = set()
        for rows in (self.crime_people, self.custody, self.intel_people, self.missing_people,
                     self.vehicle_rows, self.ocg_rows):
            seen.update(row[-1] for row in rows)
        for person in self.pop.persons:
            if person.pid in seen:
                continue
            age = person.age_at(self.today)
            if person.kind in (CSE_VICTIM, CSE_OFFENDER):
                raise AssertionError(f"planted person {person.pid} has no event")
            draw = rng.random()
            earliest = max(self.start, person.dob + int(10 * YEAR))
            if age < 10:
                # young children appear as victims of burglary at home with their family
                crime = self.add_crime(self.day_between(person.dob, self.today - 1), "28E")
                self.crime_people.append((crime, "VICTIM", person.pid))
            elif draw < 0.6:
                code = rng.choice(("28E", "49", "45", "58C", "105A", "34B"))
                crime = self.add_crime(self.day_between(earliest, self.today - 1), code)
                self.crime_people.append((crime, "VICTIM", person.pid))
            elif draw < 0.8 and self.n_background_crimes:
                crime = rng.randrange(self.n_background_crimes)
                self.crime_people.append((crime, "WITNESS", person.pid))
            elif age >= 17:
                vehicle = self.add_vehicle()
                self.see_vehicle(vehicle, self.day_between(person.dob + int(17 * YEAR), self.today - 1),
                                 "DRIVER", "STOP", person)
            else:
                self.add_episode(self.day_between(earliest, self.today - 1), person)
