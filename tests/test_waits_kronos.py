"""Kronos's hand-worked logs: every transition's waiting time and its five causes, to the
minute, as Kronos's own tests expect them (tests/assets/kronos/README.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.waits.decompose import CAUSES
from analysis.waits.report import waiting_causes
from etl.load import ingest
from etl.store import connect
from loanflow.cli import main

ASSETS = Path(__file__).resolve().parent / "assets" / "kronos"
TEN_TO_EIGHT = {"hours": ["10:00", "20:00"]}
PROFILE = {
    "columns": {
        "case_id": "case_id",
        "activity": "Activity",
        "start_timestamp": "start_time",
        "timestamp": "end_time",
        "resource": "Resource",
    },
    "timezone": "UTC",
    # The calendars of Kronos's tests/test_icpm.py: Marcus has a lunch break.
    "calendars": {
        "Marcus": {"hours": ["10:00", "12:00", "12:30", "20:00"]},
        "Anya": TEN_TO_EIGHT,
        "Dom": TEN_TO_EIGHT,
        "Carmine": TEN_TO_EIGHT,
        "Cole": TEN_TO_EIGHT,
    },
}
KEYS = ["source_activity", "source_resource", "activity", "resource"]


def _expected(number: int) -> pd.DataFrame:
    frame = pd.read_csv(ASSETS / f"manual_log_{number}_expected.csv")
    frame = frame.rename(columns={"target_activity": "activity", "target_resource": "resource"})
    minutes = pd.DataFrame({k: frame[k] for k in KEYS})
    minutes["instances"] = frame["frequency"].astype(int)
    minutes["wait"] = pd.to_timedelta(frame["wt_total"]).dt.total_seconds() / 60
    for cause in CAUSES:
        minutes[cause] = pd.to_timedelta(frame[f"wt_{cause}"]).dt.total_seconds() / 60
    return minutes.sort_values(KEYS).reset_index(drop=True)


def _ours(con: duckdb.DuckDBPyConnection, dataset: str) -> pd.DataFrame:
    report = waiting_causes(con, dataset, kronos=True, transitions=True)
    rows = []
    for t in report.transitions:
        row = {k: t[k] for k in KEYS}
        row["instances"] = t["instances"]
        row["wait"] = round(t["wait_hours"] * 60, 6)
        for cause in CAUSES:
            row[cause] = round(t["causes"][cause] * 60, 6)
        rows.append(row)
    return pd.DataFrame(rows).sort_values(KEYS).reset_index(drop=True)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("kronos") / "store.duckdb"
    con = connect(path)
    for number in range(1, 6):
        ingest(ASSETS / f"manual_log_{number}.csv", f"manual{number}", con=con, profile=PROFILE)
    con.close()
    yield path


@pytest.fixture
def con(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(db, read_only=True)
    yield connection
    connection.close()


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_every_transition_as_kronos(con: duckdb.DuckDBPyConnection, number: int) -> None:
    ours, theirs = _ours(con, f"manual{number}"), _expected(number)
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, atol=1 / 60)


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_parts_add_up_to_each_wait(con: duckdb.DuckDBPyConnection, number: int) -> None:
    for kronos in (True, False):
        report = waiting_causes(con, f"manual{number}", instances=True, kronos=kronos)
        assert report.instances is not None
        for row in report.instances:
            parts = row["causes"].values()
            assert min(parts) >= 0
            assert sum(parts) == pytest.approx(row["wait_hours"], abs=1e-6)


def test_batching_until_the_batch_starts(con: duckdb.DuckDBPyConnection) -> None:
    """Log 4 worked by hand with LoanFlow's definition: Carmine does B for the four files
    of each day back to back from 13:30; they were enabled at 10:30, 11:00, 11:30 and
    12:00. Each waits for the batch to start (3 + 2.5 + 2 + 1.5 = 9 h a day), then for the
    members Carmine does first, all enabled later (1.5 + 1 + 0.5 = 3 h a day of
    prioritization). Kronos counts batching only until the last file arrived (9 h in all)."""
    report = waiting_causes(con, "manual4", transitions=True)
    row = next(t for t in report.transitions if (t["source_activity"], t["activity"]) == ("A", "B"))
    assert row["wait_hours"] == pytest.approx(36)
    assert row["causes"] == pytest.approx(
        {"batching": 27, "contention": 0, "prioritization": 9, "unavailability": 0, "extraneous": 0}
    )
    assert report.batches[0]["activity"] == "B"
    assert (report.batches[0]["batches"], report.batches[0]["mean_size"]) == (3, 4)


def test_cli_json_keys(db: Path) -> None:
    result = CliRunner().invoke(
        main, ["waits", "manual2", "--db", str(db), "--json", "--instances"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert {"activities", "handoffs", "instances", "calendars", "batches"} <= set(doc)
    b = next(a for a in doc["activities"] if a["activity"] == "B")
    assert {"activity", "instances", "wait_hours", "causes"} <= set(b)
    assert set(b["causes"]) == set(CAUSES)
    # A -> B waits 4:15 + 0:45 (Kronos's expected file) and 0:00 three times.
    assert b["wait_hours"] == pytest.approx(5.0)
    one = doc["instances"][0]
    assert {"case_id", "activity", "resource", "source_activity", "source_resource",
            "enabled", "start", "wait_hours", "causes"} <= set(one)  # fmt: skip
    text = CliRunner().invoke(main, ["waits", "manual2", "--db", str(db)]).output
    assert "contention h" in text and "Activities:" in text
