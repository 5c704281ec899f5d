"""Bottlenecks: where the selected cases wait, where they are worked on, and who is loaded.

Per activity (and per department): waiting time before its instances against their
processing time, and each one's share of the total cycle time of the selected cases
(sum over instances / sum of case cycle times; parallel branches overlap, so the shares of
a case's parts may add up to more than one). Resource workload, and the open cases that
have waited longest (an SLA early warning), complete the view.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.open_cases import credible_open_sql, last_instances_sql, open_case_rule
from analysis.prepared_tables import case_rows_sql, instance_rows_sql, main_department_sql
from analysis.quantiles import duration_quantile, optional_median
from analysis.scope import Scope, make_scope

ACTIVITY_COLUMNS = (
    "activity",
    "department",
    "instances",
    "median_wait_hours",
    "median_processing_hours",
    "total_wait_hours",
    "total_processing_hours",
    "median_wait_working_hours",
    "median_processing_working_hours",
    "share_of_cycle_time",
    "wait_share_of_cycle_time",
    "processing_share_of_cycle_time",
)


def _grouped_sql(
    con: duckdb.DuckDBPyConnection, scope: Scope, working: bool
) -> tuple[str, list[Any]]:
    """Waiting and processing per (activity, department) and per department, in one pass
    over the instances (two grouping sets; ``level`` 0 and 1). The grouping is by integer
    codes, the names are read back per group. Without ``working`` the working-time medians
    are NULL."""
    derived, params = instance_rows_sql(con, scope)
    cases, c_params = case_rows_sql(con, scope)
    sql = f"""
    WITH di AS ({derived}),
    total AS (SELECT sum(epoch(last_ts) - epoch(first_ts)) AS cycle_s FROM ({cases}))
    SELECT grouping(activity_no) AS level,
        CASE WHEN grouping(activity_no) = 0 THEN any_value(activity) END AS activity,
        any_value(department) AS department, count(*) AS instances,
        {duration_quantile("wait_s", 0.5)} / 3600.0 AS median_wait_hours,
        {duration_quantile("proc_s", 0.5)} / 3600.0 AS median_processing_hours,
        coalesce(sum(wait_s), 0) / 3600.0 AS total_wait_hours,
        coalesce(sum(proc_s), 0) / 3600.0 AS total_processing_hours,
        {optional_median("wait_work_s", working)} / 3600.0 AS median_wait_working_hours,
        {optional_median("proc_work_s", working)} / 3600.0 AS median_processing_working_hours,
        (coalesce(sum(wait_s), 0) + coalesce(sum(proc_s), 0))
            / nullif(any_value(total.cycle_s), 0) AS share_of_cycle_time,
        coalesce(sum(wait_s), 0) / nullif(any_value(total.cycle_s), 0)
            AS wait_share_of_cycle_time,
        coalesce(sum(proc_s), 0) / nullif(any_value(total.cycle_s), 0)
            AS processing_share_of_cycle_time
    FROM di CROSS JOIN total
    GROUP BY GROUPING SETS ((activity_no, department_no), (department_no))
    ORDER BY level, total_wait_hours DESC, instances DESC, activity, department
    """
    return sql, [*params, *c_params]


def bottleneck_tables(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    working: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables of the Bottlenecks view from one pass over the instances: per
    (activity, department) and per department (see :func:`activity_bottlenecks`)."""
    sql, params = _grouped_sql(con, make_scope(con, dataset, filters), working)
    both = con.execute(sql, params).fetchdf()
    activities = both[both["level"] == 0].drop(columns="level").reset_index(drop=True)
    departments = (
        both[both["level"] == 1].drop(columns=["level", "activity"]).reset_index(drop=True)
    )
    return activities, departments


def activity_bottlenecks(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    working: bool = True,
) -> pd.DataFrame:
    """Per (activity, department): waiting vs processing, largest total waiting first.

    ``working=False`` leaves the working-time medians NULL (faster; the dashboard does not
    show them)."""
    return bottleneck_tables(con, dataset, filters, working=working)[0]


def department_bottlenecks(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    working: bool = True,
) -> pd.DataFrame:
    """Per department: waiting vs processing, largest total waiting first (``working`` as
    in :func:`activity_bottlenecks`)."""
    return bottleneck_tables(con, dataset, filters, working=working)[1]


def resource_workload(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    median: bool = True,
) -> pd.DataFrame:
    """Per resource: instances, cases, processing hours (calendar, working), open instances.

    ``median=False`` leaves the median processing hours NULL (faster; the dashboard does
    not show them)."""
    scope = make_scope(con, dataset, filters)
    derived, params = instance_rows_sql(con, scope)
    sql = f"""
    WITH di AS NOT MATERIALIZED ({derived}),
    main AS ({main_department_sql("di", "resource")}),
    per_resource AS (
        SELECT resource_no, any_value(resource) AS resource, count(*) AS instances,
            count(*) FILTER (WHERE first_of_resource) AS cases,
            coalesce(sum(proc_s), 0) / 3600.0 AS processing_hours,
            coalesce(sum(proc_work_s), 0) / 3600.0 AS processing_working_hours,
            {optional_median("proc_s", median)} / 3600.0 AS median_processing_hours,
            count(*) FILTER (WHERE end_ts IS NULL) AS open_instances
        FROM di WHERE resource_no IS NOT NULL GROUP BY resource_no
    )
    SELECT r.resource, main.department, r.instances, r.cases, r.processing_hours,
        r.processing_working_hours, r.median_processing_hours, r.open_instances
    FROM per_resource r LEFT JOIN main USING (resource_no)
    ORDER BY r.instances DESC, r.resource
    """
    return con.execute(sql, params).fetchdf()


WAITING_ORDER = "waiting_hours DESC, age_hours DESC, case_id"
SLA_RISK_COLUMNS = (
    "case_id",
    "last_activity",
    "last_department",
    "age_hours",
    "waiting_hours",
    "sla_hours_left",
)


def _open_cases(
    con: duckdb.DuckDBPyConnection, scope: Scope, order: str, limit: int
) -> pd.DataFrame:
    """The credibly open cases of a scope with their age and waiting (see
    :func:`open_cases_waiting`), in ``order``, at most ``limit``."""
    rule = open_case_rule(con, scope)
    cases, params = scope.cases_sql()
    condition, c_params = credible_open_sql(rule)
    sla = scope.profile.sla.cycle_time_hours
    left = f"{float(sla)!r} - age_hours" if sla is not None else "CAST(NULL AS DOUBLE)"
    sql = f"""
    WITH sel AS ({cases}),
    l AS ({last_instances_sql("SELECT case_id FROM sel WHERE outcome = 'open'")}),
    aged AS (
        SELECT c.case_id, c.first_ts, c.last_ts, l.last_activity, l.last_department,
            (epoch(CAST(? AS TIMESTAMPTZ)) - epoch(c.first_ts)) / 3600.0 AS age_hours,
            (epoch(CAST(? AS TIMESTAMPTZ)) - epoch(c.last_ts)) / 3600.0 AS waiting_hours,
            CAST(? AS TIMESTAMPTZ) AS as_of
        FROM sel c LEFT JOIN l ON l.case_id = c.case_id
        WHERE {condition}
    )
    SELECT case_id, first_ts, last_ts, last_activity, last_department, age_hours,
        waiting_hours, {left} AS sla_hours_left, as_of
    FROM aged ORDER BY {order} LIMIT {int(limit)}
    """
    as_of = [rule.as_of] * 3
    return con.execute(sql, [*params, scope.dataset, *as_of, *c_params]).fetchdf()


def open_cases_waiting(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    limit: int = 20,
) -> pd.DataFrame:
    """Credibly open cases that have waited longest, as of the dataset's latest timestamp.

    Only cases :mod:`analysis.open_cases` judges credibly open (outcome open, last activity
    not an end activity, last event recent). Columns: case_id, first_ts, last_ts,
    last_activity, last_department, age_hours (as of minus first_ts), waiting_hours (as of
    minus the case's last timestamp), sla_hours_left (SLA minus age; negative when
    breached; NULL without an SLA), as_of.
    """
    return _open_cases(con, make_scope(con, dataset, filters), WAITING_ORDER, limit)


def sla_risk(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    limit: int = 10,
) -> pd.DataFrame:
    """The credibly open cases nearest to breaching the SLA (``loanflow sla-risk``, the
    Overview's early warning): least time left first; without an SLA, the oldest first
    (ties: longest waiting, then case id). Columns: :data:`SLA_RISK_COLUMNS`."""
    scope = make_scope(con, dataset, filters)
    order = (
        "sla_hours_left, waiting_hours DESC, case_id"
        if scope.profile.sla.cycle_time_hours is not None
        else "age_hours DESC, waiting_hours DESC, case_id"
    )
    return _open_cases(con, scope, order, limit).loc[:, list(SLA_RISK_COLUMNS)]
