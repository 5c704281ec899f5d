"""Admin: the accounts and the audit log (admins only; users are managed with the CLI)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, callback, html

from dashboard import data
from dashboard.components import page_frame
from dashboard.views.admin import ADMIN_OUTPUTS, PAGE, admin_body, admin_tables, denied, is_admin
from vocabulary import t

dash.register_page(
    __name__, path="/admin", order=99, label_key="nav.admin", title="LoanFlow", min_role="admin"
)


def layout(**query: Any) -> html.Div:
    """The page; a user who is not an admin sees a refusal and no data."""
    state = data.state_from_query(query)
    lang = state.lang
    body = admin_body(lang) if is_admin() else [html.Div(denied(lang), id=f"{PAGE}-denied")]
    return page_frame(PAGE, t("admin.title", lang), state.to_query(), lang, body=body)


@callback(
    output=ADMIN_OUTPUTS,
    inputs=[
        Input(f"{PAGE}-refresh", "n_clicks"),
        Input(f"{PAGE}-period", "value"),
        Input(f"{PAGE}-query", "data"),
        Input(f"{PAGE}-action", "value"),
        Input(f"{PAGE}-user", "value"),
    ],
)
def show_admin(
    _clicks: int | None,
    period: str | None,
    query: str | None,
    action: str | None,
    username: str | None,
) -> dict[str, Any]:
    """Fill the users and audit tables for the filters."""
    return admin_tables(query, period, action, username).outputs()
