"""The discrete-event simulation of loan approval.

Time is the working clock of :mod:`sample_logs.calendar` (seconds of working time), so
every activity instance starts and ends inside working hours. Events live in one heap
(``heapq``): an application arrives, an activity instance completes, a task becomes
ready after the customer's delay, the committee meets. Departments take tasks from
their queues when staff are idle; the committee decides only in its meetings.
Randomness comes from numpy Generators, drawn in batches, one stream per concern, so a
seed reproduces the run exactly.
"""

from __future__ import annotations

import heapq
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from sample_logs.activities import (
    ACTIVITY_CODE,
    ACTIVITY_DEPARTMENT,
    ACTIVITY_ORDER,
    AUTOMATIC,
    DurationPool,
    UniformPool,
)
from sample_logs.arrivals import Arrivals, generate_arrivals
from sample_logs.calendar import WorkCalendar
from sample_logs.cases import CaseAttributes, generate_cases
from sample_logs.departments import (
    DEPARTMENT_ORDER,
    SYSTEM_RESOURCE,
    DepartmentQueue,
    staff_ids,
)
from sample_logs.scenarios import APPROVAL_CUTOFF, COMPLIANCE_THRESHOLD, Scenario

WARMUP_DAYS = 42  # calendar days simulated before the extract starts

# Event kinds in the heap.
_ARRIVAL, _COMPLETE, _READY, _MEETING = 0, 1, 2, 3
# Case outcomes.
OPEN, APPROVED, REJECTED, WITHDRAWN = 0, 1, 2, 3
OUTCOME_NAMES = ("open", "approved", "rejected", "withdrawn")

_A = ACTIVITY_CODE
RECEIVE, COLLECT, REVIEW_DOCS = _A["受理申請"], _A["收集資料"], _A["資料審核"]
REQUEST_DOCS, SUPPLY_DOCS, SCORING = _A["補件通知"], _A["補充資料"], _A["自動評分"]
INVESTIGATION, ASSESSMENT, REVERIFICATION = _A["信貸調查"], _A["風險評估"], _A["風險複核"]
SUPPLEMENT, COMPLIANCE, MEETING = _A["補充調查"], _A["合規審查"], _A["審批會議"]
AUTO_APPROVAL, SIGN, DISBURSE = _A["自動審批"], _A["簽約"], _A["放款"]
REJECTION, WITHDRAWAL = _A["拒絕通知"], _A["客戶撤回"]


def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream for one concern, fixed by the seed and its name."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


@dataclass(frozen=True)
class CaseRecords:
    """What the simulator knows about each case of the extract (arrival order)."""

    arrival_local: npt.NDArray[np.datetime64]
    channel: npt.NDArray[np.int64]
    attributes: CaseAttributes
    outcome: npt.NDArray[np.int64]  # OPEN/APPROVED/REJECTED/WITHDRAWN
    defaulted: npt.NDArray[np.bool_]  # approved loans that default later
    fast_tracked: npt.NDArray[np.bool_]
    missing_document_rounds: npt.NDArray[np.int64]
    reverifications: npt.NDArray[np.int64]
    send_backs: npt.NDArray[np.int64]
    deferrals: npt.NDArray[np.int64]
    skipped_risk: npt.NDArray[np.bool_]
    skipped_compliance: npt.NDArray[np.bool_]
    self_approved: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class InstanceRecords:
    """Every activity instance of the extract, in the order they started."""

    case: npt.NDArray[np.int64]  # index into the extract's cases
    activity: npt.NDArray[np.int64]  # index into ACTIVITY_ORDER
    resource: npt.NDArray[np.int64]  # index into Simulation.resources
    start: npt.NDArray[np.int64]  # working clock
    end: npt.NDArray[np.int64]
    queued: npt.NDArray[np.int64]  # when the task became ready
    trigger: npt.NDArray[np.int64]  # instance whose end released it (-1: the arrival)


@dataclass(frozen=True)
class Simulation:
    """The outcome of one run: the calendar, resources, cases and activity instances."""

    scenario: Scenario
    seed: int
    start: date
    calendar: WorkCalendar
    resources: list[str]
    resource_department: list[str]
    cases: CaseRecords
    instances: InstanceRecords

    @property
    def case_count(self) -> int:
        """Number of cases in the extract."""
        return len(self.cases.outcome)

    @property
    def event_count(self) -> int:
        """Events in the lifecycle layout (a start and a complete per instance)."""
        return 2 * len(self.instances.case)


class _Engine:
    """Mutable state of one run. Use :func:`simulate`."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        calendar: WorkCalendar,
        arrivals: Arrivals,
        attributes: CaseAttributes,
    ) -> None:
        self.scenario = scenario
        self.joint_review = scenario.joint_review
        self.calendar = calendar
        self.day = calendar.day_seconds
        self.arrival = calendar.to_working(arrivals.local).tolist()
        self.visible = arrivals.visible.tolist()
        self.remaining = int(arrivals.visible.sum())
        n = len(self.arrival)
        self.n = n
        self.amount = attributes.amount.tolist()
        self.score = attributes.credit_score.tolist()
        self.patience = (attributes.patience_days * self.day).tolist()
        assessed = attributes.risk_logit + scenario.decision_noise * attributes.assessment_noise
        self.approve = (assessed < APPROVAL_CUTOFF).tolist()
        self.large = (attributes.amount > COMPLIANCE_THRESHOLD).tolist()
        self._init_breaches(seed, n)
        self._init_resources()
        self._init_randomness(seed)
        self.outcome = [OPEN] * n
        self.fast = [False] * n
        self.missing = [0] * n
        self.reverified = [0] * n
        self.sent_back = [0] * n
        self.deferred = [0] * n
        self.join = [0] * n
        self.supplement_for_committee = [False] * n
        self.investigator = [-1] * n
        self.heap: list[tuple[int, int, int, int, int, int]] = []
        self.seq = 0
        self.committee_waiting: list[tuple[int, int, int]] = []  # (case, trigger, queued)
        self.rec_case: list[int] = []
        self.rec_activity: list[int] = []
        self.rec_resource: list[int] = []
        self.rec_start: list[int] = []
        self.rec_end: list[int] = []
        self.rec_queued: list[int] = []
        self.rec_trigger: list[int] = []

    def _init_breaches(self, seed: int, n: int) -> None:
        rng = _stream(seed, "breaches")
        draws = rng.random((3, n))
        breaches = self.scenario.breaches
        self.skip_risk = (draws[0] < breaches.skip_risk).tolist()
        self.skip_compliance = (draws[1] < breaches.skip_compliance).tolist()
        self.self_approval = (draws[2] < breaches.self_approval).tolist()

    def _init_resources(self) -> None:
        self.resources: list[str] = []
        self.resource_department: list[str] = []
        self.queues: dict[str, DepartmentQueue] = {}
        for department in DEPARTMENT_ORDER:
            first = len(self.resources)
            ids = staff_ids(department, self.scenario.staff[department])
            self.resources.extend(ids)
            self.resource_department.extend([department] * len(ids))
            hours = self.scenario.sla_hours.get(department)
            self.queues[department] = DepartmentQueue(
                department,
                list(range(first, first + len(ids))),
                None if hours is None else round(hours * 3600),
                department in self.scenario.case_owners,
            )
        self.committee_members = self.queues["審批委員會"].staff
        self.system = len(self.resources)
        self.resources.append(SYSTEM_RESOURCE)
        self.resource_department.append("")  # per activity: scoring 信貸部, approval 審批委員會
        self.queue_of = [self.queues[ACTIVITY_DEPARTMENT[a]] for a in ACTIVITY_ORDER]
        self.automatic = [a in AUTOMATIC for a in ACTIVITY_ORDER]

    def _init_randomness(self, seed: int) -> None:
        durations = self.scenario.durations
        self.pools = [
            DurationPool(_stream(seed, f"duration:{a}"), durations[a]) for a in ACTIVITY_ORDER
        ]
        self.customer_delay = DurationPool(
            _stream(seed, "customer-delay"), self.scenario.customer_delay
        )
        self.signing_delay = DurationPool(
            _stream(seed, "signing-delay"), self.scenario.signing_delay
        )
        self.join_lag = DurationPool(_stream(seed, "join-lag"), self.scenario.joint_review_lag)
        self.uniform = UniformPool(_stream(seed, "routing"))
        self.assign = UniformPool(_stream(seed, "assignment"))

    # -- the event heap -------------------------------------------------------------
    def _push(self, time: int, kind: int, case: int, activity: int, extra: int) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (time, self.seq, kind, case, activity, extra))

    def _start(
        self, case: int, activity: int, resource: int, now: int, queued: int, trigger: int
    ) -> None:
        if activity == INVESTIGATION and self.joint_review:
            self._join_review(case, trigger, now)
        end = now + self.pools[activity].draw()
        instance = len(self.rec_case)
        self.rec_case.append(case)
        self.rec_activity.append(activity)
        self.rec_resource.append(resource)
        self.rec_start.append(now)
        self.rec_end.append(end)
        self.rec_queued.append(queued)
        self.rec_trigger.append(trigger)
        self.seq += 1
        heapq.heappush(self.heap, (end, self.seq, _COMPLETE, case, activity, instance))

    def _enqueue(self, case: int, activity: int, trigger: int, now: int) -> None:
        if activity == MEETING:
            self.committee_waiting.append((case, trigger, now))
            return
        if self.automatic[activity]:
            self._start(case, activity, self.system, now, now, trigger)
            return
        self.seq += 1
        task = (now, self.seq, case, activity, trigger, now)
        resource = self.queue_of[activity].offer(task, self.assign.draw())
        if resource is not None:
            self._start(case, activity, resource, now, now, trigger)

    def _release(self, resource: int, activity: int, now: int) -> None:
        if resource == self.system or activity == MEETING:
            return
        task = self.queue_of[activity].next_task(resource)
        if task is not None:
            _, _, case, next_activity, trigger, queued = task
            self._start(case, next_activity, resource, now, queued, trigger)

    # -- the committee --------------------------------------------------------------
    def _next_meeting(self, after_day: int) -> int:
        days = {"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4, "Sat": 5, "Sun": 6}
        wanted = {days[d] for d in self.scenario.committee.days}
        day = after_day
        while self.calendar.weekday_of(day) not in wanted:
            day += 1
        return day

    def _meeting_window(self, day: int) -> tuple[int, int]:
        committee = self.scenario.committee
        opens = self.calendar.open_seconds
        start = committee.opens.hour * 3600 + committee.opens.minute * 60 - opens
        end = committee.closes.hour * 3600 + committee.closes.minute * 60 - opens
        return day * self.day + start, day * self.day + min(end, self.day)

    def _meet(self, day: int) -> None:
        start, end = self._meeting_window(day)
        lanes = [(start, member) for member in self.committee_members]
        heapq.heapify(lanes)
        agenda, self.committee_waiting = self.committee_waiting, []
        pool = self.pools[MEETING]
        for position, (case, trigger, queued) in enumerate(agenda):
            free, member = lanes[0]
            duration = pool.draw()
            if free + duration > end:
                self.committee_waiting = agenda[position:]
                break
            heapq.heapreplace(lanes, (free + duration, member))
            resource = self.investigator[case] if self.self_approval[case] else member
            instance = len(self.rec_case)
            self.rec_case.append(case)
            self.rec_activity.append(MEETING)
            self.rec_resource.append(resource)
            self.rec_start.append(free)
            self.rec_end.append(free + duration)
            self.rec_queued.append(queued)
            self.rec_trigger.append(trigger)
            self._push(free + duration, _COMPLETE, case, MEETING, instance)
        following = self._next_meeting(day + 1)
        self._push(self._meeting_window(following)[0], _MEETING, following, 0, 0)

    # -- routing ----------------------------------------------------------------------
    def _dragged_on(self, case: int, now: int) -> bool:
        return bool(now - self.arrival[case] > self.patience[case])

    def _withdraw(self, case: int, trigger: int, now: int) -> None:
        self.outcome[case] = WITHDRAWN
        self._enqueue(case, WITHDRAWAL, trigger, now)

    def _documents_complete(self, case: int, trigger: int, now: int) -> None:
        if self.scenario.auto_scoring:
            self._enqueue(case, SCORING, trigger, now)
        else:
            self._start_review(case, trigger, now)

    def _start_review(self, case: int, trigger: int, now: int) -> None:
        if not self.scenario.joint_review:
            self._enqueue(case, INVESTIGATION, trigger, now)
            return
        self.join[case] = 3 if self.large[case] else 2
        self._enqueue(case, INVESTIGATION, trigger, now)

    def _join_review(self, case: int, trigger: int, now: int) -> None:
        """Credit opened the joint review: risk (and compliance) join it shortly after."""
        joins = now + self.join_lag.draw()
        self._push(joins, _READY, case, ASSESSMENT, trigger)
        if self.large[case]:
            self._push(joins, _READY, case, COMPLIANCE, trigger)

    def _assessed(self, case: int, trigger: int, now: int) -> None:
        if self.uniform.draw() < self.scenario.reverification:
            self._enqueue(case, REVERIFICATION, trigger, now)
        else:
            self._risk_done(case, trigger, now)

    def _risk_done(self, case: int, trigger: int, now: int) -> None:
        needs_compliance = self.large[case] and not self.skip_compliance[case]
        if not self.scenario.joint_review and needs_compliance:
            self._enqueue(case, COMPLIANCE, trigger, now)
        else:
            self._to_committee(case, trigger, now)

    def _to_committee(self, case: int, trigger: int, now: int) -> None:
        if self._dragged_on(case, now):
            self._withdraw(case, trigger, now)
        else:
            self._enqueue(case, MEETING, trigger, now)

    def _joined(self, case: int, trigger: int, now: int) -> None:
        self.join[case] -= 1
        if self.join[case] == 0:
            self._assessed(case, trigger, now)

    def _decided(self, case: int, approved: bool, trigger: int, now: int) -> None:
        if approved:
            self.outcome[case] = APPROVED
            self._push(now + self.signing_delay.draw(), _READY, case, SIGN, trigger)
        else:
            self.outcome[case] = REJECTED
            self._enqueue(case, REJECTION, trigger, now)

    def _route(self, case: int, activity: int, instance: int, now: int) -> None:
        scenario = self.scenario
        if activity == RECEIVE:
            self._enqueue(case, COLLECT, instance, now)
        elif activity in (COLLECT, SUPPLY_DOCS):
            self._enqueue(case, REVIEW_DOCS, instance, now)
        elif activity == REVIEW_DOCS:
            chance = (
                scenario.missing_documents * scenario.missing_documents_decay ** self.missing[case]
            )
            if self.uniform.draw() >= chance:
                self._documents_complete(case, instance, now)
            elif self._dragged_on(case, now):
                self._withdraw(case, instance, now)
            else:
                self.missing[case] += 1
                self._enqueue(case, REQUEST_DOCS, instance, now)
        elif activity == REQUEST_DOCS:
            self._push(now + self.customer_delay.draw(), _READY, case, SUPPLY_DOCS, instance)
        elif activity == SCORING:
            fast = (
                self.amount[case] <= scenario.fast_track_max_amount
                and self.score[case] >= scenario.fast_track_min_score
            )
            if fast:
                self.fast[case] = True
                self._enqueue(case, AUTO_APPROVAL, instance, now)
            else:
                self._start_review(case, instance, now)
        elif activity == INVESTIGATION:
            self.investigator[case] = self.rec_resource[instance]
            if scenario.joint_review:
                self._joined(case, instance, now)
            elif self.skip_risk[case]:
                self._risk_done(case, instance, now)
            else:
                self._enqueue(case, ASSESSMENT, instance, now)
        elif activity == ASSESSMENT:
            if scenario.joint_review:
                self._joined(case, instance, now)
            else:
                self._assessed(case, instance, now)
        elif activity == COMPLIANCE:
            if scenario.joint_review:
                self._joined(case, instance, now)
            else:
                self._to_committee(case, instance, now)
        elif activity == REVERIFICATION:
            self.reverified[case] += 1
            chance = scenario.send_back * scenario.send_back_decay ** self.sent_back[case]
            if self.uniform.draw() < chance:
                if self._dragged_on(case, now):
                    self._withdraw(case, instance, now)
                else:
                    self.sent_back[case] += 1
                    self._enqueue(case, SUPPLEMENT, instance, now)
            else:
                self._risk_done(case, instance, now)
        elif activity == SUPPLEMENT:
            if self.supplement_for_committee[case]:
                self.supplement_for_committee[case] = False
                self._to_committee(case, instance, now)
            else:
                self._enqueue(case, REVERIFICATION, instance, now)
        elif activity == MEETING:
            committee = scenario.committee
            if (
                self.deferred[case] < committee.max_deferrals
                and self.uniform.draw() < committee.defer
            ):
                self.deferred[case] += 1
                self.supplement_for_committee[case] = True
                self._enqueue(case, SUPPLEMENT, instance, now)
            else:
                self._decided(case, self.approve[case], instance, now)
        elif activity == AUTO_APPROVAL:
            self._decided(case, True, instance, now)
        elif activity == SIGN:
            self._enqueue(case, DISBURSE, instance, now)
        else:  # DISBURSE, REJECTION, WITHDRAWAL end the case
            if self.visible[case]:
                self.remaining -= 1

    # -- the run ----------------------------------------------------------------------
    def run(self) -> None:
        """Simulate until every case of the extract has ended."""
        if self.n == 0 or self.remaining == 0:
            return
        self._push(self.arrival[0], _ARRIVAL, 0, RECEIVE, -1)
        first_meeting = self._next_meeting(0)
        self._push(self._meeting_window(first_meeting)[0], _MEETING, first_meeting, 0, 0)
        heap = self.heap
        rec_resource = self.rec_resource
        pop, release, route = heapq.heappop, self._release, self._route
        while self.remaining:
            now, _, kind, case, activity, extra = pop(heap)
            if kind == _COMPLETE:
                release(rec_resource[extra], activity, now)
                route(case, activity, extra, now)
            elif kind == _ARRIVAL:
                if case + 1 < self.n:
                    self._push(self.arrival[case + 1], _ARRIVAL, case + 1, RECEIVE, -1)
                self._enqueue(case, RECEIVE, -1, now)
            elif kind == _READY:
                self._enqueue(case, activity, extra, now)
            else:
                self._meet(case)


def _extract(
    engine: _Engine, arrivals: Arrivals, attributes: CaseAttributes
) -> tuple[CaseRecords, InstanceRecords]:
    """Keep the cases of the extract and their instances (renumbered)."""
    visible = arrivals.visible
    index = np.flatnonzero(visible)
    new_case = np.full(len(visible), -1, dtype=np.int64)
    new_case[index] = np.arange(len(index))
    case = np.array(engine.rec_case, dtype=np.int64)
    keep = visible[case] if len(case) else np.zeros(0, dtype=bool)
    kept = np.flatnonzero(keep)
    new_instance = np.full(len(case) + 1, -1, dtype=np.int64)  # position -1 maps -1 to -1
    new_instance[kept] = np.arange(len(kept))
    trigger = new_instance[np.array(engine.rec_trigger, dtype=np.int64)[kept]]
    outcome = np.array(engine.outcome, dtype=np.int64)[index]
    probability = 1.0 / (1.0 + np.exp(-attributes.risk_logit[index]))
    defaulted = (outcome == APPROVED) & (attributes.default_draw[index] < probability)

    def pick(values: list[int] | list[bool]) -> npt.NDArray[np.int64]:
        return np.array(values, dtype=np.int64)[index]

    cases = CaseRecords(
        arrival_local=arrivals.local[index],
        channel=arrivals.channel[index],
        attributes=CaseAttributes(**{k: v[index] for k, v in vars(attributes).items()}),
        outcome=outcome,
        defaulted=defaulted,
        fast_tracked=pick(engine.fast).astype(bool),
        missing_document_rounds=pick(engine.missing),
        reverifications=pick(engine.reverified),
        send_backs=pick(engine.sent_back),
        deferrals=pick(engine.deferred),
        skipped_risk=pick(engine.skip_risk).astype(bool) & (outcome != WITHDRAWN),
        skipped_compliance=(
            pick(engine.skip_compliance).astype(bool)
            & (attributes.amount[index] > COMPLIANCE_THRESHOLD)
            & (not engine.scenario.joint_review)
        ),
        self_approved=pick(engine.self_approval).astype(bool),
    )
    order = np.argsort(np.array(engine.rec_start, dtype=np.int64)[kept], kind="stable")
    remap = np.full(len(kept) + 1, -1, dtype=np.int64)
    remap[order] = np.arange(len(order))
    instances = InstanceRecords(
        case=new_case[case[kept]][order],
        activity=np.array(engine.rec_activity, dtype=np.int64)[kept][order],
        resource=np.array(engine.rec_resource, dtype=np.int64)[kept][order],
        start=np.array(engine.rec_start, dtype=np.int64)[kept][order],
        end=np.array(engine.rec_end, dtype=np.int64)[kept][order],
        queued=np.array(engine.rec_queued, dtype=np.int64)[kept][order],
        trigger=remap[trigger[order]],
    )
    return cases, instances


def simulate(
    scenario: Scenario,
    cases: int,
    seed: int = 1,
    *,
    volume: float = 1.0,
    start: date = date(2025, 3, 3),
) -> Simulation:
    """Run ``scenario`` until ``cases`` applications (from ``start`` on) have ended.

    ``volume`` multiplies the arrival rate (2.0: twice the applications, same staff).
    The same seed gives the same applicants in every scenario and the same run.
    """
    if cases < 1:
        raise ValueError("the number of cases must be at least 1")
    if volume <= 0:
        raise ValueError("the arrival volume must be positive")
    calendar = WorkCalendar(origin=start - timedelta(days=WARMUP_DAYS))
    arrivals = generate_arrivals(_stream(seed, "arrivals"), calendar, start, cases, volume)
    attributes = generate_cases(_stream(seed, "cases"), len(arrivals.local))
    engine = _Engine(scenario, seed, calendar, arrivals, attributes)
    engine.run()
    case_records, instance_records = _extract(engine, arrivals, attributes)
    return Simulation(
        scenario=scenario,
        seed=seed,
        start=start,
        calendar=calendar,
        resources=engine.resources,
        resource_department=engine.resource_department,
        cases=case_records,
        instances=instance_records,
    )
