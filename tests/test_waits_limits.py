"""A log without start times or resources: the causes that cannot be told apart are said,
and the split falls back to what the log can show."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from analysis.waits.report import waiting_causes
from etl.load import ingest
from loanflow.cli import main

PROFILE = {
    "columns": {"case_id": "case", "activity": "activity", "timestamp": "time"},
    "timezone": "UTC",
    "calendar": {"workdays": ["Mon", "Tue", "Wed", "Thu", "Fri"], "hours": ["09:00", "17:00"]},
}


@pytest.fixture
def bare(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    # c1: A on Friday 2025-03-07 16:00, B on Monday 10:00: 66 h, of which 1 h on Friday
    # and 1 h on Monday are working time. c2: A then B three hours later on a Tuesday.
    (tmp_path / "bare.csv").write_text(
        "case,activity,time\n"
        "c1,A,2025-03-07 16:00\nc1,B,2025-03-10 10:00\n"
        "c2,A,2025-03-11 10:00\nc2,B,2025-03-11 13:00\n",
        encoding="utf-8",
    )
    ingest(tmp_path / "bare.csv", "bare", con=store, profile=PROFILE)
    return store


def test_no_resources_no_start_times(bare: duckdb.DuckDBPyConnection) -> None:
    report = waiting_causes(bare, "bare")
    assert any("no resources" in note for note in report.notes)
    assert any("no start times" in note for note in report.notes)
    b = next(a for a in report.activities if a["activity"] == "B")
    assert b["wait_hours"] == pytest.approx(69.0)
    assert b["causes"] == pytest.approx(
        {"batching": 0, "contention": 0, "prioritization": 0, "unavailability": 64,
         "extraneous": 5}
    )  # fmt: skip


def test_cli_says_so(bare: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    bare.close()
    result = CliRunner().invoke(main, ["waits", "bare", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "Note: The log has no resources" in result.output
    missing = CliRunner().invoke(main, ["waits", "nope", "--db", str(db_path)])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
