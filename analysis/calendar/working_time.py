"""Working time: durations counted only inside the profile's business calendar.

The calendar (``profile.calendar``) gives the workdays, the working hours and the holidays;
the hours are wall-clock time in the profile's time zone. A working duration is computed in
DuckDB, vectorised, as ``W(end) - W(start)`` where ``W(t)`` counts the working seconds from
a fixed Monday (1969-12-29) up to the local wall-clock time of ``t``:

    W(t) = daily_seconds * (workdays before the local date of t, holidays excluded)
           + the working seconds of t's own day up to t (none on a weekend or holiday)

Workdays before a date are whole weeks times the workdays per week, plus the workdays of the
partial week, minus the holidays (that fall on a workday) before that date. Unlike pm4py's
business hours, holidays are honoured (pm4py#558) and a working hour is an hour, not 1/24 of
a day (pm4py#559).

Local time is ``epoch + UTC offset``. :func:`local_epoch_sql` writes the offset either with
DuckDB's ``timezone()`` (any instant) or, much faster on large tables, as the few offset
changes of the zone between two bounds, found with :mod:`zoneinfo`.
"""

from __future__ import annotations

import functools
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from etl.profile import Calendar

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_UNIX_EPOCH = date(1970, 1, 1)  # a Thursday: weekday index (days + 3) % 7, Monday = 0


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def daily_working_seconds(calendar: Calendar) -> int:
    """Working seconds in one workday."""
    return _seconds(calendar.hours[1]) - _seconds(calendar.hours[0])


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@functools.lru_cache(maxsize=64)
def utc_offset_changes(zone_name: str, lo: datetime, hi: datetime) -> list[tuple[float, int]]:
    """The UTC offsets of a zone between two instants: [(from epoch seconds, offset s)].

    The first entry starts at -infinity. Offsets are sampled once a day (no zone changes
    its offset twice within a day) and each change is located to the second by bisection.
    Results are kept per (zone, span): every view of a dataset asks for the same span.
    """
    zone = ZoneInfo(zone_name)

    def offset(epoch: float) -> int:
        moment = datetime.fromtimestamp(epoch, tz=UTC).astimezone(zone)
        delta = moment.utcoffset()
        return int(delta.total_seconds()) if delta else 0

    start, stop = lo.timestamp() - 86400, hi.timestamp() + 86400
    changes: list[tuple[float, int]] = [(float("-inf"), offset(start))]
    step = 86400
    t = start
    while t < stop:
        nxt = min(t + step, stop)
        if offset(nxt) != changes[-1][1]:
            a, b = t, nxt
            while b - a > 1:
                mid = (a + b) // 2
                if offset(mid) == changes[-1][1]:
                    a = mid
                else:
                    b = mid
            changes.append((float(b), offset(b)))
        t = nxt
    return changes


def local_epoch_sql(
    ts_expr: str, zone_name: str, bounds: tuple[datetime, datetime] | None = None
) -> str:
    """SQL for the local wall-clock time of a TIMESTAMPTZ, as epoch seconds (DOUBLE).

    With ``bounds`` (the earliest and latest instant the expression takes), the zone's
    offsets are written out as a CASE over those few changes; without, DuckDB's
    ``timezone()`` converts each value.
    """
    if bounds is None:
        return f"epoch(timezone({_sql_string(zone_name)}, {ts_expr}))"
    changes = utc_offset_changes(zone_name, *bounds)
    if len(changes) == 1:
        return f"(epoch({ts_expr}) + {changes[0][1]})"
    whens = " ".join(
        f"WHEN epoch({ts_expr}) < {when!r} THEN {prev}"
        for (_, prev), (when, _) in itertools.pairwise(changes)
    )
    return f"(epoch({ts_expr}) + CASE {whens} ELSE {changes[-1][1]} END)"


def working_clock_sql(local_epoch: str, calendar: Calendar) -> str:
    """SQL for W: working seconds from 1969-12-29 up to a local time in epoch seconds."""
    workday = [name in calendar.workdays for name in _WEEKDAYS]
    prefix = [sum(workday[:k]) for k in range(7)]
    holidays = sorted(
        (h - _UNIX_EPOCH).days for h in set(calendar.holidays) if workday[h.weekday()]
    )
    start = _seconds(calendar.hours[0])
    daily = daily_working_seconds(calendar)
    day = f"CAST(floor({local_epoch} / 86400.0) AS BIGINT)"
    weeks = f"CAST(floor(({day} + 3) / 7.0) AS BIGINT)"
    weekday = f"(({day} + 3) - 7 * {weeks})"
    prefix_list = "[" + ", ".join(str(p) for p in prefix) + "]"
    workday_list = "[" + ", ".join("true" if w else "false" for w in workday) + "]"
    holidays_before = " + ".join(f"CAST({day} > {h} AS INTEGER)" for h in holidays) or "0"
    is_holiday = f"{day} IN ({', '.join(str(h) for h in holidays)})" if holidays else "false"
    before = f"({weeks} * {sum(workday)} + {prefix_list}[{weekday} + 1] - ({holidays_before}))"
    today = (
        f"(CASE WHEN {workday_list}[{weekday} + 1] AND NOT ({is_holiday})"
        f" THEN least(greatest({local_epoch} - {day} * 86400 - {start}, 0), {daily})"
        " ELSE 0 END)"
    )
    return f"(CAST({before} AS DOUBLE) * {daily} + {today})"


def working_seconds_sql(
    start_expr: str,
    end_expr: str,
    calendar: Calendar,
    timezone: str = "UTC",
    bounds: tuple[datetime, datetime] | None = None,
) -> str:
    """SQL for the working seconds between two TIMESTAMPTZ expressions (NULL if one is NULL).

    ``start_expr`` and ``end_expr`` are SQL expressions (column names); the calendar and the
    time zone come from a validated profile and are written as literals. ``bounds`` as in
    :func:`local_epoch_sql`.
    """
    w_end = working_clock_sql(local_epoch_sql(end_expr, timezone, bounds), calendar)
    w_start = working_clock_sql(local_epoch_sql(start_expr, timezone, bounds), calendar)
    return f"({w_end} - {w_start})"


def working_seconds(start: datetime, end: datetime, calendar: Calendar, timezone: str) -> float:
    """Working seconds between two aware datetimes, day by day in Python.

    A plain reference for a single interval (used by tests and small callers); analysis
    figures use :func:`working_seconds_sql`.
    """
    zone = ZoneInfo(timezone)
    a, b = start.astimezone(zone).replace(tzinfo=None), end.astimezone(zone).replace(tzinfo=None)
    sign = 1.0
    if b < a:
        a, b, sign = b, a, -1.0
    holidays = set(calendar.holidays)
    total = 0.0
    day = a.date()
    while day <= b.date():
        if _WEEKDAYS[day.weekday()] in calendar.workdays and day not in holidays:
            open_ = datetime.combine(day, calendar.hours[0])
            close = datetime.combine(day, calendar.hours[1])
            lo, hi = max(a, open_), min(b, close)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return sign * total
