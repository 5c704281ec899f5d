"""Working calendars: when each resource (or department) works, discovered or from the profile.

A :class:`WorkingCalendar` is a week of working spans in local wall-clock time (several
spans a day allowed, e.g. 10:00-12:00 and 12:30-20:00) plus holidays. Calendars are

- **discovered** from when people actually work: every start and end time of a person's
  activity instances (local time) is put in its weekday and 15-minute granule. A weekday
  is a workday when the person worked on at least a quarter as many of those days as on
  their busiest weekday; a granule of a workday is working time when the person was
  active in it on at least 5% of those days (and on two of them at least). Holes of one
  or two granules inside the day are filled unless the data show a real break (at least
  20 days observed and not one timestamp in the hole on any day). The **confidence** is the share of
  the person's timestamps that fall inside the discovered calendar (Prosimos calls it the
  support); ``observations`` says how many there were.
- **taken from the profile**: ``calendars`` (per resource or department) first, then the
  profile's ``calendar`` when it says anything other than the default week.

:func:`discover_calendars` returns discovered calendars with the profile's overrides
applied; :func:`calendar_of_resources` picks, for every resource, the calendar in force
(resource override, department override, profile calendar, a confident discovered
calendar of the person, their department's, or all hours). :meth:`WorkingCalendar.clock`
is the working clock used to split waits into working and non-working time (numpy,
vectorised).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import numpy.typing as npt

from analysis.calendar import local_epoch_sql
from analysis.filters import Filters
from analysis.predecessors import selected_instances_sql
from analysis.prepared_tables import dataset_bounds
from analysis.scope import Scope, make_scope
from etl.profile import Calendar, Profile, WorkingCalendarSpec

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY = 86400
WEEK = 7 * DAY
GRANULE = 900  # seconds: 15-minute granules, as Kronos and Prosimos use
_GRANULES = DAY // GRANULE
_MONDAY = 4  # 1970-01-05, day 4 since the epoch, was a Monday

# Discovery thresholds (see the module docstring).
MIN_WEEKDAY_SHARE = 0.25
MIN_GRANULE_SHARE = 0.05
MIN_GRANULE_DAYS = 2
MAX_FILLED_HOLE = 2
BREAK_EVIDENCE_DAYS = 20
# A discovered calendar of one person is used when it rests on enough data.
CONFIDENT_OBSERVATIONS = 50
CONFIDENT_SHARE = 0.9

CalendarSource = Literal["profile", "discovered", "department", "always"]
Span = tuple[int, int, int]  # (weekday 0 = Monday, start second of day, end second of day)


@dataclass(frozen=True)
class WorkingCalendar:
    """When one resource or department works: weekly spans (local time) and holidays."""

    name: str
    spans: tuple[Span, ...]
    holidays: tuple[date, ...] = ()
    source: CalendarSource = "discovered"
    confidence: float | None = None
    observations: int = 0
    _table: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = field(
        default=None, compare=False, repr=False
    )

    # -- what it says ------------------------------------------------------------------
    @property
    def weekly_seconds(self) -> int:
        """Working seconds in a week without holidays."""
        return sum(end - start for _, start, end in self.spans)

    def day_spans(self, weekday: int) -> list[tuple[int, int]]:
        """The spans (start, end seconds of the day) of one weekday (0 = Monday)."""
        return [(start, end) for day, start, end in self.spans if day == weekday]

    def is_working(self, local: datetime) -> bool:
        """Whether a local wall-clock time is working time."""
        if local.date() in self.holidays:
            return False
        second = local.hour * 3600 + local.minute * 60 + local.second
        return any(a <= second < b for a, b in self.day_spans(local.weekday()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: name, source, confidence, observations, weekly hours, days, holidays."""
        return {
            "name": self.name,
            "source": self.source,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "observations": self.observations,
            "weekly_hours": round(self.weekly_seconds / 3600, 2),
            "days": {
                WEEKDAYS[d]: [[_clock(a), _clock(b)] for a, b in self.day_spans(d)]
                for d in range(7)
                if self.day_spans(d)
            },
            "holidays": [h.isoformat() for h in self.holidays],
        }

    def hour_grid(self) -> list[list[float]]:
        """7 x 24 shares of each hour that is working time (Monday first), for heat-maps."""
        grid = [[0.0] * 24 for _ in range(7)]
        for day, start, end in self.spans:
            for hour in range(start // 3600, min(24, math.ceil(end / 3600))):
                overlap = min(end, (hour + 1) * 3600) - max(start, hour * 3600)
                grid[day][hour] += max(overlap, 0) / 3600
        return grid

    # -- the working clock ---------------------------------------------------------------
    def _points(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Second-of-week breakpoints and the working seconds of the week before each."""
        if self._table is not None:
            return self._table
        xs, cum = [0.0], [0.0]
        total = 0.0
        for day, start, end in sorted(self.spans):
            a, b = day * DAY + start, day * DAY + end
            xs += [float(a), float(b)]
            cum += [total, total + (b - a)]
            total += b - a
        xs.append(float(WEEK))
        cum.append(total)
        table = (np.array(xs), np.array(cum))
        object.__setattr__(self, "_table", table)
        return table

    def clock(self, local_epoch: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Working seconds from 1970-01-05 (a Monday) to each local time (epoch seconds).

        The working time between two instants is the difference of their clocks; the
        local times come from :func:`analysis.calendar.local_epoch_sql`.
        """
        t = np.asarray(local_epoch, dtype=np.float64) - _MONDAY * DAY
        weeks = np.floor(t / WEEK)
        xs, cum = self._points()
        result = weeks * cum[-1] + np.interp(t - weeks * WEEK, xs, cum)
        if self.holidays:
            result -= self._holiday_seconds(t)
        return result

    def _holiday_seconds(self, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Working seconds of holidays before each time (t: seconds since the Monday)."""
        xs, cum = self._points()
        days = np.array(sorted({(h - date(1970, 1, 5)).days for h in self.holidays}), float)
        weekday = np.mod(days, 7)
        day_work = np.interp((weekday + 1) * DAY, xs, cum) - np.interp(weekday * DAY, xs, cum)
        before = np.concatenate([[0.0], np.cumsum(day_work)])
        day = np.floor(t / DAY)
        k = np.searchsorted(days, day, side="left")  # holidays strictly before the day
        result = before[k]
        today = (k < len(days)) & (days[np.minimum(k, len(days) - 1)] == day)
        if today.any():
            sod = t - day * DAY
            wd = np.mod(day, 7)
            partial = np.interp(wd * DAY + sod, xs, cum) - np.interp(wd * DAY, xs, cum)
            result = result + np.where(today, partial, 0.0)
        return result

    def working_seconds(self, start: datetime, end: datetime, timezone: str = "UTC") -> float:
        """Working seconds between two aware datetimes (a plain reference, day by day)."""
        zone = ZoneInfo(timezone)
        a = start.astimezone(zone).replace(tzinfo=None)
        b = end.astimezone(zone).replace(tzinfo=None)
        total, day = 0.0, a.date()
        while day <= b.date():
            if day not in self.holidays:
                for s, e in self.day_spans(day.weekday()):
                    lo = max(a, datetime.combine(day, time()) + timedelta(seconds=s))
                    hi = min(b, datetime.combine(day, time()) + timedelta(seconds=e))
                    total += max((hi - lo).total_seconds(), 0.0)
            day += timedelta(days=1)
        return total


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    """Sorted spans with touching or overlapping ones of a day joined."""
    out: list[Span] = []
    for day, start, end in sorted(spans):
        if out and out[-1][0] == day and start <= out[-1][2]:
            out[-1] = (day, out[-1][1], max(end, out[-1][2]))
        else:
            out.append((day, start, end))
    return tuple(out)


def calendar_from_spec(
    name: str, spec: WorkingCalendarSpec | Calendar, extra_holidays: tuple[date, ...] = ()
) -> WorkingCalendar:
    """A profile calendar (``calendar`` or one of ``calendars``) as a WorkingCalendar."""
    hours = [_seconds(t) for t in spec.hours]
    pairs = list(zip(hours[::2], hours[1::2], strict=True))
    spans = [(WEEKDAYS.index(d), a, b) for d in spec.workdays for a, b in pairs]
    holidays = tuple(sorted(set(spec.holidays) | set(extra_holidays)))
    return WorkingCalendar(name, _merge(spans), holidays, "profile")


def always(name: str) -> WorkingCalendar:
    """A calendar with every hour working (no data, no profile)."""
    return WorkingCalendar(name, tuple((d, 0, DAY) for d in range(7)), (), "always")


def profile_sets_calendar(profile: Profile) -> bool:
    """Whether the profile's ``calendar`` says anything other than the default week."""
    return profile.calendar != Calendar()


# -- discovery -------------------------------------------------------------------------
def _discover_one(
    name: str, rows: list[tuple[int, int, int, int]], holidays: tuple[date, ...]
) -> WorkingCalendar:
    """A calendar from (weekday, granule, day, hits) rows of one person or department."""
    days_of: dict[int, set[int]] = {d: set() for d in range(7)}
    hit_days = np.zeros((7, _GRANULES), dtype=np.int64)
    hits = np.zeros((7, _GRANULES), dtype=np.int64)
    for weekday, granule, day, count in rows:
        days_of[weekday].add(day)
        hit_days[weekday, granule] += 1
        hits[weekday, granule] += count
    observed = np.array([len(days_of[d]) for d in range(7)])
    total = int(hits.sum())
    spans: list[Span] = []
    if total:
        busiest = observed.max()
        for weekday in range(7):
            days = observed[weekday]
            if days == 0 or days < MIN_WEEKDAY_SHARE * busiest:
                continue
            need = max(MIN_GRANULE_DAYS, MIN_GRANULE_SHARE * days)
            working = hit_days[weekday] >= need
            working = _fill_holes(working, hits[weekday] + hits.sum(axis=0), observed.sum())
            spans += _runs(weekday, working)
    inside = sum(int(hits[d, g]) for d, a, b in spans for g in range(a // GRANULE, b // GRANULE))
    return WorkingCalendar(
        name,
        _merge(spans),
        holidays,
        "discovered",
        confidence=inside / total if total else None,
        observations=total,
    )


def _fill_holes(
    working: npt.NDArray[np.bool_], hits: npt.NDArray[np.int64], days: int
) -> npt.NDArray[np.bool_]:
    """Fill short holes inside a day unless the data show a real break.

    ``hits`` counts the timestamps per granule (this weekday's and all weekdays'), ``days``
    the days observed in all: a break is real when it is empty on every day.
    """
    result = working.copy()
    on = np.flatnonzero(working)
    if len(on) < 2:
        return result
    g = on[0]
    while g < on[-1]:
        if result[g]:
            g += 1
            continue
        end = g
        while not result[end]:
            end += 1
        hole = slice(g, end)
        real_break = days >= BREAK_EVIDENCE_DAYS and hits[hole].sum() == 0
        if end - g <= MAX_FILLED_HOLE and not real_break:
            result[hole] = True
        g = end
    return result


def _runs(weekday: int, working: npt.NDArray[np.bool_]) -> list[Span]:
    spans: list[Span] = []
    g = 0
    while g < _GRANULES:
        if working[g]:
            start = g
            while g < _GRANULES and working[g]:
                g += 1
            spans.append((weekday, start * GRANULE, g * GRANULE))
        else:
            g += 1
    return spans


def discovered_calendars(
    con: duckdb.DuckDBPyConnection, scope: Scope, by: Literal["resource", "department"]
) -> dict[str, WorkingCalendar]:
    """Calendars discovered from the scope's instances, one per resource or department.

    The profile's ``calendar`` holidays (bank-wide) are carried by every calendar.
    """
    if by not in ("resource", "department"):
        raise ValueError("by must be 'resource' or 'department'")
    inst, params = selected_instances_sql(scope)
    local = local_epoch_sql("ts", scope.profile.timezone, dataset_bounds(con, scope.dataset))
    sql = f"""
    WITH pts AS (
        SELECT who, {local} AS t FROM (
            SELECT {by} AS who, start_ts AS ts FROM ({inst}) WHERE start_ts IS NOT NULL
            UNION ALL
            SELECT {by} AS who, end_ts AS ts FROM ({inst}) WHERE end_ts IS NOT NULL
        ) WHERE who IS NOT NULL
    ),
    g AS (
        SELECT who, CAST(floor(t / {DAY}) AS BIGINT) AS day,
            CAST(floor((t - floor(t / {DAY}) * {DAY}) / {GRANULE}) AS INTEGER) AS granule
        FROM pts
    )
    SELECT who, CAST(((day - {_MONDAY}) % 7 + 7) % 7 AS INTEGER) AS weekday, granule, day,
        count(*) AS hits
    FROM g GROUP BY ALL ORDER BY who
    """
    rows = con.execute(sql, params + params).fetchall()
    holidays = tuple(sorted(scope.profile.calendar.holidays))
    grouped: dict[str, list[tuple[int, int, int, int]]] = {}
    for who, weekday, granule, day, hits in rows:
        grouped.setdefault(str(who), []).append((weekday, granule, day, hits))
    return {who: _discover_one(who, r, holidays) for who, r in grouped.items()}


def _override(name: str, profile: Profile, found: WorkingCalendar | None) -> WorkingCalendar | None:
    spec = profile.calendars.get(name)
    if spec is not None:
        return calendar_from_spec(name, spec, tuple(profile.calendar.holidays))
    if profile_sets_calendar(profile):
        return calendar_from_spec(name, profile.calendar)
    return found


def discover_calendars(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    by: Literal["resource", "department"] = "resource",
    filters: Filters | None = None,
    *,
    overrides: bool = True,
) -> dict[str, WorkingCalendar]:
    """The working calendar of every resource (or department) of a dataset.

    Discovered from when they actually work (see the module docstring), then, with
    ``overrides``, replaced by the profile's ``calendars`` entry of that name, or by the
    profile's ``calendar`` when the profile sets one. Each calendar says its ``source``
    and, when discovered, its ``confidence`` and ``observations``.
    """
    scope = make_scope(con, dataset, filters)
    found = discovered_calendars(con, scope, by)
    if not overrides:
        return found
    result = {}
    for name, calendar in found.items():
        chosen = _override(name, scope.profile, calendar)
        if chosen is not None:
            result[name] = chosen
    return result


def confident(calendar: WorkingCalendar) -> bool:
    """Whether a discovered calendar rests on enough data to be used for its person."""
    return (
        calendar.observations >= CONFIDENT_OBSERVATIONS
        and calendar.confidence is not None
        and calendar.confidence >= CONFIDENT_SHARE
        and calendar.weekly_seconds > 0
    )


def calendar_of_resources(
    con: duckdb.DuckDBPyConnection, scope: Scope
) -> dict[str, WorkingCalendar]:
    """The calendar in force for every resource of the scope's dataset.

    Order: the profile's ``calendars`` entry for the resource, then for its (most frequent)
    department, then the profile's ``calendar`` if set; else the resource's discovered
    calendar if :func:`confident`, else its department's discovered calendar (source
    ``department``), else all hours (``always``).
    """
    whole = Scope(scope.dataset, Filters(), scope.profile)
    home = dict(
        con.execute(
            "SELECT resource, mode(department) FROM activity_instances"
            " WHERE dataset = ? AND resource IS NOT NULL GROUP BY resource",
            [scope.dataset],
        ).fetchall()
    )
    profile = scope.profile
    if profile_sets_calendar(profile) and not profile.calendars:
        # The profile's calendar is everyone's: nothing to discover.
        return {str(name): calendar_from_spec(str(name), profile.calendar) for name in home}
    people = discovered_calendars(con, whole, "resource")
    departments = discovered_calendars(con, whole, "department")
    result: dict[str, WorkingCalendar] = {}
    for name, found in people.items():
        department = home.get(name)
        if name in profile.calendars:
            result[name] = calendar_from_spec(
                name, profile.calendars[name], tuple(profile.calendar.holidays)
            )
        elif department in profile.calendars:
            spec = profile.calendars[department]
            result[name] = calendar_from_spec(name, spec, tuple(profile.calendar.holidays))
        elif profile_sets_calendar(profile):
            result[name] = calendar_from_spec(name, profile.calendar)
        elif confident(found):
            result[name] = found
        elif department is not None and department in departments:
            pooled = departments[department]
            result[name] = WorkingCalendar(
                name, pooled.spans, pooled.holidays, "department", pooled.confidence,
                pooled.observations,
            )  # fmt: skip
        else:
            result[name] = always(name)
    return result
