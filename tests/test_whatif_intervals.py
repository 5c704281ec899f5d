"""Intervals over replications that respect what the quantity can be: Student's t intervals
of the mean, cut at 0 h, 0% and 100% (a change of a share at -100% and +100%) and marked
when cut. Checked by hand (t quantiles from scipy) and on a real two-replication run."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest
from scipy import stats

from analysis.whatif.discover import discover_model
from analysis.whatif.run import change_range, interval, summarise, value_range
from analysis.whatif.whatif import what_if
from etl.load import ingest
from etl.store import connect

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def _t_interval(values: list[float]) -> tuple[float, float]:
    """The plain t interval of the mean, computed with scipy."""
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return mean - half, mean + half


def test_hours_are_cut_at_zero_and_marked() -> None:
    values = [20.0, 60.0]  # two replications: t = 12.706, the plain interval goes below 0
    low, high = _t_interval(values)
    assert low < 0
    bounds, cut = interval(values, value_range("median_cycle_time_hours"))
    assert cut
    assert bounds[0] == 0.0
    assert bounds[1] == pytest.approx(high, rel=1e-3)


def test_shares_stay_within_zero_and_one() -> None:
    values = [0.62, 0.74]
    low, high = _t_interval(values)
    assert high > 1
    bounds, cut = interval(values, value_range("approved_share"))
    assert cut
    assert bounds == [pytest.approx(max(low, 0.0), rel=1e-3), 1.0]
    # a narrow interval is left as it is
    many = [0.60, 0.61, 0.62, 0.63, 0.61, 0.62, 0.60, 0.62]
    bounds, cut = interval(many, value_range("approved_share"))
    assert not cut
    assert bounds == [pytest.approx(v, rel=1e-3) for v in _t_interval(many)]


def test_ranges_of_changes() -> None:
    assert change_range("approved_share") == (-1.0, 1.0)
    assert change_range("utilisation:信貸部") == (-1.0, 1.0)
    assert change_range("p90_cycle_time_hours") == (-math.inf, math.inf)
    assert value_range("wait_hours:信貸部->風險管理部") == (0.0, math.inf)
    assert value_range("unfinished_cases") == (0.0, math.inf)


def test_summary_marks_the_cut_intervals() -> None:
    baseline = [
        {"approved_share": 0.50, "p90_cycle_time_hours": 100.0},
        {"approved_share": 0.95, "p90_cycle_time_hours": 300.0},
    ]
    scenario = [
        {"approved_share": 0.10, "p90_cycle_time_hours": 90.0},
        {"approved_share": 0.99, "p90_cycle_time_hours": 310.0},
    ]
    rows = {r["name"]: r for r in summarise(baseline, scenario)}
    share = rows["approved_share"]
    assert share["clipped"] == ["baseline_ci95", "ci95", "scenario_ci95"]
    assert share["baseline_ci95"][1] == 1.0 and share["scenario_ci95"] == [0.0, 1.0]
    assert share["ci95"] == [-1.0, 1.0]
    p90 = rows["p90_cycle_time_hours"]
    assert p90["clipped"] == ["baseline_ci95", "scenario_ci95"]  # the change may be < 0
    assert p90["ci95"] == [pytest.approx(v, rel=1e-3) for v in _t_interval([-10.0, 10.0])]


def test_a_two_replication_run_gives_intervals_within_range(tmp_path: Path) -> None:
    con = connect(tmp_path / "store.duckdb")
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    con.close()
    con = duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True)
    try:
        report = what_if(
            con,
            "before",
            scenario_file=str(SAMPLES / "redesign.scenario.yaml"),
            model=discover_model(con, "before", calibration_rounds=0),
            runs=2,
            cases=150,
        )
    finally:
        con.close()
    cut, checked = 0, 0
    for m in report["metrics"]:
        ranges = {
            "baseline_ci95": value_range(m["name"]),
            "scenario_ci95": value_range(m["name"]),
            "ci95": change_range(m["name"]),
        }
        for key, (low, high) in ranges.items():
            a, b = m[key]
            if a is None:  # a handoff seen in one replication only: no interval
                continue
            assert low <= a <= b <= high, (m["name"], key, m[key])
            checked += 1
        cut += len(m["clipped"])
    assert checked > 30
    assert cut > 0  # with two replications some intervals reach past their range
