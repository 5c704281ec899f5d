"""Calibration: close what the discovered mechanisms leave unexplained, by simulation.

Queues, calendars and the extraneous delays found in the log rarely reproduce every
wait: holidays, a committee that fixes its agenda when the meeting opens, customers who
answer while the officer is busy elsewhere. Calibration simulates the training period
and compares, per transition (activity A, then B), the mean wait (working time of B's
department) simulated and observed. Where the simulation is short, an extra delay is
added before B, shaped like the observed waits and scaled to the shortfall; a few rounds
(each with the same random numbers) settle it, as Simod tunes its models by simulation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.calendar.week import WorkingCalendar, always
from analysis.whatif.distributions import empirical
from analysis.whatif.run import instance_frame, simulate_once

_MIN_TRANSITIONS = 10


def transition_waits(
    frame: pd.DataFrame, activity_calendar: dict[str, WorkingCalendar]
) -> pd.DataFrame:
    """Per instance with a predecessor: ``key`` (A->B) and its wait in working seconds."""
    ordered = frame.sort_values(["case", "start", "end"], kind="stable")
    same = (ordered["case"].shift(1) == ordered["case"]).to_numpy()
    prev_end = ordered["end"].shift(1).to_numpy()
    starts = ordered["start"].to_numpy()
    acts = ordered["activity"].to_numpy()
    wait = np.full(len(ordered), np.nan)
    for activity, calendar in activity_calendar.items():
        rows = same & (acts == activity) & (starts >= prev_end)
        wait[rows] = calendar.clock(starts[rows]) - calendar.clock(prev_end[rows])
    keys = ordered["activity"].shift(1).fillna("").to_numpy() + "->" + acts
    return pd.DataFrame({"key": keys, "wait": wait}).dropna()


def activity_calendars(model: dict[str, Any]) -> dict[str, WorkingCalendar]:
    """Each activity's calendar: its pool's, or around the clock when automatic."""
    out = {}
    holidays = tuple(model.get("holidays", []))
    for activity, spec in model["activities"].items():
        pool = model["pools"].get(spec.get("pool") or "")
        out[activity] = (
            WorkingCalendar.from_days(pool["calendar"], holidays).or_always() if pool else always()
        )
    return out


def observed_waits(frame: pd.DataFrame, model: dict[str, Any]) -> dict[str, Any]:
    """Mean and quantiles of the observed waits per transition (working seconds)."""
    waits = transition_waits(frame.rename(columns={"case_id": "case"}), activity_calendars(model))
    out = {}
    for key, rows in waits.groupby("key"):
        if len(rows) >= _MIN_TRANSITIONS:
            values = rows["wait"].to_numpy()
            out[str(key)] = {
                "n": len(values),
                "mean": float(values.mean()),
                "quantiles": [round(v, 1) for v in empirical(values)],
            }
    return out


def _simulated_means(
    model: dict[str, Any],
    calendars: dict[str, WorkingCalendar],
    *,
    start: float,
    cases: int,
    seeds: tuple[int, ...],
) -> pd.Series:
    frames = []
    for seed in seeds:
        result = simulate_once(model, seed=seed, start=start, cases=cases)
        frames.append(transition_waits(instance_frame(result), calendars))
    return pd.concat(frames).groupby("key")["wait"].mean()


def calibrate(
    model: dict[str, Any],
    observed: dict[str, Any],
    *,
    start: float,
    cases: int,
    rounds: int = 3,
    seeds: tuple[int, ...] = (7, 8),
    missing: float = 0.4,
) -> dict[str, Any]:
    """Add calibration delays to ``model`` (in place) so simulated waits meet ``observed``.

    Only transitions whose simulated mean wait falls short of the observed by more than
    ``missing`` (a share of the observed mean) in the first round are calibrated: a clear
    missing mechanism, such as a customer who answers while the officer is busy with
    other files. Smaller gaps are left alone: they are queueing the engine already
    models (and noise), and a fixed delay in their place would not shrink when a
    scenario adds staff or removes work.
    """
    calendars = activity_calendars(model)
    delays = model.setdefault("delays", {})
    chosen: list[str] | None = None
    for _ in range(rounds):
        means = _simulated_means(model, calendars, start=start, cases=cases, seeds=seeds)
        if chosen is None:
            chosen = [
                key
                for key, obs in observed.items()
                if key in means.index
                and obs["mean"] > 0
                and obs["mean"] - float(means[key]) > missing * obs["mean"]
            ]
        changed = False
        for key in chosen:
            obs = observed[key]
            gap = obs["mean"] - float(means.get(key, 0.0))
            entry = delays.setdefault(key, {"n": 0, "probability": 0.0, "quantiles": [0.0]})
            extra = entry.setdefault(
                "calibration", {"scale": 0.0, "quantiles": list(obs["quantiles"])}
            )
            new_scale = float(np.clip(extra["scale"] + gap / obs["mean"], 0.0, 1.0))
            changed = changed or abs(new_scale - extra["scale"]) > 0.01
            extra["scale"] = round(new_scale, 4)
        if not changed:
            break
    model["calibrated"] = {"rounds": rounds, "cases": cases, "transitions": chosen or []}
    return model
