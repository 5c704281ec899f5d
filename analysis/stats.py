"""Statistics for before/after comparisons: tests, intervals, effect sizes, FDR control.

Every function here works on plain numbers or numpy arrays, so it can be checked against
scipy and hand computation on tiny inputs. Conventions:

- *before* is the baseline, *after* the period under evaluation;
- a relative change is ``after / before - 1`` (-0.30 means 30% lower), an absolute change
  ``after - before``;
- intervals are two-sided 95% unless a ``confidence`` is given;
- resampling uses a fixed seed, so the same data always give the same interval.

The tests: Mood's median test for medians (with the Mann-Whitney rank-biserial
correlation as effect size), Welch's t for means (steps,
handoffs, resources, cost per case), the pooled two-proportion z-test for shares (with
Newcombe's hybrid score interval for the difference and the Katz log interval for the
ratio), the chi-square test of homogeneity for the variant distribution (rare variants
pooled), and Benjamini-Hochberg over a family of tests. Effect sizes: rank-biserial
correlation (equal to Cliff's delta), Cohen's d, Cohen's h and Cramér's V.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

ALPHA = 0.05
CONFIDENCE = 0.95
SEED = 20240101
N_RESAMPLES = 2000
BATCH = 200

FloatArray = npt.NDArray[np.float64]
Interval = tuple[float, float]
NAN_INTERVAL: Interval = (math.nan, math.nan)


def as_array(values: Sequence[float] | npt.ArrayLike) -> FloatArray:
    """The finite values of ``values`` as a float array (NaN and None dropped)."""
    array = np.asarray(values, dtype=np.float64).ravel()
    return array[np.isfinite(array)]


def relative_change(before: float, after: float) -> float:
    """``after / before - 1``; NaN when the baseline is zero or missing."""
    if not (math.isfinite(before) and math.isfinite(after)) or before == 0:
        return math.nan
    return after / before - 1.0


# --- per-case distributions -------------------------------------------------------------


@dataclass(frozen=True)
class RankTest:
    """A Mann-Whitney U test of after against before, with its effect size."""

    u_statistic: float
    p_value: float
    rank_biserial: float


def mann_whitney(before: npt.ArrayLike, after: npt.ArrayLike) -> RankTest:
    """Two-sided Mann-Whitney U test of whether *after* values tend to differ from *before*.

    ``u_statistic`` is U of the *after* sample (the number of (after, before) pairs where the
    after value is larger, ties counting one half). ``rank_biserial`` = 2U/(n_a n_b) - 1 is
    Cliff's delta: P(after > before) - P(after < before), in [-1, 1]; negative means after
    values are smaller (e.g. shorter cycle times). NaN when a sample is empty or all values
    are equal in both samples.
    """
    b, a = as_array(before), as_array(after)
    if len(a) == 0 or len(b) == 0:
        return RankTest(math.nan, math.nan, math.nan)
    if np.ptp(np.concatenate([a, b])) == 0:
        return RankTest(len(a) * len(b) / 2.0, 1.0, 0.0)
    result = sps.mannwhitneyu(a, b, alternative="two-sided", method="auto")
    u = float(result.statistic)
    return RankTest(u, float(result.pvalue), 2.0 * u / (len(a) * len(b)) - 1.0)


@dataclass(frozen=True)
class MeanTest:
    """Welch's t-test of after against before, with Cohen's d."""

    t_statistic: float
    p_value: float
    cohens_d: float


def welch_test(before: npt.ArrayLike, after: npt.ArrayLike) -> MeanTest:
    """Two-sided Welch t-test of whether the *after* mean differs from the *before* mean.

    Used for metrics reported as means (steps per case, cost per case...), so the test
    matches the interval shown for the change of the mean. ``cohens_d`` is the difference of
    the means over the pooled standard deviation (positive: after larger). NaN when a sample
    has fewer than two values; (0, 1, 0) when both samples are constant and equal.
    """
    b, a = as_array(before), as_array(after)
    if len(a) < 2 or len(b) < 2:
        return MeanTest(math.nan, math.nan, math.nan)
    var_b, var_a = float(np.var(b, ddof=1)), float(np.var(a, ddof=1))
    if var_b == 0 and var_a == 0:
        same = float(a.mean()) == float(b.mean())
        return MeanTest(0.0 if same else math.inf, 1.0 if same else 0.0, 0.0)
    with warnings.catch_warnings():
        # nearly constant samples: scipy warns of precision loss, the p-value stays valid
        warnings.simplefilter("ignore", RuntimeWarning)
        result = sps.ttest_ind(a, b, equal_var=False)
    pooled = math.sqrt(((len(a) - 1) * var_a + (len(b) - 1) * var_b) / (len(a) + len(b) - 2))
    d = (float(a.mean()) - float(b.mean())) / pooled if pooled > 0 else math.nan
    return MeanTest(float(result.statistic), float(result.pvalue), d)


def cliffs_delta(before: npt.ArrayLike, after: npt.ArrayLike) -> float:
    """Cliff's delta P(after > before) - P(after < before), counted pair by pair.

    The direct definition, for checking :func:`mann_whitney`'s rank-biserial value; it
    builds an n_a x n_b comparison, so use it on small samples only.
    """
    b, a = as_array(before), as_array(after)
    if len(a) == 0 or len(b) == 0:
        return math.nan
    signs = np.sign(a[:, None] - b[None, :])
    return float(signs.mean())


def _p90(values: FloatArray, axis: int = -1) -> Any:
    return np.quantile(values, 0.9, axis=axis)


CENTRES: dict[str, Callable[..., Any]] = {"median": np.median, "mean": np.mean, "p90": _p90}


def _change(centre: str, kind: str) -> Callable[..., Any]:
    function = CENTRES[centre]

    def statistic(x: FloatArray, y: FloatArray, axis: int = -1) -> Any:
        return _combine(kind, function(x, axis=axis), function(y, axis=axis))

    return statistic


def _combine(kind: str, centre_before: Any, centre_after: Any) -> Any:
    """``ratio``: after / before - 1; ``difference``: after - before."""
    if kind == "difference":
        return centre_after - centre_before
    with np.errstate(divide="ignore", invalid="ignore"):
        return centre_after / centre_before - 1.0


STATISTICS: dict[str, Callable[..., Any]] = {
    f"{centre}_{kind}": _change(centre, kind)
    for centre in CENTRES
    for kind in ("ratio", "difference")
}


def bootstrap_interval(
    before: npt.ArrayLike,
    after: npt.ArrayLike,
    statistic: str,
    *,
    n_resamples: int = N_RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> Interval:
    """A percentile bootstrap interval for one two-sample statistic.

    ``statistic`` is one of :data:`STATISTICS`: ``median_ratio`` / ``mean_ratio`` /
    ``p90_ratio`` (the relative change after/before - 1) or ``median_difference`` /
    ``mean_difference`` / ``p90_difference`` (after - before). See
    :func:`bootstrap_intervals`.
    """
    return bootstrap_intervals(
        before, after, (statistic,), n_resamples=n_resamples, confidence=confidence, seed=seed
    )[statistic]


def bootstrap_intervals(
    before: npt.ArrayLike,
    after: npt.ArrayLike,
    statistics: Sequence[str],
    *,
    n_resamples: int = N_RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> dict[str, Interval]:
    """Percentile bootstrap intervals for several two-sample statistics at once.

    The percentiles of :func:`bootstrap_distributions` (one resampling for every statistic).
    An interval is NaN when a sample has fewer than two values, the statistic is undefined
    (a ratio over a zero baseline) or not finite in the resamples, or ``n_resamples`` is 0
    (no interval wanted, e.g. when only p-values count).
    """
    found = bootstrap_distributions(before, after, statistics, n_resamples=n_resamples, seed=seed)
    return {
        name: percentile_interval(found[name], confidence) if name in found else NAN_INTERVAL
        for name in statistics
    }


def bootstrap_distributions(
    before: npt.ArrayLike,
    after: npt.ArrayLike,
    statistics: Sequence[str],
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
) -> dict[str, FloatArray]:
    """The bootstrap distributions of several two-sample statistics (:data:`STATISTICS`).

    One ``scipy.stats.bootstrap`` run with a vector-valued statistic: every statistic is
    computed on the same resamples, so asking for four costs one resampling. Each sample is
    resampled on its own (an unpaired design). Percentiles of these distributions are the
    percentile intervals (:func:`percentile_interval`, at any confidence), and the share of
    them on either side of zero the bootstrap test (:func:`bootstrap_p_value`): the interval
    and the test are one method. The percentile method stays fast and memory-bounded on
    tens of thousands of cases (BCa needs a leave-one-out pass per case). A statistic is
    left out when a sample has fewer than two values, it is undefined on the data (a ratio
    over a zero baseline), or ``n_resamples`` is 0.
    """
    b, a = as_array(before), as_array(after)
    if len(a) < 2 or len(b) < 2 or n_resamples <= 0:
        return {}
    with np.errstate(divide="ignore", invalid="ignore"):
        usable = [name for name in statistics if math.isfinite(float(STATISTICS[name](b, a)))]
    if not usable:
        return {}

    def statistic(x: FloatArray, y: FloatArray, axis: int = -1) -> Any:
        # each centre (median, mean, p90) computed once per resample, then combined
        centres = {c: (CENTRES[c](x, axis=axis), CENTRES[c](y, axis=axis)) for c in needed}
        return np.stack([_combine(kind, *centres[c]) for c, kind in split])

    split = [tuple(name.split("_", 1)) for name in usable]
    needed = sorted({centre for centre, _ in split})

    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # a degenerate resample distribution (all values equal) is a valid, narrow interval
        warnings.simplefilter("ignore", sps.DegenerateDataWarning)
        result = sps.bootstrap(
            (b, a),
            statistic,
            n_resamples=n_resamples,
            batch=BATCH,
            vectorized=True,
            paired=False,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    rows = np.atleast_2d(result.bootstrap_distribution)
    return {name: np.asarray(row, dtype=np.float64) for name, row in zip(usable, rows, strict=True)}


def percentile_interval(distribution: FloatArray, confidence: float = CONFIDENCE) -> Interval:
    """The two-sided percentile interval of a bootstrap distribution (linear
    interpolation, as scipy's); NaN when it is not finite."""
    if len(distribution) == 0:
        return NAN_INTERVAL
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        low, high = np.quantile(distribution, [tail, 1 - tail])
    if not (math.isfinite(float(low)) and math.isfinite(float(high))):
        return NAN_INTERVAL
    return (float(low), float(high))


def bootstrap_p_value(distribution: FloatArray) -> float:
    """The two-sided bootstrap test of "no change" from the distribution of a change:
    ``2 * min(share <= 0, share >= 0)``, with the observed sample counted among the
    resamples (``(1 + k) / (1 + B)``) so it is never 0. Dual to the percentile interval: the
    (1 - g) interval excludes 0 when p < g (up to one resample). NaN without a
    distribution or with non-finite values."""
    values = np.asarray(distribution, dtype=np.float64)
    if len(values) == 0 or not np.isfinite(values).all():
        return math.nan
    below = int((values <= 0).sum())
    above = int((values >= 0).sum())
    return min(1.0, 2 * (1 + min(below, above)) / (1 + len(values)))


def fcr_confidence(significant: int, tested: int, alpha: float = ALPHA) -> float:
    """The confidence of intervals that agree with Benjamini-Hochberg at ``alpha``: the
    false coverage-statement rate intervals of Benjamini and Yekutieli (2005),
    ``1 - alpha * R / m`` with R significant of m tested (R at least 1). A test whose
    interval is its dual is significant exactly when this interval excludes zero."""
    if tested <= 0:
        return CONFIDENCE
    return 1 - alpha * max(significant, 1) / tested


def median_test(before: npt.ArrayLike, after: npt.ArrayLike) -> float:
    """Mood's median test (scipy.stats.median_test), two-sided: p-value.

    Counts the cases of each period above and at-or-below the pooled median and tests the
    2 x 2 table with a chi-square test (Yates' correction). Unlike Mann-Whitney, which tests
    whether one period's values tend to be larger, it tests the medians themselves, so it
    agrees with the median's bootstrap interval on multimodal durations (instant rejections
    beside weeks-long approvals). NaN when a sample is empty; 1 when the values cannot be
    split around the pooled median (all equal, or all tied at it).
    """
    b, a = as_array(before), as_array(after)
    if len(a) == 0 or len(b) == 0:
        return math.nan
    if np.ptp(np.concatenate([a, b])) == 0:
        return 1.0
    try:
        result = sps.median_test(b, a, ties="below")
    except ValueError:
        return 1.0
    return float(result.pvalue)


@dataclass(frozen=True)
class DistributionComparison:
    """Two per-case distributions compared: centres, changes, intervals, test, effect size."""

    n_before: int
    n_after: int
    median_before: float
    median_after: float
    mean_before: float
    mean_after: float
    median_change: float
    median_change_ci95: Interval
    median_change_abs: float
    median_change_abs_ci95: Interval
    mean_change: float
    mean_change_ci95: Interval
    mean_change_abs: float
    mean_change_abs_ci95: Interval
    p_value: float  # Mann-Whitney U
    rank_biserial: float
    mean_p_value: float  # Welch's t
    cohens_d: float
    median_p_value: float  # Mood's median test
    distributions: dict[str, FloatArray] = field(default_factory=dict, repr=False)


def compare_distributions(
    before: npt.ArrayLike,
    after: npt.ArrayLike,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    intervals: tuple[str, ...] = ("median", "mean"),
) -> DistributionComparison:
    """Compare two per-case distributions (cycle times, steps per case, costs...).

    Medians and means with relative and absolute changes, their bootstrap 95% intervals
    (for the centres named in ``intervals``; the others get NaN intervals, which saves the
    resampling), the Mann-Whitney p-value with the rank-biserial effect size (the
    distribution), Mood's median test p-value (the median), and Welch's t-test p-value
    with Cohen's d (the mean).
    """
    b, a = as_array(before), as_array(after)

    def centre(values: FloatArray, fn: Callable[[FloatArray], Any]) -> float:
        return float(fn(values)) if len(values) else math.nan

    med_b, med_a = centre(b, np.median), centre(a, np.median)
    mean_b, mean_a = centre(b, np.mean), centre(a, np.mean)

    wanted = [f"{centre}_{kind}" for centre in intervals for kind in ("ratio", "difference")]
    found = bootstrap_distributions(b, a, wanted, n_resamples=n_resamples, seed=seed)

    def interval(name: str) -> Interval:
        return percentile_interval(found[name]) if name in found else NAN_INTERVAL

    test = mann_whitney(b, a)
    means = welch_test(b, a)
    return DistributionComparison(
        n_before=len(b),
        n_after=len(a),
        median_before=med_b,
        median_after=med_a,
        mean_before=mean_b,
        mean_after=mean_a,
        median_change=relative_change(med_b, med_a),
        median_change_ci95=interval("median_ratio"),
        median_change_abs=med_a - med_b,
        median_change_abs_ci95=interval("median_difference"),
        mean_change=relative_change(mean_b, mean_a),
        mean_change_ci95=interval("mean_ratio"),
        mean_change_abs=mean_a - mean_b,
        mean_change_abs_ci95=interval("mean_difference"),
        p_value=test.p_value,
        rank_biserial=test.rank_biserial,
        mean_p_value=means.p_value,
        cohens_d=means.cohens_d,
        median_p_value=median_test(b, a),
        distributions=found,
    )


# --- shares --------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    """The Wilson score interval for a proportion (as scipy's ``binomtest(...).proportion_ci``
    with method 'wilson', in closed form: the exact binomial test it also runs is not
    needed here)."""
    if n <= 0:
        return NAN_INTERVAL
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe_interval(
    successes_before: int,
    n_before: int,
    successes_after: int,
    n_after: int,
    confidence: float = CONFIDENCE,
) -> Interval:
    """Newcombe's hybrid score interval (his method 10) for p_after - p_before.

    Built from the two Wilson intervals; it keeps its coverage near 95% for shares close to
    0 or 1 and small samples, where the Wald interval fails.
    """
    if n_before <= 0 or n_after <= 0:
        return NAN_INTERVAL
    p_b, p_a = successes_before / n_before, successes_after / n_after
    low_b, high_b = wilson_interval(successes_before, n_before, confidence)
    low_a, high_a = wilson_interval(successes_after, n_after, confidence)
    diff = p_a - p_b
    lower = diff - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
    upper = diff + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return (lower, upper)


def ratio_interval(
    successes_before: int,
    n_before: int,
    successes_after: int,
    n_after: int,
    confidence: float = CONFIDENCE,
) -> Interval:
    """The Katz log interval for p_after / p_before - 1 (the relative change of a share).

    A zero count gets 0.5 added to both its successes and failures (Haldane's correction);
    NaN when there are no cases, or no successes on either side (the ratio is undefined).
    """
    if n_before <= 0 or n_after <= 0 or (successes_before == 0 and successes_after == 0):
        return NAN_INTERVAL
    sb, nb, sa, na = (
        float(successes_before),
        float(n_before),
        float(successes_after),
        float(n_after),
    )
    if sb == 0 or sa == 0:
        sb, nb, sa, na = sb + 0.5, nb + 1.0, sa + 0.5, na + 1.0
    log_ratio = math.log((sa / na) / (sb / nb))
    se = math.sqrt(1 / sa - 1 / na + 1 / sb - 1 / nb)
    z = float(sps.norm.ppf(0.5 + confidence / 2))
    return (math.exp(log_ratio - z * se) - 1.0, math.exp(log_ratio + z * se) - 1.0)


def two_proportion_test(
    successes_before: int, n_before: int, successes_after: int, n_after: int
) -> tuple[float, float]:
    """The pooled two-proportion z-test, two-sided: returns (z, p_value).

    z > 0 means the after share is higher. NaN when a group is empty; (0, 1) when the
    pooled share is 0 or 1 (no variation to test).
    """
    if n_before <= 0 or n_after <= 0:
        return (math.nan, math.nan)
    pooled = (successes_before + successes_after) / (n_before + n_after)
    if pooled in (0.0, 1.0):
        return (0.0, 1.0)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_before + 1 / n_after))
    z = (successes_after / n_after - successes_before / n_before) / se
    return (z, float(2 * sps.norm.sf(abs(z))))


def cohens_h(p_before: float, p_after: float) -> float:
    """Cohen's h = 2 asin(sqrt(p_after)) - 2 asin(sqrt(p_before)) (0.2 small, 0.5 medium)."""
    if not (math.isfinite(p_before) and math.isfinite(p_after)):
        return math.nan
    return 2 * math.asin(math.sqrt(p_after)) - 2 * math.asin(math.sqrt(p_before))


@dataclass(frozen=True)
class ShareComparison:
    """Two shares compared: counts, changes, intervals, test and effect size."""

    successes_before: int
    n_before: int
    successes_after: int
    n_after: int
    before: float
    after: float
    change: float
    change_ci95: Interval
    change_abs: float
    change_abs_ci95: Interval
    z: float
    p_value: float
    cohens_h: float


def compare_shares(
    successes_before: int, n_before: int, successes_after: int, n_after: int
) -> ShareComparison:
    """Compare the share of cases with some property (approved, reworked, within SLA...)."""
    p_b = successes_before / n_before if n_before else math.nan
    p_a = successes_after / n_after if n_after else math.nan
    z, p_value = two_proportion_test(successes_before, n_before, successes_after, n_after)
    return ShareComparison(
        successes_before=int(successes_before),
        n_before=int(n_before),
        successes_after=int(successes_after),
        n_after=int(n_after),
        before=p_b,
        after=p_a,
        change=relative_change(p_b, p_a),
        change_ci95=ratio_interval(successes_before, n_before, successes_after, n_after),
        change_abs=p_a - p_b,
        change_abs_ci95=newcombe_interval(successes_before, n_before, successes_after, n_after),
        z=z,
        p_value=p_value,
        cohens_h=cohens_h(p_b, p_a),
    )


# --- categorical distributions (variants) --------------------------------------------------


@dataclass(frozen=True)
class CategoricalTest:
    """A chi-square test of homogeneity of a categorical distribution across two periods."""

    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    categories: int
    pooled: int


def pool_rare(
    counts_before: npt.ArrayLike, counts_after: npt.ArrayLike, min_expected: float = 5.0
) -> tuple[npt.NDArray[np.int64], int]:
    """A 2 x k table with rare categories pooled into one 'other' column.

    Categories are kept, most frequent first, while each kept column has an expected count of
    at least ``min_expected`` in both rows; the rest go into one pooled column (dropped if
    that column would still be empty). Returns the table and how many categories were pooled.
    """
    before = np.asarray(counts_before, dtype=np.int64)
    after = np.asarray(counts_after, dtype=np.int64)
    total = before + after
    keep = total > 0
    before, after, total = before[keep], after[keep], total[keep]
    grand = int(total.sum())
    if grand == 0:
        return np.zeros((2, 0), dtype=np.int64), 0
    row_share = np.array([before.sum(), after.sum()]) / grand
    expected_min = total * row_share.min()
    order = np.argsort(-total, kind="stable")
    kept = order[expected_min[order] >= min_expected]
    rest = order[expected_min[order] < min_expected]
    table = np.vstack([before[kept], after[kept]])
    if len(rest):
        other = np.array([[before[rest].sum()], [after[rest].sum()]])
        table = np.hstack([table, other])
        if other.sum() * row_share.min() < min_expected and table.shape[1] > 1:
            table[:, -2] += table[:, -1]
            table = table[:, :-1]
    return table, len(rest)


def chi_square_homogeneity(
    counts_before: npt.ArrayLike, counts_after: npt.ArrayLike, min_expected: float = 5.0
) -> CategoricalTest:
    """Whether a categorical distribution (e.g. of variants) differs between two periods.

    Rare categories are pooled first (see :func:`pool_rare`) so the chi-square approximation
    holds. Cramér's V measures the size of the difference (0 none, 1 total).
    """
    table, pooled = pool_rare(counts_before, counts_after, min_expected)
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return CategoricalTest(0.0, 0, 1.0, 0.0, int(table.shape[1]), pooled)
    result = sps.chi2_contingency(table, correction=False)
    v = float(sps.contingency.association(table, method="cramer", correction=False))
    return CategoricalTest(
        float(result.statistic), int(result.dof), float(result.pvalue), v, table.shape[1], pooled
    )


# --- multiple testing ----------------------------------------------------------------------


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (scipy.stats.false_discovery_control).

    NaN entries (metrics that could not be tested) stay NaN and do not count in the family.
    """
    values = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(values.shape, np.nan)
    tested = np.isfinite(values)
    if tested.any():
        adjusted[tested] = sps.false_discovery_control(values[tested], method="bh")
    return [float(v) for v in adjusted]


def significant(adjusted_p: float, alpha: float = ALPHA) -> bool:
    """Whether an adjusted p-value is below alpha (False when it could not be tested)."""
    return bool(math.isfinite(adjusted_p) and adjusted_p < alpha)
