"""Run Kronos (``wta``) on one LoanFlow sample log, for benchmarks/bench_waits.py.

Executed by the Python of Kronos's own virtual environment (Python 3.10; see
benchmarks/results/waits.md for how it is set up), never imported by LoanFlow:
``python kronos_run.py LOG.csv`` prints the seconds ``wta.main.run`` took and the total
waiting time it found. The log is LoanFlow's English instance layout; every resource
gets the sample bank's calendar (Monday to Friday, 09:00-17:30), as LoanFlow's profile
says.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import wta
from wta.main import run

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")


def _local(column: pd.Series) -> pd.Series:
    """Wall-clock time in Shanghai, written as UTC: Kronos reads calendars in UTC."""
    moments = pd.to_datetime(column, utc=True).dt.tz_convert("Asia/Shanghai")
    return moments.dt.tz_localize(None).dt.tz_localize("UTC")


def main() -> None:
    log = pd.read_csv(sys.argv[1])
    frame = pd.DataFrame(
        {
            "case_id": log["case_id"],
            "Activity": log["activity"],
            "start_time": _local(log["start_time"]),
            "end_time": _local(log["end_time"]),
            "Resource": log["resource"],
        }
    )
    week = [{"from": d, "to": d, "beginTime": "09:00:00", "endTime": "17:30:00"} for d in DAYS]
    calendar = {r: week for r in frame["Resource"].dropna().unique()}
    ids = wta.EventLogIDs()
    ids.start_time, ids.end_time, ids.case = "start_time", "end_time", "case_id"
    ids.activity, ids.resource = "Activity", "Resource"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.csv"
        frame.to_csv(path, index=False)
        began = time.perf_counter()
        report = run(path, True, log_ids=ids, calendar=calendar)
        seconds = time.perf_counter() - began
    print(f"{seconds:.2f} {float(report['wt_total'].sum()) / 3600:.1f}")


if __name__ == "__main__":
    main()
