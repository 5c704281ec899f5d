"""Times of day in the dataset's own time zone, labelled with it, on every page that shows
them (the Cases table and timeline, the cases behind a clicked map element, one case's
waits): the hand-worked log of tests/test_dashboard_fixtures.py loaded twice into one
store, as UTC (no zone in its profile) and as the bank's Asia/Shanghai clock. The file's
times are the bank's wall-clock times, so a page must show what the file says (C1 受理
09:00-10:00 on 6 Jan), not the stored instant in UTC (01:00)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analysis.dataset_facts import DatasetTimeZone, time_zone
from dashboard import data
from dashboard.app import create_app
from dashboard.exports import export_file
from dashboard.views import cases, process_map, waits
from etl.load import ingest
from etl.store import close_shared
from tests.test_dashboard_callbacks import walk_components
from tests.test_dashboard_fixtures import PROFILE, write_log


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("zones")
    db = folder / "store.duckdb"
    log = write_log(folder)
    for dataset, extra in (("utc", ""), ("bank", "timezone: Asia/Shanghai\n")):
        profile = folder / f"{dataset}.profile.yaml"
        profile.write_text(PROFILE + extra, encoding="utf-8")
        ingest(log, dataset, db=db, profile=profile)
    create_app(db, auth=False)
    yield db
    close_shared(db)


@pytest.fixture(autouse=True)
def this_store(store_path: Path) -> None:
    data.configure(store_path)


def test_the_zone_is_the_profiles_and_labelled_by_its_offset() -> None:
    with data.cursor() as con:
        assert time_zone(con, "bank") == DatasetTimeZone("Asia/Shanghai", (28800,))
        assert time_zone(con, "utc") == DatasetTimeZone("UTC", (0,))
    assert data.dataset_time_zone("bank").label == "UTC+8"
    assert data.dataset_time_zone("utc").label == "UTC"
    assert data.dataset_time_zone(None).label == "UTC"
    assert data.dataset_time_zone("no-such-dataset").label == "UTC"
    assert DatasetTimeZone("Asia/Kolkata", (19800,)).label == "UTC+5:30"
    assert DatasetTimeZone("America/Sao_Paulo", (-10800,)).label == "UTC-3"
    assert DatasetTimeZone("Europe/London", (0,)).label == "UTC+0"
    # an offset that changes within the data (daylight saving): no one offset is right
    assert DatasetTimeZone("Europe/Berlin", (3600, 7200)).label == "Europe/Berlin"


def _first_rows(dataset: str, lang: str = "en") -> dict[str, dict[str, Any]]:
    answer = cases.rows_page(f"dataset={dataset}&lang={lang}", {"startRow": 0, "endRow": 10})
    return {row["case_id"]: row for row in answer["rowData"]}


def test_the_cases_table_shows_the_banks_clock_and_says_so() -> None:
    bank, utc = _first_rows("bank"), _first_rows("utc")
    # C1: 受理 06 Jan 09:00 to 放款 07 Jan 10:00, as the file says, in both datasets
    assert (bank["C1"]["first_ts"], bank["C1"]["last_ts"]) == (
        "2025-01-06 09:00",
        "2025-01-07 10:00",
    )
    assert (utc["C1"]["first_ts"], utc["C1"]["last_ts"]) == ("2025-01-06 09:00", "2025-01-07 10:00")
    assert bank["C1"]["cycle_time_hours"] == utc["C1"]["cycle_time_hours"] == 25.0  # figures
    headers = {
        c["field"]: c["headerName"]
        for c in cases.table_columns("zh-Hant", data.dataset_time_zone("bank"))
    }
    assert (headers["first_ts"], headers["last_ts"]) == ("開始 (UTC+8)", "最後事件 (UTC+8)")
    english = {c["field"]: c["headerName"] for c in cases.table_columns("en")}
    assert english["first_ts"] == "Started (UTC)"  # no zone known: UTC, and said


def test_the_stored_instants_are_unchanged() -> None:
    """The bank's 09:00 is 01:00 UTC in the store: the zone is a matter of display."""
    with data.cursor() as con:
        first = con.execute(
            "SELECT epoch(first_ts) FROM cases WHERE dataset = ? AND case_id = 'C1'", ["bank"]
        ).fetchone()
    assert pd.Timestamp(first[0], unit="s", tz="UTC") == pd.Timestamp("2025-01-06 01:00", tz="UTC")


def _ms(text: str) -> float:
    return pd.Timestamp(text).value / 1e6


def test_one_cases_timeline_is_drawn_on_the_banks_clock() -> None:
    figure = cases.case_timeline("dataset=bank&lang=zh-Hans", "C1")
    starts = sorted(_ms(str(b)) for trace in figure.data for b in trace.base)
    expected = ["2025-01-06T09:00", "2025-01-06T12:00", "2025-01-07T09:00"]
    assert starts == [_ms(e) for e in expected]
    assert figure.layout.xaxis.title.text == "时间 (UTC+8)"
    assert cases.case_timeline("dataset=utc", "C1").layout.xaxis.title.text == "Time (UTC)"


def test_the_cases_behind_a_clicked_activity_are_on_the_banks_clock() -> None:
    shown = process_map.element_cases_view("dataset=bank&lang=zh-Hant", {"id": "放款"})
    grid = next(
        c for c in walk_components(shown) if getattr(c, "id", None) == process_map.CASES_EXPORT
    )
    rows = {row["case_id"]: row for row in grid.rowData}
    assert rows["C4"]["first_ts"] == "2025-01-14 09:00"
    assert rows["C4"]["last_ts"] == "2025-01-15 09:30"
    headers = [c["headerName"] for c in grid.columnDefs]
    assert "開始 (UTC+8)" in headers and "最後事件 (UTC+8)" in headers
    # the download names its zone in every time: the offset is written
    export = next(
        c
        for c in walk_components(shown)
        if getattr(c, "id", None) == {"type": "export-args", "name": process_map.CASES_EXPORT}
    )
    sent = {row["case_id"]: row for row in export.data["rows"]}
    assert sent["C4"]["first_ts"] == "2025-01-14T09:00:00+08:00"
    assert sent["C4"]["last_ts"] == "2025-01-15T09:30:00+08:00"
    table = export_file(process_map.CASES_EXPORT, "csv", export.data)
    assert table is not None
    assert "2025-01-14T09:00:00+08:00" in base64.b64decode(table["content"]).decode("utf-8-sig")


def test_one_cases_waits_are_on_the_banks_clock() -> None:
    """C1's 審核 waits from 受理's end (10:00) to its start (12:00) on the bank's clock."""
    chart = waits.case_body("dataset=bank", "C1")
    figure = (
        chart.figure
        if hasattr(chart, "figure")
        else next(c.figure for c in walk_components(chart) if hasattr(c, "figure"))
    )
    bars = [trace for trace in figure.data if trace.type == "bar" and len(trace.x)]
    segments = sorted(
        (_ms(base), _ms(base) + length)
        for trace in bars
        for base, length in zip(trace.base, trace.x, strict=True)
    )
    assert segments[0] == (_ms("2025-01-06T10:00"), _ms("2025-01-06T12:00"))
    marks = next(trace for trace in figure.data if trace.type == "scatter")
    assert _ms(marks.x[0]) == _ms("2025-01-06T12:00")  # where 審核's work starts
    assert figure.layout.xaxis.title.text == "Time (UTC+8)"
