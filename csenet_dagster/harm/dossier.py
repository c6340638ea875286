"""Network dossiers: one printable HTML page per top-priority network.

Each page shows why the network ranks where it does (the explanation's parts),
a link chart (igraph layout, matplotlib drawing, PNG embedded), members with
centrality and harm, OCG links, a timeline and the evidence list. Pages go to
``$CSENET_WAREHOUSE_DIR/exports/dossiers/<network_id>.html`` (owner-only);
the asset's metadata carry the folder and network ids only.
"""

from __future__ import annotations

import base64
import html
import io
import random
from pathlib import Path
from string import Template

import dagster as dg
import duckdb
import igraph as ig
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend must be chosen first)
from dagster_duckdb import DuckDBResource  # noqa: E402

from csenet_dagster import assets_common, db, settings  # noqa: E402
from csenet_dagster.harm import config  # noqa: E402
from csenet_dagster.harm.scoring import GROUP  # noqa: E402

TEMPLATE = settings.REPO_ROOT / "csenet_dagster" / "templates" / "dossier.html"

LINK_COLOURS = {
    "CO_OFFENDING": "#d62728",
    "CO_ARREST": "#ff7f0e",
    "OFFENDER_VICTIM": "#9467bd",
    "CO_VICTIMISATION": "#1f77b4",
    "MISSING_FOUND_WITH": "#17becf",
    "MISSING_FOUND_AT_ADDRESS": "#2ca02c",
    "INTEL_ASSOCIATION": "#7f7f7f",
    "SHARED_ADDRESS": "#bcbd22",
    "SHARED_PHONE": "#8c564b",
    "SHARED_VEHICLE": "#e377c2",
}
# node kind -> (colour, marker, legend label)
NODE_STYLE = {
    "OFFENDER": ("#c00000", "o", "offender"),
    "SUSPECT": ("#f08080", "o", "suspect"),
    "VICTIM": ("#2060c0", "s", "victim"),
    "CHILD_AT_RISK": ("#80b0f0", "s", "child at risk"),
    "ASSOCIATE": ("#a0a0a0", "o", "associate"),
    "OCG": ("#000000", "D", "OCG member"),
    "OUTSIDE": ("#ffffff", "o", "outside the network (path to an OCG)"),
}
MAX_ITEMS = 25
# PNGs without a software/version stamp, so the same data draws the same bytes.
PNG_METADATA = {"Software": None}


def _e(value) -> str:
    return "" if value is None else html.escape(str(value))


def _query(conn: duckdb.DuckDBPyConnection, name: str, **params) -> list[dict]:
    rel = conn.sql(db.render_sql(f"4_harm/{name}", params))
    columns = rel.columns
    return [dict(zip(columns, row)) for row in rel.fetchall()]


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata=PNG_METADATA)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def link_chart(members: list[dict], edges: list[dict], ocg_nominals: set[str], seed: int) -> str:
    """The network's link chart as a base64 PNG (deterministic for a given seed)."""
    role = {m["nominal_id"]: m["member_role"] for m in members}
    nodes = sorted(set(role) | {e["nominal_id_a"] for e in edges} | {e["nominal_id_b"] for e in edges})
    index = {n: i for i, n in enumerate(nodes)}
    graph = ig.Graph(n=len(nodes), edges=[(index[e["nominal_id_a"]], index[e["nominal_id_b"]]) for e in edges])
    random.seed(seed)  # python-igraph draws from Python's random module
    start = [[random.random(), random.random()] for _ in nodes]
    layout = graph.layout_fruchterman_reingold(seed=start, niter=500) if nodes else []
    fig, ax = plt.subplots(figsize=(11, 7))
    fig.subplots_adjust(left=0.02, right=0.74, top=0.98, bottom=0.02)  # room for the legend on the right
    for e in edges:
        (x1, y1), (x2, y2) = layout[index[e["nominal_id_a"]]], layout[index[e["nominal_id_b"]]]
        ax.plot([x1, x2], [y1, y2], color=LINK_COLOURS.get(e["link_type"], "#333333"),
                linewidth=0.8 + min(float(e["weight"] or 0), 4.0), alpha=0.7, zorder=1)
    for kind, (colour, marker, label) in NODE_STYLE.items():
        chosen = [n for n in nodes if _node_kind(n, role, ocg_nominals) == kind]
        if chosen:
            ax.scatter([layout[index[n]][0] for n in chosen], [layout[index[n]][1] for n in chosen],
                       c=colour, marker=marker, s=160, edgecolors="black", linewidths=0.8, zorder=2, label=label)
    shared = [n for n in nodes if n in role and n in ocg_nominals]
    if shared:
        ax.scatter([layout[index[n]][0] for n in shared], [layout[index[n]][1] for n in shared], s=420,
                   facecolors="none", edgecolors="black", linewidths=2.0, zorder=2, label="member also in an OCG")
    for n in nodes:
        x, y = layout[index[n]]
        ax.annotate(n, (x, y), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=7, zorder=3)
    for link_type in sorted({e["link_type"] for e in edges}):
        ax.plot([], [], color=LINK_COLOURS.get(link_type, "#333333"), linewidth=2, label=link_type.lower().replace("_", " "))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_axis_off()
    return _png(fig)


def _node_kind(nominal_id: str, role: dict[str, str], ocg_nominals: set[str]) -> str:
    if nominal_id in role:
        return role[nominal_id] if role[nominal_id] in NODE_STYLE else "ASSOCIATE"
    return "OCG" if nominal_id in ocg_nominals else "OUTSIDE"


def timeline_chart(events: list[dict]) -> str:
    """Events per quarter, one bar series per kind of event (base64 PNG)."""
    kinds = ("crime", "missing", "link")
    colours = {"crime": "#c00000", "missing": "#17becf", "link": "#7f7f7f"}
    quarters = sorted({f"{e['event_date'].year}Q{(e['event_date'].month - 1) // 3 + 1}" for e in events})
    fig, ax = plt.subplots(figsize=(10, 3))
    fig.subplots_adjust(left=0.07, right=0.99, top=0.95, bottom=0.3)
    bottom = [0] * len(quarters)
    for kind in kinds:
        counts = [sum(1 for e in events if e["event_kind"] == kind
                      and f"{e['event_date'].year}Q{(e['event_date'].month - 1) // 3 + 1}" == q) for q in quarters]
        ax.bar(range(len(quarters)), counts, bottom=bottom, color=colours[kind], label=kind)
        bottom = [b + c for b, c in zip(bottom, counts)]
    ax.set_xticks(range(len(quarters)))
    ax.set_xticklabels(quarters, rotation=90, fontsize=7)
    ax.set_ylabel("events")
    ax.legend(loc="upper left", fontsize=8, frameon=False)  # a fixed place: "best" is slow
    return _png(fig)


def _rows(cells: list[list], numeric: set[int] = frozenset()) -> str:
    return "".join(
        "<tr>" + "".join(f"<td class=\"num\">{_e(c)}</td>" if i in numeric else f"<td>{_e(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in cells
    )


def _headline(info: dict, components: dict[str, list], neighbours: list[tuple]) -> str:
    """One sentence an analyst can read out: the score, what makes it, and the gap to its neighbours."""
    parts = sorted(components.items(), key=lambda kv: -kv[1][0])[:3]
    made_of = ", ".join(f"{name.lower()} {total:,.0f} ({share:.0%})" for name, (total, share, _) in parts)
    text = f"Score {info['priority_score']:,.0f}, made of {made_of}."
    for rank, network_id, score in neighbours:
        relation = "above" if rank > info["priority_rank"] else "below"
        text += f" It ranks {relation} {network_id} (rank {rank}, score {score:,.0f})."
    return text


def member_reasons(conn: duckdb.DuckDBPyConnection, network_id: str, include_handling_c: bool) -> dict[str, str]:
    """nominal_id -> "REASON (refs); ..." with handling-code-C intelligence refs withheld unless allowed."""
    out: dict[str, list[str]] = {}
    for r in _query(conn, "10_dossier_member_reasons.sql", network_id=network_id):
        withheld = set((r["handling_c_refs"] or "").split(",")) - {""}
        refs = [x for x in (r["source_refs"] or "").split(",") if x and (include_handling_c or x not in withheld)]
        n_withheld = 0 if include_handling_c else len(withheld)
        text = ", ".join(refs) + (f"{', ' if refs else ''}{n_withheld} withheld (handling C)" if n_withheld else "")
        label = r["reason"] if r["admits"] else f"{r['reason']} (context)"
        out.setdefault(r["nominal_id"], []).append(f"{label}: {text}")
    return {k: "; ".join(v) for k, v in out.items()}


def render_network(conn: duckdb.DuckDBPyConnection, network_id: str, cfg: config.HarmSettings) -> str:
    """The HTML page of one network."""
    info = _query(conn, "14_dossier_header.sql", network_id=network_id)[0]
    delivery = conn.sql("SELECT delivery_id, extracted_at FROM raw.delivery").fetchall()[0]
    members = _query(conn, "10_dossier_members.sql", network_id=network_id)
    why = member_reasons(conn, network_id, cfg.dossier_include_handling_c)
    for m in members:
        m["why"] = why.get(m["nominal_id"], "")
    edges = _query(conn, "11_dossier_edges.sql", network_id=network_id, include_handling_c=cfg.dossier_include_handling_c)
    events = _query(conn, "12_dossier_timeline.sql", network_id=network_id, include_handling_c=cfg.dossier_include_handling_c)
    evidence = _query(conn, "13_dossier_evidence.sql", network_id=network_id, include_handling_c=cfg.dossier_include_handling_c)
    explanation = [tuple(r.values()) for r in _query(conn, "15_dossier_explanation.sql", network_id=network_id)]
    soc = [tuple(r.values()) for r in _query(conn, "16_dossier_soc_link.sql", network_id=network_id)]
    ocg_nominals = {r["ocg_nominal_id"] for r in _query(conn, "17_dossier_ocg_nominal.sql", network_id=network_id)}
    neighbours = [tuple(r.values()) for r in _query(conn, "18_dossier_neighbours.sql", priority_rank=int(info["priority_rank"]))]
    score_items = [r for r in explanation if r[0] == "SCORE"]
    components: dict[str, list] = {}
    for _, component, _, _, _, contribution, share, _ in score_items:
        total = components.setdefault(component, [0.0, 0.0, 0])
        total[0] += contribution
        total[1] += share
        total[2] += 1
    component_rows = _rows(
        [[c, f"{v[0]:,.1f}", f"{v[1]:.0%}", v[2]] for c, v in sorted(components.items(), key=lambda kv: -kv[1][0])],
        numeric={1, 2, 3},
    )
    headline = _headline(info, components, neighbours)
    top_items = sorted(score_items, key=lambda r: (-r[5], r[1], r[3]))[:MAX_ITEMS]
    item_rows = _rows([[r[1], r[3], r[4], f"{r[5]:,.1f}", r[7]] for r in top_items], numeric={3})
    changes = [r for r in explanation if r[0] == "CHANGE"]
    change_block = (
        "<table><tr><th>Change</th><th>Item</th><th>What</th></tr>" + _rows([[r[1], r[3], r[7]] for r in changes]) + "</table>"
        if changes else "<p>No changes listed (no previous published run, or nothing changed).</p>"
    )
    summary = [
        ["Priority score", f"{info['priority_score']:,.1f}"],
        ["Harm score (recent CCHI days)", f"{info['harm_score']:,.1f}"],
        ["Crime harm, undecayed (CCHI days)", f"{info['harm_total_days']:,.1f}"],
        ["Crimes (CSE)", f"{info['n_crimes']} ({info['n_cse_crimes']})"],
        ["Members", info["n_members"]],
        ["Victims (harmed in the last year)", f"{info['n_victims']} ({info['n_victims_active_window']})"],
        ["Children missing in its orbit (last year)", f"{info['n_missing_children']} ({info['n_missing_children_active_window']})"],
        ["Last activity", f"{info['last_activity_date']} ({'active' if info['is_active'] else 'dormant'})"],
        ["Linked organised crime groups", info["n_ocg_links"]],
        ["Most harmful member's share of member harm", f"{info['top_member_share']:.0%}"],
    ]
    member_rows = _rows(
        [[m["nominal_id"], f"{m['surname'] or ''}, {m['forenames'] or ''}", m["dob"], m["member_role"], m["why"] or "",
          "" if m["offender_pagerank"] is None else f"{m['offender_pagerank']:.3f}", m["degree"],
          f"{(m['betweenness'] or 0):.3f}", f"{(m['pagerank'] or 0):.3f}", f"{m['harm_score']:,.1f}", m["n_crimes"]]
         for m in members],
        numeric={5, 6, 7, 8, 9, 10},
    )
    soc_block = (
        "<table><tr><th>OCG</th><th>Link</th><th class=\"num\">Strength</th><th>Band</th><th>Status</th><th>Through</th></tr>"
        + _rows([[r[0], r[1], f"{r[2]:.2f}", r[3], r[4], r[5]] for r in soc], numeric={2}) + "</table>"
        if soc else "<p>No link to a mapped organised crime group.</p>"
    )
    shown = [v for v in evidence if cfg.dossier_include_handling_c or not v["is_handling_c"]]
    withheld = len(evidence) - len(shown)
    if cfg.dossier_include_handling_c:
        handling_note = "Intelligence with handling code C (sharing with conditions) IS included on this page: observe its handling conditions."
    else:
        handling_note = (f"{withheld} evidence item(s) from intelligence with handling code C (sharing with conditions) "
                         "are withheld from this page (setting harm.dossier_include_handling_c).")
    evidence_rows = _rows([[v["event_date"], v["link_type"], f"{v['nominal_id_a']} - {v['nominal_id_b']}",
                            v["source_file"], v["source_ref"], v["detail"]] for v in shown])
    values = {
        "network_id": _e(network_id),
        "priority_rank": _e(info["priority_rank"]),
        "n_networks": _e(info["n_networks"]),
        "delivery_id": _e(delivery[0]),
        "extracted_at": _e(delivery[1]),
        "half_life": _e(f"{cfg.recency_half_life_days:g}"),
        "headline": _e(headline),
        "summary_rows": _rows(summary),
        "component_rows": component_rows,
        "item_rows": item_rows,
        "change_block": change_block,
        "chart_png": link_chart(members, edges, ocg_nominals, cfg.dossier_layout_seed),
        "member_rows": member_rows,
        "soc_block": soc_block,
        "timeline_png": timeline_chart(events),
        "timeline_rows": _rows([[e["event_date"], e["event_kind"], e["ref"], e["what"]] for e in events]),
        "handling_note": _e(handling_note),
        "evidence_rows": evidence_rows,
    }
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)


def write_dossiers(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings, out_dir: Path | None = None) -> list[Path]:
    """Write the top-N networks' pages, replacing the previous run's; returns the paths."""
    if out_dir is None:
        out_dir = assets_common.private_dir(settings.paths().exports_dir) / "dossiers"
    assets_common.private_dir(out_dir)  # pages name members and cite intelligence
    top = [r[0] for r in conn.sql(
        f"SELECT network_id FROM harm.network_priority WHERE priority_rank <= {int(cfg.dossier_top_n)} ORDER BY priority_rank"
    ).fetchall()]
    for stale in out_dir.glob("*.html"):
        if stale.stem not in top:
            stale.unlink()
    written = []
    for network_id in top:
        path = out_dir / f"{network_id}.html"
        page = render_network(conn, network_id, cfg)
        written.append(assets_common.write_private_file(path, lambda temp: temp.write_text(page, encoding="utf-8")))
    return written


@assets_common.stage_asset(
    "harm.dossier",
    group=GROUP,
    description="Printable HTML dossier (link chart, members, timeline, evidence, why it ranks) of each top-N network.",
    deps=["harm.explanation", "harm.soc_link", "net.edge_evidence", "raw.intel_log"],
    kinds=("duckdb", "html"),
)
def dossier(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    with duckdb.get_connection() as conn:
        written = write_dossiers(conn, cfg)
    out_dir = settings.paths().exports_dir / "dossiers"
    meta = {
        "dossier_dir": dg.MetadataValue.path(str(out_dir)),
        "n_dossiers": len(written),
        "network_ids": dg.MetadataValue.text(", ".join(p.stem for p in written)),
        "includes_handling_c": cfg.dossier_include_handling_c,
    }
    if written:
        meta["top_dossier"] = dg.MetadataValue.url(written[0].resolve().as_uri())
    return dg.MaterializeResult(metadata=meta)


ASSETS = [dossier]
