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

# Name frequencies follow Zipf's law by rank, so common names collide often.
ZIPF_EXPONENT = 0.75
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


@dataclass(frozen=True)
class Reference:
    groups: WeightedList
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
        forenames.setdefault((row["group"], row["sex"]), []).append(row["name"])
    surnames: dict = {}
    for row in _rows(DATA_DIR / "surnames.csv"):
        surnames.setdefault(row["group"], []).append(row["name"])
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
        forenames={key: _zipf(names) for key, names in forenames.items()},
        surnames={key: _zipf(names) for key, names in surnames.items()},
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
