"""Reading analysts' corrections files ($CSENET_CORRECTIONS_DIR/*.csv).

Both kinds of correction (identity.csv for resolve, links.csv for network)
are small CSVs kept outside deliveries and validated strictly: a correction
silently ignored would put back in front of analysts something they rejected.
Errors name the file, the row (1-based data row) and the rule, never a value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path


class CorrectionsError(ValueError):
    """A corrections file or row breaks a rule."""


def parse_decided_at(text: str) -> dt.datetime | None:
    """ISO date/time (UTC when zoned) or DD/MM/YYYY; None when neither."""
    text = text.strip()
    for parse in (dt.datetime.fromisoformat, lambda t: dt.datetime.strptime(t, "%d/%m/%Y")):
        try:
            value = parse(text.replace("Z", "+00:00"))
        except ValueError:
            continue
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    return None


# Longest field accepted (characters). A reason is a sentence or two; anything far
# longer is an unclosed quote, a pasted document or an attack, never a decision.
MAX_FIELD_CHARS = 2000
# Largest corrections file read (bytes): thousands of decisions fit many times over.
MAX_FILE_BYTES = 20_000_000


def _line_of(data: bytes, offset: int) -> int:
    """1-based physical line holding byte ``offset``."""
    return data.count(b"\n", 0, offset) + 1


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        line = _line_of(data, start)
        where = "header" if line == 1 else f"row {line - 1}"
        raise CorrectionsError(
            f"{path.name} {where}: rule utf8: not valid UTF-8 (byte {start} of the file)"
        ) from None


def _split_lines(path: Path, text: str) -> list[str]:
    """The file's physical lines; each must hold one whole record (line endings \\n or \\r\\n)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for line_no, line in enumerate(lines, start=1):
        line = line[:-1] if line.endswith("\r") else line
        if "\r" in line:
            where = "header" if line_no == 1 else f"row {line_no - 1}"
            raise CorrectionsError(f"{path.name} {where}: rule one_record_per_line: stray carriage return")
        out.append(line)
    return out


def _parse_line(path: Path, where: str, line: str) -> list[str]:
    """One record of one physical line, RFC 4180 quoting parsed strictly.

    A quote that is not closed on its own line is an error: read leniently it
    would swallow the rows after it into one field, and those decisions would
    be lost without a word.
    """
    fields: list[str] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"':
            value, i = [], i + 1
            while True:
                j = line.find('"', i)
                if j < 0:
                    raise CorrectionsError(
                        f"{path.name} {where}: rule quoting: a quoted field is not closed on its line "
                        "(a field may not span lines)"
                    )
                value.append(line[i:j])
                if j + 1 < n and line[j + 1] == '"':
                    value.append('"')
                    i = j + 2
                    continue
                i = j + 1
                break
            if i < n and line[i] != ",":
                raise CorrectionsError(
                    f"{path.name} {where}: rule quoting: text after the closing quote of field {len(fields) + 1}"
                )
            fields.append("".join(value))
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            value = line[i:j]
            if '"' in value:
                raise CorrectionsError(
                    f"{path.name} {where}: rule quoting: a quote inside unquoted field {len(fields) + 1}"
                )
            fields.append(value)
            i = j
        if i >= n:
            return fields
        i += 1  # the comma
        if i == n:
            fields.append("")
            return fields


def read_rows(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row_no, {column: stripped value}) for each non-blank data row.

    The whole file is read and its structure validated before any row is
    returned (UTF-8, one record per line with strict quoting, field counts,
    field sizes), so a caller never applies part of a broken file. Header
    names are matched case-insensitively; extra columns are ignored. Errors
    name the file, the row (1-based data row = physical line - 1) and the
    rule, never a value.
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CorrectionsError(f"{path.name}: rule file_size: {size} bytes, more than {MAX_FILE_BYTES}")
    lines = _split_lines(path, _decode(path, path.read_bytes()))
    if not lines:
        return iter(())
    names = [h.strip().lower() for h in _parse_line(path, "header", lines[0])]
    for position, name in enumerate(names, start=1):
        if len(name) > MAX_FIELD_CHARS:
            raise CorrectionsError(f"{path.name} header: rule field_size: column {position} longer than {MAX_FIELD_CHARS} characters")
    repeated = sorted({c for c in columns if names.count(c) > 1})
    if repeated:
        raise CorrectionsError(f"{path.name}: header repeats column(s) {', '.join(repeated)}")
    missing = [c for c in columns if c not in names]
    if missing:
        raise CorrectionsError(f"{path.name}: header lacks column(s) {', '.join(missing)}")
    index = {c: names.index(c) for c in columns}
    rows: list[tuple[int, dict[str, str]]] = []
    for row_no, line in enumerate(lines[1:], start=1):
        if not line.strip():
            continue
        where = f"row {row_no}"
        row = _parse_line(path, where, line)
        if len(row) != len(names):
            raise CorrectionsError(f"{path.name} {where}: has {len(row)} fields, header has {len(names)}")
        for position, cell in enumerate(row):
            if len(cell) > MAX_FIELD_CHARS:
                column = names[position] if names[position] in index else f"{position + 1}"
                raise CorrectionsError(
                    f"{path.name} {where}: rule field_size: column {column} longer than {MAX_FIELD_CHARS} characters"
                )
            if any(ord(ch) < 32 and ch != "\t" for ch in cell):
                column = names[position] if names[position] in index else f"{position + 1}"
                raise CorrectionsError(f"{path.name} {where}: rule control_character: column {column}")
        rows.append((row_no, {c: row[i].strip() for c, i in index.items()}))
    return iter(rows)
