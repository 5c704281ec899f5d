"""A working calendar: a week of working spans in local wall-clock time, plus holidays.

Times are *local epoch seconds*: the local wall-clock time read as if it were UTC (see
:func:`analysis.calendar.working_time.local_epoch_sql`), so a weekday and an hour are plain
arithmetic. The **working clock** ``W(t)`` counts the working seconds from Monday
1970-01-05 00:00 up to ``t``; the working time between two instants is the difference of
their clocks. Its inverses place work: a task of ``d`` working seconds picked up at ``t``
starts when work resumes after ``W(t)`` (:meth:`WorkingCalendar.at_working`: the next
working moment) and ends at the first moment the clock reaches ``W(t) + d``
(:meth:`WorkingCalendar.add`).

How the clock is computed: over one week, the spans' starts and the working seconds
before each; whole weeks before ``t`` count the week's total. A holiday removes the
working time of its day: the holidays (that have working time) before ``t``'s day are
subtracted, and on a holiday the clock stands still. The inverse reverses the two steps.
Both come as numpy functions (whole columns: the waiting causes, model discovery) and as
scalar functions on lists (the simulation engine's hot path); the tests check each
against a day-by-day count (:meth:`WorkingCalendar.working_seconds`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from etl.profile import Calendar, WorkingCalendarSpec

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY = 86400
WEEK = 7 * DAY
GRANULE = 900  # seconds: 15-minute granules, as Kronos and Prosimos use
MONDAY = 4  # days from the epoch to Monday 1970-01-05, the working clock's origin
ORIGIN = MONDAY * DAY

CalendarSource = Literal["profile", "discovered", "department", "always"]
Span = tuple[int, int, int]  # (weekday 0 = Monday, start second of day, end second of day)


class _Clock:
    """The working clock of a set of spans and holidays (tables built once)."""

    def __init__(self, spans: Sequence[Span], holidays: Iterable[date]) -> None:
        starts, lengths, before = [], [], []
        total = 0.0
        for day, start, end in spans:
            if end > start:
                starts.append(float(day * DAY + start))
                lengths.append(float(end - start))
                before.append(total)
                total += end - start
        self.starts, self.lengths, self.before, self.total = starts, lengths, before, total
        self.done = [b + n for b, n in zip(before, lengths, strict=True)]  # work by each end
        self.last = len(starts) - 1
        self.starts_np, self.lengths_np = np.array(starts), np.array(lengths)
        self.before_np = np.array(before)
        self.holidays: list[int] = []  # day numbers since the epoch, with working time
        self.removed: list[float] = [0.0]  # working seconds of the first k holidays
        self.frozen: list[float] = []  # the clock's reading during each holiday
        for day_number in sorted({(h - date(1970, 1, 1)).days for h in holidays}):
            at_day = float(day_number * DAY)
            work = self.plain(at_day + DAY) - self.plain(at_day)
            if work > 0:
                self.frozen.append(self.plain(at_day) - self.removed[-1])
                self.holidays.append(day_number)
                self.removed.append(self.removed[-1] + work)
        self.holidays_np = np.array(self.holidays, dtype=np.float64)
        self.removed_np, self.frozen_np = np.array(self.removed), np.array(self.frozen)

    # -- scalars ------------------------------------------------------------------------
    def plain(self, t: float) -> float:
        """The clock without holidays."""
        shifted = t - ORIGIN
        weeks = shifted // WEEK
        rest = shifted - weeks * WEEK
        j = bisect.bisect_right(self.starts, rest) - 1
        inside = 0.0 if j < 0 else self.before[j] + min(rest - self.starts[j], self.lengths[j])
        return weeks * self.total + inside

    def plain_resume(self, w: float) -> float:
        """The moment the clock without holidays starts to exceed ``w``."""
        weeks = w // self.total
        rest = w - weeks * self.total
        j = max(bisect.bisect_right(self.before, rest) - 1, 0)
        return ORIGIN + weeks * WEEK + self.starts[j] + (rest - self.before[j])

    def plain_reach(self, w: float) -> float:
        """The first moment the clock without holidays reaches ``w``."""
        weeks = math.ceil(w / self.total) - 1
        rest = w - weeks * self.total
        j = min(bisect.bisect_left(self.done, rest), len(self.done) - 1)
        return ORIGIN + weeks * WEEK + self.starts[j] + (rest - self.before[j])

    def working(self, t: float) -> float:
        if not self.holidays:
            return self.plain(t)
        day = t // DAY
        k = bisect.bisect_left(self.holidays, day)
        if k < len(self.holidays) and self.holidays[k] == day:
            return self.frozen[k]
        return self.plain(t) - self.removed[k]

    def resume(self, w: float) -> float:
        if not self.holidays:
            return self.plain_resume(w)
        k = bisect.bisect_right(self.frozen, w)
        return self.plain_resume(w + self.removed[k])

    def reach(self, w: float) -> float:
        if not self.holidays:
            return self.plain_reach(w)
        k = bisect.bisect_left(self.frozen, w)
        return self.plain_reach(w + self.removed[k])

    def add(self, t: float, seconds: float) -> tuple[float, float]:
        """``resume(working(t))`` and ``reach(working(t) + seconds)`` in one call: the
        same arithmetic as those methods, inlined (the engine's hottest path)."""
        starts, before, total = self.starts, self.before, self.total
        shifted = t - ORIGIN
        weeks = shifted // WEEK
        rest = shifted - weeks * WEEK
        j = bisect.bisect_right(starts, rest) - 1
        if j < 0:
            w = weeks * total + 0.0
        else:
            into, length = rest - starts[j], self.lengths[j]
            w = weeks * total + (before[j] + (into if into < length else length))
        holidays = self.holidays
        if holidays:
            day = t // DAY
            k = bisect.bisect_left(holidays, day)
            if k < len(holidays) and holidays[k] == day:
                w = self.frozen[k]
            else:
                w -= self.removed[k]
            u = w + self.removed[bisect.bisect_right(self.frozen, w)]
        else:
            u = w
        weeks = u // total
        rest = u - weeks * total
        j = bisect.bisect_right(before, rest) - 1
        if j < 0:
            j = 0
        begin = ORIGIN + weeks * WEEK + starts[j] + (rest - before[j])
        if seconds <= 0:
            return begin, begin
        w += seconds
        if holidays:
            w += self.removed[bisect.bisect_left(self.frozen, w)]
        weeks = math.ceil(w / total) - 1
        rest = w - weeks * total
        j = bisect.bisect_left(self.done, rest)
        if j >= self.last:
            j = self.last
        return begin, ORIGIN + weeks * WEEK + starts[j] + (rest - before[j])

    # -- arrays -------------------------------------------------------------------------
    def plain_array(self, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if not self.starts:
            return np.zeros_like(t)
        shifted = t - ORIGIN
        weeks = np.floor(shifted / WEEK)
        rest = shifted - weeks * WEEK
        j = np.searchsorted(self.starts_np, rest, side="right") - 1
        safe = np.maximum(j, 0)
        inside = self.before_np[safe] + np.minimum(
            rest - self.starts_np[safe], self.lengths_np[safe]
        )
        return np.asarray(weeks * self.total + np.where(j >= 0, inside, 0.0))

    def working_array(self, t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        plain = self.plain_array(t)
        if not self.holidays:
            return plain
        day = np.floor(t / DAY)
        k = np.searchsorted(self.holidays_np, day, side="left")
        on = np.minimum(k, len(self.holidays) - 1)
        holiday = (k < len(self.holidays)) & (self.holidays_np[on] == day)
        return np.asarray(np.where(holiday, self.frozen_np[on], plain - self.removed_np[k]))


@dataclass(frozen=True)
class WorkingCalendar:
    """When one resource, department or pool works: weekly spans (local time) and holidays.

    ``source`` says where it comes from (``discovered``, ``profile``, ``department``: a
    person given their department's, ``always``); a discovered calendar has its
    ``confidence`` (the share of the timestamps it covers) and ``observations``.
    """

    name: str
    spans: tuple[Span, ...]
    holidays: tuple[date, ...] = ()
    source: CalendarSource = "discovered"
    confidence: float | None = None
    observations: int = 0
    _clock: _Clock = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spans", _merge(list(self.spans)))
        object.__setattr__(self, "_clock", _Clock(self.spans, self.holidays))

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_days(
        cls,
        days: Mapping[str, Sequence[Sequence[str]] | Sequence[str]],
        holidays: Iterable[date | str] = (),
        name: str = "",
        source: CalendarSource = "discovered",
    ) -> WorkingCalendar:
        """From {weekday: [["HH:MM", "HH:MM"], ...]} (or the flat ["09:00", "12:00", ...]),
        the form of :meth:`days` and of model and scenario files; holidays as dates or ISO
        strings. Raises ValueError for an unknown weekday or hours that do not pair up."""
        spans: list[Span] = []
        for day, day_spans in days.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
            for begin, end in _pairs(day_spans):
                lo, hi = _clock_seconds(begin), _clock_seconds(end)
                if hi <= lo:
                    raise ValueError(f"working hours {begin}-{end} end before they begin")
                spans.append((WEEKDAYS.index(day), lo, min(hi, DAY)))
        return cls(name, tuple(spans), _dates(holidays), source)

    @classmethod
    def from_mask(
        cls, mask: Sequence[bool] | npt.NDArray[np.bool_], name: str = ""
    ) -> WorkingCalendar:
        """From the 672 quarter-hours of a week (Monday 00:00 first) that are working time."""
        flags = np.asarray(mask, dtype=bool)
        if flags.shape != (7 * DAY // GRANULE,):
            raise ValueError("a week has 672 quarter-hours")
        per_day = DAY // GRANULE
        spans = [
            (g // per_day, g % per_day * GRANULE, (g % per_day + 1) * GRANULE)
            for g in np.flatnonzero(flags).tolist()
        ]
        return cls(name, tuple(spans))

    def with_holidays(self, holidays: Iterable[date | str]) -> WorkingCalendar:
        """The same calendar with these holidays instead of its own."""
        return replace(self, holidays=_dates(holidays))

    def or_always(self) -> WorkingCalendar:
        """This calendar, or one open around the clock if it has no working time (nobody
        known to work cannot be simulated: work would never be placed)."""
        return self if self.weekly_seconds > 0 else always(self.name)

    # -- what it says -------------------------------------------------------------------
    @property
    def weekly_seconds(self) -> int:
        """Working seconds in a week without holidays."""
        return sum(end - start for _, start, end in self.spans)

    @property
    def weekly_hours(self) -> float:
        """Working hours in a week without holidays."""
        return self.weekly_seconds / 3600

    def day_spans(self, weekday: int) -> list[tuple[int, int]]:
        """The spans (start, end seconds of the day) of one weekday (0 = Monday)."""
        return [(start, end) for day, start, end in self.spans if day == weekday]

    def is_working(self, local: datetime) -> bool:
        """Whether a local wall-clock time is working time."""
        if local.date() in self.holidays:
            return False
        second = local.hour * 3600 + local.minute * 60 + local.second
        return any(a <= second < b for a, b in self.day_spans(local.weekday()))

    def days(self) -> dict[str, list[list[str]]]:
        """The week as {weekday: [["HH:MM", "HH:MM"], ...]} (working weekdays only)."""
        return {
            WEEKDAYS[d]: [[_clock(a), _clock(b)] for a, b in self.day_spans(d)]
            for d in range(7)
            if self.day_spans(d)
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: name, source, confidence, observations, weekly hours, days, holidays."""
        return {
            "name": self.name,
            "source": self.source,
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "observations": self.observations,
            "weekly_hours": round(self.weekly_seconds / 3600, 2),
            "days": self.days(),
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

    # -- the working clock --------------------------------------------------------------
    def clock(self, local_epoch: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The working clock of each local time (epoch seconds), vectorised."""
        return self._clock.working_array(np.asarray(local_epoch, dtype=np.float64))

    def working_at(self, t: float) -> float:
        """The working clock of one local time (epoch seconds)."""
        return self._clock.working(t)

    def at_working(self, w: float) -> float:
        """The moment work resumes at clock reading ``w``: the first local time after which
        the clock exceeds ``w`` (needs working time in the week)."""
        return self._clock.resume(w)

    def add(self, t: float, seconds: float) -> tuple[float, float]:
        """Work of ``seconds`` picked up at ``t``: (its start, its end), local epoch s.

        It starts at the next working moment and ends as soon as the working time is
        done (at 12:00 when that closes a span, not when the next one opens).
        """
        return self._clock.add(t, seconds)

    def working_between(self, t0: float, t1: float) -> float:
        """Working seconds between two local times (0 if ``t1`` is earlier)."""
        return max(0.0, self._clock.working(t1) - self._clock.working(t0))

    def next_opening(self, now: float) -> float:
        """When a working span next begins, strictly after ``now`` (a committee's next
        session), skipping holidays; ``now`` itself if none does within 60 weeks."""
        ends = {day * DAY + end for day, _, end in self.spans}
        openings = [
            day * DAY + start
            for day, start, _ in self.spans
            if (day * DAY + start) % WEEK not in {e % WEEK for e in ends}
        ]
        if not openings:
            return now
        week_start = (now - ORIGIN) // WEEK * WEEK + ORIGIN
        for week in range(60):
            for offset in openings:
                at = week_start + week * WEEK + offset
                if at > now and self.working_at(at + 1) > self.working_at(at):
                    return float(at)
        return now

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


def always(name: str = "always") -> WorkingCalendar:
    """A calendar with every hour working (no data, no profile, automatic activities)."""
    return WorkingCalendar(name, tuple((d, 0, DAY) for d in range(7)), (), "always")


def calendar_from_spec(
    name: str, spec: WorkingCalendarSpec | Calendar, extra_holidays: Iterable[date] = ()
) -> WorkingCalendar:
    """A profile calendar (``calendar`` or one of ``calendars``) as a WorkingCalendar."""
    hours = [_seconds(t) for t in spec.hours]
    pairs = list(zip(hours[::2], hours[1::2], strict=True))
    spans = [(WEEKDAYS.index(d), a, b) for d in spec.workdays for a, b in pairs]
    holidays = tuple(sorted(set(spec.holidays) | set(extra_holidays)))
    return WorkingCalendar(name, tuple(spans), holidays, "profile")


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    """Sorted spans with touching or overlapping ones of a day joined."""
    out: list[Span] = []
    for day, start, end in sorted(spans):
        if out and out[-1][0] == day and start <= out[-1][2]:
            out[-1] = (day, out[-1][1], max(end, out[-1][2]))
        else:
            out.append((day, start, end))
    return tuple(out)


def _dates(values: Iterable[date | str]) -> tuple[date, ...]:
    return tuple(sorted({v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values}))


def _pairs(day_spans: Sequence[Sequence[str]] | Sequence[str]) -> list[tuple[str, str]]:
    """[["09:00", "12:00"], ...] or the flat ["09:00", "12:00", "13:00", "17:30"]."""
    if day_spans and all(isinstance(v, str) for v in day_spans):
        flat = [str(v) for v in day_spans]
        if len(flat) % 2:
            raise ValueError("working hours come in pairs: from, to")
        return list(zip(flat[0::2], flat[1::2], strict=True))
    return [(str(pair[0]), str(pair[1])) for pair in day_spans]


def _clock_seconds(text: str) -> int:
    hours, _, minutes = str(text).partition(":")
    return int(hours) * 3600 + int(minutes or 0) * 60


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second
