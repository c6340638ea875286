"""Centrality among a network's offenders and suspects alone (key players).

Whole-network measures (centrality.py) let victims and children at risk carry
paths: an offender who abuses many children looks central though he may be
peripheral to the offending group. Here each network's subgraph is cut down to
its OFFENDER and SUSPECT members (all link types summed per pair, as in the
whole-network measures) and the same measures are computed on it: degree,
weighted degree, betweenness (weighted, edge length 1 / weight), PageRank and
eigenvector (weighted, scaled to max 1). Other members get null. The dossier's
key players are ranked by ``offender_pagerank``.
"""

from __future__ import annotations

import igraph as ig

from csenet_dagster.network.centrality import _clean, seeded_igraph
from csenet_dagster.network.delineate import Network

OFFENDER_ROLES = ("OFFENDER", "SUSPECT")
COLUMNS = (
    "offender_degree", "offender_weighted_degree", "offender_betweenness", "offender_pagerank", "offender_eigenvector",
)


def offender_centrality(
    graph: ig.Graph, networks: list[Network], role_of: dict[str, str], seed: int
) -> dict[tuple[int, int], dict]:
    """(network index, vertex) -> offender-subgraph measures, for offender/suspect members only."""
    names = graph.vs["name"]
    out: dict[tuple[int, int], dict] = {}
    with seeded_igraph(seed):
        for index, network in enumerate(networks):
            offenders = [v for v in network.members if role_of.get(names[v]) in OFFENDER_ROLES]
            if not offenders:
                continue
            sub = graph.induced_subgraph(offenders)
            weights = sub.es["weight"] if sub.ecount() else None
            zeros = [0.0] * sub.vcount()
            betweenness = sub.betweenness(weights=[1.0 / w for w in weights]) if weights else zeros
            pagerank = sub.pagerank(weights=weights)
            eigenvector = sub.eigenvector_centrality(weights=weights, scale=True) if weights else zeros
            strength = sub.strength(weights=weights) if weights else zeros
            degree = sub.degree()
            betweenness, pagerank, eigenvector, strength = (
                _clean(betweenness), _clean(pagerank), _clean(eigenvector), _clean(strength)
            )
            for local, vertex in enumerate(offenders):
                out[(index, vertex)] = {
                    "offender_degree": int(degree[local]),
                    "offender_weighted_degree": float(strength[local]),
                    "offender_betweenness": float(betweenness[local]),
                    "offender_pagerank": float(pagerank[local]),
                    "offender_eigenvector": float(eigenvector[local]),
                }
    return out
