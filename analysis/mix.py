"""Mix adjustment: did cases get faster, or did the after period just hold easier cases?

A redesign can look faster because the after period holds more small loans or more of a
quick product. To separate the two, cases are grouped into strata (amount band x product);
the after cases are reweighted so that the strata have the shares they had before
(weight of a case in stratum s = before_share(s) / after_share(s)), and the weighted median
cycle time of the after cases is compared with the before median. The raw change and the
mix-adjusted change are reported side by side, each with a bootstrap 95% interval.

Strata present only after get weight 0 (they have no before counterpart); strata present
only before cannot be represented, so the weights are renormalised over the strata both
periods share and the share of before cases they cover is reported as ``coverage``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as sps

from analysis.stats import (
    BATCH,
    CONFIDENCE,
    NAN_INTERVAL,
    SEED,
    FloatArray,
    Interval,
    bootstrap_interval,
    relative_change,
)

UNKNOWN = "(unknown)"
MIX_RESAMPLES = 1000


def weighted_median(values: npt.ArrayLike, weights: npt.ArrayLike) -> float:
    """The weighted median: the smallest value whose cumulative weight reaches half the total.

    When the cumulative weight equals exactly half at a value, the median is the mean of that
    value and the next one, so equal weights give the same result as ``numpy.median``.
    Values with zero weight are ignored; NaN when no weight remains.
    """
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    keep = (w > 0) & np.isfinite(v)
    v, w = v[keep], w[keep]
    if len(v) == 0:
        return math.nan
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cumulative = np.cumsum(w)
    half = cumulative[-1] / 2.0
    index = int(np.searchsorted(cumulative, half - 1e-9 * cumulative[-1], side="left"))
    if math.isclose(cumulative[index], half, rel_tol=1e-9) and index + 1 < len(v):
        return float((v[index] + v[index + 1]) / 2.0)
    return float(v[index])


def amount_band_edges(amounts: npt.ArrayLike, bands: int = 4) -> list[float]:
    """Inner edges of ``bands`` amount bands: quantiles of the pooled amounts, deduplicated."""
    values = np.asarray(amounts, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0 or bands < 2:
        return []
    edges = np.quantile(values, np.linspace(0, 1, bands + 1)[1:-1])
    return sorted({float(e) for e in edges})


def band_labels(amounts: npt.ArrayLike, edges: list[float]) -> list[str]:
    """The amount band of each case: '< e1', 'e1 – e2', ..., '≥ ek' or '(unknown)'."""
    values = np.asarray(amounts, dtype=np.float64)
    names = _band_names(edges)
    index = np.searchsorted(np.asarray(edges), values, side="right") if edges else None
    labels = []
    for i, value in enumerate(values):
        if not math.isfinite(value):
            labels.append(UNKNOWN)
        else:
            labels.append(names[int(index[i])] if index is not None else "all amounts")
    return labels


def _band_names(edges: list[float]) -> list[str]:
    if not edges:
        return ["all amounts"]
    fmt = [f"{e:,.0f}" for e in edges]
    names = [f"< {fmt[0]}"]
    names += [f"{fmt[i]} – {fmt[i + 1]}" for i in range(len(fmt) - 1)]
    names.append(f"≥ {fmt[-1]}")
    return names


@dataclass(frozen=True)
class Stratum:
    """One amount band x product stratum, before and after."""

    amount_band: str
    product: str
    n_before: int
    n_after: int
    share_before: float
    share_after: float
    median_before: float
    median_after: float
    weight: float


@dataclass(frozen=True)
class MixAdjustment:
    """Raw and mix-adjusted change of the median of a per-case value (cycle time)."""

    value: str
    median_before: float
    median_after: float
    adjusted_median_after: float
    raw_change: float
    raw_ci95: Interval
    adjusted_change: float
    adjusted_ci95: Interval
    coverage: float
    amount_edges: list[float]
    strata: list[Stratum] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        data = asdict(self)
        data["raw_ci95"] = list(self.raw_ci95)
        data["adjusted_ci95"] = list(self.adjusted_ci95)
        return data


def _strata_codes(
    before: pd.DataFrame, after: pd.DataFrame, edges: list[float]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[tuple[str, str]]]:
    def keys(frame: pd.DataFrame) -> list[tuple[str, str]]:
        bands = band_labels(frame["amount"].to_numpy(dtype=np.float64, na_value=np.nan), edges)
        products = [UNKNOWN if pd.isna(p) or p == "" else str(p) for p in frame["product"]]
        return list(zip(bands, products, strict=True))

    kb, ka = keys(before), keys(after)
    band_order = {name: i for i, name in enumerate([*_band_names(edges), UNKNOWN])}
    names = sorted(set(kb) | set(ka), key=lambda key: (band_order[key[0]], key[1]))
    code = {name: i for i, name in enumerate(names)}
    return (
        np.array([code[k] for k in kb], dtype=np.int64),
        np.array([code[k] for k in ka], dtype=np.int64),
        names,
    )


def _after_weights(
    strata_before: npt.NDArray[np.int64], strata_after: npt.NDArray[np.int64], k: int
) -> tuple[FloatArray, float]:
    """Per-after-case weights restoring the before mix, and the before coverage."""
    count_b = np.bincount(strata_before, minlength=k).astype(np.float64)
    count_a = np.bincount(strata_after, minlength=k).astype(np.float64)
    shared = (count_b > 0) & (count_a > 0)
    if not shared.any():
        return np.zeros(len(strata_after)), 0.0
    coverage = float(count_b[shared].sum() / count_b.sum())
    share_b = np.where(shared, count_b / count_b[shared].sum(), 0.0)
    share_a = np.where(shared, count_a / count_a[shared].sum(), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_stratum = np.where(shared, share_b / share_a, 0.0)
    return per_stratum[strata_after], coverage


def _adjusted_change(
    values_b: FloatArray,
    strata_b: npt.NDArray[np.int64],
    values_a: FloatArray,
    strata_a: npt.NDArray[np.int64],
    k: int,
) -> float:
    weights, _ = _after_weights(strata_b, strata_a, k)
    return relative_change(float(np.median(values_b)), weighted_median(values_a, weights))


def mix_adjusted_change(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    value: str = "cycle_time_hours",
    bands: int = 4,
    n_resamples: int = MIX_RESAMPLES,
    seed: int = SEED,
) -> MixAdjustment:
    """Raw and mix-adjusted relative change of the median of ``value``, with 95% intervals.

    ``before`` and ``after`` hold one row per case with columns ``value``, ``amount`` and
    ``product``; rows without a finite ``value`` are left out. Amount bands are the pooled
    quantiles (quartiles by default) of both periods' amounts. The interval of the adjusted
    change is a percentile bootstrap that resamples the cases of each period and recomputes
    the strata shares and weights in every resample.
    """
    before = before[np.isfinite(before[value].to_numpy(dtype=np.float64, na_value=np.nan))]
    after = after[np.isfinite(after[value].to_numpy(dtype=np.float64, na_value=np.nan))]
    amounts = pd.concat([before["amount"], after["amount"]]).to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    edges = amount_band_edges(amounts, bands)
    strata_b, strata_a, names = _strata_codes(before, after, edges)
    values_b = before[value].to_numpy(dtype=np.float64)
    values_a = after[value].to_numpy(dtype=np.float64)
    k = len(names)
    median_b = float(np.median(values_b)) if len(values_b) else math.nan
    median_a = float(np.median(values_a)) if len(values_a) else math.nan
    weights, coverage = _after_weights(strata_b, strata_a, k)
    adjusted = weighted_median(values_a, weights)
    return MixAdjustment(
        value=value,
        median_before=median_b,
        median_after=median_a,
        adjusted_median_after=adjusted,
        raw_change=relative_change(median_b, median_a),
        raw_ci95=bootstrap_interval(
            values_b, values_a, "median_ratio", n_resamples=n_resamples, seed=seed
        ),
        adjusted_change=relative_change(median_b, adjusted),
        adjusted_ci95=_adjusted_interval(
            values_b, strata_b, values_a, strata_a, k, n_resamples, seed
        ),
        coverage=coverage,
        amount_edges=edges,
        strata=_strata_table(values_b, strata_b, values_a, strata_a, names),
    )


def _row_counts(strata: npt.NDArray[np.int64], k: int) -> FloatArray:
    """Per row of a (rows, cases) stratum matrix: cases per stratum, shape (rows, k)."""
    rows = strata.shape[0]
    offsets = strata + k * np.arange(rows)[:, None]
    return np.bincount(offsets.ravel(), minlength=rows * k).reshape(rows, k).astype(np.float64)


def adjusted_changes(
    values_b: FloatArray,
    strata_b: npt.NDArray[np.int64],
    values_a: FloatArray,
    strata_a: npt.NDArray[np.int64],
    k: int,
) -> FloatArray:
    """The mix-adjusted relative change of the median for many resamples at once.

    Every argument is a (resamples, cases) matrix (one resample per row); the result has one
    value per row, equal to what :func:`weighted_median` gives row by row (the bootstrap of
    :func:`mix_adjusted_change` runs it on batches of resamples).
    """
    count_b, count_a = _row_counts(strata_b, k), _row_counts(strata_a, k)
    shared = (count_b > 0) & (count_a > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_b = np.where(shared, count_b / (count_b * shared).sum(axis=1, keepdims=True), 0.0)
        share_a = np.where(shared, count_a / (count_a * shared).sum(axis=1, keepdims=True), 0.0)
        per_stratum = np.where(shared, share_b / share_a, 0.0)
    weights = np.take_along_axis(per_stratum, strata_a, axis=1)
    order = np.argsort(values_a, axis=1, kind="stable")
    values = np.take_along_axis(values_a, order, axis=1)
    cumulative = np.cumsum(np.take_along_axis(weights, order, axis=1), axis=1)
    total = cumulative[:, -1:]
    half = total / 2.0
    first = np.argmax(cumulative >= half - 1e-9 * total, axis=1)
    beyond = np.argmax(cumulative > half + 1e-9 * total, axis=1)
    rows = np.arange(len(values))
    at_half = np.isclose(cumulative[rows, first], half[:, 0], rtol=1e-9, atol=0.0)
    median_a = np.where(
        at_half, (values[rows, first] + values[rows, beyond]) / 2.0, values[rows, first]
    )
    median_a = np.where(total[:, 0] > 0, median_a, np.nan)
    median_b = np.median(values_b, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        changes: FloatArray = np.where(median_b != 0, median_a / median_b - 1.0, np.nan)
    return changes


def _adjusted_interval(
    values_b: FloatArray,
    strata_b: npt.NDArray[np.int64],
    values_a: FloatArray,
    strata_a: npt.NDArray[np.int64],
    k: int,
    n_resamples: int,
    seed: int,
) -> Interval:
    if len(values_b) < 2 or len(values_a) < 2 or n_resamples <= 0:
        return NAN_INTERVAL
    if not math.isfinite(_adjusted_change(values_b, strata_b, values_a, strata_a, k)):
        return NAN_INTERVAL

    def statistic(index_b: FloatArray, index_a: FloatArray, axis: int = -1) -> Any:
        ib = np.atleast_2d(index_b.astype(np.int64))
        ia = np.atleast_2d(index_a.astype(np.int64))
        changes = adjusted_changes(values_b[ib], strata_b[ib], values_a[ia], strata_a[ia], k)
        return changes if index_b.ndim > 1 else changes[0]

    with warnings.catch_warnings():
        # a degenerate resample distribution (all values equal) is a valid, narrow interval
        warnings.simplefilter("ignore", sps.DegenerateDataWarning)
        result = sps.bootstrap(
            (
                np.arange(len(values_b), dtype=np.float64),
                np.arange(len(values_a), dtype=np.float64),
            ),
            statistic,
            n_resamples=n_resamples,
            batch=BATCH,
            vectorized=True,
            paired=False,
            confidence_level=CONFIDENCE,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    return (low, high) if math.isfinite(low) and math.isfinite(high) else NAN_INTERVAL


def _strata_table(
    values_b: FloatArray,
    strata_b: npt.NDArray[np.int64],
    values_a: FloatArray,
    strata_a: npt.NDArray[np.int64],
    names: list[tuple[str, str]],
) -> list[Stratum]:
    k = len(names)
    weights, _ = _after_weights(strata_b, strata_a, k)
    per_stratum_weight = np.zeros(k)
    per_stratum_weight[strata_a] = weights
    rows = []
    for code, (band, product) in enumerate(names):
        in_b, in_a = values_b[strata_b == code], values_a[strata_a == code]
        rows.append(
            Stratum(
                amount_band=band,
                product=product,
                n_before=len(in_b),
                n_after=len(in_a),
                share_before=len(in_b) / len(values_b) if len(values_b) else math.nan,
                share_after=len(in_a) / len(values_a) if len(values_a) else math.nan,
                median_before=float(np.median(in_b)) if len(in_b) else math.nan,
                median_after=float(np.median(in_a)) if len(in_a) else math.nan,
                weight=float(per_stratum_weight[code]),
            )
        )
    return rows
