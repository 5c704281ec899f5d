"""Credibly open cases, end activities, SLA risk and KPIs of a log without outcomes, on a
small log worked out by hand (and through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.bottlenecks import SLA_RISK_COLUMNS, open_cases_waiting, sla_risk
from analysis.kpis import kpis
from analysis.open_cases import credible_open_cases, end_activity_candidates
from etl.store import connect
from loanflow.cli import main
from tests.analysis_logs import Inst, make_log

# as of 01-21 09:00 (E's last event). Cycle times: A 25.5 h, B 51 h, C 2 h, D 1 h, E 48 h;
# their 95th percentile (linear) is 48 + 0.8 * 3 = 50.4 h: the longest idle time an open
# case may have. C (idle 22 h, last activity 審核) is credibly open; D (idle 455 h) is not.
ROWS = [
    Inst("A", "申請", "2025-01-06 09:00", "2025-01-06 10:00", "客戶經理部"),
    Inst("A", "審核", "2025-01-06 11:00", "2025-01-06 12:00", "信貸部"),
    Inst("A", "放款", "2025-01-07 10:00", "2025-01-07 10:30", "運營部"),
    Inst("B", "申請", "2025-01-06 09:00", "2025-01-06 09:30", "客戶經理部"),
    Inst("B", "審核", "2025-01-06 10:00", "2025-01-06 12:00", "信貸部"),
    Inst("B", "拒絕", "2025-01-08 12:00", "2025-01-08 12:00", "審批委員會"),
    Inst("C", "申請", "2025-01-20 09:00", "2025-01-20 10:00", "客戶經理部"),
    Inst("C", "審核", "2025-01-20 11:00", None, "信貸部"),
    Inst("D", "申請", "2025-01-02 09:00", "2025-01-02 10:00", "客戶經理部"),
    Inst("E", "申請", "2025-01-19 09:00", "2025-01-19 10:00", "客戶經理部"),
    Inst("E", "審核", "2025-01-19 11:00", "2025-01-19 12:00", "信貸部"),
    Inst("E", "放款", "2025-01-21 08:00", "2025-01-21 09:00", "運營部"),
]
MAPPED = {"outcomes": {"放款": "approved", "拒絕": "rejected"}, "sla": {"cycle_time_hours": 48}}
UNMAPPED = {"sla": {"cycle_time_hours": 48}}


@pytest.fixture
def logs(store: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    make_log(store, "mapped", ROWS, MAPPED)
    make_log(store, "unmapped", ROWS, UNMAPPED)
    return store


def test_end_activity_candidates_by_hand(logs: duckdb.DuckDBPyConnection) -> None:
    frame = end_activity_candidates(logs, "unmapped")
    # last activities: A 放款, B 拒絕, C 審核 (open, by its start), D 申請, E 放款;
    # 審核 ends 1 of its 4 cases, 申請 1 of 5: below half.
    assert frame.to_dict(orient="list") == {
        "activity": ["放款", "拒絕"],
        "cases_ending": [2, 1],
        "cases_with": [2, 1],
        "share_ending": [1.0, 1.0],
        "share_of_cases": [0.4, 0.2],
    }
    assert list(end_activity_candidates(logs, "unmapped", 0.25)["activity"]) == [
        "放款",
        "審核",
        "拒絕",
    ]


@pytest.mark.parametrize("dataset", ["mapped", "unmapped"])
def test_only_credible_cases_are_open(logs: duckdb.DuckDBPyConnection, dataset: str) -> None:
    assert list(credible_open_cases(logs, dataset)["case_id"]) == ["C"]
    waiting = open_cases_waiting(logs, dataset)
    assert list(waiting["case_id"]) == ["C"]
    row = waiting.iloc[0]
    assert (row["age_hours"], row["waiting_hours"], row["sla_hours_left"]) == (24.0, 22.0, 24.0)
    assert row["last_activity"] == "審核"


def test_sla_risk_ranks_least_time_left_first(store: duckdb.DuckDBPyConnection) -> None:
    # three open cases as of 01-10 12:00 (Z's last event); X is oldest, so nearest to the SLA.
    rows = [
        Inst("X", "申請", "2025-01-08 12:00", "2025-01-08 13:00", "客戶經理部"),
        Inst("Y", "申請", "2025-01-09 12:00", "2025-01-09 13:00", "客戶經理部"),
        Inst("Z", "申請", "2025-01-10 08:00", "2025-01-10 12:00", "客戶經理部"),
        Inst("W", "申請", "2025-01-05 08:00", "2025-01-05 09:00", "客戶經理部"),
        Inst("W", "放款", "2025-01-09 08:00", "2025-01-09 09:00", "運營部"),
    ]
    make_log(store, "risk", rows, MAPPED)
    frame = sla_risk(store, "risk", limit=2)
    assert tuple(frame.columns) == SLA_RISK_COLUMNS
    assert list(frame["case_id"]) == ["X", "Y"]
    assert list(frame["sla_hours_left"]) == [0.0, 24.0]  # 48 - 48 h, 48 - 24 h


def test_kpis_of_a_log_without_outcomes(logs: duckdb.DuckDBPyConnection) -> None:
    unmapped = kpis(logs, "unmapped")
    assert unmapped.outcome_mapped is False
    assert unmapped.outcome_share == dict.fromkeys(("approved", "rejected", "withdrawn", "open"))
    # closed: every case but C; within 48 h: A 25.5, D 1, E 48 (B 51 is not)
    assert (unmapped.closed_cases, unmapped.sla_compliance) == (4, 0.75)
    mapped = kpis(logs, "mapped")
    assert mapped.outcome_mapped is True
    assert mapped.outcome_share == {"approved": 0.4, "rejected": 0.2, "withdrawn": 0.0, "open": 0.4}
    assert (mapped.closed_cases, mapped.sla_compliance) == (3, pytest.approx(2 / 3))


def test_cli_sla_risk_end_activities_and_unmapped_kpis(db_path: Path) -> None:
    con = connect(db_path)
    make_log(con, "unmapped", ROWS, UNMAPPED)
    con.close()

    def run_json(*args: str) -> dict[str, object]:
        result = CliRunner().invoke(main, [*args, "--db", str(db_path), "--json"])
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.output))

    risk = run_json("sla-risk", "unmapped")
    assert [c["case_id"] for c in risk["cases"]] == ["C"]  # type: ignore[index, union-attr]
    assert risk["open_case_rule"] == {
        "outcome_mapped": False,
        "basis": "end_activities",
        "end_activities": ["放款", "拒絕"],
        "as_of": "2025-01-21T09:00:00+00:00",
        "idle_limit_hours": pytest.approx(50.4),
    }
    ends = run_json("end-activities", "unmapped")["end_activities"]
    assert [e["activity"] for e in ends] == ["放款", "拒絕"]  # type: ignore[attr-defined]
    doc = run_json("kpis", "unmapped")
    assert doc["outcome_mapped"] is False and doc["outcome_share"]["approved"] is None  # type: ignore[index]
    text = CliRunner().invoke(main, ["kpis", "unmapped", "--db", str(db_path)]).output
    assert "Outcome not mapped" in text


def test_weekly_trend_closes_cases_by_the_same_rule(logs: duckdb.DuckDBPyConnection) -> None:
    from analysis.trends import weekly_trend

    def closed(dataset: str) -> dict[str, int]:
        weeks = weekly_trend(logs, dataset)
        return {
            str(w)[:10]: int(n) for w, n in zip(weeks["week"], weeks["closed"], strict=True) if n
        }

    # by their last event: D 2 Jan, A 7 Jan, B 8 Jan, E 21 Jan; C is open
    assert closed("mapped") == {"2025-01-06": 2, "2025-01-20": 1}  # D is open, not closed
    assert closed("unmapped") == {"2024-12-30": 1, "2025-01-06": 2, "2025-01-20": 1}


def test_simultaneous_last_events_all_end_the_case(store: duckdb.DuckDBPyConnection) -> None:
    # G1 and G2 end with a cancellation recorded at once on two activities; G3 is open
    # (審核 ends 1 of the 3 cases it occurs in: not an end activity).
    rows = [
        Inst("G1", "申請", "2025-01-06 09:00", "2025-01-06 10:00", "客戶經理部"),
        Inst("G1", "審核", "2025-01-06 11:00", "2025-01-06 12:00", "信貸部"),
        Inst("G1", "取消", "2025-01-07 10:00", "2025-01-07 10:00", "運營部"),
        Inst("G1", "結案通知", "2025-01-07 10:00", "2025-01-07 10:00", "運營部"),
        Inst("G2", "申請", "2025-01-07 09:00", "2025-01-07 10:00", "客戶經理部"),
        Inst("G2", "審核", "2025-01-07 11:00", "2025-01-07 12:00", "信貸部"),
        Inst("G2", "結案通知", "2025-01-08 10:00", "2025-01-08 10:00", "運營部"),
        Inst("G2", "取消", "2025-01-08 10:00", "2025-01-08 10:00", "運營部"),
        Inst("G3", "申請", "2025-01-08 09:00", "2025-01-08 09:30", "客戶經理部"),
        Inst("G3", "審核", "2025-01-08 11:00", None, "信貸部"),
    ]
    make_log(store, "ties", rows, UNMAPPED)
    frame = end_activity_candidates(store, "ties")
    assert sorted(frame["activity"]) == ["取消", "結案通知"]
    assert list(frame["cases_ending"]) == [2, 2]
    assert list(credible_open_cases(store, "ties")["case_id"]) == ["G3"]


def test_case_metrics_close_cases_by_the_same_rule(logs: duckdb.DuckDBPyConnection) -> None:
    from analysis.case_metrics import case_metrics

    frame = case_metrics(logs, "unmapped").set_index("case_id")
    assert frame["closed"].to_dict() == {"A": True, "B": True, "C": False, "D": True, "E": True}
    # SLA 48 h: A 25.5, B 51, D 1, E 48; C is open, neither in nor out
    met = {k: None if pd.isna(v) else bool(v) for k, v in frame["sla_met"].items()}
    assert met == {"A": True, "B": False, "C": None, "D": True, "E": True}
    mapped = case_metrics(logs, "mapped").set_index("case_id")
    assert mapped["closed"].to_dict() == {"A": True, "B": True, "C": False, "D": False, "E": True}
