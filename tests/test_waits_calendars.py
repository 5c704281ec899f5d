"""Working calendars: discovered from when people work, overridden by the profile, and the
working clock checked against a day-by-day count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from analysis.calendar import working_seconds
from analysis.calendar.discover import calendar_of_resources, discover_calendars
from analysis.calendar.week import WorkingCalendar, calendar_from_spec
from analysis.scope import make_scope
from etl.errors import ProfileError
from etl.load import ingest
from etl.profile import Calendar, WorkingCalendarSpec, parse_profile

LUNCH = WorkingCalendarSpec(hours=("10:00", "12:00", "12:30", "20:00"))  # type: ignore[arg-type]


def _write_log(path: Path) -> None:
    """Anya works Mon-Fri 10:00-12:00 and 12:30-20:00, an instance every 30 minutes, for
    four weeks; Dom works Mon, Wed 09:00-13:00; Cole did only three things."""
    rows = ["case_id,activity,start,end,resource,department"]
    case = 0
    monday = datetime(2025, 3, 3)
    for week in range(4):
        for day in range(5):
            base = monday + timedelta(days=7 * week + day)
            for start, end in ((10 * 60, 12 * 60), (12 * 60 + 30, 20 * 60)):
                for minute in range(start, end, 30):
                    a = base + timedelta(minutes=minute)
                    b = a + timedelta(minutes=29)
                    rows.append(f"c{case},Review,{a:%Y-%m-%d %H:%M},{b:%Y-%m-%d %H:%M},Anya,Credit")
                    case += 1
            if day in (0, 2):
                for minute in range(9 * 60, 13 * 60, 20):
                    a = base + timedelta(minutes=minute)
                    b = a + timedelta(minutes=19)
                    rows.append(f"c{case},Check,{a:%Y-%m-%d %H:%M},{b:%Y-%m-%d %H:%M},Dom,Risk")
                    case += 1
    for k in range(3):
        a = monday + timedelta(days=k, hours=15)
        rows.append(f"c{case},Check,{a:%Y-%m-%d %H:%M},{a:%Y-%m-%d %H:%M},Cole,Risk")
        case += 1
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


SATURDAY = ["08:00", "09:00"]
PROFILE = {
    "columns": {
        "case_id": "case_id",
        "activity": "activity",
        "start_timestamp": "start",
        "timestamp": "end",
        "resource": "resource",
        "department": "department",
    },
    "timezone": "Asia/Shanghai",
}


@pytest.fixture
def worked(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    _write_log(tmp_path / "log.csv")
    ingest(tmp_path / "log.csv", "worked", con=store, profile=PROFILE)
    ingest(
        tmp_path / "log.csv",
        "overridden",
        con=store,
        profile={
            **PROFILE,
            "calendars": {"Anya": {"workdays": ["Sat"], "hours": ["08:00", "09:00"]}},
        },
    )
    return store


def test_discovers_two_spans_a_day_and_the_workdays(worked: duckdb.DuckDBPyConnection) -> None:
    found = discover_calendars(worked, "worked", by="resource")
    anya = found["Anya"]
    assert anya.source == "discovered"
    days = anya.to_dict()["days"]
    assert set(days) == {"Mon", "Tue", "Wed", "Thu", "Fri"}
    # Starts at 10:00 .. 19:30 and ends at 10:29 .. 19:59; the 12:00-12:30 break is real.
    assert days["Mon"] == [["10:00", "12:00"], ["12:30", "20:00"]]
    assert anya.confidence == 1.0
    assert anya.observations == 4 * 5 * 19 * 2
    dom = found["Dom"].to_dict()
    assert dom["days"] == {"Mon": [["09:00", "13:00"]], "Wed": [["09:00", "13:00"]]}
    by_department = discover_calendars(worked, "worked", by="department")
    assert set(by_department) == {"Credit", "Risk"}
    assert by_department["Credit"].spans == anya.spans


def test_profile_calendars_override_discovery(worked: duckdb.DuckDBPyConnection) -> None:
    found = discover_calendars(worked, "overridden", by="resource")
    assert found["Anya"].source == "profile"
    assert found["Anya"].to_dict()["days"] == {"Sat": [["08:00", "09:00"]]}
    assert found["Dom"].source == "discovered"
    raw = discover_calendars(worked, "overridden", by="resource", overrides=False)
    assert raw["Anya"].source == "discovered"


def test_sparse_person_takes_the_department_calendar(worked: duckdb.DuckDBPyConnection) -> None:
    in_force = calendar_of_resources(worked, make_scope(worked, "worked"))
    assert in_force["Anya"].source == "discovered"
    assert in_force["Cole"].source == "department"  # six timestamps are not enough
    assert (
        in_force["Cole"].spans == discover_calendars(worked, "worked", "department")["Risk"].spans
    )


def test_calendars_key_is_validated() -> None:
    profile = parse_profile(
        {"calendars": {"風險管理部": {"hours": ["10:00", "12:00", "12:30", "20:00"]}}}
    )
    assert len(profile.calendars["風險管理部"].hours) == 4
    with pytest.raises(ProfileError, match="pairs"):
        parse_profile({"calendars": {"x": {"hours": ["10:00", "12:00", "13:00"]}}})
    with pytest.raises(ProfileError, match="increase"):
        parse_profile({"calendars": {"x": {"hours": ["10:00", "12:00", "11:00", "13:00"]}}})


def _clock_hours(calendar: WorkingCalendar, a: datetime, b: datetime) -> float:
    ta, tb = a.replace(tzinfo=UTC).timestamp(), b.replace(tzinfo=UTC).timestamp()
    w = calendar.clock(np.array([ta, tb]))
    return float(w[1] - w[0]) / 3600


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        # Monday 11:00 -> 13:00: one hour before lunch, half an hour after.
        (datetime(2022, 5, 16, 11), datetime(2022, 5, 16, 13), 1.5),
        # Friday 19:00 -> Monday 10:30: one hour Friday, half an hour Monday.
        (datetime(2022, 5, 20, 19), datetime(2022, 5, 23, 10, 30), 1.5),
        # A whole week with the Wednesday holiday: 4 x 9.5 h; the week after: 5 x 9.5 h.
        (datetime(2022, 5, 16), datetime(2022, 5, 23), 38.0),
        (datetime(2022, 5, 23), datetime(2022, 5, 30), 47.5),
        # Across the holiday on Wednesday 18 May 2022: Tue 19:00 -> Thu 11:00 = 1 + 1.
        (datetime(2022, 5, 17, 19), datetime(2022, 5, 19, 11), 2.0),
        # Inside the holiday.
        (datetime(2022, 5, 18, 10), datetime(2022, 5, 18, 15), 0.0),
    ],
)
def test_clock_counts_spans_weekends_and_holidays(a: datetime, b: datetime, hours: float) -> None:
    calendar = calendar_from_spec("Marcus", LUNCH, (date(2022, 5, 18),))
    assert _clock_hours(calendar, a, b) == pytest.approx(hours)
    reference = calendar.working_seconds(a.replace(tzinfo=UTC), b.replace(tzinfo=UTC)) / 3600
    assert reference == pytest.approx(hours)


def test_clock_agrees_with_the_profile_working_time() -> None:
    """The one-span profile calendar gives the same working time as analysis.calendar."""
    profile_calendar = Calendar(holidays=(date(2025, 1, 1), date(2025, 1, 28)))
    calendar = calendar_from_spec("all", profile_calendar)
    rng = np.random.default_rng(7)
    base = datetime(2024, 12, 20, tzinfo=UTC)
    for _ in range(200):
        a = base + timedelta(seconds=int(rng.integers(0, 60 * 86400)))
        b = a + timedelta(seconds=int(rng.integers(0, 20 * 86400)))
        w = calendar.clock(np.array([a.timestamp(), b.timestamp()]))
        assert float(w[1] - w[0]) == pytest.approx(working_seconds(a, b, profile_calendar, "UTC"))


def test_what_if_pools_share_the_discovery(worked: duckdb.DuckDBPyConnection) -> None:
    """The what-if model's pool calendars are the waiting-causes discovery's: a department
    pool gets the department's calendar as the Why waiting page shows it (here nobody
    works on a weekday now and then, where the model would keep it: see
    test_calendar_clock); the same discovery over any grouping of local times gives the
    same calendar."""
    from analysis.calendar.discover import calendars_from_times
    from analysis.waits.report import department_calendars
    from analysis.whatif.discover import discover_model

    model = discover_model(worked, "worked", calibration_rounds=0)
    shown = department_calendars(worked, "worked")
    assert {n: p["calendar"] for n, p in model["pools"].items()} == {
        n: c["days"] for n, c in shown.items()
    }
    times = worked.execute(
        "SELECT department, epoch(timezone('Asia/Shanghai', t)) FROM ("
        " SELECT department, start_ts AS t FROM activity_instances WHERE dataset = 'worked'"
        " UNION ALL"
        " SELECT department, end_ts FROM activity_instances WHERE dataset = 'worked')"
    ).fetchall()
    groups, local = zip(*times, strict=True)
    again = calendars_from_times(np.array(groups, dtype=object), np.array(local))
    found = discover_calendars(worked, "worked", "department", overrides=False)
    assert {n: (c.spans, c.confidence, c.observations) for n, c in again.items()} == {
        n: (c.spans, c.confidence, c.observations) for n, c in found.items()
    }
