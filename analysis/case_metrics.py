"""Per-case figures: one row per selected case, the base of the KPIs and of comparisons."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.open_cases import closed_sql
from analysis.prepared_tables import case_rows_sql
from analysis.scope import Scope, make_scope
from analysis.sla import sla_met_sql

CASE_METRIC_COLUMNS = (
    "case_id",
    "outcome",
    "first_ts",
    "last_ts",
    "cycle_time_hours",
    "cycle_time_working_hours",
    "closed",
    "instances",
    "activities",
    "rework",
    "pingpong",
    "handoffs",
    "departments_touched",
    "resources",
    "amount",
    "product",
    "branch",
    "channel",
    "cost",
    "sla_met",
)


def case_metrics_sql(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of the case metrics (columns :data:`CASE_METRIC_COLUMNS`) and its params.

    - cycle time: ``last_ts - first_ts`` of the case (calendar and working hours);
    - closed: outcome is not ``open`` (without mapped outcomes: not credibly open, see
      :mod:`analysis.open_cases`); sla_met: closed and cycle time within
      ``profile.sla.cycle_time_hours`` (NULL when open or without an SLA);
    - rework: an activity with more than one instance; pingpong: the department sequence
      (instances by start, runs collapsed, unknown departments skipped) holds X, Y, X;
    - handoffs: instances whose department differs from their predecessor's;
    - cost: processing working hours per department times ``profile.costs`` (NaN without
      costs; departments without a rate cost nothing).
    """
    rows, params = case_rows_sql(con, scope)
    closed, c_params = closed_sql(con, scope)
    sla = scope.profile.sla.cycle_time_hours
    sla_met = sla_met_sql(sla, open_sql="NOT is_closed")
    cost = "cost" if scope.profile.costs else "CAST('NaN' AS DOUBLE)"
    columns = [
        c if c != "cost" else f"{cost} AS cost"
        for c in CASE_METRIC_COLUMNS
        if c not in ("closed", "sla_met")
    ]
    columns.insert(CASE_METRIC_COLUMNS.index("closed"), "is_closed AS closed")
    sql = (
        f"SELECT {', '.join(columns)}, {sla_met} AS sla_met"
        f" FROM (SELECT *, {closed} AS is_closed FROM ({rows}))"
    )
    return sql, [*c_params, *params]


def case_metrics(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> pd.DataFrame:
    """One row per selected case with the columns :data:`CASE_METRIC_COLUMNS`.

    Cost is NaN when the profile gives no costs; sla_met is NA for open cases or without
    an SLA. Rows are ordered by case_id.
    """
    scope = make_scope(con, dataset, filters)
    sql, params = case_metrics_sql(con, scope)
    frame = con.execute(f"SELECT * FROM ({sql}) ORDER BY case_id", params).fetchdf()
    return typed_case_metrics(frame)


def typed_case_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """The case metrics' columns as the comparison reads them: ``sla_met`` nullable
    boolean, ``closed``, ``rework``, ``pingpong`` boolean (whichever engine computed them)."""
    frame["sla_met"] = frame["sla_met"].astype("boolean")
    for column in ("closed", "rework", "pingpong"):
        frame[column] = frame[column].astype(bool)
    return frame


def case_page(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    order: tuple[tuple[str, bool], ...] = (),
    offset: int = 0,
    limit: int = 100,
) -> tuple[pd.DataFrame, int]:
    """One page of the selected cases' metrics, sorted in DuckDB, and the number of cases.

    ``order`` lists (column, descending) pairs of :data:`CASE_METRIC_COLUMNS`, the first
    the primary key; empty values sort last either way and ties keep case_id order. Only
    the rows of the page leave DuckDB, whatever the number of cases.
    """
    scope = make_scope(con, dataset, filters)
    sql, params = case_metrics_sql(con, scope)
    keys = [
        f"{name} {'DESC' if descending else 'ASC'} NULLS LAST"
        for name, descending in order
        if name in CASE_METRIC_COLUMNS
    ]
    ordering = ", ".join([*keys, "case_id"])
    frame = con.execute(
        f"SELECT * FROM ({sql}) ORDER BY {ordering} LIMIT {max(0, int(limit))} "
        f"OFFSET {max(0, int(offset))}",
        params,
    ).fetchdf()
    frame = typed_case_metrics(frame)
    total = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
    return frame, int(total[0]) if total else 0
