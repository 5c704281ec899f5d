"""Working calendars discovered from when people actually work, or taken from the profile.

The waiting causes (per resource, per department) and the what-if model (per department,
or per pool of resources when the log has no departments) use this one discovery:

- every start and end time of the activity instances (local time) is put in its weekday
  and 15-minute granule. A weekday is a workday when the group (person, department, pool)
  worked on at least a quarter as many of those days as on its busiest weekday; a granule
  of a workday is working time when the group was active in it on at least 5% of those
  days (and on two of them at least). Holes of one or two granules inside the day are
  filled unless the data show a real break (at least 20 days observed and not one
  timestamp in the hole on any day). The **confidence** is the share of the timestamps
  that fall inside the discovered calendar (Prosimos calls it the support);
  ``observations`` says how many there were.
- **taken from the profile**: ``calendars`` (per resource or department) first, then the
  profile's ``calendar`` when it says anything other than the default week.

:func:`discover_calendars` reads the store (per resource or department, with the profile's
overrides unless told not to); :func:`calendars_from_times` does the same discovery on
any grouping of local times (the what-if model's pools); :func:`calendar_of_resources`
picks, for every resource, the calendar in force (resource override, department override,
profile calendar, a confident discovered calendar of the person, their department's, or
all hours); :func:`quiet_days` finds the holidays a log shows (workdays without work).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Literal

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.calendar.week import (
    DAY,
    GRANULE,
    MONDAY,
    Span,
    WorkingCalendar,
    always,
    calendar_from_spec,
)
from analysis.calendar.working_time import local_epoch_sql
from analysis.filters import Filters
from analysis.predecessors import selected_instances_sql
from analysis.prepared_tables import dataset_bounds
from analysis.scope import Scope, make_scope
from etl.profile import Calendar, Profile

_GRANULES = DAY // GRANULE

# Discovery thresholds (see the module docstring).
MIN_WEEKDAY_SHARE = 0.25
MIN_GRANULE_SHARE = 0.05
MIN_GRANULE_DAYS = 2
MAX_FILLED_HOLE = 2
BREAK_EVIDENCE_DAYS = 20
# A discovered calendar of one person is used when it rests on enough data.
CONFIDENT_OBSERVATIONS = 50
CONFIDENT_SHARE = 0.9
# A day is a holiday the log shows when its weekday usually sees this many instances
# start (median) and it saw at most this share of them.
QUIET_DAY_USUAL = 5
QUIET_DAY_SHARE = 0.1


def profile_sets_calendar(profile: Profile) -> bool:
    """Whether the profile's ``calendar`` says anything other than the default week."""
    return profile.calendar != Calendar()


# -- discovery -------------------------------------------------------------------------
def _discover_one(
    name: str,
    day: npt.NDArray[np.int64],
    granule: npt.NDArray[np.int64],
    hits: npt.NDArray[np.int64],
    holidays: tuple[date, ...],
    min_weekday_share: float = MIN_WEEKDAY_SHARE,
) -> WorkingCalendar:
    """A calendar from one group's timestamps counted per (day, granule), one row each."""
    weekday = np.mod(day - MONDAY, 7)
    observed = np.bincount(np.mod(np.unique(day) - MONDAY, 7), minlength=7)
    hit_days = np.zeros((7, _GRANULES), dtype=np.int64)
    counts = np.zeros((7, _GRANULES), dtype=np.int64)
    np.add.at(hit_days, (weekday, granule), 1)
    np.add.at(counts, (weekday, granule), hits)
    total = int(counts.sum())
    spans: list[Span] = []
    if total:
        busiest = observed.max()
        for wd in range(7):
            days = observed[wd]
            if days == 0 or days < min_weekday_share * busiest:
                continue
            need = max(MIN_GRANULE_DAYS, MIN_GRANULE_SHARE * days)
            working = hit_days[wd] >= need
            working = _fill_holes(working, counts[wd] + counts.sum(axis=0), observed.sum())
            spans += _runs(wd, working)
    inside = np.zeros((7, _GRANULES), dtype=bool)
    for wd, a, b in spans:
        inside[wd, a // GRANULE : b // GRANULE] = True
    return WorkingCalendar(
        name,
        tuple(spans),
        holidays,
        "discovered",
        confidence=int(counts[inside].sum()) / total if total else None,
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


def calendars_from_counts(
    counts: pd.DataFrame, holidays: tuple[date, ...], min_weekday_share: float
) -> dict[str, WorkingCalendar]:
    """Calendars from a frame of (who, day, granule, hits), one row per who, day, granule."""
    out: dict[str, WorkingCalendar] = {}
    for who, rows in counts.groupby("who", sort=True):
        out[str(who)] = _discover_one(
            str(who),
            rows["day"].to_numpy(dtype=np.int64),
            rows["granule"].to_numpy(dtype=np.int64),
            rows["hits"].to_numpy(dtype=np.int64),
            holidays,
            min_weekday_share,
        )
    return out


def calendars_from_times(
    groups: npt.ArrayLike,
    local_times: npt.ArrayLike,
    holidays: Iterable[date] = (),
    *,
    min_weekday_share: float = MIN_WEEKDAY_SHARE,
) -> dict[str, WorkingCalendar]:
    """One calendar per group from its timestamps (local epoch seconds), discovered as
    the module docstring says; every calendar carries ``holidays``.
    ``min_weekday_share``: see :func:`discover_calendars`."""
    t = np.asarray(local_times, dtype=np.float64)
    keep = np.isfinite(t)
    day = np.floor(t[keep] / DAY).astype(np.int64)
    granule = np.floor((t[keep] - day * DAY) / GRANULE).astype(np.int64)
    frame = pd.DataFrame(
        {"who": np.asarray(groups, dtype=object)[keep], "day": day, "granule": granule}
    )
    counts = frame.groupby(["who", "day", "granule"]).size().reset_index(name="hits")
    return calendars_from_counts(counts, tuple(sorted(set(holidays))), min_weekday_share)


def calendar_counts_sql(
    instances: str, by: str, local: Callable[[str], str], text_type: str = "VARCHAR"
) -> str:
    """The discovery's counts, one SQL text for the store and the lake: per group (``by``:
    resource or department), local day and 15-minute granule, the number of instance starts
    and ends in it. ``instances``: a table (or aliased subquery) with start_ts, end_ts and
    ``by``; ``local(column)``: SQL of a column's local wall-clock time as epoch seconds."""
    return f"""
    SELECT who, day, granule, count(*) AS hits FROM (
        SELECT CAST(who AS {text_type}) AS who, CAST(floor(t / {DAY}) AS BIGINT) AS day,
            CAST(floor((t - floor(t / {DAY}) * {DAY}) / {GRANULE}) AS BIGINT) AS granule
        FROM (
            SELECT who, {local("ts")} AS t FROM (
                SELECT {by} AS who, start_ts AS ts FROM {instances} WHERE start_ts IS NOT NULL
                UNION ALL
                SELECT {by} AS who, end_ts AS ts FROM {instances} WHERE end_ts IS NOT NULL
            ) u WHERE who IS NOT NULL
        ) pts
    ) g GROUP BY who, day, granule
    """


def discovered_calendars(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    by: Literal["resource", "department"],
    min_weekday_share: float = MIN_WEEKDAY_SHARE,
) -> dict[str, WorkingCalendar]:
    """Calendars discovered from the scope's instances, one per resource or department.

    The profile's ``calendar`` holidays (bank-wide) are carried by every calendar.
    """
    if by not in ("resource", "department"):
        raise ValueError("by must be 'resource' or 'department'")
    inst, params = selected_instances_sql(scope)
    bounds = dataset_bounds(con, scope.dataset)
    sql = calendar_counts_sql(
        f"({inst}) i", by, lambda ts: local_epoch_sql(ts, scope.profile.timezone, bounds)
    )
    counts = con.execute(sql, params + params).df()
    holidays = tuple(sorted(scope.profile.calendar.holidays))
    return calendars_from_counts(counts, holidays, min_weekday_share)


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
    min_weekday_share: float = MIN_WEEKDAY_SHARE,
) -> dict[str, WorkingCalendar]:
    """The working calendar of every resource (or department) of a dataset.

    Discovered from when they actually work (see the module docstring), then, with
    ``overrides``, replaced by the profile's ``calendars`` entry of that name, or by the
    profile's ``calendar`` when the profile sets one. Each calendar says its ``source``
    and, when discovered, its ``confidence`` and ``observations``.

    ``min_weekday_share``: a weekday is a workday when worked on at least this share of
    the days of the busiest weekday. The waiting causes keep the default (a quarter: a
    person who came in on two Saturdays is not available on Saturdays); the what-if
    model asks for 0, every weekday with work in it, because a simulation needs the
    capacity the log shows (the granule rule still asks for two days at least).
    """
    scope = make_scope(con, dataset, filters)
    found = discovered_calendars(con, scope, by, min_weekday_share)
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


def home_departments_sql(instances: str) -> str:
    """Every resource of ``instances`` (a table or aliased subquery with resource and
    department) with its most frequent department (ties: the first by name; NULL when it
    has none), by resource: one SQL text for the store and the lake."""
    return f"""
    SELECT r.resource, h.department FROM (
        SELECT DISTINCT resource FROM {instances} WHERE resource IS NOT NULL
    ) r LEFT JOIN (
        SELECT resource, department, row_number() OVER (
            PARTITION BY resource ORDER BY n DESC, department) AS k
        FROM (
            SELECT resource, department, count(*) AS n FROM {instances}
            WHERE resource IS NOT NULL AND department IS NOT NULL
            GROUP BY resource, department
        ) c
    ) h ON h.resource = r.resource AND h.k = 1
    ORDER BY r.resource
    """


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
            home_departments_sql("(SELECT * FROM activity_instances WHERE dataset = ?) ai"),
            [scope.dataset, scope.dataset],
        ).fetchall()
    )
    profile = scope.profile
    if profile_sets_calendar(profile) and not profile.calendars:
        return choose_calendars(profile, home, {}, {})
    people = discovered_calendars(con, whole, "resource")
    departments = discovered_calendars(con, whole, "department")
    return choose_calendars(profile, home, people, departments)


def choose_calendars(
    profile: Profile,
    home: Mapping[str, str | None],
    people: Mapping[str, WorkingCalendar],
    departments: Mapping[str, WorkingCalendar],
) -> dict[str, WorkingCalendar]:
    """The rule of :func:`calendar_of_resources` over its inputs (the store path and the
    lake find them each on its engine): ``home``, each resource's most frequent department
    (:func:`home_departments_sql`); ``people`` and ``departments``, the discovered
    calendars (not needed when the profile's calendar is everyone's)."""
    if profile_sets_calendar(profile) and not profile.calendars:
        # The profile's calendar is everyone's: nothing to discover.
        return {str(name): calendar_from_spec(str(name), profile.calendar) for name in home}
    holidays = tuple(profile.calendar.holidays)
    result: dict[str, WorkingCalendar] = {}
    for name, found in people.items():
        department = home.get(name)
        if name in profile.calendars:
            result[name] = calendar_from_spec(name, profile.calendars[name], holidays)
        elif department in profile.calendars:
            result[name] = calendar_from_spec(name, profile.calendars[department], holidays)
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


def quiet_days(starts: npt.ArrayLike, first: float, last: float) -> list[date]:
    """Days between two local times on which (almost) nobody started work although their
    weekday usually sees work: holidays the log shows.

    ``starts``: the local start times (epoch seconds) of the activity instances. A day is
    quiet when its weekday's median count of starts over the period is at least
    :data:`QUIET_DAY_USUAL` and the day saw at most :data:`QUIET_DAY_SHARE` of it.
    """
    day = np.floor(np.asarray(starts, dtype=np.float64) / DAY).astype(np.int64)
    lo, hi = int(first // DAY), int(last // DAY)
    day = day[(day >= lo) & (day <= hi)]
    counts = np.bincount(day - lo, minlength=hi - lo + 1).astype(np.float64)
    weekday = np.mod(np.arange(lo, hi + 1) - MONDAY, 7)
    found: list[date] = []
    for wd in range(7):
        rows = weekday == wd
        usual = float(np.median(counts[rows])) if rows.any() else 0.0
        if usual >= QUIET_DAY_USUAL:
            quiet = np.flatnonzero(rows & (counts <= QUIET_DAY_SHARE * usual))
            found += [date.fromordinal(date(1970, 1, 1).toordinal() + lo + int(i)) for i in quiet]
    return sorted(found)
