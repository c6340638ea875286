"""The ids csenet issues, in one place: their formats and how they stay stable between runs.

* Formats: a nominal is ``N`` + 8 digits (``N00000042``), a network ``CSE`` + 5 digits
  (``CSE00007``). Python, SQL (``IdFormat.sql_*``) and the published ``id_watermark``
  (``kind``) all take them from here.
* Watermark: the highest id number of each kind ever issued. The ``prev`` stage
  (``csenet_dagster/previous.py``) computes it once per run into ``prev.id_watermark``;
  new ids start above it, so an id is never issued twice, even after the nominal or
  network holding it has vanished.
* Inheritance (:func:`inherit`): a group (a nominal's person records, a network's
  members) keeps the id of the previously published group it shares most members with.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from csenet_dagster.db import SqlFragment

KEPT = "kept"
NEW = "new"


@dataclass(frozen=True)
class IdFormat:
    """One kind of id: ``prefix`` followed by exactly ``digits`` digits, numbers from 1."""

    kind: str  # the id_watermark kind
    prefix: str
    digits: int

    @property
    def highest_number(self) -> int:
        return 10**self.digits - 1

    @property
    def description(self) -> str:
        return f"{self.prefix} + {self.digits} digits"

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(rf"^{self.prefix}(\d{{{self.digits}}})$")

    def format(self, number: int) -> str:
        if not 0 < number <= self.highest_number:
            raise ValueError(
                f"{self.kind} id number {number} is outside "
                f"{self.format_unchecked(1)}..{self.format_unchecked(self.highest_number)}: ids exhausted"
            )
        return self.format_unchecked(number)

    def format_unchecked(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    def is_valid(self, value: str | None) -> bool:
        return value is not None and self.pattern.match(value) is not None

    def number(self, value: str) -> int:
        """The number of a well-formed id; ValueError (naming the kind, not the value) otherwise."""
        match = self.pattern.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"{self.kind} id of unexpected form (expected {self.description})")
        return int(match.group(1))

    # SQL fragments (portable: regexp_full_match / substr / CAST exist in Spark SQL too).
    def sql_is_valid(self, column: str) -> SqlFragment:
        return SqlFragment(f"regexp_full_match({column}, '{self.prefix}[0-9]{{{self.digits}}}')")

    def sql_number(self, column: str) -> SqlFragment:
        return SqlFragment(f"CAST(substr({column}, {len(self.prefix) + 1}) AS BIGINT)")


NOMINAL = IdFormat("nominal", "N", 8)
NETWORK = IdFormat("network", "CSE", 5)
FORMATS = (NOMINAL, NETWORK)


def sql_params() -> dict[str, SqlFragment]:
    """``${nominal_kind}``, ``${nominal_id_valid}``, ``${nominal_id_number}`` and the same for
    networks, for SQL files that test or read ids (over columns named nominal_id / network_id)."""
    params: dict[str, SqlFragment] = {}
    for fmt in FORMATS:
        column = f"{fmt.kind}_id"
        params[f"{fmt.kind}_kind"] = SqlFragment(f"'{fmt.kind}'")
        params[f"{fmt.kind}_id_valid"] = fmt.sql_is_valid(column)
        params[f"{fmt.kind}_id_number"] = fmt.sql_number(column)
    return params


@dataclass(frozen=True)
class AssignedId:
    id: str
    status: str  # KEPT | NEW
    previous_overlap: int  # members shared with the previous group whose id it kept (0 when new)


def inherit(
    groups: Sequence[Collection[str]],
    previous: Mapping[str, Collection[str]],
    fmt: IdFormat,
    highest_issued: int = 0,
) -> list[AssignedId]:
    """One id per group, in the order given.

    ``groups``: this run's groups as member collections; ``previous``: previously
    published id -> its members; ``highest_issued``: the watermark of ``fmt`` (the
    previous ids' own numbers count too). Pairs (group, previous id) are taken greedily
    by overlap, largest first, ties by the group's smallest member, then the old id, then
    the group's position; each old id and each group used at most once. Groups left
    without an id get new numbers above the highest issued, in the order given (callers
    pass a deterministic order). Greedy lexicographic matching gives the same pairs
    whether ties go by group or by old id first, so nominals and networks share it.
    """
    top = max([highest_issued, *(fmt.number(old) for old in previous)])
    owners: dict[str, list[str]] = {}
    for old, members in previous.items():
        for member in members:
            owners.setdefault(member, []).append(old)
    candidates = []
    for index, members in enumerate(groups):
        shared: dict[str, int] = {}
        for member in set(members):
            for old in owners.get(member, ()):
                shared[old] = shared.get(old, 0) + 1
        smallest = min(members) if members else ""
        candidates += [(-overlap, smallest, old, index) for old, overlap in shared.items()]
    assigned: dict[int, AssignedId] = {}
    used: set[str] = set()
    for negative_overlap, _, old, index in sorted(candidates):
        if index in assigned or old in used:
            continue
        assigned[index] = AssignedId(old, KEPT, -negative_overlap)
        used.add(old)
    result = []
    for index in range(len(groups)):
        if index not in assigned:
            top += 1
            assigned[index] = AssignedId(fmt.format(top), NEW, 0)
        result.append(assigned[index])
    return result
