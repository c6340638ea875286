"""A short, person-free summary of the published analyst.duckdb (for `csenet run` / `csenet summary`)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from csenet_dagster import db


def analyst_summary(path: Path) -> list[str]:
    """Lines describing the published run: delivery, row counts, quarantine, location."""
    if not path.exists():
        return [f"No analyst database at {path} yet: run `csenet run` first."]
    conn = duckdb.connect(str(path), read_only=True, config=dict(db.CONNECTION_CONFIG))
    try:
        run_id, delivery_id, extracted_at, ran_at, code_version = conn.sql(
            "SELECT run_id, delivery_id, extracted_at, ran_at, code_version FROM run"
        ).fetchall()[0]
        tables = [
            row[0]
            for row in conn.sql(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        counts = {table: db.row_count(conn, table) for table in tables}
        quarantine = (
            conn.sql(
                "SELECT file_name, rule, count(*) FROM quarantine GROUP BY file_name, rule ORDER BY file_name, rule"
            ).fetchall()
            if "quarantine" in tables
            else []
        )
    finally:
        conn.close()
    lines = [
        f"Delivery {delivery_id} (extracted {extracted_at:%Y-%m-%d %H:%M} UTC), "
        f"published {ran_at:%Y-%m-%d %H:%M:%S} UTC by run {run_id}, code {code_version}",
        f"Analyst database: {path}",
        "Tables (rows):",
    ]
    width = max(len(t) for t in tables)
    lines += [f"  {table:<{width}}  {counts[table]:>10,}" for table in tables]
    total_quarantined = sum(n for _, _, n in quarantine)
    lines.append(f"Quarantined rows: {total_quarantined:,}" + (" (by file and rule in table quarantine)" if quarantine else ""))
    by_file: dict[str, list[str]] = {}
    for file_name, rule, n in quarantine:
        by_file.setdefault(file_name, []).append(f"{rule} {n:,}")
    lines += [f"  {file_name}: {', '.join(rules)}" for file_name, rules in by_file.items()]
    return lines
