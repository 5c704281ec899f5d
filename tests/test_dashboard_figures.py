"""The charts carry exactly the numbers they are given (pure functions, no store)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dashboard import figures
from vocabulary import style, t

HANDOFFS = pd.DataFrame(
    {
        "from": ["客戶經理部", "信貸部", "客戶經理部"],
        "to": ["信貸部", "客戶經理部", "運營部"],
        "count": [4, 1, 1],
        "median_wait_hours": [3.0, 18.0, 23.0],
        "total_wait_hours": [28.5, 18.0, 23.0],
        "pingpong_cases": [1, 1, 0],
    }
)


def test_heatmap_cells_are_the_matrix() -> None:
    matrix = HANDOFFS.pivot(index="from", columns="to", values="count")
    fig = figures.handoff_heatmap(matrix, "count", "en")
    z = np.asarray(fig.data[0].z, dtype=float)
    assert list(fig.data[0].y) == list(matrix.index)
    assert list(fig.data[0].x) == list(matrix.columns)
    assert np.array_equal(np.nan_to_num(z, nan=-1), np.nan_to_num(matrix.to_numpy(float), nan=-1))


def test_sankey_links_carry_counts_between_the_right_departments() -> None:
    fig = figures.handoff_sankey(HANDOFFS, "en")
    sankey = fig.data[0]
    labels = list(sankey.node.label)
    links = {
        (labels[s], labels[t]): v
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True)
    }
    assert links == {
        ("客戶經理部", "信貸部"): 4,
        ("信貸部", "客戶經理部"): 1,
        ("客戶經理部", "運營部"): 1,
    }
    # sources on the left, targets on the right: a back-and-forth pair is no cycle
    assert all(
        s < len(set(HANDOFFS["from"])) <= t
        for s, t in zip(sankey.link.source, sankey.link.target, strict=True)
    )


def test_pingpong_bars_show_each_pair_once() -> None:
    # One case went 客戶經理部, 信貸部, 客戶經理部: it counts for both directed pairs, and
    # for the one unordered pair once (not 2, and not listed twice).
    fig = figures.pingpong_bars(HANDOFFS, "en")
    assert list(fig.data[0].y) == ["信貸部 ⇄ 客戶經理部"]
    assert list(fig.data[0].x) == [1]
    assert figures.pingpong_bars(HANDOFFS.iloc[0:0], "en").layout.annotations


def test_workload_bars_name_each_department_in_the_legend() -> None:
    workload = pd.DataFrame(
        {
            "resource": ["u1", "u2", "u3"],
            "department": ["客戶經理部", "信貸部", None],
            "instances": [4, 3, 1],
        }
    )
    fig = figures.workload_bars(workload, "zh-Hant")
    bars = {trace.name: dict(zip(trace.y, trace.x, strict=True)) for trace in fig.data}
    assert bars == {"信貸部": {"u2": 3}, "客戶經理部": {"u1": 4}, "–": {"u3": 1}}
    assert fig.layout.showlegend is True
    assert fig.layout.legend.title.text == "部門"
    assert list(fig.layout.yaxis.categoryarray) == ["u3", "u2", "u1"]  # busiest on top


def test_variants_chart_labels_every_bar_with_its_sequence() -> None:
    top = pd.DataFrame(
        {
            "rank": [1, 2],
            "activities": [["受理", "審核", "放款"], ["受理", "審核", "補件", "審核", "拒絕"]],
            "cases": [3, 1],
            "share": [0.75, 0.25],
            "median_cycle_time_hours": [25.0, 49.5],
        }
    )
    fig = figures.variants_figure(top, "en")
    labels = ["#2 受理 → 審核 → 補件 → 審核 → 拒絕", "#1 受理 → 審核 → 放款"]
    assert list(fig.data[0].y) == labels
    assert list(fig.layout.yaxis.tickvals) == labels  # every bar, not every other one
    assert list(fig.data[0].x) == [0.25, 0.75]
    assert fig.data[0].customdata[0][2] == "受理 → 審核 → 補件 → 審核 → 拒絕"
    long = figures.variant_label(7, [f"a{i}" for i in range(12)])
    assert long == "#7 a0 → a1 → a2 → a3 → a4<br>→ a5 → a6 → a7 → a8 → a9<br>→ a10 → a11"


def test_wait_vs_processing_stacks_both_medians() -> None:
    frame = pd.DataFrame(
        {
            "department": ["A", "B"],
            "median_wait_hours": [5.0, 1.0],
            "median_processing_hours": [2.0, 3.0],
        }
    )
    fig = figures.wait_vs_processing(frame, "department", "en")
    wait, proc = fig.data
    assert list(wait.y) == ["B", "A"]  # most waiting at the top
    assert list(wait.x) == [1.0, 5.0]
    assert list(proc.x) == [3.0, 2.0]


def test_gantt_bar_lengths_are_the_instance_durations() -> None:
    ts = pd.to_datetime(
        ["2025-01-06 09:00", "2025-01-06 10:00", "2025-01-06 12:00", "2025-01-06 13:30"], utc=True
    )
    instances = pd.DataFrame(
        {
            "activity": ["受理", "審核"],
            "department": ["客戶經理部", "信貸部"],
            "resource": ["u1", None],
            "start_ts": [ts[0], ts[2]],
            "end_ts": [ts[1], ts[3]],
        }
    )
    fig = figures.case_gantt(instances, "en")
    lengths = {trace.name: list(trace.x) for trace in fig.data}
    assert lengths == {"信貸部": [90 * 60_000], "客戶經理部": [60 * 60_000]}
    assert {trace.textangle for trace in fig.data} == {0}  # labels read horizontally


def test_process_map_elements() -> None:
    nodes = pd.DataFrame(
        {
            "activity": ["受理", "審核"],
            "department": ["客戶經理部", None],
            "count": [4, 5],
            "median_processing_hours": [1.0, 0.5],
        }
    )
    edges = pd.DataFrame(
        {
            "from": ["▶", "受理", "審核"],
            "to": ["受理", "審核", "■"],
            "count": [4, 3, 4],
            "median_hours": [math.nan, 3.0, math.nan],
        }
    )
    freq = figures.process_map_elements(nodes, edges, "frequency", "en", "▶", "■")
    by_id = {e["data"]["id"]: e["data"] for e in freq}
    assert by_id["受理"]["label"] == "受理\n4"
    assert by_id["受理→審核"]["label"] == "3"
    assert by_id["▶→受理"]["width"] == 10.0  # the busiest path is the widest
    assert by_id["受理→審核"]["width"] == round(1 + 9 * math.sqrt(3 / 4), 2)
    perf = figures.process_map_elements(nodes, edges, "performance", "en", "▶", "■")
    by_id = {e["data"]["id"]: e["data"] for e in perf}
    assert by_id["受理→審核"]["label"] == "3.0h"
    slow = edges.assign(median_hours=[math.nan, 75.0, math.nan])  # not 3.1d
    slow_map = figures.process_map_elements(nodes, slow, "performance", "en", "▶", "■")
    assert {e["data"]["id"]: e["data"]["label"] for e in slow_map}["受理→審核"] == "75.0h"
    assert by_id["受理→審核"]["colour"] == "#b41414"  # the slowest path is darkest
    assert by_id["審核"]["label"] == "審核\n0.5h"  # hours, as on the Bottlenecks page
    assert by_id["審核"]["colour"] == style.UNKNOWN_DEPARTMENT_COLOUR  # no department: grey


def test_weekly_trends_and_wip() -> None:
    weekly = pd.DataFrame(
        {
            "week": pd.to_datetime(["2025-01-06", "2025-01-13"]),
            "started": [2, 2],
            "closed": [1, 2],
            "median_cycle_time_hours": [25.0, 37.0],
        }
    )
    fig = figures.weekly_trends_figure(weekly, "zh-Hant")
    assert [list(tr.y) for tr in fig.data] == [[2, 2], [1, 2], [25.0, 37.0]]
    assert fig.data[0].name == "新進案件"
    wip = pd.DataFrame({"day": pd.to_datetime(["2025-01-06", "2025-01-07"]), "wip": [2, 1]})
    assert list(figures.wip_figure(wip, "en").data[0].y) == [2, 1]


def test_weekly_trends_draw_incomplete_weeks_pale() -> None:
    weekly = pd.DataFrame(
        {
            "week": pd.to_datetime(["2025-01-06", "2025-01-13"]),
            "started": [2, 1],
            "closed": [1, 1],
            "median_cycle_time_hours": [25.0, 3.0],
            "complete": [True, False],
        }
    )
    fig = figures.weekly_trends_figure(weekly, "en")
    assert list(fig.data[0].marker.opacity) == [1.0, 0.35]
    assert list(fig.data[2].marker.symbol) == ["circle", "circle-open"]
    assert fig.layout.annotations[0].text == t("overview.trend.incomplete", "en")
    whole = figures.weekly_trends_figure(weekly.assign(complete=True), "en")
    assert not whole.layout.annotations


def _weeks(count: int) -> pd.DataFrame:
    """``count`` weeks from Monday 6 Jan 2025, as analysis.trends gives them (DATE weeks)."""
    days = pd.date_range("2025-01-06", periods=count, freq="7D").date
    return pd.DataFrame({"week": days, "started": 1, "closed": 1, "median_cycle_time_hours": 20.0})


def test_weekly_trend_names_each_week_once_at_its_monday() -> None:
    # a short log: one label per week, never a date repeated at hourly steps (plotly's own
    # ticks on one week read 01-05 23:59, 01-06 00:00, 01-06 00:00) nor Sundays between
    for count in (1, 2, 3):
        axis = figures.weekly_trends_figure(_weeks(count), "zh-Hans").layout.xaxis
        expected = [f"2025-01-{6 + 7 * k:02d}" for k in range(count)]
        assert list(axis.ticktext) == expected
        assert [pd.Timestamp(v) for v in axis.tickvals] == [pd.Timestamp(d) for d in expected]
    # a long one: every k-th Monday, at most WEEK_LABELS labels, all different
    labels = list(figures.weekly_trends_figure(_weeks(30), "en").layout.xaxis.ticktext)
    assert labels[:2] == ["2025-01-06", "2025-01-27"] and len(labels) == 10
    assert len(set(labels)) == len(labels)
    assert all(pd.Timestamp(d).day_name() == "Monday" for d in labels)


def _tick_format(step_ms: int) -> str:
    """The format plotly.js picks for a date axis stepping ``step_ms``: the first stop of
    DATE_TICKS whose range holds the step, ends included (axes.js, isProperStop)."""
    day = 86_400_000
    months = {"M1": 30.4369 * day, "M12": 365.2425 * day}  # plotly: months * an average month
    for stop in figures.DATE_TICKS:
        low, high = (months.get(v, v) for v in stop["dtickrange"])
        if (low is None or low <= step_ms) and (high is None or high >= step_ms):
            return str(stop["value"])
    raise AssertionError(step_ms)


def test_date_axes_show_times_of_day_only_below_a_day() -> None:
    hour = 3_600_000
    assert _tick_format(12 * hour) == "%m-%d %H:%M"
    assert _tick_format(24 * hour) == "%Y-%m-%d"  # not "03-03 00:00" under every day
    assert _tick_format(7 * 24 * hour) == "%Y-%m-%d"


def test_department_colours_are_stable() -> None:
    first = figures.department_colours(["b", "a", None, "b"])
    assert set(first) == {"a", "b"} and first["a"] != first["b"]
    assert first["a"] == style.department_colour("a")
    assert figures.department_colours(["a", "b"]) == first


def test_the_cli_map_writes_durations_in_hours() -> None:
    """``loanflow map --format svg --mode performance``: medians in hours, as the tables
    give them (75 h was written 3.1 d)."""
    from analysis.map_render import to_dot
    from analysis.process_map import END, START, ProcessMap

    nodes = pd.DataFrame(
        {"activity": ["受理", "審核"], "department": ["客戶經理部", "信貸部"],
         "count": [4, 4], "median_processing_hours": [0.5, 50.0]}
    )  # fmt: skip
    edges = pd.DataFrame(
        {"from": [START, "受理", "審核"], "to": ["受理", "審核", END], "count": [4, 4, 4],
         "median_hours": [math.nan, 75.0, math.nan]}
    )  # fmt: skip
    dot = to_dot(ProcessMap(nodes, edges, cases=4), mode="performance")
    assert 'label="75.0 h"' in dot
    assert "審核\n信貸部\n50.0 h" in dot and "受理\n客戶經理部\n0.5 h" in dot
    assert ' d"' not in dot
