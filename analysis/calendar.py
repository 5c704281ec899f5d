"""Working time: durations counted only inside the profile's business calendar.

The calendar (``profile.calendar``) gives the workdays, the working hours and the holidays;
the hours are wall-clock time in the profile's time zone. A working duration is computed in
DuckDB, vectorised, as ``W(end) - W(start)`` where ``W(t)`` counts the working seconds from
a fixed Monday (1900-01-01) up to the local time ``t``:

    W(t) = daily_seconds * (workdays before the local date of t, holidays excluded)
           + the working seconds of t's own day up to t (none on a weekend or holiday)

Workdays before a date are whole weeks times the workdays per week, plus the workdays of the
partial week, minus the holidays (that fall on a workday) before that date. Unlike pm4py's
business hours, holidays are honoured (pm4py#558) and a working hour is an hour, not 1/24 of
a day (pm4py#559).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from etl.profile import Calendar

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EPOCH = date(1900, 1, 1)  # a Monday


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def daily_working_seconds(calendar: Calendar) -> int:
    """Working seconds in one workday."""
    return _seconds(calendar.hours[1]) - _seconds(calendar.hours[0])


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cumulative_sql(ts_expr: str, calendar: Calendar, timezone: str) -> str:
    """SQL for W(t): working seconds from the epoch Monday to the timestamp ``ts_expr``."""
    workday = [name in calendar.workdays for name in _WEEKDAYS]
    prefix = [sum(workday[:k]) for k in range(7)]
    holidays = sorted((h - _EPOCH).days for h in set(calendar.holidays) if workday[h.weekday()])
    start = _seconds(calendar.hours[0])
    daily = daily_working_seconds(calendar)
    local = f"timezone({_sql_string(timezone)}, {ts_expr})"
    day = f"datediff('day', DATE '1900-01-01', CAST({local} AS DATE))"
    second = f"(epoch({local}) - epoch(date_trunc('day', {local})))"
    workday_list = "[" + ", ".join("true" if w else "false" for w in workday) + "]"
    prefix_list = "[" + ", ".join(str(p) for p in prefix) + "]"
    holiday_list = "[" + ", ".join(str(h) for h in holidays) + "]::INTEGER[]"
    before = (
        f"(({day} // 7) * {sum(workday)} + {prefix_list}[{day} % 7 + 1]"
        f" - len(list_filter({holiday_list}, lambda h: h < {day})))"
    )
    today = (
        f"(CASE WHEN {workday_list}[{day} % 7 + 1] AND NOT list_contains({holiday_list}, {day})"
        f" THEN least(greatest({second} - {start}, 0), {daily}) ELSE 0 END)"
    )
    return f"({before} * {daily} + {today})"


def working_seconds_sql(
    start_expr: str, end_expr: str, calendar: Calendar, timezone: str = "UTC"
) -> str:
    """SQL for the working seconds between two TIMESTAMPTZ expressions (NULL if one is NULL).

    ``start_expr`` and ``end_expr`` are SQL expressions (column names); the calendar and the
    time zone come from a validated profile and are written as literals.
    """
    return (
        f"(CAST({_cumulative_sql(end_expr, calendar, timezone)} AS DOUBLE)"
        f" - CAST({_cumulative_sql(start_expr, calendar, timezone)} AS DOUBLE))"
    )


def working_seconds(start: datetime, end: datetime, calendar: Calendar, timezone: str) -> float:
    """Working seconds between two aware datetimes, day by day in Python.

    A plain reference for a single interval (used by tests and small callers); analysis
    figures use :func:`working_seconds_sql`.
    """
    from zoneinfo import ZoneInfo

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
            open_, close = (
                datetime.combine(day, calendar.hours[0]),
                datetime.combine(day, calendar.hours[1]),
            )
            lo, hi = max(a, open_), min(b, close)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return sign * total
