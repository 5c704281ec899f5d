"""The dashboard's remaining figures on Spark (analysis.lake.pages) against the store path,
which is itself checked against hand-worked logs and pm4py: the weekly trends, work in
progress, the SLA early warning, the case table and its pages, one case's timeline and
waits, the cases behind a map element, the loan rules, conformance, the departments'
calendars, the scenario names, the filter bar's choices and the time zone.

Counts, names and orders equal; real numbers within 1e-9 (tests/lake_parity.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from analysis.bottlenecks import sla_risk
from analysis.case_metrics import case_metrics, case_page
from analysis.conformance import conformance
from analysis.dataset_facts import case_timeline, filter_choices, time_zone
from analysis.filters import Filters
from analysis.lake import lake_equivalent, pages
from analysis.process_map import END, START, element_cases
from analysis.rules import rule_results
from analysis.trends import weekly_trend, wip_over_time
from analysis.waits.report import case_waits, department_calendars
from analysis.whatif.scenario import scenario_names
from tests.lake_parity import assert_same

pytestmark = pytest.mark.xdist_group("spark")

MODEL = Path(__file__).resolve().parent.parent / "sample_logs" / "to_be.bpmn"


def _clock_figures_agree(
    con: duckdb.DuckDBPyConnection, run: Any, name: str, f: Filters
) -> pd.DataFrame:
    """The figures that read the dataset's clock and its open cases: weeks and days on the
    local clock, the SLA warning, the case table's pages, the calendars, the filter bar's
    days and the time zone. Returns the store path's case metrics."""
    assert_same(weekly_trend(con, name, f), pages.weekly_trend(run, f), "weekly")
    assert_same(wip_over_time(con, name, f), pages.wip_over_time(run, f), "wip")
    assert_same(sla_risk(con, name, f, limit=10), pages.sla_risk(run, f, limit=10), "sla")
    cases = case_metrics(con, name, f)
    assert len(cases) > 0
    for order in ((("cycle_time_hours", True),), (("product", False), ("sla_met", True))):
        store_page, store_total = case_page(con, name, f, order=order, offset=1, limit=3)
        lake_page, lake_total = pages.case_page(run, f, order=order, offset=1, limit=3)
        assert store_total == lake_total == len(cases)
        assert_same(store_page, lake_page, f"case page {order}")
    assert_same(department_calendars(con, name, f), pages.department_calendars(run, f), "cal")
    assert_same(filter_choices(con, name).to_json(), pages.filter_choices(run).to_json(), "bar")
    assert time_zone(con, name) == pages.time_zone(run)
    return cases


def _figures_agree(con: duckdb.DuckDBPyConnection, run: Any, name: str, f: Filters) -> None:
    """Every figure of the pages on the store path and on the lake, the same."""
    cases = _clock_figures_agree(con, run, name, f)
    assert_same(cases, pages.case_metrics(run, f), "case metrics")
    longest = str(cases.sort_values(["instances", "case_id"]).iloc[-1]["case_id"])
    assert_same(case_timeline(con, name, longest), pages.case_timeline(run, longest), "timeline")
    activity = str(case_timeline(con, name, longest)["activity"].iloc[0])
    for where in ({"activity": activity}, {"source": START, "target": activity},
                  {"source": activity, "target": END}):  # fmt: skip
        store_rows = element_cases(con, name, f, **where, limit=50)
        assert_same(store_rows, pages.element_cases(run, f, **where, limit=50), str(where))
    assert_same(
        [r.to_json() for r in rule_results(con, name, f)],
        [r.to_json() for r in pages.rule_results(run, f)],
        "rules",
    )
    assert_same(
        conformance(con, name, f, MODEL).to_json(),
        pages.conformance(run, f, str(MODEL)).to_json(),
        "conformance",
    )
    assert_same(case_waits(con, name, longest), pages.case_waits(run, longest), "case waits")
    assert_same(list(scenario_names(con, name)), list(pages.scenario_names(run)), "names")


def test_the_pages_figures_on_the_hand_worked_logs(
    lake_hand_store: duckdb.DuckDBPyConnection, lake_hand_runs: dict[str, Any]
) -> None:
    _figures_agree(lake_hand_store, lake_hand_runs["hand"], "hand", Filters())
    # the edge cases: daylight saving inside the log (two offsets), a holiday, open cases
    # without mapped outcomes (the credible-open rule), cases without instances' ends
    edge = Filters(outcomes=("approved", "rejected", "open"))
    _clock_figures_agree(lake_hand_store, lake_hand_runs["edge"], "edge", edge)
    assert len(pages.time_zone(lake_hand_runs["edge"]).offsets) == 2


def test_the_pages_figures_on_a_sample_log(
    lake_sample_store: duckdb.DuckDBPyConnection, lake_sample_runs: Any
) -> None:
    f = Filters(outcomes=("approved", "rejected"), amount_min=100_000)
    # "after": its waiting causes' decomposition is shared with tests/test_lake_waits.py
    _figures_agree(lake_sample_store, lake_sample_runs("after"), "after", f)


def test_every_figure_of_the_pages_has_a_lake_equivalent() -> None:
    """The dashboard routes each of these through analysis.lake.lake_equivalent."""
    for function, options, args in (
        (weekly_trend, {}, ()),
        (wip_over_time, {}, ()),
        (sla_risk, {"limit": 10}, ()),
        (case_metrics, {}, ()),
        (case_page, {"order": (), "offset": 0, "limit": 100}, ()),
        (element_cases, {"activity": "x", "limit": 200}, ()),
        (rule_results, {}, ()),
        (conformance, {}, (str(MODEL), "token_replay")),
        (department_calendars, {}, ()),
    ):
        assert lake_equivalent(function, options, args) is not None, function
    assert lake_equivalent(weekly_trend, {"unknown": 1}) is None


# --- a dashboard whose store does not hold the dataset, in headless Chromium --------------


@pytest.mark.browser
def test_a_dataset_only_in_the_lake_browsed_in_chromium(
    lake_hand_runs: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOANFLOW_ENGINE=spark and LOANFLOW_LAKE at the hand-worked logs' lake, an empty
    store: every page opens on ``hand`` and shows the lake's numbers."""
    from analysis.lake import figures
    from dashboard.app import create_app
    from dashboard.browser import chromium, click, serve_in_thread, wait_for, wait_idle
    from etl.store import close_shared, using
    from etl.store import dataset_names as store_names
    from tests.test_browser_dashboard import assert_clean, cases_card, heading
    from vocabulary import t

    run = lake_hand_runs["hand"]
    monkeypatch.setenv("LOANFLOW_ENGINE", "spark")
    monkeypatch.setenv("LOANFLOW_LAKE", str(run.engine.lake))
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "store.duckdb"
    app = create_app(db, auth=False)
    with using(db) as con:
        assert store_names(con) == []  # the store holds no dataset at all
    cases = pages.case_metrics(run)
    with serve_in_thread(app) as url, chromium() as driver:

        def visit(path: str, page: str) -> None:
            driver.get(f"{url}{path}?dataset=hand")
            wait_idle(driver, timeout=90)
            assert heading(driver) == t(f"{page}.title", "en"), path
            assert "dataset=hand" in driver.current_url  # the lake's dataset is offered

        def rows(grid: str, column: str) -> list[str]:
            cells = f"#{grid} .ag-center-cols-container .ag-row [col-id='{column}']"
            return [e.text for e in driver.find_elements("css selector", cells)]

        visit("/", "overview")
        assert len(driver.find_elements("css selector", ".lf-kpi")) == 10
        assert int(cases_card(driver)) == figures.kpis(run).cases == len(cases)
        assert driver.find_elements("css selector", "#overview-trends .main-svg")
        assert "hand" in driver.find_element("css selector", "#filter-dataset").text
        visit("/map", "map")
        assert driver.find_elements("css selector", "#map-graph canvas")
        visit("/handoffs", "handoffs")
        shown = wait_for(lambda: rows("handoffs-grid", "from"))
        assert len(shown) == len(figures.handoffs(run))
        visit("/bottlenecks", "bottlenecks")
        assert driver.find_elements("css selector", "#bottlenecks-wip .main-svg")
        visit("/variants", "variants")
        assert driver.find_elements("css selector", "#variants-chart .main-svg")
        visit("/cases", "cases")
        shown = wait_for(lambda: rows("cases-grid", "case_id"))
        assert sorted(shown) == sorted(cases["case_id"])
        first = driver.find_element("css selector", "#cases-grid .ag-row [col-id='case_id']")
        case = first.text
        first.click()
        wait_for(lambda: case in driver.find_element("css selector", "#cases-timeline").text)
        visit("/waits", "waits")
        assert driver.find_elements("css selector", "#waits-calendars .main-svg")
        driver.find_element("css selector", "#waits-case-id").send_keys(case + "\n")
        wait_for(lambda: driver.find_elements("css selector", "#waits-case-chart .main-svg"))
        visit("/compare", "compare")
        click(driver, "#compare-run")
        wait_for(lambda: driver.find_elements("css selector", "#compare-forest .main-svg"), 120)
        visit("/conformance", "conformance")
        click(driver, "#conformance-run")
        wait_for(lambda: driver.find_elements("css selector", "#conformance-hist .main-svg"), 60)
        visit("/whatif", "whatif")
        note = driver.find_element("css selector", "#whatif-engine-note").text
        assert note == t("whatif.lake_only", "en", dataset="hand")
        visit("/data", "data")
        assert sorted(wait_for(lambda: rows("data-datasets", "name"))) == ["edge", "hand"]
        wait_idle(driver, timeout=60)
        assert_clean(driver)
    close_shared(db)
