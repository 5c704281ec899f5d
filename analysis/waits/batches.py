"""Batch discovery: activity instances processed together (a committee deciding many cases
in one sitting).

Candidates are found as Kronos (and pix-framework) do: the instances of one activity by
one resource, in start order, form a batch while each next one was enabled before the
batch started and starts before the batch's instances so far have ended (back to back or
together); a batch has two instances at least. The sweep is one pass over sorted numpy
arrays (each step depends on the batch so far, which SQL windows cannot carry).

A queue worked off back to back passes that test too: an officer who finishes one file
and opens the next waiting one (on the sample logs about half of the instances of a busy
queue). So LoanFlow keeps the candidates of an activity only when the activity is done in
batches: at least :data:`BATCH_ACTIVITY_SHARE` of its instances are in candidate batches
(the committee's decisions: 94-99%; the busiest queues: at most 63%). ``kronos=True``
keeps every candidate (Kronos's definition).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.waits.calendars import WorkingCalendar

BATCH_ACTIVITY_SHARE = 0.8

Clock = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]


def batch_candidates(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Batch number per row (-1: none) for rows with resource, activity, s, e, enabled.

    ``s``, ``e`` and ``enabled`` are epoch seconds (``enabled`` NaN when unknown).
    """
    n = len(frame)
    batch = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return batch
    order = np.lexsort(
        (frame["s"].to_numpy(), frame["activity"].to_numpy(), frame["resource"].to_numpy())
    )
    resource = frame["resource"].to_numpy()[order]
    activity = frame["activity"].to_numpy()[order]
    s = frame["s"].to_numpy(dtype=np.float64)[order]
    e = frame["e"].to_numpy(dtype=np.float64)[order]
    enabled = frame["enabled"].to_numpy(dtype=np.float64)[order]
    next_id = 0
    members: list[int] = []
    start = end = 0.0
    for k in range(n):
        same = k > 0 and resource[k] == resource[k - 1] and activity[k] == activity[k - 1]
        if same and members and enabled[k] <= start and s[k] <= end:
            members.append(k)
            end = max(end, e[k])
            continue
        if len(members) >= 2:
            batch[order[members]] = next_id
            next_id += 1
        members, start, end = [k], s[k], e[k]
    if len(members) >= 2:
        batch[order[members]] = next_id
    return batch


def busy_islands(frame: pd.DataFrame) -> dict[str, tuple[npt.NDArray[np.float64], ...]]:
    """Per resource: the merged intervals (lo, hi) during which it was processing something."""
    result: dict[str, tuple[npt.NDArray[np.float64], ...]] = {}
    work = frame[frame["e"] > frame["s"]]
    for resource, group in work.groupby("resource", sort=False):
        order = np.argsort(group["s"].to_numpy(), kind="stable")
        s = group["s"].to_numpy(dtype=np.float64)[order]
        e = group["e"].to_numpy(dtype=np.float64)[order]
        reach = np.maximum.accumulate(e)
        new = np.ones(len(s), dtype=bool)
        new[1:] = s[1:] > reach[:-1]
        starts = np.flatnonzero(new)
        lo = s[starts]
        hi = np.maximum.reduceat(e, starts)
        result[str(resource)] = (lo, hi)
    return result


def batch_activities(frame: pd.DataFrame, batch: npt.NDArray[np.int64]) -> set[str]:
    """Activities done in batches: at least :data:`BATCH_ACTIVITY_SHARE` of their
    instances belong to candidate batches."""
    share = frame.assign(inb=batch >= 0).groupby("activity")["inb"].mean()
    return {str(a) for a, v in share.items() if v >= BATCH_ACTIVITY_SHARE}


def calendar_clock(calendar: WorkingCalendar, offset: Clock) -> Clock:
    """A callable from UTC epoch seconds to the calendar's working clock (local time via
    ``offset``, a callable giving each instant's UTC offset in seconds)."""

    def clock(t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return calendar.clock(t + offset(t))

    return clock
