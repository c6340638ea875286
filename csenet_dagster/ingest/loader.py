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
import polars as pl

from csenet_dagster import db, reference_files
from csenet_dagster.db import SqlFragment, identifier
from csenet_dagster.ingest.config import IngestSettings
from csenet_dagster.ingest.contract import BY_FILE, PERSON_FIELDS, Coded, FileSpec
from csenet_dagster.ingest.delivery import DeliveryError, Manifest, read_header, scan_csv
from csenet_dagster.redact import mask_values

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
    field_issues_by_rule: dict[str, int]


def expression(name: str, **params: object) -> SqlFragment:
    """An SQL expression kept in ``sql/1_ingest/templates/<name>.sql``, filled in for one column."""
    return SqlFragment("(\n" + db.render_sql(f"{SQL}/templates/{name}.sql", params).strip() + "\n)")


def date_expr(column: SqlFragment) -> SqlFragment:
    return expression("date_value", column=column)


def code_expr(column: SqlFragment) -> SqlFragment:
    return expression("code_value", column=column)


def allowed_code_expr(column: SqlFragment, allowed: tuple[str, ...]) -> SqlFragment:
    """A coded value kept only when it is one of ``allowed`` (NULL otherwise)."""
    return expression("allowed_code_value", code=code_expr(column), allowed=allowed)


def format_valid(column: SqlFragment, format_name: str) -> SqlFragment:
    # The offence-code shape is harm's (one definition); other shapes ignore it.
    return expression(f"format_{format_name}", column=column, code_shape=reference_files.CODE_SHAPE)


def future_cutoff(extracted_at: dt.datetime, settings: IngestSettings) -> dt.date:
    """The last date a delivered date may carry: extracted_at's date plus the tolerance."""
    return extracted_at.date() + dt.timedelta(days=settings.future_date_tolerance_days)


def typed_value(spec: FileSpec, column: str, cutoff: dt.date, alias: str = "s") -> SqlFragment:
    """One column as the raw table keeps it: dates parsed (future ones blanked), Y/N flags
    as BOOLEAN, codes normalised (field-level codes blanked when unknown), shaped fields
    blanked when their shape is wrong."""
    coded = {c.column: c for c in spec.coded}
    formats = {f.column: f for f in spec.formats}
    source = SqlFragment(f"{alias}.{identifier(column)}")
    if column in spec.dates:
        return expression("date_not_future", parsed=date_expr(source), cutoff=cutoff)
    if column in spec.flags:
        return expression("flag_value", code=code_expr(source))
    if column in coded:
        if coded[column].field_level:
            return allowed_code_expr(source, coded[column].allowed)
        return code_expr(source)
    if column in formats and formats[column].blank:
        return expression("kept_when_valid", column=source, valid=format_valid(source, formats[column].name))
    return source


def typed_columns(spec: FileSpec, cutoff: dt.date, alias: str = "s", columns: tuple[str, ...] | None = None) -> SqlFragment:
    """The select list of the raw table (``columns``: a subset, in that order)."""
    return SqlFragment(",\n    ".join(
        f"{typed_value(spec, column, cutoff, alias)} AS {identifier(column)}" for column in (columns or spec.columns)
    ))


def _context(delivery_id: str, spec: FileSpec) -> str:
    return f"delivery {delivery_id}: file {spec.file_name}"


def check_header(header: list[str], spec: FileSpec, context: str) -> None:
    """Every contract column present exactly once (order free, extra columns allowed).

    A header cell is named in a message only when it is one of the file's contract
    columns; any other cell may be data (a CSV delivered without its header row
    starts with a record), so it is reported by position.
    """
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen:
            what = f"column {name}" if name in spec.columns else f"header cell {position}"
            raise DeliveryError(
                f"{context}: rule unique_column: {what} repeats header cell {seen[name]}"
            )
        seen[name] = position
    missing = [c for c in spec.columns if c not in seen]
    if missing:
        hint = (
            " (no header cell is a contract column: is the header row missing?)"
            if not any(name in spec.columns for name in header) else ""
        )
        raise DeliveryError(
            f"{context}: rule required_column: column {', '.join(missing)} missing from the header{hint}"
        )


def stage_csv(conn: duckdb.DuckDBPyConnection, path: Path, header: list[str], settings: IngestSettings) -> None:
    columns = SqlFragment("{" + ", ".join(f"{db.literal(name)}: 'VARCHAR'" for name in header) + "}")
    db.run_sql(conn, f"{SQL}/templates/stage_csv.sql", path=str(path), columns=columns, max_line_size=settings.max_line_size)


def _date_params(column: str) -> dict[str, object]:
    """Placeholders of the unparseable-date rules (a quarantine rule for event dates, a field issue for dob)."""
    col = identifier(column)
    return {"column": col, "column_name": column, "parsed": date_expr(col)}


def _code_params(coded: Coded) -> dict[str, object]:
    """Placeholders of the unknown-value rules (a quarantine rule, or a field issue for field-level codes)."""
    return {
        "column_name": coded.column,
        "code": code_expr(identifier(coded.column)),
        "allowed": coded.allowed,
        "allowed_text": ", ".join(coded.allowed),
    }


def apply_rules(conn: duckdb.DuckDBPyConnection, spec: FileSpec) -> None:
    """Fill rule_breach for the staged rows: per-row rules first, then duplicates among the rest."""
    for column in spec.keys:
        db.run_sql(conn, f"{SQL}/templates/rule_missing_key.sql", column=identifier(column), column_name=column)
    for column in spec.dates:
        if column not in spec.field_dates:
            db.run_sql(conn, f"{SQL}/templates/rule_unparseable_date.sql", **_date_params(column))
    for coded in spec.coded:
        if not coded.field_level:
            db.run_sql(conn, f"{SQL}/templates/rule_unknown_value.sql", **_code_params(coded), nullable=coded.nullable)
    if spec.parent:
        column, parent_file = spec.parent
        parent = BY_FILE[parent_file]
        db.run_sql(
            conn,
            f"{SQL}/templates/rule_orphan_row.sql",
            column=identifier(column),
            column_name=column,
            parent_file=parent_file,
            parent_table=SqlFragment(parent.table),
            parent_column=identifier(column),
        )
    if spec.unique_ref:
        db.run_sql(conn, f"{SQL}/templates/rule_duplicate_ref.sql", column=identifier(spec.unique_ref), column_name=spec.unique_ref)


def find_field_issues(conn: duckdb.DuckDBPyConnection, spec: FileSpec, cutoff: dt.date, settings: IngestSettings) -> None:
    """Fill field_breach for the staged rows: fields given but unusable, which the raw table blanks."""
    db.run_sql(conn, f"{SQL}/templates/field_issues_start.sql")
    for column in spec.field_dates:
        db.run_sql(conn, f"{SQL}/templates/field_unparseable_date.sql", **_date_params(column))
    days = settings.future_date_tolerance_days
    for column in spec.dates:
        db.run_sql(
            conn,
            f"{SQL}/templates/field_future_date.sql",
            column_name=column,
            parsed=date_expr(identifier(column)),
            cutoff=cutoff,
            tolerance_text=f"{days} day{'s' if days != 1 else ''}",
        )
    for coded in spec.coded:
        if coded.field_level:
            db.run_sql(conn, f"{SQL}/templates/field_unknown_value.sql", **_code_params(coded))
    for fmt in spec.formats:
        col = identifier(fmt.column)
        db.run_sql(
            conn,
            f"{SQL}/templates/field_invalid_format.sql",
            column=col,
            column_name=fmt.column,
            valid=format_valid(col, fmt.name),
            description=fmt.description,
        )


def record_delivery(conn: duckdb.DuckDBPyConnection, manifest: Manifest) -> None:
    """Make ``manifest``'s (validated) delivery the one being processed: raw.delivery, raw.delivery_file."""
    files = pl.DataFrame(
        {
            "file_name": [f.file_name for f in manifest.files],
            "n_rows": [f.rows for f in manifest.files],
            "sha256": [f.sha256 for f in manifest.files],
        },
        schema={"file_name": pl.String, "n_rows": pl.Int64, "sha256": pl.String},
    )
    with db.registered(conn, manifest_file=files), db.transaction(conn):
        db.run_sql(
            conn,
            f"{SQL}/templates/delivery.sql",
            delivery_id=manifest.delivery_id,
            extracted_at=manifest.extracted_at,
            landing_path=str(manifest.path.resolve()),
            manifest_sha256=manifest.manifest_sha256,
            # Audit only: when it was loaded. Every age uses extracted_at.
            loaded_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0),
        )
        db.run_sql(conn, f"{SQL}/templates/create_tables.sql")


def number_rows(conn: duckdb.DuckDBPyConnection, spec: FileSpec, path: Path, expected_rows: int, context: str) -> None:
    """Give every staged record its data row number (view ``staged``) and list unread records (``unread_row``)."""
    source_columns = SqlFragment(", ".join(f"s.{identifier(c)}" for c in spec.columns))
    parsed = db.row_count(conn, "csv_stage")
    if parsed == expected_rows and db.row_count(conn, "csv_rejects") == 0:
        db.run_sql(conn, f"{SQL}/templates/number_rows_in_order.sql", source_columns=source_columns)
        return
    # Rare path: renumbering around rejected records needs the blank lines' positions.
    blank_lines = scan_csv(path).blank_lines
    with db.registered(conn, blank_line=pl.DataFrame({"line": blank_lines}, schema={"line": pl.Int64})):
        db.run_sql(conn, f"{SQL}/templates/number_rows.sql", expected_rows=expected_rows, source_columns=source_columns)
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


def _check_and_publish(
    conn: duckdb.DuckDBPyConnection,
    spec: FileSpec,
    path: Path,
    expected_rows: int,
    context: str,
    cutoff: dt.date,
    settings: IngestSettings,
    delivery_id: str,
) -> None:
    """Number the staged records, apply the row and field rules, then publish the raw table, its
    quarantine and field issues in one transaction."""
    number_rows(conn, spec, path, expected_rows, context)
    db.run_sql(conn, f"{SQL}/templates/malformed_rows.sql")
    apply_rules(conn, spec)
    find_field_issues(conn, spec, cutoff, settings)
    db.run_sql(conn, f"{SQL}/templates/create_tables.sql")
    with db.transaction(conn):
        db.run_sql(
            conn,
            f"{SQL}/templates/publish_file.sql",
            table=SqlFragment(spec.table),
            typed_columns=typed_columns(spec, cutoff),
            file_name=spec.file_name,
            delivery_id=delivery_id,
        )
        db.run_sql(conn, f"{SQL}/templates/publish_field_issue.sql", file_name=spec.file_name, delivery_id=delivery_id)
        if spec.has_person:
            db.run_sql(
                conn,
                f"{SQL}/templates/publish_quarantined_person.sql",
                file_name=spec.file_name,
                delivery_id=delivery_id,
                person_columns=typed_columns(spec, cutoff, columns=PERSON_FIELDS),
            )


def load_file(conn: duckdb.DuckDBPyConnection, spec: FileSpec, settings: IngestSettings) -> LoadResult:
    """Load ``spec``'s file of the current delivery into ``spec.table`` and its bad rows into raw.quarantine.

    Raises DeliveryError (nothing written) when the file as a whole breaks the contract.
    """
    delivery_id, path, expected_rows, sha256 = delivered_file(conn, spec.file_name)
    context = _context(delivery_id, spec)
    extracted_at = conn.sql("SELECT extracted_at FROM raw.delivery").fetchall()[0][0]
    cutoff = future_cutoff(extracted_at, settings)
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
    try:
        _check_and_publish(conn, spec, path, expected_rows, context, cutoff, settings, delivery_id)
    except duckdb.Error as exc:
        # Database errors quote the value they failed on: keep only names (redact.mask_values).
        first_line = (str(exc).splitlines() or [""])[0]
        raise DeliveryError(
            f"{context}: rule load_failed: the database failed loading the file "
            f"({type(exc).__name__}: {mask_values(first_line)})"
        ) from None
    by_rule = dict(
        conn.sql(
            "SELECT rule, count(*) FROM raw.quarantine "
            f"WHERE file_name = {db.literal(spec.file_name)} GROUP BY rule ORDER BY rule"
        ).fetchall()
    )
    field_issues = dict(
        conn.sql(
            "SELECT rule, count(*) FROM raw.field_issue "
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
        field_issues_by_rule={rule: int(n) for rule, n in field_issues.items()},
    )
