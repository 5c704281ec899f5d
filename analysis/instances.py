"""The shared SQL core: activity instances of the selected cases, with their derivations.

Per instance (DESIGN.md, "Definitions"):

- ``pred_*``: its **predecessor**, the instance of the same case with the latest end at or
  before its start (ties: the later start, then the larger instance id). A predecessor
  always comes earlier in the case's order (start, end, instance id): among instants
  (start = end) sharing one timestamp, the predecessor of each is the one before it in
  that order, so two instants never precede each other.
- ``wait_s``: its **waiting time**, start minus the predecessor's end (NULL without one).
- ``proc_s``: its **processing time**, end minus start (NULL for an open instance).
- ``handoff``: its department differs from the predecessor's (both known).
- ``seq``: its position in the case when instances are ordered by start (then end, then id),
  the order of variants and of the department sequence used for ping-pong.
- ``wait_work_s``/``proc_work_s``: the same durations in working seconds (profile calendar).

The predecessor is found in one pass, without a self-join: every completed instance emits
an "end" row keyed (end, start, id) and every instance a "query" row at its start; ordered
by time, a running ``max`` of the keys up to each query row is its predecessor. Open
instances (no end) are never predecessors and have no processing time; their waiting time,
fully observed, counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from analysis.calendar import local_epoch_sql, working_clock_sql
from analysis.scope import Scope


def selected_instances_sql(scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of the raw activity instances of the selected cases, and its params."""
    sql = (
        "SELECT i.case_id, i.instance_id, i.activity, i.department, i.resource,"
        " i.start_ts, i.end_ts FROM activity_instances i WHERE i.dataset = ?"
    )
    if scope.filters.is_empty():
        return sql, [scope.dataset]
    cases, params = scope.cases_sql()
    return f"{sql} AND i.case_id IN (SELECT case_id FROM ({cases}))", [scope.dataset, *params]


def derived_instances_sql(
    scope: Scope,
    *,
    working: bool = False,
    bounds: tuple[datetime, datetime] | None = None,
) -> tuple[str, list[Any]]:
    """SELECT of the selected instances with predecessor, waits, processing, handoff, seq.

    Computed from ``activity_instances`` on every call; :func:`analysis.derived.instance_rows_sql`
    reads the same rows from the per-dataset table built once.

    Columns: case_id, instance_id, activity, department, resource, start_ts, end_ts, seq,
    is_last (the case's last instance: latest end, an open one counting as not yet ended,
    then later start, then larger id), pred_id, pred_activity, pred_department,
    pred_end_ts, wait_s, proc_s, handoff, and with ``working`` also wait_work_s and
    proc_work_s. ``bounds`` (earliest, latest instant of the dataset) speeds up the local
    time conversion (see :func:`analysis.calendar.local_epoch_sql`).
    """
    inst, params = selected_instances_sql(scope)
    clock, carry, extra, hide = "", "", "", ""
    if working:
        cal, tz = scope.profile.calendar, scope.profile.timezone
        w_start = working_clock_sql(local_epoch_sql("start_ts", tz, bounds), cal)
        w_end = working_clock_sql(local_epoch_sql("end_ts", tz, bounds), cal)
        clock = f", {w_start} AS w_start, {w_end} AS w_end"
        carry = ", 'w': w_end"
        extra = ", n.w_start - p.pred_w_end AS wait_work_s, n.w_end - n.w_start AS proc_work_s"
        hide = " EXCLUDE (w_start, w_end)"
    sql = f"""
    WITH inst AS (SELECT *{clock} FROM ({inst}))
    SELECT n.*{hide}, p.pred_id, p.pred_activity, p.pred_department, p.pred_end_ts,
        epoch(n.start_ts) - epoch(p.pred_end_ts) AS wait_s,
        epoch(n.end_ts) - epoch(n.start_ts) AS proc_s,
        coalesce(n.department <> p.pred_department, false) AS handoff{extra}
    FROM (
        SELECT *,
            row_number() OVER (PARTITION BY case_id
                ORDER BY start_ts, end_ts NULLS LAST, instance_id) AS seq,
            row_number() OVER (PARTITION BY case_id
                ORDER BY end_ts DESC NULLS FIRST, start_ts DESC, instance_id DESC) = 1 AS is_last
        FROM inst
    ) n
    LEFT JOIN (
        SELECT case_id, oid AS instance_id, k.id AS pred_id, k.a AS pred_activity,
            k.d AS pred_department, k.e AS pred_end_ts{", k.w AS pred_w_end" if working else ""}
        FROM (
            SELECT case_id, oid, kind, max(k) OVER (PARTITION BY case_id
                ORDER BY t, grp, oid, kind ROWS UNBOUNDED PRECEDING) AS k
            FROM (
                SELECT case_id, end_ts AS t,
                    CASE WHEN start_ts < end_ts THEN 0 ELSE 1 END AS grp,
                    instance_id AS oid, 1 AS kind,
                    {{'e': end_ts, 's': start_ts, 'id': instance_id,
                      'a': activity, 'd': department{carry}}} AS k
                FROM inst WHERE end_ts IS NOT NULL
                UNION ALL
                SELECT case_id, start_ts,
                    CASE WHEN end_ts = start_ts THEN 1 ELSE 2 END,
                    instance_id, 0, NULL
                FROM inst
            )
            QUALIFY kind = 0
        )
    ) p ON p.case_id = n.case_id AND p.instance_id = n.instance_id
    """
    return sql, params
