"""The audit log: who did what, when, from which address, kept in the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    ts: datetime
    username: str | None
    action: str
    target: str | None
    detail: str | None
    remote_addr: str | None

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
        }


def audit(
    con: duckdb.DuckDBPyConnection,
    user: str | None,
    action: str,
    target: str | None,
    detail: str = "",
    *,
    remote_addr: str | None = None,
) -> None:
    """Write one line to the audit log: ``user`` did ``action`` to ``target``."""
    con.execute(
        "INSERT INTO audit_log (username, action, target, detail, remote_addr) "
        "VALUES (?, ?, ?, ?, ?)",
        [user, action, target, detail or None, remote_addr],
    )


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
        clauses.append("ts >= ?")
        params.append(since)
    if username is not None:
        clauses.append("username = ?")
        params.append(username)
    if action is not None:
        clauses.append("action = ?")
        params.append(action)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = con.execute(
        "SELECT id, ts, username, action, target, detail, remote_addr FROM audit_log "
        f"{where} ORDER BY ts DESC, id DESC LIMIT ?",
        [*params, int(limit)],
    ).fetchall()
    return [AuditEntry(*row) for row in rows]


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
        "SELECT count(*) FROM audit_log WHERE action = 'sign-in-failure' "
        f"AND {column} = ? AND ts >= now() - to_seconds(?)",
        [value, seconds],
    ).fetchone()
    return int(row[0]) if row else 0
