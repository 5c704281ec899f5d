"""The real dashboard in headless Chromium: every page, a filter, the language, an upload.

The app is created on a real store loaded from the committed sample logs and served by
werkzeug in a thread. Any SEVERE browser console entry (a failed callback answers HTTP 500
and the renderer logs it) fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard.app import create_app
from dashboard.browser import chromium, click, serve_in_thread, severe_logs, wait_for, wait_idle
from dashboard.demo import ensure_demo_data
from etl.store import close_shared
from tests.test_dashboard_fixtures import write_log

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "/": "Overview",
    "/map": "Process map",
    "/handoffs": "Handoffs between departments",
    "/bottlenecks": "Bottlenecks",
    "/variants": "Variants",
    "/cases": "Cases",
    "/compare": "Compare before and after",
    "/conformance": "Conformance",
    "/data": "Data",
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "store.duckdb"
    list(ensure_demo_data(db, ROOT / "sample_logs"))
    app = create_app(db, auth=False)
    with serve_in_thread(app) as url:
        yield url
    close_shared(db)


@pytest.fixture(scope="module")
def driver(base_url: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser


def open_page(driver: Any, url: str) -> None:
    driver.get(url)
    wait_idle(driver, timeout=60)


def heading(driver: Any) -> str:
    return str(driver.find_element("css selector", ".lf-page h3").text)


def assert_clean(driver: Any) -> None:
    errors = severe_logs(driver)
    assert errors == [], errors
    overlay = driver.find_elements("css selector", ".dash-fe-error__title, .dash-debug-menu__error")
    assert overlay == []


def test_every_page_opens_without_errors(driver: Any, base_url: str) -> None:
    for path, title in PAGES.items():
        open_page(driver, base_url + path + "?dataset=before")
        assert heading(driver) == title, path
        assert "dataset=before" in driver.current_url
        assert_clean(driver)
    # the Overview has its cards and charts; the map its graph; the cases their rows
    open_page(driver, base_url + "/?dataset=before")
    assert len(driver.find_elements("css selector", ".lf-kpi")) == 10
    assert driver.find_elements("css selector", "#overview-trends .main-svg")
    open_page(driver, base_url + "/map?dataset=before")
    assert driver.find_elements("css selector", "#map-graph canvas")
    open_page(driver, base_url + "/cases?dataset=before")
    wait_for(lambda: driver.find_elements("css selector", "#cases-grid .ag-row"))
    assert_clean(driver)


def choose(driver: Any, dropdown_id: str, text: str) -> None:
    """Pick an option of a dcc.Dropdown by typing it."""
    box = driver.find_element("css selector", f"#{dropdown_id}")
    box.click()
    field = box.find_element("css selector", "input")
    field.send_keys(text)
    option = wait_for(
        lambda: driver.find_elements(
            "css selector",
            f"#{dropdown_id} .VirtualizedSelectOption, #{dropdown_id} [role='option']",
        )
    )
    option[0].click()


def cases_card(driver: Any) -> str:
    return str(driver.find_elements("css selector", ".lf-kpi .lf-kpi-value")[0].text)


def test_a_filter_changes_the_url_and_the_figures(driver: Any, base_url: str) -> None:
    open_page(driver, base_url + "/?dataset=before")
    everything = cases_card(driver)
    choose(driver, "filter-outcome", "approved")
    wait_for(lambda: "outcome=approved" in driver.current_url)
    wait_idle(driver, timeout=60)
    wait_for(lambda: cases_card(driver) != everything)
    assert int(cases_card(driver).replace(",", "")) < int(everything.replace(",", ""))
    # the view is bookmarkable: opening the URL again shows the same selection
    driver.get(driver.current_url)
    wait_idle(driver, timeout=60)
    assert "approved" in driver.find_element("css selector", "#filter-outcome").text
    assert_clean(driver)


def test_language_switch_relabels_and_is_remembered(driver: Any, base_url: str) -> None:
    from selenium.webdriver.support.ui import Select

    open_page(driver, base_url + "/handoffs?dataset=before")
    Select(driver.find_element("css selector", "#lang-switch")).select_by_value("zh-Hant")
    wait_for(lambda: "lang=zh-Hant" in driver.current_url)
    wait_idle(driver, timeout=60)
    wait_for(lambda: heading(driver) == "部門間交接")
    assert "總覽" in driver.find_element("css selector", ".navbar").text
    # a later visit without the language in the URL comes back in 繁體中文
    open_page(driver, base_url + "/variants?dataset=before")
    wait_for(lambda: heading(driver) == "流程變體")
    Select(driver.find_element("css selector", "#lang-switch")).select_by_value("zh-Hans")
    wait_for(lambda: heading(driver) == "流程变体")
    Select(driver.find_element("css selector", "#lang-switch")).select_by_value("en")
    wait_for(lambda: heading(driver) == "Variants")
    assert_clean(driver)


def test_upload_a_file_and_see_it_load(driver: Any, base_url: str, tmp_path: Path) -> None:
    log = write_log(tmp_path, "上傳測試.csv")
    open_page(driver, base_url + "/data")
    field = wait_for(lambda: driver.find_elements("css selector", "input.lf-upload"))[0]
    field.send_keys(str(log))
    wait_for(
        lambda: driver.find_elements(
            "css selector", "#data-mapping .Select, #data-mapping .dash-dropdown"
        )
    )
    wait_for(lambda: driver.find_elements("css selector", "#data-preview .ag-row"))
    name = driver.find_element("css selector", "#data-name")
    assert name.get_attribute("value") == "上傳測試"
    click(driver, "#data-load")
    loaded = wait_for(lambda: driver.find_elements("css selector", ".lf-loaded"), timeout=60)
    assert "上傳測試" in loaded[0].text
    wait_for(lambda: "上傳測試" in driver.find_element("css selector", "#data-datasets").text)
    # the new dataset is offered in the filter bar
    open_page(driver, base_url + "/?dataset=上傳測試")
    assert cases_card(driver) == "4"
    assert_clean(driver)


def test_compare_runs_and_offers_the_report(driver: Any, base_url: str) -> None:
    open_page(driver, base_url + "/compare?dataset=before")
    click(driver, "#compare-run")
    wait_for(lambda: driver.find_elements("css selector", "#compare-forest .main-svg"), timeout=120)
    wait_idle(driver, timeout=60)
    assert driver.find_elements("css selector", "#compare-ecdf .main-svg")
    assert_clean(driver)


def test_map_mode_and_sliders_live_in_the_url(driver: Any, base_url: str) -> None:
    open_page(driver, base_url + "/map?dataset=before")
    click(driver, "#map-mode input[value='performance']")
    wait_for(lambda: "mode=performance" in driver.current_url)
    wait_idle(driver, timeout=60)
    # a bookmark of the view opens it with the same mode and slider levels
    open_page(driver, base_url + "/map?dataset=before&mode=performance&activities=30&paths=0")
    checked = driver.find_element("css selector", "#map-mode input[value='performance']")
    assert checked.is_selected()
    handle = driver.find_element("css selector", "#map-activities .rc-slider-handle")
    assert handle.get_attribute("aria-valuenow") == "30"
    # the map at 30% is still drawn from start to end, and says what it hides
    note = driver.find_element("css selector", "#map-hidden").text
    assert "hidden" in note
    assert driver.find_elements("css selector", "#map-graph canvas")
    assert_clean(driver)


WHOLE_TABLE = """
const grid = document.getElementById(arguments[0]);
const rows = Array.from(grid.querySelectorAll('.ag-center-cols-container .ag-row'));
const total = window.dash_ag_grid.getApi(arguments[0]).getDisplayedRowCount();
const bottom = Math.max(...rows.map(r => r.getBoundingClientRect().bottom));
return rows.length === total && bottom <= grid.getBoundingClientRect().bottom + 1;
"""


def test_printing_shows_every_row_of_a_table(driver: Any, base_url: str) -> None:
    open_page(driver, base_url + "/handoffs?dataset=before")
    wait_for(lambda: driver.find_elements("css selector", "#handoffs-grid .ag-row"))
    # on screen the table is a box that scrolls: its last rows lie below its edge
    assert driver.execute_script(WHOLE_TABLE, "handoffs-grid") is False
    driver.execute_script("window.dispatchEvent(new Event('beforeprint'));")
    wait_for(lambda: driver.execute_script(WHOLE_TABLE, "handoffs-grid"))
    driver.execute_script("window.dispatchEvent(new Event('afterprint'));")
    wait_for(lambda: driver.execute_script(WHOLE_TABLE, "handoffs-grid") is False)
    assert_clean(driver)


# Per header cell of a grid: its column, whether it holds numbers (right-aligned), its words'
# right edge and its filter icon's left edge.
HEADER_PLACES = """
return Array.from(document.querySelectorAll(arguments[0] + ' .ag-header-cell')).map(cell => {
    const words = cell.querySelector('.ag-header-cell-text').getBoundingClientRect();
    const icon = cell.querySelector('.ag-header-cell-filter-button').getBoundingClientRect();
    return [cell.getAttribute('col-id'), cell.classList.contains('ag-right-aligned-header'),
            Math.round(words.right), Math.round(icon.left)];
});
"""


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_every_header_has_its_words_before_its_filter_icon(
    driver: Any, base_url: str, lang: str
) -> None:
    """A number column's header is right-aligned with its icon after its words, never an
    icon alone at its left (next to the icon of the column before, the header read empty:
    the waiting causes' second column, Instances)."""
    open_page(driver, base_url + f"/waits?dataset=before&lang={lang}")
    wait_for(lambda: driver.find_elements("css selector", "#waits-grid .ag-row"), 120)
    places = driver.execute_script(HEADER_PLACES, "#waits-grid")
    assert [p[0] for p in places][:3] == ["name", "instances", "wait_hours"]
    assert all(words <= icon for _, _, words, icon in places), places
    # a number header's words end beside its icon (at the right, over the numbers)
    numbers = [(words, icon) for _, number, words, icon in places if number]
    assert len(numbers) == 9 and all(icon - words < 12 for words, icon in numbers), places
    assert_clean(driver)


# Each Latin word of each header text, and how many lines it is drawn on (a word broken
# inside, "Unavaila / bility", is on two).
WORD_LINES = """
const found = [];
for (const cell of document.querySelectorAll(arguments[0] + ' .ag-header-cell-text')) {
  const node = cell.firstChild;
  if (!node || node.nodeType !== Node.TEXT_NODE) continue;
  for (const match of node.textContent.matchAll(/[A-Za-z]{3,}/g)) {
    const range = document.createRange();
    range.setStart(node, match.index);
    range.setEnd(node, match.index + match[0].length);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    found.push([match[0], tops.size]);
  }
}
return found;
"""


@pytest.mark.parametrize(("path", "table"), [("/waits", "#waits-grid"), ("/bottlenecks", "")])
def test_headers_wrap_between_words_not_inside_them(
    driver: Any, base_url: str, path: str, table: str
) -> None:
    """At 1440 px the waiting causes' headers broke inside words ("Contentio / n",
    "Prioritizat / ion"): a column is at least as wide as its header's longest word."""
    open_page(driver, base_url + f"{path}?dataset=before&lang=en")  # English: Latin words
    wait_for(lambda: driver.find_elements("css selector", f"{table} .ag-row".strip()), 120)
    words = driver.execute_script(WORD_LINES, table or "body")
    assert len(words) > 10
    broken = [word for word, lines in words if lines != 1]
    assert broken == [], broken
    assert_clean(driver)
