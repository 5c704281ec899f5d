"""Admin: the accounts and the audit log (admins only; users are managed with the CLI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

import accounts
from dashboard import data
from dashboard.auth import current_user
from dashboard.components import column, grid, page_header, section
from vocabulary import t

PAGE = "admin"

dash.register_page(
    __name__, path="/admin", order=99, label_key="nav.admin", title="LoanFlow", min_role="admin"
)

PERIODS = {"day": 1, "week": 7, "month": 30, "all": None}
AUDIT_ROWS = 5000
ALL_ACTIONS = "*"  # the action filter's "every action" choice


def is_admin() -> bool:
    """Whether the signed-in user is an admin (sign-in off: the local user is)."""
    from dashboard.audit import auth_enabled

    if not auth_enabled():
        return True
    user = current_user()
    return user is not None and accounts.has_role(user[1], "admin")


def layout(**query: Any) -> html.Div:
    """The page; a non-admin sees a refusal and no data."""
    lang = data.state_from_query(query).lang
    if not is_admin():
        return html.Div(dbc.Alert(t("admin.denied", lang), color="warning", id=f"{PAGE}-denied"))
    period = dbc.Select(
        id=f"{PAGE}-period",
        options=[{"label": t(f"admin.{k}", lang), "value": k} for k in PERIODS],
        value="week",
        size="sm",
        style={"width": "12rem"},
    )
    action = dbc.Select(
        id=f"{PAGE}-action",
        options=[{"label": t("admin.all_actions", lang), "value": ALL_ACTIONS}]
        + [{"label": a, "value": a} for a in audit_actions()],
        value=ALL_ACTIONS,
        size="sm",
        style={"width": "12rem"},
    )
    user = dbc.Input(
        id=f"{PAGE}-user",
        placeholder=t("admin.any_user", lang),
        size="sm",
        debounce=True,
        style={"width": "10rem"},
    )
    tools = [
        html.Div(
            [
                html.Label(t("admin.period", lang), className="me-2 mb-0"),
                period,
                html.Label(t("admin.action", lang), className="ms-3 me-2 mb-0"),
                action,
                html.Label(t("admin.username", lang), className="ms-3 me-2 mb-0"),
                user,
                dbc.Button(
                    t("admin.refresh", lang),
                    id=f"{PAGE}-refresh",
                    size="sm",
                    color="secondary",
                    outline=True,
                    className="ms-2",
                ),
            ],
            className="d-flex align-items-center",
        )
    ]
    return html.Div(
        [
            page_header(t("admin.title", lang), lang, PAGE),
            dcc.Store(id=f"{PAGE}-lang", data=lang),
            section(
                t("admin.users", lang),
                html.P(
                    [
                        t("admin.manage", lang),
                        " ",
                        html.Code("loanflow users add | remove | role | passwd"),
                    ],
                    className="small text-muted",
                ),
                html.Div(id=f"{PAGE}-users"),
            ),
            section(t("admin.audit", lang), html.Div(id=f"{PAGE}-audit"), tools=tools),
        ]
    )


def users_frame() -> pd.DataFrame:
    """Every account (never a password hash)."""
    with data.cursor() as con:
        found = accounts.list_users(con)
    rows = [u.to_json() for u in found]
    columns = ["username", "role", "created_at", "password_set_at", "disabled"]
    return pd.DataFrame(rows, columns=columns)


def audit_actions() -> list[str]:
    """The actions the audit log holds (the action filter's choices)."""
    with data.cursor() as con:
        return accounts.audit_actions(con)


def audit_frame(
    period: str | None, action: str | None = None, username: str | None = None
) -> pd.DataFrame:
    """The audit log for a period, of one action and one user when given, newest first.

    A refusal repeated by one client is one row; ``repeats`` says how many times, the last
    at ``last_ts``.
    """
    days = PERIODS.get(period or "week", 7)
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    with data.cursor() as con:
        entries = accounts.audit_entries(
            con,
            since=since,
            limit=AUDIT_ROWS,
            action=action if action and action != ALL_ACTIONS else None,
            username=(username or "").strip() or None,
        )
    columns = ["ts", "username", "action", "target", "detail", "remote_addr", "repeats", "last_ts"]
    return pd.DataFrame([e.to_json() for e in entries], columns=columns)


def _grid(component_id: str, frame: pd.DataFrame, lang: str) -> Any:
    columns = [column(name, t(f"admin.{name}", lang)) for name in frame.columns]
    return grid(component_id, frame, columns, height=420)


@callback(
    Output(f"{PAGE}-users", "children"),
    Output(f"{PAGE}-audit", "children"),
    Input(f"{PAGE}-refresh", "n_clicks"),
    Input(f"{PAGE}-period", "value"),
    Input(f"{PAGE}-lang", "data"),
    Input(f"{PAGE}-action", "value"),
    Input(f"{PAGE}-user", "value"),
)
def show_admin(
    _clicks: int | None,
    period: str | None,
    lang: str | None,
    action: str | None = None,
    username: str | None = None,
) -> tuple[Any, Any]:
    """Fill the users and audit tables (checked again here: admins only)."""
    lang = lang or "en"
    if not is_admin():
        denied = dbc.Alert(t("admin.denied", lang), color="warning")
        return denied, denied
    return (
        _grid(f"{PAGE}-users-grid", users_frame(), lang),
        _grid(f"{PAGE}-audit-grid", audit_frame(period, action, username), lang),
    )
