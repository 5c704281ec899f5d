"""Cases: every selected case in a server-side paged table, and one case's timeline."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, html

from dashboard import data
from dashboard.components import (
    DEFAULT_COLUMN,
    GRID_LOCALE,
    chart,
    page_frame,
    section,
)
from dashboard.exports import export_tools
from dashboard.views.cases import CASES_EXPORT, PAGE, case_timeline, rows_page, table_columns
from vocabulary import t

dash.register_page(__name__, path="/cases", order=5, label_key="nav.cases", title="LoanFlow")


def layout(**query: Any) -> html.Div:
    """The page for the view in the URL."""
    state = data.state_from_query(query)
    lang = state.lang
    grid = dag.AgGrid(
        id=f"{PAGE}-grid",
        columnDefs=table_columns(lang, data.dataset_time_zone(state.dataset)),
        defaultColDef={**DEFAULT_COLUMN, "filter": False},
        rowModelType="infinite",
        dashGridOptions={
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            "cacheBlockSize": 100,
            "maxBlocksInCache": 20,
            "pagination": True,
            "paginationPageSize": 50,
            **GRID_LOCALE,
        },
        style={"height": "520px"},
        className="ag-theme-alpine",
    )
    query_string = state.to_query()
    body = [
        section(
            t("cases.title", lang),
            grid,
            tools=[export_tools(CASES_EXPORT, lang, {"query": query_string})],
        ),
        section(
            t("cases.timeline_title", lang),
            chart(f"{PAGE}-timeline", case_timeline(query_string, None), 480),
        ),
    ]
    return page_frame(PAGE, t("cases.title", lang), query_string, lang, body=body)


@callback(
    Output(f"{PAGE}-grid", "getRowsResponse"),
    Input(f"{PAGE}-grid", "getRowsRequest"),
    State(f"{PAGE}-query", "data"),
)
def get_rows(request: dict[str, Any] | None, query: str | None) -> dict[str, Any]:
    """Serve one block of rows, sorted as the grid asks."""
    return rows_page(query, request)


@callback(
    Output(f"{PAGE}-timeline", "figure"),
    Input(f"{PAGE}-grid", "selectedRows"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def show_timeline(rows: list[dict[str, Any]] | None, query: str | None) -> Any:
    """Draw the selected case's timeline."""
    case_id = str(rows[0]["case_id"]) if rows else None
    return case_timeline(query, case_id)
