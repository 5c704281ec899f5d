"""The page for an address the dashboard does not have (served with HTTP status 404)."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import data
from vocabulary import t

PAGE = "not_found_404"

dash.register_page(__name__, path="/404", hidden=True, title="LoanFlow")


def layout(**query: Any) -> html.Div:
    """'Page not found' in the reader's language, with the way back to the Overview."""
    state = data.state_from_query(query)
    lang = state.lang
    return html.Div(
        [
            html.H3(t("notfound.title", lang), id=f"{PAGE}-title"),
            html.P(t("notfound.text", lang)),
            html.A(t("notfound.back", lang), href="/" + state.to_query(), id=f"{PAGE}-back"),
        ],
        className="lf-page-not-found",
    )
