"""Variants: the most frequent activity sequences with their share and cycle time."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboard import data
from dashboard.components import page_frame, radio
from dashboard.views.variants import PAGE, TOP_CHOICES, variants_body
from vocabulary import t

dash.register_page(__name__, path="/variants", order=4, label_key="nav.variants", title="LoanFlow")


def layout(**query: Any) -> html.Div:
    """The page for the view in the URL."""
    state = data.state_from_query(query)
    lang = state.lang
    control = html.Div(
        [
            html.Span(t("variants.top", lang) + ": ", className="me-2"),
            radio(f"{PAGE}-top", [(n, str(n)) for n in TOP_CHOICES], 10),
        ],
        className="d-flex align-items-center",
    )
    return page_frame(PAGE, t("variants.title", lang), state.to_query(), lang, control)


@callback(
    Output(f"{PAGE}-body", "children"),
    Input(f"{PAGE}-query", "data"),
    Input(f"{PAGE}-top", "value"),
)
def update_variants(query: str | None, top: int | None) -> list[Any]:
    """Fill the page for the view and the number of variants chosen."""
    return variants_body(query, top)
