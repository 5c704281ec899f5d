"""The HTML report: self-contained, summary first, in three languages, and it renders offline."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from analysis.compare import Comparison, compare
from etl.store import connect
from report import charts
from report.build import build_report, metric_sentence, summary_sentences, write_report
from tests.analysis_logs import make_log
from tests.test_compare import PROFILE, after_rows, attributes, before_rows
from vocabulary import normalise_language


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Comparison]:
    con: duckdb.DuckDBPyConnection = connect(tmp_path_factory.mktemp("rep") / "s.duckdb")
    make_log(con, "b", before_rows(), PROFILE, attributes("b", {"b1"}))
    make_log(con, "a", after_rows(), PROFILE, attributes("a", set()))
    yield compare(con, ("b", None), ("a", None), n_resamples=100)
    con.close()


EXTERNAL = re.compile(
    r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*[\"']?(https?:)?//", re.I
)


@pytest.mark.parametrize("lang", ["en", "zh", "zh-Hans"])
def test_report_is_self_contained_with_the_summary_first(comparison: Comparison, lang: str) -> None:
    page = build_report(comparison, lang)
    assert EXTERNAL.search(page) is None
    assert page.count("window.PlotlyConfig") == 1  # plotly.js embedded exactly once
    assert page.count('class="plotly-graph-div"') == 5  # ecdf, forest, mix, 2 heatmaps
    text = html.unescape(page)
    summary = summary_sentences(comparison, lang)
    assert summary[0] in text
    assert page.index('id="summary"') < page.index('class="plotly-graph-div"')
    assert f'lang="{normalise_language(lang)}"' in page


def test_summary_sentences_in_each_language(comparison: Comparison) -> None:
    assert summary_sentences(comparison, "en")[0] == (
        "Median cycle time unchanged (7.0 h → 3.5 h, not significant); "
        "approval rate unchanged (67% → 67%, not significant)."
    )
    assert summary_sentences(comparison, "zh")[0].startswith("案件週期時間中位數無顯著變化")
    assert summary_sentences(comparison, "zh-Hans")[0].startswith("案件周期时间中位数无显著变化")


def test_significant_sentence_format(comparison: Comparison) -> None:
    from dataclasses import replace

    metric = replace(
        comparison.headline,
        before=127.2,
        after=43.2,
        change=-0.66,
        ci95=(-0.68, -0.63),
        p_adjusted=0.0001,
        significant=True,
        change_abs=-84.0,
    )
    assert metric_sentence(metric, "en") == (
        "Median cycle time fell from 5.3 days to 1.8 days (−66%, 95% CI −68% to −63%, p < 0.001)"
    )
    assert metric_sentence(metric, "zh-Hant") == (
        "案件週期時間中位數由 5.3 天下降至 1.8 天（−66%，95% 信賴區間 −68% 至 −63%，p < 0.001）"
    )
    share = replace(
        comparison.metric("approval_rate"),
        before=0.61,
        after=0.62,
        significant=False,
    )
    assert metric_sentence(share, "en") == "Approval rate unchanged (61% → 62%, not significant)"


def test_unknown_language_is_refused(comparison: Comparison) -> None:
    with pytest.raises(ValueError, match="zh-Hant"):
        build_report(comparison, "fr")


def test_chart_data_is_the_comparison(comparison: Comparison) -> None:
    ecdf = charts.ecdf_figure(comparison)
    assert sorted(ecdf.data[0].x * 24) == pytest.approx([3, 7, 10])
    assert list(ecdf.data[1].y) == pytest.approx([0.25, 0.5, 0.75, 1.0])
    forest = charts.forest_figure(comparison)
    shown = sum(len(trace.x) for trace in forest.data)
    assert shown == len(charts.forest_metrics(comparison)) > 0
    shares = [m for m in charts.forest_metrics(comparison) if m.unit == "share"]
    sla = next(m for m in shares if m.name == "sla_compliance")
    assert list(forest.data[-1].x)[::-1][shares.index(sla)] == pytest.approx(sla.change_abs * 100)
    departments, matrix = charts.handoff_matrix(comparison)
    i, j = departments.index("信貸部"), departments.index("風險管理部")
    assert matrix[i, j] == pytest.approx(3 / 4 - 2 / 3)


@pytest.mark.browser
def test_report_renders_offline_in_chromium(comparison: Comparison, tmp_path: Path) -> None:
    """Open the file in headless Chromium with the network cut: every chart draws."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    path = write_report(comparison, tmp_path / "report.html", "zh")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        driver.set_network_conditions(offline=True, latency=0, throughput=0)
        driver.get(path.as_uri())
        drawn = driver.execute_script(
            "return document.querySelectorAll('.js-plotly-plot .main-svg').length"
        )
        assert drawn >= 5
        assert "案件週期時間中位數" in driver.find_element("id", "summary").text
    finally:
        driver.quit()
