"""Accounts: user names, argon2id password hashes and roles, kept in the store."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accounts.sessions import end_sessions
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


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, verified against when the username is unknown, so a
    sign-in for a missing user takes as long as one with a wrong password (no user
    enumeration). Made on first use, not at import: hashing costs about 0.45 CPU s, which
    every command that writes an audit line (``loanflow ingest``) would pay for nothing;
    :func:`verify` makes it before it looks the user up, so the first sign-in of a process
    pays it whether or not the user exists."""
    return _HASHER.hash("not-a-password: timing equaliser for unknown users")


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
            "'-' or '@', without spaces.",
            code="user_name_invalid",
            username=username,
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise LoanFlowError(
            f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.",
            code="role_unknown",
            role=role,
            roles=", ".join(ROLES),
        )


def _check_password(password: str) -> None:
    shortest = min_password_length()
    if len(password) < shortest:
        raise LoanFlowError(
            f"The password is too short: use at least {shortest} characters "
            "(a few words make a long password that is easy to remember).",
            code="password_too_short",
            shortest=shortest,
        )


def _exists(con: duckdb.DuckDBPyConnection, username: str) -> bool:
    return con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone() is not None


def _require_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    if not _exists(con, username):
        raise LoanFlowError(
            f"No user named {username!r}; `loanflow users list` shows them.",
            code="user_unknown",
            username=username,
        )


def add_user(con: duckdb.DuckDBPyConnection, username: str, password: str, role: str) -> None:
    """Create an account; its password is stored as an argon2id hash only."""
    _check_username(username)
    _check_role(role)
    _check_password(password)
    if _exists(con, username):
        raise LoanFlowError(
            f"A user named {username!r} already exists; change the password with "
            f"`loanflow users passwd {username}`.",
            code="user_exists",
            username=username,
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
        if what == "remove":
            raise LoanFlowError(
                f"Cannot remove {username!r}: it is the last admin. Make another user an admin "
                "first (`loanflow users role NAME admin`).",
                code="last_admin_remove",
                username=username,
            )
        if what == "demote":
            raise LoanFlowError(
                f"Cannot demote {username!r}: it is the last admin. Make another user an admin "
                "first (`loanflow users role NAME admin`).",
                code="last_admin_demote",
                username=username,
            )
        raise LoanFlowError(
            f"Cannot disable {username!r}: it is the last admin. Make another user an admin "
            "first (`loanflow users role NAME admin`).",
            code="last_admin_disable",
            username=username,
        )


def remove_user(con: duckdb.DuckDBPyConnection, username: str) -> None:
    """Delete an account (not the last admin while other users remain); its sessions end."""
    _require_user(con, username)
    _refuse_last_admin(con, username, "remove")
    con.execute("DELETE FROM users WHERE username = ?", [username])
    end_sessions(con, username, "removed")


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str) -> None:
    """Replace a user's password (stored as a fresh argon2id hash); their sessions end."""
    _require_user(con, username)
    _check_password(password)
    con.execute(
        "UPDATE users SET password_hash = ?, password_set_at = now() WHERE username = ?",
        [_HASHER.hash(password), username],
    )
    end_sessions(con, username, "password")


def set_role(con: duckdb.DuckDBPyConnection, username: str, role: str) -> None:
    """Change a user's role (the last admin keeps theirs); a changed role ends their sessions."""
    _require_user(con, username)
    _check_role(role)
    if role != "admin":
        _refuse_last_admin(con, username, "demote")
    user = get_user(con, username)
    con.execute("UPDATE users SET role = ? WHERE username = ?", [role, username])
    if user is not None and user.role != role:
        end_sessions(con, username, "role")


def set_disabled(con: duckdb.DuckDBPyConnection, username: str, disabled: bool) -> None:
    """Disable an account (it can no longer sign in, its sessions end) or enable it again."""
    _require_user(con, username)
    if disabled:
        _refuse_last_admin(con, username, "disable")
    con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, username])
    if disabled:
        end_sessions(con, username, "disabled")


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
    dummy = _dummy_hash()
    row = con.execute(
        "SELECT password_hash, disabled FROM users WHERE username = ?", [username]
    ).fetchone()
    stored = row[0] if row else dummy
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
