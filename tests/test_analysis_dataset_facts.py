"""Filter choices, the latest dataset, a case's timeline and the rejected rows, by hand and
through their commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from analysis.dataset_facts import (
    amount_bands_from_quartiles,
    case_timeline,
    filter_choices,
    latest_dataset,
    rejected_rows,
)
from etl.errors import UnknownDatasetError
from etl.load import ingest
from etl.store import connect
from loanflow.cli import main
from tests.analysis_logs import make_log
from tests.test_analysis_kpis import ATTRS, PROFILE, ROWS

CSV = (
    "case,activity,ts,department\n"
    "X,申請,2025-01-06 09:00:00,客戶經理部\n"
    "X,放款,not a time,運營部\n"
    ",放款,2025-01-06 12:00:00,運營部\n"
    "Y,申請,2025-01-07 09:00:00,客戶經理部\n"
)
COLUMNS = {"case_id": "case", "activity": "activity", "timestamp": "ts", "department": "department"}


def test_filter_choices_by_hand(store: duckdb.DuckDBPyConnection) -> None:
    make_log(store, "hand", ROWS, PROFILE, ATTRS)
    choices = filter_choices(store, "hand")
    assert choices.products == ("消費貸", "經營貸")
    assert choices.departments == ("信貸部", "客戶經理部", "審批委員會", "運營部", "風險管理部")
    # cases start on 6 Jan (A, B) and 10 Jan (C); amounts 80,000 / 500,000 / 1,200,000 have
    # quartiles 290,000 / 500,000 / 850,000 (linear), already two significant digits
    assert (choices.first_day, choices.last_day) == (date(2025, 1, 6), date(2025, 1, 10))
    assert choices.amount_bands == amount_bands_from_quartiles([290_000.0, 500_000.0, 850_000.0])
    assert choices.amount_bands[1] == (290_000.0, 500_000.0)
    with pytest.raises(UnknownDatasetError):
        filter_choices(store, "nope")


def test_case_timeline_in_case_order(store: duckdb.DuckDBPyConnection) -> None:
    make_log(store, "hand", ROWS, PROFILE, ATTRS)
    frame = case_timeline(store, "hand", "B")
    # 拒絕 (an instant at 11:00) starts after 風險評估 (10:30) and before nothing else
    assert list(frame["activity"]) == ["申請", "資料審核", "風險評估", "拒絕"]
    open_case = case_timeline(store, "hand", "C")
    assert open_case["end_ts"].isna().tolist() == [False, True]


def test_rejects_and_latest_dataset(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    assert latest_dataset(store) is None
    source = tmp_path / "log.csv"
    source.write_text(CSV, encoding="utf-8")
    ingest(source, "first", con=store, profile={"columns": COLUMNS})
    ingest(source, "second", con=store, profile={"columns": COLUMNS})
    assert latest_dataset(store) == "second"
    frame = rejected_rows(store, "first")
    assert len(frame) == 2  # the unparseable time, the missing case id
    assert frame["source_row"].is_monotonic_increasing
    assert len(rejected_rows(store, "first", limit=1)) == 1


def test_commands_print_the_same_facts(db_path: Path, tmp_path: Path) -> None:
    con = connect(db_path)
    make_log(con, "hand", ROWS, PROFILE, ATTRS)
    source = tmp_path / "log.csv"
    source.write_text(CSV, encoding="utf-8")
    ingest(source, "loaded", con=con, profile={"columns": COLUMNS})
    expected_rejects = len(rejected_rows(con, "loaded"))
    con.close()

    def run_json(*args: str) -> dict[str, object]:
        result = CliRunner().invoke(main, [*args, "--db", str(db_path), "--json"])
        assert result.exit_code == 0, result.output
        return dict(json.loads(result.output))

    choices = run_json("filter-choices", "hand")
    assert choices["first_day"] == "2025-01-06" and choices["products"] == ["消費貸", "經營貸"]
    assert choices["amount_bands"][0] == [None, 290_000.0]  # type: ignore[index]
    timeline = run_json("case", "hand", "B")
    assert [i["activity"] for i in timeline["instances"]] == [
        "申請",
        "資料審核",
        "風險評估",
        "拒絕",
    ]  # type: ignore[attr-defined]
    assert len(run_json("rejects", "loaded")["rejects"]) == expected_rejects == 2  # type: ignore[arg-type]
    missing = CliRunner().invoke(main, ["rejects", "nope", "--db", str(db_path)])
    assert missing.exit_code != 0 and "No dataset named 'nope'" in missing.output
