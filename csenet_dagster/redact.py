"""Keeping delivered values out of messages: the one masking rule of the project.

Database, dataframe and linkage libraries quote the value they failed on
(``Could not convert string 'Smith' to DATE``), and they quote identifiers
the same way (Splink: ``Training rule l."pnc_std" = r."pnc_std"``). Masking
every quoted token hid the column names too, so an error no longer said which
rule or column failed. Here a quoted token stays readable only when it is a
*name the project itself uses*:

* a column, file or table name of the extract contract or of the project's
  own tables (``dob``, ``crime_person.csv``, ``raw.crime``);
* a lower-case snake_case identifier with an underscore (``pnc_std``,
  ``postcode_outward``): the project's derived column names are spelled so,
  delivered person values (names, dates, postcodes, phone numbers, PNC ids,
  free text) are not;
* a lower-case dotted identifier (``schema.table``, ``l.pnc_std``);
* an absolute file path without spaces (``/data/warehouse/work.duckdb``): the
  product's own folders, named so an IO error says which file.

Everything else quoted becomes ``'<value>'``. Messages the project words
itself never contain delivered values in the first place: they name the file,
row, column (or column *position* when the header itself may be data) and rule.
"""

from __future__ import annotations

import re

MASK = "'<value>'"
QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_PROJECT_NAME = re.compile(
    r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+"  # snake_case with at least one underscore
    r"|[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+"  # schema.table, alias.column, file.csv
    r"|/[\w.+-]+(?:/[\w.+-]+)*/?"  # an absolute path
)


# Names the extract contract uses (files, tables, columns, rules). The contract registers
# them when ingest is imported (every process that runs or audits a pipeline loads it);
# the floor does not import the stage. Before that, masking is stricter, never looser.
_KNOWN: set[str] = set()


def register_project_names(names) -> None:
    """Add names of the project (contract columns, files, tables, rules) that stay readable."""
    _KNOWN.update(names)


def is_project_name(text: str) -> bool:
    """True when ``text`` is a name the project uses (column, table, file, rule), never a delivered value."""
    return len(text) <= 4096 and (text in _KNOWN or _PROJECT_NAME.fullmatch(text) is not None)


def mask_values(message: str) -> str:
    """``message`` with every quoted token that is not a project name replaced by ``'<value>'``."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if is_project_name(token[1:-1]) else MASK

    return QUOTED.sub(replace, message)


def failure_text(step: str, exc: BaseException) -> str:
    """What a failed step reports: the step, the kind of error and its first line masked."""
    first_line = (str(exc).splitlines() or [""])[0]
    return f"{step}: rule step_failed: {type(exc).__name__}: {mask_values(first_line)}"


def masked(step: str):
    """Decorator for the body of an asset or check: any error other than ``dg.Failure`` (whose
    text the project words itself) leaves as a ``dg.Failure`` naming ``step`` and the error's kind,
    its quoted values masked and its original (cause, traceback locals) left behind, so
    Dagster's event storage never holds a delivered value a library quoted."""
    import functools
    import inspect

    import dagster as dg

    def decorate(fn):
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def generator(*args, **kwargs):
                try:
                    yield from fn(*args, **kwargs)
                except dg.Failure:
                    raise
                except Exception as exc:
                    raise dg.Failure(description=failure_text(step, exc)) from None

            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except dg.Failure:
                raise
            except Exception as exc:
                raise dg.Failure(description=failure_text(step, exc)) from None

        return wrapper

    return decorate
