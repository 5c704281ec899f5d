"""Per-case figures: one row per selected case, the base of the KPIs and of comparisons."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analysis.calendar import working_seconds_sql
from analysis.filters import Filters
from analysis.instances import derived_instances_sql
from analysis.scope import Scope, make_scope

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


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def cost_rate_sql(scope: Scope, department: str) -> str:
    """SQL for the profile's cost per working hour of ``department`` (0 when not listed)."""
    costs = scope.profile.costs
    if not costs:
        return "NULL"
    whens = " ".join(
        f"WHEN {_literal(name)} THEN {float(rate)!r}" for name, rate in sorted(costs.items())
    )
    return f"(CASE {department} {whens} ELSE 0.0 END)"


def case_metrics_sql(scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of the case metrics (columns :data:`CASE_METRIC_COLUMNS`) and its params.

    - cycle time: ``last_ts - first_ts`` of the case (calendar and working hours);
    - closed: outcome is not ``open``; sla_met: closed and cycle time within
      ``profile.sla.cycle_time_hours`` (NULL when open or without an SLA);
    - rework: an activity with more than one instance; pingpong: the department sequence
      (instances by start, runs collapsed, unknown departments skipped) holds X, Y, X;
    - handoffs: instances whose department differs from their predecessor's;
    - cost: processing working hours per department times ``profile.costs`` (NaN without
      costs; departments without a rate cost nothing).
    """
    derived, d_params = derived_instances_sql(scope, working=bool(scope.profile.costs))
    cases, c_params = scope.cases_sql()
    sla = scope.profile.sla.cycle_time_hours
    cal, tz = scope.profile.calendar, scope.profile.timezone
    cycle_work = working_seconds_sql("c.first_ts", "c.last_ts", cal, tz)
    cost = (
        f"sum(proc_work_s / 3600.0 * {cost_rate_sql(scope, 'department')})"
        if scope.profile.costs
        else "CAST('NaN' AS DOUBLE)"
    )
    sla_met = (
        f"CASE WHEN c.outcome = 'open' THEN NULL ELSE cycle_time_hours <= {float(sla)!r} END"
        if sla is not None
        else "CAST(NULL AS BOOLEAN)"
    )
    sql = f"""
    WITH di AS ({derived}),
    per_case AS (
        SELECT case_id, count(*) AS instances, count(DISTINCT activity) AS activities,
            count(*) > count(DISTINCT activity) AS rework,
            count(*) FILTER (WHERE handoff) AS handoffs,
            count(DISTINCT department) AS departments_touched,
            count(DISTINCT resource) AS resources,
            {cost} AS cost
        FROM di GROUP BY case_id
    ),
    runs AS (
        SELECT case_id, department, seq FROM (
            SELECT case_id, department, seq,
                lag(department) OVER (PARTITION BY case_id ORDER BY seq) AS previous
            FROM di WHERE department IS NOT NULL
        ) WHERE previous IS DISTINCT FROM department
    ),
    pingpong AS (
        SELECT case_id, bool_or(coalesce(two_back = department, false)) AS pingpong FROM (
            SELECT case_id, department,
                lag(department, 2) OVER (PARTITION BY case_id ORDER BY seq) AS two_back
            FROM runs
        ) GROUP BY case_id
    ),
    base AS (
        SELECT c.case_id, c.outcome, c.first_ts, c.last_ts,
            (epoch(c.last_ts) - epoch(c.first_ts)) / 3600.0 AS cycle_time_hours,
            {cycle_work} / 3600.0 AS cycle_time_working_hours,
            c.outcome <> 'open' AS closed,
            coalesce(p.instances, 0) AS instances, coalesce(p.activities, 0) AS activities,
            coalesce(p.rework, false) AS rework, coalesce(g.pingpong, false) AS pingpong,
            coalesce(p.handoffs, 0) AS handoffs,
            coalesce(p.departments_touched, 0) AS departments_touched,
            coalesce(p.resources, 0) AS resources,
            c.amount, c.product, c.branch, c.channel,
            {"coalesce(p.cost, 0.0)" if scope.profile.costs else "CAST('NaN' AS DOUBLE)"} AS cost
        FROM ({cases}) c
        LEFT JOIN per_case p ON p.case_id = c.case_id
        LEFT JOIN pingpong g ON g.case_id = c.case_id
    )
    SELECT {", ".join(CASE_METRIC_COLUMNS[:-1])}, {sla_met} AS sla_met
    FROM base c
    """
    return sql, [*d_params, *c_params]


def case_metrics(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> pd.DataFrame:
    """One row per selected case with the columns :data:`CASE_METRIC_COLUMNS`.

    Cost is NaN when the profile gives no costs; sla_met is NA for open cases or without
    an SLA. Rows are ordered by case_id.
    """
    scope = make_scope(con, dataset, filters)
    sql, params = case_metrics_sql(scope)
    frame = con.execute(f"SELECT * FROM ({sql}) ORDER BY case_id", params).fetchdf()
    frame["sla_met"] = frame["sla_met"].astype("boolean")
    for column in ("closed", "rework", "pingpong"):
        frame[column] = frame[column].astype(bool)
    return frame
