"""Sign-in, CSRF, rate limiting and roles, enforced by the real dashboard's server."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

import accounts
from dashboard.app import create_app
from dashboard.auth import output_ids, role_for_component, safe_next
from etl.store import close_shared, cursor

PASSWORDS = {
    "vic": ("viewer", "viewer password"),
    "ana": ("analyst", "analyst password"),
    "eve": ("evaluator", "evaluator password"),
    "root": ("admin", "admin password!"),
}
ADMIN_CALLBACK = "..admin-users.children...admin-audit.children.."


@pytest.fixture
def app(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dash.Dash]:
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    con = cursor(db_path)
    for name, (role, password) in PASSWORDS.items():
        accounts.add_user(con, name, password, role)
    con.close()
    yield create_app(db_path, auth=True)
    close_shared(db_path)


def audit_actions(db_path: Path) -> list[tuple[str | None, str, str | None]]:
    con = cursor(db_path)
    try:
        return [(e.username, e.action, e.target) for e in accounts.audit_entries(con)][::-1]
    finally:
        con.close()


def csrf_from_login(client: FlaskClient) -> str:
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def sign_in(client: FlaskClient, name: str, password: str | None = None) -> Any:
    token = csrf_from_login(client)
    return client.post(
        "/login",
        data={
            "username": name,
            "password": password if password is not None else PASSWORDS[name][1],
            "csrf_token": token,
            "next": "/overview",
        },
    )


def page_csrf(client: FlaskClient) -> str:
    """The token a signed-in page carries (meta tag) and sets as the renderer's cookie."""
    page = client.get("/")
    assert page.status_code == 200
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    assert match
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None and cookie.value == match.group(1)
    return match.group(1)


def update_body(output: str, outputs: list[dict[str, Any]], inputs: list[dict[str, Any]]) -> Any:
    return {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "changedPropIds": [],
        "state": [],
    }


def export_body(name: str, fmt: str, args: dict[str, Any]) -> Any:
    """The request of a table's download button (dashboard.exports)."""
    button = {"type": "export", "name": name, "format": fmt}
    return {
        "output": '{"name":["MATCH"],"type":"export-file"}.data',
        "outputs": {"id": {"type": "export-file", "name": name}, "property": "data"},
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "state": [{"id": {"type": "export-args", "name": name}, "property": "data", "value": args}],
        "changedPropIds": [json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
    }


def admin_body(action: str = "", user: str | None = None) -> Any:
    return update_body(
        ADMIN_CALLBACK,
        [
            {"id": "admin-users", "property": "children"},
            {"id": "admin-audit", "property": "children"},
        ],
        [
            {"id": "admin-refresh", "property": "n_clicks", "value": None},
            {"id": "admin-period", "property": "value", "value": "all"},
            {"id": "admin-query", "property": "data", "value": ""},
            {"id": "admin-action", "property": "value", "value": action},
            {"id": "admin-user", "property": "value", "value": user},
        ],
    )


def delete_body(client: FlaskClient) -> Any:
    """A forged 'delete the dataset' request: the Data page's real confirm callback."""
    callbacks = client.get("/_dash-dependencies").get_json()
    output = next(c["output"] for c in callbacks if "data-delete-status" in c["output"])
    outputs = [
        {"id": part.rpartition(".")[0], "property": part.rpartition(".")[2]}
        for part in output.strip(".").split("...")
    ]
    inputs = [{"id": "data-confirm-yes", "property": "n_clicks", "value": 1}]
    state = [
        {"id": "data-datasets", "property": "selectedRows", "value": [{"name": "before"}]},
        {"id": "data-query", "property": "data", "value": ""},
    ]
    return {**update_body(output, outputs, inputs), "state": state}


# --- visitors who have not signed in ---------------------------------------------------


def test_nothing_served_before_sign_in(app: dash.Dash) -> None:
    client = app.server.test_client()
    pages = [page["path"] for page in dash.page_registry.values()]
    assert "/admin" in pages and "/data" in pages
    for path in [*pages, "/overview", "/cases?dataset=x", "/no-such-page"]:
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")
    for path in ("/_dash-layout", "/_dash-dependencies", "/assets/upload.js"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert b"Sign in first" in response.data
    assert client.post("/_dash-update-component", json=admin_body()).status_code == 401
    assert client.post("/upload?name=a.csv", data=b"case,activity\n").status_code == 401
    assert client.get("/assets/00_bootstrap.min.css").status_code == 200
    login = client.get("/login")
    assert login.status_code == 200 and b'type="password"' in login.data


def test_every_route_refuses_a_stranger(app: dash.Dash) -> None:
    """Walk every route the server has: only the sign-in page and its style sheet answer."""
    client = app.server.test_client()
    allowed = {"/login", "/logout", "/assets/00_bootstrap.min.css", "/_favicon.ico"}
    for rule in app.server.url_map.iter_rules():
        path = re.sub(r"<[^>]*path:[^>]+>", "x/y.js", rule.rule)
        path = re.sub(r"<[^>]+>", "x", path)
        if path in allowed:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            assert response.status_code in (302, 401), (method, path, response.status_code)


def test_login_page_is_bilingual_and_escapes_input(app: dash.Dash) -> None:
    client = app.server.test_client()
    zh = client.get("/login?lang=zh-Hant").get_data(as_text=True)
    assert "密碼" in zh and "登入" in zh
    zh_browser = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "密码" in zh_browser.get_data(as_text=True)
    bare_zh = client.get("/login", headers={"Accept-Language": "zh"})  # zh means Traditional
    assert "密碼" in bare_zh.get_data(as_text=True)
    hostile = client.get('/login?next=/"><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in hostile


# --- signing in -------------------------------------------------------------------------


def test_sign_in_sets_a_hardened_session_and_is_audited(app: dash.Dash, db_path: Path) -> None:
    client = app.server.test_client()
    response = sign_in(client, "ana")
    assert response.status_code == 303 and response.headers["Location"] == "/overview"
    session_cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("loanflow_session=")
    )
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie
    assert "Secure" not in session_cookie  # plain http on loopback
    assert client.get("/_dash-layout").status_code == 200
    assert ("ana", "sign-in", "ana") in audit_actions(db_path)


def test_session_cookie_is_secure_over_https(app: dash.Dash) -> None:
    client = app.server.test_client()
    page = client.get("/login", base_url="https://loanflow.bank.example")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    response = client.post(
        "/login",
        base_url="https://loanflow.bank.example",
        headers={"Referer": "https://loanflow.bank.example/login"},
        data={"username": "ana", "password": PASSWORDS["ana"][1], "csrf_token": token.group(1)},
    )
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    assert all("Secure" in c for c in cookies), cookies


def test_wrong_password_refused_and_audited(app: dash.Dash, db_path: Path) -> None:
    client = app.server.test_client()
    response = sign_in(client, "ana", "not the password")
    assert response.status_code == 401
    assert b"Wrong user name or password" in response.data
    assert client.get("/_dash-layout").status_code == 401
    assert ("ana", "sign-in-failure", "ana") in audit_actions(db_path)


def test_next_cannot_send_the_user_to_another_site() -> None:
    assert safe_next("/cases?dataset=a") == "/cases?dataset=a"
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil.example", "", None):
        assert safe_next(hostile) == "/"


def test_sign_out_ends_the_session(app: dash.Dash, db_path: Path) -> None:
    client = app.server.test_client()
    sign_in(client, "vic")
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/logout").status_code == 303
    assert client.get("/_dash-layout").status_code == 401
    assert ("vic", "sign-out", "vic") in audit_actions(db_path)


def test_disabling_or_new_password_ends_existing_sessions(app: dash.Dash, db_path: Path) -> None:
    first, second = app.server.test_client(), app.server.test_client()
    sign_in(first, "vic")
    sign_in(second, "ana")
    con = cursor(db_path)
    accounts.set_disabled(con, "vic", True)
    accounts.set_password(con, "ana", "a brand new password")
    con.close()
    assert first.get("/_dash-layout").status_code == 401
    assert second.get("/_dash-layout").status_code == 401


# --- CSRF -------------------------------------------------------------------------------


def test_login_form_without_token_is_refused(app: dash.Dash, db_path: Path) -> None:
    client = app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "ana", "password": PASSWORDS["ana"][1]})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401
    assert ("ana", "sign-in", "ana") not in audit_actions(db_path)


def test_callbacks_and_uploads_need_the_csrf_header(app: dash.Dash) -> None:
    client = app.server.test_client()
    sign_in(client, "root")
    token = page_csrf(client)
    without = client.post("/_dash-update-component", json=admin_body())
    assert without.status_code == 400 and b"CSRF" in without.data
    forged = client.post(
        "/_dash-update-component", json=admin_body(), headers={"X-CSRFToken": "forged"}
    )
    assert forged.status_code == 400
    upload = client.post("/upload?name=a.csv", data=b"case,activity,time\n1,a,2025-01-01\n")
    assert upload.status_code == 400
    good = client.post("/_dash-update-component", json=admin_body(), headers={"X-CSRFToken": token})
    assert good.status_code == 200
    assert b"root" in good.data and b"password_hash" not in good.data


def test_another_sessions_token_is_refused(app: dash.Dash) -> None:
    mine, theirs = app.server.test_client(), app.server.test_client()
    sign_in(mine, "root")
    sign_in(theirs, "root")
    their_token = page_csrf(theirs)
    page_csrf(mine)
    response = mine.post(
        "/_dash-update-component", json=admin_body(), headers={"X-CSRFToken": their_token}
    )
    assert response.status_code == 400


# --- roles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"), [("vic", 403), ("eve", 403), ("ana", 200), ("root", 200)]
)
def test_upload_needs_analyst(app: dash.Dash, db_path: Path, user: str, status: int) -> None:
    client = app.server.test_client()
    sign_in(client, user)
    token = page_csrf(client)
    response = client.post(
        "/upload?name=log.csv",
        data=b"case,activity,time\n1,a,2025-01-01\n",
        headers={"X-CSRFToken": token, "Content-Type": "application/octet-stream"},
    )
    assert response.status_code == status, response.data
    actions = audit_actions(db_path)
    if status == 403:
        assert (user, "refused", "/upload") in actions
        assert not any(a[1] == "upload" for a in actions)
    else:
        assert (user, "upload", "log.csv") in actions


@pytest.mark.parametrize(("user", "allowed"), [("vic", False), ("eve", False), ("ana", True)])
def test_forged_delete_callback_refused_before_it_runs(
    app: dash.Dash, db_path: Path, user: str, allowed: bool
) -> None:
    con = cursor(db_path)
    con.execute("INSERT INTO datasets (name) VALUES ('before')")
    con.close()
    client = app.server.test_client()
    sign_in(client, user)
    token = page_csrf(client)
    response = client.post(
        "/_dash-update-component", json=delete_body(client), headers={"X-CSRFToken": token}
    )
    con = cursor(db_path)
    left = con.execute("SELECT name FROM datasets").fetchall()
    con.close()
    if allowed:  # the same request from an analyst really deletes: the forgery is real
        assert response.status_code == 200, response.data
        assert left == []
        assert (user, "delete", "before") in audit_actions(db_path)
    else:
        assert response.status_code == 403
        assert b"analyst" in response.data
        assert left == [("before",)]


@pytest.mark.parametrize(
    ("user", "status"), [("vic", 403), ("ana", 403), ("eve", 403), ("root", 200)]
)
def test_admin_callback_needs_admin(app: dash.Dash, user: str, status: int) -> None:
    client = app.server.test_client()
    sign_in(client, user)
    token = page_csrf(client)
    response = client.post(
        "/_dash-update-component", json=admin_body(), headers={"X-CSRFToken": token}
    )
    assert response.status_code == status


def test_compare_callbacks_need_evaluator(app: dash.Dash) -> None:
    for user, status in (("vic", 403), ("ana", 403)):
        client = app.server.test_client()
        sign_in(client, user)
        token = page_csrf(client)
        body = update_body(
            "compare-report-file.data",
            [{"id": "compare-report-file", "property": "data"}],
            [{"id": "compare-report", "property": "n_clicks", "value": 1}],
        )
        response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == status, user


def test_viewer_reads_ordinary_pages(app: dash.Dash) -> None:
    client = app.server.test_client()
    sign_in(client, "vic")
    token = page_csrf(client)
    body = update_body(
        "print-done.children",
        [{"id": "print-done", "property": "children"}],
        [{"id": {"type": "print-button", "page": "overview"}, "property": "n_clicks", "value": 0}],
    )
    response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
    assert response.status_code != 403


def test_role_by_output_prefix() -> None:
    assert output_ids("..data-job.data...data-poll.disabled@4c24...data-x.children..") == [
        "data-job",
        "data-poll",
        "data-x",
    ]
    assert output_ids('{"field":["ALL"],"type":"data-map"}.value') == [
        {"field": ["ALL"], "type": "data-map"}
    ]
    assert role_for_component("data-upload") == "analyst"
    assert role_for_component({"type": "data-map", "field": "x"}) == "analyst"
    assert role_for_component("compare-run") == "evaluator"
    assert role_for_component("admin-users") == "admin"
    assert role_for_component("overview-body") == "viewer"
    assert role_for_component("database-x") == "viewer"  # a prefix is the whole page name
    # a table export is checked by the page its name carries
    assert role_for_component({"type": "export-file", "name": "data-rejects"}) == "analyst"
    assert role_for_component({"type": "export-file", "name": "compare-edges"}) == "evaluator"
    assert role_for_component({"type": "export-file", "name": "variants-top"}) == "viewer"


def test_a_viewer_cannot_download_another_roles_table(app: dash.Dash) -> None:
    client = app.server.test_client()
    sign_in(client, "vic")
    token = page_csrf(client)
    for name, args in (("data-rejects", {"dataset": "loans"}), ("compare-metrics-table", {})):
        body = export_body(name, "csv", args)
        response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 403, name


def test_malformed_update_request_needs_admin(app: dash.Dash) -> None:
    client = app.server.test_client()
    sign_in(client, "ana")
    token = page_csrf(client)
    for body in ({"outputs": []}, ["not", "a", "dict"], {"output": 5}):
        response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 403


# --- rate limiting ----------------------------------------------------------------------


def test_sign_in_locked_after_five_failures_per_user(app: dash.Dash, db_path: Path) -> None:
    client = app.server.test_client()
    for _ in range(5):
        assert sign_in(client, "ana", "guess").status_code == 401
    locked = sign_in(client, "ana")  # even the right password
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.data
    assert client.get("/_dash-layout").status_code == 401
    assert sign_in(app.server.test_client(), "vic").status_code == 303  # others still can
    con = cursor(db_path)
    con.execute("UPDATE audit_log SET ts = ts - INTERVAL 6 MINUTE")
    con.close()
    assert sign_in(client, "ana").status_code == 303  # the window has passed


def test_sign_in_locked_per_address(
    app: dash.Dash, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOANFLOW_SIGNIN_MAX_FAILURES_PER_ADDRESS", "3")
    client = app.server.test_client()
    for name in ("u1", "u2", "u3"):
        assert sign_in(client, name, "guess").status_code == 401
    assert sign_in(client, "root").status_code == 429
    other = app.server.test_client()
    token = csrf_from_login(other)
    response = other.post(
        "/login",
        data={"username": "root", "password": PASSWORDS["root"][1], "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert response.status_code == 303
    assert (None, "sign-in-refused", None) not in audit_actions(db_path)


@pytest.mark.parametrize(("user", "sees_users"), [("vic", False), ("ana", False), ("root", True)])
def test_admin_page_layout_shows_data_to_admins_only(
    app: dash.Dash, user: str, sees_users: bool
) -> None:
    client = app.server.test_client()
    sign_in(client, user)
    token = page_csrf(client)
    body = update_body(
        ".._pages_content.children..._pages_store.data..",
        [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        [
            {"id": "_pages_location", "property": "pathname", "value": "/admin"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
    )
    response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert ("admin-refresh" in text) is sees_users
    assert ("admins only" in text) is not sees_users


def test_role_checks_cannot_be_dodged_by_spelling_the_path(app: dash.Dash) -> None:
    client = app.server.test_client()
    sign_in(client, "vic")
    token = page_csrf(client)
    for path in ("//_dash-update-component", "/_dash-update-component?x=1", "/./upload"):
        body = admin_body() if "dash" in path else None
        response = client.post(
            path,
            json=body,
            data=None if body else b"a,b\n",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code in (403, 404, 405, 308), (path, response.status_code)
        assert b"root" not in response.data


def test_no_body_beyond_the_upload_limit_is_parsed(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A huge multipart body to the public sign-in form is refused, not parsed to disk."""
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LOANFLOW_MAX_UPLOAD_MB", "1")
    app = create_app(db_path, auth=True)
    try:
        client = app.server.test_client()
        token = csrf_from_login(client)
        response = client.post(
            "/login",
            data={"csrf_token": token, "file": (io.BytesIO(b"x" * (2 << 20)), "big.bin")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 413
        assert "LOANFLOW_MAX_UPLOAD_MB" in response.get_json()["error"]
    finally:
        close_shared(db_path)


def test_csv_export_is_audited_and_neutralised(
    app: dash.Dash, db_path: Path, tmp_path: Path
) -> None:
    from etl.load import ingest
    from tests.test_crash_kill import write_log

    log = tmp_path / "log.csv"
    write_log(log, 12, 1)
    con = cursor(db_path)
    ingest(log, "loans", con=con)
    con.close()
    client = app.server.test_client()
    sign_in(client, "vic")
    token = page_csrf(client)
    body = export_body("variants-top", "csv", {"query": "?dataset=loans", "top": 10})
    response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.data
    download = next(iter(response.get_json()["response"].values()))["data"]
    assert download["filename"] == "variants.csv" and download["base64"]
    content = base64.b64decode(download["content"])
    assert content.startswith(b"\xef\xbb\xbf")  # through etl.exports.to_safe_csv
    assert "申請" in content.decode("utf-8-sig")
    assert ("vic", "export", "variants.csv") in audit_actions(db_path)


def test_every_privileged_callback_of_the_app_refuses_a_viewer(app: dash.Dash) -> None:
    """Each real callback writing to a data-/compare-/admin- component: 403 for a viewer."""
    client = app.server.test_client()
    sign_in(client, "vic")
    token = page_csrf(client)
    callbacks = client.get("/_dash-dependencies").get_json()
    privileged = [
        c["output"] for c in callbacks if re.search(r'(^|\.\.|")(data|compare|admin)-', c["output"])
    ]
    assert len(privileged) >= 10  # the Data, Compare and Admin pages' callbacks
    for output in privileged:
        body = update_body(output, [], [])
        response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 403, output
