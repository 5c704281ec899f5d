"""The one working calendar (analysis.calendar.week): its scalar clock, the inverse the
what-if engine places work with, and the vectorised clock the waiting causes use, each
checked against a day-by-day count; and the holidays a log shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from analysis.calendar.discover import calendars_from_times, quiet_days
from analysis.calendar.week import WorkingCalendar, always, calendar_from_spec
from etl.profile import WorkingCalendarSpec

LUNCH = WorkingCalendarSpec(hours=("10:00", "12:00", "12:30", "20:00"))  # type: ignore[arg-type]
HOLIDAYS = (date(2022, 5, 18), date(2022, 5, 19), date(2022, 6, 3))


def _local(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@pytest.fixture
def marcus() -> WorkingCalendar:
    return calendar_from_spec("Marcus", LUNCH, HOLIDAYS)


def test_scalar_and_vector_clocks_agree_with_a_day_by_day_count(marcus: WorkingCalendar) -> None:
    rng = np.random.default_rng(11)
    base = _local("2022-05-01T00:00:00")
    starts = base + rng.integers(0, 60 * 86400, 300).astype(np.float64)
    ends = starts + rng.integers(0, 20 * 86400, 300).astype(np.float64)
    vector = marcus.clock(ends) - marcus.clock(starts)
    for a, b, w in zip(starts, ends, vector, strict=True):
        reference = marcus.working_seconds(_utc(a), _utc(b))
        assert marcus.working_between(a, b) == pytest.approx(reference)
        assert w == pytest.approx(reference)


def test_work_is_placed_in_working_time_only(marcus: WorkingCalendar) -> None:
    # 3 working hours picked up on Tuesday 17 May 2022 at 19:00: one hour that evening,
    # then Wednesday and Thursday are holidays: 10:00-12:00 on Friday.
    begin, end = marcus.add(_local("2022-05-17T19:00:00"), 3 * 3600)
    assert (begin, end) == (_local("2022-05-17T19:00:00"), _local("2022-05-20T12:00:00"))
    # picked up during the lunch break: starts at 12:30
    begin, end = marcus.add(_local("2022-05-16T12:10:00"), 1800)
    assert (begin, end) == (_local("2022-05-16T12:30:00"), _local("2022-05-16T13:00:00"))
    # picked up on a holiday evening before a weekend and a holiday: Monday 10:00
    begin, _ = marcus.add(_local("2022-06-03T09:00:00"), 60)
    assert begin == _local("2022-06-06T10:00:00")
    rng = np.random.default_rng(5)
    for _ in range(300):
        t = _local("2022-05-01T00:00:00") + float(rng.integers(0, 60 * 86400))
        seconds = float(rng.integers(0, 40 * 3600))
        begin, end = marcus.add(t, seconds)
        assert begin >= t
        assert marcus.working_between(t, begin) == 0
        assert marcus.working_between(begin, end) == pytest.approx(seconds)
        assert marcus.is_working(_utc(begin).replace(tzinfo=None))
        # the earliest such end: a second earlier, the work is not done
        if seconds > 1:
            assert marcus.working_between(begin, end - 1) < seconds


@pytest.mark.parametrize("holidays", [HOLIDAYS, ()])
def test_placing_work_in_one_step_equals_the_clock_and_its_inverses(
    holidays: tuple[date, ...],
) -> None:
    # add() fuses working(t), resume and reach; it must give exactly (bit for bit) what
    # the three give one after the other, so a seeded simulation is unchanged by it.
    calendar = calendar_from_spec("Marcus", LUNCH, holidays)
    clock = calendar._clock
    rng = np.random.default_rng(23)
    base = _local("2022-05-01T00:00:00")
    for t, seconds in zip(
        base + rng.uniform(0, 60 * 86400, 2000), rng.exponential(4 * 3600, 2000), strict=True
    ):
        w = clock.working(t)
        expected = (clock.resume(w), clock.reach(w + seconds))
        assert calendar.add(t, seconds) == expected
    assert calendar.add(base, 0.0) == (clock.resume(clock.working(base)),) * 2


def test_next_session_skips_holidays() -> None:
    committee = WorkingCalendar.from_days(
        {"Tue": [["14:00", "17:30"]], "Thu": [["14:00", "17:30"]]}, ["2022-05-19"]
    )
    assert committee.next_opening(_local("2022-05-17T15:00:00")) == _local("2022-05-24T14:00:00")
    assert committee.next_opening(_local("2022-05-16T09:00:00")) == _local("2022-05-17T14:00:00")
    night = WorkingCalendar.from_days({"Mon": [["20:00", "24:00"]], "Tue": [["00:00", "06:00"]]})
    # Tuesday 00:00 continues Monday's shift: not an opening
    assert night.next_opening(_local("2022-05-16T21:00:00")) == _local("2022-05-23T20:00:00")


def test_json_forms_round_trip() -> None:
    days = {"Mon": [["09:00", "12:00"], ["13:00", "17:30"]], "Sat": [["10:00", "24:00"]]}
    calendar = WorkingCalendar.from_days(days, ["2025-01-01"])
    assert calendar.days() == days
    assert calendar.weekly_hours == pytest.approx(3 + 4.5 + 14)
    assert calendar.holidays == (date(2025, 1, 1),)
    mask = np.zeros(672, dtype=bool)
    mask[36:48] = True  # Monday 09:00-12:00
    mask[96 * 6 + 95] = True  # Sunday 23:45-24:00
    assert WorkingCalendar.from_mask(mask).days() == {
        "Mon": [["09:00", "12:00"]],
        "Sun": [["23:45", "24:00"]],
    }
    assert WorkingCalendar.from_days({}).or_always() == always("")
    with pytest.raises(ValueError, match="weekday"):
        WorkingCalendar.from_days({"Mo": [["09:00", "10:00"]]})
    with pytest.raises(ValueError, match="pairs"):
        WorkingCalendar.from_days({"Mon": ["09:00", "10:00", "11:00"]})


def test_quiet_days_are_workdays_without_work() -> None:
    """Three weeks, ten starts on every weekday at 10:00, none on Wednesday 2025-03-12
    and one on Friday 2025-03-21 (a tenth of the usual ten: quiet too)."""
    first = date(2025, 3, 3)
    starts = []
    for offset in range(21):
        day = first + timedelta(days=offset)
        if day.weekday() >= 5 or day == date(2025, 3, 12):
            continue
        count = 1 if day == date(2025, 3, 21) else 10
        starts += [_local(f"{day.isoformat()}T10:00:00")] * count
    found = quiet_days(np.array(starts), min(starts), max(starts))
    assert found == [date(2025, 3, 12), date(2025, 3, 21)]


def test_a_rarely_worked_weekday_is_capacity_but_not_availability() -> None:
    """Twenty weeks of Monday to Friday 09:00-17:00 and three Saturdays 09:00-12:00: the
    waiting causes' default leaves Saturday out (3 days < a quarter of 20), the what-if
    model's ``min_weekday_share=0`` keeps it."""
    times = []
    monday = _local("2025-03-03T00:00:00")
    for week in range(20):
        for day in range(5):
            base = monday + (7 * week + day) * 86400
            times += [base + q * 900 + 60 for q in range(9 * 4, 17 * 4)]
        if week in (2, 9, 15):
            base = monday + (7 * week + 5) * 86400
            times += [base + q * 900 + 60 for q in range(9 * 4, 12 * 4)]
    groups = np.array(["team"] * len(times), dtype=object)
    regular = calendars_from_times(groups, np.array(times))["team"]
    assert regular.days() == {d: [["09:00", "17:00"]] for d in ("Mon", "Tue", "Wed", "Thu", "Fri")}
    every = calendars_from_times(groups, np.array(times), min_weekday_share=0.0)["team"]
    assert every.days() == regular.days() | {"Sat": [["09:00", "12:00"]]}
