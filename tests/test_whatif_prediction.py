"""Predicted vs actual: the model of the sample `before` log predicts other logs.

The sample simulator (sample_logs/) made `after` with the redesign, and makes a staff
change and a volume change on demand (`loanflow generate --staff/--volume`, same seed and
applicants as `before`). A model discovered from `before` alone, with a scenario file that
states each change, must predict their median and p90 cycle time within 10% and their
approval share within 2 percentage points, with 8 replications from each of three seeds
far apart (31, 131, 231: replications use seed, seed + 1, ...), not one lucky seed.
One exception, stated in docs/whatif.md with the figures: ten percent more applications
bring the bank close to overload, where the median cycle time of 8 replications moves by
several percent from seed to seed (-4% to -10%); there the cycle times are checked on
the three seeds' 24 replications together. docs/whatif.md also says where it misses (a 20%
volume increase overloads the bank: there the prediction is 11-12% short).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from analysis.whatif.discover import discover_model
from analysis.whatif.model import save_model
from analysis.whatif.whatif import what_if
from etl.load import ingest
from etl.store import connect
from loanflow.cli import main

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
CHANGES = {
    "staff": ("--staff", "信貸部=20", "--staff", "風險管理部=12"),
    "volume": ("--volume", "1.1"),
}
SEEDS = (31, 131, 231)
SCENARIOS = {
    "staff": "name: more staff\nchanges:\n  staff: {信貸部: 20, 風險管理部: '+2'}\n",
    "volume": "name: ten percent more applications\nchanges:\n  arrivals: 1.1\n",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("prediction")
    path = folder / "store.duckdb"
    con = connect(path)
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    ingest(SAMPLES / "after.xes.gz", "after", con=con, profile=SAMPLES / "after.profile.yaml")
    for name, options in CHANGES.items():
        log = folder / f"{name}.csv"
        result = CliRunner().invoke(
            main,
            [
                "generate",
                "--scenario",
                "before",
                "--cases",
                "2000",
                "--seed",
                "2025",
                "--format",
                "csv",
                "--layout",
                "instances",
                "--encoding",
                "gb18030",
                *options,
                "--out",
                str(log),
            ],
        )
        assert result.exit_code == 0, result.output
        ingest(log, name, con=con, profile=SAMPLES / "before.profile.yaml")
        (folder / f"{name}.yaml").write_text(SCENARIOS[name], encoding="utf-8")
    model = discover_model(con, "before")
    con.close()
    save_model(model, folder / "model.json")
    yield path, folder


def _predict(store: tuple[Path, Path], scenario: Path, actual: str, seed: int) -> dict[str, Any]:
    path, folder = store
    con = duckdb.connect(str(path), read_only=True)
    try:
        report = what_if(
            con,
            "before",
            scenario_file=str(scenario),
            model_file=str(folder / "model.json"),
            runs=8,
            cases=2000,
            start="2025-03-03",
            actual=actual,
            seed=seed,
        )
    finally:
        con.close()
    return {m["name"]: m for m in report["metrics"]}


CYCLE = ("median_cycle_time_hours", "p90_cycle_time_hours")


def _check(runs: list[dict[str, Any]], *, pooled_cycle_times: bool = False) -> None:
    """Every seed's approval share within 2 pp and cycle times within 10% (or, with
    ``pooled_cycle_times``, the cycle times of all seeds' replications together)."""
    for metrics in runs:
        approved = metrics["approved_share"]
        assert abs(approved["error"]) <= 0.02, approved
        assert approved["error"] == pytest.approx(approved["scenario"] - approved["actual"])
        for name in () if pooled_cycle_times else CYCLE:
            assert abs(metrics[name]["error"]) <= 0.10, (name, metrics[name])
    for name in CYCLE:
        pooled = sum(m[name]["scenario"] for m in runs) / len(runs)
        assert abs(pooled / runs[0][name]["actual"] - 1) <= 0.10, (name, pooled)


def test_the_redesign_is_predicted_from_before(store: tuple[Path, Path]) -> None:
    runs = [_predict(store, SAMPLES / "redesign.scenario.yaml", "after", s) for s in SEEDS]
    _check(runs)
    # the measured after log, independently: `loanflow kpis after` (ETL + analysis.kpis)
    assert runs[0]["median_cycle_time_hours"]["actual"] == pytest.approx(73.636, abs=0.01)
    assert runs[0]["approved_share"]["actual"] == pytest.approx(0.675)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_staff_and_volume_changes_are_predicted(store: tuple[Path, Path], change: str) -> None:
    runs = [_predict(store, store[1] / f"{change}.yaml", change, seed) for seed in SEEDS]
    _check(runs, pooled_cycle_times=change == "volume")
