"""A dataset's prepared tables, built once and read by every view: its activity instances
with their predecessors, waits and working time (``analysis_instances``), its per-case
figures (``analysis_cases``) and its ping-pong pairs (``analysis_pingpong``).

Deriving predecessors, waits and working time over a million events takes seconds; every
view needs them. So the first analysis of a dataset stores them in these tables (the
analysis's own: see
:mod:`analysis.cache` for their schema and its migrations), keyed by dataset, with a
fingerprint of the dataset row (load time, row counts, profile) in ``analysis_state``. A
later call whose fingerprint matches reads the stored rows; a replaced, appended or
re-profiled dataset gets a new fingerprint and is rebuilt; dropping a dataset deletes its
rows (as from every table keyed by dataset), and any left by an older version are removed
at the next build.

A read-only connection (the CLI) cannot write the store: when the stored rows are missing
or stale it builds the same tables as temporary tables of that connection instead.
Figures are the same either way; filters apply afterwards, by case.

The statements of a build carry their values as SQL literals (:func:`etl.sqltext.run`): a
parameter makes DuckDB's client import pandas, 0.5-0.7 CPU s in a ``loanflow ingest``
process that otherwise never needs it.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from typing import Any

import duckdb

from analysis import cache
from analysis.cache import STORED, DerivedTables
from analysis.calendar import local_epoch_sql, working_clock_sql
from analysis.filters import CASE_ATTRIBUTE_COLUMNS, Filters, case_where
from analysis.predecessors import derived_instances_sql
from analysis.scope import Scope
from etl.sqltext import run

DERIVATION_VERSION = "7"

INSTANCE_COLUMNS = (
    "case_id", "instance_id", "activity", "department", "resource", "start_ts", "end_ts",
    "seq", "is_last", "pred_id", "pred_activity", "pred_department", "pred_end_ts",
    "wait_s", "proc_s", "handoff", "wait_work_s", "proc_work_s",
    "first_of_activity", "first_of_edge", "first_of_handoff", "first_of_resource",
)  # fmt: skip

# The case columns the filters read, carried on every derived instance and ping-pong row so
# that a filter on them is a predicate on the rows (no join to the selected cases).
CASE_FILTER_COLUMNS = ("outcome", "first_ts", "last_ts", "amount", "product", "branch", "channel")

# Integer codes of the text columns views group by (see :func:`_codes_sql`).
CODE_COLUMNS = (
    "activity_no", "pred_activity_no", "department_no", "pred_department_no", "resource_no",
)  # fmt: skip

# The number of each case of a dataset: its rank by case_id (the same in every table), with
# the case columns the filters read.
CASE_NUMBERS_SQL = (
    f"SELECT case_id, row_number() OVER (ORDER BY case_id) AS case_no, "
    f"{', '.join(CASE_FILTER_COLUMNS)} FROM cases WHERE dataset = ?"
)

_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


_FINGERPRINT_SQL = (
    "SELECT CAST(loaded_at AS VARCHAR), events, activity_instances, cases,"
    " CAST(profile AS VARCHAR) FROM datasets WHERE name = ?"
)


def fingerprint(con: duckdb.DuckDBPyConnection, dataset: str) -> str | None:
    """The fingerprint of a dataset row (None when there is no such dataset)."""
    row = run(con, _FINGERPRINT_SQL, [dataset]).fetchone()
    if row is None:
        return None
    text = "|".join(str(v) for v in (DERIVATION_VERSION, *row))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(row and row[0])


def _database(con: duckdb.DuckDBPyConnection) -> str:
    """Which store the connection has open (its file, or the in-memory database's name)."""
    row = con.execute(
        "SELECT coalesce(path, database_name) FROM duckdb_databases()"
        " WHERE database_name = current_database()"
    ).fetchone()
    return str(row[0]) if row else ""


def _lock(con: duckdb.DuckDBPyConnection, dataset: str) -> threading.Lock:
    key = (_database(con), dataset)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _temp_names(dataset: str, print_: str) -> DerivedTables:
    tag = hashlib.sha256(f"{dataset}|{print_}".encode()).hexdigest()[:16]
    return DerivedTables(
        f"temp.main.lf_instances_{tag}", f"temp.main.lf_cases_{tag}", f"temp.main.lf_pingpong_{tag}"
    )


def _temp_exists(con: duckdb.DuckDBPyConnection, tables: DerivedTables) -> bool:
    name = tables.cases.rsplit(".", 1)[1]
    row = run(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'temp' AND table_name = ?",
        [name],
    ).fetchone()
    return bool(row and row[0])


def ensure_derived(con: duckdb.DuckDBPyConnection, scope: Scope) -> DerivedTables:
    """The tables holding the derivations of the scope's dataset, built when missing/stale.

    On a writable connection they are the stored tables (built and recorded once per
    dataset version); on a read-only one whose store lacks current ones, temporary tables
    of that connection.
    """
    dataset = scope.dataset
    usable = cache.ensure_schema(con)
    current = fingerprint(con, dataset)
    if current is None:
        return STORED  # (an unknown dataset was refused by make_scope already)
    if usable and cache.stored_fingerprint(con, dataset) == current:
        return STORED
    if not usable or _read_only(con):
        return _private_copy(con, scope, current)
    with _lock(con, dataset):
        if cache.stored_fingerprint(con, dataset) == current:
            return STORED
        try:
            _build_stored(con, scope, current)
        except duckdb.TransactionException:
            # Another process or cursor built it at the same time; use theirs if it is
            # current, else a private copy.
            if cache.stored_fingerprint(con, dataset) == current:
                return STORED
            return _private_copy(con, scope, current)
    return STORED


def _private_copy(con: duckdb.DuckDBPyConnection, scope: Scope, print_: str) -> DerivedTables:
    """Temporary tables of this connection holding the derivations (built when missing)."""
    temp = _temp_names(scope.dataset, print_)
    if not _temp_exists(con, temp):
        _build_temp(con, scope, temp)
    return temp


def dataset_bounds(
    con: duckdb.DuckDBPyConnection, dataset: str
) -> tuple[datetime, datetime] | None:
    """The earliest first and latest last timestamp of the dataset's cases (None: no cases)."""
    sql = "SELECT min(first_ts), max(last_ts) FROM cases WHERE dataset = ?"
    row = run(con, sql, [dataset]).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def _whole_dataset(scope: Scope) -> Scope:
    return Scope(scope.dataset, Filters(), scope.profile)


def _instances_select(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, list[Any]]:
    sql, params = derived_instances_sql(
        _whole_dataset(scope), working=True, bounds=dataset_bounds(con, scope.dataset)
    )
    cols = ", ".join(f"c.{col}" for col in INSTANCE_COLUMNS[:-4])
    case_cols = ", ".join(f"n.{col}" for col in CASE_FILTER_COLUMNS)
    # "First in its case" flags: the instance whose seq is the least of its group (seq is
    # unique in a case), found by grouping integer codes and joining back, not by a
    # row_number() window per flag: each such window sorted all the rows (0.7-0.9 s of CPU
    # apiece on BPIC 2012); the groupings and joins cost a few milliseconds.
    return (
        f"""
    WITH b AS MATERIALIZED ({sql}),
    activity_codes AS ({_codes_sql("activity")}),
    department_codes AS ({_codes_sql("department")}),
    resource_codes AS ({_codes_sql("resource")}),
    coded AS MATERIALIZED (
        SELECT b.*, n.case_no, {case_cols},
            a.code AS activity_no, pa.code AS pred_activity_no, d.code AS department_no,
            pd.code AS pred_department_no, r.code AS resource_no
        FROM b
        LEFT JOIN ({CASE_NUMBERS_SQL}) n ON n.case_id = b.case_id
        LEFT JOIN activity_codes a ON a.name = b.activity
        LEFT JOIN activity_codes pa ON pa.name = b.pred_activity
        LEFT JOIN department_codes d ON d.name = b.department
        LEFT JOIN department_codes pd ON pd.name = b.pred_department
        LEFT JOIN resource_codes r ON r.name = b.resource
    ),
    fa AS (SELECT case_no, activity_no, min(seq) AS seq FROM coded GROUP BY ALL),
    fe AS (
        SELECT case_no, coalesce(pred_activity_no, 0) AS pred, activity_no, min(seq) AS seq
        FROM coded GROUP BY ALL
    ),
    fh AS (
        SELECT case_no, pred_department_no, department_no, min(seq) AS seq
        FROM coded WHERE handoff GROUP BY ALL
    ),
    fr AS (
        SELECT case_no, resource_no, min(seq) AS seq
        FROM coded WHERE resource_no IS NOT NULL GROUP BY ALL
    ),
    masks AS (
        SELECT case_no, bit_or({_department_bit("department_no")}) AS case_departments
        FROM coded WHERE department_no IS NOT NULL GROUP BY case_no
    )
    SELECT ? AS dataset, {cols},
        fa.seq IS NOT NULL AS first_of_activity, fe.seq IS NOT NULL AS first_of_edge,
        coalesce(c.handoff, false) AND fh.seq IS NOT NULL AS first_of_handoff,
        fr.seq IS NOT NULL AS first_of_resource,
        c.case_no, {", ".join(f"c.{col}" for col in CASE_FILTER_COLUMNS)},
        coalesce(m.case_departments, 0) AS case_departments,
        c.activity_no, c.pred_activity_no, c.department_no, c.pred_department_no, c.resource_no
    FROM coded c
    LEFT JOIN fa ON fa.case_no = c.case_no AND fa.activity_no = c.activity_no
        AND fa.seq = c.seq
    LEFT JOIN fe ON fe.case_no = c.case_no AND fe.pred = coalesce(c.pred_activity_no, 0)
        AND fe.activity_no = c.activity_no AND fe.seq = c.seq
    LEFT JOIN fh ON fh.case_no = c.case_no
        AND fh.pred_department_no = c.pred_department_no
        AND fh.department_no = c.department_no AND fh.seq = c.seq
    LEFT JOIN fr ON fr.case_no = c.case_no AND fr.resource_no = c.resource_no
        AND fr.seq = c.seq
    LEFT JOIN masks m ON m.case_no = c.case_no
    ORDER BY c.first_ts, c.case_no, c.seq
    """,
        [*params, scope.dataset, scope.dataset],
    )


# Departments numbered up to this code get a bit in ``case_departments``; a filter on a
# department with a higher code selects its cases by a join instead.
MASK_DEPARTMENTS = 63


def _department_bit(code: str) -> str:
    return (
        f"CASE WHEN {code} <= {MASK_DEPARTMENTS} "
        f"THEN CAST(1 AS BIGINT) << ({code} - 1) ELSE CAST(0 AS BIGINT) END"
    )


def _codes_sql(column: str) -> str:
    """A number per distinct value of an instance column (activity, department, resource),
    by name: views group by these integers, which DuckDB hashes far faster than text."""
    return (
        f"SELECT name, CAST(row_number() OVER (ORDER BY name) AS INTEGER) AS code "
        f"FROM (SELECT DISTINCT {column} AS name FROM b WHERE {column} IS NOT NULL)"
    )


def main_department_sql(rows: str, key: str) -> str:
    """SQL giving, per code ``{key}_no`` of the rows ``rows`` (a CTE name), the department
    most of its rows have (``department``; ties go to the first by name). The same as
    ``mode(department)`` grouped by ``key``, but grouped by integer codes."""
    return f"""
    SELECT {key}_no, department FROM (
        SELECT {key}_no, department, row_number() OVER (
            PARTITION BY {key}_no ORDER BY n DESC, department) AS rank
        FROM (SELECT {key}_no, department_no, any_value(department) AS department,
                count(*) AS n
            FROM {rows} WHERE department_no IS NOT NULL GROUP BY {key}_no, department_no)
    ) WHERE rank = 1"""


def _pingpong_select(scope: Scope, instances: str) -> tuple[str, list[Any]]:
    """Per case, the directed department pairs of each X, Y, X in its department sequence
    (instances by start, runs of one department collapsed, unknown departments skipped)."""
    sql = f"""
    WITH runs AS (
        SELECT case_no, case_id, department, seq, case_departments FROM (
            SELECT case_no, case_id, department, seq, case_departments,
                lag(department) OVER (PARTITION BY case_id ORDER BY seq) AS previous
            FROM {instances} WHERE dataset = ? AND department IS NOT NULL
        ) WHERE previous IS DISTINCT FROM department
    ),
    triples AS (
        SELECT case_no, case_id, case_departments, department AS x,
            lead(department) OVER w AS y,
            lead(department, 2) OVER w AS x2
        FROM runs WINDOW w AS (PARTITION BY case_id ORDER BY seq)
    )
    SELECT DISTINCT ? AS dataset, p.case_id, a AS from_department, b AS to_department,
        p.case_no, p.case_departments, {", ".join(f"c.{c}" for c in CASE_FILTER_COLUMNS)} FROM (
        SELECT case_no, case_id, case_departments, x AS a, y AS b FROM triples WHERE x = x2
        UNION ALL
        SELECT case_no, case_id, case_departments, y, x FROM triples WHERE x = x2
    ) p JOIN cases c ON c.dataset = ? AND c.case_id = p.case_id
    """
    return sql, [scope.dataset, scope.dataset, scope.dataset]


def _cases_select(
    con: duckdb.DuckDBPyConnection, scope: Scope, instances: str, pingpong: str
) -> tuple[str, list[Any]]:
    """Per-case aggregates from the derived instances of the dataset.

    Hash-aggregate friendly forms of the same figures: distinct activities are the
    instances first of their activity in the case, distinct departments and resources
    ``list_unique`` (NULLs not counted, as ``count(DISTINCT)``), and the variant a list of
    (seq, activity) sorted by seq (seq is unique in a case) rather than an ordered
    aggregate, which sorts each group apart.
    """
    profile = scope.profile
    bounds = dataset_bounds(con, scope.dataset)
    last = working_clock_sql(
        local_epoch_sql("c.last_ts", profile.timezone, bounds), profile.calendar
    )
    first = working_clock_sql(
        local_epoch_sql("c.first_ts", profile.timezone, bounds), profile.calendar
    )
    cycle_work = f"({last} - {first})"
    cost = (
        f"coalesce(sum(proc_work_s / 3600.0 * {cost_rate_sql(profile.costs, 'department')}), 0)"
        if profile.costs
        else "CAST(NULL AS DOUBLE)"
    )
    sql = f"""
    WITH di AS (SELECT * FROM {instances} WHERE dataset = ?),
    per_case AS (
        SELECT case_id, count(*) AS instances,
            count(*) FILTER (WHERE first_of_activity) AS activities,
            count(*) > count(*) FILTER (WHERE first_of_activity) AS rework,
            count(*) FILTER (WHERE handoff) AS handoffs,
            list_unique(list(department)) AS departments_touched,
            list_unique(list(resource)) AS resources,
            {cost} AS cost,
            list_transform(list_sort(list({{'seq': seq, 'activity': activity}})),
                x -> x.activity) AS variant,
            any_value(case_departments) AS case_departments
        FROM di GROUP BY case_id
    ),
    pingpong AS (SELECT DISTINCT case_id, true AS pingpong FROM {pingpong} WHERE dataset = ?),
    events AS (SELECT case_id, count(*) AS events FROM events WHERE dataset = ? GROUP BY 1)
    SELECT ? AS dataset, c.case_id, c.outcome, c.first_ts, c.last_ts, c.amount, c.product,
        c.branch, c.channel, coalesce(e.events, 0) AS events,
        coalesce(p.instances, 0) AS instances, coalesce(p.activities, 0) AS activities,
        coalesce(p.rework, false) AS rework, coalesce(g.pingpong, false) AS pingpong,
        coalesce(p.handoffs, 0) AS handoffs,
        coalesce(p.departments_touched, 0) AS departments_touched,
        coalesce(p.resources, 0) AS resources,
        {"coalesce(p.cost, 0.0)" if profile.costs else "CAST(NULL AS DOUBLE)"} AS cost,
        (epoch(c.last_ts) - epoch(c.first_ts)) / 3600.0 AS cycle_time_hours,
        {cycle_work} / 3600.0 AS cycle_time_working_hours,
        coalesce(p.variant, []::VARCHAR[]) AS variant,
        dense_rank() OVER (ORDER BY coalesce(p.variant, []::VARCHAR[])) AS variant_key,
        row_number() OVER (ORDER BY c.case_id) AS case_no,
        coalesce(p.case_departments, 0) AS case_departments
    FROM cases c
    LEFT JOIN per_case p ON p.case_id = c.case_id
    LEFT JOIN pingpong g ON g.case_id = c.case_id
    LEFT JOIN events e ON e.case_id = c.case_id
    WHERE c.dataset = ?
    ORDER BY c.case_id
    """
    return sql, [scope.dataset] * 5


def cost_rate_sql(costs: dict[str, float], department: str) -> str:
    """SQL for the cost per working hour of a department column (0 when not listed)."""
    if not costs:
        return "NULL"
    whens = " ".join(
        f"WHEN '{name.replace(chr(39), chr(39) * 2)}' THEN {float(rate)!r}"
        for name, rate in sorted(costs.items())
    )
    return f"(CASE {department} {whens} ELSE 0.0 END)"


def preparation_statements(
    con: duckdb.DuckDBPyConnection, scope: Scope, tables: DerivedTables
) -> list[tuple[str, str, list[Any]]]:
    """The preparation of the scope's dataset as (table it fills, SELECT, params), in the
    order they run: instances, then ping-pong pairs and cases (which read the tables
    filled before them)."""
    return [
        (tables.instances, *_instances_select(con, scope)),
        (tables.pingpong, *_pingpong_select(scope, tables.instances)),
        (tables.cases, *_cases_select(con, scope, tables.instances, tables.pingpong)),
    ]


def _build_stored(con: duckdb.DuckDBPyConnection, scope: Scope, print_: str) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        cache.clear(con, scope.dataset, dropped_too=True)
        for table, sql, params in preparation_statements(con, scope, STORED):
            run(con, f"INSERT INTO {table} BY NAME {sql}", params)
        cache.record_build(con, scope.dataset, print_)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _build_temp(con: duckdb.DuckDBPyConnection, scope: Scope, tables: DerivedTables) -> None:
    for table, sql, params in preparation_statements(con, scope, tables):
        name = table.rsplit(".", 1)[1]
        run(con, f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", params)


def invalidate(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Remove the stored derivations of a dataset (they are rebuilt on next use)."""
    if cache.ensure_schema(con):
        cache.clear(con, dataset)


def _selected_case_numbers_sql(tables: DerivedTables, scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of the case number (``case_no``) of the scope's selected cases.

    The filters read only case columns that the derived case table carries as well (every
    one but the free-form ``attributes``), so the selection reads that narrow table; a
    filter on another attribute reads ``cases``.
    """
    if _needs_cases_table(scope.filters):
        cases, params = scope.cases_sql()
        return (
            f"SELECT c.case_no FROM {tables.cases} c WHERE c.dataset = ?"
            f" AND c.case_id IN (SELECT case_id FROM ({cases}))",
            [scope.dataset, *params],
        )
    where, params = case_where(scope.filters, scope.dataset, zone=scope.profile.timezone)
    return f"SELECT c.case_no FROM {tables.cases} c WHERE {where}", params


def _needs_cases_table(filters: Filters) -> bool:
    """Whether the filters read a case attribute only ``cases.attributes`` holds."""
    return any(name not in CASE_ATTRIBUTE_COLUMNS for name, _ in filters.attributes)


_masks: dict[tuple[str, ...], int | None] = {}
_masks_guard = threading.Lock()


def _department_mask(
    con: duckdb.DuckDBPyConnection, tables: DerivedTables, dataset: str, names: tuple[str, ...]
) -> int | None:
    """The ``case_departments`` bits of these departments (0 for a department the dataset
    does not have); None when one has a code beyond :data:`MASK_DEPARTMENTS`. Kept per
    derivation (its fingerprint), since a view asks several times per filter change."""
    built = cache.stored_fingerprint(con, dataset) if tables == STORED else ""
    key = (_database(con), tables.instances, dataset, built or "", *sorted(names))
    with _masks_guard:
        if key in _masks:
            return _masks[key]
    marks = ", ".join("?" for _ in names)
    codes = con.execute(
        f"SELECT DISTINCT department_no FROM {tables.instances}"
        f" WHERE dataset = ? AND department IN ({marks})",
        [dataset, *names],
    ).fetchall()
    mask: int | None = 0
    for (code,) in codes:
        if code is None or code > MASK_DEPARTMENTS:
            mask = None
            break
        mask = (mask or 0) | (1 << (code - 1))
    with _masks_guard:
        if len(_masks) > 256:
            _masks.clear()
        _masks[key] = mask
    return mask


def _carried_where(
    con: duckdb.DuckDBPyConnection, tables: DerivedTables, scope: Scope
) -> tuple[str, list[Any]] | None:
    """A WHERE over derived rows (alias ``c``) applying the filters to the case columns and
    the department mask they carry, or None when a filter needs the selected cases first
    (a variant, a free-form attribute, a department beyond the mask)."""
    filters = scope.filters
    if filters.variant is not None or _needs_cases_table(filters):
        return None
    where, params = case_where(
        filters.model_copy(update={"departments": ()}),
        scope.dataset,
        zone=scope.profile.timezone,
    )
    if not filters.departments:
        return where, params
    mask = _department_mask(con, tables, scope.dataset, filters.departments)
    if mask is None:
        return None
    # A signed BIGINT holds bits 0-62 (department codes 1-63).
    return f"{where} AND (c.case_departments & CAST(? AS BIGINT)) <> 0", [*params, mask]


def _rows_sql(
    con: duckdb.DuckDBPyConnection, scope: Scope, table: str, columns: str
) -> tuple[str, list[Any]]:
    """SELECT of the derived rows (instances or ping-pong pairs) of the selected cases.

    Filters on the carried case columns are predicates on the rows themselves (the rows are
    stored by case start, so a period skips whole row groups); other filters select case
    numbers first and join on them.
    """
    tables = ensure_derived(con, scope)
    source = getattr(tables, table)
    carried = _carried_where(con, tables, scope)
    if carried is not None:
        return f"SELECT {columns} FROM {source} c WHERE {carried[0]}", carried[1]
    cases, params = _selected_case_numbers_sql(tables, scope)
    return (
        f"SELECT {columns} FROM {source} c WHERE c.dataset = ? AND c.case_no IN ({cases})",
        [scope.dataset, *params],
    )


_INSTANCE_SELECT = ", ".join(f"c.{column}" for column in (*INSTANCE_COLUMNS, *CODE_COLUMNS))


def instance_rows_sql(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of the derived instances of the scope's selected cases (no ``dataset`` column).

    Columns as :func:`analysis.predecessors.derived_instances_sql` with ``working=True``.
    """
    return _rows_sql(con, scope, "instances", _INSTANCE_SELECT)


def case_rows_sql(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of the selected cases with their derived per-case figures.

    Columns: case_id, outcome, first_ts, last_ts, amount, product, branch, channel,
    instances, activities, rework, pingpong, handoffs, departments_touched, resources,
    cost, cycle_time_hours, cycle_time_working_hours, events, variant, variant_key.
    The filters apply to the derived case rows themselves (one scan, no join) unless they
    name a free-form attribute.
    """
    tables = ensure_derived(con, scope)
    columns = "c.* EXCLUDE (dataset, case_no, case_departments)"
    carried = _carried_where(con, tables, scope)
    if carried is None:
        return _rows_sql(con, scope, "cases", columns)
    return f"SELECT {columns} FROM {tables.cases} c WHERE {carried[0]}", carried[1]


def selected_case_count(con: duckdb.DuckDBPyConnection, scope: Scope) -> int:
    """The number of cases the scope selects."""
    tables = ensure_derived(con, scope)
    carried = _carried_where(con, tables, scope)
    if carried is not None:
        cases, params = f"SELECT c.case_no FROM {tables.cases} c WHERE {carried[0]}", carried[1]
    else:
        cases, params = _selected_case_numbers_sql(tables, scope)
    row = con.execute(f"SELECT count(*) FROM ({cases})", params).fetchone()
    return int(row[0]) if row else 0


def pingpong_rows_sql(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of (case_id, from_department, to_department): the ping-pong pairs of the
    scope's selected cases (each X, Y, X counts for X->Y and Y->X)."""
    return _rows_sql(con, scope, "pingpong", "c.case_id, c.from_department, c.to_department")


def prepare(con: duckdb.DuckDBPyConnection, dataset: str) -> DerivedTables:
    """Build (or confirm) the stored derivations of a dataset, e.g. right after a load, so
    the first view of it is fast. Needs a writable connection to store them."""
    from analysis.scope import make_scope

    return ensure_derived(con, make_scope(con, dataset))
