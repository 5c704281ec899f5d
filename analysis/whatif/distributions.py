"""Duration distributions: fitted to observed durations, sampled in batches.

A distribution is plain data, in the parameterisation Prosimos (pix-framework) uses, so
the model exports without conversion: ``{"name": "lognorm", "mean", "var", "min", "max"}``,
``gamma`` the same, ``expon`` {mean, min, max}, ``norm`` {mean, std, min, max}, ``fix``
{mean}. Durations are seconds (of working time for processing times and delays).

:func:`fit_duration` tries each family (moments / closed-form maximum likelihood) and keeps
the one whose quantiles are nearest the data's (the Wasserstein distance of the two
quantile functions, as Simod judges its fits).
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

Distribution = dict[str, Any]
_PROBES = np.linspace(0.01, 0.99, 99)


def fixed(value: float) -> Distribution:
    """A fixed duration."""
    return {"name": "fix", "mean": float(value), "min": float(value), "max": float(value)}


def _lognorm_params(mean: float, var: float) -> tuple[float, float]:
    phi = math.sqrt(var + mean * mean)
    return math.log(mean * mean / phi), math.sqrt(math.log(phi * phi / (mean * mean)))


_Z = np.array([NormalDist().inv_cdf(float(p)) for p in _PROBES])  # standard normal quantiles


def _quantiles(dist: Distribution, probes: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The distribution's quantiles at ``probes`` (the module's probe grid)."""
    name = dist["name"]
    if name == "fix":
        values = np.full(len(probes), dist["mean"])
    elif name == "lognorm":
        mu, sigma = _lognorm_params(dist["mean"], dist["var"])
        values = np.exp(mu + sigma * _Z)
    elif name == "gamma":
        from scipy.special import gammaincinv

        shape = dist["mean"] ** 2 / dist["var"]
        values = gammaincinv(shape, probes) * (dist["var"] / dist["mean"])
    elif name == "expon":
        values = dist["min"] - np.log1p(-probes) * max(dist["mean"] - dist["min"], 1e-9)
    else:
        values = dist["mean"] + dist["std"] * _Z
    return np.clip(values, dist["min"], dist["max"])


def fit_duration(values: npt.NDArray[np.float64]) -> Distribution:
    """The best-fitting distribution of non-negative durations (seconds)."""
    data = np.asarray(values, dtype=np.float64)
    data = data[np.isfinite(data) & (data >= 0)]
    if len(data) == 0:
        return fixed(0.0)
    lo, hi = float(data.min()), float(data.max())
    mean, std = float(data.mean()), float(data.std())
    if len(data) < 3 or std <= 1e-9 * max(mean, 1.0) or hi - lo < 1.0:
        return fixed(float(np.median(data)))
    positive = data[data > 0]
    candidates: list[Distribution] = [
        {"name": "expon", "mean": mean, "min": lo, "max": hi},
        {"name": "norm", "mean": mean, "std": std, "min": lo, "max": hi},
    ]
    if len(positive) >= 3 and mean > 0:
        logs = np.log(positive)
        mu, sigma = float(logs.mean()), float(logs.std())
        if sigma > 0:
            l_mean = math.exp(mu + sigma * sigma / 2)
            l_var = (math.exp(sigma * sigma) - 1) * math.exp(2 * mu + sigma * sigma)
            candidates.append(
                {"name": "lognorm", "mean": l_mean, "var": l_var, "min": lo, "max": hi}
            )
        candidates.append({"name": "gamma", "mean": mean, "var": std * std, "min": lo, "max": hi})
    observed = np.quantile(data, _PROBES)
    scores = [float(np.mean(np.abs(_quantiles(c, _PROBES) - observed))) for c in candidates]
    return candidates[int(np.argmin(scores))]


def sample(dist: Distribution, rng: np.random.Generator, size: int) -> npt.NDArray[np.float64]:
    """``size`` draws of ``dist``, clipped to its [min, max]."""
    name = dist["name"]
    if name == "fix":
        return np.full(size, float(dist["mean"]))
    if name == "lognorm":
        mu, sigma = _lognorm_params(dist["mean"], dist["var"])
        values = rng.lognormal(mu, sigma, size)
    elif name == "gamma":
        shape = dist["mean"] ** 2 / dist["var"]
        values = rng.gamma(shape, dist["var"] / dist["mean"], size)
    elif name == "expon":
        values = dist["min"] + rng.exponential(max(dist["mean"] - dist["min"], 1e-9), size)
    elif name == "norm":
        values = rng.normal(dist["mean"], dist["std"], size)
    else:
        raise ValueError(f"unknown distribution {name!r}")
    return np.clip(values, max(0.0, dist["min"]), dist["max"])


def scaled(dist: Distribution, factor: float) -> Distribution:
    """The distribution of ``factor`` times a draw of ``dist``."""
    out = dict(dist)
    for key in ("mean", "std", "min", "max"):
        if key in out:
            out[key] = float(out[key]) * factor
    if "var" in out:
        out["var"] = float(out["var"]) * factor * factor
    return out


def empirical(values: npt.NDArray[np.float64], points: int = 41) -> list[float]:
    """Quantiles of ``values`` at ``points`` evenly spaced probabilities (0 to 1)."""
    return [
        float(v)
        for v in np.quantile(np.asarray(values, dtype=np.float64), np.linspace(0, 1, points))
    ]
