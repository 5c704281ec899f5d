"""Overview: the KPIs at a glance with their change, weekly trends, costly handoffs, SLA risk."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, html

from dashboard import data
from dashboard.components import page_frame
from dashboard.views.overview import HANDOFF_CAUSE, PAGE, overview_body
from dashboard.views.waits import handoff_main_causes
from vocabulary import t

dash.register_page(__name__, path="/", order=0, label_key="nav.overview", title="LoanFlow")


def layout(**query: Any) -> html.Div:
    """The page for the view in the URL (``query`` is its parsed query string)."""
    state = data.state_from_query(query)
    return page_frame(PAGE, t("overview.title", state.lang), state.to_query(), state.lang)


@callback(Output(f"{PAGE}-body", "children"), Input(f"{PAGE}-query", "data"))
def update_overview(query: str | None) -> list[Any]:
    """Fill the page for the view."""
    return overview_body(query)


@callback(
    Output({"type": HANDOFF_CAUSE, "index": ALL}, "children"),
    Input({"type": HANDOFF_CAUSE, "index": ALL}, "id"),
    State(f"{PAGE}-query", "data"),
)
def update_handoff_causes(ids: list[dict[str, str]], query: str | None) -> list[str]:
    """Each top handoff's main cause of waiting."""
    pairs = [tuple(i["index"].split("|", 1)) for i in ids]
    return handoff_main_causes(query, pairs)
