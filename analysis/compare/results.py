"""The results of a comparison: metrics, notes, sides, path changes, the guardrail
report and the comparison itself, with their JSON."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from analysis import stats
from analysis.filters import Filters
from analysis.mix import MixAdjustment

HEADLINE = "median_cycle_time_hours"
MIN_CASES = 2
VARIANT_SEPARATOR = "\x1f"


IntervalsAt = Callable[[float], tuple[stats.Interval, stats.Interval]]

# --- results -------------------------------------------------------------------------------


@dataclass
class Metric:
    """One figure compared between the periods.

    ``change`` is relative (after / before - 1) and ``ci95`` its interval; ``change_abs``
    is after - before and ``ci95_abs`` its interval. ``p_value`` is the raw test p-value,
    ``p_adjusted`` the Benjamini-Hochberg value over every metric tested, ``significant``
    whether ``p_adjusted`` < alpha. ``better`` says which direction is an improvement
    ("lower", "higher" or "" when neither is).

    ``ci_adjusted`` and ``ci_adjusted_abs`` are the same intervals at the confidence
    ``ci_adjusted_level`` that matches the correction (:func:`analysis.stats.fcr_confidence`):
    they exclude zero exactly when the metric is significant, unless the test and the
    interval are different methods that disagree; ``note`` then says so (None otherwise).
    ``interval_at(confidence)`` gives (relative, absolute) intervals at any confidence.
    """

    name: str
    kind: str  # duration, per_case, share, distribution
    unit: str  # hours, count, share, currency, variants
    before: float
    after: float
    change: float
    ci95: stats.Interval
    change_abs: float
    ci95_abs: stats.Interval
    p_value: float
    test: str
    effect_size: float
    effect_size_name: str
    n_before: int
    n_after: int
    better: str = ""
    p_adjusted: float = math.nan
    significant: bool = False
    ci_adjusted: stats.Interval = stats.NAN_INTERVAL
    ci_adjusted_abs: stats.Interval = stats.NAN_INTERVAL
    ci_adjusted_level: float = math.nan
    note: str | None = None
    interval_at: IntervalsAt | None = field(default=None, repr=False, compare=False)

    def improved(self) -> bool | None:
        """Whether the change is a significant improvement (None when neither way is better)."""
        if not self.better or not self.significant:
            return None if not self.better else False
        return (self.change_abs < 0) == (self.better == "lower")

    def worsened(self) -> bool:
        """Whether the change is significant and in the worse direction."""
        if not self.better or not self.significant:
            return False
        return (self.change_abs > 0) == (self.better == "lower")

    def to_json(self) -> dict[str, Any]:
        """The DESIGN.md keys (name, before, after, change, ci95, p_value, significant) first."""
        data = {
            "name": self.name,
            "before": self.before,
            "after": self.after,
            "change": self.change,
            "ci95": list(self.ci95),
            "p_value": self.p_value,
            "significant": self.significant,
        }
        extra = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "interval_at"}
        extra["ci95_abs"] = list(self.ci95_abs)
        for key, value in extra.items():
            data.setdefault(key, value)
        return _clean(data)


@dataclass(frozen=True)
class Note:
    """A finding worth a sentence: ``code`` names it, ``message`` says it in English and
    ``values`` carries its numbers (so a report can say it in another language)."""

    code: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``code``, ``message`` and the values, JSON-ready."""
        return _clean({"code": self.code, "message": self.message, **self.values})


@dataclass(frozen=True)
class Side:
    """One period of the comparison: which cases, and how many."""

    dataset: str
    filters: Filters
    label: str
    cases: int
    first_ts: str | None
    last_ts: str | None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "dataset": self.dataset,
            "label": self.label,
            "filters": self.filters.model_dump(mode="json", exclude_defaults=True),
            "cases": self.cases,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
        }


@dataclass
class PathChange:
    """A process-map edge (activity -> activity) or a handoff (department -> department)."""

    source: str
    target: str
    cases_before: int
    cases_after: int
    count_before: int
    count_after: int
    share_before: float  # share of the period's cases with this edge at least once
    share_after: float
    per_case_before: float  # occurrences per case of the period
    per_case_after: float
    median_wait_hours_before: float
    median_wait_hours_after: float
    total_wait_hours_before: float
    total_wait_hours_after: float
    p_frequency: float
    p_wait: float
    p_frequency_adjusted: float = math.nan
    p_wait_adjusted: float = math.nan
    status: str = "unchanged"  # added, removed, changed, unchanged

    @property
    def per_case_change(self) -> float:
        """Occurrences per case, after - before."""
        return self.per_case_after - self.per_case_before

    @property
    def median_wait_change_hours(self) -> float:
        """Median waiting hours, after - before (NaN where a side has no occurrence)."""
        return difference(self.median_wait_hours_after, self.median_wait_hours_before)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data, with ``from``/``to`` as in DESIGN.md."""
        data = asdict(self)
        data = {"from": data.pop("source"), "to": data.pop("target"), **data}
        data["median_wait_change_hours"] = self.median_wait_change_hours
        data["per_case_change"] = self.per_case_change
        return _clean(data)


MATRIX_VALUES = {"per_case": "per_case_change", "median_wait": "median_wait_change_hours"}


def change_matrix(
    changes: list[PathChange], value: str = "per_case"
) -> tuple[list[str], np.ndarray]:
    """The names (sorted) and the matrix (rows from, columns to) of a change of handoffs or
    edges: ``value`` ``per_case`` (occurrences per case, after - before) or ``median_wait``
    (median waiting hours, after - before); NaN where there is no such pair or, for the
    wait, where a side has none. What the report's heatmaps draw; ``handoff_matrix`` of
    ``loanflow compare --json``."""
    attribute = MATRIX_VALUES[value]
    names = sorted({c.source for c in changes} | {c.target for c in changes})
    index = {name: i for i, name in enumerate(names)}
    matrix = np.full((len(names), len(names)), np.nan)
    for change in changes:
        matrix[index[change.source], index[change.target]] = getattr(change, attribute)
    return names, matrix


@dataclass
class Comparison:
    """Two periods compared; see the module docstring."""

    before: Side
    after: Side
    metrics: list[Metric]
    kpis_before: dict[str, Any]
    kpis_after: dict[str, Any]
    mix: MixAdjustment
    edges: list[PathChange]
    handoffs: list[PathChange]
    variants: dict[str, Any]
    guardrails: GuardrailReport
    notes: list[Note]
    alpha: float = stats.ALPHA
    cycle_times_before: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    cycle_times_after: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def metric(self, name: str) -> Metric:
        """The metric called ``name`` (KeyError when it was not computed)."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(name)

    @property
    def headline(self) -> Metric:
        """The median cycle time metric."""
        return self.metric(HEADLINE)

    def kpi_table(self) -> list[dict[str, Any]]:
        """Every numeric KPI side by side: key, before, after, change_abs, change."""
        flat_b, flat_a = _flatten(self.kpis_before), _flatten(self.kpis_after)
        rows = []
        for key, before in flat_b.items():
            after = flat_a.get(key)
            if not _is_number(before) and not _is_number(after):
                continue
            b = float(before) if before is not None and _is_number(before) else math.nan
            a = float(after) if after is not None and _is_number(after) else math.nan
            rows.append(
                {
                    "kpi": key,
                    "before": b,
                    "after": a,
                    "change_abs": a - b,
                    "change": stats.relative_change(b, a),
                }
            )
        return [_clean(row) for row in rows]

    def handoff_matrix(self, value: str = "per_case") -> tuple[list[str], np.ndarray]:
        """The departments and the matrix of the handoff change (:func:`change_matrix`)."""
        return change_matrix(self.handoffs, value)

    def handoff_matrix_json(self) -> dict[str, Any]:
        """Both handoff matrices as plain data: departments, per_case, median_wait_hours."""
        departments, per_case = self.handoff_matrix("per_case")
        _, median_wait = self.handoff_matrix("median_wait")
        return {
            "departments": departments,
            "per_case": per_case.tolist(),
            "median_wait_hours": median_wait.tolist(),
        }

    def to_json(self) -> dict[str, Any]:
        """The ``loanflow compare --json`` document (DESIGN.md keys first)."""
        return _clean(
            {
                "before": self.before.to_json(),
                "after": self.after.to_json(),
                "metrics": [m.to_json() for m in self.metrics],
                "headline": HEADLINE,
                "alpha": self.alpha,
                "kpis": self.kpi_table(),
                "mix": self.mix.to_json(),
                "edges": [e.to_json() for e in self.edges],
                "handoffs": [h.to_json() for h in self.handoffs],
                "handoff_matrix": self.handoff_matrix_json(),
                "variants": self.variants,
                "guardrails": self.guardrails.to_json(),
                "notes": [n.to_json() for n in self.notes],
            }
        )


@dataclass
class GuardrailReport:
    """Risk control before and after: was it weakened?

    ``weakened`` is true when a guardrail metric (default rate, the share of cases breaking
    a loan rule) got significantly worse after the Benjamini-Hochberg correction;
    ``reasons`` says which. ``notes`` lists what an evaluator should still check.
    """

    weakened: bool
    reasons: list[Note]
    notes: list[Note]
    metrics: list[str]
    default_attribute: str | None
    rules_checked: list[str]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return _clean(
            {
                "weakened": self.weakened,
                "reasons": [r.to_json() for r in self.reasons],
                "notes": [n.to_json() for n in self.notes],
                "metrics": self.metrics,
                "default_attribute": self.default_attribute,
                "rules_checked": self.rules_checked,
            }
        )


# --- JSON helpers ----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def difference(a: float, b: float) -> float:
    return a - b if math.isfinite(a) and math.isfinite(b) else math.nan


def _clean(value: Any) -> Any:
    """NaN/inf -> None and numpy scalars -> Python, recursively (strict JSON)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat
