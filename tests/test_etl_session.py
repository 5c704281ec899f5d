"""A load's session settings stay on its own cursor: the dashboard's readers share the
database with the loader and must not see its time zone while it works."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import etl.load as load
from etl.load import ingest
from tests.test_etl_support import write_csv


def test_the_profile_time_zone_applies_to_the_loading_cursor_only(
    store, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = store.cursor()
    loader = store.cursor()
    seen: list[tuple[str, str]] = []
    real_stage = load.stage

    def stage_and_look(con, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(
            (
                str(con.execute("SELECT current_setting('TimeZone')").fetchone()[0]),
                str(reader.execute("SELECT current_setting('TimeZone')").fetchone()[0]),
            )
        )
        return real_stage(con, *args, **kwargs)

    monkeypatch.setattr(load, "stage", stage_and_look)
    before = str(reader.execute("SELECT current_setting('TimeZone')").fetchone()[0])
    path = write_csv(
        tmp_path / "naive.csv",
        ["case_id", "activity", "timestamp"],
        [["A", "Receive", "2025-03-03 09:00:00"], ["A", "Decide", "2025-03-03 17:30:00"]],
    )
    ingest(path, "taipei", con=loader, profile={"timezone": "Asia/Taipei"})
    assert seen == [("Asia/Taipei", before)]
    assert str(loader.execute("SELECT current_setting('TimeZone')").fetchone()[0]) == before
    first = loader.execute("SELECT min(ts) FROM events WHERE dataset = 'taipei'").fetchone()[0]
    assert first == datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Taipei is 01:00 UTC
