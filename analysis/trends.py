"""Trends over time: weekly throughput and cycle time, and work in progress.

Weeks start on Monday in the profile's time zone. A case is *started* in the week of its
first timestamp and *closed* in the week of its last when it is closed (its outcome is not
open; without mapped outcomes, it is not credibly open, see :mod:`analysis.open_cases`).
Work in progress on a day is the number of cases started on or before that day and not yet
ended by its end (cases not closed stay in progress up to the dataset's latest day).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from analysis.calendar import local_epoch_sql
from analysis.filters import Filters
from analysis.open_cases import closed_sql
from analysis.prepared_tables import case_rows_sql, dataset_bounds
from analysis.scope import make_scope
from analysis.sla import sla_compliance_sql


def _local(expr: str, timezone: str, bounds: tuple[datetime, datetime] | None) -> str:
    """SQL for the local wall-clock TIMESTAMP of a TIMESTAMPTZ column: the zone's offsets
    over the dataset's span written out (see :func:`analysis.calendar.local_epoch_sql`),
    not a time-zone conversion per row."""
    epoch = local_epoch_sql(expr, timezone, bounds)
    return f"make_timestamp(CAST(round({epoch} * 1000000) AS BIGINT))"


def weekly_trend(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> pd.DataFrame:
    """Per week: cases started, cases closed, the median/mean/p90 cycle hours (and median
    working hours) of the cases closed that week, and their SLA compliance (NULL without
    an SLA).

    ``days_covered`` (1-7) counts the week's local days the extract covers (from the day of
    the dataset's first timestamp to the day of its last); ``complete`` is false for a week
    the extract covers only in part (the first and last weeks, usually), whose counts are
    not comparable with the others'.
    """
    scope = make_scope(con, dataset, filters)
    cases, params = case_rows_sql(con, scope)
    tz = scope.profile.timezone
    bounds = dataset_bounds(con, scope.dataset)
    sla = scope.profile.sla.cycle_time_hours
    within = sla_compliance_sql(sla, open_sql="NOT is_closed")
    closed, c_params = closed_sql(con, scope)
    sql = f"""
    WITH sel AS (SELECT *, {closed} AS is_closed FROM ({cases})),
    started AS (
        SELECT CAST(date_trunc('week', {_local("first_ts", tz, bounds)}) AS DATE) AS week,
            count(*) AS started
        FROM sel GROUP BY 1
    ),
    closed AS (
        SELECT CAST(date_trunc('week', {_local("last_ts", tz, bounds)}) AS DATE) AS week,
            count(*) AS closed,
            quantile_cont(cycle_time_hours, 0.5) AS median_cycle_time_hours,
            avg(cycle_time_hours) AS mean_cycle_time_hours,
            quantile_cont(cycle_time_hours, 0.9) AS p90_cycle_time_hours,
            quantile_cont(cycle_time_working_hours, 0.5) AS median_cycle_time_working_hours,
            {within} AS sla_compliance
        FROM sel WHERE is_closed
        GROUP BY 1
    )
    SELECT week, coalesce(s.started, 0) AS started, coalesce(c.closed, 0) AS closed,
        c.median_cycle_time_hours, c.mean_cycle_time_hours, c.p90_cycle_time_hours,
        c.median_cycle_time_working_hours, c.sla_compliance
    FROM started s FULL OUTER JOIN closed c USING (week)
    ORDER BY week
    """
    return mark_complete_weeks(con.execute(sql, [*c_params, *params]).fetchdf(), bounds, tz)


def mark_complete_weeks(
    weeks: pd.DataFrame, bounds: tuple[datetime, datetime] | None, timezone: str
) -> pd.DataFrame:
    """Add ``days_covered`` and ``complete`` to a frame with a ``week`` column (Mondays):
    how many of the week's days lie between the local days of ``bounds`` (the extract)."""
    frame = weeks.copy()
    if bounds is None or frame.empty:
        frame["days_covered"] = pd.Series(dtype="int64")
        frame["complete"] = pd.Series(dtype="bool")
        return frame
    zone = ZoneInfo(timezone)
    first, last = (b.astimezone(zone).date() for b in bounds)
    starts = pd.to_datetime(frame["week"]).dt.date
    covered = [
        max(0, (min(start + timedelta(days=6), last) - max(start, first)).days + 1)
        for start in starts
    ]
    frame["days_covered"] = pd.Series(covered, index=frame.index, dtype="int64")
    frame["complete"] = frame["days_covered"] == 7
    return frame


def wip_over_time(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> pd.DataFrame:
    """Per local day from the first to the last day of the selection: cases in progress at
    the end of the day (columns day, wip, started, ended)."""
    scope = make_scope(con, dataset, filters)
    cases, params = case_rows_sql(con, scope)
    tz = scope.profile.timezone
    bounds = dataset_bounds(con, scope.dataset)
    closed, c_params = closed_sql(con, scope)
    sql = f"""
    WITH sel AS (SELECT *, {closed} AS is_closed FROM ({cases})),
    spans AS (
        SELECT CAST({_local("first_ts", tz, bounds)} AS DATE) AS first_day,
            CASE WHEN NOT is_closed THEN NULL
                 ELSE CAST({_local("last_ts", tz, bounds)} AS DATE) END AS end_day
        FROM sel
    ),
    bounds AS (
        SELECT min(first_day) AS lo,
            (SELECT CAST(max({_local("last_ts", tz, bounds)}) AS DATE) FROM sel) AS hi
        FROM spans
    ),
    days AS (
        SELECT CAST(d AS DATE) AS day
        FROM bounds, generate_series(bounds.lo, bounds.hi, INTERVAL 1 DAY) AS g(d)
    ),
    started AS (SELECT first_day AS day, count(*) AS n FROM spans GROUP BY 1),
    ended AS (SELECT end_day AS day, count(*) AS n FROM spans
              WHERE end_day IS NOT NULL GROUP BY 1)
    SELECT d.day, coalesce(s.n, 0) AS started, coalesce(e.n, 0) AS ended,
        CAST(sum(coalesce(s.n, 0) - coalesce(e.n, 0)) OVER (ORDER BY d.day) AS BIGINT) AS wip
    FROM days d LEFT JOIN started s USING (day) LEFT JOIN ended e USING (day)
    ORDER BY d.day
    """
    return con.execute(sql, [*c_params, *params]).fetchdf()
