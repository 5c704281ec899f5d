"""The process map's sliders (analysis.process_map.simplify) on a small log worked by hand.

Cases 1-3: 申請 -> 審核 -> [審核 again in 1 and 2] -> 簽約 -> 放款; case 4: 申請 -> 審核 -> 拒絕.
Activity counts: 審核 6, 申請 4, 簽約 3, 放款 3, 拒絕 1. Full map, 8 paths:
start->申請 4, 申請->審核 4, 審核->審核 2, 審核->簽約 3, 簽約->放款 3, 放款->end 3,
審核->拒絕 1, 拒絕->end 1.
"""

from __future__ import annotations

import duckdb
import pytest

from analysis.process_map import END, START, process_map, simplify
from tests.analysis_logs import Inst, make_log


def _case(case_id: str, day: int, activities: list[str]) -> list[Inst]:
    return [
        Inst(
            case_id, name, f"2025-01-{day:02d} {9 + i:02d}:00", f"2025-01-{day:02d} {9 + i:02d}:30"
        )
        for i, name in enumerate(activities)
    ]


ROWS = [
    *_case("1", 6, ["申請", "審核", "審核", "簽約", "放款"]),
    *_case("2", 7, ["申請", "審核", "審核", "簽約", "放款"]),
    *_case("3", 8, ["申請", "審核", "簽約", "放款"]),
    *_case("4", 9, ["申請", "審核", "拒絕"]),
]


@pytest.fixture
def small_log(store: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    make_log(store, "small", ROWS, {"outcomes": {"放款": "approved", "拒絕": "rejected"}})
    return store


def pairs(edges: object) -> set[tuple[str, str]]:
    return set(zip(edges["from"], edges["to"], strict=True))  # type: ignore[index]


def test_full_map_as_worked_by_hand(small_log: duckdb.DuckDBPyConnection) -> None:
    full = process_map(small_log, "small")
    counts = dict(zip(full.nodes["activity"], full.nodes["count"], strict=True))
    assert counts == {"審核": 6, "申請": 4, "簽約": 3, "放款": 3, "拒絕": 1}
    assert len(full.edges) == 8
    assert (full.hidden_activities, full.hidden_paths) == (0, 0)


def test_few_activities_keep_the_most_frequent_path_connected(
    small_log: duckdb.DuckDBPyConnection,
) -> None:
    full = process_map(small_log, "small")
    # 40% of 5 keeps 審核 and 申請; 審核 reaches end only through 簽約 and 放款 (3 cases)
    # or 拒絕 (1 case): the most frequent of the two comes along, 拒絕 stays hidden.
    small = simplify(full, activities=0.4, paths=0.0)
    assert set(small.nodes["activity"]) == {"申請", "審核", "簽約", "放款"}
    assert pairs(small.edges) == {
        (START, "申請"),
        ("申請", "審核"),
        ("審核", "簽約"),
        ("簽約", "放款"),
        ("放款", END),
    }
    assert (small.hidden_activities, small.hidden_paths) == (1, 3)
    doc = small.to_json()
    assert (doc["hidden_activities"], doc["hidden_paths"]) == (1, 3)


def test_lowest_setting_is_the_most_frequent_path(small_log: duckdb.DuckDBPyConnection) -> None:
    full = process_map(small_log, "small")
    lowest = simplify(full, activities=0.0, paths=0.0)
    assert set(lowest.nodes["activity"]) == {"申請", "審核", "簽約", "放款"}
    assert (START, "申請") in pairs(lowest.edges) and ("放款", END) in pairs(lowest.edges)
    # every path kept between the kept activities: the self-loop of 審核 comes back
    assert pairs(simplify(full, activities=0.0, paths=1.0).edges) == pairs(lowest.edges) | {
        ("審核", "審核")
    }


def test_everything_kept_hides_nothing(small_log: duckdb.DuckDBPyConnection) -> None:
    full = process_map(small_log, "small")
    whole = simplify(full)
    assert pairs(whole.edges) == pairs(full.edges)
    assert (whole.hidden_activities, whole.hidden_paths) == (0, 0)
