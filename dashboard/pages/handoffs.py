"""Handoffs: the department matrix (count, median, total waiting), flows, ping-pong."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboard import data, figures
from dashboard.components import page_frame, radio
from dashboard.views.handoffs import PAGE, handoffs_body
from vocabulary import t

dash.register_page(__name__, path="/handoffs", order=2, label_key="nav.handoffs", title="LoanFlow")


def layout(**query: Any) -> html.Div:
    """The page for the view in the URL."""
    state = data.state_from_query(query)
    lang = state.lang
    measures = [(m, t(key, lang)) for m, key in figures.HANDOFF_MEASURES.items()]
    control = html.Div(
        [
            html.Span(t("handoffs.measure", lang) + ": ", className="me-2"),
            radio(f"{PAGE}-measure", measures, "total_wait_hours"),
        ],
        className="d-flex align-items-center",
    )
    return page_frame(PAGE, t("handoffs.title", lang), state.to_query(), lang, control)


@callback(
    Output(f"{PAGE}-body", "children"),
    Input(f"{PAGE}-query", "data"),
    Input(f"{PAGE}-measure", "value"),
)
def update_handoffs(query: str | None, measure: str | None) -> list[Any]:
    """Fill the page for the view and the chosen measure."""
    return handoffs_body(query, measure)
