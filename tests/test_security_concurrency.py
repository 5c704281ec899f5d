"""Concurrency: readers keep answering during a load and see only committed states; a second
process that waits longer than LOANFLOW_LOCK_WAIT_SECONDS for the store gets a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from etl.load import ingest
from etl.store import close_shared, cursor
from tests.test_crash_kill import write_log

LOANFLOW = str(Path(sys.executable).with_name("loanflow"))


def test_readers_see_the_last_commit_while_a_load_runs(db_path: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old_events = write_log(old, 200, 1)
    new_events = write_log(new, 6000, 2)
    loader = cursor(db_path)
    ingest(old, "loans", con=loader)
    failures: list[BaseException] = []

    def load() -> None:
        try:
            ingest(new, "loans", con=loader, mode="replace")
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=load)
    seen: list[tuple[int, int]] = []
    reads_during_load = 0
    reader = cursor(db_path)
    try:
        thread.start()
        while thread.is_alive():
            row = reader.execute(
                "SELECT (SELECT events FROM datasets WHERE name = 'loans'),"
                " (SELECT count(*) FROM events WHERE dataset = 'loans')"
            ).fetchone()
            assert row is not None
            seen.append((int(row[0]), int(row[1])))
            reads_during_load += thread.is_alive()
            time.sleep(0.01)
        thread.join()
        final = reader.execute("SELECT events FROM datasets WHERE name = 'loans'").fetchone()
    finally:
        reader.close()
        loader.close()
        close_shared(db_path)
    assert not failures, failures
    assert reads_during_load >= 3  # the readers were answered while the load ran
    assert all(recorded == counted for recorded, counted in seen)  # one snapshot each
    assert {recorded for recorded, _ in seen} <= {old_events, new_events}
    assert seen[0][0] == old_events  # the load's own writes were invisible until commit
    assert final == (new_events,)


def test_cli_waits_for_a_long_dashboard_load_then_gives_a_clear_message(
    db_path: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log.csv"
    write_log(log, 20, 1)
    held = cursor(db_path)  # as the dashboard does for as long as a load of its own runs
    env = {**os.environ, "LOANFLOW_LOCK_WAIT_SECONDS": "1"}
    try:
        for args in (
            ["ingest", str(log), "--dataset", "cli", "--db", str(db_path)],
            ["users", "list", "--db", str(db_path)],
        ):
            done = subprocess.run(
                [LOANFLOW, *args],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
                env=env,
            )
            assert done.returncode == 2, done.stderr
            assert "Traceback" not in done.stderr
            assert "another LoanFlow process" in done.stderr, done.stderr
        names = held.execute("SELECT name FROM datasets").fetchall()
        assert names == []
    finally:
        held.close()
        close_shared(db_path)
