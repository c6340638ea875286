"""Reference lists the synthetic world is drawn from (names, places, offence codes)."""

from __future__ import annotations

import bisect
import csv
import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
OFFENCE_CODES = Path(__file__).resolve().parent.parent / "reference" / "offence_codes.csv"

# Forenames without a published share follow a Zipf law by rank with this exponent. 0.3
# makes the most common White British forename 3.2% of men (3.6% of women) and the chance
# that two people of one sex share a forename 0.013-0.016, as in a birth cohort of England
# and Wales (ONS baby names: the top name of a year is 2-3% of births; the sum of squared
# shares is about 0.008 for boys born in 1996 and up to 0.02 for the 1960s). The earlier
# 0.75 gave James 11.5% of men and 2.4 times the real chance of a same-name pair, and so
# about 1.6 times the namesakes (same full name and dob) a real million-person population
# holds (docs/entity_resolution.md, "Namesakes").
ZIPF_EXPONENT = 0.3
# Bounds of the Zipf exponent of a surname tail (solved per group, see _shared_zipf).
MIN_TAIL_EXPONENT, MAX_TAIL_EXPONENT = 0.3, 3.0
STREET_KINDS = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Grove", "Way")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class WeightedList:
    """Items with cumulative weights, for ``random.choices(..., cum_weights=...)``."""

    items: tuple
    cum_weights: tuple

    @classmethod
    def of(cls, items, weights) -> "WeightedList":
        return cls(tuple(items), tuple(itertools.accumulate(weights)))

    def pick(self, rng):
        # bisect on one uniform draw: what random.choices does, without its per-call overhead
        return self.items[bisect.bisect(self.cum_weights, rng.random() * self.cum_weights[-1])]


def _zipf(names: list[str]) -> WeightedList:
    return WeightedList.of(names, [1.0 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(names))])


def _shared_zipf(rows: list[tuple[str, str]], tail: list[str] = ()) -> WeightedList:
    """Names with a published share of their group (``share``, percent) keep it. The other
    listed names, then the generated tail, continue the curve from the last shared name as
    a Zipf law, w(r) = share_last * (r_last / r) ** s, with s solved so that the group adds
    up to 1: common names are as common as in the population and the rest is a long tail
    of rarer names (a few bearers each), as in real surname counts."""
    listed = [name for name, _ in rows]
    names = listed + [t for t in dict.fromkeys(tail) if t not in set(listed)]
    shares = [float(share) / 100 if share else None for _, share in rows] + [None] * (len(names) - len(rows))
    known = [(rank, share) for rank, share in enumerate(shares, start=1) if share is not None]
    if not known:
        return _zipf(names)
    fixed = sum(share for _, share in known)
    if fixed >= 1:
        raise ValueError(f"name shares add up to {fixed:.2f} of a group (must be below 1)")
    anchor_rank, anchor_share = known[-1]
    free = [rank for rank, share in enumerate(shares, start=1) if share is None]

    def mass(exponent: float) -> float:
        return sum(anchor_share * (anchor_rank / rank) ** exponent for rank in free)

    low, high = MIN_TAIL_EXPONENT, MAX_TAIL_EXPONENT
    for _ in range(60):  # bisection: mass falls as the exponent grows
        middle = (low + high) / 2
        low, high = (middle, high) if mass(middle) > 1 - fixed else (low, middle)
    exponent = (low + high) / 2
    # a list too short for the remaining mass even at the flattest exponent is scaled up
    scale = (1 - fixed) / mass(exponent) if free else 0.0
    weights = [share if share is not None else anchor_share * (anchor_rank / rank) ** exponent * scale
               for rank, share in enumerate(shares, start=1)]
    return WeightedList.of(names, weights)


def _tail(parts: dict[str, list[str]]) -> list[str]:
    """Generated surnames prefix + link + suffix, plainest first (no link: Ashley, Barley, ...
    Ashton, ...; then Ashenley, ...), so the most frequent tail names look the most ordinary."""
    links = [""] + [link for link in parts.get("link", []) if link]
    return [f"{prefix}{link}{suffix}" for link in links for suffix in parts.get("suffix", [])
            for prefix in parts.get("prefix", [])]


@dataclass(frozen=True)
class NameGroup:
    """A name origin of the synthetic population (``data/groups.csv``)."""

    group: str  # detailed origin the names are drawn from, e.g. PAKISTANI
    name_group: str  # the broad group quality is reported by, e.g. SOUTH_ASIAN
    english_forename_share: float  # share given an English forename (Kevin Wong, Marcus Campbell)


@dataclass(frozen=True)
class Reference:
    groups: WeightedList
    group_info: dict  # group -> NameGroup
    forenames: dict  # (group, sex) -> WeightedList
    surnames: dict  # group -> WeightedList
    variants: dict  # name -> tuple of spelling variants (including itself)
    nicknames: dict  # name -> tuple of nicknames
    districts: WeightedList  # (outward, town)
    streets: tuple
    words: tuple
    offence_titles: dict  # code -> title
    cse_codes: frozenset


@cache
def load() -> Reference:
    groups = _rows(DATA_DIR / "groups.csv")
    forenames: dict = {}
    for row in _rows(DATA_DIR / "forenames.csv"):
        forenames.setdefault((row["group"], row["sex"]), []).append((row["name"], row.get("share") or ""))
    surnames: dict = {}
    for row in _rows(DATA_DIR / "surnames.csv"):
        surnames.setdefault(row["group"], []).append((row["name"], row.get("share") or ""))
    tail_parts: dict = {}
    for row in _rows(DATA_DIR / "surname_tails.csv"):
        tail_parts.setdefault(row["tail"], {}).setdefault(row["position"], []).append(row["part"])
    # a group's tail interleaves its tails' names (Polish, Romanian, Lithuanian for Eastern European)
    tails = {g["group"]: [name for names in itertools.zip_longest(
                *(_tail(tail_parts.get(t, {})) for t in g["surname_tail"].split())) for name in names if name]
             for g in groups}
    variant_groups: dict = {}
    for row in _rows(DATA_DIR / "name_variants.csv"):
        variant_groups.setdefault(row["variant_group"], []).append(row["name"])
    variants = {name: tuple(names) for names in variant_groups.values() for name in names}
    nicknames: dict = {}
    for row in _rows(DATA_DIR / "nicknames.csv"):
        nicknames.setdefault(row["name"], []).append(row["nickname"])
    districts = _rows(DATA_DIR / "districts.csv")
    offences = _rows(OFFENCE_CODES)
    return Reference(
        groups=WeightedList.of([g["group"] for g in groups], [float(g["weight"]) for g in groups]),
        group_info={g["group"]: NameGroup(g["group"], g["name_group"], float(g["english_forename_share"]))
                    for g in groups},
        forenames={key: _shared_zipf(rows) for key, rows in forenames.items()},
        surnames={key: _shared_zipf(rows, tails[key]) for key, rows in surnames.items()},
        variants=variants,
        nicknames={k: tuple(v) for k, v in nicknames.items()},
        districts=WeightedList.of(
            [(d["outward"], d["town"]) for d in districts], [float(d["weight"]) for d in districts]
        ),
        streets=tuple(f"{r['stem']} {kind}" for kind in STREET_KINDS for r in _rows(DATA_DIR / "streets.csv")),
        words=tuple(r["word"] for r in _rows(DATA_DIR / "words.csv")),
        offence_titles={o["offence_code"]: o["offence_title"] for o in offences},
        cse_codes=frozenset(o["offence_code"] for o in offences if o["is_cse_offence"] == "Y"),
    )
