"""Each activity instance's predecessor, and what follows from it: its waiting time, its
processing time, whether it is a handoff, its place in the case order. The shared SQL
core every figure rests on (the activity instances of the selected cases, raw or with
these columns); :mod:`analysis.prepared_tables` stores its result once per dataset.

Per instance (DESIGN.md, "Definitions"):

- ``pred_*``: its **predecessor**, the instance of the same case with the latest end at or
  before its start (ties: the later start, then the later in case order). A predecessor
  always comes earlier in the case order (start, end, activity name, instance id): among instants
  (start = end) sharing one timestamp, the predecessor of each is the one before it in
  that order, so two instants never precede each other.
- ``wait_s``: its **waiting time**, start minus the predecessor's end (NULL without one).
- ``proc_s``: its **processing time**, end minus start (NULL for an open instance).
- ``handoff``: its department differs from the predecessor's (both known).
- ``seq``: its position in the case order: by start, then end (open last), then activity
  name, then instance id (the name makes ties independent of how a load numbered the
  instances); the order of variants and of the department sequence used for ping-pong.
- ``wait_work_s``/``proc_work_s``: the same durations in working seconds (profile calendar).

The predecessor is found by one ASOF join per case (see ``_SEQ_SPAN``), without a
self-join, over narrow rows (case number, instance id, keys): the case order, the ASOF
join and the last-instance window sort only those, and the predecessor's fields are
fetched afterwards by its instance id (carrying every column through the sorts cost
about a tenth more on BPIC 2012). Open instances (no end) are never predecessors and have
no processing time; their waiting time, fully observed, counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from analysis.calendar import local_epoch_sql, working_clock_sql
from analysis.scope import Scope

# The predecessor as one ASOF join: an instance b precedes a when b.end <= a.start and b
# comes first in the case order (b.seq < a.seq; only instants at a.start need the second
# test). Keys (end, seq) for candidates and (start, seq - 1) for the query make that a
# single inequality, and the largest candidate key is the latest end, then the later start
# (same end: seq orders by start, then name and id). A case holds fewer than 2**20 instances.
_SEQ_SPAN = 1048576
_OPEN_END = "CAST(9223372036854775807 AS HUGEINT)"


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

    Computed from ``activity_instances`` on every call;
    :func:`analysis.prepared_tables.instance_rows_sql` reads the same rows from the
    per-dataset table built once.

    Columns: case_id, instance_id, activity, department, resource, start_ts, end_ts, seq,
    is_last (the case's last instance: latest end, an open one counting as not yet ended,
    then the later in case order), pred_id, pred_activity, pred_department,
    pred_end_ts, wait_s, proc_s, handoff, and with ``working`` also wait_work_s and
    proc_work_s. ``bounds`` (earliest, latest instant of the dataset) speeds up the local
    time conversion (see :func:`analysis.calendar.local_epoch_sql`).
    """
    inst, params = selected_instances_sql(scope)
    clock, extra = "", ""
    if working:
        cal, tz = scope.profile.calendar, scope.profile.timezone
        w_start = working_clock_sql(local_epoch_sql("start_ts", tz, bounds), cal)
        w_end = working_clock_sql(local_epoch_sql("end_ts", tz, bounds), cal)
        clock = f", {w_start} AS w_start, {w_end} AS w_end"
        extra = ", s.w_start - p.w_end AS wait_work_s, s.w_end - s.w_start AS proc_work_s"
    sql = f"""
    WITH selected AS MATERIALIZED ({inst}),
    case_numbers AS (
        SELECT case_id, row_number() OVER (ORDER BY case_id) AS case_key
        FROM (SELECT DISTINCT case_id FROM selected)
    ),
    src AS MATERIALIZED (
        SELECT s.*, k.case_key{clock} FROM selected s JOIN case_numbers k USING (case_id)
    ),
    ordered AS MATERIALIZED (
        SELECT instance_id, case_key, start_ts, end_ts, row_number() OVER (
            PARTITION BY case_key ORDER BY start_ts, end_ts NULLS LAST, activity, instance_id
        ) AS seq
        FROM src
    ),
    keyed AS MATERIALIZED (
        SELECT instance_id, case_key, seq,
            CAST(epoch_us(start_ts) AS HUGEINT) * {_SEQ_SPAN} + (seq - 1) AS query_key,
            CAST(epoch_us(end_ts) AS HUGEINT) * {_SEQ_SPAN} + seq AS end_key,
            coalesce(CAST(epoch_us(end_ts) AS HUGEINT), {_OPEN_END}) * {_SEQ_SPAN} + seq
                AS last_key
        FROM ordered
    ),
    linked AS (
        SELECT n.instance_id, n.seq,
            n.last_key = max(n.last_key) OVER (PARTITION BY n.case_key) AS is_last,
            p.instance_id AS pred_id
        FROM keyed n
        ASOF LEFT JOIN (
            SELECT case_key, instance_id, end_key FROM keyed WHERE end_key IS NOT NULL
        ) p ON n.case_key = p.case_key AND n.query_key >= p.end_key
    )
    SELECT s.case_id, s.instance_id, s.activity, s.department, s.resource, s.start_ts,
        s.end_ts, l.seq, l.is_last,
        l.pred_id, p.activity AS pred_activity,
        p.department AS pred_department, p.end_ts AS pred_end_ts,
        epoch(s.start_ts) - epoch(p.end_ts) AS wait_s,
        epoch(s.end_ts) - epoch(s.start_ts) AS proc_s,
        coalesce(s.department <> p.department, false) AS handoff{extra}
    FROM src s
    JOIN linked l ON l.instance_id = s.instance_id
    LEFT JOIN src p ON p.instance_id = l.pred_id
    """
    return sql, params
