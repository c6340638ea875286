"""Stable nominal ids across runs.

A new cluster inherits the id of the previously *published* nominal it shares
the most person_refs with. Pairs are taken greedily by overlap (largest first,
ties by old id, then by the cluster's smallest person_ref), each old id used at
most once and each cluster given at most one. Clusters left without an id get
new ones after the highest id ever published, in person_ref order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

ID_PATTERN = re.compile(r"^N(\d{8})$")


def format_id(number: int) -> str:
    if not 0 < number < 10**8:
        raise ValueError(f"nominal id number {number} is outside N00000001..N99999999")
    return f"N{number:08d}"


def assign(
    cluster_of: Mapping[str, str],
    previous: Mapping[str, str],
    highest_issued: int = 0,
) -> dict[str, str]:
    """cluster key -> nominal_id.

    ``cluster_of``: person_ref -> cluster key; ``previous``: person_ref -> old
    nominal_id (the last published crosswalk); ``highest_issued``: the largest
    id number ever published (ids are never reused).
    """
    overlap: Counter[tuple[str, str]] = Counter()
    for ref, key in cluster_of.items():
        old = previous.get(ref)
        if old is not None:
            overlap[(key, old)] += 1

    ids: dict[str, str] = {}
    used: set[str] = set()
    for (key, old), _count in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
        if key in ids or old in used:
            continue
        ids[key] = old
        used.add(old)

    top = max([highest_issued, *(_number(i) for i in previous.values())])
    for key in sorted(set(cluster_of.values())):
        if key not in ids:
            top += 1
            ids[key] = format_id(top)
    return ids


def _number(nominal_id: str) -> int:
    match = ID_PATTERN.match(nominal_id)
    if match is None:
        raise ValueError(
            f"previous nominal_id of unexpected form (expected N + 8 digits): {nominal_id!r}"
        )
    return int(match.group(1))
