"""Arrivals: when applications come in, by weekday, time of day and channel.

Applications arrive as a Poisson process whose daily rate follows the weekday (Monday
busiest) and whose time of day follows the channel: branch counters and account-manager
referrals only in opening hours on working days, online banking and the mobile app at
any time (evening peak; quieter on weekends and holidays). Everything is drawn in
vectorised batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from sample_logs.calendar import WorkCalendar

APPLICATIONS_PER_WORKING_DAY = 24.0
WEEKDAY_FACTOR = np.array([1.25, 1.1, 1.0, 1.0, 0.9, 0.35, 0.3])  # Mon..Sun
BRANCH_SHARE = 0.55  # of a working day's applications
OFF_DAY_ONLINE_FACTOR = 0.35
BRANCH_CHANNELS = ("網點", "客戶經理推薦")
BRANCH_CHANNEL_P = (0.6, 0.4)
ONLINE_CHANNELS = ("網上銀行", "手機App")
ONLINE_CHANNEL_P = (0.45, 0.55)
CHANNELS = BRANCH_CHANNELS + ONLINE_CHANNELS
# Hour-of-day weights (0..23). Branch hours are 09:00-17:30.
BRANCH_HOURS = np.array(
    [0] * 9 + [1.0, 1.6, 1.5, 0.6, 0.8, 1.4, 1.5, 1.2, 0.4] + [0] * 6, dtype=float
)
ONLINE_HOURS = np.array(
    [
        *(0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.2, 1.4, 1.3),
        *(1.0, 1.0, 1.2, 1.2, 1.1, 1.0, 0.9, 1.1, 1.5, 1.6, 1.2, 0.6),
    ],
    dtype=float,
)


@dataclass(frozen=True)
class Arrivals:
    """Applications in arrival order."""

    local: npt.NDArray[np.datetime64]  # local wall-clock time of submission
    channel: npt.NDArray[np.int64]  # index into CHANNELS
    visible: npt.NDArray[np.bool_]  # inside the extract (not warm-up or tail)


def _day_times(
    rng: np.random.Generator, days: npt.NDArray[np.datetime64], hours: npt.NDArray[np.float64]
) -> npt.NDArray[np.datetime64]:
    hour = rng.choice(24, size=len(days), p=hours / hours.sum())
    span = np.where(hour == 17, 1800, 3600)  # branch hours end at 17:30
    second = (rng.random(len(days)) * span).astype(np.int64)
    return days.astype("datetime64[s]") + (hour * 3600 + second).astype("timedelta64[s]")


def _applications(
    rng: np.random.Generator, calendar: WorkCalendar, first: date, n_days: int, rate: float
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.int64]]:
    days = np.datetime64(first, "D") + np.arange(n_days)
    weekday = (days.astype(np.int64) - 4) % 7
    working = np.is_busday(days, busdaycal=calendar.business_days)
    factor = WEEKDAY_FACTOR[weekday]
    branch_counts = rng.poisson(np.where(working, rate * BRANCH_SHARE * factor, 0.0))
    online_rate = rate * (1 - BRANCH_SHARE) * factor
    online_counts = rng.poisson(np.where(working, online_rate, online_rate * OFF_DAY_ONLINE_FACTOR))
    branch_days = np.repeat(days, branch_counts)
    online_days = np.repeat(days, online_counts)
    times = np.concatenate(
        [_day_times(rng, branch_days, BRANCH_HOURS), _day_times(rng, online_days, ONLINE_HOURS)]
    )
    channel = np.concatenate(
        [
            rng.choice(2, size=len(branch_days), p=BRANCH_CHANNEL_P),
            2 + rng.choice(2, size=len(online_days), p=ONLINE_CHANNEL_P),
        ]
    ).astype(np.int64)
    order = np.argsort(times, kind="stable")
    return times[order], channel[order]


def generate_arrivals(
    rng: np.random.Generator,
    calendar: WorkCalendar,
    start: date,
    cases: int,
    volume: float = 1.0,
    tail_days: int = 120,
) -> Arrivals:
    """Applications from ``calendar.origin`` on: warm-up, ``cases`` visible ones, a tail.

    The visible cases are the first ``cases`` applications on or after ``start``; the
    warm-up before and the tail after keep the departments as busy as in steady state.
    """
    rate = APPLICATIONS_PER_WORKING_DAY * volume
    warmup_days = (start - calendar.origin).days
    n_days = warmup_days + int(cases / rate * 1.6) + tail_days + 14
    while True:
        local, channel = _applications(rng, calendar, calendar.origin, n_days, rate)
        first_visible = int(np.searchsorted(local, np.datetime64(start, "s")))
        last_visible = first_visible + cases
        after = local[last_visible:] if last_visible < len(local) else local[:0]
        if len(after) and (after[-1] - local[last_visible - 1]) > np.timedelta64(tail_days, "D"):
            break
        n_days *= 2
    horizon = local[last_visible - 1] + np.timedelta64(tail_days, "D")
    keep = int(np.searchsorted(local, horizon, side="right"))
    local, channel = local[:keep], channel[:keep]
    visible = np.zeros(len(local), dtype=bool)
    visible[first_visible:last_visible] = True
    return Arrivals(local=local, channel=channel, visible=visible)
