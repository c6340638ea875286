"""Stable network ids ('CSE' + 5 digits) across runs.

A network inherits the id of the previously PUBLISHED network it shares most
members with (greedy one-to-one matching, largest overlap first, ties broken
by ids); any other network gets the next number after the highest id ever
published. The previous run is read from analyst.duckdb, read-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from csenet_dagster import db

NETWORK_ID = re.compile(r"^CSE(\d{5})$")


@dataclass(frozen=True)
class NetworkId:
    network_id: str
    id_status: str  # 'kept' | 'new'
    previous_overlap: int


def previous_networks(analyst_db: Path) -> tuple[dict[str, set[str]], int]:
    """(previous network_id -> member nominal_ids, highest id number ever issued)."""
    if not analyst_db.exists():
        return {}, 0
    conn = db.connect(analyst_db, read_only=True)
    try:
        tables = {row[0] for row in conn.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        members: dict[str, set[str]] = {}
        if "network_member" in tables:
            for network_id, nominal_id in conn.sql(
                "SELECT network_id, nominal_id FROM network_member ORDER BY network_id, nominal_id"
            ).fetchall():
                members.setdefault(network_id, set()).add(nominal_id)
        ids = set(members)
        if "network" in tables:
            ids |= {row[0] for row in conn.sql("SELECT network_id FROM network").fetchall()}
        # The published high-water mark remembers ids of networks that have since vanished.
        declared = 0
        if "id_watermark" in tables:
            declared = int(
                db.scalar(conn, "SELECT coalesce(max(max_issued), 0) FROM id_watermark WHERE kind = 'network'") or 0
            )
    except duckdb.Error as exc:
        raise RuntimeError(f"previous analyst.duckdb cannot be read for network ids: {type(exc).__name__}") from exc
    finally:
        conn.close()
    numbers = [int(m.group(1)) for i in ids if i and (m := NETWORK_ID.match(i))]
    return members, max([declared, *numbers])


def assign_network_ids(
    networks: list[list[str]], previous: dict[str, set[str]], highest_previous: int
) -> list[NetworkId]:
    """One id per network, in the order given (networks as nominal_id lists)."""
    candidates = []
    for index, members in enumerate(networks):
        member_set = set(members)
        for old_id, old_members in previous.items():
            overlap = len(member_set & old_members)
            if overlap:
                candidates.append((-overlap, min(members), old_id, index))
    assigned: dict[int, NetworkId] = {}
    used: set[str] = set()
    for negative_overlap, _, old_id, index in sorted(candidates):
        if index in assigned or old_id in used:
            continue
        assigned[index] = NetworkId(old_id, "kept", -negative_overlap)
        used.add(old_id)
    next_number = highest_previous
    result = []
    for index in range(len(networks)):
        if index not in assigned:
            next_number += 1
            if next_number > 99999:
                raise RuntimeError("network ids exhausted (CSE + 5 digits)")
            assigned[index] = NetworkId(f"CSE{next_number:05d}", "new", 0)
        result.append(assigned[index])
    return result


def ledger_watermark(conn: duckdb.DuckDBPyConnection) -> int:
    """Highest network id number issued according to the resolve stage's watermark
    (er.previous_id_watermark: the previous published file *and* the pipeline's own
    ledger audit.id_ledger), so network ids are not reused after analyst.duckdb is lost."""
    tables = {
        row[0]
        for row in conn.sql(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        ).fetchall()
    }
    found = 0
    if "er.previous_id_watermark" in tables:
        found = db.scalar(conn, "SELECT max(max_issued) FROM er.previous_id_watermark WHERE kind = 'network'") or 0
    if "audit.id_ledger" in tables:
        found = max(found, db.scalar(conn, "SELECT max(max_issued) FROM audit.id_ledger WHERE kind = 'network'") or 0)
    return int(found)
