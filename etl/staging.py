"""Staging: the source rows mapped onto LoanFlow's canonical columns, in a temporary table.

One SQL statement drops exact duplicate rows, maps and trims the canonical columns,
parses the timestamps, normalises the lifecycle, assigns departments and gives each row
that cannot be loaded its reject reason. Nothing is written to the store here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from etl.mapping import XES_CASE_PREFIX, Mapping
from etl.profile import Profile
from etl.readers import SourceTable, quote, temp_name
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

    def source_name(self, staged: str) -> str:
        """The source column behind a staged column."""
        return self.others.get(staged, staged)


def _text(column: str) -> str:
    return f"NULLIF(trim(CAST(src.{quote(column)} AS VARCHAR)), '')"


def _lifecycle_sql(column: str | None) -> str:
    if column is None:
        return "CAST(NULL AS VARCHAR)"
    lowered = f"lower({_text(column)})"
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
            con.executemany(f"INSERT INTO {quote(name)} VALUES (?, ?)", list(mapping.items()))
    return names


def stage(
    con: duckdb.DuckDBPyConnection, source: SourceTable, mapping: Mapping, profile: Profile
) -> Staged:
    """Build the staging table for a source under a mapping.

    The caller sets the session time zone (for timestamps without an offset) first.
    """
    cols = mapping.columns
    others = _other_columns(source, mapping)
    ts = timestamp_sql(
        con,
        source.table,
        cols["timestamp"],
        source.types[cols["timestamp"]],
        profile.timestamp_format,
    )
    start = cols.get("start_timestamp")
    start_select = "CAST(NULL AS TIMESTAMPTZ) AS start_ts, CAST(NULL AS VARCHAR) AS start_raw"
    if mapping.layout == "instances" and start is not None:
        start_ts = timestamp_sql(
            con, source.table, start, source.types[start], profile.timestamp_format
        )
        start_select = f"{start_ts} AS start_ts, {_text(start)} AS start_raw"
    optional = {
        name: _text(cols[name]) if name in cols else "CAST(NULL AS VARCHAR)"
        for name in ("lifecycle", "resource", "department")
    }
    lifecycle = (
        _lifecycle_sql(cols.get("lifecycle"))
        if mapping.layout == "events"
        else ("CAST(NULL AS VARCHAR)")
    )
    all_columns = ", ".join(quote(c) for c in source.columns)
    other_select = "".join(f", src.{quote(src)} AS {quote(new)}" for new, src in others.items())
    dep_act, dep_res = _department_maps(con, profile)
    table = temp_name("stg")
    con.execute(
        f"""
CREATE TEMP TABLE {quote(table)} AS
WITH deduplicated AS (
    SELECT min(__row) AS __row, count(*) - 1 AS __dups, {all_columns}
    FROM (SELECT {source.row_sql} AS __row, * FROM {quote(source.table)} AS src) AS src
    GROUP BY ALL
), mapped AS (
    SELECT __row, __dups,
        {_text(cols["case_id"])} AS case_id,
        {_text(cols["activity"])} AS activity,
        {ts} AS ts, {_text(cols["timestamp"])} AS ts_raw,
        {start_select},
        {lifecycle} AS lifecycle, {optional["lifecycle"]} AS lifecycle_raw,
        {optional["resource"]} AS resource,
        {optional["department"]} AS department_raw
        {other_select}
    FROM deduplicated AS src
)
SELECT m.*,
    coalesce(m.department_raw, da.map_department, dr.map_department) AS department,
    {_reason_sql(mapping.layout)} AS reason
FROM mapped m
LEFT JOIN {quote(dep_act)} da ON da.map_key = m.activity
LEFT JOIN {quote(dep_res)} dr ON dr.map_key = m.resource
"""
    )
    for name in (dep_act, dep_res):
        con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
    row = con.execute(f"SELECT coalesce(sum(__dups), 0) FROM {quote(table)}").fetchone()
    return Staged(table, mapping, others, int(row[0]) if row else 0)


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
