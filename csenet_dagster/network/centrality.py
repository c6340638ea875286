"""Centrality for key-player analysis, within each network and in the whole graph.

Within a network (the subgraph of its members, all link types summed per
pair): degree, weighted degree, betweenness (exact, weighted; an edge's length
is 1 / weight so strong links are short), PageRank and eigenvector centrality
(weighted), and brokerage = the number of other networks the member links to
directly. Whole graph: degree, weighted degree, PageRank, Burt's constraint
(low = a broker between otherwise unconnected contacts), brokerage, and
betweenness in hops - exact while the largest component has at most
``betweenness_exact_max_nodes`` nodes, else limited to paths of at most
``betweenness_cutoff`` hops (an estimate, recorded per row).
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


def graph_centrality(graph: ig.Graph, networks: list[Network], s: NetworkSettings) -> pl.DataFrame:
    """Whole-graph measures for every nominal (isolates get zeros)."""
    components = graph.connected_components()
    sizes = components.sizes()
    largest = max(sizes, default=0)
    exact = largest <= s.betweenness_exact_max_nodes
    betweenness = graph.betweenness(cutoff=None if exact else s.betweenness_cutoff) if graph.ecount() else [0.0] * graph.vcount()
    weights = graph.es["weight"] if graph.ecount() else None
    constraint = graph.constraint(weights=weights) if graph.ecount() else [0.0] * graph.vcount()
    with seeded_igraph(s.random_seed):
        pagerank = graph.pagerank(weights=weights) if graph.vcount() else []
    brokerage = brokers_between_components(graph, networks)
    method = "exact" if exact else f"cutoff_{s.betweenness_cutoff}_hops"
    return pl.DataFrame({
        "nominal_id": graph.vs["name"],
        "component_size": [sizes[c] for c in components.membership],
        "degree": graph.degree(),
        "weighted_degree": _clean(graph.strength(weights=weights)) if weights else [0.0] * graph.vcount(),
        "betweenness": _clean(betweenness),
        "betweenness_method": [method] * graph.vcount(),
        "pagerank": _clean(pagerank),
        "constraint": _clean(constraint),
        "brokerage": [int(brokerage.get(v, 0)) for v in range(graph.vcount())],
    }, schema={
        "nominal_id": pl.String, "component_size": pl.Int64, "degree": pl.Int64,
        "weighted_degree": pl.Float64, "betweenness": pl.Float64, "betweenness_method": pl.String,
        "pagerank": pl.Float64, "constraint": pl.Float64, "brokerage": pl.Int64,
    })
