"""Weekly working calendars: when a department works, and the working clock over it.

A calendar is a mask of the 672 quarter-hours of a week (Monday 00:00 first), in local
wall-clock time. Time in the simulation is *local epoch seconds* (the wall clock read as
if it were UTC), so a weekday and an hour are plain arithmetic. The working clock
``working(t)`` counts the working seconds from a fixed Monday up to ``t``;
``at_working(w)`` is its inverse (the earliest instant whose working clock reaches ``w``),
so a task that takes ``d`` working seconds and is picked up at ``t`` starts at
``at_working(working(t))`` (the next open moment) and ends at ``at_working(working(t) + d)``.

Calendars come from :data:`CALENDAR_SOURCE`, the one line to swap: the departments'
calendars discovered by the waiting-causes analysis (:mod:`analysis.waits.calendars`),
and :func:`discover_calendars` for pools that are not departments.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import duckdb
import numpy as np
import numpy.typing as npt

from analysis.filters import Filters

SLOT = 900  # seconds in one slot (a quarter-hour)
SLOTS = 672  # slots in a week
WEEK = 7 * 86400
# Local epoch 0 is Thursday 1970-01-01 00:00; the week starts on Monday 1970-01-05.
ORIGIN = 4 * 86400
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _minutes(text: str) -> int:
    hours, _, minutes = str(text).partition(":")
    return int(hours) * 60 + int(minutes or 0)


@dataclass
class WeeklyCalendar:
    """A weekly working calendar as a quarter-hour mask, with its working clock."""

    mask: npt.NDArray[np.bool_]
    holidays: tuple[str, ...] = ()  # ISO dates nobody works (whole days)
    _cum: list[float] = field(init=False, repr=False)
    _week_total: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.mask = np.asarray(self.mask, dtype=bool)
        if self.mask.shape != (SLOTS,):
            raise ValueError(f"a weekly calendar has {SLOTS} quarter-hours")
        if not self.mask.any():
            self.mask = np.ones(SLOTS, dtype=bool)  # nobody known to work: always open
        cum = np.concatenate([[0.0], np.cumsum(self.mask * float(SLOT))])
        self._cum = cum.tolist()
        self._week_total = float(cum[-1])
        self._cum_np = cum
        self._days: _DayClock | None = (
            _DayClock(self.mask, self.holidays) if self.holidays else None
        )

    # -- construction and JSON -------------------------------------------------
    @classmethod
    def always(cls) -> WeeklyCalendar:
        """Open around the clock."""
        return cls(np.ones(SLOTS, dtype=bool))

    @classmethod
    def from_spans(
        cls, spans: Mapping[str, list[list[str]] | list[str]], holidays: tuple[str, ...] = ()
    ) -> WeeklyCalendar:
        """From {weekday: [[from, to], ...]} with times as "HH:MM" (to may be "24:00")."""
        mask = np.zeros(SLOTS, dtype=bool)
        for day, day_spans in spans.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
            pairs = _pairs(day_spans)
            base = WEEKDAYS.index(day) * 96
            for begin, end in pairs:
                lo, hi = _minutes(begin) // 15, -(-_minutes(end) // 15)
                if hi <= lo:
                    raise ValueError(f"working hours {begin}-{end} end before they begin")
                mask[base + lo : base + min(hi, 96)] = True
        return cls(mask, holidays)

    def spans(self) -> dict[str, list[list[str]]]:
        """The calendar as {weekday: [[from, to], ...]} ("HH:MM"), the JSON form."""
        out: dict[str, list[list[str]]] = {}
        for index, day in enumerate(WEEKDAYS):
            day_mask = self.mask[index * 96 : (index + 1) * 96]
            runs: list[list[str]] = []
            slot = 0
            while slot < 96:
                if day_mask[slot]:
                    end = slot
                    while end < 96 and day_mask[end]:
                        end += 1
                    runs.append([_clock(slot * 15), _clock(end * 15)])
                    slot = end
                else:
                    slot += 1
            if runs:
                out[day] = runs
        return out

    @property
    def weekly_hours(self) -> float:
        """Working hours in one week."""
        return self._week_total / 3600.0

    # -- the working clock, vectorised (discovery) -----------------------------
    def working(self, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Working seconds from the origin Monday up to each local epoch second ``t``."""
        if self._days is not None:
            return self._days.working(np.asarray(t, dtype=np.float64))
        shifted = np.asarray(t, dtype=np.float64) - ORIGIN
        weeks = np.floor(shifted / WEEK)
        rest = shifted - weeks * WEEK
        slot = np.minimum((rest // SLOT).astype(np.int64), SLOTS - 1)
        inside = self.mask[slot] * (rest - slot * SLOT)
        return np.asarray(weeks * self._week_total + self._cum_np[slot] + inside)

    def at_working_array(self, w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The earliest local epoch second whose working clock reaches each ``w``."""
        w = np.asarray(w, dtype=np.float64)
        if self._days is not None:
            return self._days.at_working(w)
        weeks = np.floor(w / self._week_total)
        rest = w - weeks * self._week_total
        slot = np.searchsorted(self._cum_np[1:], rest, side="right")
        slot = np.minimum(slot, SLOTS - 1)
        return np.asarray(ORIGIN + weeks * WEEK + slot * SLOT + (rest - self._cum_np[slot]))

    # -- the working clock, scalar (the engine's hot path) ---------------------
    def working_at(self, t: float) -> float:
        """Working seconds from the origin Monday up to local epoch second ``t``."""
        if self._days is not None:
            return self._days.working_at(t)
        shifted = t - ORIGIN
        weeks = shifted // WEEK
        rest = shifted - weeks * WEEK
        slot = min(int(rest // SLOT), SLOTS - 1)
        inside = rest - slot * SLOT if self.mask[slot] else 0.0
        return weeks * self._week_total + self._cum[slot] + inside

    def at_working(self, w: float) -> float:
        """The earliest local epoch second whose working clock reaches ``w``."""
        if self._days is not None:
            return self._days.at_working_scalar(w)
        total = self._week_total
        weeks = w // total
        rest = w - weeks * total
        slot = min(bisect.bisect_right(self._cum, rest, 1) - 1, SLOTS - 1)
        return ORIGIN + weeks * WEEK + slot * SLOT + (rest - self._cum[slot])

    def add(self, t: float, seconds: float) -> tuple[float, float]:
        """Work of ``seconds`` picked up at ``t``: (its start, its end), in local epoch s."""
        w = self.working_at(t)
        return self.at_working(w), self.at_working(w + seconds)

    def working_between(self, t0: float, t1: float) -> float:
        """Working seconds between two instants."""
        return max(0.0, self.working_at(t1) - self.working_at(t0))


_FIRST_DAY = 7305  # 1990-01-01, days since the epoch
_DAYS = 25567  # to 2060-01-01


class _DayClock:
    """The working clock day by day, for a calendar with holidays (1990 to 2059)."""

    def __init__(self, mask: npt.NDArray[np.bool_], holidays: tuple[str, ...]) -> None:
        per_day = mask.reshape(7, 96).astype(np.float64) * SLOT
        self.within = np.concatenate([np.zeros((7, 1)), np.cumsum(per_day, axis=1)], axis=1)
        self.mask = mask.reshape(7, 96)
        days = np.arange(_FIRST_DAY, _FIRST_DAY + _DAYS)
        weekday = (days + 3) % 7
        off = np.zeros(_DAYS, dtype=bool)
        for text in holidays:
            index = int(np.datetime64(text, "D").astype(np.int64)) - _FIRST_DAY
            if 0 <= index < _DAYS:
                off[index] = True
        self.off = off
        totals = np.where(off, 0.0, self.within[weekday, -1])
        self.cumday = np.concatenate([[0.0], np.cumsum(totals)])
        self.cumday_list = self.cumday.tolist()
        self.within_lists = self.within.tolist()
        self.off_list = off.tolist()

    def working(self, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        day = np.clip(np.floor(t / 86400).astype(np.int64) - _FIRST_DAY, 0, _DAYS - 1)
        rest = t - (day + _FIRST_DAY) * 86400.0
        weekday = (day + _FIRST_DAY + 3) % 7
        slot = np.clip((rest // SLOT).astype(np.int64), 0, 95)
        inside = self.within[weekday, slot] + self.mask[weekday, slot] * (rest - slot * SLOT)
        return np.asarray(self.cumday[day] + np.where(self.off[day], 0.0, inside))

    def at_working(self, w: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        day = np.clip(np.searchsorted(self.cumday[1:], w, side="right"), 0, _DAYS - 1)
        rest = w - self.cumday[day]
        weekday = (day + _FIRST_DAY + 3) % 7
        rows = self.within[weekday]
        slot = np.array(
            [np.searchsorted(r[1:], x, side="right") for r, x in zip(rows, rest, strict=True)]
        )
        slot = np.clip(slot, 0, 95).astype(np.int64)
        return np.asarray(
            (day + _FIRST_DAY) * 86400.0 + slot * SLOT + rest - rows[np.arange(len(slot)), slot]
        )

    def working_at(self, t: float) -> float:
        day = min(max(int(t // 86400) - _FIRST_DAY, 0), _DAYS - 1)
        rest = t - (day + _FIRST_DAY) * 86400.0
        if self.off_list[day]:
            return self.cumday_list[day]
        weekday = (day + _FIRST_DAY + 3) % 7
        slot = min(max(int(rest // SLOT), 0), 95)
        inside = rest - slot * SLOT if self.mask[weekday, slot] else 0.0
        return self.cumday_list[day] + self.within_lists[weekday][slot] + inside

    def at_working_scalar(self, w: float) -> float:
        day = min(bisect.bisect_right(self.cumday_list, w, 1) - 1, _DAYS - 1)
        rest = w - self.cumday_list[day]
        weekday = (day + _FIRST_DAY + 3) % 7
        row = self.within_lists[weekday]
        slot = min(bisect.bisect_right(row, rest, 1) - 1, 95)
        return (day + _FIRST_DAY) * 86400.0 + slot * SLOT + rest - row[slot]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _pairs(day_spans: list[list[str]] | list[str]) -> list[tuple[str, str]]:
    """[["09:00", "12:00"], ...] or the flat ["09:00", "12:00", "13:00", "17:30"]."""
    if day_spans and all(isinstance(v, str) for v in day_spans):
        flat = [str(v) for v in day_spans]
        if len(flat) % 2:
            raise ValueError("working hours come in pairs: from, to")
        return list(zip(flat[0::2], flat[1::2], strict=True))
    return [(str(pair[0]), str(pair[1])) for pair in day_spans]


def slot_of(t: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """The quarter-hour of the week (0 = Monday 00:00) of each local epoch second."""
    rest = np.mod(np.asarray(t, dtype=np.float64) - ORIGIN, WEEK)
    return np.asarray((rest // SLOT).astype(np.int64))


def discover_calendars(
    pools: npt.NDArray[np.object_],
    starts: npt.NDArray[np.float64],
    ends: npt.NDArray[np.float64],
    *,
    min_share: float = 0.05,
) -> dict[str, WeeklyCalendar]:
    """Each pool's weekly calendar from when its activity instances start and end.

    A quarter-hour is working time for a pool when at least ``min_share`` of the weeks
    seen (and at least two weeks) have an instance of the pool starting or ending in it.
    Isolated quarter-hours are then joined into spans: a closed gap of at most one hour
    between working quarter-hours of the same day is opened.
    """
    out: dict[str, WeeklyCalendar] = {}
    weeks_seen = max(1.0, (float(np.nanmax(ends)) - float(np.nanmin(starts))) / WEEK)
    for pool in sorted({str(p) for p in pools}):
        rows = pools == pool
        s, e = starts[rows], ends[rows]
        counts = np.zeros(SLOTS, dtype=np.float64)
        week_of = np.floor((np.concatenate([s, e]) - ORIGIN) / WEEK).astype(np.int64)
        slots = slot_of(np.concatenate([s, e]))
        seen = np.unique(week_of * SLOTS + slots)
        np.add.at(counts, seen % SLOTS, 1.0)
        need = max(2.0, min_share * weeks_seen)
        mask = counts >= need
        out[pool] = WeeklyCalendar(_close_gaps(mask, 4))
    return out


def _close_gaps(mask: npt.NDArray[np.bool_], width: int) -> npt.NDArray[np.bool_]:
    """Open closed runs of at most ``width`` quarter-hours between open ones, per day."""
    out = mask.copy()
    for day in range(7):
        lo = day * 96
        day_mask = mask[lo : lo + 96]
        open_at = np.flatnonzero(day_mask)
        for a, b in itertools.pairwise(open_at):
            if 1 < b - a <= width + 1:
                out[lo + a : lo + b] = True
    return out


def from_spans_seconds(spans: tuple[tuple[int, int, int], ...]) -> WeeklyCalendar:
    """From (weekday, start second, end second) spans, as analysis.waits.calendars keeps them."""
    mask = np.zeros(SLOTS, dtype=bool)
    for day, begin, end in spans:
        lo, hi = day * 96 + begin // SLOT, day * 96 + -(-end // SLOT)
        mask[lo:hi] = True
    return WeeklyCalendar(mask)


def calendars_with_departments(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None,
    pools: npt.NDArray[np.object_],
    starts: npt.NDArray[np.float64],
    ends: npt.NDArray[np.float64],
) -> dict[str, WeeklyCalendar]:
    """Departments' calendars from the waiting-causes discovery, other pools' from ours.

    :func:`analysis.waits.calendars.discover_calendars` (by department, without the
    profile's overrides: the committee's meetings must stay what the log shows) gives the
    calendar of every pool that is a department; pools made from resources (logs without
    departments) get :func:`discover_calendars`.
    """
    from analysis.waits.calendars import discover_calendars as department_calendars

    own = discover_calendars(pools, starts, ends)
    found = department_calendars(con, dataset, by="department", filters=filters, overrides=False)
    out = {}
    for name, calendar in own.items():
        other = found.get(name)
        use_other = other is not None and other.weekly_seconds > 0
        out[name] = from_spans_seconds(other.spans) if use_other else calendar  # type: ignore[union-attr]
    return out


CalendarSource = Callable[
    [
        duckdb.DuckDBPyConnection,
        str,
        "Filters | None",
        npt.NDArray[np.object_],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ],
    dict[str, WeeklyCalendar],
]
# The one line to swap for another calendar discovery (same signature).
CALENDAR_SOURCE: CalendarSource = calendars_with_departments
