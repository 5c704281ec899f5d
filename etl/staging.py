"""Staging: the source rows mapped onto LoanFlow's canonical columns, in a temporary table.

One SQL statement drops exact duplicate rows, maps and trims the canonical columns,
parses the timestamps, normalises the lifecycle, assigns departments and gives each row
that cannot be loaded its reject reason. Nothing is written to the store here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from etl.mapping import XES_CASE_PREFIX, Mapping
from etl.names import NAME_FIELDS, NameMaps, name_maps
from etl.profile import Profile
from etl.readers import SourceTable, quote, temp_name
from etl.sqltext import literal
from etl.timestamps import timestamp_sql

LIFECYCLE_WORDS = {
    "start": ("start", "begin", "started", "開始", "开始", "啟動", "启动"),
    "complete": (
        "complete",
        "completed",
        "end",
        "ended",
        "finish",
        "finished",
        "done",
        "完成",
        "結束",
        "结束",
        "已完成",
    ),
}
RESERVED = (
    "__row",
    "__dups",
    "case_id",
    "activity",
    "ts",
    "ts_raw",
    "start_ts",
    "start_raw",
    "lifecycle",
    "lifecycle_raw",
    "resource",
    "department",
    "department_raw",
    "reason",
)
STAGED_FIELDS = {
    "case_id": "case_id",
    "activity": "activity",
    "timestamp": "ts_raw",
    "start_timestamp": "start_raw",
    "lifecycle": "lifecycle_raw",
    "resource": "resource",
    "department": "department_raw",
}


@dataclass
class Staged:
    """The staging table and what it holds."""

    table: str
    mapping: Mapping
    # staged column name -> source column name, for the columns not mapped to a field
    others: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0
    # canonical name field -> distinct spellings changed by whitespace normalisation
    names_normalised: dict[str, int] = field(default_factory=dict)

    def source_name(self, staged: str) -> str:
        """The source column behind a staged column."""
        return self.others.get(staged, staged)


def _text(column: str, trim: bool = True) -> str:
    """SQL for a column as text, empty as NULL, surrounding spaces removed when asked."""
    value = f"CAST(src.{quote(column)} AS VARCHAR)"
    if not trim:
        return f"NULLIF({value}, '')"
    # Trimming only values that need it is several times faster than trimming all.
    padded = f"prefix({value}, ' ') OR suffix({value}, ' ')"
    return f"NULLIF(CASE WHEN {padded} THEN trim({value}) ELSE {value} END, '')"


def _lifecycle_sql() -> str:
    """SQL normalising ``lifecycle_raw`` to lower case, with start/complete synonyms."""
    lowered = "lower(lifecycle_raw)"
    whens = " ".join(
        f"WHEN {lowered} IN ({', '.join(repr(w) for w in words)}) THEN '{name}'"
        for name, words in LIFECYCLE_WORDS.items()
    )
    return f"CASE {whens} ELSE {lowered} END"


def _reason_sql(layout: str) -> str:
    common = "WHEN case_id IS NULL THEN 'no case id' WHEN activity IS NULL THEN 'no activity'"
    if layout == "events":
        return (
            f"CASE {common} WHEN ts_raw IS NULL THEN 'no timestamp' "
            "WHEN ts IS NULL THEN 'unparseable timestamp' END"
        )
    return (
        f"CASE {common} WHEN ts_raw IS NULL AND start_raw IS NULL THEN 'no timestamp' "
        "WHEN ts_raw IS NOT NULL AND ts IS NULL THEN 'unparseable end timestamp' "
        "WHEN start_raw IS NOT NULL AND start_ts IS NULL THEN 'unparseable start timestamp' "
        "WHEN ts < start_ts THEN 'end before start' END"
    )


def _other_columns(source: SourceTable, mapping: Mapping) -> dict[str, str]:
    used = mapping.mapped_columns()
    taken = {r.lower() for r in RESERVED}
    others: dict[str, str] = {}
    for column in source.columns:
        if column in used:
            continue
        name = column
        while name.lower() in taken:
            name = f"{name}_source"
        taken.add(name.lower())
        others[name] = column
    return others


def _department_maps(con: duckdb.DuckDBPyConnection, profile: Profile) -> tuple[str, str]:
    """Temporary tables for the profile's department maps (empty tables when absent)."""
    names = temp_name("dep_act"), temp_name("dep_res")
    for name, mapping in (
        (names[0], profile.departments.by_activity),
        (names[1], profile.departments.by_resource),
    ):
        con.execute(f"CREATE TEMP TABLE {quote(name)} (map_key VARCHAR, map_department VARCHAR)")
        if mapping:
            values = ", ".join(f"({literal(k)}, {literal(v)})" for k, v in mapping.items())
            con.execute(f"INSERT INTO {quote(name)} VALUES {values}")
    return names


def _drop_duplicates(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Delete the staged rows that exactly repeat an earlier row; return how many.

    Staging hashed every source row (``__h``, all source columns); only rows whose hash
    repeats are compared column by column, so the check is exact and costs one grouping
    of integers when nothing repeats.
    """
    names = [
        str(r[0])
        for r in con.execute(f"DESCRIBE SELECT * FROM {quote(table)}").fetchall()
        if r[0] not in ("__row", "__h")
    ]
    if not names:
        return 0
    cols = ", ".join(quote(n) for n in names)
    rows = con.execute(
        f"""
WITH repeated AS (
    SELECT __h FROM {quote(table)} GROUP BY __h HAVING count(*) > 1
), groups AS (
    SELECT min(__row) AS keep, list(__row) AS rows_ FROM {quote(table)}
    WHERE __h IN (SELECT __h FROM repeated)
    GROUP BY __h, {cols} HAVING count(*) > 1
)
SELECT unnest(rows_) AS r FROM groups EXCEPT SELECT keep FROM groups
"""
    ).fetchall()
    if not rows:
        return 0
    con.execute(
        f"DELETE FROM {quote(table)} WHERE __row IN (SELECT unnest(?::BIGINT[]))",
        [[int(r[0]) for r in rows]],
    )
    return len(rows)


def stage(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    mapping: Mapping,
    profile: Profile,
    zone: str,
) -> Staged:
    """Build the staging table for a source under a mapping.

    ``zone`` is the time zone of timestamps without an offset; the caller has set it as
    the session time zone.
    """
    cols = mapping.columns
    trim = not source.format.startswith("xes")
    others = _other_columns(source, mapping)

    def time_sql(column: str) -> str:
        return timestamp_sql(
            con, source.table, column, source.types[column], profile.timestamp_format, zone
        )

    def text(name: str) -> str:
        return _text(cols[name], trim) if name in cols else "CAST(NULL AS VARCHAR)"

    start = cols.get("start_timestamp")
    start_select = "CAST(NULL AS TIMESTAMPTZ) AS start_ts, CAST(NULL AS VARCHAR) AS start_raw"
    if mapping.layout == "instances" and start is not None:
        start_select = f"{time_sql(start)} AS start_ts, {text('start_timestamp')} AS start_raw"
    lifecycle = _lifecycle_sql() if mapping.layout == "events" else "CAST(NULL AS VARCHAR)"
    other_select = "".join(f", src.{quote(src)} AS {quote(new)}" for new, src in others.items())
    dep_act, dep_res = _department_maps(con, profile)
    table = temp_name("stg")
    all_columns = ", ".join(quote(c) for c in source.columns)
    joins = []
    if profile.departments.by_activity:
        joins.append(f"LEFT JOIN {quote(dep_act)} da ON da.map_key = m.activity")
    if profile.departments.by_resource:
        joins.append(f"LEFT JOIN {quote(dep_res)} dr ON dr.map_key = m.resource")
    department = "coalesce(m.department_raw{}{})".format(
        ", da.map_department" if profile.departments.by_activity else "",
        ", dr.map_department" if profile.departments.by_resource else "",
    )
    maps = _name_maps(con, source, mapping, profile, text)
    try:
        con.execute(
            f"""
CREATE TEMP TABLE {quote(table)} AS
WITH numbered AS (
    SELECT {source.row_sql} AS __row, hash({all_columns}) AS __h, *
    FROM {quote(source.table)} AS src
), mapped AS (
    SELECT __row, __h,
        {text("case_id")} AS case_id,
        {text("activity")} AS activity,
        {time_sql(cols["timestamp"])} AS ts, {text("timestamp")} AS ts_raw,
        {start_select},
        {text("lifecycle")} AS lifecycle_raw,
        {text("resource")} AS resource,
        {text("department")} AS department_raw
        {other_select}
    FROM numbered AS src
), named AS ({_named_sql(maps)})
SELECT m.*,
    {lifecycle} AS lifecycle,
    {department} AS department,
    {_reason_sql(mapping.layout)} AS reason
FROM named m
{" ".join(joins)}
"""
        )
    finally:
        for name in (dep_act, dep_res):
            con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        maps.drop(con)
    staged = Staged(table, mapping, others, _drop_duplicates(con, table))
    staged.names_normalised = dict(maps.changed)
    return staged


_NAME_COLUMNS = {"activity": "activity", "resource": "resource", "department": "department_raw"}


def _name_maps(
    con: duckdb.DuckDBPyConnection,
    source: SourceTable,
    mapping: Mapping,
    profile: Profile,
    text: Callable[[str], str],
) -> NameMaps:
    """The spellings of the mapped name columns that whitespace normalisation changes."""
    if not profile.normalise_whitespace:
        return NameMaps(changed={})
    fields = [name for name in NAME_FIELDS if name in mapping.columns]
    return name_maps(con, source.table, {name: text(name) for name in fields})


def _named_sql(maps: NameMaps) -> str:
    """The mapped rows with each changed spelling of a name replaced by its normal form."""
    if not maps.tables:
        return "SELECT * FROM mapped"
    replaced, joins = [], []
    for i, (name, table) in enumerate(sorted(maps.tables.items())):
        column = _NAME_COLUMNS[name]
        replaced.append(
            f"CASE WHEN n{i}.raw IS NULL THEN m.{column} ELSE n{i}.name END AS {column}"
        )
        joins.append(f"LEFT JOIN {quote(table)} n{i} ON n{i}.raw = m.{column}")
    return f"SELECT m.* REPLACE ({', '.join(replaced)}) FROM mapped m {' '.join(joins)}"


def case_attribute_columns(
    con: duckdb.DuckDBPyConnection, staged: Staged, source_format: str
) -> list[str]:
    """The staged columns that are case attributes.

    In XES they are the trace attributes (``case:`` columns); elsewhere the columns
    whose value is constant within each case (and not empty everywhere). The columns
    the mapping names for amount, product, branch or channel always are.
    """
    named = {
        staged_name
        for staged_name, source_name in staged.others.items()
        if source_name in staged.mapping.case_attributes.values()
    }
    candidates = [c for c in staged.others if c not in named]
    if source_format.startswith("xes"):
        chosen = [c for c in candidates if staged.others[c].startswith(XES_CASE_PREFIX)]
        return sorted(named) + chosen
    if not candidates:
        return sorted(named)
    checks = ", ".join(f"max(n{i}) <= 1 AND max(v{i}) > 0" for i in range(len(candidates)))
    inner = ", ".join(
        f"count(DISTINCT {quote(c)}) AS n{i}, count({quote(c)}) AS v{i}"
        for i, c in enumerate(candidates)
    )
    row = con.execute(
        f"SELECT {checks} FROM (SELECT {inner} FROM {quote(staged.table)} "
        "WHERE reason IS NULL GROUP BY case_id)"
    ).fetchone()
    flags = list(row) if row else []
    return sorted(named) + [c for c, flag in zip(candidates, flags, strict=True) if flag]
