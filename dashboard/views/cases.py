"""The Cases page's work: a server-side paged and sorted case table, and one case's timeline."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analysis.case_metrics import case_metrics, case_page
from analysis.dataset_facts import DatasetTimeZone
from dashboard import data, figures
from dashboard.components import column
from dashboard.exports import register_export
from vocabulary import outcome_label, t

PAGE = "cases"
TABLE_COLUMNS = (
    "case_id",
    "outcome",
    "first_ts",
    "last_ts",
    "cycle_time_hours",
    "cycle_time_working_hours",
    "instances",
    "handoffs",
    "rework",
    "pingpong",
    "sla_met",
    "amount",
    "product",
)


def case_table(query: str | None) -> pd.DataFrame:
    """One row per selected case (cached by view; one row per case, not per event)."""
    state = data.state_from_query(query)
    if not state.dataset:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    frame = data.cached("case_metrics", case_metrics, state.dataset, state.filters())
    return frame.loc[:, list(TABLE_COLUMNS)]


TIME_COLUMNS = ("first_ts", "last_ts")


def shown_case_rows(
    frame: pd.DataFrame, lang: str, zone: DatasetTimeZone | None = None
) -> list[dict[str, Any]]:
    """Case rows as a table shows them: first and last timestamps to the minute in the
    dataset's time zone (``zone``; UTC when not given), the outcome in the reader's
    language (sorting stays by the stored value)."""
    if frame.empty:
        return []
    out = frame.copy()
    for name in TIME_COLUMNS:
        if name in out:
            local = figures.wall_clock(out[name], zone).dt.strftime("%Y-%m-%d %H:%M")
            out[name] = local.to_numpy()
    if "outcome" in out:
        out["outcome"] = out["outcome"].map(lambda o: outcome_label(str(o), lang))
    records: list[dict[str, Any]] = json.loads(out.to_json(orient="records", force_ascii=False))
    return records


def rows_page(query: str | None, request: dict[str, Any] | None) -> dict[str, Any]:
    """The AG Grid infinite-model answer: the requested rows, sorted, and the row count.

    Sorting and paging happen in DuckDB: only the block asked for is fetched."""
    state = data.state_from_query(query)
    if not state.dataset:
        return {"rowData": [], "rowCount": 0}
    request = request or {}
    order = tuple(
        (str(spec.get("colId")), spec.get("sort") == "desc")
        for spec in request.get("sortModel") or []
        if spec.get("colId") in TABLE_COLUMNS
    )
    start = max(0, int(request.get("startRow") or 0))
    end = max(start, int(request.get("endRow") or start + 100))
    frame, total = data.cached(
        "case_page",
        case_page,
        state.dataset,
        state.filters(),
        order=order,
        offset=start,
        limit=end - start,
    )
    zone = data.dataset_time_zone(state.dataset)
    shown = shown_case_rows(frame.loc[:, list(TABLE_COLUMNS)], state.lang, zone)
    return {"rowData": shown, "rowCount": total}


def time_header(key: str, lang: str, zone: DatasetTimeZone | None) -> str:
    """A time column's header with the zone its times are in: Started (UTC+8)."""
    label = (zone or figures.UTC_ZONE).label
    return t("common.in_zone", lang, label=t(key, lang), zone=label)


def table_columns(lang: str, zone: DatasetTimeZone | None = None) -> list[dict[str, Any]]:
    """The case table's columns (sorting happens on the server); the times' headers name
    the dataset's time zone."""
    return [
        column("case_id", t("common.case_id", lang), filter=False),
        column("outcome", t("cases.col.outcome", lang), filter=False),
        column("first_ts", time_header("cases.col.first_ts", lang, zone), filter=False),
        column("last_ts", time_header("cases.col.last_ts", lang, zone), filter=False),
        column("cycle_time_hours", t("cases.col.cycle", lang), number=",.1f", filter=False),
        column(
            "cycle_time_working_hours",
            t("cases.col.cycle_working", lang),
            number=",.1f",
            filter=False,
        ),
        column("instances", t("cases.col.instances", lang), number=",d", filter=False),
        column("handoffs", t("cases.col.handoffs", lang), number=",d", filter=False),
        column("rework", t("cases.col.rework", lang), filter=False),
        column("pingpong", t("cases.col.pingpong", lang), filter=False),
        column("sla_met", t("cases.col.sla_met", lang), filter=False),
        column("amount", t("cases.col.amount", lang), number=",.0f", filter=False),
        column("product", t("cases.col.product", lang), filter=False),
    ]


def case_timeline(query: str | None, case_id: str | None) -> go.Figure:
    """One case's activity instances as a Gantt chart by department."""
    state = data.state_from_query(query)
    if not state.dataset or not case_id:
        return figures.empty_figure(t("cases.pick", state.lang))
    instances = data.case_instances(state.dataset, case_id)
    colours, zone = data.dataset_colours(state.dataset), data.dataset_time_zone(state.dataset)
    fig = figures.case_gantt(instances, state.lang, colours, zone)
    fig.update_layout(title={"text": t("cases.timeline", state.lang, case=case_id)})
    return fig


def export_table(query: str | None) -> pd.DataFrame:
    """The whole case table of the view, for download."""
    return case_table(query)


CASES_EXPORT = register_export(f"{PAGE}-all", lambda args: export_table(args.get("query")), "cases")
