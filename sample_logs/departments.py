"""Departments: who works there, and the work waiting for them.

Each department has a number of staff (resource ids such as ``CR07``) and its queue of
tasks. Two ways of working are modelled:

- *pooled*: one queue for the department; the staff member idle longest takes the next
  task (what a shared case platform makes possible);
- *case owner*: each case is assigned to one person of the department when it first
  arrives there, and all its later tasks in that department wait for that person
  (files live on one officer's desk).

With everybody busy a task waits, so waiting time emerges from capacity. Queues are
ordered by due time: the moment the task was queued plus the department's SLA when the
scenario sets one (earliest due first), otherwise first come, first served.
"""

from __future__ import annotations

import heapq
from collections import deque

# Department name -> resource id prefix.
RESOURCE_PREFIX: dict[str, str] = {
    "客戶經理部": "CM",
    "信貸部": "CR",
    "風險管理部": "RM",
    "法務合規部": "LC",
    "審批委員會": "AC",
    "運營部": "OP",
}
DEPARTMENT_ORDER: tuple[str, ...] = tuple(RESOURCE_PREFIX)
SYSTEM_RESOURCE = "SYS01"  # the automatic scoring and approval engine

# A queued task: (due, seq, case, activity, trigger, queued_at).
Task = tuple[int, int, int, int, int, int]


def staff_ids(department: str, count: int) -> list[str]:
    """Resource ids of a department's staff, e.g. ``['CR01', 'CR02']``."""
    prefix = RESOURCE_PREFIX[department]
    return [f"{prefix}{n:02d}" for n in range(1, count + 1)]


class DepartmentQueue:
    """Runtime state of one department: idle staff, case owners and waiting tasks."""

    def __init__(
        self, name: str, staff: list[int], sla_seconds: int | None, case_owner: bool
    ) -> None:
        self.name = name
        self.staff = staff
        self.sla_seconds = sla_seconds
        self.case_owner = case_owner
        self.idle: deque[int] = deque(staff)
        self.waiting: list[Task] = []
        self.owners: dict[int, int] = {}
        self.is_idle: dict[int, bool] = dict.fromkeys(staff, True)
        self.personal: dict[int, list[Task]] = {member: [] for member in staff}

    def offer(self, task: Task, assign: float) -> int | None:
        """Hand a task to the department: the resource to start it now, or None (queued).

        ``assign`` (uniform in [0, 1)) picks a new case's owner in case-owner mode.
        """
        if self.sla_seconds is not None:
            task = (task[0] + self.sla_seconds, *task[1:])
        if not self.case_owner:
            if self.idle:
                return self.idle.popleft()
            heapq.heappush(self.waiting, task)
            return None
        case = task[2]
        owner = self.owners.get(case)
        if owner is None:
            owner = self.staff[int(assign * len(self.staff))]
            self.owners[case] = owner
        if self.is_idle[owner]:
            self.is_idle[owner] = False
            return owner
        heapq.heappush(self.personal[owner], task)
        return None

    def next_task(self, resource: int) -> Task | None:
        """The task ``resource`` takes up after finishing one, or None (goes idle)."""
        queue = self.personal[resource] if self.case_owner else self.waiting
        if queue:
            return heapq.heappop(queue)
        if self.case_owner:
            self.is_idle[resource] = True
        else:
            self.idle.append(resource)
        return None

    def owner_of(self, case: int) -> int | None:
        """The person a case is assigned to (case-owner mode), if any yet."""
        return self.owners.get(case)
