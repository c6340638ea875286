"""Reading analysts' corrections files ($CSENET_CORRECTIONS_DIR/*.csv).

Both kinds of correction (identity.csv for resolve, links.csv for network)
are small CSVs kept outside deliveries and validated strictly: a correction
silently ignored would put back in front of analysts something they rejected.
Errors name the file, the row (1-based data row) and the rule, never a value.
"""

from __future__ import annotations

import csv
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


def read_rows(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row_no, {column: stripped value}) for each non-blank data row.

    Header names are matched case-insensitively; extra columns are ignored.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip().lower() for h in header]
        missing = [c for c in columns if c not in names]
        if missing:
            raise CorrectionsError(f"{path.name}: header lacks column(s) {', '.join(missing)}")
        index = {c: names.index(c) for c in columns}
        for row_no, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise CorrectionsError(
                    f"{path.name} row {row_no}: has {len(row)} fields, header has {len(names)}"
                )
            yield row_no, {c: row[i].strip() for c, i in index.items()}

