"""Why waiting: each wait split into batching, contention, prioritization, unavailability
and extraneous, per handoff or activity, with the remedy each points to."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import data
from dashboard.components import page_frame, radio, section
from dashboard.views.waits import PAGE, case_body, waits_body
from vocabulary import t

dash.register_page(__name__, path="/waits", order=3.5, label_key="nav.waits", title="LoanFlow")


def layout(**query: Any) -> html.Div:
    """The page for the view in the URL."""
    state = data.state_from_query(query)
    lang = state.lang
    by = [("handoffs", t("waits.by_handoff", lang)), ("activities", t("waits.by_activity", lang))]
    units = [("hours", t("waits.hours", lang)), ("share", t("waits.share", lang))]
    control = html.Div(
        [
            html.Span(t("waits.by", lang) + ": ", className="me-2"),
            radio(f"{PAGE}-by", by, "handoffs"),
            html.Span(t("waits.unit", lang) + ": ", className="ms-4 me-2"),
            radio(f"{PAGE}-unit", units, "hours"),
        ],
        className="d-flex align-items-center",
    )
    case = section(
        t("waits.case", lang),
        dcc.Input(
            id=f"{PAGE}-case-id",
            placeholder=t("waits.case_id", lang),
            debounce=True,
            className="form-control mb-2",
            style={"maxWidth": "20rem"},
        ),
        html.Div(id=f"{PAGE}-case"),
    )
    return page_frame(PAGE, t("waits.title", lang), state.to_query(), lang, control, after=[case])


@callback(
    Output(f"{PAGE}-body", "children"),
    Input(f"{PAGE}-query", "data"),
    Input(f"{PAGE}-by", "value"),
    Input(f"{PAGE}-unit", "value"),
)
def update_waits(query: str | None, by: str | None, unit: str | None) -> list[Any]:
    """Fill the page for the view and the chosen grouping and unit."""
    return waits_body(query, by, unit)


@callback(
    Output(f"{PAGE}-case", "children"),
    Input(f"{PAGE}-case-id", "value"),
    State(f"{PAGE}-query", "data"),
)
def update_case(case_id: str | None, query: str | None) -> Any:
    """One case's waits by cause."""
    return case_body(query, case_id)
