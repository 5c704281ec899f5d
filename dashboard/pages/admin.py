"""Admin: the accounts and the audit log (admins only; users are managed with the CLI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from dashboard import data
from dashboard.auth import current_user
from dashboard.components import column, grid, page_header, section
from etl import accounts

PAGE = "admin"

dash.register_page(
    __name__, path="/admin", order=99, label_key="nav.admin", title="LoanFlow", min_role="admin"
)

_TEXT: dict[str, dict[str, str]] = {
    "title": {"en": "Administration", "zh-Hant": "系統管理", "zh-Hans": "系统管理"},
    "users": {"en": "Users", "zh-Hant": "用戶", "zh-Hans": "用户"},
    "audit": {"en": "Audit log", "zh-Hant": "稽核日誌", "zh-Hans": "审计日志"},
    "period": {"en": "Period", "zh-Hant": "期間", "zh-Hans": "期间"},
    "refresh": {"en": "Refresh", "zh-Hant": "重新整理", "zh-Hans": "刷新"},
    "denied": {
        "en": "This page is for admins only.",
        "zh-Hant": "此頁僅限管理員。",
        "zh-Hans": "此页仅限管理员。",
    },
    "manage": {
        "en": "Add, remove or change users with `loanflow users add|remove|role|passwd`.",
        "zh-Hant": "新增、刪除或修改用戶:`loanflow users add|remove|role|passwd`。",
        "zh-Hans": "添加、删除或修改用户:`loanflow users add|remove|role|passwd`。",
    },
    "username": {"en": "User", "zh-Hant": "用戶", "zh-Hans": "用户"},
    "role": {"en": "Role", "zh-Hant": "角色", "zh-Hans": "角色"},
    "created_at": {"en": "Created", "zh-Hant": "建立於", "zh-Hans": "创建于"},
    "password_set_at": {"en": "Password set", "zh-Hant": "密碼設定於", "zh-Hans": "密码设置于"},
    "disabled": {"en": "Disabled", "zh-Hant": "已停用", "zh-Hans": "已停用"},
    "ts": {"en": "Time (UTC)", "zh-Hant": "時間 (UTC)", "zh-Hans": "时间 (UTC)"},
    "action": {"en": "Action", "zh-Hant": "操作", "zh-Hans": "操作"},
    "target": {"en": "Target", "zh-Hant": "對象", "zh-Hans": "对象"},
    "detail": {"en": "Detail", "zh-Hant": "詳情", "zh-Hans": "详情"},
    "remote_addr": {"en": "Address", "zh-Hant": "位址", "zh-Hans": "地址"},
    "day": {"en": "Last 24 hours", "zh-Hant": "最近 24 小時", "zh-Hans": "最近 24 小时"},
    "week": {"en": "Last 7 days", "zh-Hant": "最近 7 天", "zh-Hans": "最近 7 天"},
    "month": {"en": "Last 30 days", "zh-Hant": "最近 30 天", "zh-Hans": "最近 30 天"},
    "all": {"en": "All", "zh-Hant": "全部", "zh-Hans": "全部"},
}
PERIODS = {"day": 1, "week": 7, "month": 30, "all": None}
AUDIT_ROWS = 5000


def text(key: str, lang: str) -> str:
    """A label of this page in ``lang`` (English when the language is unknown)."""
    entry = _TEXT[key]
    return entry.get(lang, entry["en"])


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
        return html.Div(dbc.Alert(text("denied", lang), color="warning", id=f"{PAGE}-denied"))
    period = dbc.Select(
        id=f"{PAGE}-period",
        options=[{"label": text(k, lang), "value": k} for k in PERIODS],
        value="week",
        size="sm",
        style={"width": "12rem"},
    )
    tools = [
        html.Div(
            [
                html.Label(text("period", lang), className="me-2 mb-0"),
                period,
                dbc.Button(
                    text("refresh", lang),
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
            page_header(text("title", lang), lang, PAGE),
            dcc.Store(id=f"{PAGE}-lang", data=lang),
            section(
                text("users", lang),
                html.P(text("manage", lang), className="small text-muted"),
                html.Div(id=f"{PAGE}-users"),
            ),
            section(text("audit", lang), html.Div(id=f"{PAGE}-audit"), tools=tools),
        ]
    )


def users_frame() -> pd.DataFrame:
    """Every account (never a password hash)."""
    with data.cursor() as con:
        found = accounts.list_users(con)
    rows = [u.to_json() for u in found]
    columns = ["username", "role", "created_at", "password_set_at", "disabled"]
    return pd.DataFrame(rows, columns=columns)


def audit_frame(period: str | None) -> pd.DataFrame:
    """The audit log for a period, newest first."""
    days = PERIODS.get(period or "week", 7)
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    with data.cursor() as con:
        entries = accounts.audit_entries(con, since=since, limit=AUDIT_ROWS)
    columns = ["ts", "username", "action", "target", "detail", "remote_addr"]
    return pd.DataFrame([e.to_json() for e in entries], columns=columns)


def _grid(component_id: str, frame: pd.DataFrame, lang: str) -> Any:
    columns = [column(name, text(name, lang)) for name in frame.columns]
    return grid(component_id, frame, columns, height=420)


@callback(
    Output(f"{PAGE}-users", "children"),
    Output(f"{PAGE}-audit", "children"),
    Input(f"{PAGE}-refresh", "n_clicks"),
    Input(f"{PAGE}-period", "value"),
    Input(f"{PAGE}-lang", "data"),
)
def show_admin(_clicks: int | None, period: str | None, lang: str | None) -> tuple[Any, Any]:
    """Fill the users and audit tables (checked again here: admins only)."""
    lang = lang or "en"
    if not is_admin():
        denied = dbc.Alert(text("denied", lang), color="warning")
        return denied, denied
    return (
        _grid(f"{PAGE}-users-grid", users_frame(), lang),
        _grid(f"{PAGE}-audit-grid", audit_frame(period), lang),
    )
