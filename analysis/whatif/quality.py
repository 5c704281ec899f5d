"""The model's quality: the field's log-distance measures, and a hold-out validation.

Measures (the ``log-distance-measures`` package, as Simod and AgentSimulator report them):

- ``cycle_time_distance_hours``: the earth mover's distance between the histograms (1-hour
  bins) of the cases' cycle times: how many hours, on average, a simulated cycle time
  must move to match the log's;
- ``relative_event_distance_hours``: the same for every start and end, measured from its
  case's first start (when within a case things happen);
- ``absolute_event_distance_hours``: the same for every start and end in calendar time
  (when in the period things happen: arrivals, backlogs);
- ``circadian_distance``: the same per weekday for the hour of the day (hours);
- ``ngram_distance``: the share of 3-grams of activities (with start and end) that
  differ in frequency, 0 (same paths) to 1 (nothing in common).

:func:`validate` holds out the last 20% of cases by start: it discovers on the first
80%, simulates the test period (as many cases, from the first test case's start), and
measures the simulation against the test cases; the same measures for the training
cases replayed over the test period (shifted in time) show what a copy of history scores.
``simulated_within_period`` measures only what the test period can show of the
simulation (instances ended by the log's last moment), as the log's own last cases are
cut short by the end of the extract; ``simulated`` lets every simulated case finish.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analysis.filters import Filters

_IDS: Any = None


def _ids() -> Any:
    global _IDS
    if _IDS is None:
        from log_distance_measures.config import EventLogIDs

        _IDS = EventLogIDs(case="case", activity="activity", start_time="start", end_time="end")
    return _IDS


def _as_times(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[["case", "activity", "start", "end"]].copy()
    out["start"] = pd.to_datetime(out["start"], unit="s", utc=True)
    out["end"] = pd.to_datetime(out["end"], unit="s", utc=True)
    return out


def log_distances(actual: pd.DataFrame, simulated: pd.DataFrame) -> dict[str, float]:
    """The field's distances between two logs (case, activity, start, end in seconds)."""
    from log_distance_measures.absolute_event_distribution import (
        absolute_event_distribution_distance,
    )
    from log_distance_measures.circadian_event_distribution import (
        circadian_event_distribution_distance,
    )
    from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance
    from log_distance_measures.n_gram_distribution import n_gram_distribution_distance
    from log_distance_measures.relative_event_distribution import (
        relative_event_distribution_distance,
    )

    a, s, ids = _as_times(actual), _as_times(simulated), _ids()
    hour = dt.timedelta(hours=1)
    return {
        "cycle_time_distance_hours": float(cycle_time_distribution_distance(a, ids, s, ids, hour)),
        "relative_event_distance_hours": float(
            relative_event_distribution_distance(a, ids, s, ids)
        ),
        "absolute_event_distance_hours": float(
            absolute_event_distribution_distance(a, ids, s, ids)
        ),
        "circadian_distance": float(circadian_event_distribution_distance(a, ids, s, ids)),
        "ngram_distance": float(n_gram_distribution_distance(a, ids, s, ids, n=3)),
    }


def verdict(distances: dict[str, float], mean_cycle_hours: float) -> str:
    """A plain verdict: good, fair or poor, and why."""
    relative = distances["cycle_time_distance_hours"] / max(mean_cycle_hours, 1e-9)
    ngram = distances["ngram_distance"]
    if relative <= 0.15 and ngram <= 0.25:
        grade = "good"
    elif relative <= 0.35 and ngram <= 0.5:
        grade = "fair"
    else:
        grade = "poor"
    return (
        f"{grade}: simulated cycle times are {relative:.0%} of the mean cycle time away "
        f"from the log's ({distances['cycle_time_distance_hours']:.1f} h), and "
        f"{ngram:.0%} of the activity 3-grams differ in frequency"
    )


def validate(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    activities: str | None = None,
    holdout: float = 0.2,
    runs: int = 1,
    seed: int = 1,
    calibration_rounds: int = 3,
) -> dict[str, Any]:
    """Hold out the last ``holdout`` of cases by start, train, simulate, measure."""
    from analysis.whatif.discover import discover_model, load_instances
    from analysis.whatif.run import instance_frame, simulate_once

    frame, _, tz, _ = load_instances(con, dataset, filters, activities)
    frame = frame.rename(columns={"case_id": "case"})
    firsts = frame.groupby("case")["start"].min().sort_values(kind="stable")
    cut_index = int(len(firsts) * (1 - holdout))
    cut = float(firsts.iloc[cut_index])
    test_cases = firsts.index[cut_index:]
    test = frame[frame["case"].isin(test_cases)]
    until = pd.Timestamp(cut, unit="s").floor("us").tz_localize(tz).to_pydatetime()
    model = discover_model(
        con,
        dataset,
        filters,
        activities=activities,
        train_until=until,
        calibration_rounds=calibration_rounds,
    )
    scores, bounded = [], []
    period_end = float(test["end"].max())
    for k in range(runs):
        result = simulate_once(model, seed=seed + k, start=cut, cases=len(test_cases))
        simulated_log = instance_frame(result)
        scores.append(log_distances(test, simulated_log))
        bounded.append(log_distances(test, _within(simulated_log, period_end)))
    simulated = {key: float(np.mean([s[key] for s in scores])) for key in scores[0]}
    within = {key: float(np.mean([s[key] for s in bounded])) for key in bounded[0]}
    replayed = _replay(frame, firsts, cut_index)
    replay = log_distances(test, replayed)
    replay_within = log_distances(test, _within(replayed, period_end))
    mean_cycle = float(
        (test.groupby("case")["end"].max() - test.groupby("case")["start"].min()).mean() / 3600
    )
    return {
        "dataset": dataset,
        "activities": activities,
        "train_cases": cut_index,
        "test_cases": len(test_cases),
        "test_from": pd.Timestamp(cut, unit="s").isoformat(),
        "runs": runs,
        "simulated": simulated,
        "simulated_within_period": within,
        "replayed_training": replay,
        "replayed_training_within_period": replay_within,
        "verdict": verdict(simulated, mean_cycle),
        "model": model,
    }


def _within(log: pd.DataFrame, period_end: float) -> pd.DataFrame:
    """What of a simulated log the test period shows: instances ended by its last moment
    (the log itself stops there, so its last cases are cut short too)."""
    return log[log["end"] <= period_end]


def _replay(frame: pd.DataFrame, firsts: pd.Series, cut_index: int) -> pd.DataFrame:
    """The last training cases (as many as the test cases), shifted to the test period."""
    count = len(firsts) - cut_index
    chosen = firsts.iloc[max(0, cut_index - count) : cut_index]
    shift = float(firsts.iloc[cut_index]) - float(chosen.iloc[0])
    replay = frame[frame["case"].isin(chosen.index)].copy()
    replay["start"] += shift
    replay["end"] += shift
    return replay
