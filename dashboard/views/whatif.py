"""The "What if" page's content: the scenario the controls write, the simulation job, and
baseline vs scenario (with intervals and, when chosen, what actually happened)."""

from __future__ import annotations

import threading
from datetime import UTC
from typing import Any

import pandas as pd
import yaml

from analysis.whatif.kept import keep_prediction, kept_prediction, kept_predictions, prediction_key
from analysis.whatif.scenario import scenario_names
from analysis.whatif.whatif import build_model, what_if
from dashboard import data, figures
from dashboard.components import chart, column, error_alert, error_message, grid, info, section
from dashboard.jobs import RUNNER, Job
from etl.errors import LoanFlowError
from etl.store import has_dataset
from vocabulary import t
from vocabulary.formats import fmt_change, fmt_number, fmt_points, fmt_share, missing

PAGE = "whatif"
KIND = "whatif"
_MODELS: dict[tuple[str, int], dict[str, Any]] = {}
_MODELS_LOCK = threading.Lock()
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def scenario_yaml(
    *,
    staff_department: str | None,
    staff_change: float | None,
    meeting_department: str | None,
    meeting_days: list[str] | None,
    fast_track: float | None,
    parallel: str | None,
    arrivals: float | None,
    skip_activity: str | None = "審批會議",
    meeting_hours: tuple[str | None, str | None] = ("14:00", "17:30"),
    duration_activity: str | None = None,
    duration_factor: float | None = None,
    route_after: str | None = None,
    route_to: str | None = None,
    route_scale: float | None = None,
    pooled: list[str] | None = None,
    name: str = "dashboard scenario",
) -> str:
    """The scenario file the controls describe (YAML, DESIGN.md's keys): a head-count
    change, a department's meeting days and hours, a fast track past an activity for
    amounts up to a limit, activities side by side, an arrival multiplier, a processing
    time multiplier, a branch's chance scaled, and departments with one shared queue."""
    changes: dict[str, Any] = {}
    if staff_department and staff_change:
        changes["staff"] = {staff_department: f"{int(staff_change):+d}"}
    if meeting_department and meeting_days:
        hours = [meeting_hours[0] or "14:00", meeting_hours[1] or "17:30"]
        changes["calendar"] = {meeting_department: {"days": list(meeting_days), "hours": hours}}
    if route_after and route_to and route_scale is not None and route_scale != 1:
        changes["routing"] = [{"after": route_after, "to": route_to, "scale": float(route_scale)}]
    if parallel and "," in parallel:
        changes["parallel"] = [[p.strip() for p in parallel.split(",") if p.strip()]]
    if fast_track and skip_activity:
        changes["skip"] = [{"activity": skip_activity, "when": f"amount <= {int(fast_track)}"}]
    if duration_activity and duration_factor and duration_factor != 1:
        changes["durations"] = {duration_activity: float(duration_factor)}
    if arrivals and arrivals != 1:
        changes["arrivals"] = float(arrivals)
    if pooled:
        changes["pooled"] = list(pooled)
    if not changes:
        return ""
    return yaml.safe_dump({"name": name, "changes": changes}, allow_unicode=True, sort_keys=False)


def scenario_choices(dataset: str | None) -> tuple[list[str], list[str]]:
    """The departments and activities the scenario controls offer for ``dataset``."""
    if not dataset:
        return [], []

    def read() -> tuple[list[str], list[str]]:
        if data.on_lake():
            from analysis.lake.pages import scenario_names as lake_scenario_names

            return lake_scenario_names(data.lake_run_for(dataset))
        with data.cursor() as con:
            return scenario_names(con, dataset)

    key = ("whatif-choices", dataset, data.computed_where(dataset))
    result: tuple[list[str], list[str]] = data.CACHE.get_or_compute(key, read)
    return result


def in_store(dataset: str) -> bool:
    """Whether the store holds ``dataset`` (the what-if model is discovered from it)."""
    with data.cursor() as con:
        return has_dataset(con, dataset)


def engine_note(dataset: str | None, lang: str) -> str | None:
    """What the page says under the spark engine: the model is discovered from the store's
    copy of the dataset (docs/scale.md), or cannot be for a dataset only in the lake."""
    if not dataset or not data.on_lake():
        return None
    key = "whatif.on_store" if in_store(dataset) else "whatif.lake_only"
    return t(key, lang, dataset=dataset)


def require_store_copy(dataset: str) -> None:
    """Under the spark engine, a clear error for a dataset only in the lake (the model is
    discovered from the store's copy)."""
    if data.on_lake() and not in_store(dataset):
        raise LoanFlowError(
            f"{dataset!r} is only in the lake; the what-if model is discovered from a store's "
            f"copy. Load it into the store (loanflow ingest FILE --dataset {dataset}) to "
            "simulate it.",
            code="lake_only_whatif",
            dataset=dataset,
        )


def model_for(dataset: str, job: Job | None = None) -> dict[str, Any]:
    """The dataset's simulation model, discovered once per store version (with quality)."""
    key = (dataset, data.CACHE.version)
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key]
    with data.cursor() as con:
        model = build_model(con, dataset, progress=(lambda _m: job.report()) if job else None)
    with _MODELS_LOCK:
        _MODELS[key] = model
    return model


def start_job(
    query: str | None, scenario: str | None, runs: int, actual: str | None, lang: str
) -> Job:
    """Start the simulation in the background; its result is :func:`what_if`'s report."""
    state = data.state_from_query(query)
    dataset = state.dataset or ""
    require_store_copy(dataset)

    def work(job: Job) -> dict[str, Any]:
        job.report(0.02, t("whatif.discovering", lang))
        model = model_for(dataset, job)

        def on_run(done: int, total: int) -> None:
            job.report(
                0.1 + 0.9 * done / total, t("whatif.replication", lang, done=done, total=total)
            )

        job.report(0.1, t("whatif.running", lang))
        measured = actual if actual and data.on_lake() else None  # measured on the lake
        with data.cursor() as con:
            report = what_if(
                con,
                dataset,
                scenario_text=scenario,
                model=model,
                runs=min(50, max(1, int(runs or 1))),
                actual=None if measured else actual or None,
                on_run=on_run,
                start_method="forkserver",
            )
        if measured:
            from dashboard.views.compare import with_actual_figures

            report = with_actual_figures(report, measured)
        return report

    return RUNNER.submit(KIND, f"what if {dataset}", work)


def _failure(job: Any) -> Exception:
    """A failed job's failure (an expected one keeps its code for the reader's words)."""
    return job.failure or LoanFlowError.from_json({"error": job.error or ""})


def _failure_text(job: Any, lang: str) -> str:
    return error_message(_failure(job), lang)


def status(job_id: str | None, lang: str) -> tuple[float, str, bool]:
    """(progress 0..100, message, finished) of the job."""
    job = RUNNER.get(job_id)
    if job is None:
        return 0.0, t("whatif.idle", lang), True
    if job.state == "running":
        return 100 * job.progress, job.message or t("whatif.running", lang), False
    if job.state == "cancelled":
        return 0.0, t("whatif.cancelled", lang), True
    if job.state == "failed":
        return 0.0, _failure_text(job, lang), True
    return 100.0, "", True


def metric_label(name: str, lang: str) -> str:
    """A metric's name in the reader's language (a handoff or department kept as is)."""
    prefix, _, rest = name.partition(":")
    if rest:
        return f"{t(f'whatif.m.{prefix}', lang)}: {rest.replace('->', ' → ')}"
    return t(f"whatif.m.{name}", lang)


def is_share(name: str) -> bool:
    """Whether a what-if metric is a share (an outcome's share, a department's utilisation)
    rather than a duration in hours."""
    return name.endswith("_share") or name.startswith("utilisation:")


def metric_cells(row: dict[str, Any], lang: str) -> dict[str, str]:
    """One metric's cells as the page shows them, each in its own unit: a duration in hours
    as its label says ("(h)"; a change signed, the error relative), a share as a
    percentage (its change, interval and error in percentage points)."""
    share = is_share(row["name"])
    lo, hi = row["ci95"]

    def value(v: Any) -> str:
        return fmt_share(v, lang) if share else fmt_number(v, lang, 1)

    def change(v: Any) -> str:
        if share:
            return fmt_points(v, lang)
        return "–" if missing(v) else f"{float(v):+,.1f}"

    error = row.get("error")
    return {
        "metric": metric_label(row["name"], lang),
        "baseline": value(row["baseline"]),
        "scenario": value(row["scenario"]),
        "change": change(row["change"]),
        "low": change(lo) if row["scenario"] is not None else value(lo),
        "high": change(hi) if row["scenario"] is not None else value(hi),
        "actual": value(row.get("actual")),
        "error": fmt_points(error, lang) if share else fmt_change(error, lang),
    }


def _rows(report: dict[str, Any], lang: str) -> pd.DataFrame:
    return pd.DataFrame([metric_cells(m, lang) for m in report["metrics"]])


def results_body(job_id: str | None, lang: str) -> list[Any]:
    """The finished job's report: quality, the KPI table and three charts."""
    job = RUNNER.get(job_id)
    if job is None or job.state != "done":
        if job is not None and job.state == "failed":
            return [error_alert(_failure(job), lang)]
        return [info(t("whatif.idle", lang))]
    report = job.result
    frame = _rows(report, lang)
    right = {"type": "rightAligned"}
    columns = [
        column("metric", t("whatif.metric", lang)),
        column("baseline", t("whatif.baseline", lang), **right),
        column("scenario", t("whatif.scenario", lang), **right),
        column("change", t("whatif.change", lang), **right),
        column("low", t("whatif.low", lang), **right),
        column("high", t("whatif.high", lang), **right),
    ]
    if report.get("actual_dataset"):
        columns += [
            column("actual", t("whatif.actual_value", lang), **right),
            column("error", t("whatif.error", lang), **right),
        ]
    quality = (report.get("model") or {}).get("quality")
    parts: list[Any] = []
    if quality:
        parts.append(
            info(
                t("whatif.quality", lang)
                + ": "
                + t(
                    "whatif.quality_text",
                    lang,
                    ct=f"{quality['cycle_time_distance_hours']:.1f}",
                    ng=f"{quality['ngram_distance']:.3f}",
                )
                + " "
                + t(f"whatif.grade.{quality['verdict'].split(':')[0]}", lang)
            )
        )
    results: list[Any] = [grid(f"{PAGE}-table", frame, columns, height=420)]
    clipped = [metric_label(m["name"], lang) for m in report["metrics"] if m.get("clipped")]
    if clipped:
        results.append(
            info(
                t(
                    "whatif.clipped",
                    lang,
                    metrics=t("report.list_separator", lang).join(clipped),
                    runs=report["runs"],
                )
            )
        )
    parts += [
        section(t("whatif.results", lang), *results),
        section(
            t("whatif.kpis_chart", lang),
            chart(f"{PAGE}-kpis", figures.whatif_cycle_bars(report, lang)),
        ),
        section(
            t("whatif.waits_chart", lang),
            chart(f"{PAGE}-waits", figures.whatif_metric_bars(report, "wait_hours:", lang)),
        ),
        section(
            t("whatif.util_chart", lang),
            chart(f"{PAGE}-util", figures.whatif_metric_bars(report, "utilisation:", lang)),
        ),
    ]
    return parts


def saved_options(saved: dict[str, str] | None) -> list[dict[str, str]]:
    """The saved scenarios as dropdown options."""
    return [{"label": name, "value": name} for name in sorted(saved or {})]


# -- predictions kept in the store for the Compare page's report ---------------------------
def keep_finished(job_id: str | None) -> str | None:
    """Keep a finished job's prediction in the store (analysis.whatif.kept), by the
    signed-in user, once: the same job keeps the same id. Its id, or None when the job has
    not finished well."""
    from dashboard.audit import record
    from dashboard.auth import current_user

    job = RUNNER.get(job_id)
    if job is None or job.state != "done":
        return None
    ident = prediction_key(job.id)
    user = current_user()
    with data.cursor() as con:
        new = not con.execute("SELECT 1 FROM predictions WHERE id = ?", [ident]).fetchone()
        if new:
            keep_prediction(con, job.result, made_by=user[0] if user else None, key=ident)
    if new:
        record("keep-prediction", ident, str(job.result["dataset"]))
    return ident


def prediction_choices(dataset: str | None, lang: str) -> list[dict[str, str]]:
    """The predictions kept for ``dataset`` (their models discovered from it), newest
    first, as dropdown options."""
    if not dataset:
        return []
    with data.cursor() as con:
        kept = kept_predictions(con, dataset)
    return [
        {
            "label": t(
                "whatif.kept_prediction",
                lang,
                scenario=p.scenario or t("whatif.as_is", lang),
                runs=p.runs,
                made=p.made_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
                ident=p.id,
                by=p.made_by or "–",
            ),
            "value": p.id,
        }
        for p in kept
    ]


def chosen_prediction(ident: str | None) -> dict[str, Any] | None:
    """The report of the kept prediction ``ident`` (None: none chosen, or no longer kept)."""
    if not ident:
        return None
    try:
        with data.cursor() as con:
            return kept_prediction(con, ident)
    except LoanFlowError:
        return None
