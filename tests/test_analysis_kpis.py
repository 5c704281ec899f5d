"""Case metrics and KPIs on a small log worked out by hand."""

from __future__ import annotations

import math

import duckdb
import pytest

from analysis.case_metrics import CASE_METRIC_COLUMNS, case_metrics
from analysis.filters import Filters
from analysis.kpis import kpis
from tests.analysis_logs import CaseAttrs, Inst, make_log

PROFILE = {
    "outcomes": {"放款": "approved", "拒絕": "rejected"},
    "sla": {"cycle_time_hours": 48},
    "costs": {"信貸部": 100},
}

# Case A, Monday 2025-01-06: rework (資料審核 twice) and ping-pong 信貸部-風險管理部-信貸部.
# Case B: parallel branches; 拒絕 is an instant whose predecessor is 風險評估 (ends 11:00),
# not 資料審核 (still running). Case C: open, its 資料審核 never completed.
ROWS = [
    Inst("A", "申請", "2025-01-06 09:00", "2025-01-06 10:00", "客戶經理部", "r1"),
    Inst("A", "資料審核", "2025-01-06 11:00", "2025-01-06 12:00", "信貸部", "r2"),
    Inst("A", "風險評估", "2025-01-06 13:00", "2025-01-06 15:00", "風險管理部", "r3"),
    Inst("A", "資料審核", "2025-01-06 16:00", "2025-01-06 17:00", "信貸部", "r2"),
    Inst("A", "放款", "2025-01-07 10:00", "2025-01-07 10:30", "運營部", "r4"),
    Inst("B", "申請", "2025-01-06 09:00", "2025-01-06 09:30", "客戶經理部", "r1"),
    Inst("B", "資料審核", "2025-01-06 10:00", "2025-01-06 12:00", "信貸部", "r2"),
    Inst("B", "風險評估", "2025-01-06 10:30", "2025-01-06 11:00", "風險管理部", "r3"),
    Inst("B", "拒絕", "2025-01-06 11:00", "2025-01-06 11:00", "審批委員會", "r6"),
    Inst("C", "申請", "2025-01-10 16:00", "2025-01-10 17:00", "客戶經理部", "r1"),
    Inst("C", "資料審核", "2025-01-13 10:00", None, "信貸部", "r5"),
]
ATTRS = {
    "A": CaseAttrs(amount=500_000, product="經營貸", branch="台北", channel="branch"),
    "B": CaseAttrs(amount=80_000, product="消費貸", branch="台中", channel="online"),
    "C": CaseAttrs(amount=1_200_000, product="經營貸", branch="台北", channel="online"),
}


@pytest.fixture
def hand_log(store: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    make_log(store, "hand", ROWS, PROFILE, ATTRS)
    return store


def test_case_metrics_by_hand(hand_log: duckdb.DuckDBPyConnection) -> None:
    frame = case_metrics(hand_log, "hand", Filters())
    assert tuple(frame.columns) == CASE_METRIC_COLUMNS
    rows = {r.case_id: r for r in frame.itertuples()}
    a, b, c = rows["A"], rows["B"], rows["C"]
    # A: Mon 09:00 -> Tue 10:30 = 25.5 h; working: Mon 09:00-17:30 (8.5) + Tue 09:00-10:30.
    assert (a.cycle_time_hours, a.cycle_time_working_hours) == (25.5, 10.0)
    assert (a.instances, a.activities, a.handoffs) == (5, 4, 4)
    assert (a.rework, a.pingpong, a.closed, a.outcome) == (True, True, True, "approved")
    assert (a.departments_touched, a.resources) == (4, 4)
    assert a.cost == pytest.approx(200.0)  # 2 working hours in 信貸部 at 100
    assert bool(a.sla_met) is True
    # B: 09:00-12:00; handoffs 客戶->信貸, 客戶->風險, 風險->審批; no ping-pong.
    assert (b.cycle_time_hours, b.cycle_time_working_hours) == (3.0, 3.0)
    assert (b.instances, b.handoffs, b.rework, b.pingpong) == (4, 3, False, False)
    assert b.outcome == "rejected" and b.cost == pytest.approx(200.0)
    # C: Fri 16:00 -> Mon 10:00 (start of the open instance) = 66 h; working 1.5 + 1.
    assert (c.cycle_time_hours, c.cycle_time_working_hours) == (66.0, 2.5)
    assert (c.outcome, c.closed, c.handoffs, c.cost) == ("open", False, 1, 0.0)
    assert frame.loc[frame.case_id == "C", "sla_met"].isna().all()
    assert (a.amount, a.product, a.branch, a.channel) == (500_000, "經營貸", "台北", "branch")


def test_kpis_by_hand(hand_log: duckdb.DuckDBPyConnection) -> None:
    k = kpis(hand_log, "hand", Filters())
    assert (k.cases, k.events, k.activity_instances) == (3, 21, 11)
    # cycle times 3, 25.5, 66: p90 interpolates 25.5 + 0.8 * (66 - 25.5)
    assert k.cycle_time_hours.median == 25.5
    assert k.cycle_time_hours.mean == pytest.approx(31.5)
    assert k.cycle_time_hours.p90 == pytest.approx(57.9)
    assert k.cycle_time_working_hours.median == 3.0
    assert k.cycle_time_working_hours.mean == pytest.approx(15.5 / 3)
    assert k.cycle_time_working_hours.p90 == pytest.approx(3 + 0.8 * 7)
    assert k.outcome_share == pytest.approx(
        {"approved": 1 / 3, "rejected": 1 / 3, "withdrawn": 0.0, "open": 1 / 3}
    )
    assert k.rework_share == pytest.approx(1 / 3)
    assert k.pingpong_share == pytest.approx(1 / 3)
    assert k.first_time_right_share == pytest.approx(2 / 3)
    assert k.handoffs_per_case == pytest.approx(8 / 3)
    assert k.touches_per_case == pytest.approx(11 / 3)
    assert (k.closed_cases, k.sla_compliance) == (2, 1.0)
    assert k.cost_per_case == pytest.approx(400 / 3)


def test_kpis_json_has_design_keys(hand_log: duckdb.DuckDBPyConnection) -> None:
    doc = kpis(hand_log, "hand", Filters()).to_json()
    for key in (
        "dataset",
        "cases",
        "events",
        "activity_instances",
        "cycle_time_hours",
        "outcome_share",
        "rework_share",
        "pingpong_share",
        "handoffs_per_case",
        "sla_compliance",
    ):
        assert key in doc
    assert set(doc["cycle_time_hours"]) == {"median", "mean", "p90"}
    assert set(doc["outcome_share"]) == {"approved", "rejected", "withdrawn", "open"}


def test_kpis_on_no_cases_are_undefined(hand_log: duckdb.DuckDBPyConnection) -> None:
    k = kpis(hand_log, "hand", Filters(products=("nothing",)))
    assert (k.cases, k.events, k.activity_instances) == (0, 0, 0)
    assert k.cycle_time_hours.median is None and k.sla_compliance is None
    assert k.outcome_share["approved"] is None


def test_no_costs_and_no_sla(store: duckdb.DuckDBPyConnection) -> None:
    make_log(store, "plain", ROWS[:5])
    frame = case_metrics(store, "plain")
    assert math.isnan(frame.cost.iloc[0]) and frame.sla_met.isna().all()
    k = kpis(store, "plain")
    assert k.cost_per_case is None and k.sla_compliance is None
