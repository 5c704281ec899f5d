"""Sign-in accounts (argon2id password hashes, roles) and the audit log, kept in the store.

Roles, from least to most rights:

- ``viewer`` (managers): reads every page and report.
- ``analyst``: a viewer who also uploads, replaces and deletes datasets.
- ``evaluator`` (project office, internal audit): a viewer who also runs comparisons and
  exports compare reports.
- ``admin``: everything, plus users and the audit log.

Analyst and evaluator are siblings: an analyst does *not* hold evaluator rights and an
evaluator cannot change data. Keeping the people who load the data apart from the people
who judge the redesign is a separation of duties; an admin holds both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from etl import settings
from etl.errors import LoanFlowError

Role = Literal["viewer", "analyst", "evaluator", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "analyst", "evaluator", "admin")

# Which roles each role includes (itself and the ones below it).
_INCLUDES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"viewer"}),
    "analyst": frozenset({"viewer", "analyst"}),
    "evaluator": frozenset({"viewer", "evaluator"}),
    "admin": frozenset(ROLES),
}

_USERNAME = re.compile(r"^[\w.@-]{1,64}$")
_HASHER = PasswordHasher()
# A hash of a random password, verified against when the username is unknown, so a sign-in
# for a missing user takes as long as one with a wrong password (no user enumeration).
_DUMMY_HASH = _HASHER.hash("not-a-password: timing equaliser for unknown users")


@dataclass(frozen=True)
class User:
    """One account as listed (never with its hash)."""

    username: str
    role: Role
    created_at: datetime
    password_set_at: datetime
    disabled: bool

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields for ``loanflow users list --json``."""
        return {
            "username": self.username,
            "role": self.role,
            "created_at": self.created_at.isoformat(),
            "password_set_at": self.password_set_at.isoformat(),
            "disabled": self.disabled,
        }


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


def has_role(role: str | None, needed: str) -> bool:
    """Whether a user holding ``role`` may do what needs ``needed``."""
    return role is not None and needed in _INCLUDES.get(role, frozenset())


def min_password_length() -> int:
    """The shortest password accepted (setting ``min_password_length``)."""
    return int(settings.get("min_password_length"))


def _check_username(username: str) -> None:
    if not _USERNAME.match(username):
        raise LoanFlowError(
            f"{username!r} is not a valid user name: use 1 to 64 letters, digits, '.', '_', "
            "'-' or '@', without spaces."
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise LoanFlowError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")


def _check_password(password: str) -> None:
    shortest = min_password_length()
    if len(password) < shortest:
        raise LoanFlowError(
            f"The password is too short: use at least {shortest} characters "
            "(a few words make a long password that is easy to remember)."
        )


def _exists(con: duckdb.DuckDBPyConnection, username: str) -> bool:
    return con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone() is not None


def _require_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    if not _exists(con, username):
        raise LoanFlowError(f"No user named {username!r}; `loanflow users list` shows them.")


def add_user(con: duckdb.DuckDBPyConnection, username: str, password: str, role: str) -> None:
    """Create an account; its password is stored as an argon2id hash only."""
    _check_username(username)
    _check_role(role)
    _check_password(password)
    if _exists(con, username):
        raise LoanFlowError(
            f"A user named {username!r} already exists; change the password with "
            f"`loanflow users passwd {username}`."
        )
    con.execute(
        "INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?)",
        [username, _HASHER.hash(password), role],
    )


def _enabled_admins(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT username FROM users WHERE role = 'admin' AND NOT disabled ORDER BY username"
    ).fetchall()
    return [r[0] for r in rows]


def _refuse_last_admin(con: duckdb.DuckDBPyConnection, username: str, what: str) -> None:
    if _enabled_admins(con) == [username] and user_count(con) > 1:
        raise LoanFlowError(
            f"Cannot {what} {username!r}: it is the last admin. Make another user an admin "
            "first (`loanflow users role NAME admin`)."
        )


def remove_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Delete an account (not the last admin while other users remain)."""
    _require_user(con, username)
    _refuse_last_admin(con, username, "remove")
    con.execute("DELETE FROM users WHERE username = ?", [username])


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> None:
    """Replace a user's password (stored as a fresh argon2id hash)."""
    _require_user(con, username)
    _check_password(password)
    con.execute(
        "UPDATE users SET password_hash = ?, password_set_at = now() WHERE username = ?",
        [_HASHER.hash(password), username],
    )


def set_role(con: duckdb.DuckDBPyConnection, username: str, role: str) -> None:
    """Change a user's role (the last admin keeps theirs)."""
    _require_user(con, username)
    _check_role(role)
    if role != "admin":
        _refuse_last_admin(con, username, "demote")
    con.execute("UPDATE users SET role = ? WHERE username = ?", [role, username])


def set_disabled(con: duckdb.DuckDBPyConnection, username: str, disabled: bool) -> None:
    """Disable an account (it can no longer sign in) or enable it again."""
    _require_user(con, username)
    if disabled:
        _refuse_last_admin(con, username, "disable")
    con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, username])


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    """Every account, by name."""
    rows = con.execute(
        "SELECT username, role, created_at, password_set_at, disabled FROM users ORDER BY username"
    ).fetchall()
    return [User(*row) for row in rows]


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    """One account, or None."""
    row = con.execute(
        "SELECT username, role, created_at, password_set_at, disabled FROM users "
        "WHERE username = ?",
        [username],
    ).fetchone()
    return User(*row) if row else None


def user_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many accounts exist (``loanflow serve`` refuses to start with none)."""
    row = con.execute("SELECT count(*) FROM users").fetchone()
    return int(row[0]) if row else 0


def verify(con: duckdb.DuckDBPyConnection, username: str, password: str) -> User | None:
    """The user when ``password`` is theirs and the account is enabled, else None.

    Always runs one argon2 verification (against a dummy hash for an unknown name), so the
    answer takes as long whether or not the user exists; argon2's comparison is
    constant-time. An outdated hash is upgraded on success.
    """
    row = con.execute(
        "SELECT password_hash, disabled FROM users WHERE username = ?", [username]
    ).fetchone()
    stored = row[0] if row else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
        matched = row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        matched = False
    if not matched or row is None or row[1]:
        return None
    if _HASHER.check_needs_rehash(stored):
        con.execute(
            "UPDATE users SET password_hash = ? WHERE username = ?",
            [_HASHER.hash(password), username],
        )
    return get_user(con, username)


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
