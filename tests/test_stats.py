"""The comparison statistics on tiny inputs, against scipy and hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from analysis.mix import amount_band_edges, band_labels, mix_adjusted_change, weighted_median
from analysis.stats import (
    benjamini_hochberg,
    bootstrap_interval,
    bootstrap_intervals,
    chi_square_homogeneity,
    cliffs_delta,
    cohens_h,
    compare_distributions,
    compare_shares,
    mann_whitney,
    median_test,
    newcombe_interval,
    pool_rare,
    ratio_interval,
    relative_change,
    significant,
    two_proportion_test,
    welch_test,
    wilson_interval,
)


def test_mann_whitney_by_hand_without_ties() -> None:
    # every after value exceeds every before value: U = 3 * 4 = 12; exact p = 2 / C(7, 3)
    result = mann_whitney([1, 2, 3], [4, 5, 6, 7])
    assert result.u_statistic == 12
    assert result.p_value == pytest.approx(2 / math.comb(7, 3))
    assert result.rank_biserial == 1.0


def test_mann_whitney_with_ties_by_hand_and_scipy() -> None:
    before, after = [1, 2, 2], [2, 3]
    # after 2 beats 1 and ties two 2s (1 + 0.5 + 0.5); after 3 beats all three: U = 5
    result = mann_whitney(before, after)
    assert result.u_statistic == 5
    assert result.rank_biserial == pytest.approx(2 * 5 / 6 - 1)
    assert result.rank_biserial == pytest.approx(cliffs_delta(before, after))
    expected = sps.mannwhitneyu(after, before, alternative="two-sided")
    assert result.p_value == pytest.approx(expected.pvalue)


def test_mann_whitney_degenerate_inputs() -> None:
    assert math.isnan(mann_whitney([], [1, 2]).p_value)
    same = mann_whitney([3, 3], [3, 3, 3])
    assert same.p_value == 1.0 and same.rank_biserial == 0.0
    # NaN values are dropped, not compared
    assert mann_whitney([1, 2, np.nan], [4, 5]).u_statistic == 4


@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=15),
    st.lists(st.integers(0, 20), min_size=1, max_size=15),
)
@settings(max_examples=60, deadline=None)
def test_rank_biserial_is_cliffs_delta(before: list[int], after: list[int]) -> None:
    result = mann_whitney(before, after)
    assert result.rank_biserial == pytest.approx(cliffs_delta(before, after), abs=1e-12)


def test_relative_change() -> None:
    assert relative_change(10, 7) == pytest.approx(-0.3)
    assert math.isnan(relative_change(0, 5))
    assert math.isnan(relative_change(math.nan, 5))


def test_bootstrap_interval_is_reproducible_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(7)
    before, after = rng.exponential(10, 150), rng.exponential(6, 120)
    first = bootstrap_interval(before, after, "median_ratio", n_resamples=400)
    again = bootstrap_interval(before, after, "median_ratio", n_resamples=400)
    assert first == again
    estimate = np.median(after) / np.median(before) - 1
    assert first[0] < estimate < first[1]
    difference = bootstrap_interval(before, after, "mean_difference", n_resamples=400)
    assert difference[0] < after.mean() - before.mean() < difference[1]


def test_bootstrap_interval_against_a_plain_numpy_bootstrap() -> None:
    """The same percentile interval, resampled independently with numpy: close, not equal."""
    rng = np.random.default_rng(3)
    before, after = rng.lognormal(3, 1, 300), rng.lognormal(2.6, 1, 250)
    ours = bootstrap_interval(before, after, "median_ratio", n_resamples=3000)
    draws = np.random.default_rng(99)
    ib = draws.integers(0, len(before), (3000, len(before)))
    ia = draws.integers(0, len(after), (3000, len(after)))
    ratios = np.median(after[ia], axis=1) / np.median(before[ib], axis=1) - 1
    reference = np.percentile(ratios, [2.5, 97.5])
    assert ours[0] == pytest.approx(reference[0], abs=0.04)
    assert ours[1] == pytest.approx(reference[1], abs=0.04)


def test_bootstrap_interval_covers_the_true_ratio_about_95_percent() -> None:
    rng = np.random.default_rng(11)
    true_ratio = 0.6 - 1  # exponential medians scale with the mean
    covered = 0
    runs = 80
    for _ in range(runs):
        before, after = rng.exponential(10, 120), rng.exponential(6, 120)
        low, high = bootstrap_interval(
            before, after, "median_ratio", n_resamples=300, seed=int(rng.integers(1e9))
        )
        covered += low <= true_ratio <= high
    assert 0.85 <= covered / runs <= 1.0


def test_bootstrap_interval_undefined_cases() -> None:
    assert math.isnan(bootstrap_interval([1.0], [2.0, 3.0], "median_ratio")[0])
    assert math.isnan(bootstrap_interval([0.0, 0.0, 0.0], [1.0, 2.0], "median_ratio")[0])


def test_compare_distributions_centres() -> None:
    result = compare_distributions([10, 20, 30, 40], [5, 10, 15], n_resamples=200)
    assert result.median_before == 25 and result.median_after == 10
    assert result.median_change == pytest.approx(-0.6)
    assert result.mean_change == pytest.approx(10 / 25 - 1)
    assert result.median_change_abs == -15
    assert result.n_before == 4 and result.n_after == 3
    means_only = compare_distributions([10, 20, 30, 40], [5, 10, 15], intervals=("mean",))
    assert math.isnan(means_only.median_change_ci95[0])
    assert math.isfinite(means_only.mean_change_ci95[0])


def test_wilson_interval_by_formula() -> None:
    k, n, z = 56, 70, sps.norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(centre - half)
    assert high == pytest.approx(centre + half)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (5, 10), (10, 10), (37, 512)])
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    expected = sps.binomtest(k, n).proportion_ci(method="wilson")
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)


def test_newcombe_interval_matches_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 - 48/80,
    # method 10 (hybrid score): 0.0524 to 0.3339.
    low, high = newcombe_interval(48, 80, 56, 70)
    assert low == pytest.approx(0.0524, abs=5e-5)
    assert high == pytest.approx(0.3339, abs=5e-5)
    # and it mirrors when the groups swap
    swapped = newcombe_interval(56, 70, 48, 80)
    assert swapped[0] == pytest.approx(-high) and swapped[1] == pytest.approx(-low)


def test_ratio_interval_by_hand() -> None:
    # Katz: log RR +- 1.96 * sqrt(1/a - 1/n1 + 1/c - 1/n2)
    a, n1, c, n2 = 30, 100, 45, 120
    rr = (c / n2) / (a / n1)
    se = math.sqrt(1 / c - 1 / n2 + 1 / a - 1 / n1)
    z = sps.norm.ppf(0.975)
    low, high = ratio_interval(a, n1, c, n2)
    assert low == pytest.approx(rr * math.exp(-z * se) - 1)
    assert high == pytest.approx(rr * math.exp(z * se) - 1)
    assert all(math.isfinite(v) for v in ratio_interval(0, 50, 3, 50))
    assert all(math.isnan(v) for v in ratio_interval(0, 50, 0, 40))


def test_welch_test_matches_scipy_and_hand_cohens_d() -> None:
    before, after = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0]
    result = welch_test(before, after)
    expected = sps.ttest_ind(after, before, equal_var=False)
    assert result.t_statistic == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    # pooled sd: sqrt((3 * 5/3 + 2 * 4) / 5) = sqrt(13/5); means 2.5 and 4
    assert result.cohens_d == pytest.approx(1.5 / math.sqrt(13 / 5))
    assert welch_test([2, 2], [2, 2, 2]).p_value == 1.0
    assert math.isnan(welch_test([1], [2, 3]).p_value)


def test_two_proportion_test_equals_uncorrected_chi_square() -> None:
    z, p = two_proportion_test(48, 80, 56, 70)
    chi = sps.chi2_contingency([[48, 32], [56, 14]], correction=False)
    assert z * z == pytest.approx(chi.statistic)
    assert p == pytest.approx(chi.pvalue)
    assert z > 0
    assert two_proportion_test(0, 10, 0, 12) == (0.0, 1.0)
    assert all(math.isnan(v) for v in two_proportion_test(1, 0, 2, 3))


def test_cohens_h_by_hand() -> None:
    assert cohens_h(0.5, 0.5) == 0
    assert cohens_h(0.6, 0.8) == pytest.approx(
        2 * math.asin(math.sqrt(0.8)) - 2 * math.asin(math.sqrt(0.6))
    )
    assert cohens_h(0.0, 1.0) == pytest.approx(math.pi)


def test_compare_shares() -> None:
    result = compare_shares(48, 80, 56, 70)
    assert result.before == 0.6 and result.after == 0.8
    assert result.change == pytest.approx(0.8 / 0.6 - 1)
    assert result.change_abs == pytest.approx(0.2)
    assert result.change_abs_ci95 == newcombe_interval(48, 80, 56, 70)
    assert result.change_ci95[0] < result.change < result.change_ci95[1]


def test_chi_square_without_pooling_matches_scipy() -> None:
    before, after = [40, 30, 30], [20, 50, 30]
    result = chi_square_homogeneity(before, after)
    expected = sps.chi2_contingency([before, after], correction=False)
    assert result.chi2 == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.dof == 2 and result.pooled == 0
    # Cramer's V for a 2 x k table is sqrt(chi2 / n)
    assert result.cramers_v == pytest.approx(math.sqrt(expected.statistic / 200))


def test_pool_rare_variants_by_hand() -> None:
    # rows 100 and 100: a column's smallest expected count is total / 2
    table, pooled = pool_rare([50, 40, 3, 2, 1, 4], [45, 45, 2, 3, 5, 0])
    # kept: totals 95, 85 (expected >= 5), 6 (expected 3: pooled), 5, 6, 4 -> pooled 21
    assert pooled == 4
    assert table.tolist() == [[50, 40, 10], [45, 45, 10]]
    # a pooled column still too small merges into the smallest kept one
    table, pooled = pool_rare([50, 40, 1], [45, 45, 1])
    assert table.tolist() == [[50, 41], [45, 46]]
    assert pooled == 1


def test_chi_square_single_category() -> None:
    result = chi_square_homogeneity([10], [12])
    assert result.p_value == 1.0 and result.dof == 0


def test_benjamini_hochberg_by_hand_and_scipy() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted .005 .01 .03 .04 -> x4/1 .02, x4/2 .02, x4/3 .04, x4/4 .04
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    with_nan = benjamini_hochberg([0.01, math.nan, 0.04])
    assert math.isnan(with_nan[1])
    assert with_nan[0] == pytest.approx(0.02) and with_nan[2] == pytest.approx(0.04)
    assert significant(0.049) and not significant(0.05) and not significant(math.nan)


def test_weighted_median_by_hand() -> None:
    assert weighted_median([1, 2, 3, 4], [1, 1, 1, 1]) == 2.5
    assert weighted_median([1, 2, 3], [1, 0, 3]) == 3
    assert weighted_median([5, 50], [2, 2]) == 27.5
    assert math.isnan(weighted_median([1, 2], [0, 0]))


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=20),
    st.lists(st.integers(1, 4), min_size=20, max_size=20),
)
@settings(max_examples=80, deadline=None)
def test_weighted_median_with_integer_weights_is_the_median_of_repeats(
    values: list[float], counts: list[int]
) -> None:
    counts = counts[: len(values)]
    repeated = np.repeat(values, counts)
    assert weighted_median(values, counts) == pytest.approx(float(np.median(repeated)))


def test_amount_bands() -> None:
    edges = amount_band_edges([10, 20, 30, 40, 50], bands=2)
    assert edges == [30.0]
    assert band_labels([10, 30, 50, math.nan], edges) == ["< 30", "≥ 30", "≥ 30", "(unknown)"]
    assert amount_band_edges([math.nan]) == []


def test_mix_adjustment_by_hand() -> None:
    # before: half small loans (10 h), half large (100 h): median 55 h.
    # after: three small (5 h), one large (50 h): small weight 0.5/0.75, large 0.5/0.25;
    # weighted cumulative 2/3, 4/3, 2 (= half of 4) at the third 5 h -> (5 + 50) / 2 = 27.5.
    before = pd.DataFrame(
        {
            "cycle_time_hours": [10, 10, 100, 100],
            "amount": [1, 1, 1, 1],
            "product": ["small", "small", "large", "large"],
        }
    )
    after = pd.DataFrame(
        {
            "cycle_time_hours": [5, 5, 5, 50],
            "amount": [1, 1, 1, 1],
            "product": ["small", "small", "small", "large"],
        }
    )
    result = mix_adjusted_change(before, after, n_resamples=50)
    assert result.median_before == 55 and result.median_after == 5
    assert result.adjusted_median_after == 27.5
    assert result.raw_change == pytest.approx(5 / 55 - 1)
    assert result.adjusted_change == pytest.approx(-0.5)
    assert result.coverage == 1.0
    weights = {s.product: s.weight for s in result.strata}
    assert weights == {"small": pytest.approx(2 / 3), "large": pytest.approx(2.0)}


def _loans(rng: np.random.Generator, n: int, small_share: float, speed: float) -> pd.DataFrame:
    small = rng.random(n) < small_share
    return pd.DataFrame(
        {
            "cycle_time_hours": np.where(small, rng.exponential(24, n), rng.exponential(120, n))
            * speed,
            "amount": np.where(small, rng.uniform(1e4, 5e4, n), rng.uniform(2e5, 1e6, n)),
            "product": np.where(small, "micro", "sme"),
        }
    )


def test_mix_shift_alone_is_not_credited_to_the_process() -> None:
    rng = np.random.default_rng(5)
    before, after = _loans(rng, 1500, 0.3, 1.0), _loans(rng, 1500, 0.7, 1.0)
    result = mix_adjusted_change(before, after, n_resamples=300)
    assert result.raw_ci95[1] < -0.3  # the raw median fell a lot...
    assert result.adjusted_ci95[0] < 0 < result.adjusted_ci95[1]  # ...the process did not


def test_a_real_speed_up_survives_mix_adjustment() -> None:
    rng = np.random.default_rng(6)
    before, after = _loans(rng, 1500, 0.3, 1.0), _loans(rng, 1500, 0.7, 0.5)
    result = mix_adjusted_change(before, after, n_resamples=300)
    assert result.adjusted_ci95[0] < -0.5 < result.adjusted_ci95[1]
    assert result.raw_change < result.adjusted_change


def test_mix_strata_only_after_get_no_weight() -> None:
    before = pd.DataFrame(
        {"cycle_time_hours": [10, 20], "amount": [None, None], "product": ["a", "a"]}
    )
    after = pd.DataFrame(
        {
            "cycle_time_hours": [10, 20, 1000],
            "amount": [None, None, None],
            "product": ["a", "a", "new"],
        }
    )
    result = mix_adjusted_change(before, after, n_resamples=50)
    assert result.adjusted_median_after == 15
    assert result.coverage == 1.0
    assert {s.product: s.weight for s in result.strata}["new"] == 0.0
    no_interval = mix_adjusted_change(before, after, n_resamples=0)
    assert math.isnan(no_interval.adjusted_ci95[0]) and math.isnan(no_interval.raw_ci95[0])
    assert no_interval.adjusted_median_after == 15


def test_median_test_by_hand_and_scipy() -> None:
    # pooled median of 1, 2, 3, 4 is 2.5: before has 0 above / 2 at or below, after 2 / 0.
    # Yates: each cell |O - E| = 1 -> (1 - 0.5)^2 / 1 = 0.25, four cells: chi2 = 1.
    assert median_test([1, 2], [3, 4]) == pytest.approx(sps.chi2.sf(1.0, 1))
    rng = np.random.default_rng(8)
    before, after = rng.exponential(10, 200), rng.exponential(7, 150)
    expected = sps.median_test(before, after, ties="below")
    assert median_test(before, after) == pytest.approx(expected.pvalue)
    assert median_test([5, 5], [5, 5, 5]) == 1.0
    assert math.isnan(median_test([], [1.0]))


def test_median_test_answers_the_median_question() -> None:
    """After: many quick cases but the median case slower. The median rose, and the median
    test says so; Mann-Whitney answers another question (after values tend to be smaller),
    which is why medians are not tested with it."""
    rng = np.random.default_rng(4)
    before = rng.uniform(0, 100, 600)
    after = np.concatenate([rng.uniform(0, 10, 250), rng.uniform(60, 100, 350)])
    assert np.median(after) > np.median(before)
    assert median_test(before, after) < 0.01
    assert mann_whitney(before, after).rank_biserial < 0


def test_several_intervals_from_one_resampling_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(12)
    before, after = rng.exponential(10, 120), rng.exponential(6, 90)
    names = ("median_ratio", "median_difference", "mean_ratio", "p90_difference")
    together = bootstrap_intervals(before, after, names, n_resamples=300)
    for name in names:
        alone = bootstrap_interval(before, after, name, n_resamples=300)
        assert together[name] == pytest.approx(alone), name
    zero_base = bootstrap_intervals(
        [0.0, 0.0, 0.0], [1.0, 2.0], ("median_ratio", "mean_difference")
    )
    assert math.isnan(zero_base["median_ratio"][0])
    assert math.isfinite(zero_base["mean_difference"][0])


def test_vectorised_adjusted_changes_equal_the_weighted_median_row_by_row() -> None:
    from analysis.mix import _adjusted_change, adjusted_changes

    rng = np.random.default_rng(21)
    k = 5
    values_b = rng.exponential(10, (40, 60)).round(0)  # rounded: ties and exact halves
    values_a = rng.exponential(7, (40, 50)).round(0)
    strata_b = rng.integers(0, k, (40, 60))
    strata_a = rng.integers(0, k - 1, (40, 50))  # stratum 4 only before: coverage < 1
    strata_a[0, :] = 0  # one row with a single shared stratum
    together = adjusted_changes(values_b, strata_b, values_a, strata_a, k)
    for row in range(40):
        alone = _adjusted_change(values_b[row], strata_b[row], values_a[row], strata_a[row], k)
        assert together[row] == pytest.approx(alone, nan_ok=True), row
