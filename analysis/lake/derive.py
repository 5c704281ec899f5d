"""The derivations every lake figure rests on, as SQL steps run one by one on an engine.

The same definitions as :mod:`analysis.predecessors` and :mod:`analysis.prepared_tables`
(DESIGN.md, "Definitions"), written once in the SQL both DuckDB and Spark read (the few
differing spellings through :class:`analysis.lake.dialect.Dialect`). Each step is its own
materialised table of the engine (a DuckDB temporary table, a checkpointed Spark
DataFrame), so no engine ever analyses one deep query: Spark's analyser is slow on deeply
nested plans, and a step that is materialised is computed once for every figure.

Steps, per dataset:

1. ``ordered``: the activity instances with their position in the case (``seq``: by
   start, then end with open last, then activity name, then instance id), ``is_last``
   (latest end, an open instance counting as not yet ended, then the later in case order),
   the instants as integer microseconds and the working clock of start and end.
2. ``preds``: each instance's predecessor, the instance of the same case with the latest
   end at or before its start (ties: the later in case order), found without a self-join:
   the ends and starts of a case in one ordered stream, keys (end, seq) and
   (start, seq - 1), the last end at or before each start.
3. ``instances``: predecessor's fields, waiting and processing time (microseconds and
   working seconds), handoff, and "first in its case" flags (of its activity, of its
   edge, of its department pair).
4. ``pingpong``: each X, Y, X of a case's department sequence (runs collapsed), as the
   pairs X->Y and Y->X.
5. ``cases``: the per-case figures (instances, distinct activities, rework, ping-pong,
   handoffs, departments and resources touched, cost, cycle time, events, variant).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime

from analysis.calendar.working_time import daily_working_seconds, utc_offset_changes
from analysis.lake.dialect import Dialect
from etl.profile import Calendar, Profile

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_UNIX_EPOCH = date(1970, 1, 1)
MICROS = 1_000_000
MICROS_PER_HOUR = 3_600_000_000
# Real literals: a literal such as 1.0 is a DECIMAL in Spark (an average of DECIMALs keeps
# five decimals), a DOUBLE only when cast.
ONE, ZERO = "CAST(1 AS DOUBLE)", "CAST(0 AS DOUBLE)"


@dataclass(frozen=True)
class Names:
    """The engine's names of one dataset's tables: sources and derived steps."""

    prefix: str

    def __getattr__(self, step: str) -> str:
        if step.startswith("_"):
            raise AttributeError(step)
        return f"{self.prefix}_{step}"


def epoch_seconds(dialect: Dialect, expr: str) -> str:
    """An instant as DOUBLE seconds since 1970 (what DuckDB's ``epoch`` gives)."""
    return f"(CAST({dialect.epoch_us(expr)} AS DOUBLE) / {MICROS})"


def local_epoch(dialect: Dialect, expr: str, zone: str, bounds: tuple[datetime, datetime]) -> str:
    """The local wall-clock time of an instant in ``zone``, as epoch seconds (DOUBLE): the
    zone's UTC offsets between the bounds written out as a CASE (no engine's zone rules)."""
    changes = utc_offset_changes(zone, *bounds)
    seconds = epoch_seconds(dialect, expr)
    if len(changes) == 1:
        return f"({seconds} + {changes[0][1]})"
    whens = " ".join(
        f"WHEN {seconds} < {when!r} THEN {prev}"
        for (_, prev), (when, _) in itertools.pairwise(changes)
    )
    return f"({seconds} + CASE {whens} ELSE {changes[-1][1]} END)"


def _seconds_of_day(value: object) -> int:
    return int(value.hour * 3600 + value.minute * 60 + value.second)  # type: ignore[attr-defined]


def working_clock(local: str, calendar: Calendar) -> str:
    """Working seconds from Monday 1969-12-29 up to a local time (epoch seconds), as in
    :func:`analysis.calendar.working_clock_sql`, in SQL both engines read alike."""
    workday = [name in calendar.workdays for name in _WEEKDAYS]
    prefix = [sum(workday[:k]) for k in range(7)]
    holidays = sorted(
        (h - _UNIX_EPOCH).days for h in set(calendar.holidays) if workday[h.weekday()]
    )
    start = _seconds_of_day(calendar.hours[0])
    daily = daily_working_seconds(calendar)
    day = f"CAST(floor({local} / CAST(86400 AS DOUBLE)) AS BIGINT)"
    weeks = f"CAST(floor(({day} + 3) / CAST(7 AS DOUBLE)) AS BIGINT)"
    weekday = f"(({day} + 3) - 7 * {weeks})"
    before_week = " ".join(f"WHEN {k} THEN {p}" for k, p in enumerate(prefix))
    works = " ".join(f"WHEN {k} THEN {'true' if w else 'false'}" for k, w in enumerate(workday))
    holidays_before = " + ".join(f"CAST({day} > {h} AS BIGINT)" for h in holidays) or "0"
    is_holiday = f"{day} IN ({', '.join(str(h) for h in holidays)})" if holidays else "false"
    before = (
        f"({weeks} * {sum(workday)} + (CASE {weekday} {before_week} END) - ({holidays_before}))"
    )
    today = (
        f"(CASE WHEN (CASE {weekday} {works} END) AND NOT ({is_holiday})"
        f" THEN least(greatest({local} - {day} * 86400 - {start}, CAST(0 AS DOUBLE)),"
        f" CAST({daily} AS DOUBLE)) ELSE CAST(0 AS DOUBLE) END)"
    )
    return f"(CAST({before} AS DOUBLE) * {daily} + {today})"


def _clock(dialect: Dialect, expr: str, profile: Profile, bounds: tuple[datetime, datetime]) -> str:
    return working_clock(local_epoch(dialect, expr, profile.timezone, bounds), profile.calendar)


def ordered_sql(
    dialect: Dialect, t: Names, profile: Profile, bounds: tuple[datetime, datetime]
) -> str:
    """Step 1: instances with seq, is_last, instants in microseconds, working clock."""
    return f"""
    SELECT *, row_number() OVER (PARTITION BY case_id
            ORDER BY CASE WHEN end_us IS NULL THEN 1 ELSE 0 END DESC, end_us DESC, seq DESC
        ) = 1 AS is_last
    FROM (
        SELECT case_id, instance_id, activity, department, resource, start_ts, end_ts,
            {dialect.epoch_us("start_ts")} AS start_us, {dialect.epoch_us("end_ts")} AS end_us,
            {_clock(dialect, "start_ts", profile, bounds)} AS w_start,
            {_clock(dialect, "end_ts", profile, bounds)} AS w_end,
            CAST(row_number() OVER (PARTITION BY case_id
                ORDER BY start_ts, end_ts NULLS LAST, activity, instance_id) AS BIGINT) AS seq
        FROM {t.src_instances}
    ) o
    """


def preds_sql(dialect: Dialect, t: Names) -> str:
    """Step 2: each instance's predecessor's seq (NULL without one)."""
    return f"""
    SELECT case_id, s + 1 AS seq, pred_seq FROM (
        SELECT case_id, s, kind, {dialect.last_non_null("cand")} OVER (
            PARTITION BY case_id ORDER BY t, s, kind
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS pred_seq
        FROM (
            SELECT case_id, end_us AS t, seq AS s, 0 AS kind, seq AS cand
            FROM {t.ordered} WHERE end_us IS NOT NULL
            UNION ALL
            SELECT case_id, start_us AS t, seq - 1 AS s, 1 AS kind, CAST(NULL AS BIGINT) AS cand
            FROM {t.ordered}
        ) m
    ) w WHERE kind = 1
    """


def instances_sql(t: Names) -> str:
    """Step 3: the derived instances (predecessor, waits, handoff, first-in-case flags)."""
    return f"""
    SELECT *,
        seq = min(seq) OVER (PARTITION BY case_id, activity) AS first_of_activity,
        seq = min(seq) OVER (PARTITION BY case_id, pred_activity, activity) AS first_of_edge,
        handoff AND seq = min(seq) OVER (
            PARTITION BY case_id, handoff, pred_department, department) AS first_of_handoff
    FROM (
        SELECT n.case_id, n.instance_id, n.activity, n.department, n.resource, n.start_ts,
            n.end_ts, n.start_us, n.end_us, n.seq, n.is_last,
            p.instance_id AS pred_id, p.activity AS pred_activity,
            p.department AS pred_department, p.end_us AS pred_end_us,
            n.start_us - p.end_us AS wait_us, n.end_us - n.start_us AS proc_us,
            coalesce(n.department <> p.department, false) AS handoff,
            n.w_start - p.w_end AS wait_work_s, n.w_end - n.w_start AS proc_work_s
        FROM {t.ordered} n
        JOIN {t.preds} q ON q.case_id = n.case_id AND q.seq = n.seq
        LEFT JOIN {t.ordered} p ON p.case_id = n.case_id AND p.seq = q.pred_seq
    ) d
    """


def pingpong_sql(t: Names) -> str:
    """Step 4: per case, the directed department pairs of each X, Y, X (DISTINCT)."""
    triples = f"""(
        SELECT case_id, department AS x,
            lead(department) OVER (PARTITION BY case_id ORDER BY seq) AS y,
            lead(department, 2) OVER (PARTITION BY case_id ORDER BY seq) AS x2
        FROM (
            SELECT case_id, department, seq FROM (
                SELECT case_id, department, seq,
                    lag(department) OVER (PARTITION BY case_id ORDER BY seq) AS previous
                FROM {t.instances} WHERE department IS NOT NULL
            ) r WHERE previous IS NULL OR previous <> department
        ) runs
    )"""
    return f"""
    SELECT DISTINCT case_id, a AS from_department, b AS to_department FROM (
        SELECT case_id, x AS a, y AS b FROM {triples} t1 WHERE x = x2
        UNION ALL
        SELECT case_id, y AS a, x AS b FROM {triples} t2 WHERE x = x2
    ) p
    """


def cost_rate(costs: dict[str, float], column: str) -> str:
    """SQL for the cost per working hour of a department column (0 when not listed)."""
    whens = " ".join(
        f"WHEN '{name.replace(chr(39), chr(39) * 2)}' THEN CAST({float(rate)!r} AS DOUBLE)"
        for name, rate in sorted(costs.items())
    )
    return f"(CASE {column} {whens} ELSE {ZERO} END)"


def cases_sql(
    dialect: Dialect, t: Names, profile: Profile, bounds: tuple[datetime, datetime]
) -> str:
    """Step 5: the per-case figures of every case of the dataset."""
    cost = (
        f"coalesce(sum(proc_work_s / 3600.0 * {cost_rate(profile.costs, 'department')}), 0)"
        if profile.costs
        else "CAST(NULL AS DOUBLE)"
    )
    cycle_work = (
        f"({_clock(dialect, 'c.last_ts', profile, bounds)}"
        f" - {_clock(dialect, 'c.first_ts', profile, bounds)})"
    )
    return f"""
    SELECT c.case_id, c.outcome, c.first_ts, c.last_ts, c.amount, c.product, c.branch,
        c.channel, c.attributes, coalesce(e.events, 0) AS events,
        coalesce(p.instances, 0) AS instances, coalesce(p.activities, 0) AS activities,
        coalesce(p.instances, 0) > coalesce(p.activities, 0) AS rework,
        g.case_id IS NOT NULL AS pingpong,
        coalesce(p.handoffs, 0) AS handoffs,
        coalesce(p.departments_touched, 0) AS departments_touched,
        coalesce(p.resources, 0) AS resources,
        {f"coalesce(p.cost, {ZERO})" if profile.costs else "CAST(NULL AS DOUBLE)"} AS cost,
        {dialect.epoch_us("c.last_ts")} - {dialect.epoch_us("c.first_ts")} AS cycle_us,
        ({epoch_seconds(dialect, "c.last_ts")} - {epoch_seconds(dialect, "c.first_ts")})
            / 3600.0 AS cycle_time_hours,
        {cycle_work} / 3600.0 AS cycle_time_working_hours,
        coalesce(p.variant, {dialect.empty_text_array()}) AS variant
    FROM {t.src_cases} c
    LEFT JOIN (
        SELECT case_id, count(*) AS instances,
            count(*) FILTER (WHERE first_of_activity) AS activities,
            count(*) FILTER (WHERE handoff) AS handoffs,
            count(DISTINCT department) AS departments_touched,
            count(DISTINCT resource) AS resources,
            {cost} AS cost,
            {dialect.ordered_list("activity", "seq")} AS variant
        FROM {t.instances} GROUP BY case_id
    ) p ON p.case_id = c.case_id
    LEFT JOIN (SELECT DISTINCT case_id FROM {t.pingpong}) g ON g.case_id = c.case_id
    LEFT JOIN (SELECT case_id, count(*) AS events FROM {t.src_events} GROUP BY case_id) e
        ON e.case_id = c.case_id
    """


def last_activities_sql(t: Names) -> str:
    """Per case, the activities of every instance at its latest time (an instance's time:
    its end, its start while open): what the open-case rule reads."""
    return f"""
    SELECT case_id, activity FROM (
        SELECT case_id, activity, coalesce(end_us, start_us) AS moment_us,
            max(coalesce(end_us, start_us)) OVER (PARTITION BY case_id) AS last_at
        FROM {t.ordered}
    ) l WHERE moment_us = last_at GROUP BY case_id, activity
    """


def as_utc(value: datetime) -> datetime:
    """An instant as an aware UTC datetime (naive values are taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
