"""Bottlenecks: waiting against processing per activity and department, workload, WIP."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, html

from dashboard import data
from dashboard.components import page_frame
from dashboard.views.bottlenecks import PAGE, bottlenecks_body
from vocabulary import t

dash.register_page(
    __name__, path="/bottlenecks", order=3, label_key="nav.bottlenecks", title="LoanFlow"
)


def layout(**query: Any) -> html.Div:
    """The page for the view in the URL."""
    state = data.state_from_query(query)
    return page_frame(PAGE, t("bottlenecks.title", state.lang), state.to_query(), state.lang)


@callback(Output(f"{PAGE}-body", "children"), Input(f"{PAGE}-query", "data"))
def update_bottlenecks(query: str | None) -> list[Any]:
    """Fill the page for the view."""
    return bottlenecks_body(query)
