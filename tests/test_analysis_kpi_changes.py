"""KPI changes against the previous period, on a small log worked out by hand."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from analysis.filters import Filters
from analysis.kpi_changes import (
    NO_CASES_MATCH,
    NO_EARLIER_DATA,
    PARTIAL_PREVIOUS,
    comparison_windows,
    direction,
    kpi_change,
    kpi_changes,
)
from analysis.trends import mark_complete_weeks, weekly_trend
from etl.store import connect
from loanflow.cli import main
from tests.analysis_logs import CaseAttrs, Inst, make_log, ts

# Week of 6 Jan: P1 (10 h, approved), P2 (20 h, rejected).
# Week of 13 Jan: Q1 (10 h, approved), Q2 (10 h, approved), Q3 (30 h, rejected).
ROWS = [
    Inst("P1", "申請", "2025-01-06 09:00", "2025-01-06 10:00", "客戶經理部"),
    Inst("P1", "放款", "2025-01-06 18:00", "2025-01-06 19:00", "運營部"),
    Inst("P2", "申請", "2025-01-08 09:00", "2025-01-08 10:00", "客戶經理部"),
    Inst("P2", "拒絕", "2025-01-09 05:00", "2025-01-09 05:00", "審批委員會"),
    Inst("Q1", "申請", "2025-01-13 09:00", "2025-01-13 10:00", "客戶經理部"),
    Inst("Q1", "放款", "2025-01-13 18:00", "2025-01-13 19:00", "運營部"),
    Inst("Q2", "申請", "2025-01-14 09:00", "2025-01-14 10:00", "客戶經理部"),
    Inst("Q2", "放款", "2025-01-14 18:00", "2025-01-14 19:00", "運營部"),
    Inst("Q3", "申請", "2025-01-15 09:00", "2025-01-15 10:00", "客戶經理部"),
    Inst("Q3", "拒絕", "2025-01-16 15:00", "2025-01-16 15:00", "審批委員會"),
]
PROFILE = {"outcomes": {"放款": "approved", "拒絕": "rejected"}}
ATTRS = {c: CaseAttrs(product="經營貸") for c in ("P1", "P2", "Q1", "Q2", "Q3")}
WEEK = Filters(date_from=date(2025, 1, 13), date_to=date(2025, 1, 19))


@pytest.fixture
def log(store: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    make_log(store, "periods", ROWS, PROFILE, ATTRS)
    return store


def test_a_week_against_the_week_before(log: duckdb.DuckDBPyConnection) -> None:
    result = kpi_changes(log, "periods", WEEK)
    assert (result.previous_from, result.previous_to) == (date(2025, 1, 6), date(2025, 1, 12))
    assert (result.current_cases, result.previous_cases) == (3, 2)
    assert (result.reason, result.previous_partial, result.basis) == (None, False, "period")
    changes = result.by_name()
    cases = changes["cases"]
    assert (cases.current, cases.previous, cases.change, cases.direction) == (
        3.0,
        2.0,
        0.5,
        "better",
    )
    median = changes["median_cycle_time_hours"]  # 10 h now, 15 h before
    assert (median.current, median.previous) == (10.0, 15.0)
    assert median.change == pytest.approx(-1 / 3) and median.direction == "better"
    approved = changes["approved_share"]  # 2/3 against 1/2: +16.7 points
    assert approved.change == pytest.approx(2 / 3 - 1 / 2) and approved.direction == "better"
    withdrawn = changes["withdrawn_share"]  # 0 against 0: unchanged, not a worsening
    assert (withdrawn.change, withdrawn.direction) == (0.0, "unchanged")
    assert changes["rejected_share"].direction == "better"


def test_a_previous_period_starting_before_the_data_is_withheld(
    log: duckdb.DuckDBPyConnection,
) -> None:
    # 10 days from 10 Jan: the previous 10 days start on 31 Dec, before the first case (6 Jan)
    result = kpi_changes(
        log, "periods", Filters(date_from=date(2025, 1, 10), date_to=date(2025, 1, 19))
    )
    assert (result.previous_from, result.data_first_day) == (date(2024, 12, 31), date(2025, 1, 6))
    assert result.previous_partial is True and result.reason == PARTIAL_PREVIOUS
    assert result.previous_cases == 2  # P1 and P2, in 4 of its 10 days
    assert all(c.change is None and c.direction is None for c in result.changes)


def test_reasons_tell_no_earlier_data_from_no_matching_cases(
    log: duckdb.DuckDBPyConnection,
) -> None:
    whole = Filters(date_from=date(2025, 1, 6), date_to=date(2025, 1, 19))
    assert kpi_changes(log, "periods", whole).reason == NO_EARLIER_DATA
    # without a period: the last 4 weeks (by end) against the 4 before, all before the data
    assert kpi_changes(log, "periods").reason == NO_EARLIER_DATA
    nothing = WEEK.model_copy(update={"products": ("消費貸",)})
    result = kpi_changes(log, "periods", nothing)
    assert (result.reason, result.current_cases) == (NO_CASES_MATCH, 0)


def test_windows_change_and_direction_rules() -> None:
    chosen = Filters(date_from=date(2025, 1, 11), date_to=date(2025, 1, 20))
    window = comparison_windows(chosen, None)
    assert window is not None
    assert (window.previous.date_from, window.previous.date_to) == (
        date(2025, 1, 1),
        date(2025, 1, 10),
    )
    automatic = comparison_windows(Filters(), date(2025, 3, 31))
    assert automatic is not None
    assert automatic.current.date_from == date(2025, 3, 4)
    assert automatic.previous.date_to == date(2025, 3, 3)
    assert automatic.current.period_basis == "ended"
    assert comparison_windows(Filters(), None) is None
    assert kpi_change("share", 0.6, 0.5) == pytest.approx(0.1)
    assert kpi_change("hours", 30.0, 40.0) == pytest.approx(-0.25)
    assert kpi_change("hours", 30.0, 0.0) is None
    assert kpi_change("count", None, 3.0) is None
    assert direction(0.0, lower_is_better=True) == "unchanged"
    assert direction(0.0004, lower_is_better=True) == "unchanged"  # shown as +0.0
    assert direction(0.01, lower_is_better=True) == "worse"
    assert direction(-0.01, lower_is_better=True) == "better"
    assert direction(None, lower_is_better=True) is None


def test_cli_vs_previous_matches_the_function(db_path: Path) -> None:
    con = connect(db_path)
    make_log(con, "periods", ROWS, PROFILE, ATTRS)
    expected = json.loads(json.dumps(kpi_changes(con, "periods", WEEK).to_json()))
    con.close()
    args = ["kpis", "periods", "--db", str(db_path), "--from", "2025-01-13", "--to", "2025-01-19"]
    result = CliRunner().invoke(main, [*args, "--vs-previous", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["vs_previous"] == expected
    assert doc["vs_previous"]["previous_from"] == "2025-01-06"
    text = CliRunner().invoke(main, [*args, "--vs-previous"]).output
    assert "Against the previous period (2025-01-06 to 2025-01-12" in text


def test_weekly_trend_marks_incomplete_weeks(log: duckdb.DuckDBPyConnection) -> None:
    # the extract: Mon 6 Jan 09:00 to Thu 16 Jan 15:00 (Q3's rejection)
    weeks = weekly_trend(log, "periods")
    assert [str(w)[:10] for w in weeks["week"]] == ["2025-01-06", "2025-01-13"]
    assert list(weeks["started"]) == [2, 3]
    assert list(weeks["days_covered"]) == [7, 4]  # 13-16 Jan of the second week
    assert list(weeks["complete"]) == [True, False]
    asia = mark_complete_weeks(
        weeks[["week"]],
        (ts("2025-01-05 17:00"), ts("2025-01-19 15:59")),  # Mon 01:00 to Sun 23:59 in Shanghai
        "Asia/Shanghai",
    )
    assert list(asia["complete"]) == [True, True]
