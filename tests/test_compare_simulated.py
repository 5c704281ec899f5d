"""A simulated loan process in a real store, and the comparison's error rates on it.

:func:`simulate` writes a dataset straight into the store's tables (datasets, events,
activity_instances, cases) from numpy draws, fast enough for thousands of cases. Its knobs
(waiting-time scale, ping-pong rate, share of cases skipping the risk assessment, approval
and default rates, loan mix) let a test build a before and an after period whose true
differences are known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.case_metrics import case_metrics
from analysis.compare import case_metric_comparisons
from analysis.stats import benjamini_hochberg, significant

ACTIVITIES = {
    "受理": "客戶經理部",
    "資料審核": "信貸部",
    "風險評估": "風險管理部",
    "合規審查": "法務合規部",
    "審批": "審批委員會",
    "放款": "運營部",
    "拒絕通知": "運營部",
}
PROFILE = {
    "outcomes": {"放款": "approved", "拒絕通知": "rejected", "客戶撤回": "withdrawn"},
    "sla": {"cycle_time_hours": 240},
    "costs": {"信貸部": 300, "風險管理部": 400, "審批委員會": 800},
    "rules": {
        "risk_activities": ["風險評估"],
        "decision_activities": ["審批"],
        "compliance_activities": ["合規審查"],
        "compliance_amount_threshold": 1_000_000,
        "investigation_activities": ["資料審核"],
        "approval_activities": ["審批"],
    },
}


@dataclass(frozen=True)
class Process:
    """The knobs of a simulated period."""

    cases: int = 400
    wait_scale: float = 1.0  # multiplies every waiting time
    pingpong_rate: float = 0.3  # risk sends the file back to credit
    skip_risk_rate: float = 0.0  # cases decided without a risk assessment
    approval_rate: float = 0.6
    default_rate: float = 0.05  # of approved loans
    small_loan_share: float = 0.5
    small_loan_speedup: float = 1.0  # extra factor on waits of small loans
    start: str = "2024-01-01"
    days: int = 180


MEAN_WAIT_HOURS = {"信貸部": 20.0, "風險管理部": 40.0, "法務合規部": 30.0, "審批委員會": 50.0}


def _case_instances(rng: np.random.Generator, p: Process, case: int, small: bool, amount: float):
    """The activity instances of one case: (activity, start, end) in hours from its start."""
    plan = ["受理", "資料審核"]
    if rng.random() >= p.skip_risk_rate:
        plan.append("風險評估")
        if rng.random() < p.pingpong_rate:
            plan += ["資料審核", "風險評估"]
    if amount > 1_000_000:
        plan.append("合規審查")
    plan.append("審批")
    approved = rng.random() < p.approval_rate
    plan.append("放款" if approved else "拒絕通知")
    clock, rows = 0.0, []
    for activity in plan:
        department = ACTIVITIES[activity]
        scale = p.wait_scale * (p.small_loan_speedup if small else 1.0)
        clock += rng.exponential(MEAN_WAIT_HOURS.get(department, 4.0) * scale)
        work = rng.exponential(2.0)
        rows.append((activity, department, clock, clock + work))
        clock += work
    return rows, approved


def simulate(
    con: duckdb.DuckDBPyConnection, dataset: str, p: Process, seed: int, splits: int = 0
) -> None:
    """Write a simulated dataset into the store.

    With ``splits``, every case gets attributes ``split_0`` ... ``split_<splits-1>``, each
    "a" or "b" at random: random halves a filter can select.
    """
    rng = np.random.default_rng(seed)
    split_rng = np.random.default_rng(seed + 1)
    origin = datetime.fromisoformat(p.start).replace(tzinfo=UTC)
    instances, cases = [], []
    for case in range(p.cases):
        small = bool(rng.random() < p.small_loan_share)
        amount = float(rng.uniform(50_000, 300_000) if small else rng.uniform(400_000, 2_000_000))
        begin = origin + timedelta(hours=float(rng.uniform(0, p.days * 24)))
        rows, approved = _case_instances(rng, p, case, small, amount)
        case_id = f"{dataset}-{case:05d}"
        for activity, department, start, end in rows:
            resource = f"{department}-{int(rng.integers(0, 6))}"
            if activity == "審批" and rng.random() < 0.02:
                resource = instances[-1][4]  # now and then the investigator also approves
            instances.append(
                (
                    case_id,
                    activity,
                    department,
                    begin + timedelta(hours=start),
                    resource,
                    begin + timedelta(hours=end),
                )
            )
        defaulted = approved and bool(rng.random() < p.default_rate)
        attributes = {
            "amount": amount,
            "product": "micro" if small else "sme",
            "default": "1" if defaulted else "0",
            **{f"split_{k}": str(split_rng.choice(["a", "b"])) for k in range(splits)},
        }
        last = begin + timedelta(hours=rows[-1][3])
        cases.append(
            (
                case_id,
                "approved" if approved else "rejected",
                begin,
                last,
                amount,
                attributes["product"],
                json.dumps(attributes, ensure_ascii=False),
            )
        )
    _write(con, dataset, instances, cases)


def _write(con: duckdb.DuckDBPyConnection, dataset: str, instances: list, cases: list) -> None:
    inst = pd.DataFrame(
        instances, columns=["case_id", "activity", "department", "start_ts", "resource", "end_ts"]
    )
    inst["instance_id"] = np.arange(len(inst))
    case_frame = pd.DataFrame(
        cases, columns=["case_id", "outcome", "first_ts", "last_ts", "amount", "product", "attrs"]
    )
    con.register("sim_inst", inst)
    con.register("sim_cases", case_frame)
    con.execute(
        "INSERT INTO datasets (name, source, source_format, layout, profile, loaded_at, rows_read,"
        " events, activity_instances, cases, rejected, duplicates)"
        " VALUES (?, 'simulated', 'test', 'instances', ?, now(), ?, ?, ?, ?, 0, 0)",
        [
            dataset,
            json.dumps(PROFILE, ensure_ascii=False),
            2 * len(inst),
            2 * len(inst),
            len(inst),
            len(case_frame),
        ],
    )
    con.execute(
        "INSERT INTO activity_instances SELECT ?, instance_id, case_id, activity, department,"
        " resource, start_ts, end_ts FROM sim_inst",
        [dataset],
    )
    con.execute(
        "INSERT INTO events SELECT ?, row_number() OVER (), case_id, activity, ts, lifecycle,"
        " resource, department, NULL FROM ("
        " SELECT case_id, activity, start_ts AS ts, 'start' AS lifecycle, resource, department"
        " FROM sim_inst UNION ALL"
        " SELECT case_id, activity, end_ts, 'complete', resource, department FROM sim_inst)",
        [dataset],
    )
    con.execute(
        "INSERT INTO cases SELECT ?, case_id, outcome, first_ts, last_ts, amount, product,"
        " NULL, NULL, attrs FROM sim_cases",
        [dataset],
    )
    con.unregister("sim_inst")
    con.unregister("sim_cases")


@pytest.fixture(scope="module")
def homogeneous_cases(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The case metrics of one simulated homogeneous period of 600 cases."""
    from etl.store import connect

    con = connect(tmp_path_factory.mktemp("sim") / "store.duckdb")
    simulate(con, "one", Process(cases=600), seed=1)
    frame = case_metrics(con, "one")
    con.close()
    return frame


def test_simulated_cases_are_consistent(homogeneous_cases: pd.DataFrame) -> None:
    assert len(homogeneous_cases) == 600
    assert (homogeneous_cases["cycle_time_hours"] > 0).all()
    assert homogeneous_cases["cost"].notna().all()


def test_random_splits_are_significant_at_most_about_alpha(
    homogeneous_cases: pd.DataFrame,
) -> None:
    """200 random halves of one homogeneous log: no true difference exists.

    Every metric's raw test rejects at about alpha, and after Benjamini-Hochberg (which under
    the global null controls the chance of any false discovery) a split with any
    'significant' metric comes up at most about alpha of the time.
    """
    rng = np.random.default_rng(2024)
    splits, raw_rejections, raw_tests, any_significant = 200, 0, 0, 0
    for _ in range(splits):
        mask = rng.random(len(homogeneous_cases)) < 0.5
        metrics = case_metric_comparisons(
            homogeneous_cases[mask], homogeneous_cases[~mask], n_resamples=0
        )
        p_values = [m.p_value for m in metrics if np.isfinite(m.p_value)]
        raw_tests += len(p_values)
        raw_rejections += sum(p < 0.05 for p in p_values)
        adjusted = benjamini_hochberg(p_values)
        any_significant += any(significant(p) for p in adjusted)
    raw_rate = raw_rejections / raw_tests
    print(
        f"raw rejection rate {raw_rate:.3f}, splits with any significant "
        f"{any_significant / splits:.3f}"
    )
    assert 0.02 <= raw_rate <= 0.08, raw_rate
    # binomial sd at 200 splits is 0.015: allow alpha + 2.5 sd
    assert any_significant / splits <= 0.09, any_significant / splits


def test_whole_comparisons_of_random_halves_rarely_find_anything(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """compare() end to end (metrics, variants, default and rule shares, edges, handoffs)
    on 12 random halves of one homogeneous simulated log, selected by a case attribute."""
    from analysis.compare import compare
    from analysis.filters import Filters
    from etl.store import connect

    con = connect(tmp_path_factory.mktemp("halves") / "store.duckdb")
    simulate(con, "one", Process(cases=500, skip_risk_rate=0.05), seed=3, splits=12)
    flagged_metrics, flagged_paths, paths = 0, 0, 0
    for k in range(12):
        halves = [Filters(attributes=((f"split_{k}", side),)) for side in ("a", "b")]
        result = compare(con, ("one", halves[0]), ("one", halves[1]), n_resamples=0)
        assert result.before.cases + result.after.cases == 500
        flagged_metrics += any(m.significant for m in result.metrics)
        assert not result.guardrails.weakened
        tested = [e for e in result.edges + result.handoffs if e.status != "added"]
        paths += len(tested)
        flagged_paths += sum(e.status == "changed" for e in tested)
    con.close()
    print(
        f"halves with a significant metric {flagged_metrics}/12, paths changed "
        f"{flagged_paths}/{paths}"
    )
    assert flagged_metrics <= 2, flagged_metrics
    assert flagged_paths <= 0.05 * paths + 2, (flagged_paths, paths)
