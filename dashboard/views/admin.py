"""The Admin page's content: the accounts and the audit log (admins only; users are managed
with the command line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Output, html

import accounts
from dashboard import data
from dashboard.auth import current_user
from dashboard.components import column, grid, section
from dashboard.views.audit_details import shown_detail
from vocabulary import audit_action_label, role_label, t

PAGE = "admin"
PERIODS = {"day": 1, "week": 7, "month": 30, "all": None}
AUDIT_ROWS = 5000
ALL_ACTIONS = "*"  # the action filter's "every action" choice
USER_COLUMNS = ["username", "role", "created_at", "password_set_at", "disabled"]
AUDIT_COLUMNS = [
    "ts", "username", "action", "target", "detail", "remote_addr", "repeats", "last_ts",
]  # fmt: skip


def is_admin() -> bool:
    """Whether the signed-in user is an admin (sign-in off: the local user is)."""
    from dashboard.audit import auth_enabled

    if not auth_enabled():
        return True
    user = current_user()
    return user is not None and accounts.has_role(user[1], "admin")


def denied(lang: str) -> dbc.Alert:
    """What a user who is not an admin sees instead of the page's data."""
    return dbc.Alert(t("admin.denied", lang), color="warning")


def _utc_seconds(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The time columns written in UTC to the second (2026-12-02 17:21:34), not as ISO text
    with microseconds and an offset; still sorting as time."""
    for name in columns:
        times = pd.to_datetime(frame[name], utc=True)
        frame[name] = [t.strftime("%Y-%m-%d %H:%M:%S") if pd.notna(t) else None for t in times]
    return frame


def users_frame() -> pd.DataFrame:
    """Every account (never a password hash)."""
    with data.cursor() as con:
        found = accounts.list_users(con)
    frame = pd.DataFrame([u.to_json() for u in found], columns=USER_COLUMNS)
    return _utc_seconds(frame, ("created_at", "password_set_at"))


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
    frame = pd.DataFrame([e.to_json() for e in entries], columns=AUDIT_COLUMNS)
    return _utc_seconds(frame, ("ts", "last_ts"))


def shown_users(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The accounts as the page shows them: each role by its name in ``lang``."""
    return frame.assign(role=[role_label(str(r), lang) for r in frame["role"]])


def shown_audit(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The audit rows as the page shows them: actions and details in ``lang``
    (:mod:`dashboard.views.audit_details`; the action filter still works on the stored
    codes)."""
    details = pd.Series(
        [
            shown_detail(str(a), d, lang)
            for a, d in zip(frame["action"], frame["detail"], strict=True)
        ],
        index=frame.index,
        dtype=object,
    )
    actions = [audit_action_label(str(a), lang) for a in frame["action"]]
    return frame.assign(action=actions, detail=details)


def _select(name: str, options: list[dict[str, str]], value: str) -> dbc.Select:
    return dbc.Select(
        id=f"{PAGE}-{name}", options=options, value=value, size="sm", style={"width": "12rem"}
    )


def audit_filters(lang: str) -> html.Div:
    """The audit log's filters: period, action, user, and a Refresh button."""
    periods = [{"label": t(f"admin.{k}", lang), "value": k} for k in PERIODS]
    actions = [{"label": t("admin.all_actions", lang), "value": ALL_ACTIONS}]
    actions += [{"label": audit_action_label(a, lang), "value": a} for a in audit_actions()]
    user = dbc.Input(
        id=f"{PAGE}-user",
        placeholder=t("admin.any_user", lang),
        size="sm",
        debounce=True,
        style={"width": "10rem"},
    )
    refresh = dbc.Button(
        t("admin.refresh", lang),
        id=f"{PAGE}-refresh",
        size="sm",
        color="secondary",
        outline=True,
        className="ms-2",
    )
    return html.Div(
        [
            html.Label(t("admin.period", lang), className="me-2 mb-0"),
            _select("period", periods, "week"),
            html.Label(t("admin.action", lang), className="ms-3 me-2 mb-0"),
            _select("action", actions, ALL_ACTIONS),
            html.Label(t("admin.username", lang), className="ms-3 me-2 mb-0"),
            user,
            refresh,
        ],
        className="d-flex align-items-center",
    )


def admin_body(lang: str) -> list[Any]:
    """The page's sections, drawn at once: the users (how to manage them, the table) and
    the audit log with its filters; :func:`admin_tables` fills both tables."""
    manage = html.P(
        [t("admin.manage", lang), " ", html.Code("loanflow users add | remove | role | passwd")],
        className="small text-muted",
    )
    return [
        section(t("admin.users", lang), manage, html.Div(id=f"{PAGE}-users")),
        section(t("admin.audit", lang), html.Div(id=f"{PAGE}-audit"), tools=[audit_filters(lang)]),
    ]


# The callback's outputs by name (:meth:`AdminTables.outputs`).
ADMIN_OUTPUTS: dict[str, Output] = {
    "users": Output(f"{PAGE}-users", "children"),
    "audit": Output(f"{PAGE}-audit", "children"),
}


@dataclass(frozen=True)
class AdminTables:
    """What fills the page: the users table and the audit log's."""

    users: Any
    audit: Any

    def outputs(self) -> dict[str, Any]:
        """The callback's outputs by name, as :data:`ADMIN_OUTPUTS`."""
        return {"users": self.users, "audit": self.audit}


# Widths relative to the others: an action's and a detail's words need room, counts little.
COLUMN_FLEX = {"action": 1.6, "target": 1.4, "detail": 2.4, "repeats": 0.6, "disabled": 0.7}


def _grid(component_id: str, frame: pd.DataFrame, lang: str) -> Any:
    """The table, as tall as its rows (a few accounts leave no empty box), 420 px at most."""
    columns = [
        column(name, t(f"admin.{name}", lang), flex=COLUMN_FLEX.get(name, 1))
        for name in frame.columns
    ]
    return grid(component_id, frame, columns, height=min(420, 100 + 42 * len(frame)))


def admin_tables(
    query: str | None, period: str | None, action: str | None, username: str | None
) -> AdminTables:
    """The users and the audit log under the filters (checked again here: admins only)."""
    lang = data.state_from_query(query).lang
    if not is_admin():
        return AdminTables(denied(lang), denied(lang))
    return AdminTables(
        users=_grid(f"{PAGE}-users-grid", shown_users(users_frame(), lang), lang),
        audit=_grid(
            f"{PAGE}-audit-grid", shown_audit(audit_frame(period, action, username), lang), lang
        ),
    )
