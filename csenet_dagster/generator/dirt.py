"""Dirty rows and fields: the contract breaches real extracts carry, injected after the clean
world is written into rows, each one recorded so tests know exactly what ingest must
quarantine (``truth/quarantine_expected.csv``) and which fields it must blank
(``truth/field_issue_expected.csv``).

Row breaches (rules of ``raw.quarantine``): an unparseable event date, an empty key, a value
outside a coded column's codes, a child row whose parent ref is not in the parent file, and a
unique ref repeated. Field breaches (rules of ``raw.field_issue``; the row loads with the field
blanked): an impossible or unparseable date of birth, a sex outside M/F/U, a postcode or phone
of the wrong shape, an event dated in the far future. (Free text in an offence code is listed by
ingest but kept for harm's default weight; tests plant it by hand, so generated deliveries hold
Home Office codes only.) Only rows of background events are corrupted (every person on the
crime, log, episode, vehicle or co-arrest is a BACKGROUND person), so the planted networks
and OCGs stay intact; ``ocg_member.csv`` has no background rows, so it gets broken
*re-entries* of mapped rows instead (the good row stays). A corrupted crime or intel log
also orphans its child rows (ingest's ``orphan_row`` looks for the parent among the good
rows); those are expected too. No person_ref loses its last good row, so every record of
``truth/person_ref.csv`` still reaches the pipeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from csenet_dagster.generator.population import BACKGROUND

# file -> (column that ties its rows into one event, breaches in the order they are dealt out)
BREACHES = {
    "crime.csv": ("crime_ref", ("unparseable_date", "missing_key", "unknown_value", "duplicate_ref")),
    "intel_log.csv": ("intel_ref", ("unparseable_date", "missing_key", "unknown_value", "duplicate_ref")),
    "crime_person.csv": ("crime_ref", ("orphan_row", "unknown_value", "missing_key")),
    "intel_person.csv": ("intel_ref", ("orphan_row", "unknown_value", "missing_key")),
    "custody.csv": ("occurrence_ref", ("duplicate_ref", "unparseable_date", "missing_key")),
    "missing_person.csv": ("episode_ref", ("unparseable_date", "missing_key", "unknown_value")),
    "vehicle.csv": ("vrm", ("unparseable_date", "missing_key", "unknown_value")),
    "ocg_member.csv": ("ocg_ref", ("missing_key", "unparseable_date", "unknown_value")),
}
# child file -> (parent file, the ref they share, prefix and width of the parent's refs)
CHILDREN = {"crime_person.csv": ("crime.csv", "crime_ref", "CRM"), "intel_person.csv": ("intel_log.csv", "intel_ref", "INT")}
PARENT_OF = {parent: child for child, (parent, _, _) in CHILDREN.items()}
# Event dates: unparseable, the row is quarantined (a dob is a field breach, below).
DATE_COLUMNS = {
    "crime.csv": ("recorded_date", "committed_date"),
    "intel_log.csv": ("created_date",),
    "custody.csv": ("arrest_date",),
    "missing_person.csv": ("reported_date", "found_date"),
    "vehicle.csv": ("seen_date",),
    "ocg_member.csv": ("mapped_date",),
}
KEY_COLUMNS = {
    "crime.csv": ("crime_ref",),
    "intel_log.csv": ("intel_ref",),
    "crime_person.csv": ("crime_ref", "person_ref"),
    "intel_person.csv": ("intel_ref", "person_ref"),
    "custody.csv": ("custody_ref", "person_ref"),
    "missing_person.csv": ("episode_ref", "person_ref"),
    "vehicle.csv": ("vrm", "person_ref"),
    "ocg_member.csv": ("ocg_ref", "person_ref"),
}
# Values real systems put in coded columns that the contract does not allow ("" = a required
# code left empty; old 5x5x5 grades; free-typed roles).
UNKNOWN_CODES = {
    "crime.csv": {"cse_flag": ("YES", "?", "U")},
    "intel_log.csv": {"source_eval": ("4", "5", "0"), "intel_eval": ("F", "X"), "handling": ("X", "4", "5")},
    "crime_person.csv": {"role": ("SUSPEKT", "SUSP", "INFORMANT", "")},
    "intel_person.csv": {"role": ("SUSPECT", "SUBJCT", "WITNESS", "")},
    "missing_person.csv": {"role": ("MISSING PERSON", "FOUNDWITH", "OCCUPIER", "")},
    "vehicle.csv": {"role": ("OWNER", "REGISTERED KEEPER", "PASENGER", "")},
    "ocg_member.csv": {"member_role": ("ASSOCIATE", "LEADER"), "ocg_status": ("DISRUPTED", "CLOSED")},
}
# Field breaches: (column, rule) dealt out in turn over rows of background events; the row
# loads with the field blanked. Person files get the person-field ones.
PERSON_FIELD_BREACHES = (("dob", "unparseable_date"), ("sex", "unknown_value"),
                         ("postcode", "invalid_format"), ("phone", "invalid_format"))
FIELD_BREACHES = {
    "crime.csv": (("committed_date", "future_date"),),
    "intel_log.csv": (("created_date", "future_date"),),
    "crime_person.csv": PERSON_FIELD_BREACHES,
    "intel_person.csv": PERSON_FIELD_BREACHES,
    "custody.csv": (("arrest_date", "future_date"), *PERSON_FIELD_BREACHES),
    "missing_person.csv": (("found_date", "future_date"), *PERSON_FIELD_BREACHES),
    "vehicle.csv": (("seen_date", "future_date"), *PERSON_FIELD_BREACHES),
    "ocg_member.csv": PERSON_FIELD_BREACHES,
}
BAD_FIELD_VALUES = {
    "sex": ("MALE", "FEMALE", "X"),
    "postcode": ("NFA", "ZZ99", "B1 1A", "UNKNOWN"),
    "phone": ("07700 9001", "N/K", "0770090012345", "REFUSED"),
    # far beyond any extracted_at the generator is used with, in both date formats
    "future": ("2099-01-01", "15/06/2095", "2090-12-31"),
}

# Parents before children: a child of a corrupted parent is already an orphan.
FILE_ORDER = ("crime.csv", "intel_log.csv", "crime_person.csv", "intel_person.csv", "custody.csv",
              "missing_person.csv", "vehicle.csv", "ocg_member.csv")


def bad_date(rng, text: str) -> str:
    """A date as real systems mangle it: impossible day or month, other separators, words."""
    try:
        if "/" in text:
            d, m, y = (int(x) for x in text.split("/"))
        else:
            y, m, d = (int(x) for x in text.split("-"))
        dt.date(y, m, d)
    except ValueError:
        y, m, d = 2024, 3, 15
    return rng.choice((
        f"31/02/{y:04d}", f"{y:04d}-13-{d:02d}", "unknown", f"{d:02d}.{m:02d}.{y:04d}",
        f"{y:04d}{m:02d}{d:02d}", f"{y:04d}-{m:02d}-32", "00/00/0000",
    ))


@dataclass
class DirtyFile:
    header: list[str]
    rows: list[list]  # the clean rows, corrupted in place
    rules: list[str | None]  # the breach of each clean row (None = good)
    extra: dict[int, list[tuple[list, str]]] = field(default_factory=dict)  # rows inserted after row i
    fields: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # (column, rule) blanked in row i

    def column(self, name: str) -> int:
        return self.header.index(name)

    def final(self) -> tuple[list[tuple], list[tuple[int, str]], list[tuple[int, str, str]]]:
        """The rows as written, the (row_no, rule) of every row breach and the (row_no, column,
        rule) of every field breach (1-based data rows)."""
        rows, breaches, fields = [], [], []
        for i, row in enumerate(self.rows):
            for k, (values, rule) in enumerate([(row, self.rules[i]), *self.extra.get(i, [])]):
                rows.append(tuple(values))
                if rule:
                    breaches.append((len(rows), rule))
                if k == 0:
                    fields += [(len(rows), column, field_rule) for column, field_rule in self.fields.get(i, [])]
        return rows, breaches, fields


class DirtInjector:
    """Corrupts ``files`` (name -> (header, rows)) in place; ``kind_of_ref`` gives the true
    person kind behind each person_ref; ``world_refs`` the number of crimes and logs in the
    whole world (orphans point beyond them, to refs no snapshot of the world holds)."""

    def __init__(self, rng, rate: float, min_per_file: int, files: dict[str, tuple[list[str], list]],
                 kind_of_ref: dict[str, str], world_refs: dict[str, int]):
        self.rng, self.rate, self.min_per_file = rng, rate, min_per_file
        self.files = {name: DirtyFile(list(header), [list(r) for r in rows], [None] * len(rows))
                      for name, (header, rows) in files.items()}
        self.kind_of_ref, self.world_refs = kind_of_ref, world_refs
        self.good_mentions: dict[str, int] = {}
        for f in self.person_files():
            ref = f.column("person_ref")
            for row in f.rows:
                self.good_mentions[row[ref]] = self.good_mentions.get(row[ref], 0) + 1
        self.orphans_made = 0
        self.child_index: dict[str, dict[str, list[int]]] = {}

    def person_files(self):
        return (f for f in self.files.values() if "person_ref" in f.header)

    def target(self, name: str) -> int:
        if self.rate <= 0:
            return 0
        return max(self.min_per_file, round(self.rate * len(self.files[name].rows)))

    # --- which rows may be corrupted -----------------------------------------
    def background_events(self, name: str) -> set[str]:
        """Values of the file's event column whose every person is a BACKGROUND person."""
        event_column, _ = BREACHES[name]
        if name in PARENT_OF:
            child = self.files[PARENT_OF[name]]
            people_file, column = child, child.column(event_column)
            events = {row[self.files[name].column(event_column)] for row in self.files[name].rows}
        else:
            people_file, column = self.files[name], self.files[name].column(event_column)
            events = {row[column] for row in people_file.rows}
        ref = people_file.column("person_ref")
        planted = {row[column] for row in people_file.rows if self.kind_of_ref[row[ref]] != BACKGROUND}
        return events - planted

    def rows_lost(self, name: str, i: int) -> list[int]:
        """Indexes of person rows (in the child file for a parent) that quarantining row i takes."""
        if name in PARENT_OF:
            child_name = PARENT_OF[name]
            _, shared, _ = CHILDREN[child_name]
            parent = self.files[name]
            return self.children_of(child_name, shared).get(parent.rows[i][parent.column(shared)], [])
        return [i] if "person_ref" in self.files[name].header else []

    def children_of(self, child_name: str, shared: str) -> dict[str, list[int]]:
        """Parent ref -> indexes of the child file's rows (built once, before any child is changed)."""
        if child_name not in self.child_index:
            child = self.files[child_name]
            col, index = child.column(shared), {}
            for j, row in enumerate(child.rows):
                index.setdefault(row[col], []).append(j)
            self.child_index[child_name] = index
        return self.child_index[child_name]

    def keeps_every_record(self, file: DirtyFile, rows: list[int]) -> bool:
        ref = file.column("person_ref")
        lost: dict[str, int] = {}
        for j in rows:
            lost[file.rows[j][ref]] = lost.get(file.rows[j][ref], 0) + 1
        return all(self.good_mentions[r] > n for r, n in lost.items())

    def forget(self, file: DirtyFile, rows: list[int]) -> None:
        ref = file.column("person_ref")
        for j in rows:
            self.good_mentions[file.rows[j][ref]] -= 1

    # --- injecting ---------------------------------------------------------------
    def inject(self) -> None:
        # which events are background-only, judged on the clean rows
        self.background = {name: self.background_events(name) for name in FILE_ORDER
                           if name in self.files and name != "ocg_member.csv"}
        for name in FILE_ORDER:
            if name in self.files:
                self.inject_file(name)
        # Field breaches last, on rows no row breach touched (copies made for duplicate_ref
        # and re-entries keep their clean fields).
        for name in FILE_ORDER:
            if name in self.files:
                self.inject_fields(name)

    def inject_fields(self, name: str) -> None:
        f, rng = self.files[name], self.rng
        kinds = FIELD_BREACHES[name]
        wanted = [kinds[k % len(kinds)] for k in range(max(self.target(name), len(kinds) if self.rate > 0 else 0))]
        if not wanted:
            return
        event_column, _ = BREACHES[name]
        col = f.column(event_column)
        events = self.background.get(name)
        candidates = [i for i, row in enumerate(f.rows)
                      if f.rules[i] is None and i not in f.extra and (events is None or row[col] in events)]
        rng.shuffle(candidates)
        for (column, rule), i in zip(wanted, candidates):
            values = BAD_FIELD_VALUES["future" if rule == "future_date" else column] if column != "dob" else None
            f.rows[i][f.column(column)] = bad_date(rng, f.rows[i][f.column(column)] or "") if values is None \
                else rng.choice(values)
            f.fields.setdefault(i, []).append((column, rule))

    def inject_file(self, name: str) -> None:
        f, rng = self.files[name], self.rng
        event_column, kinds = BREACHES[name]
        wanted = [kinds[k % len(kinds)] for k in range(self.target(name))]
        if not wanted:
            return
        if name == "ocg_member.csv":
            # no background rows here: a broken re-entry of a mapped row (the good row stays)
            picks = rng.sample(range(len(f.rows)), min(len(wanted), len(f.rows)))
            for i, rule in zip(sorted(picks), wanted):
                copy = list(f.rows[i])
                self.corrupt(name, f, copy, rule)
                f.extra.setdefault(i, []).append((copy, rule))
            return
        events = self.background_events(name)
        col = f.column(event_column)
        candidates = [i for i, row in enumerate(f.rows) if f.rules[i] is None and row[col] in events]
        rng.shuffle(candidates)
        for rule in wanted:
            while candidates:
                i = candidates.pop()
                if rule == "duplicate_ref":
                    # the same row delivered twice: the first keeps the ref, no record loses a row
                    f.extra.setdefault(i, []).append((list(f.rows[i]), rule))
                    break
                lost = self.rows_lost(name, i)
                holder = self.files[PARENT_OF[name]] if name in PARENT_OF else f
                if lost and not self.keeps_every_record(holder, lost):
                    continue
                if lost:
                    self.forget(holder, lost)
                self.corrupt(name, f, f.rows[i], rule)
                f.rules[i] = rule
                if name in PARENT_OF:
                    for j in lost:
                        holder.rules[j] = "orphan_row"
                break

    def corrupt(self, name: str, f: DirtyFile, row: list, rule: str) -> None:
        rng = self.rng
        if rule == "unparseable_date":
            column = f.column(rng.choice(DATE_COLUMNS[name]))
            row[column] = bad_date(rng, row[column] or "")
        elif rule == "missing_key":
            row[f.column(rng.choice(KEY_COLUMNS[name]))] = ""
        elif rule == "unknown_value":
            column = rng.choice(sorted(UNKNOWN_CODES[name]))
            row[f.column(column)] = rng.choice(UNKNOWN_CODES[name][column])
        elif rule == "orphan_row":
            parent_name, shared, prefix = CHILDREN[name]
            self.orphans_made += 1
            row[f.column(shared)] = f"{prefix}{self.world_refs[parent_name] + self.orphans_made:08d}"
        else:
            raise ValueError(f"no way to inject rule {rule} into {name}")

    def result(self) -> tuple[dict[str, list[tuple]], list[tuple[str, int, str]], list[tuple[str, int, str, str]]]:
        """The final rows of every file, the expected quarantine (file_name, row_no, rule) and the
        expected field issues (file_name, row_no, column_name, rule), sorted."""
        rows, expected, fields = {}, [], []
        for name, f in self.files.items():
            rows[name], breaches, blanked = f.final()
            expected += [(name, row_no, rule) for row_no, rule in breaches]
            fields += [(name, row_no, column, rule) for row_no, column, rule in blanked]
        return rows, sorted(expected), sorted(fields)
