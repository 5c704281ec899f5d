"""Handoffs, process map, variants, bottlenecks, trends and filters on the hand-made log of
test_analysis_kpis (every expected figure worked out by hand in the comments)."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd
import pytest

from analysis.bottlenecks import (
    activity_bottlenecks,
    department_bottlenecks,
    open_cases_waiting,
    resource_workload,
)
from analysis.case_metrics import case_metrics
from analysis.filters import Filters
from analysis.handoffs import handoff_matrix, handoffs
from analysis.kpis import kpis
from analysis.process_map import END, START, process_map, simplify
from analysis.trends import weekly_trend, wip_over_time
from analysis.variants import variants
from tests.analysis_logs import make_log
from tests.test_analysis_kpis import ATTRS, PROFILE, ROWS


@pytest.fixture
def hand_log(store: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    make_log(store, "hand", ROWS, PROFILE, ATTRS)
    return store


def edge(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    match = frame[(frame["from"] == a) & (frame["to"] == b)]
    assert len(match) == 1, (a, b)
    return match.iloc[0]


def test_handoffs_by_hand(hand_log: duckdb.DuckDBPyConnection) -> None:
    table = handoffs(hand_log, "hand")
    # 客戶經理部 -> 信貸部 in A (wait 1 h), B (0.5 h), C (Fri 17:00 -> Mon 10:00 = 65 h)
    top = table.iloc[0]
    assert (top["from"], top["to"], top["count"], top["cases"]) == ("客戶經理部", "信貸部", 3, 3)
    assert top["median_wait_hours"] == 1.0
    assert top["total_wait_hours"] == pytest.approx(66.5)
    assert top["p90_wait_hours"] == pytest.approx(1 + 0.8 * 64)
    assert top["median_wait_working_hours"] == 1.0  # working: 1, 0.5, 1.5
    assert edge(table, "信貸部", "運營部")["total_wait_hours"] == 17.0
    assert table.iloc[1]["to"] == "運營部"  # ranked by total waiting
    # A went 信貸部 -> 風險管理部 -> 信貸部: one ping-pong case on both directed pairs.
    assert edge(table, "信貸部", "風險管理部")["pingpong_cases"] == 1
    assert edge(table, "風險管理部", "信貸部")["pingpong_cases"] == 1
    assert edge(table, "客戶經理部", "風險管理部")["pingpong_cases"] == 0
    assert edge(table, "風險管理部", "審批委員會")["total_wait_hours"] == 0.0
    assert int(table["count"].sum()) == 8  # = handoffs per case 4 + 3 + 1
    assert list(table["total_wait_hours"]) == sorted(table["total_wait_hours"], reverse=True)
    matrix = handoff_matrix(table, "count")
    assert matrix.loc["客戶經理部", "信貸部"] == 3
    assert pd.isna(matrix.loc["運營部", "信貸部"])


def test_process_map_by_hand(hand_log: duckdb.DuckDBPyConnection) -> None:
    pmap = process_map(hand_log, "hand")
    edges = pmap.edges
    assert edge(edges, START, "申請")["count"] == 3
    first = edge(edges, "申請", "資料審核")
    assert (first["count"], first["cases"], first["median_hours"]) == (3, 3, 1.0)
    assert first["p90_hours"] == pytest.approx(52.2)
    assert edge(edges, "資料審核", "放款")["median_hours"] == 17.0
    # Mon 17:00 -> Tue 10:00 in working time: 17:00-17:30 and 09:00-10:00
    assert edge(edges, "資料審核", "放款")["median_working_hours"] == 1.5
    assert edge(edges, "風險評估", "拒絕")["median_hours"] == 0.0
    assert edge(edges, "申請", "風險評估")["count"] == 1  # B's parallel branch
    # ends: A 放款; B 資料審核 (ends last, 12:00); C 資料審核 (open, not ended yet)
    assert edge(edges, "資料審核", END)["count"] == 2
    assert edge(edges, "放款", END)["count"] == 1
    assert int(edges["count"].sum()) == 11 + 3  # every instance once, plus one end per case
    node = pmap.nodes.set_index("activity").loc["資料審核"]
    assert (node["count"], node["cases"], node["department"]) == (4, 3, "信貸部")
    assert node["median_processing_hours"] == 1.0  # 1, 1, 2 (C's is open)
    assert node["p90_processing_hours"] == pytest.approx(1.8)
    doc = pmap.to_json()
    assert set(doc["edges"][0]) >= {"from", "to", "cases", "count", "median_hours", "p90_hours"}


def test_process_map_in_start_order(hand_log: duckdb.DuckDBPyConnection) -> None:
    edges = process_map(hand_log, "hand", order="start").edges
    # B by start: 申請 09:00, 資料審核 10:00, 風險評估 10:30 (overlaps: 10:30 - 12:00), 拒絕
    assert edge(edges, "資料審核", "風險評估")["count"] == 2
    assert edge(edges, "風險評估", "拒絕")["count"] == 1
    assert edge(edges, "拒絕", END)["count"] == 1
    assert "申請" not in set(edges[edges["to"] == "風險評估"]["from"])


def test_simplify_keeps_the_map_connected(hand_log: duckdb.DuckDBPyConnection) -> None:
    pmap = process_map(hand_log, "hand")
    small = simplify(pmap, activities=0.4, paths=0.0)  # keep 2 of 5: 資料審核, 申請
    assert set(small.nodes["activity"]) == {"資料審核", "申請"}
    pairs = set(zip(small.edges["from"], small.edges["to"], strict=True))
    assert pairs == {(START, "申請"), ("申請", "資料審核"), ("資料審核", END)}
    assert len(simplify(pmap).edges) == len(pmap.edges)
    with pytest.raises(ValueError):
        simplify(pmap, activities=2.0)


def test_variants_by_hand(hand_log: duckdb.DuckDBPyConnection) -> None:
    result = variants(hand_log, "hand", top=2)
    assert (result.total_cases, result.variant_count) == (3, 3)
    assert len(result.top) == 2 and result.coverage == pytest.approx(2 / 3)
    everything = variants(hand_log, "hand", top=None).top
    by_seq = {tuple(r.activities): r for r in everything.itertuples()}
    a = by_seq[("申請", "資料審核", "風險評估", "資料審核", "放款")]
    assert (a.cases, a.share, a.median_cycle_time_hours) == (1, pytest.approx(1 / 3), 25.5)
    assert a.median_cycle_time_working_hours == 10.0
    assert by_seq[("申請", "資料審核", "風險評估", "拒絕")].median_cycle_time_hours == 3.0
    assert everything["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_bottlenecks_by_hand(hand_log: duckdb.DuckDBPyConnection) -> None:
    acts = activity_bottlenecks(hand_log, "hand").set_index("activity")
    review = acts.loc["資料審核"]
    # waits 1, 1, 0.5, 65 -> total 67.5; cycle times 25.5 + 3 + 66 = 94.5 hours
    assert review["total_wait_hours"] == pytest.approx(67.5)
    assert review["total_processing_hours"] == pytest.approx(4.0)
    assert review["wait_share_of_cycle_time"] == pytest.approx(67.5 / 94.5)
    assert review["share_of_cycle_time"] == pytest.approx(71.5 / 94.5)
    assert acts.index[0] == "資料審核"
    depts = department_bottlenecks(hand_log, "hand").set_index("department")
    assert depts.loc["運營部", "median_wait_working_hours"] == 1.5  # Mon 17:00 -> Tue 10:00
    work = resource_workload(hand_log, "hand").set_index("resource")
    assert (work.loc["r2", "instances"], work.loc["r2", "cases"]) == (3, 2)
    assert work.loc["r2", "processing_hours"] == 4.0
    assert work.loc["r5", "open_instances"] == 1
    late = open_cases_waiting(hand_log, "hand")
    assert list(late["case_id"]) == ["C"]
    assert late.iloc[0]["age_hours"] == 66.0 and late.iloc[0]["sla_hours_left"] == -18.0


def test_trends_by_hand(hand_log: duckdb.DuckDBPyConnection) -> None:
    weeks = weekly_trend(hand_log, "hand")
    assert len(weeks) == 1
    week = weeks.iloc[0]
    assert (week["started"], week["closed"]) == (3, 2)
    assert week["median_cycle_time_hours"] == 14.25  # A 25.5, B 3
    assert week["median_cycle_time_working_hours"] == 6.5  # A 10, B 3
    # the extract runs from Mon 6 Jan to Mon 13 Jan: the week of 6 Jan is covered whole
    assert (week["days_covered"], week["complete"]) == (7, True)
    days = wip_over_time(hand_log, "hand")
    wip = dict(zip(days["day"].dt.date, days["wip"], strict=True))
    assert wip[date(2025, 1, 6)] == 1 and wip[date(2025, 1, 7)] == 0
    assert [wip[date(2025, 1, d)] for d in (8, 9, 10, 11, 12, 13)] == [0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(outcomes=("approved",)), {"A"}),
        (Filters(outcomes=("open", "rejected")), {"B", "C"}),
        (Filters(amount_min=100_000), {"A", "C"}),
        (Filters(amount_max=100_000), {"B"}),
        (Filters(products=("經營貸",)), {"A", "C"}),
        (Filters(branches=("台中",)), {"B"}),
        (Filters(channels=("online",)), {"B", "C"}),
        (Filters(departments=("運營部",)), {"A"}),
        (Filters(departments=("審批委員會", "運營部")), {"A", "B"}),
        (Filters(variant=("申請", "資料審核")), {"C"}),
        (Filters(date_from=date(2025, 1, 8)), {"C"}),
        (Filters(date_to=date(2025, 1, 6)), {"A", "B"}),
        (Filters(date_to=date(2025, 1, 6), period_basis="ended"), {"B"}),
        (Filters(attributes=(("product", "消費貸"),)), {"B"}),
    ],
)
def test_each_filter_field(
    hand_log: duckdb.DuckDBPyConnection, filters: Filters, expected: set[str]
) -> None:
    assert set(case_metrics(hand_log, "hand", filters)["case_id"]) == expected
    assert kpis(hand_log, "hand", filters).cases == len(expected)


def test_figures_follow_the_filters(hand_log: duckdb.DuckDBPyConnection) -> None:
    only = Filters(products=("經營貸",))  # A and C
    table = handoffs(hand_log, "hand", only)
    assert edge(table, "客戶經理部", "信貸部")["count"] == 2
    assert "審批委員會" not in set(table["to"])
    assert process_map(hand_log, "hand", only).cases == 2
    assert variants(hand_log, "hand", only).total_cases == 2
    assert kpis(hand_log, "hand", only).events == 13


def test_cases_behind_map_elements(hand_log: duckdb.DuckDBPyConnection) -> None:
    from analysis.process_map import element_cases

    node = element_cases(hand_log, "hand", activity="資料審核")
    assert list(node["case_id"]) == ["C", "A", "B"]  # 66 h, 25.5 h, 3 h
    assert list(node["times"]) == [1, 2, 1]
    path = element_cases(hand_log, "hand", source="申請", target="資料審核")
    assert dict(zip(path["case_id"], path["wait_hours"], strict=True)) == {
        "C": 65.0,
        "A": 1.0,
        "B": 0.5,
    }
    assert list(element_cases(hand_log, "hand", source=START, target="申請")["case_id"]) == [
        "C",
        "A",
        "B",
    ]
    assert list(element_cases(hand_log, "hand", source="放款", target=END)["case_id"]) == ["A"]
    assert element_cases(hand_log, "hand", Filters(outcomes=("open",)), activity="放款").empty


def test_a_period_is_counted_in_the_banks_own_days(store: duckdb.DuckDBPyConnection) -> None:
    """A bank on UTC+8: a case started at 01:00 on 1 March there (17:00 UTC on 28 Feb)
    belongs to March, one started at 23:30 on 28 Feb there (15:30 UTC) to February; the
    date picker's span and the previous period's first day follow the same clock."""
    from analysis.dataset_facts import filter_choices
    from analysis.kpi_changes import kpi_changes

    rows = [
        ("M", "申請", "2025-03-01 01:00+08:00", "2025-03-01 02:00+08:00", "客戶經理部", "r1"),
        ("F", "申請", "2025-02-28 23:30+08:00", "2025-03-01 00:30+08:00", "客戶經理部", "r1"),
        ("L", "申請", "2025-03-31 23:00+08:00", "2025-04-01 01:00+08:00", "客戶經理部", "r1"),
    ]
    make_log(store, "zoned", rows, {**PROFILE, "timezone": "Asia/Shanghai"})
    march = Filters(date_from=date(2025, 3, 1), date_to=date(2025, 3, 31))
    assert set(case_metrics(store, "zoned", march)["case_id"]) == {"M", "L"}
    february = Filters(date_to=date(2025, 2, 28))
    assert set(case_metrics(store, "zoned", february)["case_id"]) == {"F"}
    ended_march = Filters(date_to=date(2025, 3, 31), period_basis="ended")
    assert set(case_metrics(store, "zoned", ended_march)["case_id"]) == {"M", "F"}
    # a time of day without a zone is the bank's too
    morning = Filters(date_from=datetime(2025, 3, 1, 0, 30), date_to=datetime(2025, 3, 1, 2))
    assert set(case_metrics(store, "zoned", morning)["case_id"]) == {"M"}
    choices = filter_choices(store, "zoned")
    assert (choices.first_day, choices.last_day) == (date(2025, 2, 28), date(2025, 3, 31))
    changes = kpi_changes(store, "zoned", Filters(date_from=date(2025, 3, 1)))
    assert changes.data_first_day == date(2025, 2, 28)
