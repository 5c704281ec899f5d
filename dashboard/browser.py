"""Driving the dashboard in headless Chromium (browser tests and the screenshot script).

Uses Debian's ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` through Selenium, each run
with a fresh profile folder, and a werkzeug server in a thread for the app under test.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve a Dash app on a free port in a daemon thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server(host, 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium(width: int = 1440, height: int = 1000, lang: str = "en-US") -> Iterator[Any]:
    """A headless Chromium driven by Selenium, with browser console logs captured."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="loanflow-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.add_argument(f"--lang={lang}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


IDLE_SCRIPT = """
return document.readyState === 'complete'
    && !!document.querySelector('#react-entry-point .lf-page')
    && document.querySelectorAll('[data-dash-is-loading="true"]').length === 0
    && document.querySelectorAll('._dash-loading, ._dash-loading-callback').length === 0
    && document.querySelectorAll('.lf-page [id$="-body"]:empty').length === 0;
"""


def wait_idle(driver: Any, timeout: float = 30.0, settle: float = 0.8) -> None:
    """Wait until the page is rendered and no Dash callback is running."""
    deadline = time.time() + timeout
    calm_since: float | None = None
    while time.time() < deadline:
        if driver.execute_script(IDLE_SCRIPT):
            calm_since = calm_since or time.time()
            if time.time() - calm_since >= settle:
                return
        else:
            calm_since = None
        time.sleep(0.1)
    raise TimeoutError(f"the page at {driver.current_url} did not settle in {timeout} s")


def click(driver: Any, selector: str) -> None:
    """Click the element ``selector`` names as a person would: once the page has settled
    (a callback still rendering can move it), scrolled to the middle of the window at once
    (the stylesheet's smooth scrolling would still be under way at the click)."""
    wait_idle(driver, timeout=60, settle=0.3)
    element = driver.find_element("css selector", selector)
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    element.click()


def wait_for(condition: Any, timeout: float = 30.0) -> Any:
    """Poll ``condition()`` until it returns something truthy, and return that."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"condition not met within {timeout:.0f} s")


def severe_logs(driver: Any) -> list[str]:
    """Browser console entries at level SEVERE since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def allow_downloads(driver: Any, folder: str) -> None:
    """Let the page's downloads (dcc.Download) land in ``folder`` without asking."""
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder}
    )


def downloaded(folder: str, name: str, timeout: float = 60.0) -> str:
    """The text of the file ``name`` once its download into ``folder`` has finished."""
    from pathlib import Path

    target = Path(folder) / name
    wait_for(lambda: target.exists() and not list(Path(folder).glob("*.crdownload")), timeout)
    return target.read_text(encoding="utf-8")
