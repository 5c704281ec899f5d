"""The Bottlenecks page's content: waiting against processing, workload, work in progress."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd

from analysis.bottlenecks import bottleneck_tables, resource_workload
from analysis.trends import wip_over_time
from dashboard import data, figures
from dashboard.components import chart, column, empty_state, error_alert, grid, section
from dashboard.exports import export_tools, register_export
from etl.errors import LoanFlowError
from vocabulary import t

PAGE = "bottlenecks"
TOP_ACTIVITIES = 20


def bottleneck_table(query: str | None, which: str, *, full: bool = False) -> pd.DataFrame:
    """One of the page's tables (activities, departments, workload) for the view.

    The activity and department tables come from one pass over the instances. The page
    shows no working-time or workload medians, so they are computed only for a download
    (``full``)."""
    state = data.state_from_query(query)
    if not state.dataset:
        return pd.DataFrame()
    if which == "workload":
        return data.cached(
            "workload", resource_workload, state.dataset, state.filters(), median=full
        )
    activities, departments = data.cached(
        "bottlenecks", bottleneck_tables, state.dataset, state.filters(), working=full
    )
    return activities if which == "activities" else departments


ACTIVITY_EXPORT = register_export(
    f"{PAGE}-activities",
    lambda args: bottleneck_table(args.get("query"), "activities", full=True),
    "bottlenecks",
)
WORKLOAD_EXPORT = register_export(
    f"{PAGE}-workload",
    lambda args: bottleneck_table(args.get("query"), "workload", full=True),
    "workload",
)


def activity_columns(lang: str, with_activity: bool) -> list[dict[str, Any]]:
    """Columns of the activity (or department) table."""
    first = [column("activity", t("common.activity", lang))] if with_activity else []
    return [
        *first,
        column("department", t("common.department", lang)),
        column("instances", t("bottlenecks.instances", lang), number=",d"),
        column("median_wait_hours", t("bottlenecks.waiting", lang), number=",.1f"),
        column("median_processing_hours", t("bottlenecks.processing", lang), number=",.1f"),
        column("total_wait_hours", t("bottlenecks.total_wait", lang), number=",.0f"),
        column("share_of_cycle_time", t("bottlenecks.share", lang), number=".1%"),
    ]


def workload_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the resource workload table (processing hours are the resource's total)."""
    return [
        column("resource", t("common.resource", lang)),
        column("department", t("common.department", lang)),
        column("instances", t("bottlenecks.instances", lang), number=",d"),
        column("cases", t("variants.cases", lang), number=",d"),
        column("processing_hours", t("bottlenecks.total_processing", lang), number=",.1f"),
    ]


def bottlenecks_body(query: str | None) -> list[Any]:
    """Waiting vs processing per activity and department, workload and WIP."""
    state = data.state_from_query(query)
    lang = state.lang
    if not state.dataset:
        return empty_state(lang)
    filters = state.filters()
    data.prefetch(
        data.Call("bottlenecks", bottleneck_tables, state.dataset, filters, (("working", False),)),
        data.Call("workload", resource_workload, state.dataset, filters, (("median", False),)),
        data.Call("wip", wip_over_time, state.dataset, filters),
    )
    try:
        activities = bottleneck_table(query, "activities")
        departments = bottleneck_table(query, "departments")
        workload = bottleneck_table(query, "workload")
        wip = data.cached("wip", wip_over_time, state.dataset, state.filters())
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    labelled = (
        activities.head(TOP_ACTIVITIES).assign(
            label=lambda f: f["activity"] + " (" + f["department"].fillna("–") + ")"
        )
        if not activities.empty
        else activities
    )
    return [
        dbc.Row(
            [
                dbc.Col(
                    section(
                        t("bottlenecks.by_activity", lang),
                        chart(
                            f"{PAGE}-activities",
                            figures.wait_vs_processing(labelled, "label", lang),
                            520,
                        ),
                    ),
                    lg=7,
                ),
                dbc.Col(
                    section(
                        t("bottlenecks.by_department", lang),
                        chart(
                            f"{PAGE}-departments",
                            figures.wait_vs_processing(departments, "department", lang),
                            520,
                        ),
                    ),
                    lg=5,
                ),
            ]
        ),
        section(
            t("bottlenecks.by_activity", lang),
            grid(f"{PAGE}-grid", activities, activity_columns(lang, True)),
            tools=[export_tools(ACTIVITY_EXPORT, lang, {"query": query})],
        ),
        dbc.Row(
            [
                dbc.Col(
                    section(
                        t("bottlenecks.workload", lang),
                        chart(
                            f"{PAGE}-workload",
                            figures.workload_bars(
                                workload, lang, colours=data.dataset_colours(state.dataset)
                            ),
                            520,
                        ),
                        grid(f"{PAGE}-workload-grid", workload, workload_columns(lang), height=260),
                        tools=[export_tools(WORKLOAD_EXPORT, lang, {"query": query})],
                    ),
                    lg=6,
                ),
                dbc.Col(
                    section(
                        t("bottlenecks.wip", lang),
                        chart(f"{PAGE}-wip", figures.wip_figure(wip, lang)),
                    ),
                    lg=6,
                ),
            ]
        ),
    ]
