"""The discrete-event simulation of a discovered model: one replication.

Time is local epoch seconds (see :mod:`analysis.calendar.week`). One heap holds the
events: a case arrives, a task becomes ready (after an extraneous delay), an activity
instance completes. Each pool (department) has its staff, its weekly calendar and its
queue, first come first served; in a case-owner pool each case keeps the person who
first took it and waits in that person's queue. Work picked up outside the calendar
starts at the next working moment and its duration counts working time only.
Automatic activities (no staff) start at once. Random numbers come from numpy, drawn in
batches per concern, so a seed reproduces the run exactly.

The run covers a warm-up (cases that arrive before ``start`` load the bank but are not
counted), the counted cases, and arrivals after them until every counted case ends.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from analysis.calendar.week import WEEK, WorkingCalendar, always
from analysis.whatif.distributions import sample
from analysis.whatif.model import ELAPSED, END, visit_key

_ARRIVAL, _READY, _COMPLETE, _SESSION = 0, 1, 2, 3
_MAX_INSTANCES = 400  # a case that loops longer is ended (a model error, not a real case)
_MIN_STATE = 20  # branches seen fewer times fall back to the activity's pooled branch


class _Draws:
    """Numbers from one random stream, drawn in batches and handed out one at a time."""

    def __init__(self, rng: np.random.Generator, make: Any, batch: int = 4096) -> None:
        self._rng, self._make, self._batch = rng, make, batch
        self._values: Iterator[float] = iter(())

    def draw(self) -> float:
        value = next(self._values, None)
        if value is None:
            self._values = iter(self._make(self._rng, self._batch).tolist())
            value = next(self._values)
        return value


@dataclass
class _Pool:
    name: str
    calendar: WorkingCalendar
    staff: list[int]
    case_owner: bool

    def __post_init__(self) -> None:
        self.idle: list[int] = list(reversed(self.staff))
        self.queue: list[tuple[int, int, int, float]] = []  # FIFO via index
        self.head = 0
        self.owners: dict[int, int] = {}
        self.personal: dict[int, list[tuple[int, int, int, float]]] = {r: [] for r in self.staff}
        self.busy: dict[int, bool] = dict.fromkeys(self.staff, False)


def _table(dist: dict[str, float]) -> tuple[list[str], list[float]]:
    targets = list(dist)
    cum = np.cumsum([dist[t] for t in targets])
    cum = cum / cum[-1] if len(cum) and cum[-1] > 0 else cum
    return targets, cum.tolist()


def _compile_branch(branch: dict[str, Any], columns: list[str]) -> tuple[Any, ...]:
    split = branch.get("split")
    if not split or split.get("attribute") not in [*columns, ELAPSED]:
        return (0, _table(branch["next"]))
    column = -1 if split["attribute"] == ELAPSED else columns.index(split["attribute"])
    if "threshold" in split:
        below = _compile_branch(split["below"], columns)
        above = _compile_branch(split["above"], columns)
        return (1, column, float(split["threshold"]), below, above)
    levels = {lvl: _compile_branch(d, columns) for lvl, d in split["by_level"].items()}
    return (2, column, levels, _compile_branch(split["other"], columns))


@dataclass(frozen=True)
class RunResult:
    """Every activity instance of one replication and what is known of its cases."""

    activities: list[str]
    departments: list[str | None]  # per activity
    pools: list[str]
    resources: list[str]
    case: npt.NDArray[np.int64]
    activity: npt.NDArray[np.int64]
    resource: npt.NDArray[np.int64]  # -1: automatic
    start: npt.NDArray[np.float64]
    end: npt.NDArray[np.float64]
    enabled: npt.NDArray[np.float64]
    counted: npt.NDArray[np.bool_]  # per case: arrived in the simulated period
    arrival: npt.NDArray[np.float64]
    outcome: list[str | None]
    finished: npt.NDArray[np.bool_]
    period: tuple[float, float]  # first to last counted arrival (utilisation is over it)
    pool_busy: dict[str, float]  # working seconds worked per pool in the period
    pool_capacity: dict[str, float]  # working seconds available per pool in the period


class Engine:
    """One replication of ``model`` (already changed by a scenario, if any)."""

    def __init__(
        self,
        model: dict[str, Any],
        *,
        seed: int,
        start: float,
        cases: int,
        warmup: float,
        arrival_multiplier: float = 1.0,
    ) -> None:
        self.model = model
        self.rng_root = np.random.SeedSequence(seed)
        self.start_at = start
        self.cases_wanted = cases
        self.warmup = warmup
        self.arrival_multiplier = arrival_multiplier
        self._init_activities()
        self._init_pools()
        self._init_routing()
        self._init_random()

    # -- set-up ----------------------------------------------------------------------
    def _stream(self, name: str) -> np.random.Generator:
        key = sum(ord(ch) * 131**i for i, ch in enumerate(name)) % (2**31)
        return np.random.default_rng(
            np.random.SeedSequence(self.rng_root.entropy, spawn_key=(key,))
        )

    def _init_activities(self) -> None:
        acts = self.model["activities"]
        self.activities = sorted(acts)
        self.index = {a: i for i, a in enumerate(self.activities)}
        self.outcome_of = [acts[a].get("outcome") for a in self.activities]
        self.skip_rules: dict[int, tuple[npt.NDArray[np.bool_], str | None]] = {}

    def _init_pools(self) -> None:
        self.pools: list[_Pool] = []
        self.resources: list[str] = []
        self.resource_pool: list[int] = []
        pool_index: dict[str, int] = {}
        holidays = tuple(self.model.get("holidays", []))
        for name, spec in sorted(self.model["pools"].items()):
            first = len(self.resources)
            names = list(spec.get("resources", []))
            size = int(spec["size"])
            names = names[:size] + [f"{name}-{k}" for k in range(len(names) + 1, size + 1)]
            self.resources.extend(names)
            self.resource_pool.extend([len(self.pools)] * size)
            pool_index[name] = len(self.pools)
            self.pools.append(
                _Pool(
                    name,
                    WorkingCalendar.from_days(spec["calendar"], holidays, name).or_always(),
                    list(range(first, first + size)),
                    bool(spec.get("case_owner")),
                )
            )
        acts = self.model["activities"]
        self.pool_of = [
            pool_index.get(acts[a]["pool"], -1) if acts[a]["pool"] else -1 for a in self.activities
        ]
        self.always = always()
        self.calendar_of = [  # each activity's calendar (its pool's, or always)
            self.pools[p].calendar if p >= 0 else self.always for p in self.pool_of
        ]
        batched = set(self.model.get("batching", []))
        self.batched = [
            a in batched and self.pool_of[i] >= 0 for i, a in enumerate(self.activities)
        ]
        self.held: dict[
            int, list[tuple[int, int, float]]
        ] = {}  # pool -> tasks for the next session
        self.parallel_of: dict[int, frozenset[int]] = {}
        for group in self.model.get("parallel", []):
            members = frozenset(self.index[a] for a in group if a in self.index)
            for m in members:
                self.parallel_of[m] = members

    def _init_routing(self) -> None:
        columns = list(self.model["case_attributes"]["columns"])
        self.columns = columns
        routing = self.model["routing"]
        self.start_branch = _compile_branch(routing["start"], columns)
        self.branches: dict[tuple[int, int], tuple[Any, ...]] = {}
        self.withdraw_mean: dict[tuple[int, int], float] = {}
        withdrawal = routing.get("withdrawal")
        self.withdraw_edges: list[float] = list(withdrawal["edges_hours"]) if withdrawal else []
        self.withdraw_rate: list[float] = list(withdrawal["rate"]) if withdrawal else []
        self.scaled_edges: dict[tuple[int, float], list[float] | None] = {}  # see _choose
        self.withdraw_to = set(withdrawal["activities"]) if withdrawal else set()
        states = routing["states"]
        for activity in self.activities:
            pooled = states.get(visit_key(activity, 0))
            for visit in (1, 2, 3):
                state = states.get(visit_key(activity, visit))
                if state is None or state["n"] < _MIN_STATE:
                    state = pooled or state
                if state is not None:
                    self.branches[(self.index[activity], visit)] = _compile_branch(state, columns)
                    if state.get("withdrawal_mean"):
                        self.withdraw_mean[(self.index[activity], visit)] = state["withdrawal_mean"]
        self.routes = {  # (activity, visit): (its branch, its withdrawal mean or 0), see _next
            key: (branch, self.withdraw_mean.get(key, 0.0)) for key, branch in self.branches.items()
        }
        self.delays: dict[tuple[int, int], tuple[float, list[float], float, list[float]]] = {}
        for key, spec in self.model.get("delays", {}).items():
            source, _, target = key.partition("->")
            if target in self.index:
                extra = spec.get("calibration") or {"scale": 0.0, "quantiles": [0.0]}
                self.delays[(self.index.get(source, -1), self.index[target])] = (
                    float(spec["probability"]),
                    list(spec["quantiles"]),
                    float(extra["scale"]),
                    list(extra["quantiles"]),
                )

    def _init_random(self) -> None:
        self.durations = [
            _Draws(self._stream(f"duration:{a}"), _sampler(self.model["activities"][a]["duration"]))
            for a in self.activities
        ]
        self.uniform = _Draws(self._stream("routing"), lambda r, n: r.random(n), 8192)
        self.delay_draw = _Draws(self._stream("delays"), lambda r, n: r.random(n), 8192)
        self.assign = _Draws(self._stream("assign"), lambda r, n: r.random(n), 4096)

    # -- arrivals ----------------------------------------------------------------------
    def _arrivals(self) -> npt.NDArray[np.float64]:
        """Arrival instants: the warm-up, the counted cases, and a tail after them."""
        spec = self.model["arrivals"]
        rates = np.asarray(spec["per_hour_of_week"], dtype=np.float64) * self.arrival_multiplier
        if rates.sum() <= 0:
            rates = np.full(168, 1.0 / 168)
        rng = self._stream("arrivals")
        begin = self.start_at - self.warmup
        first_hour = math.floor(begin / 3600)
        times: list[npt.NDArray[np.float64]] = []
        counted = 0
        hour = first_hour
        tail_until: float | None = None
        trend = float(spec.get("trend_per_week", 0.0))
        origin = float(spec.get("trend_origin", self.start_at))
        while True:
            hours = np.arange(hour, hour + 168 * 4, dtype=np.int64)
            slot = ((hours * 3600 - 4 * 86400) % WEEK) // 3600
            factor = np.clip(1.0 + trend * ((hours * 3600 - origin) / WEEK), 0.25, 4.0)
            counts = rng.poisson(rates[slot] * factor)
            starts = np.repeat(hours * 3600.0, counts) + rng.random(int(counts.sum())) * 3600.0
            starts.sort()
            starts = starts[starts >= begin]
            times.append(starts)
            hour += 168 * 4
            if tail_until is None:
                counted += int((starts >= self.start_at).sum())
                if counted >= self.cases_wanted:
                    every = np.concatenate(times)
                    last = every[every >= self.start_at][self.cases_wanted - 1]
                    tail_until = last + max(self.warmup, 2 * WEEK)
            if tail_until is not None and hour * 3600 > tail_until:
                break
        every = np.concatenate(times)
        return every[every <= (tail_until or every[-1])]

    # -- the run -----------------------------------------------------------------------
    def run(self) -> RunResult:
        arrivals = self._arrivals()
        n = len(arrivals)
        counted = arrivals >= self.start_at
        counted &= np.cumsum(counted) <= self.cases_wanted
        self.counted = counted.tolist()
        self.remaining = int(counted.sum())
        rows = self.model["case_attributes"]["rows"]
        pick = self._stream("cases").integers(0, max(len(rows), 1), n)
        self.attrs = [rows[i] if rows else [] for i in pick.tolist()]
        self._prepare_skips(n)
        self.visits: list[dict[int, int]] = [{} for _ in range(n)]
        self.join: dict[int, list[Any]] = {}
        self.steps = [0] * n
        self.outcome: list[str | None] = [None] * n
        self.finished = [False] * n
        self.heap: list[tuple[float, int, int, int, int, float]] = []
        self.seq = 0
        self.rec: tuple[list[int], list[int], list[int], list[float], list[float], list[float]]
        self.rec = ([], [], [], [], [], [])
        arrival_list = arrivals.tolist()
        self.arrival_at = arrival_list
        self.now = 0.0
        for case, at in enumerate(arrival_list):
            self.seq += 1
            self.heap.append((at, self.seq, _ARRIVAL, case, -1, at))
        heapq.heapify(self.heap)
        self._loop()
        return self._result(arrivals, counted)

    def _prepare_skips(self, n: int) -> None:
        from analysis.whatif.scenario import evaluate_condition

        self.skip_rules = {}
        for rule in self.model.get("skip", []):
            if rule["activity"] in self.index:
                mask = evaluate_condition(rule["when"], self.columns, self.attrs)
                self.skip_rules[self.index[rule["activity"]]] = (mask, rule.get("to"))

    def _loop(self) -> None:
        heap, pop = self.heap, heapq.heappop
        while self.remaining and heap:
            now, _, kind, case, activity, extra = pop(heap)
            self.now = now
            if kind == _COMPLETE:
                self._complete(case, activity, int(extra), now)
            elif kind == _READY:
                self._enqueue(case, activity, now)
            elif kind == _SESSION:
                self._open_session(activity, now)
            else:
                first = self._choose(self.start_branch, case)
                self._enter(case, -1, first, now)

    def _choose(self, branch: tuple[Any, ...], case: int, withdraw: float = 1.0) -> str:
        while branch[0]:
            if branch[0] == 1:
                if branch[1] < 0:
                    value = (self.now - self.arrival_at[case]) / 3600.0
                else:
                    value = self.attrs[case][branch[1]]
                below = value is not None and value <= branch[2]
                branch = branch[3] if below else branch[4]
            else:
                branch = branch[2].get(str(self.attrs[case][branch[1]]), branch[3])
        targets, cum = branch[1]
        u = self.uniform.draw()
        if withdraw != 1.0:
            key = (id(cum), withdraw)
            if key in self.scaled_edges:
                edges = self.scaled_edges[key]
            else:
                scaled = self.withdraw_to.intersection(targets)
                edges = _scaled_edges(targets, cum, scaled, withdraw) if scaled else None
                self.scaled_edges[key] = edges
            if edges is not None:
                for target, edge in zip(targets, edges, strict=True):
                    if u < edge:
                        return target
                return targets[-1]
        for target, edge in zip(targets, cum, strict=True):
            if u < edge:
                return target
        return targets[-1] if targets else END

    def _next(self, case: int, activity: int) -> str:
        visit = self.visits[case].get(activity, 0)
        route = self.routes.get((activity, visit if visit < 3 else 3))
        if route is None or self.steps[case] >= _MAX_INSTANCES:
            return END
        branch, mean = route
        if mean:
            hours = (self.now - self.arrival_at[case]) / 3600.0
            rate = self.withdraw_rate[bisect.bisect_right(self.withdraw_edges, hours)]
            return self._choose(branch, case, rate / mean)
        return self._choose(branch, case)

    def _enter(self, case: int, source: int, target: str, now: float) -> None:
        """Route ``case`` into ``target`` (skips, parallel groups and delays applied)."""
        while True:
            if target == END or target not in self.index:
                self._finish(case)
                return
            act = self.index[target]
            skip = self.skip_rules.get(act)
            if skip is not None and skip[0][case]:
                self.visits[case][act] = self.visits[case].get(act, 0) + 1
                self.steps[case] += 1
                source, target = act, skip[1] if skip[1] is not None else self._next(case, act)
                continue
            break
        group = self.parallel_of.get(act)
        if group is None:
            self._after_delay(case, source, act, now)
            return
        members = [act]
        current = act
        while True:
            self.visits[case][current] = self.visits[case].get(current, 0) + 1
            following = self._next(case, current)
            nxt = self.index.get(following, -1)
            if nxt in group and nxt not in members:
                members.append(nxt)
                current = nxt
                continue
            break
        for m in members:
            self.visits[case][m] -= 1  # counted again when each completes
        self.join[case] = [len(members), following, current]
        for m in members:
            self._after_delay(case, source, m, now)

    def _after_delay(self, case: int, source: int, act: int, now: float) -> None:
        delay = self.delays.get((source, act))
        seconds = 0.0
        if delay is not None:
            if self.delay_draw.draw() < delay[0]:
                seconds += _quantile(delay[1], self.delay_draw.draw())
            if delay[2] > 0:
                seconds += delay[2] * _quantile(delay[3], self.delay_draw.draw())
        if seconds > 0:
            calendar = self.calendar_of[act]
            ready = calendar.at_working(calendar.working_at(now) + seconds)
            self.seq += 1
            heapq.heappush(self.heap, (ready, self.seq, _READY, case, act, now))
            return
        self._enqueue(case, act, now)

    def _hold(self, case: int, act: int, now: float) -> None:
        """A batched activity waits for its pool's next session (a committee meeting)."""
        pool_id = self.pool_of[act]
        held = self.held.setdefault(pool_id, [])
        if not held:
            opens = self.pools[pool_id].calendar.next_opening(now)
            self.seq += 1
            heapq.heappush(self.heap, (opens, self.seq, _SESSION, -1, pool_id, now))
        held.append((case, act, now))

    def _open_session(self, pool_id: int, now: float) -> None:
        """The session opens: its agenda is every task held until now."""
        agenda = self.held.pop(pool_id, [])
        for case, act, enabled in agenda:
            self._enqueue(case, act, now, enabled, session=True)

    def _enqueue(
        self, case: int, act: int, now: float, enabled: float | None = None, session: bool = False
    ) -> None:
        if self.batched[act] and not session:
            self._hold(case, act, now)
            return
        pool_id = self.pool_of[act]
        if pool_id < 0:
            self._start(case, act, -1, now, now)
            return
        pool = self.pools[pool_id]
        task = (case, act, self.seq, now if enabled is None else enabled)
        if pool.case_owner:
            owner = pool.owners.get(case)
            if owner is None:
                owner = pool.staff[int(self.assign.draw() * len(pool.staff))]
                pool.owners[case] = owner
            if not pool.busy[owner]:
                pool.busy[owner] = True
                self._start(case, act, owner, now, task[3])
            else:
                pool.personal[owner].append(task)
            return
        if pool.idle:
            self._start(case, act, pool.idle.pop(), now, task[3])
        else:
            pool.queue.append(task)

    def _start(self, case: int, act: int, resource: int, now: float, enabled: float) -> None:
        duration = self.durations[act].draw()
        begin, end = self.calendar_of[act].add(now, duration)
        rec = self.rec
        rec[0].append(case)
        rec[1].append(act)
        rec[2].append(resource)
        rec[3].append(begin)
        rec[4].append(end)
        rec[5].append(enabled)
        self.steps[case] += 1
        self.seq += 1
        heapq.heappush(self.heap, (end, self.seq, _COMPLETE, case, act, float(resource)))

    def _release(self, resource: int, act: int, now: float) -> None:
        if resource < 0:
            return
        pool = self.pools[self.resource_pool[resource]]
        if pool.case_owner:
            queue = pool.personal[resource]
            if queue:
                case, nxt, _, enabled = queue.pop(0)
                self._start(case, nxt, resource, now, enabled)
            else:
                pool.busy[resource] = False
            return
        if pool.head < len(pool.queue):
            case, nxt, _, enabled = pool.queue[pool.head]
            pool.head += 1
            if pool.head > 4096:
                del pool.queue[: pool.head]
                pool.head = 0
            self._start(case, nxt, resource, now, enabled)
        else:
            pool.idle.append(resource)

    def _complete(self, case: int, act: int, resource: int, now: float) -> None:
        self._release(resource, act, now)
        if self.outcome_of[act] is not None:
            self.outcome[case] = self.outcome_of[act]
        self.visits[case][act] = self.visits[case].get(act, 0) + 1
        join = self.join.get(case)
        if join is not None:
            join[0] -= 1
            if join[0] > 0:
                return
            del self.join[case]
            self._enter(case, join[2], join[1], now)
            return
        self._enter(case, act, self._next(case, act), now)

    def _finish(self, case: int) -> None:
        if not self.finished[case]:
            self.finished[case] = True
            if self.counted[case]:
                self.remaining -= 1

    def _result(
        self, arrivals: npt.NDArray[np.float64], counted: npt.NDArray[np.bool_]
    ) -> RunResult:
        case = np.asarray(self.rec[0], dtype=np.int64)
        start = np.asarray(self.rec[3], dtype=np.float64)
        end = np.asarray(self.rec[4], dtype=np.float64)
        resource = np.asarray(self.rec[2], dtype=np.int64)
        first = float(arrivals[counted].min()) if counted.any() else self.start_at
        last = float(arrivals[counted].max()) if counted.any() else first  # the loaded period
        busy: dict[str, float] = {}
        capacity: dict[str, float] = {}
        for p, pool in enumerate(self.pools):
            rows = (resource >= 0) & (np.asarray([*self.resource_pool, -1])[resource] == p)
            s = np.clip(start[rows], first, last)
            e = np.clip(end[rows], first, last)
            work = pool.calendar.clock(e) - pool.calendar.clock(s)
            busy[pool.name] = float(work.sum())
            capacity[pool.name] = float(
                pool.calendar.working_between(first, last) * len(pool.staff)
            )
        return RunResult(
            activities=self.activities,
            departments=[
                self.model["activities"][a].get("department") or self.model["activities"][a]["pool"]
                for a in self.activities
            ],
            pools=[p.name for p in self.pools],
            resources=self.resources,
            case=case,
            activity=np.asarray(self.rec[1], dtype=np.int64),
            resource=resource,
            start=start,
            end=end,
            enabled=np.asarray(self.rec[5], dtype=np.float64),
            counted=counted,
            arrival=arrivals,
            outcome=self.outcome,
            finished=np.asarray(self.finished, dtype=bool),
            period=(first, last),
            pool_busy=busy,
            pool_capacity=capacity,
        )


def _scaled_edges(
    targets: list[str], cum: list[float], scaled: set[str], factor: float
) -> list[float]:
    """The cumulative edges of a branch whose ``scaled`` targets' probabilities are
    multiplied by ``factor`` (at most 0.95 in all), the others shrunk to keep the total
    at one (a draw ``u`` picks the first target whose edge exceeds it, else the last)."""
    probs = [c - p for c, p in zip(cum, [0.0, *cum[:-1]], strict=True)]
    inside = sum(p for t, p in zip(targets, probs, strict=True) if t in scaled)
    new_inside = min(0.95, inside * factor)
    rest = 1.0 - inside
    other = (1.0 - new_inside) / rest if rest > 0 else 0.0
    edges, edge = [], 0.0
    for target, p in zip(targets, probs, strict=True):
        edge += p * (new_inside / inside if target in scaled else other)
        edges.append(edge)
    return edges


def _quantile(points: list[float], u: float) -> float:
    """The value at probability ``u`` of evenly spaced quantile ``points`` (interpolated)."""
    position = u * (len(points) - 1)
    low = int(position)
    high = min(low + 1, len(points) - 1)
    return points[low] + (points[high] - points[low]) * (position - low)


def _sampler(dist: dict[str, Any]) -> Any:
    return lambda rng, n: sample(dist, rng, n)
