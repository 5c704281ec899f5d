"""Crash safety: `loanflow ingest` killed with SIGKILL at random moments, many times.

Each kill must leave the store consistent: it opens, every dataset's recorded counts match
its rows, no table holds rows of a dataset that is not recorded (no half dataset), and the
dataset being replaced is wholly the old version or wholly the new one.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl.load import drop_dataset, ingest
from etl.store import connect

LOANFLOW = str(Path(sys.executable).with_name("loanflow"))
STEPS = [
    ("申請", "客戶經理部"),
    ("資料審核", "信貸部"),
    ("風險評估", "風險管理部"),
    ("審批", "審批委員會"),
    ("放款", "運營部"),
]
KILLS = 15


def write_log(path: Path, cases: int, seed: int) -> int:
    """A CSV log of ``cases`` loan cases, five events each; returns the event count."""
    rng = random.Random(seed)
    lines = ["case_id,activity,timestamp,resource,department,amount"]
    for case in range(cases):
        day = 1 + case % 28
        amount = rng.randint(1, 500) * 1000
        for hour, (activity, department) in enumerate(STEPS, start=9):
            minute = rng.randint(0, 59)
            lines.append(
                f"L{seed}-{case},{activity},2025-03-{day:02d} {hour}:{minute:02d}:00,"
                f"u{rng.randint(1, 40)},{department},{amount}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cases * len(STEPS)


def check_store(db: Path) -> dict[str, tuple[str, int, int, int]]:
    """Open the store (replaying its write-ahead log) and check it is consistent.

    Returns {dataset: (source file name, events, activity instances, cases)}.
    """
    con = connect(db)
    try:
        recorded = {
            name: (Path(source).name, events, instances, cases)
            for name, source, events, instances, cases in con.execute(
                "SELECT name, source, events, activity_instances, cases FROM datasets"
            ).fetchall()
        }
        for table in ("events", "activity_instances", "cases", "rejects"):
            present = {
                r[0] for r in con.execute(f"SELECT DISTINCT dataset FROM {table}").fetchall()
            }
            assert present <= set(recorded), f"{table} holds rows of unrecorded {present}"
        for name, (_source, events, instances, cases) in recorded.items():
            actual = con.execute(
                "SELECT (SELECT count(*) FROM events WHERE dataset = $1),"
                " (SELECT count(*) FROM activity_instances WHERE dataset = $1),"
                " (SELECT count(*) FROM cases WHERE dataset = $1),"
                " (SELECT count(DISTINCT case_id) FROM events WHERE dataset = $1)",
                [name],
            ).fetchone()
            assert actual == (events, instances, cases, cases), (name, actual)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return recorded


def run_and_kill(args: list[str], delay: float) -> int | None:
    """Run the console script; SIGKILL it after ``delay`` s. Its exit code, or None if killed."""
    proc = subprocess.Popen([LOANFLOW, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        return None
    finally:
        if proc.stderr is not None:
            proc.stderr.close()
    return proc.returncode


@pytest.mark.slow
def test_ingest_killed_at_random_moments_leaves_the_store_consistent(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    versions = {"a.csv": write_log(tmp_path / "a.csv", 3000, 1)}
    versions["b.csv"] = write_log(tmp_path / "b.csv", 2000, 2)
    other = tmp_path / "other.csv"
    other_events = write_log(other, 50, 3)
    db = tmp_path / "store.duckdb"
    ingest(tmp_path / "a.csv", "loans", db=db)
    ingest(other, "other", db=db)
    kept = check_store(db)["other"]

    started = time.monotonic()  # one full, unkilled replace: how long a load takes here
    args = ["ingest", str(tmp_path / "b.csv"), "--dataset", "loans", "--replace", "--db", str(db)]
    assert run_and_kill(args, 600) == 0
    full = time.monotonic() - started
    current = "b.csv"

    outcomes = {"killed": 0, "finished": 0}
    for attempt in range(KILLS):
        target = "a.csv" if current == "b.csv" else "b.csv"
        fresh = attempt % 4 == 3  # now and then a new dataset instead of a replace
        args = [
            "ingest",
            str(tmp_path / target),
            "--dataset",
            "fresh" if fresh else "loans",
            *([] if fresh else ["--replace"]),
            "--db",
            str(db),
        ]
        delay = rng.uniform(0.05, full * 1.1)
        code = run_and_kill(args, delay)
        outcomes["killed" if code is None else "finished"] += 1
        context = f"seed {seed}, attempt {attempt}, delay {delay:.2f}s of {full:.2f}s"
        assert code in (None, 0), context
        state = check_store(db)
        assert state["other"] == kept, context
        loans = state["loans"]
        assert loans[0] in (current, target), context
        assert loans[1] == versions[loans[0]], context
        if fresh:
            assert "fresh" in state or code is None, context  # a finished load is kept
            if "fresh" in state:
                assert state["fresh"][:2] == (target, versions[target]), context
                con = connect(db)
                drop_dataset(con, "fresh")
                con.close()
        else:
            if code == 0:
                assert loans[0] == target, context
            current = loans[0]
    assert outcomes["killed"] >= KILLS // 2, outcomes  # most attempts were really cut short
    # After all that, the store still takes a load.
    ingest(other, "after", db=db)
    assert check_store(db)["after"][1] == other_events


def test_check_store_notices_a_half_dataset(tmp_path: Path) -> None:
    """The consistency check used above fails on a store with a half-written dataset."""
    log = tmp_path / "a.csv"
    write_log(log, 20, 1)
    db = tmp_path / "store.duckdb"
    ingest(log, "loans", db=db)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM cases WHERE case_id = 'L1-3'")
    con.close()
    with pytest.raises(AssertionError):
        check_store(db)
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO events SELECT 'ghost', * EXCLUDE (dataset) FROM events LIMIT 1")
    con.execute("DELETE FROM datasets WHERE name = 'loans'")
    con.close()
    with pytest.raises(AssertionError, match="unrecorded"):
        check_store(db)
