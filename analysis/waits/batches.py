"""Batch discovery: activity instances processed together (a committee deciding many cases
in one sitting).

Candidates are found as Kronos (and pix-framework) do: the instances of one activity by
one resource, in start order, form a batch while each next one was enabled before the
batch started and starts before the batch's instances so far have ended (back to back or
together); a batch has two instances at least. The sweep is one pass over sorted numpy
arrays (each step depends on the batch so far, which SQL windows cannot carry).

A queue worked off back to back passes that test too: an officer who finishes one file
and opens the next waiting one (on the sample logs about half of the instances of a busy
queue, and nearly all of them when the department is short of staff). So LoanFlow keeps a
candidate only when

- its activity is done in batches: at least :data:`BATCH_ACTIVITY_SHARE` of the
  activity's instances are in candidate batches (the committee's decisions: 94-99%; the
  busiest queues of the shipped logs: at most 63%), and
- the work was held back for it: its resource had at least :data:`MIN_IDLE_SECONDS` of
  idle working time (by its calendar) between the first member's enablement and the
  batch's start, and so had the resources of at least :data:`HELD_BACK_SHARE` of the
  activity's candidate batches. A committee that meets on Tuesdays was free on Monday
  (100% of its batches); an officer whose queue grew while they were busy, or overnight,
  was not (a short-staffed risk department: 89%, where some idle time is work on cases
  outside the extract).

``kronos=True`` keeps every candidate (Kronos's definition).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.calendar import WorkingCalendar

BATCH_ACTIVITY_SHARE = 0.8
MIN_IDLE_SECONDS = 1800.0
HELD_BACK_SHARE = 0.95

Clock = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]


def batch_candidates(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Batch number per row (-1: none) for rows with resource, activity, s, e, enabled.

    ``s``, ``e`` and ``enabled`` are epoch seconds (``enabled`` NaN when unknown).
    """
    n = len(frame)
    batch = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return batch
    # Integer codes: sorting text (object) arrays costs seconds at a million rows. Sorted
    # codes and the instance id last make the order (and the batch numbers) independent of
    # the rows' order: the store path and the lake's per-resource groups number alike.
    resource_code = pd.factorize(frame["resource"], sort=True)[0]
    activity_code = pd.factorize(frame["activity"], sort=True)[0]
    tie = frame["instance_id"].to_numpy() if "instance_id" in frame else np.arange(n)
    order = np.lexsort((tie, frame["s"].to_numpy(dtype=np.float64), activity_code, resource_code))
    # Python lists: the loop reads one value at a time, far faster than numpy scalars.
    resource = resource_code[order].tolist()
    activity = activity_code[order].tolist()
    s = frame["s"].to_numpy(dtype=np.float64)[order].tolist()
    e = frame["e"].to_numpy(dtype=np.float64)[order].tolist()
    enabled = frame["enabled"].to_numpy(dtype=np.float64)[order].tolist()
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


def batch_activities(
    frame: pd.DataFrame, batch: npt.NDArray[np.int64], held: npt.NDArray[np.bool_]
) -> set[str]:
    """Activities done in batches: at least :data:`BATCH_ACTIVITY_SHARE` of their instances
    are in candidate batches and at least :data:`HELD_BACK_SHARE` of those batches were
    held back (``held``: per batch number, see :func:`held_back`)."""
    share = frame.assign(inb=batch >= 0).groupby("activity")["inb"].mean()
    candidates = pd.DataFrame({"activity": frame["activity"].to_numpy(), "batch": batch})
    candidates = candidates[batch >= 0].drop_duplicates("batch")
    held_share = pd.Series(held[candidates["batch"].to_numpy()], index=candidates["activity"])
    held_share = held_share.groupby(level=0).mean()
    return activities_done_in_batches(share, held_share)


def activities_done_in_batches(share: pd.Series, held_share: pd.Series) -> set[str]:
    """The rule of :func:`batch_activities` over its two shares per activity (the store
    path computes them in pandas, the lake on its engine): ``share`` of the activity's
    instances in candidate batches, ``held_share`` of its candidate batches held back."""
    return {
        str(a)
        for a, v in share.items()
        if v >= BATCH_ACTIVITY_SHARE and held_share.get(a, 0.0) >= HELD_BACK_SHARE
    }


def _busy_before(
    lo: npt.NDArray[np.float64], hi: npt.NDArray[np.float64], w: Clock, t: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Working seconds of busy time before each t (islands sorted, not overlapping)."""
    before = np.concatenate([[0.0], np.cumsum(w(hi) - w(lo))])
    k = np.searchsorted(lo, t, side="right")  # islands starting at or before t
    j = np.maximum(k - 1, 0)
    part = w(np.minimum(t, hi[j])) - w(lo[j])
    return np.where(k > 0, before[j] + part, 0.0)


def held_back(
    frame: pd.DataFrame,
    batch: npt.NDArray[np.int64],
    islands: Mapping[str, tuple[npt.NDArray[np.float64], ...]],
    clocks: Mapping[str, Clock],
) -> npt.NDArray[np.bool_]:
    """Per batch number: whether its resource had at least :data:`MIN_IDLE_SECONDS` of idle
    working time between the first member's enablement and the batch's start."""
    count = int(batch.max()) + 1 if len(batch) else 0
    keep = np.zeros(max(count, 0), dtype=bool)
    if count <= 0:
        return keep
    rows = frame.assign(batch=batch)[batch >= 0]
    first = rows.groupby("batch").agg(
        resource=("resource", "first"), a=("enabled", "min"), b=("s", "min")
    )
    for resource, group in first.groupby("resource", sort=False):
        clock = clocks.get(str(resource))
        if clock is None:
            continue
        b = group["b"].to_numpy(dtype=np.float64)
        a = group["a"].to_numpy(dtype=np.float64)
        a = np.where(np.isnan(a), b, np.minimum(a, b))
        idle = clock(b) - clock(a)
        lo, hi = islands.get(str(resource), (np.zeros(0), np.zeros(0)))
        if len(lo):
            idle = idle - (_busy_before(lo, hi, clock, b) - _busy_before(lo, hi, clock, a))
        keep[group.index.to_numpy()] = idle >= MIN_IDLE_SECONDS
    return keep


def calendar_clock(calendar: WorkingCalendar, offset: Clock) -> Clock:
    """A callable from UTC epoch seconds to the calendar's working clock (local time via
    ``offset``, a callable giving each instant's UTC offset in seconds)."""

    def clock(t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return calendar.clock(t + offset(t))

    return clock
