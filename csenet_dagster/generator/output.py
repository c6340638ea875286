"""Writing the delivery (8 CSV files, then manifest.json) and the ground truth beside it."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

from csenet_dagster.generator.dirt import DirtInjector
from csenet_dagster.generator.population import Bijection
from csenet_dagster.generator.records import PERSON_COLUMNS, Record, RecordMaker, date_text
from csenet_dagster.generator.world import World

VRM_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"  # no I, Q, Z
VRM_AGE_IDS = [f"{n:02d}" for n in (*range(2, 26), *range(51, 75))]
ROLE_ORDER = {r: i for i, r in enumerate(
    ("SUSPECT", "OFFENDER", "VICTIM", "WITNESS", "OTHER", "SUBJECT", "ASSOCIATE", "MENTIONED",
     "MISSING", "FOUND_WITH", "ADDRESS_OCCUPIER", "KEEPER", "DRIVER", "PASSENGER"))}
VEHICLE_MAKES = ("Ford Fiesta", "Vauxhall Corsa", "VW Golf", "Toyota Prius", "BMW 3 Series",
                 "Nissan Qashqai", "Mercedes C Class", "Skoda Octavia", "Audi A3", "Peugeot 208")


def write_csv(path: Path, header: list[str], rows: list) -> int:
    """RFC 4180 quoting, UTF-8, an empty field for null; returns the number of data rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return len(rows)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def numbered(rng, keys: list, prefix: str, width: int = 8) -> list[str]:
    """Refs numbered in date order (ties broken at random): index i -> ref of item i."""
    tiebreak = [rng.random() for _ in keys]
    order = sorted(range(len(keys)), key=lambda i: (keys[i], tiebreak[i]))
    refs = [""] * len(keys)
    for n, i in enumerate(order, start=1):
        refs[i] = f"{prefix}{n:0{width}d}"
    return refs


def vrm(index: int) -> str:
    letters = VRM_LETTERS
    n = len(letters)
    a, index = divmod(index, n ** 4 * len(VRM_AGE_IDS))
    age, rest = divmod(index, n ** 4)
    l1, rest = divmod(rest, n ** 3)
    l2, rest = divmod(rest, n ** 2)
    l3, rest = divmod(rest, n)
    return f"{letters[l1 % n]}{letters[a % n]}{VRM_AGE_IDS[age]} {letters[l2]}{letters[l3]}{letters[rest]}"


class DeliveryWriter:
    """Writes the world as it stood just before ``cutoff`` (a day ordinal): an event dated on
    or after it is not in the delivery yet. Refs are numbered over the whole world, so
    successive snapshots of one world agree on every ref and every record's values."""

    def __init__(self, rng, world: World, maker: RecordMaker, landing: Path, truth: Path, cutoff: int):
        self.rng, self.world, self.maker = rng, world, maker
        self.landing, self.truth, self.cutoff = landing, truth, cutoff
        self.tables: dict[str, tuple[list[str], list]] = {}  # file -> (header, rows) until written
        self.files: dict[str, dict] = {}  # file -> manifest entry of the written file
        self.delivered: set[int] = set()  # indexes of records that appear in the delivery
        self.quarantine_expected: list[tuple[str, int, str]] = []  # (file_name, row_no, rule) of injected dirt
        self.field_issue_expected: list[tuple[str, int, str, str]] = []  # (file_name, row_no, column_name, rule)

    def person(self, system: str, row: int) -> tuple:
        index = self.maker.row_record[system][row]
        self.delivered.add(index)
        return self.maker.records[index].fields()

    def ref_of(self, system: str, row: int) -> str:
        return self.maker.records[self.maker.row_record[system][row]].ref

    def add(self, name: str, header: list[str], rows: list) -> None:
        """Hold a file's clean rows; ``write_files`` writes them (after any dirt is injected)."""
        self.tables[name] = (header, rows)

    def write_files(self) -> None:
        for name, (header, rows) in self.tables.items():
            path = self.landing / name
            count = write_csv(path, header, rows)
            self.files[name] = {"rows": count, "sha256": sha256_of(path)}

    def write_delivery(self) -> None:
        w, rng, cutoff = self.world, self.rng, self.cutoff
        # crimes: refs in order of recording
        self.crime_refs = numbered(rng, [c[1] for c in w.crimes], "CRM")
        self.crime_kept = [c[1] < cutoff for c in w.crimes]
        titles = w.ref.offence_titles
        rows = []
        for i, (committed, recorded, code, flag, lsoa, outcome, _) in enumerate(w.crimes):
            committed_text = None if committed is None else date_text(committed, rng.random() < 0.1)
            # an unknown extra column (the contract allows them) sits in the middle
            if self.crime_kept[i]:
                rows.append((self.crime_refs[i], code, titles[code], date_text(recorded, False), committed_text,
                             flag, "NICHE", lsoa, outcome))
        rows.sort(key=lambda r: r[0])
        self.add("crime.csv", ["crime_ref", "offence_code", "offence_title", "recorded_date", "committed_date",
                               "cse_flag", "source_system", "lsoa_code", "outcome"], rows)
        rows = [(self.crime_refs[c], role, *self.person("CR", i))
                for i, (c, role, _) in enumerate(w.crime_people) if self.crime_kept[c]]
        rows.sort(key=lambda r: (r[0], ROLE_ORDER[r[1]], r[2]))
        self.add("crime_person.csv", ["crime_ref", "role", *PERSON_COLUMNS], rows)
        # custody: person fields first (column order is not guaranteed by the contract)
        occurrence_day: dict[int, int] = {}
        for occurrence, day, _, _ in w.custody:
            occurrence_day[occurrence] = min(day, occurrence_day.get(occurrence, day))
        occurrence_refs = numbered(rng, [occurrence_day.get(o, 0) for o in range(w.occurrences)], "OCC")
        custody_refs = numbered(rng, [c[1] for c in w.custody], "CUS")
        rows = [(*self.person("CU", i), custody_refs[i], date_text(day, True), occurrence_refs[o], code)
                for i, (o, day, code, _) in enumerate(w.custody) if day < cutoff]
        rows.sort(key=lambda r: r[9])
        self.add("custody.csv", [*PERSON_COLUMNS, "custody_ref", "arrest_date", "occurrence_ref", "offence_code"], rows)
        # intelligence
        self.intel_refs = numbered(rng, [i[0] for i in w.intel], "INT")
        rows = [(self.intel_refs[i], date_text(created, False), source, grade, handling, cse, text)
                for i, (created, source, grade, handling, cse, text) in enumerate(w.intel) if created < cutoff]
        rows.sort(key=lambda r: r[0])
        self.add("intel_log.csv", ["intel_ref", "created_date", "source_eval", "intel_eval", "handling",
                                   "cse_flag", "summary"], rows)
        rows = [(self.intel_refs[x], role, *self.person("IN", i))
                for i, (x, role, _) in enumerate(w.intel_people) if w.intel[x][0] < cutoff]
        rows.sort(key=lambda r: (r[0], ROLE_ORDER[r[1]], r[2]))
        self.add("intel_person.csv", ["intel_ref", "role", *PERSON_COLUMNS], rows)
        # missing-person episodes (a child found after the cutoff is still missing in this snapshot)
        episode_refs = numbered(rng, [e[0] for e in w.episodes], "MPE")
        found_dmy = [rng.random() < 0.3 for _ in w.episodes]
        rows = []
        for i, (e, role, _) in enumerate(w.missing_people):
            reported, found = w.episodes[e]
            if reported < cutoff:
                found_text = None if found is None or found >= cutoff else date_text(found, found_dmy[e])
                rows.append((episode_refs[e], date_text(reported, False), found_text, role, *self.person("MP", i)))
        rows.sort(key=lambda r: (r[0], ROLE_ORDER[r[3]], r[4]))
        self.add("missing_person.csv", ["episode_ref", "reported_date", "found_date", "role", *PERSON_COLUMNS], rows)
        # vehicles: registration marks drawn from a counter so they never collide
        marks = Bijection(len(VRM_LETTERS) ** 5 * len(VRM_AGE_IDS), 282_475_249, rng.randrange(10**6))
        vrms = [vrm(marks.draw()) for _ in w.vehicles]
        makes = [rng.choice(VEHICLE_MAKES) for _ in w.vehicles]
        kept = [i for i, row in enumerate(w.vehicle_rows) if row[1] < cutoff]
        kept.sort(key=lambda i: (
            vrms[w.vehicle_rows[i][0]], w.vehicle_rows[i][1], ROLE_ORDER[w.vehicle_rows[i][2]], self.ref_of("VE", i)))
        rows = []
        for i in kept:
            v, seen, role, source, _ = w.vehicle_rows[i]
            rows.append((role, vrms[v], source, date_text(seen, True), *self.person("VE", i), makes[v]))
        self.add("vehicle.csv", ["role", "vrm", "source", "seen_date", *PERSON_COLUMNS, "make_model"], rows)
        # organised crime group mapping
        rows = []
        for i, (o, role, mapped, _) in enumerate(w.ocg_rows):
            ocg = w.ocgs[o]
            if mapped < cutoff:
                rows.append((ocg.ocg_ref, ocg.name, ocg.band, ocg.status, role, date_text(mapped, False),
                             *self.person("OC", i)))
        rows.sort(key=lambda r: (r[0], r[6]))
        self.add("ocg_member.csv", ["ocg_ref", "ocg_name", "ocgm_band", "ocg_status", "member_role",
                                    "mapped_date", *PERSON_COLUMNS], rows)

    def inject_dirt(self, rng, rate: float, min_per_file: int) -> list[tuple[str, int, str]]:
        """Break some background rows the way real extracts do; returns the expected quarantine."""
        kind_of_ref = {self.maker.records[i].ref: self.world.pop.persons[self.maker.records[i].pid].kind
                       for i in self.delivered}
        world_refs = {"crime.csv": len(self.world.crimes), "intel_log.csv": len(self.world.intel)}
        injector = DirtInjector(rng, rate, min_per_file, self.tables, kind_of_ref, world_refs)
        injector.inject()
        rows, self.quarantine_expected, self.field_issue_expected = injector.result()
        self.tables = {name: (header, rows[name]) for name, (header, _) in self.tables.items()}
        return self.quarantine_expected

    def write_manifest(self, delivery_id: str, extracted_at: str) -> None:
        manifest = {"delivery_id": delivery_id, "extracted_at": extracted_at,
                    "files": {name: self.files[name] for name in sorted(self.files)}}
        (self.landing / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    def write_truth(self, params_json: dict) -> None:
        """Truth about the delivered snapshot: only people, crimes and members it contains."""
        w, truth, cutoff = self.world, self.truth, self.cutoff
        records: list[Record] = [self.maker.records[i] for i in sorted(self.delivered)]
        pid_text = lambda pid: f"P{pid:07d}"  # noqa: E731
        iso = lambda day: dt.date.fromordinal(day).isoformat()  # noqa: E731
        write_csv(truth / "person_ref.csv", ["person_ref", "person_id", "system"],
                  sorted((r.ref, pid_text(r.pid), r.system) for r in records))
        write_csv(truth / "noise.csv", ["person_ref", "noise"], sorted((r.ref, ";".join(r.noise)) for r in records))
        present = {r.pid for r in records}
        # name_group: the broad name group quality is reported by; name_origin: the list drawn from
        group_info = w.ref.group_info
        write_csv(truth / "person.csv", ["person_id", "kind", "network_id", "ocg_ref", "name_group", "name_origin"],
                  [(pid_text(p.pid), p.kind, p.network_id or None, p.ocg_ref or None,
                    group_info[p.group].name_group, p.group)
                   for p in w.pop.persons if p.pid in present])
        networks, members = [], []
        for n in w.networks:
            dates = [d for d in n.event_dates if d < cutoff]
            offenders = [p for p in n.offenders if p.pid in present]
            victims = [p for p in n.victims if p.pid in present]
            if not dates or not (offenders or victims):
                continue  # the network has not started yet
            # a network is ACTIVE with activity in the year before the extract; else DORMANT
            # (in a full delivery every DORMANT network has been quiet for more than 3 years)
            status = "ACTIVE" if cutoff - max(dates) <= 365 else "DORMANT"
            networks.append((n.network_id, status, iso(min(dates)), iso(max(dates)), len(offenders), len(victims)))
            members += [(n.network_id, pid_text(p.pid), "OFFENDER") for p in offenders]
            members += [(n.network_id, pid_text(p.pid), "VICTIM") for p in victims]
        write_csv(truth / "network.csv",
                  ["network_id", "status", "first_active", "last_active", "n_offenders", "n_victims"], networks)
        write_csv(truth / "network_member.csv", ["network_id", "person_id", "role"], members)
        rows = []
        for network_id, crime, offender, victim in w.network_offences:
            if self.crime_kept[crime]:
                code, recorded, true_committed = w.crimes[crime][2], w.crimes[crime][1], w.crimes[crime][6]
                rows.append((network_id, self.crime_refs[crime], code, iso(true_committed),
                             None if offender is None else pid_text(offender), pid_text(victim), iso(recorded)))
        rows.sort()
        write_csv(truth / "network_offence.csv", ["network_id", "crime_ref", "offence_code", "committed_date",
                                                   "offender_person_id", "victim_person_id", "recorded_date"], rows)
        delivered_networks = {n[0] for n in networks}
        write_csv(truth / "network_ocg.csv", ["network_id", "ocg_ref", "link_kind"],
                  sorted({link for link in w.network_ocg if link[0] in delivered_networks}))
        mapped = {(w.ocgs[o].ocg_ref, pid) for o, _, day, pid in w.ocg_rows if day < cutoff}
        rows = [(o.ocg_ref, o.band, o.status, pid_text(p.pid), role, "true" if (o.ocg_ref, p.pid) in mapped else "false")
                for o in w.ocgs for p, role in o.members if p.pid in present]
        write_csv(truth / "ocg.csv", ["ocg_ref", "ocgm_band", "ocg_status", "person_id", "member_role", "mapped"], rows)
        # issue 10: planted labelling cases and their true labels, and the CSE-listed crimes they hold
        write_csv(truth / "label_case.csv", ["person_id", "case", "true_label", "network_id"],
                  sorted({(pid_text(pid), case, label, network_id or None)
                          for pid, case, label, network_id in w.label_cases if pid in present}))
        write_csv(truth / "label_case_crime.csv", ["crime_ref", "case"],
                  sorted((self.crime_refs[c], case) for c, case in w.label_case_crimes if self.crime_kept[c]))
        write_csv(truth / "quarantine_expected.csv", ["file_name", "row_no", "rule"], self.quarantine_expected)
        write_csv(truth / "field_issue_expected.csv", ["file_name", "row_no", "column_name", "rule"],
                  self.field_issue_expected)
        (truth / "params.json").write_text(json.dumps(params_json, indent=2, sort_keys=True) + "\n", encoding="utf-8")
