"""Graph exports for analysts' tools, under $CSENET_WAREHOUSE_DIR/exports/.

* ``network.graphml`` for Gephi: nodes labelled by nominal_id, edges per pair
  and link type.
* ``i2_entities.csv`` + ``i2_links.csv``: an entity/link CSV pair that i2
  Analyst's Notebook imports (one Person entity per nominal, one link per pair
  and link type).

Ids and attributes only: no names, dates of birth or contact details. Evidence
from intelligence with handling code C is left out unless the
``export_conditional_intel`` setting allows it (sql/3_network/10_export_edge.sql).
Each file is written next to its target, owner-only, and renamed over it; the folder
and files get the ``publish.file_mode`` permissions (default owner-only).
"""

from __future__ import annotations

from pathlib import Path

import igraph as ig
import polars as pl

from csenet_dagster import db
from csenet_dagster.assets_common import private_dir, write_private_file
from csenet_dagster.network.network_settings import NetworkSettings

GRAPHML = "network.graphml"
I2_ENTITIES = "i2_entities.csv"
I2_LINKS = "i2_links.csv"


def write_exports(conn, exports_dir: Path, s: NetworkSettings) -> dict[str, int]:
    db.run_sql(conn, "3_network/10_export_edge.sql", include_conditional=s.export_conditional_intel)
    nodes = conn.sql("SELECT * FROM net.export_node ORDER BY nominal_id").pl()
    edges = conn.sql("SELECT * FROM net.export_edge ORDER BY nominal_id_a, nominal_id_b, link_type").pl()
    private_dir(exports_dir)  # links rest on intelligence

    nodes_text = nodes.with_columns(
        pl.col("network_id").fill_null(""), pl.col("cse_role").fill_null(""),
        pl.col(pl.Float64).fill_null(0.0), pl.col(pl.Int64).fill_null(0),
    )
    index = {name: i for i, name in enumerate(nodes_text["nominal_id"])}
    graph = ig.Graph(n=nodes_text.height, directed=False)
    graph.vs["nominal_id"] = nodes_text["nominal_id"].to_list()
    graph.vs["label"] = nodes_text["nominal_id"].to_list()
    for column in nodes_text.columns:
        if column != "nominal_id":
            graph.vs[column] = nodes_text[column].to_list()
    graph.add_edges([(index[a], index[b]) for a, b in zip(edges["nominal_id_a"], edges["nominal_id_b"])])
    graph.es["link_type"] = edges["link_type"].to_list()
    graph.es["weight"] = edges["weight"].to_list()
    graph.es["first_seen"] = [str(d) if d else "" for d in edges["first_seen"].to_list()]
    graph.es["last_seen"] = [str(d) if d else "" for d in edges["last_seen"].to_list()]
    graph.es["n_events"] = edges["n_events"].to_list()
    graph.es["source_refs"] = edges["source_refs"].fill_null("").to_list()
    write_private_file(exports_dir / GRAPHML, lambda p: graph.write_graphml(str(p)))

    entities = nodes_text.select(
        pl.col("nominal_id").alias("entity_id"),
        pl.lit("Person").alias("entity_type"),
        pl.col("nominal_id").alias("label"),
        pl.exclude("nominal_id"),
    )
    links = edges.select(
        (pl.col("nominal_id_a") + "-" + pl.col("nominal_id_b") + "-" + pl.col("link_type")).alias("link_id"),
        pl.col("nominal_id_a").alias("from_entity_id"),
        pl.col("nominal_id_b").alias("to_entity_id"),
        pl.exclude("nominal_id_a", "nominal_id_b"),
    )
    write_private_file(exports_dir / I2_ENTITIES, lambda p: entities.write_csv(p))
    write_private_file(exports_dir / I2_LINKS, lambda p: links.write_csv(p))
    return {"exported_nodes": nodes.height, "exported_edges": edges.height}
