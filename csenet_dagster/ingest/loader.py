"""Loading one delivered CSV into its typed raw table, quarantining bad rows.

The contract's rules (``contract.FileSpec``) are applied by the generic SQL in
``sql/1_ingest/``; this module only names the columns each rule applies to.
Everything is set-based in DuckDB. Errors name the file, column and rule only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from csenet_dagster import db
from csenet_dagster.db import SqlFragment, identifier
from csenet_dagster.ingest.config import IngestSettings
from csenet_dagster.ingest.contract import BY_FILE, SEX, FileSpec
from csenet_dagster.ingest.delivery import DeliveryError, Manifest, read_header, scan_csv

SQL = "1_ingest"


@dataclass(frozen=True)
class LoadResult:
    delivery_id: str
    file_name: str
    path: Path
    sha256: str
    rows_in_file: int
    rows_loaded: int
    rows_quarantined: int
    quarantine_by_rule: dict[str, int]


def expression(name: str, **params: object) -> SqlFragment:
    """An SQL expression kept in ``sql/1_ingest/<name>.sql``, filled in for one column."""
    return SqlFragment("(\n" + db.render_sql(f"{SQL}/{name}.sql", params).strip() + "\n)")


def date_expr(column: SqlFragment) -> SqlFragment:
    return expression("date_value", column=column)


def code_expr(column: SqlFragment) -> SqlFragment:
    return expression("code_value", column=column)


def allowed_code_expr(column: SqlFragment, allowed: tuple[str, ...]) -> SqlFragment:
    """A coded value kept only when it is one of ``allowed`` (NULL otherwise)."""
    return expression("allowed_code_value", code=code_expr(column), allowed=allowed)


def typed_columns(spec: FileSpec, alias: str = "s") -> SqlFragment:
    """The select list of the raw table: dates parsed, Y/N flags as BOOLEAN, codes normalised."""
    coded = {c.column for c in spec.coded}
    items = []
    for column in spec.columns:
        source = SqlFragment(f"{alias}.{identifier(column)}")
        if column in spec.dates:
            value = date_expr(source)
        elif column in spec.flags:
            value = expression("flag_value", code=code_expr(source))
        elif column in coded:
            value = code_expr(source)
        else:
            value = source
        items.append(f"{value} AS {identifier(column)}")
    return SqlFragment(",\n    ".join(items))


def _context(delivery_id: str, spec: FileSpec) -> str:
    return f"delivery {delivery_id}: file {spec.file_name}"


def check_header(header: list[str], spec: FileSpec, context: str) -> None:
    """Every contract column present exactly once (order free, extra columns allowed)."""
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DeliveryError(f"{context}: rule unique_column: column {name} appears twice in the header")
        seen.add(name)
    missing = [c for c in spec.columns if c not in seen]
    if missing:
        raise DeliveryError(f"{context}: rule required_column: column {', '.join(missing)} missing from the header")


def stage_csv(conn: duckdb.DuckDBPyConnection, path: Path, header: list[str], settings: IngestSettings) -> None:
    columns = SqlFragment("{" + ", ".join(f"{db.literal(name)}: 'VARCHAR'" for name in header) + "}")
    db.run_sql(conn, f"{SQL}/stage_csv.sql", path=str(path), columns=columns, max_line_size=settings.max_line_size)


def apply_rules(conn: duckdb.DuckDBPyConnection, spec: FileSpec) -> None:
    """Fill rule_breach for the staged rows: per-row rules first, then duplicates among the rest."""
    for column in spec.keys:
        db.run_sql(conn, f"{SQL}/rule_missing_key.sql", column=identifier(column), column_name=column)
    for column in spec.dates:
        col = identifier(column)
        db.run_sql(conn, f"{SQL}/rule_unparseable_date.sql", column=col, column_name=column, parsed=date_expr(col))
    for coded in spec.coded:
        col = identifier(coded.column)
        db.run_sql(
            conn,
            f"{SQL}/rule_unknown_value.sql",
            column_name=coded.column,
            code=code_expr(col),
            allowed=coded.allowed,
            allowed_text=", ".join(coded.allowed),
            nullable=coded.nullable,
        )
    if spec.parent:
        column, parent_file = spec.parent
        parent = BY_FILE[parent_file]
        db.run_sql(
            conn,
            f"{SQL}/rule_orphan_row.sql",
            column=identifier(column),
            column_name=column,
            parent_file=parent_file,
            parent_table=SqlFragment(parent.table),
            parent_column=identifier(column),
        )
    if spec.unique_ref:
        db.run_sql(conn, f"{SQL}/rule_duplicate_ref.sql", column=identifier(spec.unique_ref), column_name=spec.unique_ref)


def record_delivery(conn: duckdb.DuckDBPyConnection, manifest: Manifest) -> None:
    """Make ``manifest``'s (validated) delivery the one being processed: raw.delivery, raw.delivery_file."""
    files = pa.table(
        {
            "file_name": [f.file_name for f in manifest.files],
            "n_rows": pa.array([f.rows for f in manifest.files], type=pa.int64()),
            "sha256": [f.sha256 for f in manifest.files],
        }
    )
    conn.register("manifest_file", files)
    with db.transaction(conn):
        db.run_sql(
            conn,
            f"{SQL}/delivery.sql",
            delivery_id=manifest.delivery_id,
            extracted_at=manifest.extracted_at,
            landing_path=str(manifest.path.resolve()),
            manifest_sha256=manifest.manifest_sha256,
            # Audit only: when it was loaded. Every age uses extracted_at.
            loaded_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0),
        )
        db.run_sql(conn, f"{SQL}/create_tables.sql")
    conn.unregister("manifest_file")


def number_rows(conn: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path, expected_rows: int, context: str) -> None:
    """Give every staged record its data row number (view ``staged``) and list unread records (``unread_row``)."""
    source_columns = SqlFragment(", ".join(f"s.{identifier(c)}" for c in spec.columns))
    parsed = db.row_count(conn, "csv_stage")
    if parsed == expected_rows and db.row_count(conn, "csv_rejects") == 0:
        db.run_sql(conn, f"{SQL}/number_rows_in_order.sql", source_columns=source_columns)
        return
    # Rare path: renumbering around rejected records needs the blank lines' positions.
    blank_lines = scan_csv(path).blank_lines
    conn.register("blank_line", pa.table({"line": pa.array(blank_lines, type=pa.int64())}))
    db.run_sql(conn, f"{SQL}/number_rows.sql", expected_rows=expected_rows, source_columns=source_columns)
    numbered = db.row_count(conn, "free_row_no")
    if parsed > numbered:
        raise DeliveryError(
            f"{context}: rule row_count_match: the CSV reader found {parsed} good records, more than the "
            f"{numbered} of the manifest's {expected_rows} rows left after {expected_rows - numbered} rejected"
        )


def delivered_file(conn: duckdb.DuckDBPyConnection, file_name: str) -> tuple[str, Path, int, str]:
    """(delivery_id, path, rows, sha256) of ``file_name`` in the delivery recorded in raw.delivery."""
    rows = conn.sql(
        "SELECT d.delivery_id, d.landing_path, f.\"rows\", f.sha256 "
        "FROM raw.delivery d JOIN raw.delivery_file f ON f.delivery_id = d.delivery_id "
        f"WHERE f.file_name = {db.literal(file_name)}"
    ).fetchall()
    if not rows:
        raise DeliveryError(f"file {file_name}: rule contract_file_named: not in raw.delivery_file (ingest raw/delivery first)")
    delivery_id, landing_path, n_rows, sha256 = rows[0]
    return delivery_id, Path(landing_path) / file_name, int(n_rows), sha256


def load_file(conn: duckdb.DuckDBPyConnection, spec: FileSpec, settings: IngestSettings) -> LoadResult:
    """Load ``spec``'s file of the current delivery into ``spec.table`` and its bad rows into raw.quarantine.

    Raises DeliveryError (nothing written) when the file as a whole breaks the contract.
    """
    delivery_id, path, expected_rows, sha256 = delivered_file(conn, spec.file_name)
    context = _context(delivery_id, spec)
    if not path.is_file():
        raise DeliveryError(f"{context}: rule file_present: missing from the landing folder")
    header = read_header(path, context)
    check_header(header, spec, context)

    # Staging lives in temp tables of this connection; only publishing touches
    # the database, in one transaction (the raw table and its quarantine together).
    try:
        stage_csv(conn, path, header, settings)
    except duckdb.Error as exc:
        # The reader's own message can quote row content: report only its kind.
        hint = " (mixed line endings?)" if "invalid state" in str(exc) else ""
        raise DeliveryError(
            f"{context}: rule csv_readable: the CSV reader failed{hint} ({type(exc).__name__})"
        ) from None
    number_rows(conn, spec, path, expected_rows, context)
    db.run_sql(conn, f"{SQL}/malformed_rows.sql")
    apply_rules(conn, spec)
    db.run_sql(conn, f"{SQL}/create_tables.sql")
    with db.transaction(conn):
        db.run_sql(
            conn,
            f"{SQL}/publish_file.sql",
            table=SqlFragment(spec.table),
            typed_columns=typed_columns(spec),
            file_name=spec.file_name,
            delivery_id=delivery_id,
        )
        if spec.has_person:
            db.run_sql(
                conn,
                f"{SQL}/publish_quarantined_person.sql",
                file_name=spec.file_name,
                delivery_id=delivery_id,
                dob=date_expr(SqlFragment("s.dob")),
                sex=allowed_code_expr(SqlFragment("s.sex"), SEX.allowed),
            )
    by_rule = dict(
        conn.sql(
            "SELECT rule, count(*) FROM raw.quarantine "
            f"WHERE file_name = {db.literal(spec.file_name)} GROUP BY rule ORDER BY rule"
        ).fetchall()
    )
    quarantined = db.scalar(
        conn, f"SELECT count(DISTINCT row_no) FROM raw.quarantine WHERE file_name = {db.literal(spec.file_name)}"
    )
    return LoadResult(
        delivery_id=delivery_id,
        file_name=spec.file_name,
        path=path,
        sha256=sha256,
        rows_in_file=expected_rows,
        rows_loaded=db.row_count(conn, spec.table),
        rows_quarantined=int(quarantined),
        quarantine_by_rule={rule: int(n) for rule, n in by_rule.items()},
    )
