"""The nominal graph as igraph: one vertex per nominal, one edge per linked pair.

Vertices are ordered by nominal_id and edges by (nominal_id_a, nominal_id_b),
so every algorithm sees the same graph for the same tables (determinism).
Edge attributes split the pair's weight into strong links (something people
did together or to each other) and shared attributes (address, phone,
vehicle), which delineation treats differently.
"""

from __future__ import annotations

import duckdb
import igraph as ig

from csenet_dagster import db
from csenet_dagster.network.network_settings import SHARED_ATTRIBUTE_LINK_TYPES


def load_pair_graph(conn: duckdb.DuckDBPyConnection) -> ig.Graph:
    """Every nominal of net.node; edges of net.edge summed per pair."""
    names = [row[0] for row in conn.sql("SELECT nominal_id FROM net.node ORDER BY nominal_id").fetchall()]
    index = {name: i for i, name in enumerate(names)}
    shared = db.literal(SHARED_ATTRIBUTE_LINK_TYPES)
    pairs = conn.sql(
        f"""
        SELECT nominal_id_a, nominal_id_b,
               sum(weight) AS weight,
               coalesce(sum(weight) FILTER (WHERE link_type NOT IN {shared}), 0.0) AS strong_weight,
               coalesce(sum(weight) FILTER (WHERE link_type IN {shared}), 0.0) AS shared_weight,
               string_agg(link_type, ',' ORDER BY link_type) AS link_types
        FROM net.edge
        GROUP BY nominal_id_a, nominal_id_b
        ORDER BY nominal_id_a, nominal_id_b
        """
    ).fetchall()
    graph = ig.Graph(n=len(names), directed=False)
    graph.vs["name"] = names
    graph.add_edges([(index[a], index[b]) for a, b, *_ in pairs])
    graph.es["weight"] = [float(p[2]) for p in pairs]
    graph.es["strong_weight"] = [float(p[3]) for p in pairs]
    graph.es["shared_weight"] = [float(p[4]) for p in pairs]
    graph.es["link_types"] = [p[5] for p in pairs]
    return graph
