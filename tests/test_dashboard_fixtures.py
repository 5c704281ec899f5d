"""A small loan log worked out by hand, loaded into a real store, for the dashboard tests.

Four cases (instance layout, Traditional Chinese headers, GB18030):

- C1 (product A, 100,000): 受理 客戶經理部 06 Jan 09-10, 審核 信貸部 12-13,
  放款 運營部 07 Jan 09-10: approved, cycle 25 h;
  handoffs 客戶經理部→信貸部 wait 2 h, 信貸部→運營部 wait 20 h.
- C2 (product B, 500,000): 受理 客 06 Jan 10-11, 審核 信 15-16, 補件 客 07 Jan 10-11,
  審核 信 08 Jan 09-10, 拒絕 信 11:00-11:30: rejected, cycle 49.5 h, rework and ping-pong;
  handoffs 客→信 4 h, 信→客 18 h, 客→信 22 h.
- C3 (product A, 300,000): 受理 客 13 Jan 09:00-09:30, 審核 信 10-12: open, cycle 3 h;
  handoff 客→信 0.5 h.
- C4 (product B, 50,000): 受理 客 14 Jan 09-10, 放款 運營部 15 Jan 09:00-09:30: approved,
  cycle 24.5 h; handoff 客戶經理部→運營部 23 h.

So: median cycle 24.75 h; outcome shares 0.5 / 0.25 / 0 / 0.25; 客→信 4 handoffs, total
28.5 h, median 3 h; the three costliest pairs 客→信 (28.5 h), 客→運 (23 h), 信→運 (20 h).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

ROWS = [
    ("C1", "受理", "2025-01-06 09:00", "2025-01-06 10:00", "u1", "客戶經理部", 100000, "A"),
    ("C1", "審核", "2025-01-06 12:00", "2025-01-06 13:00", "u2", "信貸部", 100000, "A"),
    ("C1", "放款", "2025-01-07 09:00", "2025-01-07 10:00", "u3", "運營部", 100000, "A"),
    ("C2", "受理", "2025-01-06 10:00", "2025-01-06 11:00", "u1", "客戶經理部", 500000, "B"),
    ("C2", "審核", "2025-01-06 15:00", "2025-01-06 16:00", "u2", "信貸部", 500000, "B"),
    ("C2", "補件", "2025-01-07 10:00", "2025-01-07 11:00", "u1", "客戶經理部", 500000, "B"),
    ("C2", "審核", "2025-01-08 09:00", "2025-01-08 10:00", "u4", "信貸部", 500000, "B"),
    ("C2", "拒絕", "2025-01-08 11:00", "2025-01-08 11:30", "u4", "信貸部", 500000, "B"),
    ("C3", "受理", "2025-01-13 09:00", "2025-01-13 09:30", "u1", "客戶經理部", 300000, "A"),
    ("C3", "審核", "2025-01-13 10:00", "2025-01-13 12:00", "u2", "信貸部", 300000, "A"),
    ("C4", "受理", "2025-01-14 09:00", "2025-01-14 10:00", "u5", "客戶經理部", 50000, "B"),
    ("C4", "放款", "2025-01-15 09:00", "2025-01-15 09:30", "u3", "運營部", 50000, "B"),
]
HEADER = ("案件編號", "活動", "開始時間", "結束時間", "經辦人", "部門", "金額", "產品")
CYCLE_HOURS = {"C1": 25.0, "C2": 49.5, "C3": 3.0, "C4": 24.5}
OUTCOMES = {"C1": "approved", "C2": "rejected", "C3": "open", "C4": "approved"}
PROFILE = """\
columns:
  case_id: 案件編號
  activity: 活動
  start_timestamp: 開始時間
  timestamp: 結束時間
  resource: 經辦人
  department: 部門
case_attributes:
  amount: 金額
  product: 產品
outcomes:
  放款: approved
  拒絕: rejected
sla:
  cycle_time_hours: 48
"""


def write_log(folder: Path, name: str = "loans.csv") -> Path:
    """Write the log as GB18030 CSV; returns its path."""
    lines = [",".join(HEADER)] + [",".join(str(v) for v in row) for row in ROWS]
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    return path


def write_profile(folder: Path) -> Path:
    """Write the log's profile; returns its path."""
    path = folder / "loans.profile.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def app_store(folder: Path) -> Iterator[Path]:
    """The log loaded into ``folder``/store.duckdb with the dashboard created on it; yields
    the store's path and closes the dashboard's connection after (a fixture's body)."""
    from dashboard.app import create_app
    from etl.store import close_shared

    db = folder / "store.duckdb"
    load_store(db, folder)
    create_app(db, auth=False)
    yield db
    close_shared(db)


def load_store(db: Path, folder: Path, dataset: str = "loans") -> None:
    """Load the log into the store at ``db`` as ``dataset`` (the real ETL)."""
    from etl.load import ingest

    ingest(write_log(folder), dataset, db=db, profile=write_profile(folder))
