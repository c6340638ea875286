"""Records -> clusters: threshold linkage with must-link and cannot-link constraints.

The scored pairs are joined strongest first (Kruskal order on match
probability, ties broken by the two person_refs). A join is refused when it
would put into one cluster

* two different valid PNC ids (PNC ids are near-certain identity keys),
* two records an analyst has said are NOT_SAME, or
* (model edges only) two records whose full dates of birth are far apart: not
  equal, not within a year, not one digit or a transposition apart and not
  day/month swapped (``dobs_conflict``). A parent and child with the same name
  at one address would otherwise be chained into one nominal through a third
  record with no dob. An analyst's SAME decision may override it.

Without constraints this is exactly connected components at the threshold;
with them, the weakest edges that would violate a constraint are the ones
dropped, so a conflicting cluster is split where the evidence is weakest.
Analysts' SAME decisions are applied first (they beat the model) but never
override a NOT_SAME or a PNC conflict: precision comes first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ANALYST_PROBABILITY = 1.0


@dataclass
class _Cluster:
    members: list[str]
    pnc_ids: set[str]
    cannot_link: set[str]  # person_refs that must not join this cluster
    dobs: set[dt.date] = field(default_factory=set)


def _one_edit_apart(a: str, b: str) -> bool:
    """Equal length strings one substitution or one adjacent transposition apart."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def dobs_conflict(a: dt.date, b: dt.date) -> bool:
    """Two full dates of birth that cannot be one person's, even allowing for the
    errors linkage treats as typing errors: one digit wrong or two transposed, day and
    month swapped, the year one out. Dates merely within a year of each other do
    conflict: in generated deliveries these are siblings far more often than one
    person (m of the 'within a year' level is at the floor)."""
    if a == b or _one_edit_apart(a.isoformat(), b.isoformat()):
        return False
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return False
    if a.month == b.month and a.day == b.day and abs(a.year - b.year) == 1:
        return False
    return True


@dataclass(frozen=True)
class Correction:
    key: int  # row of the corrections file (for the status table)
    decision: str  # SAME | NOT_SAME
    person_ref_a: str
    person_ref_b: str


@dataclass
class ClusterResult:
    cluster_of: dict[str, str]  # person_ref -> cluster key (smallest person_ref)
    probability: dict[str, float]  # strongest accepted edge per record
    correction_status: dict[int, str] = field(default_factory=dict)
    refused_edges: int = 0  # model edges refused by a PNC, NOT_SAME or dob constraint


class _Clusters:
    def __init__(self, refs: Sequence[str], pnc_of: dict[str, str], dob_of: dict[str, dt.date]):
        self.parent: dict[str, str] = {r: r for r in refs}
        self.data: dict[str, _Cluster] = {
            r: _Cluster([r], {pnc_of[r]} if pnc_of.get(r) else set(), set(),
                        {dob_of[r]} if dob_of.get(r) else set())
            for r in refs
        }

    def find(self, ref: str) -> str:
        root = ref
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[ref] != root:  # path compression
            self.parent[ref], ref = root, self.parent[ref]
        return root

    def conflict(self, a: str, b: str, model: bool = True) -> str | None:
        """Why the clusters of a and b may not join (None when they may)."""
        ca, cb = self.data[a], self.data[b]
        if ca.pnc_ids and cb.pnc_ids and ca.pnc_ids != cb.pnc_ids:
            return "pnc_conflict"
        if ca.cannot_link and not ca.cannot_link.isdisjoint(cb.members):
            return "not_same"
        if cb.cannot_link and not cb.cannot_link.isdisjoint(ca.members):
            return "not_same"
        if model and any(dobs_conflict(x, y) for x in ca.dobs for y in cb.dobs):
            return "dob_conflict"
        return None

    def union(self, a: str, b: str) -> None:
        big, small = (a, b) if len(self.data[a].members) >= len(self.data[b].members) else (b, a)
        self.parent[small] = big
        d_big, d_small = self.data[big], self.data.pop(small)
        d_big.members.extend(d_small.members)
        d_big.pnc_ids |= d_small.pnc_ids
        d_big.cannot_link |= d_small.cannot_link
        d_big.dobs |= d_small.dobs


def cluster(
    refs: Sequence[str],
    pnc_of: dict[str, str],
    edges: Iterable[tuple[str, str, float]],
    corrections: Sequence[Correction] = (),
    dob_of: dict[str, dt.date] | None = None,
) -> ClusterResult:
    """Cluster ``refs`` from scored ``edges`` (ref_a, ref_b, probability >= threshold).

    ``dob_of``: full dates of birth; model edges joining far-apart dobs are refused."""
    clusters = _Clusters(refs, pnc_of, dob_of or {})
    known = clusters.parent
    probability: dict[str, float] = {}
    status: dict[int, str] = {}

    for c in corrections:
        if c.person_ref_a not in known or c.person_ref_b not in known:
            status[c.key] = "person_ref_not_in_delivery"
    for c in corrections:
        if c.decision == "NOT_SAME" and c.key not in status:
            clusters.data[c.person_ref_a].cannot_link.add(c.person_ref_b)
            clusters.data[c.person_ref_b].cannot_link.add(c.person_ref_a)
            status[c.key] = "applied"
    for c in corrections:
        if c.decision != "SAME" or c.key in status:
            continue
        ra, rb = clusters.find(c.person_ref_a), clusters.find(c.person_ref_b)
        if ra == rb:
            status[c.key] = "applied"
        elif (why := clusters.conflict(ra, rb, model=False)) is not None:
            status[c.key] = f"not_applied_{why}"
        else:
            clusters.union(ra, rb)
            status[c.key] = "applied"
        if status[c.key] == "applied":
            for ref in (c.person_ref_a, c.person_ref_b):
                probability[ref] = ANALYST_PROBABILITY

    refused = 0
    ordered = sorted(edges, key=lambda e: (-e[2], e[0], e[1]))
    for a, b, p in ordered:
        ra, rb = clusters.find(a), clusters.find(b)
        if ra != rb:
            if clusters.conflict(ra, rb) is not None:
                refused += 1
                continue
            clusters.union(ra, rb)
        # strongest accepted edge holding each record in its cluster
        for ref in (a, b):
            if p > probability.get(ref, -1.0):
                probability[ref] = p

    cluster_of: dict[str, str] = {}
    for root, data in clusters.data.items():
        key = min(data.members)
        for ref in data.members:
            cluster_of[ref] = key
    for ref in refs:
        probability.setdefault(ref, 1.0)  # a singleton is certainly itself
    return ClusterResult(cluster_of, probability, status, refused)
