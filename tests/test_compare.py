"""The comparison on hand-made logs in a real store, every figure worked out by hand."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import date

import duckdb
import pytest

from analysis.compare import Comparison, compare, compare_split, split_filters
from analysis.filters import Filters
from analysis.rules import rule_flags
from etl.errors import LoanFlowError, UnknownDatasetError
from etl.store import connect
from tests.analysis_logs import CaseAttrs, Inst, make_log

PROFILE = {
    "outcomes": {"放款": "approved", "拒絕通知": "rejected", "客戶撤回": "withdrawn"},
    "sla": {"cycle_time_hours": 5},
    "rules": {
        "risk_activities": ["B"],
        "decision_activities": ["放款", "拒絕通知"],
        "investigation_activities": ["A"],
        "approval_activities": ["放款"],
    },
}
CREDIT, RISK, OPS, FRONT = "信貸部", "風險管理部", "運營部", "客戶經理部"


def _day(day: str, hour: int) -> str:
    return f"{day} {hour:02d}:00"


def before_rows(prefix: str = "b") -> list[Inst]:
    """Three cases: 7 h approved; 10 h rejected with credit-risk-credit ping-pong; 3 h
    approved without the risk assessment. The investigator of b1 also pays it out."""
    d1, d2, d3 = "2024-01-01", "2024-01-02", "2024-01-03"
    return [
        Inst(f"{prefix}1", "A", _day(d1, 0), _day(d1, 1), CREDIT, "u1"),
        Inst(f"{prefix}1", "B", _day(d1, 3), _day(d1, 4), RISK, "r1"),
        Inst(f"{prefix}1", "放款", _day(d1, 6), _day(d1, 7), OPS, "u1"),
        Inst(f"{prefix}2", "A", _day(d2, 0), _day(d2, 2), CREDIT, "u2"),
        Inst(f"{prefix}2", "B", _day(d2, 4), _day(d2, 5), RISK, "r1"),
        Inst(f"{prefix}2", "A", _day(d2, 7), _day(d2, 8), CREDIT, "u2"),
        Inst(f"{prefix}2", "拒絕通知", _day(d2, 9), _day(d2, 10), OPS, "o1"),
        Inst(f"{prefix}3", "A", _day(d3, 0), _day(d3, 1), CREDIT, "u3"),
        Inst(f"{prefix}3", "放款", _day(d3, 2), _day(d3, 3), OPS, "o1"),
    ]


def after_rows(prefix: str = "a") -> list[Inst]:
    """Four cases: 3 h, 4 h (rejected), 6 h approved, and a 2 h withdrawal."""
    d1, d2, d3, d4 = "2024-02-01", "2024-02-02", "2024-02-03", "2024-02-04"
    return [
        Inst(f"{prefix}1", "A", _day(d1, 0), _day(d1, 1), CREDIT, "u1"),
        Inst(f"{prefix}1", "B", _day(d1, 1), _day(d1, 2), RISK, "r1"),
        Inst(f"{prefix}1", "放款", _day(d1, 2), _day(d1, 3), OPS, "o1"),
        Inst(f"{prefix}2", "A", _day(d2, 0), _day(d2, 1), CREDIT, "u2"),
        Inst(f"{prefix}2", "B", _day(d2, 2), _day(d2, 3), RISK, "r2"),
        Inst(f"{prefix}2", "拒絕通知", _day(d2, 3), _day(d2, 4), OPS, "o1"),
        Inst(f"{prefix}3", "A", _day(d3, 0), _day(d3, 1), CREDIT, "u3"),
        Inst(f"{prefix}3", "B", _day(d3, 1), _day(d3, 2), RISK, "r1"),
        Inst(f"{prefix}3", "放款", _day(d3, 5), _day(d3, 6), OPS, "o2"),
        Inst(f"{prefix}4", "A", _day(d4, 0), _day(d4, 1), CREDIT, "u1"),
        Inst(f"{prefix}4", "客戶撤回", _day(d4, 1), _day(d4, 2), FRONT, "c1"),
    ]


def attributes(prefix: str, defaulted: set[str]) -> dict[str, CaseAttrs]:
    return {
        f"{prefix}{i}": CaseAttrs(
            amount=100.0 * i,
            product="micro",
            other={"是否違約": "是" if f"{prefix}{i}" in defaulted else "否"},
        )
        for i in range(1, 5)
    }


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One real store with the hand-made datasets b, a and both (b and a in one log)."""
    store = connect(tmp_path_factory.mktemp("hand") / "store.duckdb")
    make_log(store, "b", before_rows(), PROFILE, attributes("b", {"b1"}))
    make_log(store, "a", after_rows(), PROFILE, attributes("a", set()))
    make_log(
        store,
        "both",
        before_rows() + after_rows(),
        PROFILE,
        {**attributes("b", {"b1"}), **attributes("a", set())},
    )
    yield store
    store.close()


@pytest.fixture(scope="module")
def hand_comparison(hand_store: duckdb.DuckDBPyConnection) -> Comparison:
    return compare(hand_store, ("b", None), ("a", None), n_resamples=200)


def test_cycle_time_metrics_by_hand(hand_comparison: Comparison) -> None:
    median = hand_comparison.headline
    assert median.name == "median_cycle_time_hours"
    assert median.before == pytest.approx(7.0)  # 3, 7, 10
    assert median.after == pytest.approx(3.5)  # 2, 3, 4, 6
    assert median.change == pytest.approx(-0.5)
    assert median.change_abs == pytest.approx(-3.5)
    low, high = median.ci95
    assert low <= median.change <= high
    mean = hand_comparison.metric("mean_cycle_time_hours")
    assert mean.before == pytest.approx(20 / 3)
    assert mean.after == pytest.approx(15 / 4)
    assert hand_comparison.metric("p90_cycle_time_hours").before == pytest.approx(9.4)


def test_per_case_metrics_by_hand(hand_comparison: Comparison) -> None:
    steps = hand_comparison.metric("steps_per_case")
    assert (steps.before, steps.after) == (pytest.approx(3.0), pytest.approx(2.75))
    handoffs = hand_comparison.metric("handoffs_per_case")
    # b1: credit->risk->ops (2); b2: credit->risk->credit->ops (3); b3: credit->ops (1)
    # a1..a3: 2 each; a4: credit->front office (1)
    assert (handoffs.before, handoffs.after) == (pytest.approx(2.0), pytest.approx(7 / 4))
    per_step = hand_comparison.metric("mean_time_per_step_hours")
    assert per_step.before == pytest.approx((7 / 3 + 10 / 4 + 3 / 2) / 3)


def test_shares_by_hand(hand_comparison: Comparison) -> None:
    approval = hand_comparison.metric("approval_rate")  # approved among decided cases
    assert (approval.before, approval.after) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert approval.change == pytest.approx(0.0)
    withdrawal = hand_comparison.metric("withdrawal_rate")
    assert (withdrawal.before, withdrawal.after) == (0.0, 0.25)
    rework = hand_comparison.metric("rework_share")
    assert (rework.before, rework.after) == (pytest.approx(1 / 3), 0.0)
    pingpong = hand_comparison.metric("pingpong_share")
    assert (pingpong.before, pingpong.after) == (pytest.approx(1 / 3), 0.0)
    sla = hand_comparison.metric("sla_compliance")  # within 5 h: b3 | a1, a2, a4
    assert (sla.before, sla.after) == (pytest.approx(1 / 3), pytest.approx(3 / 4))
    assert sla.ci95_abs[0] < sla.change_abs < sla.ci95_abs[1]


def test_guardrails_by_hand(
    hand_comparison: Comparison, hand_store: duckdb.DuckDBPyConnection
) -> None:
    flags, rules = rule_flags(hand_store, "b", Filters())
    assert rules == ["decided_without_risk_assessment", "approver_is_investigator"]
    by_case = flags.set_index("case_id")
    assert by_case["decided_without_risk_assessment"].to_dict() == {
        "b1": False,
        "b2": False,
        "b3": True,
    }
    assert by_case["approver_is_investigator"].to_dict() == {"b1": True, "b2": False, "b3": False}
    skipped = hand_comparison.metric("rule_decided_without_risk_assessment_share")
    assert (skipped.before, skipped.after) == (pytest.approx(1 / 3), 0.0)
    breaking = hand_comparison.metric("rule_any_share")
    assert (breaking.before, breaking.after) == (pytest.approx(2 / 3), 0.0)
    default = hand_comparison.metric("default_rate")  # defaults among approved loans
    assert (default.before, default.after) == (0.5, 0.0)
    guard = hand_comparison.guardrails
    assert guard.default_attribute == "是否違約"
    assert not guard.weakened  # fewer breaches after, and nothing significant on 7 cases


def test_a_process_that_breaks_more_rules_is_flagged(hand_store: duckdb.DuckDBPyConnection) -> None:
    """The after period skips the risk assessment in every case: weakened, with a reason."""
    faster = [
        Inst(f"f{i}", activity, f"2024-03-{i:02d} {h:02d}:00", f"2024-03-{i:02d} {h:02d}:30", dept)
        for i in range(1, 31)
        for activity, h, dept in (("A", 0, CREDIT), ("放款", 1, OPS))
    ]
    slower = [
        Inst(f"s{i}", activity, f"2024-01-{i:02d} {h:02d}:00", f"2024-01-{i:02d} {h:02d}:30", dept)
        for i in range(1, 31)
        for activity, h, dept in (("A", 0, CREDIT), ("B", 3, RISK), ("放款", 6, OPS))
    ]
    make_log(hand_store, "slow", slower, PROFILE)
    make_log(hand_store, "fast", faster, PROFILE)
    result = compare(hand_store, ("slow", None), ("fast", None), n_resamples=100)
    assert result.headline.change < 0 and result.headline.significant
    assert result.guardrails.weakened
    codes = {(n.code, n.values.get("metric")) for n in result.guardrails.reasons}
    assert ("guardrail_worse", "rule_decided_without_risk_assessment_share") in codes
    assert result.to_json()["guardrails"]["weakened"] is True
    from report.build import summary_sentences

    warning = summary_sentences(result, "en")[1]
    assert warning.startswith("WARNING: risk control was weakened.")
    assert "Cases decided without a risk assessment rose from 0.0% to 100.0%" in warning
    assert summary_sentences(result, "zh")[1].startswith("警告：風險控制被削弱")


def test_edges_added_removed_and_waits(hand_comparison: Comparison) -> None:
    edges = {(e.source, e.target): e for e in hand_comparison.edges}
    assert edges[("B", "拒絕通知")].status == "added"
    assert edges[("A", "客戶撤回")].status == "added"
    assert edges[("B", "A")].status == "removed"
    assert edges[("A", "放款")].status == "removed"
    a_to_b = edges[("A", "B")]
    assert (a_to_b.cases_before, a_to_b.cases_after) == (2, 3)
    assert a_to_b.median_wait_hours_before == pytest.approx(2.0)  # 3-1, 4-2
    assert a_to_b.median_wait_hours_after == pytest.approx(0.0)  # 0, 1, 0
    assert a_to_b.share_before == pytest.approx(2 / 3)
    start = [e for e in hand_comparison.edges if e.target == "A" and e.source.endswith("start")]
    assert start and (start[0].cases_before, start[0].cases_after) == (3, 4)


def test_handoff_delta_by_hand(hand_comparison: Comparison) -> None:
    pairs = {(h.source, h.target): h for h in hand_comparison.handoffs}
    credit_risk = pairs[(CREDIT, RISK)]
    assert (credit_risk.count_before, credit_risk.count_after) == (2, 3)
    assert credit_risk.per_case_before == pytest.approx(2 / 3)
    assert credit_risk.per_case_after == pytest.approx(3 / 4)
    assert pairs[(RISK, CREDIT)].status == "removed"
    assert pairs[(CREDIT, FRONT)].status == "added"


def test_variants_and_kpis_side_by_side(hand_comparison: Comparison) -> None:
    assert hand_comparison.variants["variants_before"] == 3
    assert hand_comparison.variants["variants_after"] == 3
    kpis = {row["kpi"]: row for row in hand_comparison.kpi_table()}
    assert kpis["cases"]["before"] == 3 and kpis["cases"]["after"] == 4
    assert kpis["cycle_time_hours.median"]["change"] == pytest.approx(-0.5)
    assert kpis["outcome_share.withdrawn"]["after"] == pytest.approx(0.25)


def test_json_document_is_strict_and_keeps_the_contract(hand_comparison: Comparison) -> None:
    document = hand_comparison.to_json()
    text = json.dumps(document, allow_nan=False, ensure_ascii=False)
    assert set(document) >= {"before", "after", "metrics"}
    for metric in document["metrics"]:
        assert set(metric) >= {
            "name",
            "before",
            "after",
            "change",
            "ci95",
            "p_value",
            "significant",
        }
    names = [m["name"] for m in document["metrics"]]
    assert names[0] == "median_cycle_time_hours"
    assert len(names) == len(set(names))
    assert "NaN" not in text


def test_significance_is_after_correction(hand_comparison: Comparison) -> None:
    tested = [m for m in hand_comparison.metrics if math.isfinite(m.p_value)]
    assert tested
    for metric in tested:
        assert metric.p_adjusted >= metric.p_value - 1e-12
        assert metric.significant == (metric.p_adjusted < 0.05)


def test_split_equals_two_datasets(hand_store: duckdb.DuckDBPyConnection) -> None:
    split = compare_split(hand_store, "both", date(2024, 2, 1), n_resamples=0)
    two = compare(hand_store, ("b", None), ("a", None), n_resamples=0)
    assert split.before.cases == 3 and split.after.cases == 4
    for left, right in zip(split.metrics, two.metrics, strict=True):
        assert left.name == right.name
        assert left.before == pytest.approx(right.before, nan_ok=True)
        assert left.after == pytest.approx(right.after, nan_ok=True)
        assert left.p_value == pytest.approx(right.p_value, nan_ok=True)
    assert "2024-02-01" in split.after.label


def test_split_filters_respect_the_user_period() -> None:
    base = Filters(date_from=date(2024, 1, 15), date_to=date(2024, 3, 1), products=("micro",))
    before, after = split_filters(base, date(2024, 2, 1))
    assert (before.date_from, before.date_to) == (date(2024, 1, 15), date(2024, 1, 31))
    assert (after.date_from, after.date_to) == (date(2024, 2, 1), date(2024, 3, 1))
    assert before.products == after.products == ("micro",)
    with pytest.raises(LoanFlowError, match="started"):
        split_filters(Filters(period_basis="ended", date_from=date(2024, 1, 1)), date(2024, 2, 1))


def test_filters_apply_to_both_sides(hand_store: duckdb.DuckDBPyConnection) -> None:
    approved = Filters(outcomes=("approved",))
    result = compare(hand_store, ("b", approved), ("a", approved), n_resamples=0)
    assert (result.before.cases, result.after.cases) == (2, 2)
    assert result.headline.before == pytest.approx(5.0)  # 7 and 3
    assert result.headline.after == pytest.approx(4.5)  # 3 and 6


def test_clear_errors(hand_store: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UnknownDatasetError, match="nope"):
        compare(hand_store, ("b", None), ("nope", None))
    with pytest.raises(LoanFlowError, match="at least 2"):
        compare_split(hand_store, "both", date(2030, 1, 1), n_resamples=0)
