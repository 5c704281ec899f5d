"""Activities: which department performs each, and how long the work takes.

Processing times are log-normal (median and spread per activity, set by the scenario),
in working time. They are drawn in batches from numpy's Generator and handed out one
at a time, so sampling costs next to nothing per activity instance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Activity -> department (Traditional Chinese names, as written to the logs).
ACTIVITY_DEPARTMENT: dict[str, str] = {
    "受理申請": "客戶經理部",
    "收集資料": "客戶經理部",
    "資料審核": "信貸部",
    "補件通知": "信貸部",
    "補充資料": "客戶經理部",
    "自動評分": "信貸部",
    "信貸調查": "信貸部",
    "風險評估": "風險管理部",
    "風險複核": "風險管理部",
    "補充調查": "信貸部",
    "合規審查": "法務合規部",
    "審批會議": "審批委員會",
    "自動審批": "審批委員會",
    "簽約": "運營部",
    "放款": "運營部",
    "拒絕通知": "信貸部",
    "客戶撤回": "客戶經理部",
}
ACTIVITY_ORDER: tuple[str, ...] = tuple(ACTIVITY_DEPARTMENT)
ACTIVITY_CODE: dict[str, int] = {name: code for code, name in enumerate(ACTIVITY_ORDER)}
AUTOMATIC: frozenset[str] = frozenset({"自動評分", "自動審批"})

# Activities that end a case, and the outcome they mean.
OUTCOME_ACTIVITIES: dict[str, str] = {
    "放款": "approved",
    "拒絕通知": "rejected",
    "客戶撤回": "withdrawn",
}


@dataclass(frozen=True)
class Duration:
    """A log-normal duration: its median (minutes of working time) and spread (sigma)."""

    median_minutes: float
    sigma: float = 0.5
    minimum_minutes: float = 1.0


class DurationPool:
    """Working-time durations (whole seconds) drawn in batches from one random stream."""

    def __init__(self, rng: np.random.Generator, duration: Duration, batch: int = 4096) -> None:
        self._rng = rng
        self._mu = math.log(duration.median_minutes * 60.0)
        self._sigma = duration.sigma
        self._minimum = max(1, round(duration.minimum_minutes * 60))
        self._batch = batch
        self._values: list[int] = []
        self._next = 0

    def _refill(self) -> None:
        draws = self._rng.lognormal(self._mu, self._sigma, self._batch)
        self._values = np.maximum(np.rint(draws), self._minimum).astype(np.int64).tolist()
        self._next = 0

    def draw(self) -> int:
        """The next duration in seconds."""
        if self._next >= len(self._values):
            self._refill()
        value = self._values[self._next]
        self._next += 1
        return value


class UniformPool:
    """Uniform [0, 1) numbers for routing decisions, drawn in batches."""

    def __init__(self, rng: np.random.Generator, batch: int = 8192) -> None:
        self._rng = rng
        self._batch = batch
        self._values: list[float] = []
        self._next = 0

    def draw(self) -> float:
        """The next uniform number."""
        if self._next >= len(self._values):
            self._values = self._rng.random(self._batch).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value
