"""SQL with its parameters written in as literals, for the statements of a load.

DuckDB's Python client imports pandas (and numpy) the first time a statement is executed
with parameters, to check whether a value is one of their types: 0.45 CPU seconds, and
several seconds of wall time on a busy machine, in a process that otherwise never needs
pandas. The statements a load runs therefore carry their few values (the dataset name,
counts, the source path) as SQL literals instead, written by :func:`inline` (and run by
:func:`run`); so do those of the analysis preparation and the audit line that follow a
load in the same process.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any


def literal(value: object) -> str:
    """A value as a DuckDB SQL literal (text quoted, a quote doubled; never executable)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, str | PurePath):
        text = str(value)
        if "\x00" in text:
            raise ValueError("a NUL character cannot be written into SQL text")
        return "'" + text.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def _quoted_end(sql: str, start: int) -> int:
    """The index just past the quoted string or identifier opening at ``start``."""
    quote = sql[start]
    at = start + 1
    while at < len(sql):
        if sql[at] == quote:
            if at + 1 < len(sql) and sql[at + 1] == quote:
                at += 2
                continue
            return at + 1
        at += 1
    return len(sql)


def inline(sql: str, params: list[object] | tuple[object, ...]) -> str:
    """``sql`` with each ``?`` (in order) and each ``$N`` (the N-th value) outside quoted
    strings and identifiers replaced by its value as a literal."""
    out: list[str] = []
    at, position = 0, 0
    while at < len(sql):
        char = sql[at]
        if char in "'\"":
            end = _quoted_end(sql, at)
            out.append(sql[at:end])
            at = end
        elif char == "?":
            out.append(literal(params[position]))
            position += 1
            at += 1
        elif char == "$" and at + 1 < len(sql) and sql[at + 1].isdigit():
            end = at + 1
            while end < len(sql) and sql[end].isdigit():
                end += 1
            out.append(literal(params[int(sql[at + 1 : end]) - 1]))
            at = end
        else:
            out.append(char)
            at += 1
    return "".join(out)


def run(con: Any, sql: str, params: list[object] | tuple[object, ...] = ()) -> Any:
    """Execute ``sql`` on the DuckDB connection ``con`` with ``params`` written in as
    literals (:func:`inline`); returns what ``con.execute`` returns."""
    return con.execute(inline(sql, params) if params else sql)
