"""Sessions the server can end, sign-in attempts counted atomically, a bounded audit log."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
import duckdb
import pytest
import requests

import accounts
from dashboard.app import create_app
from etl.store import close_shared, connect, cursor
from tests.test_security_auth import PASSWORDS, admin_body, csrf_from_login, page_csrf, sign_in
from tests.test_security_serve import start, stop
from tests.test_security_store_sharing import run_cli


@pytest.fixture
def app(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dash.Dash]:
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    con = cursor(db_path)
    for name, (role, password) in PASSWORDS.items():
        accounts.add_user(con, name, password, role)
    del con
    yield create_app(db_path, auth=True)
    close_shared(db_path)


def test_a_saved_cookie_is_worthless_after_sign_out(app: dash.Dash) -> None:
    client = app.server.test_client()
    sign_in(client, "ana")
    saved = client.get_cookie("loanflow_session")
    assert saved is not None
    assert client.get("/logout").status_code == 303
    replay = app.server.test_client()
    replay.set_cookie("loanflow_session", saved.value)
    assert replay.get("/_dash-layout").status_code == 401
    assert replay.post("/upload", data=b"x", headers={"X-Filename": "a.csv"}).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        lambda con: accounts.set_role(con, "ana", "viewer"),
        lambda con: accounts.set_password(con, "ana", "another good password"),
        lambda con: accounts.set_disabled(con, "ana", True),
        lambda con: accounts.remove_user(con, "ana"),
    ],
    ids=["role", "password", "disabled", "removed"],
)
def test_account_changes_end_that_users_sessions_only(
    app: dash.Dash, db_path: Path, change: Callable[[duckdb.DuckDBPyConnection], None]
) -> None:
    ana, vic = app.server.test_client(), app.server.test_client()
    sign_in(ana, "ana")
    sign_in(vic, "vic")
    assert ana.get("/_dash-layout").status_code == 200
    con = cursor(db_path)
    change(con)
    live = {s.username for s in accounts.live_sessions(con)}
    del con
    assert ana.get("/_dash-layout").status_code == 401
    assert vic.get("/_dash-layout").status_code == 200
    assert live == {"vic"}


def test_the_store_keeps_only_a_hash_of_the_session_token(app: dash.Dash, db_path: Path) -> None:
    client = app.server.test_client()
    sign_in(client, "vic")
    con = cursor(db_path)
    rows = con.execute("SELECT token_hash, username, role FROM sessions").fetchall()
    del con
    assert [(r[1], r[2]) for r in rows] == [("vic", "viewer")]
    cookie = client.get_cookie("loanflow_session")
    assert cookie is not None
    token = app.server.session_interface.get_signing_serializer(app.server).loads(cookie.value)
    assert rows[0][0] != token["lf_session"] and token["lf_session"] not in str(rows)


def test_fifteen_wrong_passwords_at_once_check_at_most_five(app: dash.Dash, db_path: Path) -> None:
    clients = [app.server.test_client() for _ in range(15)]
    tokens = [csrf_from_login(c) for c in clients]
    start_together = threading.Barrier(15)
    statuses: list[int] = []

    def attempt(index: int) -> None:
        start_together.wait()
        answer = clients[index].post(
            "/login",
            data={"username": "root", "password": "wrong guess", "csrf_token": tokens[index]},
        )
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(15)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    con = cursor(db_path)
    checked = accounts.recent_failures(con, username="root", seconds=300)
    failures = con.execute(
        "SELECT count(*), sum(repeats) FROM audit_log WHERE action = 'sign-in-failure'"
    ).fetchone()
    del con
    assert sorted(statuses) == [401] * 5 + [429] * 10
    assert checked == 5
    assert failures == (1, 5)  # one row, counted five times


def test_a_sign_in_flood_writes_a_handful_of_rows(
    app: dash.Dash, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOANFLOW_SIGNIN_MAX_FAILURES_PER_ADDRESS", "4")
    client = app.server.test_client()
    token = csrf_from_login(client)
    for number in range(40):  # many names from one address, as the probe did
        client.post(
            "/login",
            data={"username": f"user{number % 10}", "password": "x", "csrf_token": token},
        )
    con = cursor(db_path)
    rows = con.execute(
        "SELECT action, count(*), sum(repeats) FROM audit_log GROUP BY action ORDER BY action"
    ).fetchall()
    del con
    # 4 failures from the address (its limit), then one row counting every refusal.
    assert rows == [("sign-in-failure", 4, 4), ("sign-in-refused", 1, 36)]


@pytest.mark.slow
def test_cli_revokes_sessions_of_a_running_dashboard(db_path: Path, tmp_path: Path) -> None:
    con = connect(db_path)
    accounts.add_user(con, "root", PASSWORDS["root"][1], "admin")
    accounts.add_user(con, "vic", PASSWORDS["vic"][1], "viewer")
    con.close()
    proc, url, _ = start(["serve", "--db", str(db_path), "--port", "0"], tmp_path)
    try:
        browser = requests.Session()
        page = browser.get(url + "login", timeout=60).text
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = browser.post(
            url + "login",
            data={"username": "vic", "password": PASSWORDS["vic"][1], "csrf_token": csrf},
            headers={"Referer": url + "login"},
            allow_redirects=False,
            timeout=60,
        )
        assert signed.status_code == 303
        assert browser.get(url + "_dash-layout", timeout=60).status_code == 200
        done = run_cli("users", "disable", "vic", "--db", str(db_path))
        assert done.returncode == 0, done.stderr
        assert browser.get(url + "_dash-layout", timeout=60).status_code == 401
    finally:
        stop(proc)


def test_admin_audit_filters_by_action_and_user(app: dash.Dash, db_path: Path) -> None:
    sign_in(app.server.test_client(), "vic")
    sign_in(app.server.test_client(), "ana", "a wrong guess")
    sign_in(app.server.test_client(), "ana", "another wrong guess")
    root = app.server.test_client()
    sign_in(root, "root")
    token = page_csrf(root)

    def audit_rows(action: str = "", user: str | None = None) -> list[dict[str, Any]]:
        answer = root.post(
            "/_dash-update-component",
            json=admin_body(action, user),
            headers={"X-CSRFToken": token},
        )
        assert answer.status_code == 200
        grid = answer.get_json()["response"]["admin-audit"]["children"]
        rows: list[dict[str, Any]] = grid["props"]["rowData"]
        return rows

    # filtered by the stored codes, shown by their names
    assert {r["action"] for r in audit_rows()} == {"Signed in", "Sign-in failed"}
    assert sorted(r["username"] for r in audit_rows("sign-in")) == ["root", "vic"]
    by_ana = audit_rows(user=" ana ")
    assert [(r["action"], r["repeats"]) for r in by_ana] == [("Sign-in failed", 2)]


def test_users_signout_ends_that_users_sessions(app: dash.Dash, db_path: Path) -> None:
    from click.testing import CliRunner

    from loanflow.cli import main

    ana, vic = app.server.test_client(), app.server.test_client()
    sign_in(ana, "ana")
    sign_in(vic, "vic")
    result = CliRunner().invoke(main, ["users", "signout", "ana", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "Ended 1 session of ana." in result.output
    assert ana.get("/_dash-layout").status_code == 401
    assert vic.get("/_dash-layout").status_code == 200
    assert sign_in(ana, "ana").status_code == 303  # the account itself is unchanged
    con = cursor(db_path)
    rows = con.execute(
        "SELECT action, target, detail FROM audit_log WHERE action = 'user-signout'"
    ).fetchall()
    del con
    assert len(rows) == 1 and rows[0][1] == "ana" and rows[0][2] == "1 sessions"
