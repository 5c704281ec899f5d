"""What if: the working clock, model discovery, scenarios and the simulate command.

Discovery is checked against the sample `before` log: branch probabilities against a
DuckDB count of who follows whom, head counts against distinct staff, the committee's
calendar and the compliance rule against what the sample simulator does (sample_logs/).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.calendar.week import WorkingCalendar
from analysis.whatif.discover import discover_model
from analysis.whatif.scenario import apply_scenario, evaluate_condition, parse_scenario
from etl.errors import BadInputError
from etl.load import ingest
from etl.store import connect
from loanflow.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def _local(text: str) -> float:
    return float((pd.Timestamp(text) - pd.Timestamp(0)).total_seconds())


def test_working_clock_by_hand() -> None:
    week = WorkingCalendar.from_days({d: [["09:00", "17:30"]] for d in ("Mon", "Tue", "Wed")})
    assert week.weekly_hours == pytest.approx(25.5)
    monday_10 = _local("2025-03-03 10:00")  # a Monday
    assert week.working_between(_local("2025-03-03 09:00"), monday_10) == 3600
    # 8 working hours picked up on Monday 16:00: 1.5 h on Monday, 6.5 h on Tuesday
    start, end = week.add(_local("2025-03-03 16:00"), 8 * 3600)
    assert start == _local("2025-03-03 16:00")
    assert end == _local("2025-03-04 15:30")
    # picked up on Wednesday evening: starts next Monday 09:00
    start, end = week.add(_local("2025-03-05 18:00"), 1800)
    assert (start, end) == (_local("2025-03-10 09:00"), _local("2025-03-10 09:30"))
    vector = week.clock(pd.Series([monday_10, _local("2025-03-04 15:30")]).to_numpy())
    assert vector[1] - vector[0] == pytest.approx((7.5 + 6.5) * 3600)
    assert week.days() == {d: [["09:00", "17:30"]] for d in ("Mon", "Tue", "Wed")}


@pytest.fixture(scope="module")
def before_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("whatif") / "store.duckdb"
    con = connect(path)
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    con.close()
    yield path


@pytest.fixture(scope="module")
def before_model(before_store: Path) -> dict[str, Any]:
    con = duckdb.connect(str(before_store), read_only=True)
    try:
        return discover_model(con, "before", calibration_rounds=0)
    finally:
        con.close()


def test_branch_probabilities_match_a_count_of_successors(
    before_store: Path, before_model: dict[str, Any]
) -> None:
    con = duckdb.connect(str(before_store), read_only=True)
    rows = con.execute(
        """
        SELECT coalesce(nxt, '') AS nxt, count(*) AS n FROM (
          SELECT activity, lead(activity) OVER (
            PARTITION BY case_id ORDER BY start_ts, end_ts, activity) AS nxt
          FROM activity_instances WHERE dataset = 'before')
        WHERE activity = '資料審核' GROUP BY 1
        """
    ).fetchall()
    staff = dict(
        con.execute(
            "SELECT department, count(DISTINCT resource) FROM activity_instances"
            " WHERE dataset = 'before' AND department <> '審批委員會' GROUP BY 1"
        ).fetchall()
    )
    con.close()
    total = sum(n for _, n in rows)
    expected = {nxt: n / total for nxt, n in rows}
    branch = before_model["routing"]["states"]["資料審核#0"]["next"]
    assert branch == pytest.approx(expected, abs=1e-6)
    sizes = {k: v["size"] for k, v in before_model["pools"].items()}
    assert {k: sizes[k] for k in staff} == staff
    assert sizes["審批委員會"] == 7  # AC01..AC07; credit officers who signed decisions stay credit


def test_discovery_finds_the_sample_banks_mechanisms(before_model: dict[str, Any]) -> None:
    pools = before_model["pools"]
    # the committee meets on Tuesday and Thursday afternoons (sample_logs/scenarios.py)
    assert set(pools["審批委員會"]["calendar"]) == {"Tue", "Thu"}
    assert pools["審批委員會"]["calendar"]["Tue"][0][0] == "14:00"
    assert before_model["batching"] == ["審批會議"]
    # files stay on one officer's desk in account management, credit and risk
    owners = {k for k, v in pools.items() if v["case_owner"]}
    assert owners == {"客戶經理部", "信貸部", "風險管理部"}
    # loans above 3,000,000 go to compliance after risk
    split = before_model["routing"]["states"]["風險評估#1"]["split"]
    assert split["attribute"] == "amount"
    assert 2_900_000 <= split["threshold"] <= 3_000_000
    assert "合規審查" not in split["below"]["next"]
    assert split["above"]["next"]["合規審查"] > 0.4
    assert before_model["parallel"] == []
    lognormal = before_model["activities"]["信貸調查"]["duration"]
    # log-normal, median 150 working minutes, sigma 0.5: mean 150 * exp(0.125) = 170 min
    assert lognormal["name"] == "lognorm"
    assert lognormal["mean"] / 60 == pytest.approx(170.0, rel=0.05)


def test_scenario_errors_name_what_is_known(before_model: dict[str, Any]) -> None:
    bad_department = parse_scenario({"changes": {"staff": {"審計部": "+1"}}})
    with pytest.raises(
        BadInputError, match=r"unknown department '審計部'; known departments: .*信貸部"
    ):
        apply_scenario(before_model, bad_department)
    bad_activity = parse_scenario({"changes": {"durations": {"面談": 0.5}}})
    with pytest.raises(
        BadInputError, match=r"unknown activity '面談'; known activities: .*信貸調查"
    ):
        apply_scenario(before_model, bad_activity)
    bad_condition = parse_scenario(
        {"changes": {"skip": [{"activity": "審批會議", "when": "score > 1"}]}}
    )
    with pytest.raises(BadInputError, match="names 'score'; known case attributes: amount"):
        apply_scenario(before_model, bad_condition)
    with pytest.raises(BadInputError, match="unknown change bonus"):
        parse_scenario({"changes": {"bonus": 1}})


def test_scenario_changes_the_model(before_model: dict[str, Any]) -> None:
    scenario = parse_scenario(
        {
            "changes": {
                "staff": {"風險管理部": "+2", "信貸部": 20},
                "calendar": {
                    "審批委員會": {"days": ["Mon", "Wed", "Fri"], "hours": ["14:00", "17:30"]}
                },
                "routing": [{"after": "資料審核", "to": "補件通知", "probability": 0.1}],
                "durations": {"信貸調查": 0.9},
                "arrivals": 2.0,
                "pooled": ["信貸部"],
            }
        }
    )
    changed = apply_scenario(before_model, scenario)
    assert changed["pools"]["風險管理部"]["size"] == 12
    assert changed["pools"]["信貸部"]["size"] == 20
    assert not changed["pools"]["信貸部"]["case_owner"]
    assert set(changed["pools"]["審批委員會"]["calendar"]) == {"Mon", "Wed", "Fri"}
    branch = changed["routing"]["states"]["資料審核#0"]["next"]
    assert branch["補件通知"] == pytest.approx(0.1)
    assert sum(branch.values()) == pytest.approx(1.0)
    # a customer's withdrawal keeps its chance; the bank's other branches take the rest
    old = before_model["routing"]["states"]["資料審核#0"]["next"]
    assert old["客戶撤回"] > 0 and branch["客戶撤回"] == old["客戶撤回"]
    rest = 1.0 - old["補件通知"] - old["客戶撤回"]
    expected = old["信貸調查"] * (0.9 - old["客戶撤回"]) / rest
    assert branch["信貸調查"] == pytest.approx(expected, rel=1e-5)  # rounded to 6 places
    old = before_model["activities"]["信貸調查"]["duration"]["mean"]
    assert changed["activities"]["信貸調查"]["duration"]["mean"] == pytest.approx(0.9 * old)
    assert changed["arrivals"]["per_week"] == pytest.approx(
        2 * before_model["arrivals"]["per_week"]
    )
    assert before_model["pools"]["風險管理部"]["size"] == 10  # the input is not changed


def test_conditions_over_case_attributes() -> None:
    rows = [[500_000, "信用貸"], [800_000, "信用貸"], [None, "抵押貸"]]
    mask = evaluate_condition(
        "amount <= 600000 and product == '信用貸'", ["amount", "product"], rows
    )
    assert mask.tolist() == [True, False, False]


def _run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_simulate_command_with_a_scenario_and_its_log(before_store: Path, tmp_path: Path) -> None:
    db = str(before_store)
    model = tmp_path / "model.json"
    _run("model", "before", "--db", db, "--out", str(model), "--no-validate", "--json")
    scenario = tmp_path / "more_risk_staff.yaml"
    scenario.write_text("name: twice the volume\nchanges:\n  arrivals: 2.0\n", encoding="utf-8")
    out = tmp_path / "simulated.csv"
    result = _run(
        "simulate",
        "before",
        "--db",
        db,
        "--model",
        str(model),
        "--scenario",
        str(scenario),
        "--runs",
        "2",
        "--cases",
        "300",
        "--start",
        "2025-03-03",
        "--out",
        str(out),
        "--json",
    )
    report = json.loads(result.output)
    assert {"dataset", "model", "metrics"} <= set(report)
    assert "quality" in report["model"]
    metrics = {m["name"]: m for m in report["metrics"]}
    for name in (
        "median_cycle_time_hours",
        "p90_cycle_time_hours",
        "mean_cycle_time_hours",
        "approved_share",
    ):
        assert {"baseline", "scenario", "change", "ci95"} <= set(metrics[name])
    assert any(n.startswith("wait_hours:客戶經理部->信貸部") for n in metrics)
    risk = metrics["utilisation:風險管理部"]
    assert risk["scenario"] > risk["baseline"]  # twice the applications, same staff
    assert risk["change"] == pytest.approx(risk["scenario"] - risk["baseline"])
    # the simulated log loads back, one case per simulated case
    con = connect(tmp_path / "back.duckdb")
    summary = ingest(out, "simulated", con=con)
    frame = pd.read_csv(out)
    assert summary.cases == frame["case_id"].nunique() == 300
    con.close()


def test_simulate_refuses_a_bad_scenario_clearly(before_store: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("changes:\n  staff: {審計部: 3}\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "before",
            "--db",
            str(before_store),
            "--scenario",
            str(scenario),
            "--no-validate",
            "--runs",
            "1",
            "--cases",
            "20",
        ],
    )
    assert result.exit_code != 0
    assert "unknown department '審計部'; known departments:" in result.output
    assert "Traceback" not in result.output
