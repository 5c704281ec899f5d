"""The dashboard with sign-in on: the frame shows what the user's role may use, and the
upload route and the Data page's callbacks are refused to a viewer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accounts import add_user
from dashboard.app import create_app
from etl.store import close_shared, connect
from tests.test_dashboard_fixtures import load_store, write_log


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("auth")
    patch = pytest.MonkeyPatch()
    patch.setenv("LOANFLOW_SECRET_KEY_FILE", str(folder / "secret.key"))
    patch.setenv("LOANFLOW_CACHE_DIR", str(folder / "cache"))
    db = folder / "store.duckdb"
    load_store(db, folder)
    con = connect(db)
    add_user(con, "vera", "viewer-password-1", "viewer")
    add_user(con, "ana", "analyst-password-1", "analyst")
    con.close()
    dash_app = create_app(db, auth=True)
    yield dash_app
    close_shared(db)
    patch.undo()


def sign_in(client: Any, user: str, password: str) -> None:
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = client.post(
        "/login", data={"csrf_token": token[1], "username": user, "password": password, "next": "/"}
    )
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:300]


def links(client: Any) -> set[str]:
    """The href of every link in the app's frame."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("href"), str):
                found.add(node["href"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(client.get("/_dash-layout").get_json())
    return found


def csrf(client: Any) -> str:
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token is not None
    return token[1]


def test_signed_out_visitors_are_sent_to_sign_in(app: Any) -> None:
    answer = app.server.test_client().get("/")
    assert answer.status_code in (302, 303)
    assert "/login" in answer.headers["Location"]


def test_a_viewer_sees_only_the_pages_of_the_role(app: Any) -> None:
    client = app.server.test_client()
    sign_in(client, "vera", "viewer-password-1")
    hrefs = links(client)
    assert {"/handoffs", "/cases", "/logout"} <= hrefs
    assert not {"/data", "/compare", "/admin"} & hrefs
    # the top bar names the user and the role, in the reader's language (the role's name
    # re-translated when the language changes)
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert '"vera ("' in layout
    assert '"children":"Viewer","id":{"type":"i18n","key":"role.viewer"}' in layout
    token = csrf(client)
    refused = client.post(
        "/upload", data=b"a,b\n", headers={"X-Filename": "x.csv", "X-CSRFToken": token}
    )
    assert refused.status_code == 403


def test_an_analyst_uploads(app: Any, tmp_path: Path) -> None:
    client = app.server.test_client()
    sign_in(client, "ana", "analyst-password-1")
    assert "/data" in links(client)
    body = write_log(tmp_path).read_bytes()
    missing_token = client.post("/upload", data=body, headers={"X-Filename": "loans.csv"})
    assert missing_token.status_code in (400, 403)
    answer = client.post(
        "/upload", data=body, headers={"X-Filename": "loans.csv", "X-CSRFToken": csrf(client)}
    )
    assert answer.status_code == 200
    assert answer.get_json()["size"] == len(body)
