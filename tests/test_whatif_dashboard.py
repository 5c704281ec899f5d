"""The What-if page's callbacks as plain functions: the scenario the controls write, the
simulation as a background job (progress, result, cancel) and the results it shows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analysis.whatif.scenario import parse_scenario
from dashboard import data
from dashboard.jobs import RUNNER, Job
from dashboard.views.whatif import (
    metric_cells,
    metric_label,
    results_body,
    scenario_yaml,
    start_job,
    status,
)
from etl.load import ingest
from etl.store import close_shared, connect

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
JOB_SECONDS = 420  # bounded: a job that never ends fails the test instead of hanging it


def ended(job_id: str, seconds: float = JOB_SECONDS) -> Job:
    """The job once it has ended; fails (and cancels it) if it runs longer than ``seconds``."""
    job = RUNNER.wait(job_id, timeout=seconds)
    assert job is not None, "the job is unknown"
    if not job.ended.is_set():
        RUNNER.cancel(job_id)
        raise AssertionError(
            f"the simulation job did not end within {seconds:.0f} s: state {job.state}, "
            f"progress {job.progress:.0%}, last message {job.message!r}"
        )
    return job


def test_the_controls_write_a_scenario_file() -> None:
    text = scenario_yaml(
        staff_department="風險管理部",
        staff_change=2,
        meeting_department="審批委員會",
        meeting_days=["Mon", "Wed", "Fri"],
        fast_track=600000,
        parallel="信貸調查, 風險評估",
        arrivals=2.0,
        skip_activity="審批會議",
        meeting_hours=("09:30", "11:00"),
        duration_activity="信貸調查",
        duration_factor=0.9,
        route_after="風險評估",
        route_to="風險複核",
        route_scale=0.2,
        pooled=["信貸部", "風險管理部"],
    )
    changes = parse_scenario(yaml.safe_load(text))["changes"]
    assert changes["staff"] == {"風險管理部": "+2"}
    assert changes["calendar"]["審批委員會"] == {
        "days": ["Mon", "Wed", "Fri"],
        "hours": ["09:30", "11:00"],
    }
    assert changes["skip"] == [{"activity": "審批會議", "when": "amount <= 600000"}]
    assert changes["parallel"] == [["信貸調查", "風險評估"]]
    assert changes["arrivals"] == 2.0
    assert changes["durations"] == {"信貸調查": 0.9}
    assert changes["routing"] == [{"after": "風險評估", "to": "風險複核", "scale": 0.2}]
    assert changes["pooled"] == ["信貸部", "風險管理部"]
    # a multiplier of 1, or a fast track without an activity to skip, changes nothing
    empty = dict(
        staff_department=None,
        staff_change=0,
        meeting_department=None,
        meeting_days=[],
        fast_track=None,
        parallel="",
        arrivals=1.0,
    )
    assert scenario_yaml(**empty) == ""  # nothing changed: the process as it is
    unchanged = dict(duration_activity="信貸調查", duration_factor=1.0, route_scale=1.0)
    assert scenario_yaml(**empty, **unchanged, route_after="風險評估", route_to="風險複核") == ""
    assert scenario_yaml(**{**empty, "fast_track": 600000}, skip_activity=None) == ""


def test_the_controls_offer_the_datasets_names(tmp_path: Path) -> None:
    """Departments and activities as the store has them; without departments, the
    activities people do (the model names its pools after them)."""
    from analysis.whatif.scenario import scenario_names

    con = connect(tmp_path / "store.duckdb")
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    departments, activities = scenario_names(con, "before")
    assert departments == sorted(
        {"客戶經理部", "信貸部", "風險管理部", "法務合規部", "審批委員會", "運營部"}
    )
    assert "審批會議" in activities and "資料審核" in activities
    log = tmp_path / "plain.csv"
    log.write_text(
        "case_id,activity,timestamp,resource\n"
        "c1,Check,2025-03-03 10:00,ann\nc1,Decide,2025-03-03 11:00,\n",
        encoding="utf-8",
    )
    ingest(log, "plain", con=con)
    assert scenario_names(con, "plain") == (["Check"], ["Check", "Decide"])
    con.close()


@pytest.mark.slow
def test_the_simulation_runs_in_the_background_and_can_be_cancelled(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    con = connect(db)
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    con.close()
    data.configure(db)
    try:
        scenario = "name: more risk staff\nchanges:\n  staff: {風險管理部: '+2'}\n"
        job = start_job("dataset=before", scenario, 2, None, "en")
        assert status(job.id, "en")[2] is False or job.state != "running"
        finished = ended(job.id)
        assert finished.state == "done", finished.error
        names = {m["name"] for m in finished.result["metrics"]}
        assert {"median_cycle_time_hours", "utilisation:風險管理部"} <= names
        risk = next(m for m in finished.result["metrics"] if m["name"] == "utilisation:風險管理部")
        assert risk["scenario"] < risk["baseline"]  # two more people share the same work
        body = str(results_body(job.id, "en"))
        assert "whatif-table" in body and "whatif-kpis" in body
        # two replications: the intervals cut at a limit are named below the table
        cut = [m["name"] for m in finished.result["metrics"] if m["clipped"]]
        assert ("2 replications are few" in body) == bool(cut)
        if cut:
            assert metric_label(cut[0], "zh-Hant") in str(results_body(job.id, "zh-Hant"))
        assert status(job.id, "en") == (100.0, "", True)
        again = start_job("dataset=before", scenario, 40, None, "en")
        RUNNER.cancel(again.id)
        stopped = ended(again.id, 120)
        assert stopped.state == "cancelled"
        assert status(again.id, "zh-Hant")[1] == "已取消。"
    finally:
        close_shared(db)


def test_each_metric_is_shown_in_its_own_unit() -> None:
    """Durations in hours as their labels say (a change signed, the error relative),
    shares as percentages
    (their change, interval and error in percentage points), not all as bare decimals."""
    hours = {
        "name": "median_cycle_time_hours",
        "baseline": 93.25,
        "scenario": 80.0,
        "change": -13.25,
        "ci95": [-15.5, -11.0],
        "actual": 82.0,
        "error": (80.0 - 82.0) / 82.0,
    }
    assert metric_cells(hours, "en") == {
        "metric": metric_label("median_cycle_time_hours", "en"),
        "baseline": "93.2",
        "scenario": "80.0",
        "change": "-13.2",
        "low": "-15.5",
        "high": "-11.0",
        "actual": "82.0",
        "error": "-2.4%",
    }
    busy = {
        "name": "utilisation:風險管理部",
        "baseline": 0.6021,
        "scenario": 0.45,
        "change": 0.45 - 0.6021,
        "ci95": [-0.17, -0.134],
        "actual": 0.47,
        "error": 0.45 - 0.47,
    }
    cells = metric_cells(busy, "zh-Hans")
    assert (cells["baseline"], cells["scenario"], cells["actual"]) == ("60.2%", "45.0%", "47.0%")
    assert (cells["change"], cells["low"], cells["high"]) == (
        "-15.2 个百分点",
        "-17.0 个百分点",
        "-13.4 个百分点",
    )
    assert cells["error"] == "-2.0 个百分点"
    # without a scenario the interval is the baseline's own, in the baseline's unit
    alone = busy | {"scenario": None, "change": None, "ci95": [0.58, 0.62]}
    cells = metric_cells(alone, "en")
    assert (cells["scenario"], cells["change"], cells["low"], cells["high"]) == (
        "–",
        "–",
        "58.0%",
        "62.0%",
    )
