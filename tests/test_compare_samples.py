"""The shipped sample logs, loaded with the real ETL: the comparison finds what was built.

``sample_logs/ground_truth.json`` records, from the simulation itself, each period's
cycle times, outcome shares, rework, default rate, guardrail breaches and handoffs. The
comparison must see the same figures and say the right things about them: much faster,
less rework, rule breaches gone, risk control not weakened.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from analysis.compare import Comparison, compare
from analysis.filters import Filters
from analysis.handoffs import handoffs
from analysis.process_map import process_map
from analysis.rules import rule_flags
from etl.load import ingest
from etl.store import connect
from report import charts

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLES / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_store(
    tmp_path_factory: pytest.TempPathFactory, truth: dict
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("samples") / "store.duckdb")
    for name, file in truth["generator"]["files"].items():
        ingest(SAMPLES / file, name, con=con, profile=SAMPLES / f"{name}.profile.yaml")
    yield con
    con.close()


@pytest.fixture(scope="module")
def result(sample_store: duckdb.DuckDBPyConnection) -> Comparison:
    return compare(sample_store, ("before", None), ("after", None), n_resamples=500)


def test_cycle_time_matches_the_generator(result: Comparison, truth: dict) -> None:
    median = result.headline
    before, after = truth["before"]["cycle_time_hours"], truth["after"]["cycle_time_hours"]
    assert median.before == pytest.approx(before["median"], abs=0.01)
    assert median.after == pytest.approx(after["median"], abs=0.01)
    built = after["median"] / before["median"] - 1
    assert median.change == pytest.approx(built, abs=0.001)
    assert median.ci95[0] < built < median.ci95[1]
    assert median.ci95[1] < -0.5  # far more than half the time saved, surely
    assert median.significant and median.p_adjusted < 1e-6
    p90 = result.metric("p90_cycle_time_hours")
    assert p90.before == pytest.approx(before["p90"], abs=0.01)
    assert p90.after == pytest.approx(after["p90"], abs=0.01)
    working = result.metric("median_cycle_time_working_hours")
    assert working.before == pytest.approx(
        truth["before"]["cycle_time_working_hours"]["median"], abs=0.01
    )


def test_shares_match_the_generator(result: Comparison, truth: dict) -> None:
    for metric, key in (
        ("approval_rate", "approval_rate_of_decided"),
        ("rework_share", "rework_share"),
        ("default_rate", "default_rate_of_approved"),
    ):
        found = result.metric(metric)
        assert found.before == pytest.approx(truth["before"][key], abs=1e-4), metric
        assert found.after == pytest.approx(truth["after"][key], abs=1e-4), metric
    rework = result.metric("rework_share")
    assert rework.significant and rework.change_abs < -0.4
    withdrawn = result.metric("withdrawal_rate")
    assert withdrawn.before == pytest.approx(truth["before"]["outcome_share"]["withdrawn"])
    # the redesign did not loosen credit: approval and default rates not significantly worse
    assert not result.metric("default_rate").significant


def test_guardrail_breaches_match_and_are_gone(
    result: Comparison, truth: dict, sample_store: duckdb.DuckDBPyConnection
) -> None:
    for period in ("before", "after"):
        flags, rules = rule_flags(sample_store, period, Filters())
        counts = {rule: int(flags[rule].sum()) for rule in rules}
        assert counts == truth[period]["guardrail_breaches"], period
    for rule in truth["before"]["guardrail_breaches"]:
        metric = result.metric(f"rule_{rule}_share")
        assert metric.after == 0.0 and metric.before > 0
        assert metric.significant and metric.improved()
    assert result.guardrails.weakened is False
    assert result.guardrails.reasons == []


def test_handoffs_match_the_generator_and_the_analysis(
    result: Comparison, truth: dict, sample_store: duckdb.DuckDBPyConnection
) -> None:
    pairs = {(h.source, h.target): h for h in result.handoffs}
    for expected in truth["before"]["handoffs"]:
        found = pairs[(expected["from"], expected["to"])]
        assert found.count_before == expected["count"]
        assert found.cases_before == expected["cases"]
        assert found.median_wait_hours_before == pytest.approx(
            expected["median_wait_hours"], abs=0.01
        )
    table = handoffs(sample_store, "after")
    for row in table.to_dict(orient="records"):
        found = pairs[(row["from"], row["to"])]
        assert found.count_after == row["count"]
        assert found.median_wait_hours_after == pytest.approx(row["median_wait_hours"])


def test_edges_agree_with_the_process_map(
    result: Comparison, sample_store: duckdb.DuckDBPyConnection
) -> None:
    for period in ("before", "after"):
        edges = process_map(sample_store, period).edges
        mine = {
            (e.source, e.target): (e.count_before, e.cases_before)
            if period == "before"
            else (e.count_after, e.cases_after)
            for e in result.edges
        }
        for row in edges.to_dict(orient="records"):
            assert mine[(row["from"], row["to"])] == (row["count"], row["cases"]), row
    statuses = {e.status for e in result.edges}
    assert {"added", "removed", "changed"} <= statuses
    added = {(e.source, e.target) for e in result.edges if e.status == "added"}
    assert any("自動評分" in edge for edge in added)  # the redesign's automatic scoring


def test_mix_adjustment_keeps_the_speed_up(result: Comparison) -> None:
    """Applicants are drawn alike in both periods: the speed-up is the process's own."""
    mix = result.mix
    assert mix.coverage > 0.9
    assert mix.adjusted_ci95[1] < -0.5
    assert abs(mix.adjusted_change - mix.raw_change) < 0.05


def test_kpis_side_by_side_cover_every_kpi(result: Comparison, truth: dict) -> None:
    rows = {row["kpi"]: row for row in result.kpi_table()}
    assert rows["cases"]["before"] == truth["before"]["cases"]
    assert rows["events"]["after"] == truth["after"]["events"]
    assert rows["cycle_time_hours.median"]["change"] == pytest.approx(result.headline.change)


def test_report_summary_on_the_samples(result: Comparison, truth: dict) -> None:
    from report.build import build_report, summary_sentences

    before = truth["before"]["cycle_time_hours"]["median"]
    after = truth["after"]["cycle_time_hours"]["median"]
    built = f"{(after / before - 1) * 100:.0f}%".replace("-", "−")
    summary = summary_sentences(result, "en")
    assert summary[0].startswith(
        f"Median cycle time fell from {before:,.1f} h to {after:,.1f} h ({built}, 95% CI"
    )
    assert summary[1] == "Risk control was not weakened: no guardrail got significantly worse."
    page = build_report(result, "zh")
    assert "案件週期時間中位數由" in page and "風險控制未被削弱" in page


def test_split_intervals_agree_with_the_verdicts(sample_store: duckdb.DuckDBPyConnection) -> None:
    """The sample's split at 1 May (issue: "Significant: no" beside a 95% interval that
    excludes zero): every row's corrected interval agrees with its verdict, or says why not;
    the p90 is tested by its own bootstrap."""
    from datetime import date

    from analysis.compare import compare_split

    split = compare_split(sample_store, "before", date(2025, 5, 1), n_resamples=500)
    tested = [m for m in split.metrics if m.p_value == m.p_value]  # not NaN
    significant = sum(m.significant for m in tested)
    level = 1 - 0.05 * max(significant, 1) / len(tested)
    mean = split.metric("mean_cycle_time_hours")
    assert mean.ci95_abs[0] > 0 and not mean.significant  # the row of the issue
    for metric in split.metrics:
        if metric.interval_at is None:
            continue
        assert metric.ci_adjusted_level == pytest.approx(level)
        low, high = metric.ci_adjusted_abs
        outside = low > 0 or high < 0
        assert (outside == metric.significant) == (metric.note is None), metric.name
    p90 = split.metric("p90_cycle_time_hours")
    assert p90.test == "bootstrap" and 0 < p90.p_value <= 1
    both = compare(sample_store, ("before", None), ("after", None), n_resamples=500)
    fast = both.metric("p90_cycle_time_hours")  # -75% (issue: p "–", "Significant: no")
    assert fast.significant and fast.ci_adjusted[1] < 0 and fast.note is None


@pytest.fixture(scope="module")
def cause_change_list(sample_store: duckdb.DuckDBPyConnection) -> list[dict]:
    from analysis.waits.report import cause_changes

    return cause_changes(sample_store, ("before", None), ("after", None))


_CELL = re.compile(r'<tr data-from="([^"]*)" data-to="([^"]*)">(.*?)</tr>', re.S)
_VALUE = re.compile(
    r'data-cause="(\w+)" data-before="([^"]*)" data-after="([^"]*)" data-change="([^"]*)">'
    r"([^<]*)<br><small>([^<]*)</small>"
)


def _waits_section(page: str) -> dict[tuple[str, str], dict[str, tuple[float, float, str]]]:
    """The report's cause-change table: per handoff, per cause (and "total"), the numbers
    it carries and the text it shows."""
    start = page.index('<h3 id="waits">')
    section = page[start : page.index('<h3 id="variants">')]
    table: dict[tuple[str, str], dict[str, tuple[float, float, str]]] = {}
    for source, target, cells in _CELL.findall(section):
        table[(html.unescape(source), html.unescape(target))] = {
            cause: (float(before), float(after), html.unescape(text))
            for cause, before, after, _change, text, _shown in _VALUE.findall(cells)
        }
    return table


def test_report_shows_how_each_handoffs_causes_changed(
    result: Comparison, cause_change_list: list[dict]
) -> None:
    """The report's section carries exactly `loanflow waits before --compare after`'s
    figures, per handoff and cause, in its order, and shows them to two decimals."""
    from report.build import build_report

    page = build_report(result, "en", cause_changes=cause_change_list)
    table = _waits_section(page)
    assert list(table) == [(c["from"], c["to"]) for c in cause_change_list]
    causes = ("batching", "contention", "prioritization", "unavailability", "extraneous")
    for change in cause_change_list:
        row = table[(change["from"], change["to"])]
        assert set(row) == {"total", *causes}
        for cause in causes:
            before, after, text = row[cause]
            assert before == change["before"][cause] and after == change["after"][cause]
            assert text == f"{before:,.2f} → {after:,.2f}"
        total = row["total"]
        assert total[:2] == (
            change["before_wait_hours_per_case"],
            change["after_wait_hours_per_case"],
        )
        # independent: the total is the sum of the five causes
        assert total[0] == pytest.approx(sum(change["before"].values()), abs=1e-3)
    # what was built: the committee's wait was cut by meeting more often (batching)
    committee = table[("風險管理部", "審批委員會")]
    assert committee["batching"][1] < committee["batching"][0] / 2
    # the chart: one bar per handoff and side, stacked by cause, same numbers
    figure = charts.cause_change_figure(cause_change_list, "en")
    shown = cause_change_list[:8]
    batching = next(trace for trace in figure.data if trace.name == "Batching")
    assert list(batching.x)[::-1] == [
        c[side]["batching"] for c in shown for side in ("before", "after")
    ]
    assert page.count('class="plotly-graph-div"') == 6


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "zh",
            (
                "申請為何等待：各交接的等待原因",
                "批次等待",
                "資源競爭",
                "插隊優先",
                "非工作時間",
                "合計",
            ),
        ),
        (
            "zh-Hans",
            (
                "申请为何等待：各交接的等待原因",
                "批次等待",
                "资源竞争",
                "插队优先",
                "非工作时间",
                "合计",
            ),
        ),
    ],
)
def test_report_cause_section_is_translated(
    result: Comparison, cause_change_list: list[dict], lang: str, words: tuple[str, ...]
) -> None:
    from report.build import build_report

    page = build_report(result, lang, cause_changes=cause_change_list)
    section = page[page.index('<h3 id="waits">') : page.index('<h3 id="variants">')]
    for word in words:
        assert word in section, word
    assert "batching" not in html.unescape(section).replace('data-cause="batching"', "")
    figure = charts.cause_change_figure(cause_change_list, lang)
    assert [trace.name for trace in figure.data] == [*words[1:5], "外部因素"]
