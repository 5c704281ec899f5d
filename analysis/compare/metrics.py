"""Per-case metrics compared: durations (median, mean, p90), per-case counts and shares,
each with its interval and test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.compare.results import IntervalsAt, Metric, difference
from etl.outcomes import OUTCOMES

# --- per-case metrics ------------------------------------------------------------------------


def per_case_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=np.float64, na_value=np.nan)


def bootstrap_intervals_at(
    distributions: dict[str, stats.FloatArray], centre: str
) -> IntervalsAt | None:
    """(relative, absolute) percentile intervals of a centre's change at any confidence,
    from its bootstrap distributions (None without them)."""
    ratio = distributions.get(f"{centre}_ratio")
    diff = distributions.get(f"{centre}_difference")
    if ratio is None and diff is None:
        return None

    def at(confidence: float) -> tuple[stats.Interval, stats.Interval]:
        def one(values: stats.FloatArray | None) -> stats.Interval:
            return (
                stats.NAN_INTERVAL
                if values is None
                else stats.percentile_interval(values, confidence)
            )

        return one(ratio), one(diff)

    return at


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
                interval_at=bootstrap_intervals_at(result.distributions, centre),
            )
        )
    return metrics


def _p90_metric(before: np.ndarray, after: np.ndarray, n_resamples: int, seed: int) -> Metric:
    """The 90th percentile of cycle time, with its bootstrap interval and the bootstrap test
    on the same resamples (:func:`analysis.stats.bootstrap_p_value`), so the interval and
    the test are one method."""
    b, a = stats.as_array(before), stats.as_array(after)
    p90_b = float(np.quantile(b, 0.9)) if len(b) else math.nan
    p90_a = float(np.quantile(a, 0.9)) if len(a) else math.nan
    found = stats.bootstrap_distributions(
        b, a, ("p90_ratio", "p90_difference"), n_resamples=n_resamples, seed=seed
    )
    intervals_at = bootstrap_intervals_at(found, "p90")
    ci95, ci95_abs = (
        intervals_at(stats.CONFIDENCE) if intervals_at else (stats.NAN_INTERVAL, stats.NAN_INTERVAL)
    )
    p_value = stats.bootstrap_p_value(found.get("p90_difference", np.zeros(0)))
    return Metric(
        name="p90_cycle_time_hours",
        kind="duration",
        unit="hours",
        before=p90_b,
        after=p90_a,
        change=stats.relative_change(p90_b, p90_a),
        ci95=ci95,
        change_abs=difference(p90_a, p90_b),
        ci95_abs=ci95_abs,
        p_value=p_value,
        test="bootstrap" if math.isfinite(p_value) else "",
        effect_size=math.nan,
        effect_size_name="",
        n_before=len(b),
        n_after=len(a),
        better="lower",
        interval_at=intervals_at,
    )


def share_metric(name: str, before: pd.Series, after: pd.Series, better: str) -> Metric | None:
    """A share metric from two boolean columns (NA values left out). None without cases."""
    b, a = before.dropna().astype(bool), after.dropna().astype(bool)
    if len(b) == 0 or len(a) == 0:
        return None
    counts = (int(b.sum()), len(b), int(a.sum()), len(a))
    result = stats.compare_shares(*counts)

    def intervals_at(confidence: float) -> tuple[stats.Interval, stats.Interval]:
        return (
            stats.ratio_interval(*counts, confidence=confidence),
            stats.newcombe_interval(*counts, confidence=confidence),
        )

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
        interval_at=intervals_at,
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
    ct_b, ct_a = (
        per_case_values(before, "cycle_time_hours"),
        per_case_values(after, "cycle_time_hours"),
    )
    common: dict[str, Any] = {"n_resamples": n_resamples, "seed": seed}
    metrics += _distribution_metrics(
        "cycle_time_hours", "hours", ct_b, ct_a, centres=("median", "mean"), **common
    )
    metrics.append(_p90_metric(ct_b, ct_a, n_resamples, seed))
    metrics += _distribution_metrics(
        "cycle_time_working_hours",
        "hours",
        per_case_values(before, "cycle_time_working_hours"),
        per_case_values(after, "cycle_time_working_hours"),
        centres=("median", "mean"),
        **common,
    )
    per_step_b = ct_b / np.where(
        per_case_values(before, "instances") > 0, per_case_values(before, "instances"), np.nan
    )
    per_step_a = ct_a / np.where(
        per_case_values(after, "instances") > 0, per_case_values(after, "instances"), np.nan
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
        b_values, a_values = per_case_values(before, column), per_case_values(after, column)
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
        metric = share_metric(name, flags_b, flags_a, better)
        if metric is not None:
            metrics.append(metric)
    return metrics
