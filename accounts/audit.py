"""The audit log: who did what, when, from which address, kept in the store.

Refusals repeat: a client hammering the sign-in form, or a user clicking a button above
their role, would otherwise write a row per request and push every real upload, load and
delete out of view. So repeated refusals are one row with a repeat count
(:data:`AGGREGATED`): a failed sign-in is counted on the row of the same name and address
within the sign-in window, a refused sign-in on the row of the same address within a
minute, a refused request on the row of the same user, path and address within a minute.
A client that has not signed in can thus write at most as many rows as the sign-in limits
allow, whatever it sends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from etl.sqltext import inline

# Every action the audit log is written with, by the dashboard and the command line (each
# has a name in every language in vocabulary/messages/access.py, ``audit.<action>``).
ACTIONS: tuple[str, ...] = (
    "sign-in", "sign-in-failure", "sign-in-refused", "sign-out", "refused",
    "upload", "load", "delete", "export",
    "user-add", "user-remove", "user-password", "user-role", "user-disable", "user-enable",
    "user-signout", "keep-prediction",
)  # fmt: skip
# action -> (the columns a repeat must share, the window in seconds; None: sign-in window)
AGGREGATED: dict[str, tuple[tuple[str, ...], int | None]] = {
    "sign-in-failure": (("username", "remote_addr"), None),
    "sign-in-refused": (("remote_addr",), 60),
    "refused": (("username", "target", "remote_addr"), 60),
}
_WRITING = threading.Lock()
_COLUMNS = "id, ts, username, action, target, detail, remote_addr, coalesce(repeats, 1), last_ts"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log (``repeats`` times the same refusal, the last at ``last_ts``)."""

    id: int
    ts: datetime
    username: str | None
    action: str
    target: str | None
    detail: str | None
    remote_addr: str | None
    repeats: int = 1
    last_ts: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields for ``loanflow audit --json``."""
        return {
            "id": self.id,
            "ts": self.ts.isoformat(),
            "username": self.username,
            "action": self.action,
            "target": self.target,
            "detail": self.detail,
            "remote_addr": self.remote_addr,
            "repeats": self.repeats,
            "last_ts": self.last_ts.isoformat() if self.last_ts else None,
        }


def audit(
    con: duckdb.DuckDBPyConnection,
    user: str | None,
    action: str,
    target: str | None,
    detail: str = "",
    *,
    remote_addr: str | None = None,
    window_seconds: int = 300,
) -> None:
    """Write one line to the audit log: ``user`` did ``action`` to ``target``.

    A refusal (:data:`AGGREGATED`) that repeats one already written within its window adds
    to that row's count instead. ``window_seconds`` is the sign-in window.
    """
    values = {"username": user, "target": target, "remote_addr": remote_addr}
    with _WRITING:  # one writer at a time: two counts on one row would conflict
        for attempt in range(3):
            try:
                if action in AGGREGATED and _add_repeat(con, action, values, window_seconds):
                    return
                break
            except duckdb.TransactionException:  # another process counted on it meanwhile
                if attempt == 2:
                    break
        insert = (
            "INSERT INTO audit_log (username, action, target, detail, remote_addr) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        row: list[object] = [user, action, target, detail or None, remote_addr]
        try:
            # Values as literals: a parameter makes DuckDB's client import pandas (0.5-0.7
            # CPU s), which a command writing one audit line (``loanflow ingest``) never
            # needs. Text holding a NUL cannot be a literal; it goes as a parameter.
            sql = inline(insert, row)
        except ValueError:
            con.execute(insert, row)
        else:
            con.execute(sql)


def _add_repeat(
    con: duckdb.DuckDBPyConnection, action: str, values: dict[str, Any], window: int
) -> bool:
    """Count a repeated refusal on its row; False when there is no row to count it on."""
    keys, seconds = AGGREGATED[action]
    same = " AND ".join(f"{k} IS NOT DISTINCT FROM ?" for k in keys)
    row = con.execute(
        f"SELECT max(id) FROM audit_log WHERE action = ? AND {same}"
        " AND ts >= now() - to_seconds(CAST(? AS BIGINT))",
        [action, *(values[k] for k in keys), seconds or window],
    ).fetchone()
    if row is None or row[0] is None:
        return False
    con.execute(
        "UPDATE audit_log SET repeats = coalesce(repeats, 1) + 1, last_ts = now() WHERE id = ?",
        [row[0]],
    )
    return True


def audit_entries(
    con: duckdb.DuckDBPyConnection,
    since: datetime | None = None,
    limit: int = 1000,
    *,
    username: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """The newest audit entries first, optionally since a time, by a user or of an action."""
    clauses: list[str] = []
    params: list[Any] = []
    if since is not None:
        clauses.append("coalesce(last_ts, ts) >= ?")
        params.append(since)
    if username is not None:
        clauses.append("username = ?")
        params.append(username)
    if action is not None:
        clauses.append("action = ?")
        params.append(action)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM audit_log {where} ORDER BY ts DESC, id DESC LIMIT ?",
        [*params, int(limit)],
    ).fetchall()
    return [AuditEntry(*row) for row in rows]


def audit_actions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The actions the audit log holds, sorted (for the Admin page's filter)."""
    rows = con.execute("SELECT DISTINCT action FROM audit_log ORDER BY action").fetchall()
    return [str(r[0]) for r in rows]


def recent_failures(
    con: duckdb.DuckDBPyConnection,
    *,
    username: str | None = None,
    remote_addr: str | None = None,
    seconds: int,
) -> int:
    """Sign-in failures in the last ``seconds`` for a user name or a client address."""
    column, value = ("username", username) if username is not None else ("remote_addr", remote_addr)
    row = con.execute(
        "SELECT coalesce(sum(coalesce(repeats, 1)), 0) FROM audit_log"
        f" WHERE action = 'sign-in-failure' AND {column} IS NOT DISTINCT FROM ?"
        " AND ts >= now() - to_seconds(CAST(? AS BIGINT))",
        [value, seconds],
    ).fetchone()
    return int(row[0]) if row else 0
