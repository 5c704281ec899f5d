"""Sign-in sessions kept in the store, so that they can be ended at once.

The session cookie carries only a random token; the store keeps its SHA-256 hash with the
user, the role and the password they signed in with, and when it expires. Every request
looks the token up: a session that was ended (sign-out), has expired, or whose user was
removed, disabled, given another role or a new password is no longer valid, whether the
change was made on the dashboard or with ``loanflow users`` while the dashboard runs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import duckdb


@dataclass(frozen=True)
class Session:
    """One live session (never with its token)."""

    username: str
    role: str
    created_at: datetime
    expires_at: datetime
    remote_addr: str | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(
    con: duckdb.DuckDBPyConnection,
    username: str,
    *,
    hours: float,
    remote_addr: str | None = None,
) -> str:
    """Open a session for a user who just proved their password; returns its token."""
    token = secrets.token_urlsafe(32)
    con.execute(
        "INSERT INTO sessions (token_hash, username, role, password_set_at, expires_at,"
        " remote_addr) SELECT ?, username, role, password_set_at,"
        " now() + to_seconds(CAST(? AS DOUBLE)), ? FROM users WHERE username = ?",
        [_hash(token), hours * 3600.0, remote_addr, username],
    )
    return token


def session_user(con: duckdb.DuckDBPyConnection, token: str | None) -> tuple[str, str] | None:
    """``(username, role)`` of a valid session's user, or None.

    Valid: not ended, not expired, the user exists and is enabled, and still has the role
    and the password the session was started with.
    """
    if not token:
        return None
    row = con.execute(
        "SELECT u.username, u.role FROM sessions s JOIN users u ON u.username = s.username"
        " WHERE s.token_hash = ? AND s.ended_at IS NULL AND s.expires_at > now()"
        " AND NOT u.disabled AND u.role = s.role AND u.password_set_at = s.password_set_at",
        [_hash(token)],
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def end_session(con: duckdb.DuckDBPyConnection, token: str | None, why: str = "sign-out") -> None:
    """End one session (sign-out)."""
    if token:
        con.execute(
            "UPDATE sessions SET ended_at = now(), ended_why = ?"
            " WHERE token_hash = ? AND ended_at IS NULL",
            [why, _hash(token)],
        )


def end_sessions(con: duckdb.DuckDBPyConnection, username: str, why: str) -> int:
    """End every live session of a user; returns how many were live."""
    row = con.execute(
        "SELECT count(*) FROM sessions WHERE username = ? AND ended_at IS NULL"
        " AND expires_at > now()",
        [username],
    ).fetchone()
    con.execute(
        "UPDATE sessions SET ended_at = now(), ended_why = ?"
        " WHERE username = ? AND ended_at IS NULL",
        [why, username],
    )
    return int(row[0]) if row else 0


def live_sessions(con: duckdb.DuckDBPyConnection, username: str | None = None) -> list[Session]:
    """The sessions that are neither ended nor expired, newest first."""
    where = "AND username = ?" if username is not None else ""
    rows = con.execute(
        "SELECT username, role, created_at, expires_at, remote_addr FROM sessions"
        f" WHERE ended_at IS NULL AND expires_at > now() {where} ORDER BY created_at DESC",
        [username] if username is not None else [],
    ).fetchall()
    return [Session(*row) for row in rows]


def forget_old_sessions(con: duckdb.DuckDBPyConnection, days: int = 30) -> None:
    """Delete sessions that ended or expired more than ``days`` ago."""
    con.execute(
        "DELETE FROM sessions WHERE coalesce(ended_at, expires_at) < now() - to_days(?)",
        [days],
    )
