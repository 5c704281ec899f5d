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
from report.build import (
    build_report,
    kpi_rows,
    metric_rows,
    metric_sentence,
    summary_sentences,
    write_report,
)
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
        "approval rate (approved of decided cases) unchanged (67% → 67%, not significant)."
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
        "Median cycle time fell from 127.2 h to 43.2 h (−66%, 95% CI −68% to −63%, p < 0.001)"
    )
    assert metric_sentence(metric, "zh-Hant") == (
        "案件週期時間中位數由 127.2 小時下降至 43.2 小時"
        "（−66%，95% 信賴區間 −68% 至 −63%，p < 0.001）"
    )
    share = replace(
        comparison.metric("approval_rate"),
        before=0.61,
        after=0.62,
        significant=False,
    )
    assert metric_sentence(share, "en") == (
        "Approval rate (approved of decided cases) unchanged (61% → 62%, not significant)"
    )


def test_kpi_table_names_every_kpi_and_writes_it_by_its_kind(comparison: Comparison) -> None:
    """By hand: before 3 cases (7 h approved, 10 h rejected, 3 h approved), after 4 (3 h
    approved, 4 h rejected, 6 h approved, 2 h withdrawn); SLA 5 h."""
    rows = {r["kpi"]: r for r in kpi_rows(comparison, "en")}
    assert not [name for name in rows if "_" in name or "." in name]  # no raw keys
    assert rows["Cases"] == {"kpi": "Cases", "before": "3", "after": "4", "change_abs": "+1",
                             "change": "+33.3%"}  # fmt: skip
    approved = rows["Approved (share of all cases)"]
    assert (approved["before"], approved["after"]) == ("66.7%", "50.0%")
    assert (approved["change_abs"], approved["change"]) == ("−16.7 pp", "–")  # points only
    sla = rows["SLA compliance"]
    assert (sla["before"], sla["after"], sla["change_abs"]) == ("33.3%", "75.0%", "+41.7 pp")
    assert rows["Median cycle time"]["before"] == "7.0 h"
    assert "outcome mapped" not in rows  # a flag, not a figure
    zh = {r["kpi"]: r for r in kpi_rows(comparison, "zh-Hant")}
    assert zh["SLA 達成率"]["change_abs"] == "+41.7 個百分點"


def test_the_two_approval_figures_say_which_is_which(comparison: Comparison) -> None:
    """Approved of decided cases (2/3 on both sides) is not approved of all cases (2/4)."""
    metric = next(r for r in metric_rows(comparison, "en") if r["key"] == "approval_rate")
    assert metric["name"] == "Approval rate (approved of decided cases)"
    assert (metric["before"], metric["after"]) == ("66.7%", "66.7%")
    assert metric["change"].endswith(" pp") and metric["interval"].endswith(" pp")
    variants = next(r for r in metric_rows(comparison, "en") if r["key"] == "variant_distribution")
    assert "." not in variants["before"] + variants["after"]  # a count of variants


def test_cost_per_case_carries_the_profile_currency(comparison: Comparison) -> None:
    from dataclasses import replace

    priced = replace(
        comparison,
        kpis_before=comparison.kpis_before | {"cost_per_case": 1200.5, "currency": "CNY"},
        kpis_after=comparison.kpis_after | {"cost_per_case": 1000.0, "currency": "CNY"},
    )
    cost = next(r for r in kpi_rows(priced, "en") if r["kpi"] == "Cost per case")
    assert (cost["before"], cost["after"]) == ("1,200.50 CNY", "1,000.00 CNY")
    assert (cost["change_abs"], cost["change"]) == ("−200.50 CNY", "−16.7%")


def test_case_mix_legend_sits_above_the_rotated_labels(comparison: Comparison) -> None:
    legend = charts.mix_figure(comparison, "zh-Hant").layout.legend
    assert legend.y >= 1 and legend.yanchor == "bottom"


def test_unknown_language_is_refused(comparison: Comparison) -> None:
    with pytest.raises(ValueError, match="zh-Hant"):
        build_report(comparison, "fr")


def test_chart_data_is_the_comparison(comparison: Comparison) -> None:
    ecdf = charts.ecdf_figure(comparison)
    assert sorted(ecdf.data[0].x) == pytest.approx([3, 7, 10])  # hours, as everywhere
    assert list(ecdf.data[1].y) == pytest.approx([0.25, 0.5, 0.75, 1.0])
    forest = charts.forest_figure(comparison)
    shown = sum(len(trace.x) for trace in forest.data)
    assert shown == len(charts.forest_metrics(comparison)) > 0
    shares = [m for m in charts.forest_metrics(comparison) if m.unit == "share"]
    sla = next(m for m in shares if m.name == "sla_compliance")
    assert list(forest.data[-1].x)[::-1][shares.index(sla)] == pytest.approx(sla.change_abs * 100)
    departments, matrix = comparison.handoff_matrix()
    i, j = departments.index("信貸部"), departments.index("風險管理部")
    assert matrix[i, j] == pytest.approx(3 / 4 - 2 / 3)
    heatmap = charts.handoff_delta_figure(comparison)
    assert heatmap.data[0].z[i][j] == pytest.approx(3 / 4 - 2 / 3)  # the chart draws it
    document = comparison.to_json()["handoff_matrix"]
    assert document["departments"] == departments
    assert document["per_case"][i][j] == pytest.approx(3 / 4 - 2 / 3)


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


def test_text_output_shows_the_corrected_interval_and_any_note(
    comparison: Comparison, capsys: pytest.CaptureFixture[str]
) -> None:
    import dataclasses

    from loanflow.commands.compare import _print_table

    median = comparison.metric("median_cycle_time_hours")
    noted = dataclasses.replace(median, note="the two methods disagree")
    shown = dataclasses.replace(comparison, metrics=[noted, *comparison.metrics[1:]])
    _print_table(shown, "en")
    out = capsys.readouterr().out
    low, high = (f"{v * 100:+.1f}%".replace("-", "−") for v in median.ci_adjusted)
    assert f"{low} … {high}" in out  # the corrected interval, not ci95
    assert median.ci_adjusted != median.ci95
    assert "! median_cycle_time_hours: the two methods disagree" in out


# Proper nouns the Chinese report keeps in Latin letters: the surnames of eponymous methods
# without a settled Chinese name (every other word of their names is translated), units,
# acronyms and the letters of tests and effect sizes.
REPORT_LATIN = {
    "Mood", "Welch", "Newcombe", "Benjamini", "Hochberg", "Cohen", "Cliff", "Cramér",
    "LoanFlow", "KPI", "SLA", "UTC", "p", "t", "z", "d", "h", "V",
}  # fmt: skip


def report_latin_words(page: str, data_words: set[str]) -> dict[str, str]:
    """The Latin-letter words of a report's shown text (not its scripts or styles) that are
    neither data nor an allowed proper noun, unit or symbol, each with its line."""
    body = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", body))
    found: dict[str, str] = {}
    for line in text.splitlines():
        for word in re.findall(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ0-9'’]*", line):
            if word not in REPORT_LATIN and word not in data_words:
                found.setdefault(word, line.strip()[:100])
    return found


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_chinese_report_names_its_methods_in_chinese(comparison: Comparison, lang: str) -> None:
    """Test and effect-size names, the methods paragraph and the sides' selections read in
    Chinese (卡方檢定, 自助法, Welch t 檢定, Cohen d 值), not as "chi-square" or "bootstrap"."""
    data_words = {"a", "b", "A", "B", "micro", "small", "medium", "large"}
    page = build_report(comparison, lang)
    assert report_latin_words(page, data_words) == {}
    rows = {r["key"]: r for r in metric_rows(comparison, lang)}
    traditional = lang == "zh-Hant"
    assert rows["variant_distribution"]["test"] == ("卡方檢定" if traditional else "卡方检验")
    assert rows["p90_cycle_time_hours"]["test"].startswith("自助法")
    assert rows["mean_cycle_time_hours"]["effect"].startswith("Cohen d 值 ")
    english = {r["key"]: r for r in metric_rows(comparison, "en")}
    assert english["variant_distribution"]["test"] == "chi-square"
    assert english["p90_cycle_time_hours"]["test"] == "bootstrap"


def test_the_report_check_finds_english() -> None:
    """The word filter itself: an English method name fails, proper nouns and data pass."""
    page = "<p>Welch t 檢定、bootstrap 區間</p><script>var x = 1;</script><td>a</td>"
    assert set(report_latin_words(page, {"a"})) == {"bootstrap"}
