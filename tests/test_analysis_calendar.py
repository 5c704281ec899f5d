"""Working time: durations worked out by hand across nights, weekends, holidays, zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.calendar import working_seconds, working_seconds_sql
from etl.profile import Calendar

WEEK = Calendar()  # Mon-Fri 09:00-17:30, no holidays
NEW_YEAR = Calendar(holidays=(date(2025, 1, 1),))


def sql_hours(
    start: datetime, end: datetime, calendar: Calendar, tz: str = "UTC", fast: bool = False
) -> float:
    """Working hours by the SQL expression; ``fast`` writes the zone's offsets out."""
    bounds = (min(start, end), max(start, end)) if fast else None
    expr = working_seconds_sql("a", "b", calendar, tz, bounds)
    con = duckdb.connect()
    row = con.execute(
        f"SELECT {expr} / 3600.0 FROM (SELECT CAST(? AS TIMESTAMPTZ) a, CAST(? AS TIMESTAMPTZ) b)",
        [start, end],
    ).fetchone()
    assert row is not None
    return float(row[0])


@pytest.mark.parametrize(
    ("start", "end", "calendar", "tz", "hours"),
    [
        # Friday 16:00 -> Monday 10:00: 1.5 h on Friday, 1 h on Monday; the weekend is free.
        ("2025-01-10 16:00+00", "2025-01-13 10:00+00", WEEK, "UTC", 2.5),
        # Overnight: Tuesday 17:00 -> Wednesday 09:30.
        ("2025-01-07 17:00+00", "2025-01-08 09:30+00", WEEK, "UTC", 1.0),
        # Before opening to after closing on one day: the full 8.5 h day.
        ("2025-01-07 06:00+00", "2025-01-07 22:00+00", WEEK, "UTC", 8.5),
        # Over New Year's Day: Tue 08:00 (8.5 h), Jan 1 holiday, Thu 09:00-10:00.
        ("2024-12-31 08:00+00", "2025-01-02 10:00+00", NEW_YEAR, "UTC", 9.5),
        ("2024-12-31 08:00+00", "2025-01-02 10:00+00", WEEK, "UTC", 18.0),
        # Within a holiday: nothing.
        ("2025-01-01 10:00+00", "2025-01-01 15:00+00", NEW_YEAR, "UTC", 0.0),
        # All weekend.
        ("2025-01-11 10:00+00", "2025-01-12 20:00+00", WEEK, "UTC", 0.0),
        # Four whole weeks, Monday 09:00 to Monday 09:00: 20 workdays of 8.5 h.
        ("2025-01-06 09:00+00", "2025-02-03 09:00+00", WEEK, "UTC", 170.0),
        # A holiday on a Saturday takes nothing away.
        (
            "2025-01-06 09:00+00",
            "2025-01-13 09:00+00",
            Calendar(holidays=(date(2025, 1, 11),)),
            "UTC",
            42.5,
        ),
        # Shanghai: the hours are local; 01:00-09:30 UTC is Mon 09:00-17:30 in Shanghai.
        ("2025-01-06 01:00+00", "2025-01-06 09:30+00", WEEK, "Asia/Shanghai", 8.5),
        ("2025-01-06 01:00+00", "2025-01-06 09:30+00", WEEK, "UTC", 0.5),
        # Shanghai across a local midnight: Mon 17:00 local (09:00 UTC) -> Tue 10:00 local.
        ("2025-01-06 09:00+00", "2025-01-07 02:00+00", WEEK, "Asia/Shanghai", 1.5),
        # A six-day week with short hours: Sat counts, Sun does not.
        (
            "2025-01-10 10:00+00",
            "2025-01-13 09:00+00",
            Calendar(
                workdays=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat"), hours=(time(8), time(12))
            ),
            "UTC",
            2 + 4 + 1,
        ),
        # Berlin over the spring DST change (Sun 2025-03-30): local Fri 16:00 -> Mon 10:00.
        ("2025-03-28 15:00+00", "2025-03-31 08:00+00", WEEK, "Europe/Berlin", 2.5),
        # Reversed interval: negative.
        ("2025-01-13 10:00+00", "2025-01-10 16:00+00", WEEK, "UTC", -2.5),
    ],
)
def test_working_hours_by_hand(
    start: str, end: str, calendar: Calendar, tz: str, hours: float
) -> None:
    aware = [datetime.fromisoformat(x + ":00") for x in (start, end)]
    assert sql_hours(aware[0], aware[1], calendar, tz) == pytest.approx(hours)
    assert sql_hours(aware[0], aware[1], calendar, tz, fast=True) == pytest.approx(hours)
    assert working_seconds(aware[0], aware[1], calendar, tz) / 3600 == pytest.approx(hours)


def test_null_bounds_give_null() -> None:
    expr = working_seconds_sql("a", "b", WEEK, "UTC")
    row = (
        duckdb.connect()
        .execute(f"SELECT {expr} FROM (SELECT NULL::TIMESTAMPTZ a, now() b)")
        .fetchone()
    )
    assert row == (None,)


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(datetime(2024, 1, 1), datetime(2026, 12, 31)),
    length=st.timedeltas(timedelta(0), timedelta(days=40)),
    tz=st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin"]),
)
def test_sql_matches_day_by_day_reference(start: datetime, length: timedelta, tz: str) -> None:
    calendar = Calendar(holidays=(date(2024, 10, 1), date(2025, 1, 1), date(2025, 5, 1)))
    a = start.replace(tzinfo=UTC)
    b = a + length
    expected = working_seconds(a, b, calendar, tz) / 3600
    assert sql_hours(a, b, calendar, tz) == pytest.approx(expected, abs=1e-6)
    assert sql_hours(a, b, calendar, tz, fast=True) == pytest.approx(expected, abs=1e-6)
