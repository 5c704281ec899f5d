"""Predictions kept in the store: kept once per key, listed newest first by the dataset
they were made from, and kept when that dataset is dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.whatif.kept import keep_prediction, kept_prediction, kept_predictions
from etl.errors import BadInputError
from etl.load import drop_dataset
from etl.store import connect
from tests.analysis_logs import make_log
from tests.test_analysis_kpis import PROFILE, ROWS


def _report(dataset: str, scenario: str | None, runs: int) -> dict[str, object]:
    names = ("median_cycle_time_hours", "p90_cycle_time_hours", "approved_share")
    metrics = [{"name": n, "baseline": 1.0, "scenario": 2.0} for n in names]
    return {"dataset": dataset, "scenario": scenario, "runs": runs, "metrics": metrics}


def test_kept_predictions_outlive_their_dataset(tmp_path: Path) -> None:
    con = connect(tmp_path / "store.duckdb")
    make_log(con, "hand", ROWS, PROFILE)
    first = keep_prediction(con, _report("hand", None, 2), made_by="ana")
    second = keep_prediction(con, _report("hand", "joint review", 8), key="p-00000000abcd")
    assert keep_prediction(con, _report("hand", "other", 1), key="p-00000000abcd") == second
    other = keep_prediction(con, _report("elsewhere", None, 3))
    kept = kept_predictions(con, "hand")
    assert {p.id for p in kept} == {first, second}
    assert {(p.scenario, p.runs, p.made_by) for p in kept} == {
        (None, 2, "ana"),
        ("joint review", 8, None),
    }
    assert kept_prediction(con, second)["scenario"] == "joint review"  # the first kept stays
    assert {p.id for p in kept_predictions(con)} == {first, second, other}
    drop_dataset(con, "hand")
    assert {p.id for p in kept_predictions(con, "hand")} == {first, second}
    with pytest.raises(BadInputError, match="No kept prediction 'p-ffffffffffff'") as missing:
        kept_prediction(con, "p-ffffffffffff")
    assert missing.value.code == "prediction_not_kept"
    with pytest.raises(BadInputError, match="not a prediction"):
        keep_prediction(con, {"dataset": "hand", "metrics": []})
    con.close()
