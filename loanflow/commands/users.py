"""``loanflow users ...``, ``loanflow audit`` and ``loanflow keygen``: accounts and secrets.

Passwords are never taken from the command line (where shell history and ``ps`` would show
them): they are asked at a hidden prompt with confirmation, or read as one line from
standard input when that is not a terminal (for scripts: ``printf '%s\\n' "$PW" | loanflow
users add ...``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click
import duckdb

from etl.errors import LoanFlowError
from loanflow.commands.common import cli_actor, db_option, echo_json, json_option

ROLE_CHOICE = click.Choice(["viewer", "analyst", "evaluator", "admin"])


def _actor() -> str:
    """Who runs the command, as the audit log records it."""
    return cli_actor()


@contextmanager
def _store(db: str | None) -> Iterator[duckdb.DuckDBPyConnection]:
    from etl.store import connect

    con = connect(db)
    try:
        yield con
    finally:
        con.close()


def read_password(prompt: str = "Password") -> str:
    """A new password: a hidden prompt with confirmation, or one line of piped stdin."""
    stdin = sys.stdin
    if stdin.isatty():
        return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))
    line = stdin.readline()
    if not line:
        raise LoanFlowError(
            "No password given: standard input is empty. Run the command in a terminal to "
            "be asked, or pipe the password in as one line.",
            code="password_stdin_empty",
        )
    return line.rstrip("\r\n")


@click.group("users")
def users() -> None:
    """Manage dashboard accounts (roles: viewer, analyst, evaluator, admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True, help="What the user may do.")
@db_option
def users_add(name: str, role: str, db: str | None) -> None:
    """Create user NAME; the password is asked (or read from piped stdin)."""
    import accounts

    password = read_password(f"Password for {name}")
    with _store(db) as con:
        accounts.add_user(con, name, password, role)
        accounts.audit(con, _actor(), "user-add", name, f"role={role}")
    click.echo(f"User {name} added with role {role}.")


@users.command("remove")
@click.argument("name")
@db_option
def users_remove(name: str, db: str | None) -> None:
    """Delete user NAME."""
    import accounts

    with _store(db) as con:
        accounts.remove_user(con, name)
        accounts.audit(con, _actor(), "user-remove", name)
    click.echo(f"User {name} removed.")


@users.command("passwd")
@click.argument("name")
@db_option
def users_passwd(name: str, db: str | None) -> None:
    """Set a new password for NAME (asked, or read from piped stdin)."""
    import accounts

    with _store(db) as con:
        if accounts.get_user(con, name) is None:
            raise LoanFlowError(
                f"No user named {name!r}; `loanflow users list` shows them.",
                code="user_unknown",
                username=name,
            )
        password = read_password(f"New password for {name}")
        accounts.set_password(con, name, password)
        accounts.audit(con, _actor(), "user-password", name)
    click.echo(f"Password of {name} changed.")


@users.command("role")
@click.argument("name")
@click.argument("role", type=ROLE_CHOICE)
@db_option
def users_role(name: str, role: str, db: str | None) -> None:
    """Give user NAME another ROLE."""
    import accounts

    with _store(db) as con:
        accounts.set_role(con, name, role)
        accounts.audit(con, _actor(), "user-role", name, f"role={role}")
    click.echo(f"User {name} now has role {role}.")


def _set_disabled(name: str, db: str | None, disabled: bool) -> None:
    import accounts

    with _store(db) as con:
        accounts.set_disabled(con, name, disabled)
        accounts.audit(con, _actor(), "user-disable" if disabled else "user-enable", name)
    click.echo(f"User {name} {'disabled' if disabled else 'enabled'}.")


@users.command("disable")
@click.argument("name")
@db_option
def users_disable(name: str, db: str | None) -> None:
    """Stop NAME from signing in (the account and its history stay)."""
    _set_disabled(name, db, True)


@users.command("enable")
@click.argument("name")
@db_option
def users_enable(name: str, db: str | None) -> None:
    """Let a disabled user sign in again."""
    _set_disabled(name, db, False)


@users.command("signout")
@click.argument("name")
@db_option
def users_signout(name: str, db: str | None) -> None:
    """End every dashboard session of NAME at once (a lost laptop, a shared screen); the
    account stays as it is and NAME can sign in again."""
    import accounts

    with _store(db) as con:
        if accounts.get_user(con, name) is None:
            raise LoanFlowError(
                f"No user named {name!r}; `loanflow users list` shows them.",
                code="user_unknown",
                username=name,
            )
        ended = accounts.end_sessions(con, name, "signed out by an admin")
        accounts.audit(con, _actor(), "user-signout", name, f"{ended} sessions")
    click.echo(f"Ended {ended} session{'s' if ended != 1 else ''} of {name}.")


@users.command("list")
@db_option
@json_option
def users_list(db: str | None, as_json: bool) -> None:
    """List the accounts (never their passwords or hashes)."""
    import accounts

    with _store(db) as con:
        found = accounts.list_users(con)
    if as_json:
        echo_json({"users": [u.to_json() for u in found]})
        return
    if not found:
        click.echo("No users yet. Create an admin: loanflow users add NAME --role admin")
        return
    for u in found:
        state = "  (disabled)" if u.disabled else ""
        click.echo(f"{u.username:<24} {u.role:<10} since {u.created_at:%Y-%m-%d}{state}")


@click.command("audit")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    default=None,
    help="Only entries from this date or time on (UTC).",
)
@click.option("--user", "username", default=None, help="Only what this user did.")
@click.option("--action", default=None, help="Only this action (sign-in, upload, delete, ...).")
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True)
@db_option
@json_option
def audit(
    since: datetime | None,
    username: str | None,
    action: str | None,
    limit: int,
    db: str | None,
    as_json: bool,
) -> None:
    """Show the audit log, newest first: who signed in, uploaded, replaced, deleted, exported."""
    from datetime import UTC

    import accounts

    when = since.replace(tzinfo=UTC) if since is not None else None
    with _store(db) as con:
        entries = accounts.audit_entries(
            con, since=when, limit=limit, username=username, action=action
        )
    if as_json:
        echo_json({"entries": [e.to_json() for e in entries]})
        return
    for e in entries:
        click.echo(_audit_line(e.to_json()))


def _printable(text: str | None) -> str:
    """Text from the log with control characters shown as escapes (a user name tried at
    sign-in is whatever a stranger typed; it must not drive the terminal)."""
    if not text:
        return ""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _audit_line(entry: dict[str, Any]) -> str:
    parts = [
        entry["ts"][:19],
        _printable(entry["username"]) or "-",
        _printable(entry["action"]),
        _printable(entry["target"]),
    ]
    if entry["detail"]:
        parts.append(f"({_printable(entry['detail'])})")
    if entry["remote_addr"]:
        parts.append(f"from {_printable(entry['remote_addr'])}")
    if entry.get("repeats", 1) > 1:
        parts.append(f"x{entry['repeats']}, last {str(entry.get('last_ts') or '')[:19]}")
    return "  ".join(parts)


@click.command("keygen")
@click.argument("file", type=click.Path(dir_okay=False))
def keygen(file: str) -> None:
    """Create FILE holding a new secret key for pseudonymisation (mode 0600).

    Keep it outside the store and back it up: the same key gives the same pseudonyms, so
    datasets loaded with it join; without it nobody can map pseudonyms back. Point
    LOANFLOW_PSEUDONYM_KEY_FILE at it.
    """
    from etl.pseudonymise import create_key_file

    path = create_key_file(file)
    click.echo(f"Key written to {path} (readable by you only).")
    click.echo(f"Use it with: export LOANFLOW_PSEUDONYM_KEY_FILE={path.resolve()}", err=True)


COMMANDS: list[click.Command] = [users, audit, keygen]
