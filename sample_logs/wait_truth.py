"""The true cause of every second the simulator makes an activity instance wait.

The simulator knows, for each instance, which instance's end released it (``trigger``),
when its task became ready (``queued``: later than the release when the customer had to
bring documents or come in to sign, or risk joined a review), who performed it, and when
the committee met. A wait runs from the release to the start, in local wall-clock time,
and each second of it is, in DESIGN.md's order of precedence:

- **batching**: a committee decision waiting for the meeting that decided it to open;
- **contention**: its performer was processing an instance queued at or before it;
- **prioritization**: its performer was processing an instance queued after it;
- **unavailability**: off hours (nights, weekends, holidays: nobody works then);
- **extraneous**: the rest, working time in which the task was not ready yet (the
  customer, the signing appointment, the joint review's lag).

Seconds before the task was ready are never contention or prioritization: the performer
may have been busy, but that is not why the file waited. A log cannot show when a task
became ready, so an estimate from the log counts such seconds as contention where the
performer was busy; docs/waits.md says where that shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from sample_logs.activities import ACTIVITY_ORDER
from sample_logs.engine import MEETING, Simulation

CAUSES = ("batching", "contention", "prioritization", "unavailability", "extraneous")
_B, _C, _P, _U, _X = range(5)


def _seconds(local: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    return local.astype("datetime64[s]").astype(np.int64)


def _meeting_opens(sim: Simulation, start: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Working-clock time at which the meeting of each committee start opened."""
    day = sim.calendar.day_seconds
    committee = sim.scenario.committee
    opens = committee.opens.hour * 3600 + committee.opens.minute * 60 - sim.calendar.open_seconds
    result: npt.NDArray[np.int64] = (start // day) * day + opens
    return result


def instance_causes(sim: Simulation) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(instance indexes, seconds per cause [n, 5]) for every instance with a release."""
    inst = sim.instances
    cal = sim.calendar
    start = _seconds(cal.to_local(inst.start, ends=False))
    end = _seconds(cal.to_local(inst.end, ends=True))
    queued = _seconds(cal.to_local(inst.queued, ends=True))
    opens = _seconds(cal.to_local(_meeting_opens(sim, inst.start), ends=False))
    waiting = np.flatnonzero(inst.trigger >= 0)
    released = end[inst.trigger[waiting]]
    result = np.zeros((len(waiting), 5))
    by_resource: dict[int, npt.NDArray[np.int64]] = {}
    for r in np.unique(inst.resource):
        members = np.flatnonzero(inst.resource == r)
        by_resource[int(r)] = members[np.argsort(start[members], kind="stable")]
    longest = int((end - start).max()) if len(start) else 0
    for k, i in enumerate(waiting):
        e, s = int(released[k]), int(start[i])
        if s <= e:
            continue
        result[k] = _one(sim, int(i), e, s, start, end, queued, opens, by_resource, longest)
    return waiting, result


def _one(
    sim: Simulation,
    i: int,
    e: int,
    s: int,
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
    queued: npt.NDArray[np.int64],
    opens: npt.NDArray[np.int64],
    by_resource: dict[int, npt.NDArray[np.int64]],
    longest: int,
) -> npt.NDArray[np.float64]:
    inst = sim.instances
    ready = min(max(int(queued[i]), e), s)
    meeting = min(max(int(opens[i]), e), s) if inst.activity[i] == MEETING else e
    members = by_resource[int(inst.resource[i])]
    lo = np.searchsorted(start[members], e - longest, side="left")
    hi = np.searchsorted(start[members], s, side="left")
    others = members[lo:hi]
    others = others[(others != i) & (end[others] > e)]
    points = np.unique(
        np.concatenate(
            [[e, s, ready, meeting], np.clip(start[others], e, s), np.clip(end[others], e, s)]
        )
    )
    a, b = points[:-1], points[1:]
    label = np.full(len(a), _U, dtype=np.int64)
    earlier = queued[others] <= queued[i]
    covered = (start[others][None, :] <= a[:, None]) & (end[others][None, :] >= b[:, None])
    busy_earlier = (covered & earlier[None, :]).any(axis=1)
    busy_later = (covered & ~earlier[None, :]).any(axis=1)
    label = np.where(busy_later, _P, label)
    label = np.where(busy_earlier, _C, label)
    label = np.where(b <= meeting, _B, label)
    not_ready = b <= ready
    label = np.where(not_ready, _U, label)
    length = (b - a).astype(np.float64)
    cal = sim.calendar
    working = (
        cal.to_working(b.astype("datetime64[s]")) - cal.to_working(a.astype("datetime64[s]"))
    ).astype(np.float64)
    working = np.clip(working, 0.0, length)
    out = np.zeros(5)
    for code in (_B, _C, _P):
        out[code] = length[label == code].sum()
    rest = label == _U
    out[_U] = (length - working)[rest].sum()
    out[_X] = working[rest].sum()
    return out


def waiting_truth(sim: Simulation) -> dict[str, Any]:
    """Per activity: instances with a release, total wait and the true causes (hours)."""
    waiting, causes = instance_causes(sim)
    activity = sim.instances.activity[waiting]
    result: dict[str, Any] = {}
    for code, name in enumerate(ACTIVITY_ORDER):
        mask = activity == code
        if not mask.any():
            continue
        totals = causes[mask].sum(axis=0) / 3600
        result[name] = {
            "instances": int(mask.sum()),
            "wait_hours": round(float(totals.sum()), 1),
            "causes": {c: round(float(v), 1) for c, v in zip(CAUSES, totals, strict=True)},
        }
    return result
