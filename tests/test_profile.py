"""Profiles validate with messages that name the bad key."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from etl.errors import ProfileError
from etl.profile import load_profile, parse_profile


def test_design_example_profile_parses(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        """
columns:
  case_id: 申請編號
  activity: 活動
  timestamp: 結束時間
  start_timestamp: 開始時間
  resource: 經辦人
  department: 部門
encoding: auto
timezone: Asia/Shanghai
departments:
  by_activity: {資料審核: 信貸部}
outcomes:
  放款: approved
  拒絕通知: rejected
calendar:
  workdays: [Mon, Tue, Wed, Thu, Fri]
  hours: ["09:00", "17:30"]
  holidays: [2025-01-01, 2025-01-28]
sla:
  cycle_time_hours: 72
costs:
  信貸部: 320
""",
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert profile.columns.case_id == "申請編號"
    assert profile.calendar.hours == (time(9, 0), time(17, 30))
    assert profile.outcomes["放款"] == "approved"
    assert profile.sla.cycle_time_hours == 72


def test_unknown_key_is_named() -> None:
    with pytest.raises(ProfileError, match=r"colums: unknown key"):
        parse_profile({"colums": {"case_id": "x"}})


def test_bad_timezone_and_outcome_are_explained() -> None:
    with pytest.raises(ProfileError, match="unknown time zone"):
        parse_profile({"timezone": "Mars/Olympus"})
    with pytest.raises(ProfileError, match="outcomes"):
        parse_profile({"outcomes": {"放款": "maybe"}})
