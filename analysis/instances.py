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

from typing import Any

from analysis.calendar import working_seconds_sql
from analysis.scope import Scope


def selected_instances_sql(scope: Scope) -> tuple[str, list[Any]]:
    """SELECT of the raw activity instances of the selected cases, and its params."""
    cases, params = scope.cases_sql()
    sql = (
        "SELECT i.case_id, i.instance_id, i.activity, i.department, i.resource,"
        " i.start_ts, i.end_ts FROM activity_instances i"
        f" WHERE i.dataset = ? AND i.case_id IN (SELECT case_id FROM ({cases}))"
    )
    return sql, [scope.dataset, *params]


def derived_instances_sql(scope: Scope, *, working: bool = False) -> tuple[str, list[Any]]:
    """SELECT of the selected instances with predecessor, waits, processing, handoff, seq.

    Columns: case_id, instance_id, activity, department, resource, start_ts, end_ts,
    pred_id, pred_activity, pred_department, pred_end_ts, wait_s, proc_s, handoff, seq,
    is_last (the case's last instance: latest end, an open one counting as not yet ended,
    then later start, then larger id), and
    with ``working`` also wait_work_s and proc_work_s.
    """
    inst, params = selected_instances_sql(scope)
    extra = ""
    if working:
        cal, tz = scope.profile.calendar, scope.profile.timezone
        wait_work = working_seconds_sql("p.pred_end_ts", "n.start_ts", cal, tz)
        proc_work = working_seconds_sql("n.start_ts", "n.end_ts", cal, tz)
        extra = f", {wait_work} AS wait_work_s, {proc_work} AS proc_work_s"
    sql = f"""
    WITH inst AS ({inst})
    SELECT n.*, p.pred_id, p.pred_activity, p.pred_department, p.pred_end_ts,
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
            k.d AS pred_department, k.e AS pred_end_ts
        FROM (
            SELECT case_id, oid, kind, max(k) OVER (PARTITION BY case_id
                ORDER BY t, grp, oid, kind ROWS UNBOUNDED PRECEDING) AS k
            FROM (
                SELECT case_id, end_ts AS t,
                    CASE WHEN start_ts < end_ts THEN 0 ELSE 1 END AS grp,
                    instance_id AS oid, 1 AS kind,
                    {{'e': end_ts, 's': start_ts, 'id': instance_id,
                      'a': activity, 'd': department}} AS k
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
