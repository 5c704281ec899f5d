"""The Compare page's content: before against after, built on analysis.compare and the
report's charts and rows (the same numbers as ``loanflow compare`` and its HTML report)."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from analysis.compare import Comparison, compare, compare_split
from analysis.compare.comparison import split_filters
from analysis.filters import Filters
from analysis.whatif.whatif import check_prediction, with_actual
from dashboard import data
from dashboard.components import (
    chart,
    column,
    error_alert,
    grid,
    info,
    section,
)
from dashboard.exports import export_tools, register_export, shown_rows, shown_table_tools
from dashboard.views.waits import cached_cause_changes, cause_change_section
from etl.errors import LoanFlowError
from report import charts
from report.build import (
    build_report,
    guardrail_rows,
    metric_rows,
    note_sentence,
    path_rows,
    summary_sentences,
)
from vocabulary import t

PAGE = "compare"


def run_comparison(
    query: str | None, mode: str | None, before: str | None, after: str | None, split_at: str | None
) -> Comparison | None:
    """The comparison the controls ask for, under the view's filters (cached)."""
    state = data.state_from_query(query)
    filters = state.filters()
    if mode == "split":
        if not before or not split_at:
            return None
        day = date.fromisoformat(split_at[:10])
        key = (
            "compare-split", before, day.isoformat(), filters.cache_key(),
            data.computed_where(before),
        )  # fmt: skip

        def split() -> Comparison:
            if data.on_lake():
                from analysis.lake.compare import compare_split as lake_split

                return lake_split(data.lake_run_for(before), day, filters)
            with data.cursor() as con:
                return compare_split(con, before, day, filters)

        return data.CACHE.get_or_compute(key, split)
    if not before or not after:
        return None
    pair = (
        "compare", before, after, filters.cache_key(),
        data.computed_where(before), data.computed_where(after),
    )  # fmt: skip

    def two() -> Comparison:
        if data.on_lake():
            from analysis.lake.compare import compare as lake_compare

            runs = data.lake_run_for(before), data.lake_run_for(after)
            return lake_compare((runs[0], filters), (runs[1], filters))
        with data.cursor() as con:
            return compare(con, (before, filters), (after, filters))

    return data.CACHE.get_or_compute(pair, two)


def with_actual_figures(prediction: dict[str, Any], after: str) -> dict[str, Any]:
    """The prediction with what happened in ``after`` (measured on the lake under the
    spark engine, :func:`analysis.lake.compare.actual_metrics`)."""
    if data.on_lake():
        from analysis.lake.compare import actual_metrics
        from analysis.whatif.whatif import with_actual_metrics

        return with_actual_metrics(prediction, after, actual_metrics(data.lake_run_for(after)))
    with data.cursor() as con:
        return with_actual(prediction, con, after)


def metrics_table(comparison: Comparison, lang: str) -> pd.DataFrame:
    """The metric rows of the comparison, as a table."""
    rows = metric_rows(comparison, lang)
    return pd.DataFrame(rows).drop(columns=["tone", "key"], errors="ignore")


def metric_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the metrics table."""
    return [
        column("name", t("compare.metric", lang), flex=2, wrapText=True, autoHeight=True),
        column("before", t("compare.before", lang)),
        column("after", t("compare.after", lang)),
        column("change", t("compare.change", lang)),
        column("interval", t("compare.ci95", lang), flex=2),
        column("p_adjusted", t("compare.p_value", lang)),
        column("significant", t("compare.significant", lang)),
    ]


def path_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the map-difference and handoff-difference tables."""
    return [
        column("from", t("common.from", lang)),
        column("to", t("common.to", lang)),
        column("status", t("compare.status", lang)),
        column("cases", t("variants.cases", lang)),
        column("wait", t("handoffs.median", lang)),
        column("p", "p"),
    ]


def compare_body(
    query: str | None, mode: str | None, before: str | None, after: str | None, split_at: str | None
) -> list[Any]:
    """Summary, KPI deltas, ECDF, map and handoff differences, guardrails."""
    lang = data.state_from_query(query).lang
    try:
        comparison = run_comparison(query, mode, before, after, split_at)
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    if comparison is None:
        return [info(t("compare.need_two", lang))]
    guard = comparison.guardrails
    guard_banner = dbc.Alert(
        [html.P(note_sentence(r, lang), className="mb-0") for r in guard.reasons]
        or [html.P(note_sentence(n, lang), className="mb-0") for n in guard.notes],
        color="danger" if guard.weakened else "success",
    )
    guard_table = pd.DataFrame(guardrail_rows(comparison, lang)).drop(
        columns=["tone", "key"], errors="ignore"
    )
    edges = pd.DataFrame(path_rows(comparison.edges, lang)).drop(columns=["tone"], errors="ignore")
    handoffs = pd.DataFrame(path_rows(comparison.handoffs, lang)).drop(
        columns=["tone"], errors="ignore"
    )
    return [
        section(
            t("compare.summary", lang), *[html.P(s) for s in summary_sentences(comparison, lang)]
        ),
        section(
            t("compare.metric", lang),
            grid(
                f"{PAGE}-metrics", metrics_table(comparison, lang), metric_columns(lang), height=420
            ),
            chart(f"{PAGE}-forest", charts.forest_figure(comparison, lang), 420),
            tools=[
                export_tools(
                    METRICS_EXPORT,
                    lang,
                    {
                        "query": query,
                        "mode": mode,
                        "before": before,
                        "after": after,
                        "split": split_at,
                    },
                )
            ],
        ),
        section(
            t("compare.ecdf", lang),
            chart(f"{PAGE}-ecdf", charts.ecdf_figure(comparison, lang), 400),
        ),
        section(
            t("compare.guardrails", lang),
            guard_banner,
            grid(GUARDRAILS_EXPORT, guard_table, metric_columns(lang), height=240),
            tools=[shown_table_tools(GUARDRAILS_EXPORT, lang, guard_table)],
        ),
        section(
            t("compare.map_diff", lang),
            grid(EDGES_EXPORT, edges, path_columns(lang), height=320),
            tools=[shown_table_tools(EDGES_EXPORT, lang, edges)],
        ),
        section(
            t("handoffs.title", lang),
            chart(
                f"{PAGE}-handoffs-delta",
                charts.handoff_delta_figure(comparison, lang, "per_case"),
                420,
            )
            if comparison.handoffs
            else info(t("common.no_data", lang)),
            grid(HANDOFFS_EXPORT, handoffs, path_columns(lang), height=280),
            tools=[shown_table_tools(HANDOFFS_EXPORT, lang, handoffs)],
        ),
        *_cause_changes(query, mode, before, after, split_at, lang),
    ]


def _cause_changes(
    query: str | None,
    mode: str | None,
    before: str | None,
    after: str | None,
    split_at: str | None,
    lang: str,
) -> list[Any]:
    """How each handoff's causes of waiting changed (the two datasets, or one split)."""
    sides = _selections(query, mode, before, after, split_at)
    return [cause_change_section(*sides, lang)] if sides else []


def _selections(
    query: str | None, mode: str | None, before: str | None, after: str | None, split_at: str | None
) -> tuple[tuple[str, Filters], tuple[str, Filters]] | None:
    """The comparison's two selections (dataset, filters): two datasets, or one split at a
    go-live date as the comparison splits it; None when the controls name no comparison."""
    filters = data.state_from_query(query).filters()
    if mode == "split" and before and split_at:
        try:
            until, since = split_filters(filters, date.fromisoformat(split_at[:10]))
        except LoanFlowError:
            return None  # the comparison itself says why
        return (before, until), (before, since)
    if before and after:
        return (before, filters), (after, filters)
    return None


def compare_intro(query: str | None) -> list[Any]:
    """What the page says before Compare is pressed."""
    return [info(t("compare.press_run", data.state_from_query(query).lang))]


def report_html(
    query: str | None,
    mode: str | None,
    before: str | None,
    after: str | None,
    split_at: str | None,
    prediction: dict[str, Any] | None = None,
) -> str | None:
    """The self-contained HTML report of the comparison, in the reader's language; with a
    what-if ``prediction`` of the before dataset (two datasets compared), its "prediction"
    section, checked against the after dataset as ``loanflow compare --prediction`` does."""
    comparison = run_comparison(query, mode, before, after, split_at)
    if comparison is None:
        return None
    sides = _selections(query, mode, before, after, split_at)
    try:
        changes = cached_cause_changes(*sides) if sides else None
    except LoanFlowError:
        changes = None  # the report without the section; the page says why
    checked = None
    if prediction is not None and mode != "split" and after:
        try:
            checked = with_actual_figures(check_prediction(prediction, "the prediction"), after)
        except LoanFlowError:
            checked = None  # a prediction the browser kept that no longer fits: left out
    return build_report(
        comparison,
        data.state_from_query(query).lang,
        prediction=checked,
        cause_changes=changes,
    )


def metrics_csv_frame(
    query: str | None, mode: str | None, before: str | None, after: str | None, split_at: str | None
) -> pd.DataFrame:
    """Every metric with its raw figures (for CSV)."""
    comparison = run_comparison(query, mode, before, after, split_at)
    if comparison is None:
        return pd.DataFrame()
    return pd.DataFrame([m.to_json() for m in comparison.metrics])


METRICS_EXPORT = register_export(
    f"{PAGE}-metrics-table",
    lambda args: metrics_csv_frame(
        args.get("query"),
        args.get("mode"),
        args.get("before"),
        args.get("after"),
        args.get("split"),
    ),
    "comparison",
)
GUARDRAILS_EXPORT = register_export(f"{PAGE}-guardrails", shown_rows)
EDGES_EXPORT = register_export(f"{PAGE}-edges", shown_rows)
HANDOFFS_EXPORT = register_export(f"{PAGE}-handoffs", shown_rows)
