"""Replications of a model (and of a scenario) and the KPIs they predict.

One replication is one :class:`analysis.whatif.engine.Engine` run. Its KPIs follow
DESIGN.md's definitions over the counted cases: cycle time (first start to last end)
median, p90 and mean in hours, the approved share, the mean waiting time per handoff
(an instance whose department differs from its predecessor's; the predecessor is the
instance before it in the case, by start) and the utilisation of each department.

Replications run in worker processes (all cores, ``fork`` or ``forkserver``); baseline and
scenario use the same seeds (common random numbers), so their difference has a tight
interval.

Intervals are Student's t intervals of the mean over the replications, cut at the range
the quantity can take (hours and counts at 0, shares and utilisation at 0 and 1, a change
of a share at -1 and 1) and marked when cut (``clipped``). The true mean lies in that
range, so the cut interval covers it whenever the t interval does: cutting keeps the 95%.
With few replications (two: t = 12.7) the t interval is wide and often reaches past 0 h
or 100%; the mark says so instead of showing negative hours.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
import pandas as pd

from analysis.whatif.engine import Engine, RunResult
from etl.errors import LoanFlowError

Metrics = dict[str, float]
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def default_warmup(model: dict[str, Any]) -> float:
    """Seconds simulated before the counted cases: the log's p90 cycle time, 2 to 12 weeks."""
    p90_hours = float(model.get("cycle_time_hours", {}).get("p90", 336.0))
    return float(min(max(p90_hours * 3600.0, 14 * 86400.0), 84 * 86400.0))


def simulate_once(
    model: dict[str, Any],
    *,
    seed: int,
    start: float,
    cases: int,
    warmup: float | None = None,
) -> RunResult:
    """One replication: ``cases`` counted cases arriving from ``start`` (local epoch s)."""
    engine = Engine(
        model,
        seed=seed,
        start=start,
        cases=cases,
        warmup=default_warmup(model) if warmup is None else warmup,
    )
    return engine.run()


def instance_frame(result: RunResult, *, counted_only: bool = True) -> pd.DataFrame:
    """The simulated instances: case, activity, department, resource, start, end (local s)."""
    keep = result.counted[result.case] if counted_only else np.ones(len(result.case), bool)
    acts = np.asarray(result.activities, dtype=object)
    departments = np.asarray(result.departments, dtype=object)
    resources = np.asarray([*result.resources, None], dtype=object)
    frame = pd.DataFrame(
        {
            "case": result.case[keep],
            "activity": acts[result.activity[keep]],
            "department": departments[result.activity[keep]],
            "resource": resources[result.resource[keep]],
            "start": result.start[keep],
            "end": result.end[keep],
        }
    )
    return frame.sort_values(["case", "start", "end"], kind="stable").reset_index(drop=True)


def log_metrics(frame: pd.DataFrame, outcomes: pd.Series | None = None) -> Metrics:
    """KPIs of a log of instances (case, activity, department, start, end in seconds)."""
    spans = frame.groupby("case").agg(first=("start", "min"), last=("end", "max"))
    hours = (spans["last"] - spans["first"]).to_numpy() / 3600.0
    out: Metrics = {
        "cases": float(len(spans)),
        "median_cycle_time_hours": float(np.median(hours)) if len(hours) else math.nan,
        "p90_cycle_time_hours": float(np.quantile(hours, 0.9)) if len(hours) else math.nan,
        "mean_cycle_time_hours": float(hours.mean()) if len(hours) else math.nan,
    }
    if outcomes is not None and len(outcomes):
        for outcome in ("approved", "rejected", "withdrawn"):
            out[f"{outcome}_share"] = float((outcomes == outcome).mean())
    ordered = frame.sort_values(["case", "start", "end"], kind="stable")
    same = ordered["case"].shift(1) == ordered["case"]
    prev_dept = ordered["department"].shift(1)
    wait = (ordered["start"] - ordered["end"].shift(1)) / 3600.0
    handoff = (
        same
        & ordered["department"].notna()
        & prev_dept.notna()
        & (ordered["department"] != prev_dept)
        & (wait >= 0)
    )
    table = pd.DataFrame(
        {"key": prev_dept[handoff] + "->" + ordered["department"][handoff], "wait": wait[handoff]}
    )
    for key, value in table.groupby("key")["wait"].mean().items():
        out[f"wait_hours:{key}"] = float(value)
    return out


def run_metrics(model: dict[str, Any], result: RunResult) -> Metrics:
    """The KPIs of one replication (counted cases) with utilisation per department."""
    frame = instance_frame(result)
    counted = np.flatnonzero(result.counted)
    outcomes = pd.Series([result.outcome[i] or "open" for i in counted])
    out = log_metrics(frame, outcomes)
    out["unfinished_cases"] = float((~result.finished[counted]).sum())
    for pool, busy in result.pool_busy.items():
        capacity = result.pool_capacity[pool]
        if capacity > 0:
            out[f"utilisation:{pool}"] = busy / capacity
    return out


def _one(args: tuple[dict[str, Any], int, float, int, float | None]) -> Metrics:
    model, seed, start, cases, warmup = args
    return run_metrics(
        model, simulate_once(model, seed=seed, start=start, cases=cases, warmup=warmup)
    )


def replicate(
    model: dict[str, Any],
    *,
    runs: int,
    start: float,
    cases: int,
    seed: int = 1,
    warmup: float | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    start_method: str = "fork",
) -> list[Metrics]:
    """The KPIs of ``runs`` replications (seeds seed, seed+1, ...), on all cores.

    ``start_method``: how worker processes start (``fork``; a threaded server such as the
    dashboard asks for ``forkserver``: a forked child may inherit a lock another thread
    held and wait on it forever; ``forkserver`` workers import the main script, so a script
    that calls this with it needs an ``if __name__ == "__main__":`` guard).
    ``progress(done, runs)`` may raise to cancel: the replications
    not started are dropped. A worker that dies (killed, out of memory) raises
    :class:`LoanFlowError` instead of leaving the caller waiting for its result."""
    jobs = [(model, seed + k, start, cases, warmup) for k in range(runs)]
    workers = min(runs, workers or os.cpu_count() or 1)
    results: list[Metrics] = []
    if workers <= 1:
        for k, job in enumerate(jobs):
            results.append(_one(job))
            if progress:
                progress(k + 1, runs)
        return results
    context = multiprocessing.get_context(start_method)
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        futures = [pool.submit(_one, job) for job in jobs]
        for k, future in enumerate(futures):
            try:
                results.append(future.result())
            except BrokenProcessPool as exc:
                raise LoanFlowError(
                    "A simulation worker process stopped unexpectedly (killed, or out of "
                    "memory?). Try fewer cases or replications, or run it again.",
                    code="whatif_worker_stopped",
                ) from exc
            if progress:
                progress(k + 1, runs)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results


Bounds = tuple[float, float]
UNBOUNDED: Bounds = (-math.inf, math.inf)


def value_range(name: str) -> Bounds:
    """The values a metric can take: shares and utilisation 0..1, hours and counts >= 0."""
    if name.endswith("_share") or name.startswith("utilisation:"):
        return (0.0, 1.0)
    return (0.0, math.inf)


def change_range(name: str) -> Bounds:
    """The values a change (scenario - baseline) of a metric can take: -1..1 for a share,
    any for hours (a nonnegative quantity's change is bounded by figures not known here)."""
    low, high = value_range(name)
    return (low - high, high - low) if math.isfinite(high) else UNBOUNDED


def interval(values: list[float], bounds: Bounds = UNBOUNDED) -> tuple[list[float | None], bool]:
    """The 95% confidence interval of the mean of ``values`` (Student's t), cut at
    ``bounds``, and whether it was cut."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if len(finite) < 2:
        return [None, None], False
    mean = float(np.mean(finite))
    half = (
        _T95.get(len(finite) - 1, 1.96 + 2.4 / (len(finite) - 1))
        * float(np.std(finite, ddof=1))
        / math.sqrt(len(finite))
    )
    low, high = max(mean - half, bounds[0]), min(mean + half, bounds[1])
    return [low, high], (low, high) != (mean - half, mean + half)


def summarise(baseline: list[Metrics], scenario: list[Metrics] | None) -> list[dict[str, Any]]:
    """Per KPI: baseline and scenario means, the change and its 95% interval (paired).

    Each row's ``baseline_ci95``, ``scenario_ci95`` and ``ci95`` (the change's, or the
    baseline's without a scenario) are cut at the quantity's range; ``clipped`` lists
    those that were."""
    names = sorted({k for m in baseline for k in m} | {k for m in scenario or [] for k in m})
    order = [
        "median_cycle_time_hours",
        "p90_cycle_time_hours",
        "mean_cycle_time_hours",
        "approved_share",
        "rejected_share",
        "withdrawn_share",
    ]
    names = [n for n in order if n in names] + [n for n in names if n not in order and n != "cases"]
    rows = []
    for name in names:
        base = [m.get(name, math.nan) for m in baseline]
        intervals = {"baseline_ci95": interval(base, value_range(name))}
        row: dict[str, Any] = {"name": name, "baseline": _mean(base), "scenario": None}
        row["change"] = None
        if scenario is not None:
            new = [m.get(name, math.nan) for m in scenario]
            diffs = [b - a for a, b in zip(base, new, strict=True)]
            intervals["scenario_ci95"] = interval(new, value_range(name))
            intervals["ci95"] = interval(diffs, change_range(name))
            row.update(scenario=_mean(new), change=_mean(diffs))
        else:
            intervals["ci95"] = intervals["baseline_ci95"]
        row.update({key: bounds for key, (bounds, _) in intervals.items()})
        row["clipped"] = sorted(key for key, (_, cut) in intervals.items() if cut)
        rows.append(row)
    return rows


def _mean(values: list[float]) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None
