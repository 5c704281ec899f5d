"""Intervals and verdicts of a comparison agree: the bootstrap test of the p90, the false
coverage-rate confidence matching Benjamini-Hochberg, and a note where two methods
disagree, worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from analysis import stats
from analysis.compare.comparison import apply_correction, excludes_zero
from analysis.compare.results import Metric


def metric(name: str, p_value: float, interval: tuple[float, float]) -> Metric:
    calls: list[float] = []

    def at(confidence: float) -> tuple[stats.Interval, stats.Interval]:
        calls.append(confidence)
        return interval, interval

    made = Metric(
        name=name,
        kind="per_case",
        unit="count",
        before=1.0,
        after=2.0,
        change=1.0,
        ci95=interval,
        change_abs=1.0,
        ci95_abs=interval,
        p_value=p_value,
        test="Welch t",
        effect_size=math.nan,
        effect_size_name="",
        n_before=10,
        n_after=10,
        interval_at=at,
    )
    return made


def test_bootstrap_p_value_by_hand() -> None:
    # 10 resamples, 2 at or below zero: p = 2 (1 + 2) / 11
    values = np.array([-1.0, 0.0, 1, 2, 3, 4, 5, 6, 7, 8])
    assert stats.bootstrap_p_value(values) == pytest.approx(6 / 11)
    assert stats.bootstrap_p_value(np.arange(1.0, 2000.0)) == pytest.approx(2 / 2000)
    assert math.isnan(stats.bootstrap_p_value(np.zeros(0)))


def test_percentile_interval_matches_scipy_and_is_dual_to_the_test() -> None:
    rng = np.random.default_rng(3)
    before, after = rng.exponential(10, 80), rng.exponential(13, 90)
    found = stats.bootstrap_distributions(before, after, ("p90_difference",), n_resamples=999)
    scipy_interval = sps.bootstrap(
        (before, after),
        lambda x, y, axis=-1: np.quantile(y, 0.9, axis=axis) - np.quantile(x, 0.9, axis=axis),
        n_resamples=999,
        batch=stats.BATCH,
        vectorized=True,
        paired=False,
        method="percentile",
        rng=np.random.default_rng(stats.SEED),
    ).confidence_interval
    low, high = stats.percentile_interval(found["p90_difference"])
    assert (low, high) == pytest.approx((scipy_interval.low, scipy_interval.high))
    p = stats.bootstrap_p_value(found["p90_difference"])
    for confidence in (0.8, 0.9, 0.95, 0.99):
        outside = excludes_zero(stats.percentile_interval(found["p90_difference"], confidence))
        if abs(p - (1 - confidence)) > 4 / 1000:  # away from the one-resample boundary
            assert outside == (p < 1 - confidence)


def test_fcr_confidence_by_hand() -> None:
    assert stats.fcr_confidence(2, 4, 0.05) == pytest.approx(0.975)
    assert stats.fcr_confidence(0, 20, 0.05) == pytest.approx(1 - 0.05 / 20)
    assert stats.fcr_confidence(0, 0) == stats.CONFIDENCE


def test_corrected_intervals_and_notes_by_hand() -> None:
    # raw p 0.001, 0.02, 0.04, 0.5 -> BH 0.004, 0.04, 0.0533, 0.5: two significant of four,
    # so the matching confidence is 1 - 0.05 * 2 / 4 = 97.5%.
    rows = [
        metric("a", 0.001, (1.0, 3.0)),  # significant, excludes zero: agree
        metric("b", 0.02, (-0.1, 2.0)),  # significant, includes zero: note
        metric("c", 0.04, (-0.2, 2.0)),  # not significant, includes zero: agree
        metric("d", 0.5, (0.5, 2.0)),  # not significant, excludes zero: note
    ]
    apply_correction(rows, 0.05)
    assert [m.significant for m in rows] == [True, True, False, False]
    assert [m.p_adjusted for m in rows] == pytest.approx([0.004, 0.04, 0.16 / 3, 0.5])
    assert all(m.ci_adjusted_level == pytest.approx(0.975) for m in rows)
    assert [m.note is None for m in rows] == [True, False, True, False]
    assert "includes no change" in (rows[1].note or "")
    assert "excludes no change" in (rows[3].note or "")
    assert rows[0].to_json()["ci_adjusted"] == [1.0, 3.0]
    assert "interval_at" not in rows[0].to_json()
