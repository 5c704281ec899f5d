"""Accounts: argon2 hashes only, constant-time verification, roles, last-admin guard, audit."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import accounts
from etl.errors import LoanFlowError

PASSWORD = "correct horse battery"


def test_password_stored_as_argon2id_hash_never_in_clear(store: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(store, "alice", PASSWORD, "analyst")
    (stored,) = store.execute("SELECT password_hash FROM users").fetchone() or ("",)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    every_text = store.execute("SELECT * FROM users").fetchall()
    assert all(PASSWORD not in str(v) for row in every_text for v in row)


def test_verify_accepts_only_the_right_password(store: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(store, "alice", PASSWORD, "analyst")
    user = accounts.verify(store, "alice", PASSWORD)
    assert user is not None and (user.username, user.role) == ("alice", "analyst")
    assert accounts.verify(store, "alice", PASSWORD + "x") is None
    assert accounts.verify(store, "alice", "") is None
    assert accounts.verify(store, "nobody", PASSWORD) is None


def test_disabled_user_cannot_sign_in(store: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(store, "root", PASSWORD, "admin")
    accounts.add_user(store, "bob", PASSWORD, "viewer")
    accounts.set_disabled(store, "bob", True)
    assert accounts.verify(store, "bob", PASSWORD) is None
    accounts.set_disabled(store, "bob", False)
    assert accounts.verify(store, "bob", PASSWORD) is not None


def test_set_password_replaces_the_hash(store: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(store, "alice", PASSWORD, "viewer")
    accounts.set_password(store, "alice", "another long secret")
    assert accounts.verify(store, "alice", PASSWORD) is None
    assert accounts.verify(store, "alice", "another long secret") is not None


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("alice", "short", "viewer", "too short"),
        ("has space", PASSWORD, "viewer", "not a valid user name"),
        ("x'; DROP TABLE users; --", PASSWORD, "viewer", "not a valid user name"),
        ("alice", PASSWORD, "superuser", "Unknown role"),
    ],
)
def test_bad_accounts_are_refused_clearly(
    store: duckdb.DuckDBPyConnection, name: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(LoanFlowError, match=message):
        accounts.add_user(store, name, password, role)
    assert accounts.user_count(store) == 0


def test_duplicate_and_unknown_users(store: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(store, "alice", PASSWORD, "viewer")
    with pytest.raises(LoanFlowError, match="already exists"):
        accounts.add_user(store, "alice", PASSWORD, "admin")
    with pytest.raises(LoanFlowError, match="No user named"):
        accounts.remove_user(store, "ghost")
    with pytest.raises(LoanFlowError, match="No user named"):
        accounts.set_password(store, "ghost", PASSWORD)


def test_last_admin_is_kept(store: duckdb.DuckDBPyConnection) -> None:
    accounts.add_user(store, "root", PASSWORD, "admin")
    accounts.add_user(store, "bob", PASSWORD, "viewer")
    for act in (
        lambda: accounts.remove_user(store, "root"),
        lambda: accounts.set_role(store, "root", "viewer"),
        lambda: accounts.set_disabled(store, "root", True),
    ):
        with pytest.raises(LoanFlowError, match="last admin"):
            act()
    accounts.set_role(store, "bob", "admin")
    accounts.remove_user(store, "root")
    assert [u.username for u in accounts.list_users(store)] == ["bob"]


def test_role_hierarchy() -> None:
    assert accounts.has_role("admin", "analyst") and accounts.has_role("admin", "evaluator")
    assert accounts.has_role("analyst", "viewer") and accounts.has_role("evaluator", "viewer")
    assert not accounts.has_role("analyst", "evaluator")
    assert not accounts.has_role("evaluator", "analyst")
    assert not accounts.has_role("viewer", "analyst")
    assert not accounts.has_role(None, "viewer")
    assert not accounts.has_role("intruder", "viewer")


def test_audit_entries_newest_first_and_filtered(store: duckdb.DuckDBPyConnection) -> None:
    accounts.audit(store, "alice", "upload", "before", "before.csv", remote_addr="10.0.0.5")
    accounts.audit(store, "bob", "delete", "after")
    entries = accounts.audit_entries(store)
    assert [(e.username, e.action, e.target) for e in entries] == [
        ("bob", "delete", "after"),
        ("alice", "upload", "before"),
    ]
    assert entries[1].detail == "before.csv" and entries[1].remote_addr == "10.0.0.5"
    assert [e.action for e in accounts.audit_entries(store, username="alice")] == ["upload"]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert accounts.audit_entries(store, since=future) == []
    assert len(accounts.audit_entries(store, limit=1)) == 1


def test_recent_failures_count_by_name_and_address(store: duckdb.DuckDBPyConnection) -> None:
    for _ in range(3):
        accounts.audit(store, "alice", "sign-in-failure", "alice", remote_addr="10.0.0.9")
    accounts.audit(store, "alice", "sign-in", "alice", remote_addr="10.0.0.9")
    assert accounts.recent_failures(store, username="alice", seconds=300) == 3
    assert accounts.recent_failures(store, remote_addr="10.0.0.9", seconds=300) == 3
    assert accounts.recent_failures(store, remote_addr="10.0.0.1", seconds=300) == 0
    store.execute("UPDATE audit_log SET ts = ts - INTERVAL 10 MINUTE")
    assert accounts.recent_failures(store, username="alice", seconds=300) == 0


def _imports(folder: Path) -> set[tuple[str, str]]:
    """(module file, top-level package it imports) for every Python file under ``folder``."""
    found: set[tuple[str, str]] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(path.name, alias.name.split(".")[0]) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add((path.name, node.module.split(".")[0]))
    return found


def test_accounts_sit_beside_etl_and_below_the_dashboard() -> None:
    root = Path(__file__).resolve().parents[1]
    assert not (root / "etl" / "accounts.py").exists()
    etl_uses = {package for _, package in _imports(root / "etl")}
    assert etl_uses.isdisjoint({"accounts", "dashboard", "analysis", "loanflow"})
    accounts_uses = {package for _, package in _imports(root / "accounts")}
    assert accounts_uses.isdisjoint({"dashboard", "analysis", "loanflow"})
    assert "accounts" in accounts_uses  # the package's front door re-exports its modules
    users_of_accounts = {
        package
        for package in ("dashboard", "loanflow")
        if any(used == "accounts" for _, used in _imports(root / package))
    }
    assert users_of_accounts == {"dashboard", "loanflow"}
