"""Screenshots of every dashboard page, for docs/screenshots/ and docs/dashboard.md.

Loads the sample before/after logs into a fresh store, adds a few accounts and a day's
audit rows for the Admin page, serves the app in a thread (sign-in off: the local user is
the admin) and photographs each page in headless Chromium (Debian's chromium and
chromium-driver), with what a reader does there first (a case picked, a comparison run, a
simulation run):

    python -m dashboard.screenshots [--out docs/screenshots] [--lang en] [--only admin]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import accounts
from dashboard.app import create_app
from dashboard.browser import chromium, serve_in_thread, wait_idle
from dashboard.demo import ensure_demo_data
from etl.store import close_shared, connect

ROOT = Path(__file__).resolve().parent.parent
# file name, path, what to do on the page before the picture
SHOTS: tuple[tuple[str, str, str], ...] = (
    ("overview", "/", ""),
    ("process-map", "/map", ""),
    ("handoffs", "/handoffs", ""),
    ("bottlenecks", "/bottlenecks", ""),
    ("why-waiting", "/waits", "pick-wait-case"),
    ("variants", "/variants", ""),
    ("cases", "/cases", "pick-case"),
    ("what-if", "/whatif", "run-whatif"),
    ("compare", "/compare", "run-compare"),
    ("conformance", "/conformance", "run-conformance"),
    ("data", "/data", ""),
    ("admin", "/admin", "admin-tables"),
)
WAIT_CASE = "LA2025000007"  # a case of the sample's before log with waits of several causes
WHATIF_DEPARTMENT = "風險管理部"
# (user, role) accounts and (user, action, target, detail, address) rows for the Admin page
ACCOUNTS = (("root", "admin"), ("ana", "analyst"), ("eva", "evaluator"), ("vic", "viewer"))
AUDIT_ROWS = (
    ("alice@cli", "user-add", "ana", "role=analyst", None),
    ("alice@cli", "load", "before",
     "create (cli): done: 41,478 events, 2,000 cases, 0 rejected", None),
    ("ana", "sign-in", "ana", "analyst", "10.1.2.7"),
    ("ana", "upload", "after.xes.gz", "1843211 bytes", "10.1.2.7"),
    ("ana", "load", "after", "create: done: 35,512 events", "10.1.2.7"),
    ("vic", "sign-in", "vic", "viewer", "10.1.4.20"),
    ("vic", "refused", "/_dash-update-component", "needs evaluator", "10.1.4.20"),
    ("eva", "sign-in", "eva", "evaluator", "10.1.3.11"),
    ("eva", "export", "loanflow-comparison.html", "comparison report (datasets)", "10.1.3.11"),
    ("eva", "export", "cases.csv", "2,000 rows", "10.1.3.11"),
    ("root", "sign-in", "root", "admin", "10.1.1.2"),
)  # fmt: skip


def _act(driver: Any, action: str) -> None:
    """Press what a page needs before it shows its content."""
    if action == "run-compare":
        driver.find_element("css selector", "#compare-run").click()
        _wait_for(driver, "#compare-forest .main-svg", 180)
    elif action == "run-conformance":
        driver.find_element("css selector", "#conformance-run").click()
        _wait_for(driver, "#conformance-hist .main-svg", 180)
    elif action == "pick-case":
        _wait_for(driver, "#cases-grid .ag-row", 60)
        driver.find_elements("css selector", "#cases-grid .ag-row .ag-cell")[0].click()
        _wait_for(driver, "#cases-timeline .main-svg .bars", 60)
    elif action == "pick-wait-case":
        field = driver.find_element("css selector", "#waits-case-id")
        field.send_keys(WAIT_CASE + "\n")
        _wait_for(driver, "#waits-case-chart .main-svg .bars", 120)
    elif action == "run-whatif":
        _run_whatif(driver)
    elif action == "admin-tables":
        _wait_for(driver, "#admin-audit-grid .ag-row", 60)


def _run_whatif(driver: Any) -> None:
    """Two more people in risk management, two replications: simulate and wait."""
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element("css selector", "#whatif-staff-dept")
    box.click()
    box.find_element("css selector", "input").send_keys(WHATIF_DEPARTMENT + Keys.ENTER)
    for field, value in (("#whatif-staff", "2"), ("#whatif-runs", "2")):
        element = driver.find_element("css selector", field)
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(value)
    driver.find_element("css selector", "#whatif-write").click()
    scenario = driver.find_element("css selector", "#whatif-yaml")
    deadline = time.time() + 60
    while WHATIF_DEPARTMENT not in (scenario.get_attribute("value") or ""):
        if time.time() > deadline:
            raise TimeoutError("the scenario was not written in 60 s")
        time.sleep(0.2)
    driver.find_element("css selector", "#whatif-run").click()
    _wait_for(driver, "#whatif-table .ag-row", 600)


def _accounts_and_audit(db: Path) -> None:
    """A few accounts and a day's audit rows, as the Admin page of a bank in use shows."""
    con = connect(db)
    try:
        for name, role in ACCOUNTS:
            if accounts.get_user(con, name) is None:
                accounts.add_user(con, name, f"{name} screenshot password", role)
        for user, action, target, detail, address in AUDIT_ROWS:
            accounts.audit(con, user, action, target, detail, remote_addr=address)
    finally:
        con.close()


def _wait_for(driver: Any, selector: str, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.find_elements("css selector", selector):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{selector} did not appear in {timeout} s")


def take(
    out: Path, lang: str = "en", dataset: str = "before", only: tuple[str, ...] = ()
) -> list[Path]:
    """Photograph every page (or those named in ``only``) into ``out``; returns the files
    written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="loanflow-shots-") as folder:
        db = Path(folder) / "store.duckdb"
        list(ensure_demo_data(db, ROOT / "sample_logs"))
        _accounts_and_audit(db)
        app = create_app(db, auth=False)
        try:
            with serve_in_thread(app) as url, chromium(1440, 1100) as driver:
                for name, path, action in SHOTS:
                    if only and name not in only:
                        continue
                    query = f"?dataset={dataset}" + (f"&lang={lang}" if lang != "en" else "")
                    driver.get(url + path + query)
                    wait_idle(driver, timeout=120)
                    if action:
                        _act(driver, action)
                        wait_idle(driver, timeout=120)
                    time.sleep(1.0)  # let charts finish their transitions
                    suffix = "" if lang == "en" else f"-{lang}"
                    target = out / f"{name}{suffix}.png"
                    _full_page(driver, target)
                    written.append(target)
        finally:
            close_shared(db)
    return written


def _full_page(driver: Any, target: Path) -> None:
    """A screenshot of the whole page height (at most 3,200 px: Why waiting ends with one
    case's waits), from its top (a field typed in below scrolls the page)."""
    driver.execute_script("window.scrollTo(0, 0);")
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1440, min(max(height, 900), 3200))
    time.sleep(0.5)
    driver.save_screenshot(str(target))
    driver.set_window_size(1440, 1100)


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshots of every dashboard page.")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="en", choices=["en", "zh-Hant", "zh-Hans"])
    parser.add_argument("--dataset", default="before")
    parser.add_argument(
        "--only", action="append", default=[], choices=[name for name, _, _ in SHOTS],
        help="Photograph only this page (repeat for several).",
    )  # fmt: skip
    args = parser.parse_args()
    for path in take(args.out, args.lang, args.dataset, tuple(args.only)):
        print(path)


if __name__ == "__main__":
    main()
