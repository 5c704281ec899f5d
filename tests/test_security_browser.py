"""Sign-in in a real browser: the login page, Dash callbacks and uploads carrying CSRF tokens.

Headless Chromium signs in on the real app (auth on) and uses it: every callback must pass
the CSRF check (the Dash renderer sends the ``_csrf_token`` cookie as ``X-CSRFToken``), an
analyst's upload goes through, a viewer's is refused by the server, and signing out ends it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import accounts
from dashboard.app import create_app
from dashboard.browser import chromium, serve_in_thread, severe_logs, wait_for, wait_idle
from etl.load import ingest
from etl.store import close_shared, cursor
from tests.test_crash_kill import write_log

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

USERS = {"ana": ("analyst", "analyst password"), "vic": ("viewer", "viewer password")}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("signin")
    db = folder / "store.duckdb"
    log = folder / "loans.csv"
    write_log(log, 40, 1)
    ingest(log, "loans", db=db)
    con = cursor(db)
    for name, (role, password) in USERS.items():
        accounts.add_user(con, name, password, role)
    con.close()
    mp = pytest.MonkeyPatch()
    mp.setenv("LOANFLOW_CACHE_DIR", str(folder / "cache"))
    app = create_app(db, auth=True)
    with serve_in_thread(app) as url:
        yield url
    close_shared(db)
    mp.undo()


@pytest.fixture
def driver() -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def sign_in(driver: Any, base_url: str, name: str, path: str = "/?dataset=loans") -> None:
    driver.get(base_url + path)
    wait_for(lambda: "/login" in driver.current_url)
    driver.find_element("id", "username").send_keys(name)
    driver.find_element("id", "password").send_keys(USERS[name][1])
    driver.find_element("id", "sign-in").click()
    wait_for(lambda: "/login" not in driver.current_url)
    wait_idle(driver, timeout=60)


def test_sign_in_then_every_callback_passes_csrf(driver: Any, base_url: str) -> None:
    sign_in(driver, base_url, "ana")
    assert driver.current_url.endswith("/?dataset=loans")
    assert driver.find_elements("css selector", ".lf-kpi")  # the Overview's callbacks ran
    for path in ("/handoffs?dataset=loans", "/variants?dataset=loans"):
        driver.get(base_url + path)
        wait_idle(driver, timeout=60)
    assert severe_logs(driver) == []  # no callback refused (400/401/403) or failed


def test_analyst_uploads_viewer_is_refused(driver: Any, base_url: str, tmp_path: Path) -> None:
    log = tmp_path / "upload.csv"
    write_log(log, 5, 2)
    sign_in(driver, base_url, "ana", "/data")
    assert not driver.find_elements("id", "data-readonly")
    field = wait_for(lambda: driver.find_elements("css selector", "input.lf-upload"))[0]
    field.send_keys(str(log))
    wait_for(lambda: driver.find_elements("css selector", "#data-preview .ag-row"), timeout=60)
    assert severe_logs(driver) == []
    driver.get(base_url + "/logout")
    wait_for(lambda: "/login" in driver.current_url)

    sign_in(driver, base_url, "vic", "/data")
    # a viewer is told the role needed; the hidden upload field is forged into anyway
    assert "analyst role" in driver.find_element("id", "data-readonly").text
    assert not driver.find_element("id", "data-delete").is_displayed()
    field = wait_for(lambda: driver.find_elements("css selector", "input.lf-upload"))[0]
    field.send_keys(str(log))
    wait_for(
        lambda: (
            "403" in driver.find_element("id", "data-upload-status").text
            or any("403" in entry for entry in severe_logs(driver))
        ),
        timeout=30,
    )
    assert not driver.find_elements("css selector", "#data-preview .ag-row")


def test_sign_out_returns_to_the_login_page(driver: Any, base_url: str) -> None:
    sign_in(driver, base_url, "vic")
    driver.get(base_url + "/logout")
    wait_for(lambda: "/login" in driver.current_url)
    assert "signed out" in driver.page_source
    driver.get(base_url + "/variants")
    wait_for(lambda: "/login" in driver.current_url)
