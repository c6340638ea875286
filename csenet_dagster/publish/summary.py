"""A short, person-free summary of the published analyst.duckdb (for `csenet run` / `csenet summary`)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from csenet_dagster import db
from csenet_dagster.safe_text import format_share


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
        fallback = (
            conn.sql(
                "SELECT count(*) FILTER (WHERE offence_code IS NOT NULL), coalesce(sum(n_rows), 0), "
                "coalesce(sum(share_of_crime_harm), 0), coalesce(sum(share_of_recent_harm), 0), "
                "coalesce(sum(n_rows) FILTER (WHERE offence_code IS NULL), 0) FROM unknown_offence_code"
            ).fetchall()[0]
            if "unknown_offence_code" in tables
            else None
        )
        run_columns = {row[0] for row in conn.sql("DESCRIBE run").fetchall()}
        reference_files = (
            conn.sql("SELECT reference_files FROM run").fetchall()[0][0] if "reference_files" in run_columns else None
        )
        quarantine = (
            conn.sql(
                "SELECT file_name, rule, count(*) FROM quarantine GROUP BY file_name, rule ORDER BY file_name, rule"
            ).fetchall()
            if "quarantine" in tables
            else []
        )
        blanked = (
            conn.sql("SELECT rule, count(*) FROM field_issue GROUP BY rule ORDER BY rule").fetchall()
            if "field_issue" in tables
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
    if blanked:
        lines.append(
            f"Blanked fields (row loaded): {sum(n for _, n in blanked):,} "
            f"({', '.join(f'{rule} {n:,}' for rule, n in blanked)}; by file, row and column in table field_issue)"
        )
    lines += fallback_lines(fallback)
    if reference_files:
        lines.append("Reference files: " + "; ".join(
            f"{f['kind']} {f['file_name']} ({f['version']}, sha256 {f['sha256'][:12]})" for f in json.loads(reference_files)
        ))
    return lines


def fallback_lines(fallback: tuple | None) -> list[str]:
    """How much of the crime harm rests on fallback weights (counts only: codes may be hostile text)."""
    if fallback is None:
        return []
    n_codes, n_rows, share, recent_share, n_no_code = fallback
    if not n_rows:
        return ["Offence codes: every delivered code has its own harm weight (no fallback weights)"]
    lines = [
        f"Offence codes outside the weights: {n_codes:,} ({n_rows - n_no_code:,} rows) took fallback weights; "
        f"{format_share(share)} of crime harm ({format_share(recent_share)} of recent harm) rests on them (table unknown_offence_code)"
    ]
    if n_no_code:
        lines.append(f"  rows without an offence code (no harm counted): {n_no_code:,}")
    return lines
