"""CSE networks: groups of connected nominals around the CSE seeds.

The relevant subgraph (docs/network.md, "CSE network definition"):

1. Seed core: seeds joined by strong links (co-offending, co-arrest,
   offender-victim, co-victimisation, missing-person, credible intelligence),
   plus shared-attribute links between two seeds of at least
   ``seed_shared_attribute_min_weight``.
2. Associates: a non-seed joins when it has *admitting* links
   (``net.admission_link``: credible CSE intelligence naming it with a seed
   offender, found with a child victim, shared vehicle or phone) to at least
   ``associate_min_seed_links`` seeds that all sit in ONE seed-core component.
   Co-offending in a non-CSE crime, OCG membership and a shared address never
   admit. One linked to several components is a broker between them, not a
   member, so it cannot merge unrelated groups; one linked to a single seed
   stays outside.
3. Components of seeds + associates; a component larger than
   ``leiden_min_component_size`` is split by Leiden (modularity, fixed seed).
   A community that is not a network by rule 4, or is not well separated
   (conductance above ``split_max_conductance``), is folded into the
   neighbouring community it is most strongly linked to; so a split happens
   only where groups are joined by a few links, not inside one cohesive group.
4. A network needs at least ``min_network_offenders`` offenders or suspects
   (on a CSE crime or credible CSE intelligence) and ``min_network_victims``
   child victims linked directly to one of them.
5. Children at risk: a missing child found with (or at the address of) an
   offender/suspect of a network joins that network as CHILD_AT_RISK (the
   network holding most of the offenders it was found with; ties: first
   network). They do not count as victims.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

import igraph as ig

from csenet_dagster.network.network_settings import NetworkSettings


@dataclass(frozen=True)
class Network:
    members: tuple[int, ...]  # vertex indices, ascending
    split_by_leiden: bool


def _leiden_membership(graph: ig.Graph, s: NetworkSettings) -> list[int]:
    """Leiden (modularity) with igraph's RNG seeded for this call only."""
    ig.set_random_number_generator(random.Random(s.random_seed))
    try:
        clustering = graph.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=s.leiden_resolution,
            n_iterations=-1,
        )
    finally:
        ig.set_random_number_generator(random)
    return list(clustering.membership)


def _is_network(graph: ig.Graph, members, offender: list[bool], victim: list[bool], s: NetworkSettings) -> bool:
    """Enough evidenced offenders, and enough victims linked directly to one of them."""
    inside = set(members)
    linked_victims = sum(
        1 for v in members
        if victim[v] and any(offender[u] for u in graph.neighbors(v) if u in inside)
    )
    return sum(offender[v] for v in members) >= s.min_network_offenders and linked_victims >= s.min_network_victims


def _fold_communities(
    graph: ig.Graph, membership: list[int], offender: list[bool], victim: list[bool], s: NetworkSettings
) -> list[int]:
    """Fold communities that cannot stand alone into their most strongly linked neighbour.

    A community stands alone when it is a network by the rule (offenders,
    victims) and is well separated: its conductance (weight of its links to the
    rest of the component / total weight of its members' links) is at most
    ``split_max_conductance``. Communities are examined in label order; the
    first that cannot stand is folded, then everything is re-examined.
    """
    membership = list(membership)
    strength = graph.strength(weights="weight")
    while True:
        members: dict[int, list[int]] = defaultdict(list)
        for v, c in enumerate(membership):
            members[c].append(v)
        if len(members) == 1:
            return membership
        between: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for e in graph.es:
            ca, cb = membership[e.source], membership[e.target]
            if ca != cb:
                between[ca][cb] += e["weight"]
                between[cb][ca] += e["weight"]
        folded = False
        for community in sorted(members):
            volume = sum(strength[v] for v in members[community])
            cut = sum(between[community].values())
            conductance = cut / volume if volume > 0 else 1.0
            stands = (
                _is_network(graph, members[community], offender, victim, s)
                and conductance <= s.split_max_conductance
            )
            if not stands and between[community]:
                target = min(between[community], key=lambda c: (-between[community][c], c))
                membership = [target if c == community else c for c in membership]
                folded = True
                break
        if not folded:
            return membership


def delineate(
    graph: ig.Graph,
    cse_role: dict[str, str],
    evidenced_offenders: set[str],
    s: NetworkSettings,
    associate_links: dict[str, set[str]] | None = None,
    child_links: dict[str, set[str]] | None = None,
) -> list[Network]:
    """CSE networks of ``graph`` (see module docstring), ordered by first member.

    ``cse_role``: seed nominal_id -> 'OFFENDER' | 'SUSPECT' | 'VICTIM';
    ``evidenced_offenders``: the offenders/suspects that count towards the minimum;
    ``associate_links``: non-seed nominal_id -> seeds it has admitting links to
    (None: any edge to a seed admits, the rule before issue 10, kept for tests of
    the graph rules alone); ``child_links``: missing child -> offenders/suspects it
    was found with.
    """
    names = graph.vs["name"]
    index = {name: i for i, name in enumerate(names)}
    role = [cse_role.get(name) for name in names]
    is_seed = [r is not None for r in role]
    is_offender = [name in evidenced_offenders for name in names]
    is_victim = [r == "VICTIM" for r in role]

    core_edges = []
    for e in graph.es:
        a, b = e.tuple
        if is_seed[a] and is_seed[b] and (
            e["strong_weight"] > 0 or e["shared_weight"] >= s.seed_shared_attribute_min_weight
        ):
            core_edges.append(e.index)
    core_component = graph.subgraph_edges(core_edges, delete_vertices=False).connected_components().membership

    # Associates: linked (any type, shared attributes under their cap included)
    # to enough seeds, all of one seed group; linked to several groups = broker.
    seed_links: dict[int, set[int]] = defaultdict(set)
    if associate_links is None:
        for e in graph.es:
            a, b = e.tuple
            if is_seed[a] != is_seed[b]:
                outsider, seed = (b, a) if is_seed[a] else (a, b)
                seed_links[outsider].add(seed)
    else:
        for outsider, seeds in associate_links.items():
            if outsider in index and not is_seed[index[outsider]]:
                seed_links[index[outsider]] = {index[x] for x in seeds if x in index and is_seed[index[x]]}
    admitted: dict[int, int] = {}  # associate -> seed-core component
    for outsider, seeds in seed_links.items():
        components = {core_component[v] for v in seeds}
        if len(seeds) >= s.associate_min_seed_links and len(components) == 1:
            admitted[outsider] = components.pop()

    in_scope = [is_seed[v] or v in admitted for v in range(graph.vcount())]
    group_edges = list(core_edges)
    for e in graph.es:
        a, b = e.tuple
        if not (in_scope[a] and in_scope[b]) or (is_seed[a] and is_seed[b]):
            continue
        if is_seed[a] or is_seed[b]:
            group_edges.append(e.index)  # associate - seed of its own group
        elif admitted[a] == admitted[b] and e["strong_weight"] > 0:
            group_edges.append(e.index)  # two associates of the same group, strongly linked
    group_graph = graph.subgraph_edges(sorted(group_edges), delete_vertices=False)

    networks: list[Network] = []
    for component in group_graph.connected_components():
        if not in_scope[component[0]]:
            continue
        members = sorted(component)
        split = len(members) > s.leiden_min_component_size
        if split:
            sub = group_graph.induced_subgraph(members)
            membership = _leiden_membership(sub, s)
            membership = _fold_communities(
                sub, membership, [is_offender[v] for v in members], [is_victim[v] for v in members], s
            )
            groups: dict[int, list[int]] = defaultdict(list)
            for local, community in enumerate(membership):
                groups[community].append(members[local])
            parts = [sorted(g) for g in groups.values()]
        else:
            parts = [members]
        for part in parts:
            if _is_network(graph, part, is_offender, is_victim, s):
                networks.append(Network(tuple(part), split and len(parts) > 1))
    networks = sorted(networks, key=lambda n: n.members[0])
    return _attach_children_at_risk(networks, child_links or {}, index)


def _attach_children_at_risk(
    networks: list[Network], child_links: dict[str, set[str]], index: dict[str, int]
) -> list[Network]:
    """Each child found with offenders of a network joins the network holding most of them."""
    network_of = {v: i for i, n in enumerate(networks) for v in n.members}
    extra: dict[int, list[int]] = defaultdict(list)
    for child in sorted(child_links):
        v = index.get(child)
        if v is None or v in network_of:
            continue
        counts: dict[int, int] = defaultdict(int)
        for offender in child_links[child]:
            if index.get(offender) in network_of:
                counts[network_of[index[offender]]] += 1
        if counts:
            best = min(counts, key=lambda i: (-counts[i], i))
            extra[best].append(v)
    return [
        Network(tuple(sorted((*n.members, *extra[i]))), n.split_by_leiden) if extra.get(i) else n
        for i, n in enumerate(networks)
    ]


def brokers_between_components(graph: ig.Graph, networks: list[Network]) -> dict[int, int]:
    """Per vertex: how many distinct networks other than its own it links to directly."""
    network_of = {v: i for i, n in enumerate(networks) for v in n.members}
    linked: dict[int, set[int]] = defaultdict(set)
    for e in graph.es:
        a, b = e.tuple
        if b in network_of:
            linked[a].add(network_of[b])
        if a in network_of:
            linked[b].add(network_of[a])
    return {
        v: len(nets - ({network_of[v]} if v in network_of else set())) for v, nets in linked.items()
    }
