"""Timestamps: turning a source column into ``TIMESTAMPTZ`` (an instant, stored as UTC).

Offsets in the text are honoured; times without one are read in the load's time zone,
which the loader sets as the DuckDB session ``TimeZone`` while it stages rows. With
``timestamp_format: auto`` the format of a text column is chosen on a sample of its
values: ISO 8601 (and what DuckDB's cast accepts) first, then common bank formats.
"""

from __future__ import annotations

import duckdb

from etl.errors import BadInputError

AUTO_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
    "%Y%m%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%b-%Y %H:%M:%S",
)
ISO = "iso"
_SAMPLE = 2000
_TEXT_TYPES = ("VARCHAR",)
_TIME_TYPES = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def text_sql(expr: str, fmt: str, zone: str = "") -> str:
    """SQL turning the text ``expr`` into TIMESTAMPTZ with format ``fmt`` (NULL if not).

    With ``zone`` UTC, times without an offset skip the time-zone library (faster).
    """
    if fmt == ISO:
        if zone != "UTC":
            return f"TRY_CAST({expr} AS TIMESTAMPTZ)"
        return (
            f"CASE WHEN regexp_matches({expr}, '(Z|[+-][0-9:]+)$') "
            f"THEN TRY_CAST({expr} AS TIMESTAMPTZ) "
            f"ELSE make_timestamptz(epoch_us(TRY_CAST({expr} AS TIMESTAMP))) END"
        )
    parsed = f"try_strptime({expr}, {_literal(fmt)})"
    if "%z" in fmt or "%Z" in fmt:
        return parsed
    if zone == "UTC":
        return f"make_timestamptz(epoch_us({parsed}))"
    return f"CAST({parsed} AS TIMESTAMPTZ)"


def detect_format(con: duckdb.DuckDBPyConnection, table: str, expr: str, column: str) -> str | None:
    """The format that parses most of a sample of a text column (None: nothing parses)."""
    candidates = (ISO, *AUTO_FORMATS)
    counts = ", ".join(f"count({text_sql('v', fmt)})" for fmt in candidates)
    row = con.execute(
        f"SELECT count(*), {counts} FROM (SELECT trim(CAST({expr} AS VARCHAR)) AS v "
        f'FROM "{table}" AS src WHERE {expr} IS NOT NULL '
        f"AND trim(CAST({expr} AS VARCHAR)) <> '' LIMIT {_SAMPLE})"
    ).fetchone()
    if row is None or not row[0]:
        return ISO
    best = max(range(len(candidates)), key=lambda i: (row[i + 1], -i))
    return candidates[best] if row[best + 1] else None


def sample_values(con: duckdb.DuckDBPyConnection, table: str, expr: str, n: int = 3) -> list[str]:
    """A few non-empty values of a column, for messages."""
    rows = con.execute(
        f'SELECT DISTINCT CAST({expr} AS VARCHAR) FROM "{table}" AS src '
        f"WHERE {expr} IS NOT NULL LIMIT {n}"
    ).fetchall()
    return [str(r[0]) for r in rows]


def timestamp_sql(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    data_type: str,
    timestamp_format: str,
    zone: str = "UTC",
) -> str:
    """SQL for the column as TIMESTAMPTZ, whatever its type in the source.

    Times without an offset are read in ``zone``, which must be the session time zone.

    Raises :class:`BadInputError` when a text column holds no value that reads as a time.
    """
    expr = f'src."{column.replace(chr(34), chr(34) * 2)}"'
    kind = data_type.upper()
    if kind.startswith("TIMESTAMP WITH TIME ZONE"):
        return expr
    if kind in _TIME_TYPES:
        if zone == "UTC":  # the same instant, without a time-zone lookup per row
            return f"make_timestamptz(epoch_us(CAST({expr} AS TIMESTAMP)))"
        return f"CAST({expr} AS TIMESTAMPTZ)"
    value = f"CAST({expr} AS VARCHAR)"
    padded = f"prefix({value}, ' ') OR suffix({value}, ' ')"
    text = f"NULLIF(CASE WHEN {padded} THEN trim({value}) ELSE {value} END, '')"
    if timestamp_format.lower() != "auto":
        return text_sql(text, timestamp_format, zone)
    fmt = detect_format(con, table, expr, column)
    if fmt is None:
        examples = ", ".join(repr(v) for v in sample_values(con, table, expr))
        raise BadInputError(
            f"The column {column!r} holds no value LoanFlow can read as a time (for "
            f"example {examples}). Set `timestamp_format:` in the profile (a strftime "
            "pattern such as '%Y/%m/%d %H:%M'), or map another column as the timestamp.",
            code="timestamp_unreadable",
            column=column,
            examples=examples,
        )
    return text_sql(text, fmt, zone)
