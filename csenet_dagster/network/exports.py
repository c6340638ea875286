"""Graph exports for analysts' tools, under $CSENET_WAREHOUSE_DIR/exports/.

Every export covers the CSE networks and their neighbourhood (members and the
people directly linked to them), never the whole graph:

* ``network.graphml`` (all networks) and ``graphml/<network_id>.graphml`` for
  Gephi: nodes labelled by nominal_id, one edge per pair and link type.
* ``i2_entities.csv`` + ``i2_links.csv`` (all networks) and
  ``i2/<network_id>_entities.csv`` + ``i2/<network_id>_links.csv``, laid out for
  an i2 Analyst's Notebook import specification (docs/network.md, "i2 export"):
  entity type / identity / label per entity (Person, OCG and, by setting,
  Vehicle, Phone, Address); one link per event with both ends' type, identity
  and label (one "entity - link - entity" import specification reads it alone),
  direction (``With``: arrow from the ``from`` end, offender -> victim; ``None``:
  undirected), date (``yyyy-MM-dd``) and 3x5x2 grading for theme lines, and the
  edge's weight rounded to 2 decimals.

Labels carry names for use inside the force (setting ``network.export_labels``
= ``names``) or ids only when the files are shared (``ids``). Evidence from
intelligence with handling code C, and anything derived from it (weights,
dates, counts, refs), is left out unless ``network.export_conditional_intel``
allows it (sql/3_network/13_export_edge.sql). Every text value goes through
``csenet_dagster.safe_text`` (no live spreadsheet formulas, no control
characters, XML escaped). Files are written with ``write_private_file``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from csenet_dagster import db, safe_text
from csenet_dagster.files import private_dir, write_private_file
from csenet_dagster.network.network_settings import NetworkSettings

GRAPHML = "network.graphml"
I2_ENTITIES = "i2_entities.csv"
I2_LINKS = "i2_links.csv"
I2_DIR = "i2"
GRAPHML_DIR = "graphml"
LABEL_MODES = ("names", "ids")

ENTITY_COLUMNS = (
    "entity_type", "identity", "label", "network_ids", "role", "in_network", "is_cse_seed",
    "degree", "weighted_degree", "ocgm_band", "ocg_status",
)
LINK_COLUMNS = (
    "from_type", "from_identity", "from_label", "link_id", "link_type", "direction", "label", "date",
    "to_type", "to_identity", "to_label",
    "source_file", "source_ref", "grade", "source_eval", "intel_eval", "handling", "outcome",
    "from_role", "to_role", "weight", "edge_n_events", "first_seen", "last_seen",
)
# Link types whose events have a direction, and the roles at the arrow's tail.
DIRECTED_FROM_ROLES = {"OFFENDER_VICTIM": ("OFFENDER", "SUSPECT")}
WEIGHT_DECIMALS = 2


def _date(value) -> str:
    return value.isoformat() if value is not None else ""


def _rows(conn, query: str) -> list[dict]:
    rel = conn.sql(query)
    return [dict(zip(rel.columns, row)) for row in rel.fetchall()]


def person_label(row: dict, labels: str) -> str:
    """'Forenames SURNAME' inside the force, the nominal_id when shared."""
    if labels == "ids":
        return row["nominal_id"]
    forenames = row.get("forenames") or ""
    if forenames.isupper():  # systems that record names in capitals: 'Ravi SANDHU', not 'RAVI SANDHU'
        forenames = forenames.title()
    name = " ".join(p for p in (forenames, (row.get("surname") or "").upper()) if p)
    return safe_text.free_text(name) or row["nominal_id"]


def _grade(row: dict) -> str:
    return f"{row['source_eval'] or ''}{row['intel_eval'] or ''}" if row["source_eval"] or row["intel_eval"] else ""


def evidence_link(row: dict, labels: str, vehicle_ids: dict[str, str] | None = None) -> dict:
    """One i2 link for one event, directed from the offender where the link type has a direction.

    With ids-only labels a shared vehicle's ref (its VRM) is replaced by the vehicle's
    numbered id (``vehicle_ids``: VRM -> VEHICLE-nnnnn), so a shared file names no vehicle."""
    a, b, role_a, role_b = row["nominal_id_a"], row["nominal_id_b"], row["role_a"], row["role_b"]
    source_ref = row["source_ref"]
    if labels == "ids" and row["link_type"] == "SHARED_VEHICLE":
        source_ref = (vehicle_ids or {}).get(source_ref, "VEHICLE")
    tail_roles = DIRECTED_FROM_ROLES.get(row["link_type"], ())
    direction = "None"
    if role_a in tail_roles or role_b in tail_roles:
        direction = "With"
        if role_b in tail_roles and role_a not in tail_roles:
            a, b, role_a, role_b = b, a, role_b, role_a
    grade = _grade(row)
    label = row["link_type"].lower().replace("_", " ")
    if grade:
        label += f" {grade}{row['handling'] or ''}"
    return {
        "link_id": f"{row['nominal_id_a']}-{row['nominal_id_b']}-{row['link_type']}-{source_ref}",
        "link_type": row["link_type"],
        "from_identity": a,
        "to_identity": b,
        "direction": direction,
        "label": label,
        "date": _date(row["event_date"]),
        "source_file": row["source_file"],
        "source_ref": source_ref,
        "grade": grade,
        "source_eval": row["source_eval"],
        "intel_eval": row["intel_eval"],
        "handling": row["handling"],
        # delivered outcome text stays inside the force
        "outcome": None if labels == "ids" else row["outcome"],
        "from_role": role_a,
        "to_role": role_b,
        "weight": round(float(row["edge_weight"]), WEIGHT_DECIMALS) if row["edge_weight"] is not None else None,
        "edge_n_events": row["edge_n_events"],
        "first_seen": _date(row["first_seen"]),
        "last_seen": _date(row["last_seen"]),
    }


def _attribute_label(row: dict, labels: str) -> str:
    if labels == "ids":
        return row["attribute_id"]
    value = row["attribute"] or ""
    if row["entity_type"] == "Address":  # key = postcode#house number
        postcode, _, number = value.partition("#")
        value = f"{number} {postcode}".strip()
    return safe_text.free_text(value)


def build_i2(
    nodes: list[dict], evidence: list[dict], ocg_members: list[dict], attributes: list[dict],
    labels: str, with_attributes: bool,
) -> tuple[list[dict], list[dict]]:
    """Entity and link rows of one export (one network or all), deterministic order."""
    entities: dict[str, dict] = {}
    for n in nodes:
        entity = entities.setdefault(n["nominal_id"], {
            "entity_type": "Person", "identity": n["nominal_id"], "label": person_label(n, labels),
            "networks": set(), "roles": set(), "in_network": False, "is_cse_seed": bool(n["is_cse_seed"]),
            "degree": 0, "weighted_degree": 0.0, "ocgm_band": None, "ocg_status": None,
        })
        entity["networks"].add(n["network_id"])
        entity["roles"].add(n["role"])
        entity["in_network"] = entity["in_network"] or bool(n["in_network"])
        entity["degree"] = max(entity["degree"], int(n["degree"]))
        entity["weighted_degree"] = max(entity["weighted_degree"], float(n["weighted_degree"]))
    links: dict[str, dict] = {}
    vehicle_ids = {a["attribute"]: a["attribute_id"] for a in attributes if a["entity_type"] == "Vehicle"}
    for row in evidence:
        link = evidence_link(row, labels, vehicle_ids)
        links.setdefault(link["link_id"], link)
    for m in ocg_members:
        identity = m["ocg_ref"]
        entities.setdefault(identity, {
            "entity_type": "OCG", "identity": identity,
            "label": identity if labels == "ids" else safe_text.free_text(m["ocg_name"]) or identity,
            "networks": set(), "roles": set(), "in_network": False, "is_cse_seed": False,
            "degree": 0, "weighted_degree": 0.0, "ocgm_band": m["ocgm_band"], "ocg_status": m["ocg_status"],
        })["networks"].add(m["network_id"])
        link_id = f"{m['nominal_id']}-{identity}-OCG_MEMBER"
        links.setdefault(link_id, {
            "link_id": link_id, "link_type": "OCG_MEMBER", "from_identity": m["nominal_id"], "to_identity": identity,
            "direction": "With", "label": (m["member_role"] or "member").lower(), "date": _date(m["mapped_date"]),
            "source_file": "ocg_member", "source_ref": identity, "from_role": m["member_role"],
        })
    if with_attributes:
        for a in attributes:
            entities.setdefault(a["attribute_id"], {
                "entity_type": a["entity_type"], "identity": a["attribute_id"], "label": _attribute_label(a, labels),
                "networks": set(), "roles": set(), "in_network": False, "is_cse_seed": False,
                "degree": 0, "weighted_degree": 0.0, "ocgm_band": None, "ocg_status": None,
            })["networks"].add(a["network_id"])
            link_id = f"{a['nominal_id']}-{a['attribute_id']}-HOLDS"
            links.setdefault(link_id, {
                "link_id": link_id, "link_type": f"HOLDS_{a['entity_type'].upper()}",
                "from_identity": a["nominal_id"], "to_identity": a["attribute_id"], "direction": "With",
                "label": (a["roles"] or "holds").lower(), "date": _date(a["seen_date"]),
                "source_file": "vehicle" if a["entity_type"] == "Vehicle" else "person_record",
                "from_role": a["roles"],
            })
    entity_rows = []
    for e in sorted(entities.values(), key=lambda e: (e["entity_type"] != "Person", e["entity_type"], e["identity"])):
        entity_rows.append({
            **{k: e[k] for k in ("entity_type", "identity", "label", "is_cse_seed", "degree", "ocgm_band", "ocg_status")},
            "network_ids": ";".join(sorted(e["networks"])),
            "role": ";".join(sorted(r for r in e["roles"] if r)) or (e["entity_type"].upper()),
            "in_network": e["in_network"],
            "weighted_degree": round(e["weighted_degree"], WEIGHT_DECIMALS),
        })
    # each link row also names both ends' type and label, so one "entity - link - entity"
    # import specification builds the chart from the links file alone
    link_rows = []
    for key in sorted(links):
        link = dict(links[key])
        for end in ("from", "to"):
            entity = entities.get(link[f"{end}_identity"])
            link[f"{end}_type"] = entity["entity_type"] if entity else "Person"
            link[f"{end}_label"] = entity["label"] if entity else link[f"{end}_identity"]
        link_rows.append(link)
    return entity_rows, link_rows


def _write_table(path: Path, columns: tuple[str, ...], rows: Iterable[dict]) -> None:
    write_private_file(path, lambda temp: safe_text.write_csv(temp, columns, ([r.get(c) for c in columns] for r in rows)))


NODE_KEYS = (("network_ids", "string"), ("role", "string"), ("in_network", "boolean"),
             ("is_cse_seed", "boolean"), ("degree", "long"), ("weighted_degree", "double"))
EDGE_KEYS = (("link_type", "string"), ("weight", "double"), ("first_seen", "string"), ("last_seen", "string"),
             ("n_events", "long"), ("source_refs", "string"))


def graphml_text(nodes: list[dict], edges: list[dict]) -> str:
    """A GraphML document (undirected) with every value cleaned and XML-escaped by safe_text."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return repr(round(v, 6))
        return safe_text.xml_text(v)

    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">']
    for name, kind in (("label", "string"), *NODE_KEYS):
        lines.append(f'  <key id="v_{name}" for="node" attr.name="{name}" attr.type="{kind}"/>')
    for name, kind in EDGE_KEYS:
        lines.append(f'  <key id="e_{name}" for="edge" attr.name="{name}" attr.type="{kind}"/>')
    lines.append('  <graph id="G" edgedefault="undirected">')
    for n in nodes:
        lines.append(f'    <node id="{value(n["nominal_id"])}">')
        lines.append(f'      <data key="v_label">{value(n["nominal_id"])}</data>')
        for name, _ in NODE_KEYS:
            lines.append(f'      <data key="v_{name}">{value(n[name])}</data>')
        lines.append("    </node>")
    for i, e in enumerate(edges):
        lines.append(f'    <edge id="e{i}" source="{value(e["nominal_id_a"])}" target="{value(e["nominal_id_b"])}">')
        for name, _ in EDGE_KEYS:
            v = e[name]
            lines.append(f'      <data key="e_{name}">{value(_date(v) if name.endswith("_seen") else v)}</data>')
        lines.append("    </edge>")
    lines += ["  </graph>", "</graphml>", ""]
    return "\n".join(lines)


def _graph_nodes(nodes: list[dict]) -> list[dict]:
    """One GraphML node per nominal (networks and roles joined when in several)."""
    merged: dict[str, dict] = {}
    for n in nodes:
        m = merged.setdefault(n["nominal_id"], {"nominal_id": n["nominal_id"], "networks": set(), "roles": set(),
                                                "in_network": False, "is_cse_seed": bool(n["is_cse_seed"]),
                                                "degree": 0, "weighted_degree": 0.0})
        m["networks"].add(n["network_id"])
        m["roles"].add(n["role"])
        m["in_network"] = m["in_network"] or bool(n["in_network"])
        m["degree"] = max(m["degree"], int(n["degree"]))
        m["weighted_degree"] = max(m["weighted_degree"], float(n["weighted_degree"]))
    return [{**m, "network_ids": ";".join(sorted(m["networks"])), "role": ";".join(sorted(m["roles"]))}
            for _, m in sorted(merged.items())]


def _graph_edges(edges: list[dict]) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for e in edges:
        seen.setdefault((e["nominal_id_a"], e["nominal_id_b"], e["link_type"]), e)
    return [seen[k] for k in sorted(seen)]


def _group(rows: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["network_id"], []).append(r)
    return groups


def _remove_stale(folder: Path, keep: set[str], suffix: str) -> None:
    for stale in folder.glob(f"CSE*{suffix}"):
        if stale.name not in keep:
            stale.unlink()


def write_exports(conn, exports_dir: Path, s: NetworkSettings) -> dict[str, int]:
    if s.export_labels not in LABEL_MODES:
        raise ValueError(f"setting network.export_labels must be one of {LABEL_MODES}, not {s.export_labels!r}")
    db.run_sql(conn, "3_network/13_export_edge.sql", include_conditional=s.export_conditional_intel)
    nodes = _rows(conn, "SELECT * FROM net.export_node ORDER BY network_id, nominal_id")
    edges = _rows(conn, "SELECT * FROM net.export_network_edge ORDER BY network_id, nominal_id_a, nominal_id_b, link_type")
    evidence = _rows(conn, "SELECT * FROM net.export_evidence ORDER BY ALL")
    ocg_members = _rows(conn, "SELECT * FROM net.export_ocg_member ORDER BY network_id, ocg_ref, nominal_id")
    attributes = _rows(conn, "SELECT * FROM net.export_attribute ORDER BY network_id, attribute_id, nominal_id")
    network_ids = [r[0] for r in conn.sql("SELECT DISTINCT network_id FROM net.network_member ORDER BY 1").fetchall()]
    private_dir(exports_dir)  # links rest on intelligence
    by_network = {name: _group(rows) for name, rows in
                  (("nodes", nodes), ("edges", edges), ("evidence", evidence), ("ocg", ocg_members), ("attr", attributes))}

    def i2_pair(entities_path: Path, links_path: Path, net_nodes, net_evidence, net_ocg, net_attr) -> tuple[int, int]:
        entity_rows, link_rows = build_i2(net_nodes, net_evidence, net_ocg, net_attr,
                                          s.export_labels, s.export_attribute_entities)
        _write_table(entities_path, ENTITY_COLUMNS, entity_rows)
        _write_table(links_path, LINK_COLUMNS, link_rows)
        return len(entity_rows), len(link_rows)

    graph_nodes, graph_edges = _graph_nodes(nodes), _graph_edges(edges)
    write_private_file(exports_dir / GRAPHML,
                       lambda p: p.write_text(graphml_text(graph_nodes, graph_edges), encoding="utf-8"))
    n_entities, n_links = i2_pair(exports_dir / I2_ENTITIES, exports_dir / I2_LINKS,
                                  nodes, evidence, ocg_members, attributes)

    i2_dir, graphml_dir = private_dir(exports_dir / I2_DIR), private_dir(exports_dir / GRAPHML_DIR)
    _remove_stale(i2_dir, {f"{n}_{kind}.csv" for n in network_ids for kind in ("entities", "links")}, ".csv")
    _remove_stale(graphml_dir, {f"{n}.graphml" for n in network_ids}, ".graphml")
    for network_id in network_ids:
        pick = {name: groups.get(network_id, []) for name, groups in by_network.items()}
        i2_pair(i2_dir / f"{network_id}_entities.csv", i2_dir / f"{network_id}_links.csv",
                pick["nodes"], pick["evidence"], pick["ocg"], pick["attr"])
        net_nodes, net_edges = _graph_nodes(pick["nodes"]), _graph_edges(pick["edges"])
        write_private_file(graphml_dir / f"{network_id}.graphml",
                           lambda p, a=net_nodes, b=net_edges: p.write_text(graphml_text(a, b), encoding="utf-8"))
    return {
        "exported_nodes": len(graph_nodes),
        "exported_edges": len(graph_edges),
        "i2_entities": n_entities,
        "i2_links": n_links,
        "networks_exported": len(network_ids),
    }
