"""Before/after comparison: did the redesign shorten approvals without weakening risk control?

:func:`compare` sets two selections of cases side by side (two datasets, or one dataset with
two filter sets); :func:`compare_split` splits one dataset at a go-live date. The result, a
:class:`Comparison`, holds:

- ``metrics``: every tested figure with before, after, relative and absolute change, 95%
  intervals, p-value, Benjamini-Hochberg adjusted p-value and ``significant`` (after the
  correction, alpha 0.05). The headline is ``median_cycle_time_hours``.
- ``kpis``: every KPI of :func:`analysis.kpis.kpis`, side by side.
- ``mix``: the raw and the mix-adjusted change of the median cycle time.
- ``edges`` and ``handoffs``: process-map edges and department handoffs added, removed and
  changed (frequency and waiting time, each tested).
- ``variants``: the chi-square test of the variant distribution.
- ``guardrails``: approval rate, default rate and the share of cases breaking each loan
  rule; ``weakened`` is true when a guardrail got significantly worse.

Per-case figures come from :func:`analysis.case_metrics.case_metrics`, instance
derivations (predecessor, waiting time, handoff) from
:func:`analysis.derived.instance_rows_sql`, so every number here follows the same
definitions as the rest of LoanFlow. See docs/compare.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analysis import stats
from analysis.case_metrics import case_metrics
from analysis.derived import instance_rows_sql
from analysis.filters import Filters
from analysis.instances import selected_instances_sql
from analysis.kpis import kpis
from analysis.mix import MixAdjustment, mix_adjusted_change
from analysis.rules import rule_flags
from analysis.scope import make_scope
from etl.errors import LoanFlowError
from etl.outcomes import OUTCOMES
from etl.store import require_dataset

HEADLINE = "median_cycle_time_hours"
MIN_CASES = 2
VARIANT_SEPARATOR = "\x1f"


# --- results -------------------------------------------------------------------------------


@dataclass
class Metric:
    """One figure compared between the periods.

    ``change`` is relative (after / before - 1) and ``ci95`` its interval; ``change_abs``
    is after - before and ``ci95_abs`` its interval. ``p_value`` is the raw test p-value,
    ``p_adjusted`` the Benjamini-Hochberg value over every metric tested, ``significant``
    whether ``p_adjusted`` < alpha. ``better`` says which direction is an improvement
    ("lower", "higher" or "" when neither is).
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
        extra = asdict(self)
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

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data, with ``from``/``to`` as in DESIGN.md."""
        data = asdict(self)
        data = {"from": data.pop("source"), "to": data.pop("target"), **data}
        data["median_wait_change_hours"] = _difference(
            self.median_wait_hours_after, self.median_wait_hours_before
        )
        data["per_case_change"] = self.per_case_after - self.per_case_before
        return _clean(data)


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
                "variants": self.variants,
                "guardrails": self.guardrails.to_json(),
                "notes": [n.to_json() for n in self.notes],
            }
        )


# --- JSON helpers ----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _difference(a: float, b: float) -> float:
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


# --- per-case metrics ------------------------------------------------------------------------


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=np.float64, na_value=np.nan)


def _distribution_metrics(
    name: str,
    unit: str,
    before: np.ndarray,
    after: np.ndarray,
    *,
    centres: tuple[str, ...],
    n_resamples: int,
    seed: int,
    kind: str = "duration",
    better: str = "lower",
) -> list[Metric]:
    """Median and/or mean metrics of a per-case value, with bootstrap intervals.

    A median is tested with Mood's median test (effect size: the rank-biserial correlation
    of Mann-Whitney U), a mean with Welch's t-test (effect size
    Cohen's d), so each p-value tests the figure it is shown with.
    """
    result = stats.compare_distributions(
        before,
        after,
        n_resamples=n_resamples,
        seed=seed,
        intervals=centres,
    )
    metrics = []
    for centre in centres:
        by_rank = centre == "median"
        metrics.append(
            Metric(
                name=f"{centre}_{name}" if kind == "duration" else name,
                kind=kind,
                unit=unit,
                before=getattr(result, f"{centre}_before"),
                after=getattr(result, f"{centre}_after"),
                change=getattr(result, f"{centre}_change"),
                ci95=getattr(result, f"{centre}_change_ci95"),
                change_abs=getattr(result, f"{centre}_change_abs"),
                ci95_abs=getattr(result, f"{centre}_change_abs_ci95"),
                p_value=result.median_p_value if by_rank else result.mean_p_value,
                test="Mood's median" if by_rank else "Welch t",
                effect_size=result.rank_biserial if by_rank else result.cohens_d,
                effect_size_name="rank-biserial" if by_rank else "Cohen's d",
                n_before=result.n_before,
                n_after=result.n_after,
                better=better,
            )
        )
    return metrics


def _p90_metric(before: np.ndarray, after: np.ndarray, n_resamples: int, seed: int) -> Metric:
    """The 90th percentile of cycle time: described with an interval, not tested."""
    b, a = stats.as_array(before), stats.as_array(after)
    p90_b = float(np.quantile(b, 0.9)) if len(b) else math.nan
    p90_a = float(np.quantile(a, 0.9)) if len(a) else math.nan
    found = stats.bootstrap_intervals(
        b, a, ("p90_ratio", "p90_difference"), n_resamples=n_resamples, seed=seed
    )
    return Metric(
        name="p90_cycle_time_hours",
        kind="duration",
        unit="hours",
        before=p90_b,
        after=p90_a,
        change=stats.relative_change(p90_b, p90_a),
        ci95=found["p90_ratio"],
        change_abs=_difference(p90_a, p90_b),
        ci95_abs=found["p90_difference"],
        p_value=math.nan,
        test="",
        effect_size=math.nan,
        effect_size_name="",
        n_before=len(b),
        n_after=len(a),
        better="lower",
    )


def _share_metric(name: str, before: pd.Series, after: pd.Series, better: str) -> Metric | None:
    """A share metric from two boolean columns (NA values left out). None without cases."""
    b, a = before.dropna().astype(bool), after.dropna().astype(bool)
    if len(b) == 0 or len(a) == 0:
        return None
    result = stats.compare_shares(int(b.sum()), len(b), int(a.sum()), len(a))
    return Metric(
        name=name,
        kind="share",
        unit="share",
        before=result.before,
        after=result.after,
        change=result.change,
        ci95=result.change_ci95,
        change_abs=result.change_abs,
        ci95_abs=result.change_abs_ci95,
        p_value=result.p_value,
        test="two-proportion z",
        effect_size=result.cohens_h,
        effect_size_name="Cohen's h",
        n_before=len(b),
        n_after=len(a),
        better=better,
    )


def _outcome_flags(frame: pd.DataFrame, outcome: str, among: tuple[str, ...]) -> pd.Series:
    """Per case: whether its outcome is ``outcome``, NA unless its outcome is in ``among``."""
    outcomes = frame["outcome"].to_numpy()
    flags = np.where(np.isin(outcomes, among), outcomes == outcome, None)
    return pd.Series(flags, index=frame.index, dtype="boolean")


DECIDED = ("approved", "rejected")


def case_metric_comparisons(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    n_resamples: int = stats.N_RESAMPLES,
    seed: int = stats.SEED,
) -> list[Metric]:
    """Every per-case metric compared (before correction): durations, counts, shares.

    ``before`` and ``after`` are :func:`analysis.case_metrics.case_metrics` frames. Durations
    cover every selected case (as the KPIs do); the approval rate is approved among decided
    (approved or rejected) cases, the withdrawal rate withdrawn among closed cases; SLA
    compliance covers closed cases with an SLA.
    """
    metrics: list[Metric] = []
    ct_b, ct_a = _values(before, "cycle_time_hours"), _values(after, "cycle_time_hours")
    common: dict[str, Any] = {"n_resamples": n_resamples, "seed": seed}
    metrics += _distribution_metrics(
        "cycle_time_hours", "hours", ct_b, ct_a, centres=("median", "mean"), **common
    )
    metrics.append(_p90_metric(ct_b, ct_a, n_resamples, seed))
    metrics += _distribution_metrics(
        "cycle_time_working_hours",
        "hours",
        _values(before, "cycle_time_working_hours"),
        _values(after, "cycle_time_working_hours"),
        centres=("median", "mean"),
        **common,
    )
    per_step_b = ct_b / np.where(
        _values(before, "instances") > 0, _values(before, "instances"), np.nan
    )
    per_step_a = ct_a / np.where(
        _values(after, "instances") > 0, _values(after, "instances"), np.nan
    )
    metrics += _distribution_metrics(
        "time_per_step_hours", "hours", per_step_b, per_step_a, centres=("mean",), **common
    )
    per_case = [
        ("steps_per_case", "instances", "count", "lower"),
        ("handoffs_per_case", "handoffs", "count", "lower"),
        ("departments_per_case", "departments_touched", "count", ""),
        ("resources_per_case", "resources", "count", ""),
        ("cost_per_case", "cost", "currency", "lower"),
    ]
    for name, column, unit, better in per_case:
        b_values, a_values = _values(before, column), _values(after, column)
        if not (np.isfinite(b_values).any() and np.isfinite(a_values).any()):
            continue
        metrics += _distribution_metrics(
            name,
            unit,
            b_values,
            a_values,
            centres=("mean",),
            kind="per_case",
            better=better,
            **common,
        )
    shares: list[tuple[str, pd.Series, pd.Series, str]] = [
        (
            "approval_rate",
            _outcome_flags(before, "approved", DECIDED),
            _outcome_flags(after, "approved", DECIDED),
            "",
        ),
        (
            "withdrawal_rate",
            _outcome_flags(before, "withdrawn", OUTCOMES),
            _outcome_flags(after, "withdrawn", OUTCOMES),
            "lower",
        ),
        ("open_share", before["outcome"] == "open", after["outcome"] == "open", ""),
        ("rework_share", before["rework"], after["rework"], "lower"),
        ("pingpong_share", before["pingpong"], after["pingpong"], "lower"),
        (
            "first_time_right_share",
            ~(before["rework"] | before["pingpong"]),
            ~(after["rework"] | after["pingpong"]),
            "higher",
        ),
        ("sla_compliance", before["sla_met"], after["sla_met"], "higher"),
    ]
    for name, flags_b, flags_a, better in shares:
        metric = _share_metric(name, flags_b, flags_a, better)
        if metric is not None:
            metrics.append(metric)
    return metrics


# --- variants --------------------------------------------------------------------------------


def variant_counts(con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters) -> pd.Series:
    """Cases per variant (activities by start, then end, then id), most frequent first."""
    inst, params = selected_instances_sql(make_scope(con, dataset, filters))
    frame = con.execute(
        f"""
        SELECT variant, count(*) AS cases FROM (
            SELECT case_id, string_agg(activity, '{VARIANT_SEPARATOR}'
                ORDER BY start_ts, end_ts NULLS LAST, instance_id) AS variant
            FROM ({inst}) GROUP BY case_id
        ) GROUP BY variant ORDER BY cases DESC, variant
        """,
        params,
    ).fetchdf()
    return pd.Series(frame["cases"].to_numpy(), index=frame["variant"].to_list(), dtype="int64")


def _variant_comparison(before: pd.Series, after: pd.Series) -> tuple[Metric, dict[str, Any]]:
    names = list(before.index.union(after.index))
    counts_b = before.reindex(names, fill_value=0).to_numpy(dtype=np.int64)
    counts_a = after.reindex(names, fill_value=0).to_numpy(dtype=np.int64)
    test = stats.chi_square_homogeneity(counts_b, counts_a)
    metric = Metric(
        name="variant_distribution",
        kind="distribution",
        unit="variants",
        before=float(len(before)),
        after=float(len(after)),
        change=stats.relative_change(float(len(before)), float(len(after))),
        ci95=stats.NAN_INTERVAL,
        change_abs=float(len(after) - len(before)),
        ci95_abs=stats.NAN_INTERVAL,
        p_value=test.p_value if test.dof > 0 else math.nan,
        test="chi-square",
        effect_size=test.cramers_v,
        effect_size_name="Cramér's V",
        n_before=int(counts_b.sum()),
        n_after=int(counts_a.sum()),
    )
    total = counts_b + counts_a
    top = np.argsort(-total, kind="stable")[:10]
    n_b, n_a = max(int(counts_b.sum()), 1), max(int(counts_a.sum()), 1)
    details = {
        "variants_before": len(before),
        "variants_after": len(after),
        "chi2": test.chi2,
        "dof": test.dof,
        "p_value": test.p_value,
        "cramers_v": test.cramers_v,
        "categories_tested": test.categories,
        "rare_variants_pooled": test.pooled,
        "top": [
            {
                "activities": names[i].split(VARIANT_SEPARATOR),
                "cases_before": int(counts_b[i]),
                "cases_after": int(counts_a[i]),
                "share_before": counts_b[i] / n_b,
                "share_after": counts_a[i] / n_a,
            }
            for i in top
        ],
    }
    return metric, details


# --- process-map edges and handoffs ---------------------------------------------------------


def path_occurrences(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters, *, handoffs: bool
) -> pd.DataFrame:
    """Per edge (or department pair): count, cases and the list of waiting hours.

    Edges follow :mod:`analysis.process_map`: A -> B for each instance of B whose
    predecessor is an instance of A, plus ``START`` -> first and last -> ``END``.
    Handoffs follow :mod:`analysis.handoffs`: instances whose department differs from their
    predecessor's, keyed (predecessor's department, department).
    """
    from analysis.process_map import END, START

    derived, params = instance_rows_sql(con, make_scope(con, dataset, filters))
    if handoffs:
        rows = (
            "SELECT pred_department AS source, department AS target, case_id, wait_s"
            " FROM di WHERE handoff"
        )
    else:
        rows = (
            "SELECT coalesce(pred_activity, ?) AS source, activity AS target, case_id,"
            " CASE WHEN pred_id IS NULL THEN NULL ELSE wait_s END AS wait_s FROM di"
            " UNION ALL SELECT activity, ?, case_id, NULL FROM di WHERE is_last"
        )
        params = [*params, START, END]
    sql = f"""
    WITH di AS ({derived})
    SELECT source, target, count(*) AS count, count(DISTINCT case_id) AS cases,
        list(wait_s / 3600.0) FILTER (WHERE wait_s IS NOT NULL) AS waits
    FROM ({rows}) GROUP BY source, target
    """
    return con.execute(sql, params).fetchdf()


def _path_changes(
    before: pd.DataFrame, after: pd.DataFrame, cases_before: int, cases_after: int, alpha: float
) -> list[PathChange]:
    keyed_b = _paths_by_key(before)
    keyed_a = _paths_by_key(after)
    empty: dict[str, Any] = {"count": 0, "cases": 0, "waits": None}
    changes = []
    for key in sorted(set(keyed_b) | set(keyed_a)):
        rb, ra = keyed_b.get(key, empty), keyed_a.get(key, empty)
        waits_b = np.asarray(rb["waits"] if rb["waits"] is not None else [], dtype=np.float64)
        waits_a = np.asarray(ra["waits"] if ra["waits"] is not None else [], dtype=np.float64)
        cb, ca = int(rb["cases"]), int(ra["cases"])
        nb, na = int(rb["count"]), int(ra["count"])
        share = stats.compare_shares(cb, cases_before, ca, cases_after)
        changes.append(
            PathChange(
                source=str(key[0]),
                target=str(key[1]),
                cases_before=cb,
                cases_after=ca,
                count_before=nb,
                count_after=na,
                share_before=share.before,
                share_after=share.after,
                per_case_before=nb / cases_before,
                per_case_after=na / cases_after,
                median_wait_hours_before=_median(waits_b),
                median_wait_hours_after=_median(waits_a),
                total_wait_hours_before=float(waits_b.sum()),
                total_wait_hours_after=float(waits_a.sum()),
                p_frequency=share.p_value,
                p_wait=stats.mann_whitney(waits_b, waits_a).p_value,
            )
        )
    _adjust_paths(changes, alpha)
    return changes


def _paths_by_key(frame: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (str(row["source"]), str(row["target"])): {str(k): v for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    }


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if len(values) else math.nan


def _adjust_paths(changes: list[PathChange], alpha: float) -> None:
    """BH over the family of path tests (frequency and waiting of every path), then status."""
    adjusted = stats.benjamini_hochberg(
        [c.p_frequency for c in changes] + [c.p_wait for c in changes]
    )
    for i, change in enumerate(changes):
        change.p_frequency_adjusted = adjusted[i]
        change.p_wait_adjusted = adjusted[len(changes) + i]
        if change.cases_before == 0:
            change.status = "added"
        elif change.cases_after == 0:
            change.status = "removed"
        elif stats.significant(change.p_frequency_adjusted, alpha) or stats.significant(
            change.p_wait_adjusted, alpha
        ):
            change.status = "changed"


# --- guardrails ----------------------------------------------------------------------------

DEFAULT_ATTRIBUTES = (
    "default",
    "defaulted",
    "is_default",
    "default_flag",
    "違約",
    "违约",
    "是否違約",
    "是否违约",
)
_TRUE = {"1", "true", "yes", "y", "t", "是", "違約", "违约", "default", "defaulted"}
_FALSE = {"0", "false", "no", "n", "f", "否", "正常", "未違約", "未违约", "none"}


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


def default_attribute(con: duckdb.DuckDBPyConnection, dataset: str) -> str | None:
    """The case attribute of ``dataset`` holding a loan default flag, if the log has one.

    Recognised names (any case, an XES ``case:`` prefix ignored): default, defaulted,
    is_default, default_flag, 違約/违约, 是否違約/是否违约.
    """
    rows = con.execute(
        "SELECT DISTINCT unnest(json_keys(attributes)) FROM cases WHERE dataset = ?", [dataset]
    ).fetchall()
    keys = sorted(str(r[0]) for r in rows if r[0] is not None)
    for candidate in DEFAULT_ATTRIBUTES:
        for key in keys:
            if key.strip().lower().removeprefix("case:") == candidate:
                return key
    return None


def default_flags(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters, attribute: str
) -> pd.Series:
    """Per selected approved case: whether the loan defaulted (NA when not recorded)."""
    from analysis.filters import case_where

    where, params = case_where(filters, dataset)
    frame = con.execute(
        "SELECT c.case_id, json_extract_string(c.attributes, ?) AS flag FROM cases c"
        f" WHERE {where} AND c.outcome = 'approved' ORDER BY c.case_id",
        ['$."' + attribute.replace('"', '\\"') + '"', *params],
    ).fetchdf()
    values = frame["flag"].map(_truth)
    return pd.Series(values.to_numpy(), index=frame["case_id"], dtype="boolean")


def _truth(value: Any) -> bool | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _default_metric(
    con: duckdb.DuckDBPyConnection, before: tuple[str, Filters], after: tuple[str, Filters]
) -> tuple[Metric | None, str | None]:
    """The default rate of approved loans, when both logs carry a default attribute."""
    attribute_b = default_attribute(con, before[0])
    attribute_a = default_attribute(con, after[0])
    if attribute_b is None or attribute_a is None:
        return None, None
    flags_b = default_flags(con, *before, attribute_b)
    flags_a = default_flags(con, *after, attribute_a)
    metric = _share_metric("default_rate", flags_b, flags_a, "lower")
    return metric, attribute_b


def _guardrail_report(
    metrics: list[Metric], attribute: str | None, rules: list[str]
) -> GuardrailReport:
    names = [m.name for m in metrics if m.name == "default_rate" or m.name.startswith("rule_")]
    reasons: list[Note] = []
    notes: list[Note] = []
    by_name = {m.name: m for m in metrics}
    for name in names:
        metric = by_name[name]
        values = {"metric": name, "before": metric.before, "after": metric.after}
        if metric.worsened():
            reasons.append(
                Note(
                    "guardrail_worse",
                    f"{name} rose from {metric.before:.1%} to {metric.after:.1%} "
                    f"(adjusted p = {metric.p_adjusted:.3g})",
                    {**values, "p_adjusted": metric.p_adjusted},
                )
            )
        elif metric.change_abs > 0 and metric.after > 0:
            notes.append(
                Note(
                    "guardrail_watch",
                    f"{name} rose from {metric.before:.1%} to {metric.after:.1%}, "
                    "not significant; watch it",
                    values,
                )
            )
    approval = by_name.get("approval_rate")
    if approval is not None and approval.significant:
        notes.append(
            Note(
                "approval_changed",
                f"the approval rate changed from {approval.before:.1%} to {approval.after:.1%} "
                "(significant): check that credit standards did not loosen",
                {"before": approval.before, "after": approval.after},
            )
        )
    if attribute is None:
        notes.append(
            Note(
                "no_default_attribute",
                "the log carries no default attribute: default rates not compared",
            )
        )
    else:
        notes.append(
            Note(
                "default_maturity",
                "recent loans have had less time to default: compare default rates of loans "
                "of the same age",
                {"attribute": attribute},
            )
        )
    if not rules:
        notes.append(
            Note("no_rules", "the profile defines no loan rules: rule breaches not compared")
        )
    return GuardrailReport(
        weakened=bool(reasons),
        reasons=reasons,
        notes=notes,
        metrics=names,
        default_attribute=attribute,
        rules_checked=rules,
    )


# --- the comparison ------------------------------------------------------------------------


def _side(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters, label: str, frame: pd.DataFrame
) -> Side:
    if len(frame) < MIN_CASES:
        raise LoanFlowError(
            f"The {label} period of {dataset!r} holds {len(frame)} case(s) under these "
            f"filters; a comparison needs at least {MIN_CASES} on each side. Widen the "
            "filters or pick another split date."
        )
    first = frame["first_ts"].min() if len(frame) else None
    last = frame["last_ts"].max() if len(frame) else None
    return Side(
        dataset=dataset,
        filters=filters,
        label=label,
        cases=len(frame),
        first_ts=None if first is None else pd.Timestamp(first).isoformat(),
        last_ts=None if last is None else pd.Timestamp(last).isoformat(),
    )


def _apply_correction(metrics: list[Metric], alpha: float) -> None:
    adjusted = stats.benjamini_hochberg([m.p_value for m in metrics])
    for metric, value in zip(metrics, adjusted, strict=True):
        metric.p_adjusted = value
        metric.significant = stats.significant(value, alpha)


def _notes(metrics: dict[str, Metric], mix: MixAdjustment) -> list[Note]:
    notes = []
    open_share = metrics.get("open_share")
    if open_share is not None and open_share.significant and open_share.change_abs > 0:
        notes.append(
            Note(
                "open_cases",
                f"More cases are still open after ({open_share.after:.0%}) than before "
                f"({open_share.before:.0%}); open cases' cycle times are cut short, which "
                "flatters the after period. Rerun with --outcome approved --outcome rejected "
                "--outcome withdrawn to compare closed cases only.",
                {"before": open_share.before, "after": open_share.after},
            )
        )
    raw_excludes_zero = mix.raw_ci95[1] < 0 or mix.raw_ci95[0] > 0
    adjusted_includes_zero = mix.adjusted_ci95[0] <= 0 <= mix.adjusted_ci95[1]
    if raw_excludes_zero and adjusted_includes_zero:
        notes.append(
            Note(
                "mix_explains",
                "The raw change of the median cycle time disappears once the after cases are "
                "reweighted to the before mix of amount bands and products: the change comes "
                "from a different case mix, not (provably) from the process.",
            )
        )
    if mix.coverage < 0.9:
        notes.append(
            Note(
                "mix_coverage",
                f"Only {mix.coverage:.0%} of the before cases fall in strata that also occur "
                "after; the mix-adjusted figure describes those cases only.",
                {"coverage": mix.coverage},
            )
        )
    return notes


def compare(
    con: duckdb.DuckDBPyConnection,
    before: tuple[str, Filters | None],
    after: tuple[str, Filters | None],
    *,
    alpha: float = stats.ALPHA,
    n_resamples: int = stats.N_RESAMPLES,
    seed: int = stats.SEED,
    labels: tuple[str, str] = ("before", "after"),
) -> Comparison:
    """Compare two selections of cases, each ``(dataset, filters)``.

    Every per-case metric, the variant distribution, the default rate and the loan-rule
    breach shares are tested and corrected together (Benjamini-Hochberg at ``alpha``); the
    process-map edges and the handoff pairs form a family of their own. Bootstrap intervals
    use ``n_resamples`` resamples drawn with ``seed``. Raises :class:`LoanFlowError` when a
    dataset is unknown or a side has fewer than two cases.
    """
    b_sel = (before[0], before[1] or Filters())
    a_sel = (after[0], after[1] or Filters())
    require_dataset(con, b_sel[0])
    require_dataset(con, a_sel[0])
    frame_b, frame_a = case_metrics(con, *b_sel), case_metrics(con, *a_sel)
    side_b = _side(con, *b_sel, labels[0], frame_b)
    side_a = _side(con, *a_sel, labels[1], frame_a)
    metrics = case_metric_comparisons(frame_b, frame_a, n_resamples=n_resamples, seed=seed)
    variant_metric, variant_details = _variant_comparison(
        variant_counts(con, *b_sel), variant_counts(con, *a_sel)
    )
    metrics.append(variant_metric)
    default_metric, attribute = _default_metric(con, b_sel, a_sel)
    if default_metric is not None:
        metrics.append(default_metric)
    rule_metrics, rules = rule_breach_metrics(con, b_sel, a_sel)
    metrics += rule_metrics
    _apply_correction(metrics, alpha)
    mix = mix_adjusted_change(frame_b, frame_a, n_resamples=min(n_resamples, 1000), seed=seed)
    by_name = {m.name: m for m in metrics}
    return Comparison(
        before=side_b,
        after=side_a,
        metrics=metrics,
        kpis_before=kpis(con, *b_sel).to_json(),
        kpis_after=kpis(con, *a_sel).to_json(),
        mix=mix,
        edges=_path_changes(
            path_occurrences(con, *b_sel, handoffs=False),
            path_occurrences(con, *a_sel, handoffs=False),
            len(frame_b),
            len(frame_a),
            alpha,
        ),
        handoffs=_path_changes(
            path_occurrences(con, *b_sel, handoffs=True),
            path_occurrences(con, *a_sel, handoffs=True),
            len(frame_b),
            len(frame_a),
            alpha,
        ),
        variants=variant_details,
        guardrails=_guardrail_report(metrics, attribute, rules),
        notes=_notes(by_name, mix),
        alpha=alpha,
        cycle_times_before=_values(frame_b, "cycle_time_hours"),
        cycle_times_after=_values(frame_a, "cycle_time_hours"),
    )


def _as_date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def split_filters(filters: Filters | None, split_at: date) -> tuple[Filters, Filters]:
    """The filters of the two sides of a split: cases started before / on or after the date."""
    base = filters or Filters()
    if base.period_basis == "ended" and (base.date_from or base.date_to):
        raise LoanFlowError(
            "A split at a go-live date selects cases by the day they started; drop "
            "--period-basis ended, or compare two filtered selections instead."
        )
    date_from, date_to = _as_date(base.date_from), _as_date(base.date_to)
    last_before = split_at - timedelta(days=1)
    before = base.model_copy(
        update={
            "period_basis": "started",
            "date_to": min(date_to, last_before) if date_to else last_before,
            "date_from": date_from,
        }
    )
    after = base.model_copy(
        update={
            "period_basis": "started",
            "date_from": max(date_from, split_at) if date_from else split_at,
            "date_to": date_to,
        }
    )
    return before, after


def compare_split(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    split_at: date,
    filters: Filters | None = None,
    **options: Any,
) -> Comparison:
    """Compare the cases of ``dataset`` that started before ``split_at`` with those that
    started on or after it (a go-live date), under the same ``filters``.

    ``options`` are passed to :func:`compare` (alpha, n_resamples, seed).
    """
    before, after = split_filters(filters, split_at)
    day = split_at.isoformat()
    return compare(
        con,
        (dataset, before),
        (dataset, after),
        labels=(f"started before {day}", f"started on or after {day}"),
        **options,
    )


def rule_breach_metrics(
    con: duckdb.DuckDBPyConnection, before: tuple[str, Filters], after: tuple[str, Filters]
) -> tuple[list[Metric], list[str]]:
    """The share of decided cases breaking each loan rule (and any rule), before and after.

    The rules and their per-case checks are :func:`analysis.rules.rule_flags`'s; only rules
    checked on both sides are compared. Metric names: ``rule_<rule>_share`` and
    ``rule_any_share``; lower is better.
    """
    frame_b, rules_b = rule_flags(con, *before)
    frame_a, rules_a = rule_flags(con, *after)
    rules = [r for r in rules_b if r in rules_a]
    metrics = []
    for rule in [*rules, "any"] if rules else []:
        metric = _share_metric(f"rule_{rule}_share", frame_b[rule], frame_a[rule], "lower")
        if metric is not None:
            metrics.append(metric)
    return metrics, rules
