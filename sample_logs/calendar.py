"""The bank's business calendar: working hours, weekends and public holidays.

The simulation runs on a *working clock*: integer seconds of working time counted from
09:00 on the first working day of the run. Every working day has the same length, so a
working-clock value maps to (working day number, seconds into that day) by plain
division, and nobody can work outside the calendar by construction. Conversions to and
from local (Asia/Shanghai) wall-clock time are vectorised with numpy's business-day
functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

import numpy as np
import numpy.typing as npt

WORKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")
OPENS = time(9, 0)
CLOSES = time(17, 30)
TIMEZONE = "Asia/Shanghai"
UTC_OFFSET = "+08:00"
UTC_OFFSET_SECONDS = 8 * 3600

# Public holidays (days off, PRC mainland dates; like Hong Kong, no make-up working
# weekends, so the calendar is "Mon-Fri minus holidays"). Weekend dates are listed too so
# the table reads like the official notice; they change nothing.
HOLIDAYS: dict[int, tuple[tuple[str, str, str], ...]] = {
    2025: (
        ("2025-01-01", "元旦", "New Year's Day"),
        *(
            (f"2025-{d}", "春節", "Spring Festival")
            for d in ("01-28", "01-29", "01-30", "01-31", "02-01", "02-02", "02-03", "02-04")
        ),
        *((f"2025-04-0{d}", "清明節", "Qingming Festival") for d in (4, 5, 6)),
        *((f"2025-05-0{d}", "勞動節", "Labour Day") for d in (1, 2, 3, 4, 5)),
        ("2025-05-31", "端午節", "Dragon Boat Festival"),
        ("2025-06-01", "端午節", "Dragon Boat Festival"),
        ("2025-06-02", "端午節", "Dragon Boat Festival"),
        *((f"2025-10-0{d}", "國慶節、中秋節", "National Day, Mid-Autumn") for d in range(1, 9)),
    ),
    2026: (
        *((f"2026-01-0{d}", "元旦", "New Year's Day") for d in (1, 2, 3)),
        *((f"2026-02-{d}", "春節", "Spring Festival") for d in range(15, 24)),
        *((f"2026-04-0{d}", "清明節", "Qingming Festival") for d in (4, 5, 6)),
        *((f"2026-05-0{d}", "勞動節", "Labour Day") for d in (1, 2, 3, 4, 5)),
        *((f"2026-06-{d}", "端午節", "Dragon Boat Festival") for d in (19, 20, 21)),
        *((f"2026-09-{d}", "中秋節", "Mid-Autumn Festival") for d in (25, 26, 27)),
        *((f"2026-10-0{d}", "國慶節", "National Day") for d in range(1, 8)),
    ),
}
# Years outside the table keep only the fixed-date holidays (the lunar ones move).
FIXED_DATE_HOLIDAYS: tuple[tuple[str, str, str], ...] = (
    ("01-01", "元旦", "New Year's Day"),
    ("05-01", "勞動節", "Labour Day"),
    ("05-02", "勞動節", "Labour Day"),
    ("05-03", "勞動節", "Labour Day"),
    ("10-01", "國慶節", "National Day"),
    ("10-02", "國慶節", "National Day"),
    ("10-03", "國慶節", "National Day"),
)


def holidays_for_years(first: int, last: int) -> list[date]:
    """All holiday dates of the years ``first..last`` (table, else fixed-date fallback)."""
    days: list[date] = []
    for year in range(first, last + 1):
        if year in HOLIDAYS:
            days.extend(date.fromisoformat(d) for d, _, _ in HOLIDAYS[year])
        else:
            days.extend(date.fromisoformat(f"{year}-{md}") for md, _, _ in FIXED_DATE_HOLIDAYS)
    return sorted(set(days))


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True)
class WorkCalendar:
    """Working days and hours from ``origin`` on; converts between clocks."""

    origin: date
    opens: time = OPENS
    closes: time = CLOSES
    workdays: tuple[str, ...] = WORKDAYS
    years_ahead: int = 30
    _holidays: npt.NDArray[np.datetime64] = field(init=False, repr=False, compare=False)
    _business: np.busdaycalendar = field(init=False, repr=False, compare=False)
    _first_day: np.datetime64 = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        holidays = holidays_for_years(self.origin.year, self.origin.year + self.years_ahead)
        object.__setattr__(self, "_holidays", np.array(holidays, dtype="datetime64[D]"))
        business = np.busdaycalendar(weekmask=self.weekmask, holidays=self._holidays)
        object.__setattr__(self, "_business", business)
        first = np.busday_offset(
            np.datetime64(self.origin, "D"), 0, roll="forward", busdaycal=business
        )
        object.__setattr__(self, "_first_day", first)

    @property
    def weekmask(self) -> str:
        """The working weekdays as numpy's weekmask string."""
        return " ".join(self.workdays)

    @property
    def open_seconds(self) -> int:
        """Seconds after midnight when work starts."""
        return _seconds(self.opens)

    @property
    def day_seconds(self) -> int:
        """Length of a working day in seconds."""
        return _seconds(self.closes) - _seconds(self.opens)

    @property
    def holiday_array(self) -> npt.NDArray[np.datetime64]:
        """The holiday dates as numpy days (for numpy's business-day functions)."""
        return self._holidays

    @property
    def business_days(self) -> np.busdaycalendar:
        """numpy's business-day calendar (working weekdays and holidays)."""
        return self._business

    def holidays(self) -> list[date]:
        """The holiday dates this calendar knows."""
        return [d.astype(date) for d in self._holidays]

    def working_days(self, day_numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
        """Dates of working days numbered from the first working day (0)."""
        return np.busday_offset(self._first_day, day_numbers, busdaycal=self._business)

    def weekday_of(self, day_number: int) -> int:
        """Weekday (Mon=0) of working day ``day_number``."""
        day = self.working_days(np.array([day_number]))[0]
        return int((day.astype("int64") - 4) % 7)  # 1970-01-01 was a Thursday

    def to_working(self, local: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
        """Working-clock seconds of local wall-clock times; times off work move forward.

        A moment before opening counts from that day's opening; after closing, on a
        weekend or a holiday, from the next working day's opening.
        """
        local = local.astype("datetime64[s]")
        days = local.astype("datetime64[D]")
        seconds = (local - days).astype(np.int64) - self.open_seconds
        length = self.day_seconds
        is_work = np.is_busday(days, busdaycal=self._business)
        day_number = np.busday_count(self._first_day, days, busdaycal=self._business)
        inside = is_work & (seconds < length)
        offset = np.where(inside, np.clip(seconds, 0, length), 0)
        # busday_count counts working days in [first, day): the day itself if it works,
        # else the next working day.
        day_number = np.where(inside | ~is_work, day_number, day_number + 1)
        return (day_number.astype(np.int64) * length + offset).astype(np.int64)

    def to_local(
        self, working: npt.NDArray[np.int64], *, ends: bool | npt.NDArray[np.bool_] = False
    ) -> npt.NDArray[np.datetime64]:
        """Local wall-clock times (datetime64[s]) of working-clock seconds.

        The boundary between two working days is both the close of one and the opening
        of the next: where ``ends`` is true it maps to the close (for the end of an
        activity), otherwise to the next opening (for a start). ``ends`` is one flag or
        one per value.
        """
        length = self.day_seconds
        day_number, offset = np.divmod(np.asarray(working, dtype=np.int64), length)
        boundary = (offset == 0) & (working > 0) & ends
        day_number = np.where(boundary, day_number - 1, day_number)
        offset = np.where(boundary, length, offset)
        if len(day_number) == 0:
            return np.zeros(0, dtype="datetime64[s]")
        first = int(day_number.min())
        table = self.working_days(np.arange(first, int(day_number.max()) + 1))
        days = table[day_number - first].astype("datetime64[s]")
        return days + (offset + self.open_seconds).astype("timedelta64[s]")
