"""Calendars: when the bank works, and time counted only inside working hours.

One package for every calendar LoanFlow uses:

- :mod:`analysis.calendar.working_time`: the profile's business calendar (``calendar``) in
  DuckDB SQL: working-time durations of every figure, and local wall-clock time of a
  TIMESTAMPTZ. Its functions are re-exported here (``from analysis.calendar import
  working_seconds_sql``).
- :mod:`analysis.calendar.week`: :class:`WorkingCalendar`, a week of working spans plus
  holidays, with its working clock in numpy (the waiting causes) and as scalars with its
  inverse (the what-if engine places work on it).
- :mod:`analysis.calendar.discover`: calendars discovered from when people actually work,
  per resource, department or any grouping (the what-if model's pools), with the
  profile's ``calendars`` overrides. Imported as a module (it reads the store, and the
  store's instance views import this package).

:class:`WorkingCalendar` is imported on first use: its module needs numpy, which the SQL
of the working clock (all a load's analysis preparation needs) does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis.calendar.working_time import (
    daily_working_seconds,
    local_epoch_sql,
    utc_offset_changes,
    working_clock_sql,
    working_seconds,
    working_seconds_sql,
)

if TYPE_CHECKING:
    from analysis.calendar.week import WorkingCalendar

__all__ = [
    "WorkingCalendar",
    "daily_working_seconds",
    "local_epoch_sql",
    "utc_offset_changes",
    "working_clock_sql",
    "working_seconds",
    "working_seconds_sql",
]


def __getattr__(name: str) -> Any:
    """Import :class:`WorkingCalendar` on first use (PEP 562)."""
    if name == "WorkingCalendar":
        from analysis.calendar.week import WorkingCalendar

        globals()[name] = WorkingCalendar
        return WorkingCalendar
    raise AttributeError(f"module 'analysis.calendar' has no attribute {name!r}")
