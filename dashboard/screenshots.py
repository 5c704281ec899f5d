"""Screenshots of every dashboard page, for docs/screenshots/ and docs/dashboard.md.

Loads the sample before/after logs into a fresh store, serves the app in a thread and
photographs each page in headless Chromium (Debian's chromium and chromium-driver):

    python -m dashboard.screenshots [--out docs/screenshots] [--lang en]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from dashboard.app import create_app
from dashboard.browser import chromium, serve_in_thread, wait_idle
from dashboard.demo import ensure_demo_data
from etl.store import close_shared

ROOT = Path(__file__).resolve().parent.parent
# file name, path, what to do on the page before the picture
SHOTS: tuple[tuple[str, str, str], ...] = (
    ("overview", "/", ""),
    ("process-map", "/map", ""),
    ("handoffs", "/handoffs", ""),
    ("bottlenecks", "/bottlenecks", ""),
    ("variants", "/variants", ""),
    ("cases", "/cases", "pick-case"),
    ("compare", "/compare", "run-compare"),
    ("conformance", "/conformance", "run-conformance"),
    ("data", "/data", ""),
)


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


def _wait_for(driver: Any, selector: str, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.find_elements("css selector", selector):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{selector} did not appear in {timeout} s")


def take(out: Path, lang: str = "en", dataset: str = "before") -> list[Path]:
    """Photograph every page into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="loanflow-shots-") as folder:
        db = Path(folder) / "store.duckdb"
        list(ensure_demo_data(db, ROOT / "sample_logs"))
        app = create_app(db, auth=False)
        try:
            with serve_in_thread(app) as url, chromium(1440, 1100) as driver:
                for name, path, action in SHOTS:
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
    """A screenshot of the whole page height (at most 2,400 px)."""
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1440, min(max(height, 900), 2400))
    time.sleep(0.5)
    driver.save_screenshot(str(target))
    driver.set_window_size(1440, 1100)


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshots of every dashboard page.")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="en", choices=["en", "zh-Hant", "zh-Hans"])
    parser.add_argument("--dataset", default="before")
    args = parser.parse_args()
    for path in take(args.out, args.lang, args.dataset):
        print(path)


if __name__ == "__main__":
    main()
