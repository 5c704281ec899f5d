"""The upload's mapping step in headless Chromium: a log without outcome information is
uploaded, its end activities are proposed, the outcomes (and a department, the SLA) are
set on the page, the log loads under that profile, the Overview measures outcome shares,
and the downloaded profile loads the same file the same way through ``loanflow ingest``.

The log, worked by hand (GB18030, Chinese headers, no outcome column):

| case | activities                          | outcome as mapped on the page            |
|------|-------------------------------------|------------------------------------------|
| B1   | Submit, Review, Approve loan        | approved (guessed from the name)         |
| B2   | Submit, Review, Reject application  | rejected (guessed from the name)         |
| B3   | Submit, Review, Contract signed     | approved (no guess: chosen on the page)  |
| B4   | Submit, Review                      | open (Review is not an outcome)          |

so approved 2/4 = 50.0%, rejected 1/4 = 25.0%, withdrawn 0, open 1/4.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from dashboard.app import create_app
from dashboard.browser import chromium, click, serve_in_thread, severe_logs, wait_for, wait_idle
from etl.store import close_shared
from loanflow.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

ROWS = [
    ("B1", "Submit", "2025-03-03 09:00"),
    ("B1", "Review", "2025-03-03 11:00"),
    ("B1", "Approve loan", "2025-03-04 10:00"),
    ("B2", "Submit", "2025-03-03 09:30"),
    ("B2", "Review", "2025-03-03 12:00"),
    ("B2", "Reject application", "2025-03-05 16:00"),
    ("B3", "Submit", "2025-03-04 09:00"),
    ("B3", "Review", "2025-03-04 15:00"),
    ("B3", "Contract signed", "2025-03-06 10:00"),
    ("B4", "Submit", "2025-03-05 09:00"),
    ("B4", "Review", "2025-03-06 09:00"),
]
EXPECTED_SHARES = {"approved": 0.5, "rejected": 0.25, "withdrawn": 0.0, "open": 0.25}


def write_log(folder: Path) -> Path:
    """The log above as GB18030 CSV."""
    lines = ["申請編號,活動,時間"] + [",".join(row) for row in ROWS]
    path = folder / "無結果.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("mapping")
    db = folder / "store.duckdb"
    app = create_app(db, auth=False)
    with serve_in_thread(app) as url:
        yield url, db
    close_shared(db)


def pattern_id(kind: str, index: int) -> str:
    """The CSS selector of a pattern-matching component (Dash writes its id as JSON)."""
    return f"""[id='{{"index":{index},"type":"{kind}"}}']"""


def choose(driver: Any, selector: str, text: str) -> None:
    """Pick an option of a dcc.Dropdown by typing it."""
    box = driver.find_element("css selector", selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    time.sleep(0.2)
    box.click()
    box.find_element("css selector", "input").send_keys(text)
    option = wait_for(
        lambda: box.find_elements("css selector", ".VirtualizedSelectOption, [role='option']")
    )
    option[0].click()


def listed_activities(driver: Any) -> list[str]:
    cells = driver.find_elements("css selector", "#data-choice-table .lf-choice-activity")
    return [c.text for c in cells]


def test_map_outcomes_on_upload_load_and_reuse_the_profile(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    base, _ = served
    log = write_log(tmp_path)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with chromium() as driver:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        driver.get(base + "/data")
        wait_idle(driver, timeout=60)
        field = wait_for(lambda: driver.find_elements("css selector", "input.lf-upload"))[0]
        field.send_keys(str(log))
        wait_for(lambda: listed_activities(driver), timeout=60)
        wait_idle(driver, timeout=60)
        # end activities first (each ends all its cases), then Review (ends 1 of 4), Submit
        names = listed_activities(driver)
        assert names == [
            "Approve loan",
            "Contract signed",
            "Reject application",
            "Review",
            "Submit",
        ]
        outcomes = [
            driver.find_element("css selector", pattern_id("data-outcome", i)).text
            for i in range(len(names))
        ]
        assert outcomes[0] == "approved" and outcomes[2] == "rejected"
        assert outcomes[1] == outcomes[3] == "(not an outcome)"
        # the analyst maps the outcome the name does not say, a department and the SLA
        choose(driver, pattern_id("data-outcome", 1), "approved")
        department = driver.find_element("css selector", pattern_id("data-dept", 3))
        department.send_keys("信貸部")
        sla = driver.find_element("css selector", "#data-sla")
        sla.send_keys("48")
        click(driver, "#data-profile-download")
        saved = wait_for(lambda: list(downloads.glob("*.yaml")), timeout=30)
        click(driver, "#data-load")
        loaded = wait_for(lambda: driver.find_elements("css selector", ".lf-loaded"), timeout=90)
        assert "無結果" in loaded[0].text
        driver.get(base + "/?dataset=無結果")
        wait_idle(driver, timeout=60)
        cards = {
            card.find_element("css selector", ".small").text: card.find_element(
                "css selector", ".lf-kpi-value"
            ).text
            for card in driver.find_elements("css selector", ".lf-kpi")
        }
        assert cards["Approved"] == "50.0%"
        assert cards["Rejected"] == "25.0%"
        assert "outcome not mapped" not in driver.find_element("css selector", ".lf-page").text
        assert severe_logs(driver) == []

    profile = yaml.safe_load(saved[0].read_text(encoding="utf-8"))
    assert saved[0].name == "無結果.profile.yaml"
    assert profile["outcomes"] == {
        "Approve loan": "approved",
        "Contract signed": "approved",
        "Reject application": "rejected",
    }
    assert profile["departments"] == {"by_activity": {"Review": "信貸部"}}
    assert profile["sla"] == {"cycle_time_hours": 48.0}
    # the downloaded profile loads the same file the same way from the command line
    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    args = ["ingest", str(log), "--dataset", "cli", "--db", db, "--profile", str(saved[0])]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    kpis = json.loads(runner.invoke(main, ["kpis", "cli", "--db", db, "--json"]).stdout)
    assert kpis["outcome_share"] == pytest.approx(EXPECTED_SHARES)
