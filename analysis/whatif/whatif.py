"""What if, end to end: the model, the scenario, the replications and the report.

:func:`what_if` is what ``loanflow simulate`` and the dashboard call: it finds (or reads)
the model, applies the scenario, runs the baseline and the scenario with the same seeds,
and returns DESIGN.md's JSON (``dataset``, ``model`` {``quality``}, ``metrics``), with
``actual`` and ``error`` per metric when another dataset holds what really happened.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.whatif.model import load_model
from analysis.whatif.run import (
    Metrics,
    instance_frame,
    log_metrics,
    replicate,
    simulate_once,
    summarise,
)
from analysis.whatif.scenario import (
    SCENARIO,
    apply_scenario,
    load_scenario,
    scenario_from_text,
)
from etl.errors import BadInputError

Progress = Callable[[str], None]


def build_model(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    activities: str | None = None,
    validate_model: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The model of ``dataset`` with its quality (hold-out validation) when asked."""
    from analysis.whatif.discover import discover_model
    from analysis.whatif.quality import validate

    model = discover_model(con, dataset, filters, activities=activities, progress=progress)
    if validate_model:
        if progress:
            progress("validating on the last 20% of cases")
        check = validate(con, dataset, filters, activities=activities)
        model["quality"] = {
            **{k: round(v, 4) for k, v in check["simulated"].items()},
            "replayed_training": {k: round(v, 4) for k, v in check["replayed_training"].items()},
            "verdict": check["verdict"],
            "test_cases": check["test_cases"],
        }
    return model


def _local_epoch(value: date | datetime | str) -> float:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return float((stamp - pd.Timestamp(0)).total_seconds())


def actual_metrics(con: duckdb.DuckDBPyConnection, dataset: str) -> Metrics:
    """The same KPIs measured on another dataset (what really happened)."""
    from analysis.whatif.discover import load_instances

    frame, _, _, _ = load_instances(con, dataset)
    frame = frame.rename(columns={"case_id": "case"})
    outcomes = (
        con.execute("SELECT case_id, outcome FROM cases WHERE dataset = ?", [dataset])
        .df()
        .set_index("case_id")["outcome"]
    )
    present = outcomes.reindex(frame["case"].unique())
    return log_metrics(frame, present.fillna("open"))


def what_if(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    *,
    scenario_file: str | None = None,
    scenario_text: str | None = None,
    model_file: str | None = None,
    runs: int = 5,
    cases: int | None = None,
    start: date | datetime | None = None,
    actual: str | None = None,
    seed: int = 1,
    out: str | None = None,
    validate_model: bool = True,
    activities: str | None = None,
    progress: Progress | None = None,
    on_run: Callable[[int, int], None] | None = None,
    model: dict[str, Any] | None = None,
    start_method: str = "fork",
) -> dict[str, Any]:
    """Simulate the baseline (and a scenario) with replications; DESIGN.md's JSON.

    ``on_run(done, total)`` follows the replications (baseline and scenario together) and
    may raise to cancel; ``model`` gives an already discovered model."""
    say = progress or (lambda _m: None)
    if runs < 1:
        raise BadInputError("--runs must be at least 1", code="whatif_runs")
    scenario = load_scenario(scenario_file) if scenario_file else None
    if scenario_text and scenario_text.strip():
        scenario = scenario_from_text(scenario_text)
    if model is not None:
        pass
    elif model_file:
        model = load_model(model_file)
    else:
        say("discovering the model")
        model = build_model(
            con, dataset, activities=activities, validate_model=validate_model, progress=say
        )
    source = str(scenario_file) if scenario_file else SCENARIO
    changed = apply_scenario(model, scenario, source) if scenario else None
    actual_values = actual_metrics(con, actual) if actual else None
    begin = _local_epoch(start) if start else _local_epoch(model["trained"]["from"])
    count = int(cases or model["trained"]["cases"])
    say(f"simulating {runs} replication(s) of {count} cases")
    total = runs * (2 if changed else 1)

    def done(offset: int) -> Callable[[int, int], None] | None:
        return None if on_run is None else (lambda k, _n: on_run(offset + k, total))

    common = {"runs": runs, "start": begin, "cases": count, "seed": seed}
    baseline = replicate(model, **common, progress=done(0), start_method=start_method)  # type: ignore[arg-type]
    changed_runs = (
        replicate(changed, **common, progress=done(runs), start_method=start_method)  # type: ignore[arg-type]
        if changed
        else None
    )
    metrics = summarise(baseline, changed_runs)
    if actual_values is not None:
        _add_actual(metrics, actual_values)
    if out:
        _write_log(changed or model, out, seed=seed, start=begin, cases=count)
    return {
        "dataset": dataset,
        "scenario": scenario["name"] if scenario else None,
        "runs": runs,
        "cases": count,
        "start": pd.Timestamp(begin, unit="s").isoformat(),
        "model": {
            "quality": model.get("quality"),
            "trained": model.get("trained"),
            "calibrated": model.get("calibrated"),
        },
        "actual_dataset": actual,
        "metrics": metrics,
    }


PREDICTION_METRICS = ("median_cycle_time_hours", "p90_cycle_time_hours", "approved_share")


def load_prediction(path: str | Path) -> dict[str, Any]:
    """A prediction saved from ``loanflow simulate ... --json``, checked.

    Raises :class:`BadInputError` naming what is wrong (no file, not JSON, no metrics)."""
    import json

    source = Path(path)
    try:
        report = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInputError(
            f"no prediction file at {path}", code="prediction_missing", path=path
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(
            f"{path} is not a prediction: save one with "
            f"`loanflow simulate DATASET --scenario FILE --json > {source.name}` ({exc})",
            code="prediction_unreadable",
            path=path,
            file=source.name,
            reason=exc,
        ) from exc
    return check_prediction(report, str(path))


def check_prediction(report: Any, source: str) -> dict[str, Any]:
    """``report`` if it is a prediction (``what_if``'s JSON: 'metrics' with the median and
    p90 cycle time and the approved share), else :class:`BadInputError` naming ``source``."""
    metrics = report.get("metrics") if isinstance(report, dict) else None
    names = {m.get("name") for m in metrics or [] if isinstance(m, dict)}
    if not isinstance(metrics, list) or not set(PREDICTION_METRICS) <= names:
        raise BadInputError(
            f"{source} is not a prediction of `loanflow simulate --json`: it needs 'metrics' "
            f"with {', '.join(PREDICTION_METRICS)}",
            code="prediction_not_metrics",
            source=source,
            metrics=", ".join(PREDICTION_METRICS),
        )
    return dict(report)


def with_actual(
    prediction: dict[str, Any], con: duckdb.DuckDBPyConnection, dataset: str
) -> dict[str, Any]:
    """A copy of a prediction (``what_if``'s JSON) with ``actual`` and ``error`` per metric
    measured on ``dataset`` (what really happened), as ``--actual`` adds them."""
    from etl.store import require_dataset

    require_dataset(con, dataset)
    return with_actual_metrics(prediction, dataset, actual_metrics(con, dataset))


def with_actual_metrics(
    prediction: dict[str, Any], dataset: str, actual: Metrics
) -> dict[str, Any]:
    """:func:`with_actual` with the measured figures given (computed by any engine, e.g.
    :func:`analysis.lake.compare.actual_metrics` on the lake)."""
    metrics = [dict(row) for row in prediction["metrics"]]
    _add_actual(metrics, actual)
    return {**prediction, "actual_dataset": dataset, "metrics": metrics}


def _add_actual(metrics: list[dict[str, Any]], actual: Metrics) -> None:
    for row in metrics:
        value = actual.get(row["name"])
        row["actual"] = value
        predicted = row["scenario"] if row["scenario"] is not None else row["baseline"]
        if value is None or predicted is None:
            row["error"] = None
        elif row["name"].endswith("_share") or row["name"].startswith("utilisation:"):
            row["error"] = predicted - value  # percentage points, as a fraction
        else:
            row["error"] = (predicted - value) / value if value else None


def _write_log(model: dict[str, Any], path: str, *, seed: int, start: float, cases: int) -> None:
    """One replication as a log that ``loanflow ingest`` loads back (instance layout)."""
    result = simulate_once(model, seed=seed, start=start, cases=cases)
    frame = instance_frame(result)
    tz = model.get("timezone", "UTC")

    def stamp(values: pd.Series) -> pd.Series:
        local = pd.to_datetime(values.to_numpy(), unit="s").round("s")
        return pd.Series(
            local.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").strftime(
                "%Y-%m-%dT%H:%M:%S%z"
            )
        )

    target = Path(path)
    try:
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["case_id", "activity", "resource", "department", "start_time", "end_time"]
            )
            ids = "SIM" + frame["case"].astype(str).str.zfill(6)
            rows = zip(
                ids,
                frame["activity"],
                frame["resource"].fillna("SYSTEM"),
                frame["department"].fillna(""),
                stamp(frame["start"]),
                stamp(frame["end"]),
                strict=True,
            )
            writer.writerows(rows)
    except OSError as exc:
        raise BadInputError(
            f"cannot write the simulated log to {path}: {exc}",
            code="simulated_log_write_failed",
            path=path,
            reason=exc,
        ) from exc
