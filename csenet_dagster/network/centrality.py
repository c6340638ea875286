"""Centrality for key-player analysis, within each network and in the whole graph.

Within a network (the subgraph of its members, all link types summed per
pair): degree, weighted degree, betweenness (exact, weighted; an edge's length
is 1 / weight so strong links are short), PageRank and eigenvector centrality
(weighted), and brokerage = the number of other networks the member links to
directly. Whole graph (``net.centrality``, published as ``graph_*``): degree,
weighted degree, component size and brokerage for every nominal (linear in the
edges); PageRank, Burt's constraint (low = a broker between otherwise unconnected
contacts) and betweenness in hops only where analysts use them: on the
*neighbourhood graph*, the subgraph induced by the members of every network and
their direct contacts (``NEIGHBOURHOOD_HOPS``). Elsewhere these three are NULL and
``betweenness_method`` says ``not_computed``. Betweenness is exact while the
largest component of that graph has at most ``betweenness_exact_max_nodes``
nodes, else limited to paths of at most ``betweenness_cutoff`` hops (an estimate,
recorded per row). At force scale (1M records) the whole-graph betweenness took
153 s of a 354 s refresh and served nobody: analysts read it for network members
and the exports' neighbourhoods only.
"""

from __future__ import annotations

import math
import random
from contextlib import contextmanager

import igraph as ig
import polars as pl

from csenet_dagster.network.delineate import Network, brokers_between_components
from csenet_dagster.network.network_settings import NetworkSettings


# Measures are rounded so that floating-point noise never changes an output.
DIGITS = 10


def _clean(values: list[float]) -> list[float]:
    """NaN (e.g. the constraint of an isolate) becomes 0.0; values rounded."""
    return [0.0 if v is None or math.isnan(v) else round(float(v), DIGITS) for v in values]


@contextmanager
def seeded_igraph(seed: int):
    """igraph's RNG (ARPACK start vectors of eigenvector centrality) seeded, then restored."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def network_member_centrality(graph: ig.Graph, networks: list[Network], seed: int) -> list[dict]:
    """One dict per (network index, member vertex) with within-network measures."""
    with seeded_igraph(seed):
        return _network_member_centrality(graph, networks)


def _network_member_centrality(graph: ig.Graph, networks: list[Network]) -> list[dict]:
    brokerage = brokers_between_components(graph, networks)
    rows = []
    for index, network in enumerate(networks):
        sub = graph.induced_subgraph(list(network.members))
        weights = sub.es["weight"] if sub.ecount() else None
        lengths = [1.0 / w for w in weights] if weights else None
        betweenness = sub.betweenness(weights=lengths) if sub.ecount() else [0.0] * sub.vcount()
        pagerank = sub.pagerank(weights=weights)
        eigenvector = (
            sub.eigenvector_centrality(weights=weights, scale=True) if sub.ecount() else [0.0] * sub.vcount()
        )
        degree = sub.degree()
        strength = sub.strength(weights=weights) if weights else [0.0] * sub.vcount()
        betweenness, pagerank, eigenvector, strength = (
            _clean(betweenness), _clean(pagerank), _clean(eigenvector), _clean(strength)
        )
        for local, vertex in enumerate(network.members):
            rows.append({
                "network_index": index,
                "vertex": vertex,
                "degree": int(degree[local]),
                "weighted_degree": float(strength[local]),
                "betweenness": float(betweenness[local]),
                "pagerank": float(pagerank[local]),
                "eigenvector": float(eigenvector[local]),
                "brokerage": int(brokerage.get(vertex, 0)),
            })
    return rows


# Contacts of network members within this many links get PageRank, constraint and betweenness.
NEIGHBOURHOOD_HOPS = 1
NOT_COMPUTED = "not_computed"


def neighbourhood(graph: ig.Graph, networks: list[Network], hops: int = NEIGHBOURHOOD_HOPS) -> list[int]:
    """Vertices of every network plus their contacts within ``hops`` links, sorted."""
    members = sorted({v for n in networks for v in n.members})
    if not members or hops <= 0:
        return members
    reached = set(members)
    for ball in graph.neighborhood(members, order=hops):
        reached.update(ball)
    return sorted(reached)


def graph_centrality(graph: ig.Graph, networks: list[Network], s: NetworkSettings) -> pl.DataFrame:
    """Whole-graph measures for every nominal (isolates get zeros); the costly ones
    (betweenness, PageRank, constraint) on the networks' neighbourhood graph only."""
    n = graph.vcount()
    components = graph.connected_components()
    sizes = components.sizes()
    weights = graph.es["weight"] if graph.ecount() else None
    brokerage = _brokerage(graph, networks)

    betweenness: list[float | None] = [None] * n
    pagerank: list[float | None] = [None] * n
    constraint: list[float | None] = [None] * n
    method = [NOT_COMPUTED] * n
    near = neighbourhood(graph, networks)
    if near:
        sub = graph.induced_subgraph(near)
        sub_weights = sub.es["weight"] if sub.ecount() else None
        largest = max(sub.connected_components().sizes(), default=0)
        exact = largest <= s.betweenness_exact_max_nodes
        sub_betweenness = (
            sub.betweenness(cutoff=None if exact else s.betweenness_cutoff) if sub.ecount() else [0.0] * sub.vcount()
        )
        sub_constraint = sub.constraint(weights=sub_weights) if sub.ecount() else [0.0] * sub.vcount()
        with seeded_igraph(s.random_seed):
            sub_pagerank = sub.pagerank(weights=sub_weights)
        label = "exact" if exact else f"cutoff_{s.betweenness_cutoff}_hops"
        for local, vertex in enumerate(near):
            betweenness[vertex] = sub_betweenness[local]
            pagerank[vertex] = sub_pagerank[local]
            constraint[vertex] = sub_constraint[local]
            method[vertex] = label
    return pl.DataFrame({
        "nominal_id": graph.vs["name"],
        "component_size": [sizes[c] for c in components.membership],
        "degree": graph.degree(),
        "weighted_degree": _clean(graph.strength(weights=weights)) if weights else [0.0] * n,
        "betweenness": _clean_or_null(betweenness),
        "betweenness_method": method,
        "pagerank": _clean_or_null(pagerank),
        "constraint": _clean_or_null(constraint),
        "brokerage": [int(brokerage.get(v, 0)) for v in range(n)],
    }, schema={
        "nominal_id": pl.String, "component_size": pl.Int64, "degree": pl.Int64,
        "weighted_degree": pl.Float64, "betweenness": pl.Float64, "betweenness_method": pl.String,
        "pagerank": pl.Float64, "constraint": pl.Float64, "brokerage": pl.Int64,
    })


def _clean_or_null(values: list[float | None]) -> list[float | None]:
    """Like ``_clean``, but a value not computed stays NULL."""
    return [None if v is None else (0.0 if math.isnan(v) else round(float(v), DIGITS)) for v in values]


def _brokerage(graph: ig.Graph, networks: list[Network]) -> dict[int, int]:
    """``delineate.brokers_between_components`` visiting only the edges at network members
    (the others cannot link anyone to a network): same result, without a Python pass
    over every edge of the force's graph."""
    network_of = {v: i for i, n in enumerate(networks) for v in n.members}
    linked: dict[int, set[int]] = {}
    for v, index in network_of.items():
        for u in graph.neighbors(v):
            linked.setdefault(u, set()).add(index)
    return {v: len(nets - ({network_of[v]} if v in network_of else set())) for v, nets in linked.items()}
