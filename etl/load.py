"""Loading a log into the store: ``ingest``, ``preview``, ``drop_dataset``, ``list_datasets``.

A load reads the file into temporary tables (nothing written yet), maps and stages its
rows, then writes the dataset in ONE transaction: rejects, events, activity instances,
cases and the dataset's row. It commits whole or not at all; a failure, a cancel or a
killed process leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb

from etl import store
from etl.errors import (
    NO_DATASETS,
    BadInputError,
    DatasetExistsError,
    LoanFlowError,
    UnknownDatasetError,
)
from etl.mapping import XES_CASE_PREFIX, Mapping, resolve_mapping
from etl.names import normalised_profile
from etl.outcomes import OUTCOMES
from etl.profile import Profile, load_profile, parse_profile
from etl.readers import SourceTable, quote, read_source, temp_name
from etl.settings import get as get_setting
from etl.settings import load_threads
from etl.sqltext import inline, literal
from etl.staging import STAGED_FIELDS, Staged, case_attribute_columns, stage

Mode = Literal["create", "replace", "append"]
Progress = Callable[[float, str], None]
AfterLoad = Callable[[duckdb.DuckDBPyConnection, str], None]
Cancel = Callable[[], bool]
MAX_NAME = 100


@dataclass
class LoadSummary:
    """What one load read, wrote and rejected."""

    dataset: str
    source: str
    format: str
    layout: str
    mode: str
    rows_read: int
    duplicates: int
    rejected: int
    rejects_by_reason: dict[str, int]
    events: int
    activity_instances: int
    cases: int
    seconds: float
    mapping: dict[str, Any]
    encoding: str | None = None
    delimiter: str | None = None
    already_loaded: int = 0
    dry_run: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step of the load (opening the store, reading the file, mapping and
    validating rows, writing events, pairing activity instances, deriving cases,
    committing): where the time went."""
    archive: str | None = None
    """"gzip" or "zip" when the log was read out of a compressed file, else None."""
    member: str | None = None
    """The log's name inside that file."""
    names_normalised: dict[str, int] = field(default_factory=dict)
    """Distinct activity, resource and department spellings whose whitespace was
    normalised (runs collapsed, ends stripped), per field."""

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON-ready data (keys per DESIGN.md, plus details)."""
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class Preview:
    """What a load would do: the mapping, what was detected, the first rows as loaded."""

    source: str
    format: str
    layout: str
    encoding: str | None
    delimiter: str | None
    mapping: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    archive: str | None = None
    member: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The preview as JSON-ready data."""
        return asdict(self)


# --- small helpers -------------------------------------------------------------------------


def _as_profile(profile: Profile | str | os.PathLike[str] | dict[str, Any] | None) -> Profile:
    """The profile in force, its names normalised as the log's will be (:mod:`etl.names`)."""
    if profile is None:
        chosen = Profile()
    elif isinstance(profile, Profile):
        chosen = profile
    elif isinstance(profile, dict):
        chosen = parse_profile(profile)
    else:
        chosen = load_profile(Path(profile))
    return normalised_profile(chosen)


def _check_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise BadInputError(
            "Give the dataset a name (--dataset NAME).", code="dataset_name_missing"
        )
    if len(cleaned) > MAX_NAME or any(ord(c) < 32 for c in cleaned):
        raise BadInputError(
            f"The dataset name {name!r} is not usable: at most {MAX_NAME} printable characters.",
            code="dataset_name_unusable",
            name=name,
            most=MAX_NAME,
        )
    return cleaned


def _run(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | tuple[Any, ...]
) -> duckdb.DuckDBPyConnection:
    """Execute ``sql`` with its parameters written in as literals (:mod:`etl.sqltext`: a
    parameter would make DuckDB's client import pandas into the loading process)."""
    return con.execute(inline(sql, params))


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    row = _run(con, sql, params or []).fetchone()
    return row[0] if row else None


class _Steps:
    """Progress reports and cancel checks between the steps of a load, and the time each
    step took (:meth:`timings`)."""

    def __init__(self, progress: Progress | None, cancel: Cancel | None) -> None:
        self.progress = progress
        self.cancel = cancel
        self.started = time.perf_counter()
        self.marks: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str) -> None:
        if self.cancel is not None and self.cancel():
            raise LoanFlowError("load cancelled", code="load_cancelled")
        self.marks.append((time.perf_counter(), message))
        if self.progress is not None:
            self.progress(fraction, message)

    def timings(self) -> dict[str, float]:
        """Seconds per step until now, named by the step that began then ("opening the
        store" is the time before the first step), rounded to milliseconds."""
        spans: dict[str, float] = {}
        begun, name = self.started, "opening the store"
        for at, message in self.marks:
            spans[name] = spans.get(name, 0.0) + at - begun
            begun, name = at, ("reading the file" if message.startswith("reading ") else message)
        spans[name] = spans.get(name, 0.0) + time.perf_counter() - begun
        return {step: round(seconds, 3) for step, seconds in spans.items()}


def _wants_pseudonyms(profile: Profile) -> bool:
    p = profile.pseudonymise
    return bool(p.case_id or p.resource or p.attributes)


def _pseudonymise(con: duckdb.DuckDBPyConnection, table: str, profile: Profile) -> None:
    module = importlib.import_module("etl.pseudonymise")
    module.apply(con, table, profile)


# --- reading and staging (nothing written) -----------------------------------------------


@dataclass
class _Prepared:
    source: SourceTable
    mapping: Mapping
    staged: Staged
    case_columns: list[str]


def _prepare(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    profile: Profile,
    steps: _Steps,
    limit: int | None = None,
    member: str | None = None,
) -> _Prepared:
    steps(0.02, f"reading {path.name}")
    source = read_source(con, path, profile, limit=limit, member=member)
    try:
        mapping = resolve_mapping(source.columns, profile)
        steps(0.35, "mapping and validating rows")
        zone = source.naive_timezone or profile.timezone
        previous = _one(con, "SELECT current_setting('TimeZone')")
        # SESSION: the zone applies to this cursor only, not to the dashboard's readers.
        con.execute(f"SET SESSION TimeZone = '{zone}'")
        try:
            staged = stage(con, source, mapping, profile, zone)
        finally:
            con.execute(f"SET SESSION TimeZone = '{previous}'")
        if _wants_pseudonyms(profile):
            steps(0.5, "pseudonymising identities")
            _pseudonymise(con, staged.table, profile)
        case_columns = case_attribute_columns(con, staged, source.format)
    except BaseException:
        source.close(con)
        raise
    return _Prepared(source, mapping, staged, case_columns)


def _cleanup(con: duckdb.DuckDBPyConnection, prepared: _Prepared, extra: list[str]) -> None:
    for name in [prepared.staged.table, *extra]:
        con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
    prepared.source.close(con)


# --- writing -----------------------------------------------------------------------------


def _json_object(pairs: list[tuple[str, str]]) -> str:
    """SQL for a JSON object of (key, SQL expression) pairs; NULL when there are none."""
    if not pairs:
        return "CAST(NULL AS JSON)"
    args = ", ".join(f"{_literal(k)}, {expr}" for k, expr in pairs)
    return f"json_object({args})"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw_row_sql(prepared: _Prepared) -> str:
    staged = prepared.staged
    pairs = [
        (source_column, STAGED_FIELDS[name])
        for name, source_column in prepared.mapping.columns.items()
    ]
    pairs += [(staged.source_name(c), quote(c)) for c in staged.others]
    return f"CAST({_json_object(pairs)} AS VARCHAR)"


def _write_rejects(con: duckdb.DuckDBPyConnection, dataset: str, prepared: _Prepared) -> None:
    _run(
        con,
        f"INSERT INTO rejects SELECT ?, __row, {_raw_row_sql(prepared)}, reason "
        f"FROM {quote(prepared.staged.table)} WHERE reason IS NOT NULL",
        [dataset],
    )
    malformed = prepared.source.malformed_table
    if malformed:
        _run(
            con,
            "INSERT INTO rejects SELECT ?, line - 1, any_value(csv_line), "
            "'malformed line (' || lower(CAST(any_value(error_type) AS VARCHAR)) || ')' "
            f"FROM {quote(malformed)} GROUP BY line",
            [dataset],
        )


def _event_attributes_sql(prepared: _Prepared) -> str:
    staged = prepared.staged
    pairs = [
        (staged.source_name(c), quote(c)) for c in staged.others if c not in prepared.case_columns
    ]
    if prepared.source.format.startswith("xes"):  # no order in the file (as for a trace's)
        pairs.sort()
    return _json_object(pairs)


def _stage_events(
    con: duckdb.DuckDBPyConnection, dataset: str, prepared: _Prepared, append: bool
) -> tuple[str, str | None, int]:
    """The events this load adds (a temporary table, or a query over the staging table),
    the temporary table of layout-2 instance rows, and how many staged rows were already
    in the store (append)."""
    stg = quote(prepared.staged.table)
    attrs = _event_attributes_sql(prepared)
    if prepared.mapping.layout == "events":
        return _stage_event_rows(con, dataset, stg, attrs, append)
    rows_table = temp_name("rows")
    rows = (
        f"SELECT __row, case_id, activity, coalesce(start_ts, ts) AS start_ts, ts AS end_ts, "
        f"start_ts IS NOT NULL AS has_start, resource, department, {attrs} AS attributes "
        f"FROM {stg} WHERE reason IS NULL"
    )
    already = 0
    if append:
        rows = f"""SELECT * FROM ({rows}) n WHERE NOT EXISTS (
    SELECT 1 FROM activity_instances i
    WHERE i.dataset = ? AND i.case_id = n.case_id AND i.activity = n.activity
      AND i.start_ts = n.start_ts AND i.end_ts IS NOT DISTINCT FROM n.end_ts
      AND i.resource IS NOT DISTINCT FROM n.resource)"""
    _run(con, f"CREATE TEMP TABLE {quote(rows_table)} AS {rows}", [dataset] if append else [])
    if append:
        total = _one(con, f"SELECT count(*) FROM {stg} WHERE reason IS NULL")
        already = int(total) - int(_one(con, f"SELECT count(*) FROM {quote(rows_table)}"))
    base = _one(con, "SELECT coalesce(max(event_id), 0) FROM events WHERE dataset = ?", [dataset])
    order = "row_number() OVER (ORDER BY __row, lifecycle DESC)"
    events_table = temp_name("ev")
    con.execute(
        f"""CREATE TEMP TABLE {quote(events_table)} AS
SELECT {base} + {order} AS event_id, case_id, activity, ts, lifecycle, resource, department,
       attributes, __row
FROM (
    SELECT __row, case_id, activity, start_ts AS ts, 'start' AS lifecycle, resource,
           department, attributes FROM {quote(rows_table)} WHERE has_start
    UNION ALL
    SELECT __row, case_id, activity, end_ts AS ts, 'complete' AS lifecycle, resource,
           department, attributes FROM {quote(rows_table)} WHERE end_ts IS NOT NULL
)"""
    )
    return quote(events_table), rows_table, already


def _stage_event_rows(
    con: duckdb.DuckDBPyConnection, dataset: str, stg: str, attrs: str, append: bool
) -> tuple[str, None, int]:
    table = temp_name("ev")
    rows = (
        f"SELECT __row AS event_id, case_id, activity, ts, lifecycle, resource, "
        f"department, {attrs} AS attributes FROM {stg} WHERE reason IS NULL"
    )
    if not append:
        return f"({rows})", None, 0
    base = _one(con, "SELECT coalesce(max(event_id), 0) FROM events WHERE dataset = ?", [dataset])
    _run(
        con,
        f"""CREATE TEMP TABLE {quote(table)} AS
SELECT n.* REPLACE ({base} + row_number() OVER (ORDER BY n.event_id) AS event_id)
FROM ({rows}) n
WHERE NOT EXISTS (
    SELECT 1 FROM events e
    WHERE e.dataset = ? AND e.case_id = n.case_id AND e.activity = n.activity
      AND e.ts = n.ts AND e.lifecycle IS NOT DISTINCT FROM n.lifecycle
      AND e.resource IS NOT DISTINCT FROM n.resource
)""",
        [dataset],
    )
    total = _one(con, f"SELECT count(*) FROM {stg} WHERE reason IS NULL")
    added = _one(con, f"SELECT count(*) FROM {quote(table)}")
    return quote(table), None, int(total) - int(added)


def _in_touched(touched: str) -> str:
    """SQL condition (after a WHERE): the row's case is one of those in ``touched``."""
    return f" AND case_id IN (SELECT case_id FROM {quote(touched)})"


def _write_instances(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    events_table: str,
    rows_table: str | None,
    touched: str,
    append: bool,
) -> int:
    """Write the activity instances this load derives; return how many.

    Layout 2: each new row is an instance. Layout 1: the lifecycle events are paired; on
    append, the instances of every touched case are paired again from all its events.
    An instance's id is the event id of its first event.
    """
    from etl.instances import paired_instances

    if rows_table is not None:
        return _insert_instances(
            con,
            dataset,
            "SELECT r.case_id, r.activity, r.department, r.resource, r.start_ts, r.end_ts, "
            f"e.first_event FROM {quote(rows_table)} r JOIN (SELECT __row, min(event_id) "
            f"AS first_event FROM {events_table} GROUP BY __row) e ON e.__row = r.__row",
        )
    if not append:
        with paired_instances(con, events_table) as (sql, params):
            return _insert_instances(con, dataset, sql, params)
    events = (
        "(SELECT event_id, case_id, activity, ts, lifecycle, resource, department "
        "FROM events WHERE dataset = ?{})"
    )
    touched_only = _in_touched(touched)
    with paired_instances(con, events.format(touched_only), [dataset]) as (sql, params):
        _run(con, f"DELETE FROM activity_instances WHERE dataset = ?{touched_only}", [dataset])
        written = _insert_instances(con, dataset, sql, params)
    repeated = _one(
        con,
        "SELECT count(*) - count(DISTINCT instance_id) FROM activity_instances WHERE dataset = ?",
        [dataset],
    )
    if not repeated:
        return written
    # A dataset loaded before instance ids were first-event ids (they were numbered 1, 2,
    # ...): its old ids can equal the new ones of other cases, so all are derived again.
    _run(con, "DELETE FROM activity_instances WHERE dataset = ?", [dataset])
    with paired_instances(con, events.format(""), [dataset]) as (sql, params):
        return _insert_instances(con, dataset, sql, params)


def _insert_instances(
    con: duckdb.DuckDBPyConnection, dataset: str, sql: str, params: list[object] | None = None
) -> int:
    """Insert the instances of ``sql`` (:data:`etl.instances.COLUMNS`); return how many."""
    row = _run(
        con,
        "INSERT INTO activity_instances SELECT ?, first_event, case_id, activity, department, "
        f"resource, start_ts, end_ts FROM ({sql})",
        [dataset, *(params or [])],
    ).fetchone()
    return int(row[0]) if row else 0


def _attribute_key(prepared: _Prepared, staged_column: str) -> str:
    name = prepared.staged.source_name(staged_column)
    if prepared.source.format.startswith("xes") and name.startswith(XES_CASE_PREFIX):
        return name[len(XES_CASE_PREFIX) :]
    return name


def _case_attribute_sql(prepared: _Prepared) -> tuple[str, dict[str, str]]:
    """SQL for per-case attribute values, and canonical attribute -> SQL column."""
    staged = prepared.staged
    by_source = {src: stg for stg, src in staged.others.items()}
    values = [
        (_attribute_key(prepared, c), f"any_value({quote(c)})") for c in prepared.case_columns
    ]
    if prepared.source.format.startswith("xes"):  # by name: a trace's have no order
        values.sort()
    canonical: dict[str, str] = {}
    selects = [f"{_json_object(values)} AS attributes"]
    for name, column in prepared.mapping.case_attributes.items():
        staged_column = by_source.get(column)
        if staged_column is None:
            continue
        first = (
            f"CAST(arg_min({quote(staged_column)}, ts) FILTER "
            f"(WHERE {quote(staged_column)} IS NOT NULL) AS VARCHAR)"
        )
        if name == "amount":
            first = f"TRY_CAST(regexp_replace({first}, '[^0-9.eE+-]', '', 'g') AS DOUBLE)"
        selects.append(f"{first} AS {name}")
        canonical[name] = name
    return ", ".join(selects), canonical


def _outcome_map(con: duckdb.DuckDBPyConnection, profile: Profile) -> str:
    name = temp_name("outcomes")
    con.execute(f"CREATE TEMP TABLE {quote(name)} (key VARCHAR, outcome VARCHAR)")
    if profile.outcomes:
        values = ", ".join(f"({literal(k)}, {literal(v)})" for k, v in profile.outcomes.items())
        con.execute(f"INSERT INTO {quote(name)} VALUES {values}")
    return name


def _outcome_attribute_sql(prepared: _Prepared, profile: Profile, outcomes: str) -> str:
    """SQL (over the new case attributes ``a``) for the outcome held by a case attribute."""
    attribute = profile.outcome_attribute
    if not attribute:
        return "CAST(NULL AS VARCHAR)"
    value = f"lower(trim(CAST(a.attributes ->> {_literal(attribute)} AS VARCHAR)))"
    return (
        f"CASE WHEN {value} IN ({', '.join(map(_literal, OUTCOMES))}) THEN {value} "
        f"ELSE (SELECT o.outcome FROM {quote(outcomes)} o "
        f"WHERE lower(o.key) = {value} LIMIT 1) END"
    )


def _write_cases(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    prepared: _Prepared,
    profile: Profile,
    events_table: str,
    touched: str,
    append: bool,
) -> int:
    """Derive the cases touched by this load (times, outcome, attributes); their count."""
    attributes_sql, canonical = _case_attribute_sql(prepared)
    outcomes = _outcome_map(con, profile)
    touched_only = _in_touched(touched) if append else ""
    events = (
        f"(SELECT case_id, ts FROM events WHERE dataset = $1{touched_only})"
        if append
        else events_table
    )
    fields = ("amount", "product", "branch", "channel")
    new_value = {f: (f"a.{f}" if f in canonical else "NULL") for f in fields}
    if append:
        new_value = {f: f"coalesce({v}, old.{f})" for f, v in new_value.items()}
        merged_attributes = (
            "coalesce(json_merge_patch(old.attributes, a.attributes), a.attributes, old.attributes)"
        )
        old_join = "LEFT JOIN cases old ON old.dataset = $1 AND old.case_id = t.case_id"
    else:
        merged_attributes = "a.attributes"
        old_join = ""
    attribute_outcome = _outcome_attribute_sql(prepared, profile, outcomes)
    instances = (
        "(SELECT case_id, activity, start_ts, end_ts FROM activity_instances "
        f"WHERE dataset = $1{touched_only})"
    )
    sql = f"""
WITH times AS (
    SELECT case_id, min(ts) AS first_ts, max(ts) AS last_ts FROM {events} GROUP BY case_id
), by_activity AS (
    SELECT i.case_id,
           last(o.outcome ORDER BY i.start_ts, coalesce(i.end_ts, i.start_ts), i.activity)
               AS outcome
    FROM {instances} i JOIN {quote(outcomes)} o ON o.key = i.activity
    GROUP BY i.case_id
), a AS (
    SELECT case_id, {attributes_sql}
    FROM {quote(prepared.staged.table)} WHERE reason IS NULL GROUP BY case_id
)
SELECT $1, t.case_id,
       coalesce(b.outcome, {attribute_outcome}, 'open') AS outcome,
       t.first_ts, t.last_ts,
       {new_value["amount"]}, {new_value["product"]}, {new_value["branch"]},
       {new_value["channel"]},
       {merged_attributes}
FROM times t
LEFT JOIN by_activity b ON b.case_id = t.case_id
LEFT JOIN a ON a.case_id = t.case_id
{old_join}
"""
    rows_table = temp_name("cases")
    _run(con, f"CREATE TEMP TABLE {quote(rows_table)} AS {sql}", [dataset])
    if append:
        _run(con, f"DELETE FROM cases WHERE dataset = ?{touched_only}", [dataset])
    con.execute(f"INSERT INTO cases SELECT * FROM {quote(rows_table)}")
    written = int(_one(con, f"SELECT count(*) FROM {quote(rows_table)}"))
    for name in (rows_table, outcomes):
        con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
    return written


def _stored_profile(profile: Profile, mapping: Mapping) -> str:
    data = profile.to_json_dict()
    data["columns"] = {**data["columns"], **mapping.columns}
    data["case_attributes"] = {**data["case_attributes"], **mapping.case_attributes}
    if _wants_pseudonyms(profile):  # no staff names in the stored profile either
        data = importlib.import_module("etl.pseudonymise").profile_for_store(data, profile)
    return json.dumps(data, ensure_ascii=False)


def _existing(con: duckdb.DuckDBPyConnection, dataset: str) -> dict[str, Any] | None:
    row = _run(
        con,
        "SELECT layout, rows_read, rejected, duplicates FROM datasets WHERE name = ?",
        [dataset],
    ).fetchone()
    if row is None:
        return None
    return {"layout": row[0], "rows_read": row[1], "rejected": row[2], "duplicates": row[3]}


def _delete_dataset(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Delete the dataset's rows from the core tables (a replace writes them anew)."""
    for table in ("events", "activity_instances", "cases", "rejects"):
        _run(con, f"DELETE FROM {table} WHERE dataset = ?", [dataset])
    _run(con, "DELETE FROM datasets WHERE name = ?", [dataset])


def _delete_everywhere(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Delete the dataset's rows from every table keyed by a ``dataset`` column: the core
    tables and whatever another layer keeps per dataset in the store (see etl.store)."""
    _delete_dataset(con, dataset)
    for table in store.dataset_tables(con):
        _run(con, f"DELETE FROM {quote(table)} WHERE dataset = ?", [dataset])


def _check_mode(existing: dict[str, Any] | None, dataset: str, mode: str, layout: str) -> None:
    if mode not in ("create", "replace", "append"):
        raise BadInputError(
            f"Unknown load mode {mode!r}: use create, replace or append.",
            code="load_mode_unknown",
            mode=mode,
        )
    if existing is not None and mode == "create":
        raise DatasetExistsError(dataset)
    if existing is not None and mode == "append" and existing["layout"] != layout:
        if existing["layout"] == "events":
            raise BadInputError(
                f"The dataset {dataset!r} was loaded with one row per event; this file has "
                "one row per activity instance. Append files of the same layout, or use "
                "--replace.",
                code="append_layout_events",
                name=dataset,
            )
        raise BadInputError(
            f"The dataset {dataset!r} was loaded with one row per activity instance; this "
            "file has one row per event. Append files of the same layout, or use --replace.",
            code="append_layout_instances",
            name=dataset,
        )


def _write(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    path: Path,
    prepared: _Prepared,
    profile: Profile,
    mode: str,
    steps: _Steps,
) -> dict[str, Any]:
    """Write the dataset (inside the caller's transaction); returns the counts."""
    existing = _existing(con, dataset)
    _check_mode(existing, dataset, mode, prepared.mapping.layout)
    append = mode == "append" and existing is not None
    if existing is not None and mode == "replace":
        _delete_dataset(con, dataset)
        existing = None
    stg = quote(prepared.staged.table)
    temps: list[str] = []
    try:
        steps(0.55, "writing rejects")
        _write_rejects(con, dataset, prepared)
        steps(0.6, "writing events")
        events_table, rows_table, already = _stage_events(con, dataset, prepared, append)
        if events_table.startswith('"'):  # a temporary table, not a query over staging
            temps.append(events_table.strip('"'))
        temps += [rows_table] if rows_table else []
        _run(
            con,
            "INSERT INTO events SELECT ?, event_id, case_id, activity, ts, lifecycle, resource, "
            f"department, attributes FROM {events_table}",
            [dataset],
        )
        touched = temp_name("touched")
        if append:
            temps.append(touched)
            con.execute(
                f"CREATE TEMP TABLE {quote(touched)} AS SELECT DISTINCT case_id FROM {events_table}"
            )
        steps(0.7, "pairing activity instances")
        instances = _write_instances(con, dataset, events_table, rows_table, touched, append)
        steps(0.85, "deriving cases")
        cases = _write_cases(con, dataset, prepared, profile, events_table, touched, append)
        counts = con.execute(
            f"SELECT (SELECT count(*) FROM {events_table}), "
            f"(SELECT count(*) FROM {stg} WHERE reason IS NOT NULL)"
        ).fetchone()
        assert counts is not None
        events, rejected = (int(c) for c in counts)
        rejected += prepared.source.malformed
        reasons = _reasons_of_load(con, prepared)
        rows_read = prepared.source.rows + prepared.source.malformed
        _write_dataset_row(con, dataset, path, prepared, profile, existing, rows_read, rejected)
        return {
            "rows_read": rows_read,
            "events": events,
            "activity_instances": instances,
            "cases": cases,
            "rejected": rejected,
            "rejects_by_reason": reasons,
            "already_loaded": already,
        }
    finally:
        for name in temps:
            # An aborted transaction (e.g. disk full) refuses even this: keep its error.
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS {quote(name)}")


def _reasons_of_load(con: duckdb.DuckDBPyConnection, prepared: _Prepared) -> dict[str, int]:
    reasons = dict(
        con.execute(
            f"SELECT reason, count(*) FROM {quote(prepared.staged.table)} "
            "WHERE reason IS NOT NULL GROUP BY reason"
        ).fetchall()
    )
    if prepared.source.malformed_table:
        for reason, count in con.execute(
            "SELECT 'malformed line (' || lower(CAST(any_value(error_type) AS VARCHAR)) || ')', "
            f"1 FROM {quote(prepared.source.malformed_table)} GROUP BY line"
        ).fetchall():
            reasons[reason] = reasons.get(reason, 0) + count
    return dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))


def _write_dataset_row(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    path: Path,
    prepared: _Prepared,
    profile: Profile,
    existing: dict[str, Any] | None,
    rows_read: int,
    rejected: int,
) -> None:
    totals = _run(
        con,
        "SELECT (SELECT count(*) FROM events WHERE dataset = $1), "
        "(SELECT count(*) FROM activity_instances WHERE dataset = $1), "
        "(SELECT count(*) FROM cases WHERE dataset = $1)",
        [dataset],
    ).fetchone()
    assert totals is not None
    before = existing or {"rows_read": 0, "rejected": 0, "duplicates": 0}
    _run(con, "DELETE FROM datasets WHERE name = ?", [dataset])
    _run(
        con,
        "INSERT INTO datasets VALUES (?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?)",
        [
            dataset,
            str(path),
            prepared.source.format,
            prepared.mapping.layout,
            _stored_profile(profile, prepared.mapping),
            int(before["rows_read"] or 0) + rows_read,
            totals[0],
            totals[1],
            totals[2],
            int(before["rejected"] or 0) + rejected,
            int(before["duplicates"] or 0) + prepared.staged.duplicates,
        ],
    )


# --- public API ----------------------------------------------------------------------------


def ingest(
    source: str | os.PathLike[str],
    dataset: str,
    *,
    db: str | os.PathLike[str] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    profile: Profile | str | os.PathLike[str] | dict[str, Any] | None = None,
    mode: Mode = "create",
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    member: str | None = None,
    after_load: AfterLoad | None = None,
) -> LoadSummary:
    """Load an event log file into the store as the dataset ``dataset``.

    ``mode``: ``create`` refuses an existing name, ``replace`` swaps the dataset whole,
    ``append`` adds only the events not already there and re-derives the instances and
    cases they touch. ``dry_run`` does everything inside a transaction that is rolled
    back, so the summary is exact and nothing is written. ``progress(fraction, message)``
    is called between steps; ``cancel()`` returning True aborts the load (rolled back,
    ``LoanFlowError('load cancelled')``). Raises :class:`LoanFlowError` subclasses for
    files that cannot be loaded, before anything is written. A compressed log (.csv.gz,
    .tsv.gz, .zip) is unpacked first; ``member`` names the log to load in a zip archive
    that holds several (:class:`etl.archives.ArchiveMembersError` lists them otherwise).
    ``after_load(con, dataset)`` runs once the load has committed (never on a dry run),
    on the same connection: the CLI passes the analysis's preparation there, which the
    loader knows nothing about; its time is not in ``seconds``.
    """
    name = _check_name(dataset)
    chosen = _as_profile(profile)
    path = Path(source)
    steps = _Steps(progress, cancel)
    own = con is None
    if con is None:
        con = _open_for(db, dry_run)
        _hold_to_load_limits(con)
    con.execute("SET enable_progress_bar = false")
    try:
        return _ingest(con, name, path, chosen, mode, dry_run, steps, member, after_load)
    finally:
        if own:
            con.close()


def _hold_to_load_limits(con: duckdb.DuckDBPyConnection) -> None:
    """On a connection the load opened itself: DuckDB's memory limit lowered to the
    ``load_duckdb_memory_mb`` setting, so that it spills large tables and sorts to
    temporary files rather than grow with the log; and its threads set to the cores
    other work leaves free (``load_threads``): on a machine whose cores are busy, DuckDB's
    threads wait on each other (BPIC 2012 with analysis preparation, load average 12 on
    two cores: 6.8-7.0 CPU s and 18-20 s with one thread, 8.2-9.0 CPU s and 22-24 s with
    two). A connection passed in keeps the settings its owner chose."""
    con.execute(f"SET memory_limit = '{load_memory_mb()}MB'")
    con.execute(f"SET threads = {load_threads()}")


def load_memory_mb() -> int:
    """The memory DuckDB may hold during a load, in MB (setting ``load_duckdb_memory_mb``;
    at least 64)."""
    try:
        return max(int(float(get_setting("load_duckdb_memory_mb"))), 64)
    except ValueError:
        return 512


def _ingest(
    con: duckdb.DuckDBPyConnection,
    name: str,
    path: Path,
    chosen: Profile,
    mode: Mode,
    dry_run: bool,
    steps: _Steps,
    member: str | None,
    after_load: AfterLoad | None,
) -> LoadSummary:
    prepared = _prepare(con, path, chosen, steps, member=member)
    try:
        counts = _transaction(con, name, path, prepared, chosen, mode, steps, dry_run)
    finally:
        _cleanup(con, prepared, [])
    summary = LoadSummary(
        dataset=name,
        source=str(path),
        format=prepared.source.format,
        layout=prepared.mapping.layout,
        mode=mode,
        duplicates=prepared.staged.duplicates,
        seconds=time.perf_counter() - steps.started,
        mapping=prepared.mapping.to_json(),
        encoding=prepared.source.encoding,
        delimiter=prepared.source.delimiter,
        dry_run=dry_run,
        names_normalised=dict(prepared.staged.names_normalised),
        archive=prepared.source.archive,
        member=prepared.source.member,
        **counts,
    )
    summary.timings = steps.timings()
    if after_load is not None and not dry_run:
        if steps.progress is not None:
            steps.progress(0.99, "preparing the analysis")
        after_load(con, name)
    steps(1.0, "done")
    return summary


def _open_for(db: str | os.PathLike[str] | None, dry_run: bool) -> duckdb.DuckDBPyConnection:
    if dry_run and not store.store_exists(db):
        return store.connect(":memory:")
    return store.connect(db)


def _transaction(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    path: Path,
    prepared: _Prepared,
    profile: Profile,
    mode: str,
    steps: _Steps,
    dry_run: bool,
) -> dict[str, Any]:
    con.execute("BEGIN TRANSACTION")
    try:
        counts = _write(con, dataset, path, prepared, profile, mode, steps)
        steps(0.97, "committing")
    except duckdb.IOException as exc:
        con.execute("ROLLBACK")
        raise _write_failure(exc) from None
    except duckdb.TransactionException as exc:
        con.execute("ROLLBACK")
        raise LoanFlowError(
            f"Another load changed the dataset {dataset!r} at the same time ({exc}). "
            "Try again when it has finished.",
            code="load_conflict",
            dataset=dataset,
            reason=exc,
        ) from None
    except BaseException:
        con.execute("ROLLBACK")
        raise
    try:
        con.execute("ROLLBACK" if dry_run else "COMMIT")
    except duckdb.Error as exc:  # the commit could not be written (disk full, permissions)
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise _write_failure(exc) from None
    return counts


def _write_failure(exc: duckdb.Error) -> LoanFlowError:
    """A clear error for a store that could not be written; nothing was loaded."""
    reason = str(exc).split("Error: ", 1)[-1]
    return LoanFlowError(
        f"Could not write to the store: {reason}. Nothing was loaded and the store is as it "
        "was. Free disk space or fix the folder's permissions, then load again.",
        code="store_write_failed",
        reason=reason,
    )


def preview(
    source: str | os.PathLike[str],
    profile: Profile | str | os.PathLike[str] | dict[str, Any] | None = None,
    rows: int = 10,
    member: str | None = None,
) -> Preview:
    """The mapping a load would use, what was detected, and the first rows as they load.

    Reads only the head of a CSV, Excel or Parquet file (of a compressed CSV, only the
    first megabytes are inflated); writes nothing (it works on an in-memory database).
    ``member`` chooses the log inside a zip archive, as for :func:`ingest`.
    """
    chosen = _as_profile(profile)
    path = Path(source)
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        prepared = _prepare(
            con, path, chosen, _Steps(None, None), limit=max(rows, 1) * 50, member=member
        )
        try:
            return Preview(
                archive=prepared.source.archive,
                member=prepared.source.member,
                source=str(path),
                format=prepared.source.format,
                layout=prepared.mapping.layout,
                encoding=prepared.source.encoding,
                delimiter=prepared.source.delimiter,
                mapping=prepared.mapping.to_json(),
                columns=prepared.source.columns,
                rows=_preview_rows(con, prepared, rows),
            )
        finally:
            _cleanup(con, prepared, [])
    finally:
        con.close()


@contextlib.contextmanager
def staged_rows(
    source: str | os.PathLike[str],
    profile: Profile | str | os.PathLike[str] | dict[str, Any] | None = None,
    limit: int | None = None,
    member: str | None = None,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, str, Mapping, list[str]]]:
    """The file's rows mapped and validated as a load would stage them, in an in-memory
    database: yields (connection, staging table, mapping, the file's columns). The table
    has ``case_id``, ``activity``, ``ts`` (event time, or an instance's end), ``start_ts``,
    ``reason`` (NULL for a row that loads). Only the first ``limit`` rows are read when
    given; nothing is written."""
    chosen = _as_profile(profile)
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        prepared = _prepare(con, Path(source), chosen, _Steps(None, None), limit, member)
        try:
            yield con, prepared.staged.table, prepared.mapping, prepared.source.columns
        finally:
            _cleanup(con, prepared, [])
    finally:
        con.close()


def _preview_rows(
    con: duckdb.DuckDBPyConnection, prepared: _Prepared, rows: int
) -> list[dict[str, Any]]:
    layout = prepared.mapping.layout
    start = (
        "strftime(start_ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS start_ts, "
        if (layout == "instances")
        else ""
    )
    result = con.execute(
        f"SELECT __row AS source_row, case_id, activity, {start}"
        "strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS ts, lifecycle, resource, "
        f"department, reason FROM {quote(prepared.staged.table)} ORDER BY __row LIMIT {rows}"
    )
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def list_datasets(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every dataset in the store with its counts (keys per DESIGN.md, plus details)."""
    result = con.execute(
        "SELECT name, cases, events, activity_instances, source, "
        "strftime(loaded_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS loaded_at, "
        "source_format AS format, layout, rows_read, rejected, duplicates "
        "FROM datasets ORDER BY name"
    )
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def drop_dataset(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Delete a dataset and everything derived from it, in one transaction: its rows in
    every table of the store keyed by a ``dataset`` column (the analysis's too)."""
    if _run(con, "SELECT 1 FROM datasets WHERE name = ?", [name]).fetchone() is None:
        known = ", ".join(store.dataset_names(con)) or NO_DATASETS
        raise UnknownDatasetError(
            f"No dataset named {name!r} in the store. Datasets: {known}.",
            code="unknown_dataset_drop",
            name=name,
            known=known,
        )
    con.execute("BEGIN TRANSACTION")
    try:
        _delete_everywhere(con, name)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
