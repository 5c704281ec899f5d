"""The What if page in headless Chromium: choose a dataset, change a department's head
count, simulate, and read baseline and scenario from the result table; then the Compare
page's report download, in Simplified Chinese, checks that prediction against the other
dataset (the predicted-vs-actual section).

Two small generated logs (a few hundred cases) and two replications keep it quick. The
simulation runs as the dashboard's background job in this process: every wait is bounded,
and a job still running when the test ends is cancelled, so the test fails, never hangs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dashboard.app import create_app
from dashboard.browser import (
    allow_downloads,
    chromium,
    click,
    downloaded,
    serve_in_thread,
    severe_logs,
    wait_for,
    wait_idle,
)
from dashboard.jobs import RUNNER
from dashboard.views.whatif import KIND
from etl.load import ingest
from etl.store import close_shared, connect
from loanflow.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
JOB_SECONDS = 300  # discovery, validation and 2 x 2 replications of 250 cases
DEPARTMENT = "風險管理部"

ROWS = """
const api = window.dash_ag_grid.getApi(arguments[0]);
const rows = [];
api.forEachNode(node => rows.push(node.data));
return rows;
"""


def _small_log(folder: Path, name: str, cases: int, seed: int) -> Path:
    log = folder / f"{name}.csv"
    args = ["generate", "--cases", str(cases), "--seed", str(seed), "--encoding", "gb18030"]
    args += ["--format", "csv"]
    result = CliRunner().invoke(main, [*args, "--layout", "instances", "--out", str(log)])
    assert result.exit_code == 0, result.output
    return log


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser_whatif")
    db = folder / "store.duckdb"
    con = connect(db)
    profile = SAMPLES / "before.profile.yaml"
    ingest(_small_log(folder, "small", 250, 7), "small", con=con, profile=profile)
    ingest(_small_log(folder, "other", 120, 8), "other", con=con, profile=profile)
    con.close()
    app = create_app(db, auth=False)
    with serve_in_thread(app) as url:
        yield url
    for job in RUNNER.jobs(KIND):  # a job left running must not outlive the test
        RUNNER.cancel(job.id)
        job.ended.wait(60)
    close_shared(db)


@pytest.fixture(scope="module")
def driver(base_url: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def choose(driver: Any, dropdown_id: str, text: str) -> None:
    """Pick an option of a dcc.Dropdown by typing it."""
    box = driver.find_element("css selector", f"#{dropdown_id}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.click()
    box.find_element("css selector", "input").send_keys(text)
    option = wait_for(
        lambda: driver.find_elements(
            "css selector",
            f"#{dropdown_id} .VirtualizedSelectOption, #{dropdown_id} [role='option']",
        )
    )
    option[0].click()


def type_number(driver: Any, element_id: str, value: str) -> None:
    """Replace a number field's value as a person would (select all, type)."""
    from selenium.webdriver.common.keys import Keys

    field = driver.find_element("css selector", f"#{element_id}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", field)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(value)
    wait_for(lambda: field.get_attribute("value") == value)


def _job_finished(driver: Any) -> bool:
    """Whether the result table is there; a failed job's message fails the test at once."""
    if driver.find_elements("css selector", "#whatif-table .ag-row"):
        return True
    failed = driver.find_elements("css selector", "#whatif-body .alert-danger")
    assert not failed, failed[0].text
    return False


def test_simulate_a_head_count_change_and_read_the_result(driver: Any, base_url: str) -> None:
    driver.get(base_url + "/whatif?dataset=other")
    wait_idle(driver, timeout=60)
    choose(driver, "filter-dataset", "small")  # the dataset, chosen in the filter bar
    wait_for(lambda: "dataset=small" in driver.current_url)
    wait_idle(driver, timeout=60)
    choose(driver, "whatif-staff-dept", DEPARTMENT)
    type_number(driver, "whatif-staff", "2")
    type_number(driver, "whatif-runs", "2")
    click(driver, "#whatif-write")
    yaml_box = driver.find_element("css selector", "#whatif-yaml")
    wait_for(lambda: DEPARTMENT in (yaml_box.get_attribute("value") or ""))
    assert "+2" in yaml_box.get_attribute("value")
    click(driver, "#whatif-run")
    try:
        wait_for(lambda: _job_finished(driver), timeout=JOB_SECONDS)
    except TimeoutError as exc:
        status = driver.find_element("css selector", "#whatif-status").text
        raise AssertionError(
            f"the simulation did not finish within {JOB_SECONDS} s (status: {status!r})"
        ) from exc
    wait_idle(driver, timeout=60)
    rows = driver.execute_script(ROWS, "whatif-table")
    by_name = {row["metric"]: row for row in rows}
    # the table shows the job's own result: the scenario of the chosen dataset, each
    # metric in its unit (hours as the label says, shares as percentages)
    job = [j for j in RUNNER.jobs(KIND) if j.state == "done"][-1]
    assert job.result["dataset"] == "small" and job.result["runs"] == 2
    result = {m["name"]: m for m in job.result["metrics"]}
    for name, key in (
        ("Median cycle time (h)", "median_cycle_time_hours"),
        ("90th percentile cycle time (h)", "p90_cycle_time_hours"),
    ):
        shown = by_name[name]
        for column in ("baseline", "scenario"):
            assert shown[column] == f"{result[key][column]:,.1f}", (name, shown)
        assert shown["change"] == f"{result[key]['change']:+,.1f}", (name, shown)
    approved = by_name["Approved share"]
    assert approved["baseline"] == f"{100 * result['approved_share']['baseline']:.1f}%"
    assert approved["change"].endswith(" pp")
    # the prediction is kept in the store, and the page says under which id
    notice = driver.find_element("css selector", "#whatif-body").text
    assert re.search(r"kept in the store as p-[0-9a-f]{12}", notice), notice
    risk = result[f"utilisation:{DEPARTMENT}"]
    assert risk["scenario"] < risk["baseline"]  # two more people share the same work
    assert by_name[f"Utilisation: {DEPARTMENT}"]["scenario"] == f"{100 * risk['scenario']:.1f}%"
    # the cells show numbers, and the charts are drawn
    cells = driver.find_elements(
        "css selector",
        "#whatif-table .ag-row [col-id='baseline'], #whatif-table [col-id='scenario']",
    )
    shown = [c.text for c in cells if c.text.strip() and c.get_attribute("role") == "gridcell"]
    assert shown and all(any(ch.isdigit() for ch in text) for text in shown), shown
    for chart in ("whatif-kpis", "whatif-waits", "whatif-util"):
        assert driver.find_elements("css selector", f"#{chart} .main-svg"), chart
    assert severe_logs(driver) == []


def test_the_compare_report_checks_the_prediction(
    driver: Any, base_url: str, tmp_path: Path
) -> None:
    """Runs after the simulation above: its prediction of `small`, kept in the browser,
    is offered on the Compare page and checked against `other` in the downloaded report."""
    job = [j for j in RUNNER.jobs(KIND) if j.state == "done"][-1]
    allow_downloads(driver, str(tmp_path))
    driver.get(base_url + "/compare?dataset=small&lang=zh-Hans")
    wait_idle(driver, timeout=60)
    choose(driver, "compare-before", "small")
    choose(driver, "compare-after", "other")
    label = wait_for(
        lambda: driver.find_element("css selector", "#compare-prediction").text.strip()
    )
    assert "次模拟" in label  # the kept prediction, named in the page's language
    click(driver, "#compare-report")
    page = downloaded(str(tmp_path), "loanflow-comparison.html", timeout=120)
    section = page.split('<section id="prediction">', 1)[1].split("</section>", 1)[0]
    assert "预测" in section and "Predicted" not in section
    predicted = {m["name"]: m for m in job.result["metrics"]}
    for name in ("median_cycle_time_hours", "p90_cycle_time_hours", "approved_share"):
        row = section.split(f'<tr data-metric="{name}">', 1)[1].split("</tr>", 1)[0]
        value = float(row.split('class="num predicted" data-value="', 1)[1].split('"', 1)[0])
        assert value == predicted[name]["scenario"], name
    assert severe_logs(driver) == []
