"""Network dossiers: one printable HTML page per top-priority network.

Each page shows why the network ranks where it does (the explanation's parts),
a link chart (igraph layout, matplotlib drawing, PNG embedded), members with
centrality and harm, OCG links, a timeline and the evidence list. Pages go to
``$CSENET_WAREHOUSE_DIR/exports/dossiers/<network_id>.html`` (owner-only);
the asset's metadata carry the folder and network ids only.
"""

from __future__ import annotations

import base64
import datetime as dt
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

from csenet_dagster import assets_common, db, files, safe_text, settings  # noqa: E402
from csenet_dagster.network import shareable  # noqa: E402
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
# The page says which picture it shows, in words that are the same whatever the
# delivery held: a count of what was left out would itself be derived from C intelligence.
HANDLING_NOTE_SHAREABLE = (
    "This page is the shareable picture: intelligence with handling code C (sharing with conditions) and "
    "everything derived from it are left out, so members, links, dates, counts, harm, score and rank are "
    "computed without it (rank among the networks of that picture). analyst.duckdb holds the full picture "
    "(setting harm.dossier_include_handling_c).")
HANDLING_NOTE_FULL = (
    "Intelligence with handling code C (sharing with conditions) IS included on this page: observe its "
    "handling conditions.")
# PNGs without a software/version stamp, so the same data draws the same bytes.
PNG_METADATA = {"Software": None}


CHART_LABEL_MODES = ("names", "ids")
TIMELINE_KINDS = ("crime", "missing", "intel", "arrest", "link")
TIMELINE_COLOURS = {"crime": "#c00000", "missing": "#17becf", "intel": "#2ca02c", "arrest": "#ff7f0e", "link": "#7f7f7f"}


def _e(value) -> str:
    """Every delivered or derived value on the page: control characters escaped, HTML escaped."""
    return safe_text.html_text(value)


def short_name(forenames, surname) -> str:
    """'J. SMITH' from forenames 'John Paul' and surname 'Smith' (chart labels stay short)."""
    initial = (str(forenames).strip()[:1].upper() + ". ") if forenames and str(forenames).strip() else ""
    return safe_text.free_text(f"{initial}{(surname or '').strip().upper()}").strip()


def chart_labels(names: list[dict], mode: str) -> dict[str, str]:
    """nominal_id -> label drawn on the chart: short name over the id, or the id only."""
    if mode not in CHART_LABEL_MODES:
        raise ValueError(f"setting harm.dossier_chart_labels must be one of {CHART_LABEL_MODES}, not {mode!r}")
    labels = {}
    for n in names:
        short = short_name(n.get("forenames"), n.get("surname")) if mode == "names" else ""
        labels[n["nominal_id"]] = f"{short}\n{n['nominal_id']}" if short else n["nominal_id"]
    return labels


def drawn_member_centrality(members: list[dict], edges: list[dict]) -> dict[str, dict]:
    """Degree, betweenness and PageRank of each member over the member links drawn on the page.

    Over the member links of the picture the page is written from (the shareable one by
    default: no handling-code-C intelligence), they equal the network stage's within-network
    measures of that picture (same weights, lengths 1 / weight)."""
    ids = sorted(m["nominal_id"] for m in members)
    index = {n: i for i, n in enumerate(ids)}
    pair_weight: dict[tuple[int, int], float] = {}
    for e in edges:
        a, b = e["nominal_id_a"], e["nominal_id_b"]
        if a in index and b in index:
            key = (index[a], index[b])
            pair_weight[key] = pair_weight.get(key, 0.0) + float(e["weight"] or 0.0)
    pairs = sorted(pair_weight)
    graph = ig.Graph(n=len(ids), edges=pairs)
    weights = [pair_weight[p] for p in pairs]
    if pairs:
        betweenness = graph.betweenness(weights=[1.0 / w if w > 0 else 1e9 for w in weights])
        pagerank = graph.pagerank(weights=weights)
    else:
        betweenness, pagerank = [0.0] * len(ids), [1.0 / len(ids) if ids else 0.0] * len(ids)
    return {n: {"degree": graph.degree(i), "betweenness": round(betweenness[i], 10), "pagerank": round(pagerank[i], 10)}
            for n, i in index.items()}


def _query(conn: duckdb.DuckDBPyConnection, name: str, **params) -> list[dict]:
    rel = conn.sql(db.render_sql(f"4_harm/{name}", params))
    columns = rel.columns
    return [dict(zip(columns, row)) for row in rel.fetchall()]


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata=PNG_METADATA)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def link_chart(members: list[dict], edges: list[dict], ocg_nominals: set[str], seed: int,
               labels: dict[str, str] | None = None) -> str:
    """The network's link chart as a base64 PNG (deterministic for a given seed);
    nodes carry ``labels`` (nominal_id -> text), the nominal_id where none is given."""
    labels = labels or {}
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
        # "$" would start matplotlib mathtext (and an unbalanced one fails the page): drawn literally
        ax.annotate(labels.get(n, n).replace("$", r"\$"), (x, y), xytext=(0, 9), textcoords="offset points", ha="center",
                    va="bottom", fontsize=7, zorder=3, linespacing=1.0)
    for link_type in sorted({e["link_type"] for e in edges}):
        ax.plot([], [], color=LINK_COLOURS.get(link_type, "#333333"), linewidth=2, label=link_type.lower().replace("_", " "))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_axis_off()
    return _png(fig)


def _node_kind(nominal_id: str, role: dict[str, str], ocg_nominals: set[str]) -> str:
    if nominal_id in role:
        return role[nominal_id] if role[nominal_id] in NODE_STYLE else "ASSOCIATE"
    return "OCG" if nominal_id in ocg_nominals else "OUTSIDE"


def timeline_chart(events: list[dict], as_of=None, active_window_days: int | None = None) -> str:
    """A timeline of the evidence (base64 PNG): one lane per kind of event (crime,
    missing episode, intelligence log, arrest, first sighting of a link), one mark
    per event at its date, so bursts, gaps and the order of events can be read off. With
    ``as_of`` (the delivery's extracted_at) the active window before it is shaded."""
    kinds = [k for k in TIMELINE_KINDS if any(e["event_kind"] == k for e in events)] or ["crime"]
    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.45 * len(kinds)))
    fig.subplots_adjust(left=0.1, right=0.99, top=0.85 if len(kinds) < 3 else 0.88, bottom=0.3 if len(kinds) < 3 else 0.2)
    for lane, kind in enumerate(kinds):
        dates = [e["event_date"] for e in events if e["event_kind"] == kind]
        ax.scatter(dates, [lane] * len(dates), marker="|", s=220, linewidths=1.6,
                   color=TIMELINE_COLOURS[kind], zorder=2)
    if as_of is not None and active_window_days:
        end = as_of.date() if hasattr(as_of, "date") else as_of
        ax.axvspan(end - dt.timedelta(days=int(active_window_days)), end, color="#fff2cc", zorder=0)
        ax.set_title(f"shaded: the active window, {int(active_window_days)} days to {end.isoformat()}",
                     fontsize=7, loc="left")
    ax.set_yticks(range(len(kinds)))
    ax.set_yticklabels(kinds, fontsize=8)
    ax.set_ylim(-0.6, len(kinds) - 0.4)
    ax.invert_yaxis()
    ax.grid(axis="x", color="#dddddd", zorder=0)
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
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


def _grading(v: dict) -> str:
    """3x5x2 grading of an intelligence item, e.g. '1B P'; empty for other evidence."""
    grade = f"{v.get('source_eval') or ''}{v.get('intel_eval') or ''}"
    return f"{grade} {v.get('handling') or ''}".strip()


def member_reasons(conn: duckdb.DuckDBPyConnection, network_id: str) -> dict[str, str]:
    """nominal_id -> "REASON: refs; ..." (from the picture the page is written from)."""
    out: dict[str, list[str]] = {}
    for r in _query(conn, "dossier/member_reasons.sql", network_id=network_id):
        text = ", ".join(x for x in (r["source_refs"] or "").split(",") if x)
        label = r["reason"] if r["admits"] else f"{r['reason']} (context)"
        out.setdefault(r["nominal_id"], []).append(f"{label}: {text}")
    return {k: "; ".join(v) for k, v in out.items()}


def render_network(conn: duckdb.DuckDBPyConnection, network_id: str, cfg: config.HarmSettings) -> str:
    """The HTML page of one network."""
    info = _query(conn, "dossier/header.sql", network_id=network_id)[0]
    delivery = conn.sql("SELECT delivery_id, extracted_at FROM raw.delivery").fetchall()[0]
    members = _query(conn, "dossier/members.sql", network_id=network_id)
    why = member_reasons(conn, network_id)
    for m in members:
        m["why"] = why.get(m["nominal_id"], "")
    edges = _query(conn, "dossier/edges.sql", network_id=network_id)
    events = _query(conn, "dossier/timeline.sql", network_id=network_id)
    evidence = _query(conn, "dossier/evidence.sql", network_id=network_id)
    explanation = [tuple(r.values()) for r in _query(conn, "dossier/explanation.sql", network_id=network_id)]
    soc = [tuple(r.values()) for r in _query(conn, "dossier/soc_link.sql", network_id=network_id)]
    ocg_nominals = {r["ocg_nominal_id"] for r in _query(conn, "dossier/ocg_nominal.sql", network_id=network_id)}
    neighbours = [tuple(r.values()) for r in _query(conn, "dossier/neighbours.sql", priority_rank=int(info["priority_rank"]))]
    labels = chart_labels(_query(conn, "dossier/names.sql", network_id=network_id), cfg.dossier_chart_labels)
    # member measures recounted over the links drawn on this page
    drawn = drawn_member_centrality(members, edges)
    for m in members:
        m.update(drawn.get(m["nominal_id"], {}))
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
    # a new link is listed only when it is drawn
    drawn_links = {f"{e['nominal_id_a']}|{e['nominal_id_b']}|{e['link_type']}" for e in edges}
    changes = [r for r in explanation if r[0] == "CHANGE" and (r[1] != "NEW_LINK" or r[3] in drawn_links)]
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
    handling_note = HANDLING_NOTE_FULL if cfg.dossier_include_handling_c else HANDLING_NOTE_SHAREABLE
    evidence_rows = _rows([[v["event_date"], v["link_type"], f"{v['nominal_id_a']} - {v['nominal_id_b']}",
                            f"{v['role_a'] or ''} / {v['role_b'] or ''}", v["source_file"], v["source_ref"],
                            _grading(v), v["outcome"], v["detail"]] for v in evidence])
    values = {
        "marking": _e(cfg.dossier_marking),
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
        "chart_png": link_chart(members, edges, ocg_nominals, cfg.dossier_layout_seed, labels),
        "chart_label_note": _e("People are labelled by short name over their nominal id."
                               if cfg.dossier_chart_labels == "names" else "People are labelled by nominal id only."),
        "member_rows": member_rows,
        "soc_block": soc_block,
        "timeline_png": timeline_chart(events, delivery[1], cfg.active_window_days),
        "timeline_rows": _rows([[e["event_date"], e["event_kind"], e["ref"], e["what"]] for e in events]),
        "handling_note": _e(handling_note),
        "evidence_rows": evidence_rows,
    }
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)


def write_dossiers(conn: duckdb.DuckDBPyConnection, cfg: config.HarmSettings, out_dir: Path | None = None) -> list[Path]:
    """Write the top-N networks' pages, replacing the previous run's; returns the paths."""
    if out_dir is None:
        out_dir = files.private_dir(settings.paths().exports_dir) / "dossiers"
    files.private_dir(out_dir)  # pages name members and cite intelligence
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
        written.append(files.write_private_file(path, lambda temp: temp.write_text(page, encoding="utf-8")))
    return written


@assets_common.stage_asset(
    "harm.dossier",
    group=GROUP,
    description=(
        "Printable HTML dossier (link chart, members, timeline, evidence, why it ranks) of each top-N network "
        "of the shareable picture (harm/shareable: nothing derived from handling-code-C intelligence) unless "
        "the setting harm.dossier_include_handling_c asks for the full one."
    ),
    deps=["harm.shareable", "harm.explanation", "harm.soc_link", "harm.soc_link_path", "harm.network_crime",
          "harm.network_missing", "net.edge_evidence", "net.member_reason", "raw.intel_log"],
    kinds=("duckdb", "html"),
)
def dossier(duckdb: DuckDBResource) -> dg.MaterializeResult:
    cfg = config.load()
    # the shareable picture (harm/shareable) unless the setting asks for the full one
    with duckdb.get_connection() as conn, shareable.picture(conn, cfg.dossier_include_handling_c):
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
