"""Loads with bounded memory: caps by the machine's memory, absurd headers refused at once,
dashboard loads in a watched child process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from etl import settings
from etl.errors import BadInputError, LoanFlowError
from etl.load import ingest
from etl.load_worker import load_in_child
from etl.store import connect
from tests.test_dashboard_fixtures import ROWS, write_log, write_profile
from tests.test_security_hostile import write_gzip_bomb


def datasets(db: Path) -> list[str]:
    con = connect(db)
    try:
        return [r[0] for r in con.execute("SELECT name FROM datasets ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_a_200000_column_header_is_refused_at_once(db_path: Path, tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(200_000))
    wide.write_text(header + "\n" + ",".join("1" for _ in range(200_000)) + "\n")
    with pytest.raises(BadInputError, match=r"200,000 columns.*LOANFLOW_MAX_COLUMNS"):
        ingest(wide, "wide", db=db_path)
    assert datasets(db_path) == []


def test_an_ordinary_width_still_loads(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOANFLOW_MAX_COLUMNS", "8")  # the fixture log has 8 columns
    summary = ingest(write_log(tmp_path), "loans", db=db_path, profile=write_profile(tmp_path))
    assert summary.cases == 4
    monkeypatch.setenv("LOANFLOW_MAX_COLUMNS", "7")
    with pytest.raises(BadInputError, match="8 columns"):
        ingest(write_log(tmp_path), "again", db=db_path, profile=write_profile(tmp_path))


def test_the_inflate_cap_follows_the_machines_memory(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "machine_memory_bytes", lambda: 16 << 30)
    assert settings.decompressed_cap_bytes() == 1 << 30  # a sixteenth, under the 4 GB setting
    monkeypatch.setenv("LOANFLOW_MAX_DECOMPRESSED_MB", "100")
    assert settings.decompressed_cap_bytes() == 100 << 20
    monkeypatch.delenv("LOANFLOW_MAX_DECOMPRESSED_MB")
    monkeypatch.setattr(settings, "machine_memory_bytes", lambda: 128 << 20)  # 8 MB cap
    bomb = tmp_path / "bomb.xes.gz"
    write_gzip_bomb(bomb, 24)
    with pytest.raises(BadInputError) as refused:
        ingest(bomb, "bomb", db=db_path)
    # The message names the cap that refused: the machine's memory, not the setting.
    assert "more than 8 MB, the limit set by this machine's memory" in str(refused.value)
    assert "a sixteenth of its 0.1 GB" in str(refused.value)
    assert datasets(db_path) == []


def test_a_dashboard_load_runs_in_a_child_and_reports_its_summary(
    db_path: Path, tmp_path: Path
) -> None:
    steps: list[str] = []
    summary = load_in_child(
        write_log(tmp_path),
        "loans",
        db=db_path,
        profile={"columns": {"case_id": "案件編號"}} | _profile_fields(tmp_path),
        mode="create",
        progress=lambda _fraction, message: steps.append(message),
    )
    assert (summary["cases"], summary["activity_instances"]) == (4, len(ROWS))
    # Every step came through, the last one too, though the child exits right after it.
    assert steps[-1] == "done"
    assert datasets(db_path) == ["loans"]


def test_a_load_past_the_memory_cap_is_stopped_and_writes_nothing(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOANFLOW_LOAD_MEMORY_MB", "30")  # less than the child's interpreter
    with pytest.raises(LoanFlowError, match=r"more than 30 MB of memory.*nothing was written"):
        load_in_child(write_log(tmp_path), "loans", db=db_path, profile=None, mode="create")
    assert os.getpid() > 0  # this process (the dashboard's) lives on
    assert datasets(db_path) == []


def test_a_cancelled_child_load_writes_nothing(db_path: Path, tmp_path: Path) -> None:
    with pytest.raises(LoanFlowError, match="cancelled"):
        load_in_child(
            write_log(tmp_path),
            "loans",
            db=db_path,
            profile=_profile_fields(tmp_path),
            mode="create",
            cancel=lambda: True,
        )
    assert datasets(db_path) == []


def _profile_fields(folder: Path) -> dict[str, object]:
    import yaml

    loaded = yaml.safe_load(write_profile(folder).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


# A load of this many MB of XES (inflated) took 783 MB of memory when the log was parsed
# in two halves (its events in one frame); in chunks of 8 MB with DuckDB held to 128 MB,
# 287-291 MB. With the defaults (32 MB chunks, 512 MB for DuckDB), 700 MB took 2,882 MB
# before and 746 MB after: the bound does not grow with the log.
LARGE_XES_MB = 150
PEAK_BOUND_MB = 400


def _peak_of_a_child_load(log: Path, db: Path, environment: dict[str, str]) -> tuple[int, str]:
    """Load ``log`` in a child process; the largest resident memory of it or of the XES
    worker it starts, in MB, as ``getrusage`` counts it, and what the load printed. The
    load runs under a fresh Python whose only descendants are the load's, so the figure is
    the load's own whatever else this test process started before."""
    import subprocess
    import sys

    load = (
        "import sys; from etl.load import ingest; "
        "s = ingest(sys.argv[1], 'large', db=sys.argv[2]); print(s.events, s.cases)"
    )
    measure = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stderr.write(done.stderr); "
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
        "done.stdout.strip())"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, sys.executable, "-c", load, str(log), str(db)],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    status, peak_kb, printed = done.stdout.split(maxsplit=2)
    assert status == "0", done.stderr[-2000:]
    return int(peak_kb) >> 10, printed


@pytest.mark.slow
def test_a_large_xes_loads_in_bounded_memory(tmp_path: Path) -> None:
    from sample_logs.large_xes import write_repeated_xes

    log = tmp_path / "large.xes.gz"
    events = write_repeated_xes(log, LARGE_XES_MB)
    environment = {
        **os.environ,
        "LOANFLOW_LOAD_DUCKDB_MEMORY_MB": "128",
        "LOANFLOW_XES_CHUNK_MB": "8",
    }
    peak, printed = _peak_of_a_child_load(log, tmp_path / "store.duckdb", environment)
    assert printed.split() == [str(events), str(events // 10)]  # every event, every case
    assert peak < PEAK_BOUND_MB, f"{peak} MB"


def test_a_load_holds_duckdb_to_its_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOANFLOW_LOAD_DUCKDB_MEMORY_MB", "200")
    monkeypatch.setenv("LOANFLOW_LOAD_THREADS", "1")
    seen: list[tuple[object, ...] | None] = []

    def look(con: duckdb.DuckDBPyConnection, _dataset: str) -> None:
        query = "SELECT current_setting('memory_limit'), current_setting('threads')"
        seen.append(con.execute(query).fetchone())

    db = tmp_path / "store.duckdb"
    ingest(write_log(tmp_path), "a", db=db, profile=write_profile(tmp_path), after_load=look)
    assert seen == [("190.7 MiB", 1)]  # 200 MB, as DuckDB prints it
    con = connect(db)  # a connection passed in keeps its owner's settings
    con.execute("SET threads = 2")
    ingest(write_log(tmp_path), "b", con=con, profile=write_profile(tmp_path), after_load=look)
    assert seen[-1] is not None and seen[-1][1] == 2
    con.close()


def test_free_cores_leave_out_the_busy_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    monkeypatch.setattr(settings, "idle_cores", lambda: None)  # (a long-running process)
    monkeypatch.setattr(settings, "runnable_tasks", lambda: None)  # (no /proc/loadavg)
    monkeypatch.setattr(os, "getloadavg", lambda: (2.7, 0.0, 0.0))
    assert settings.free_cores() == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert settings.free_cores() == 1
    monkeypatch.setenv("LOANFLOW_LOAD_THREADS", "3")
    assert settings.load_threads() == 3


STAT = """cpu  1000 10 200 5000 40 0 5 0 0 0
cpu0 500 5 100 2500 20 0 3 0 0 0
cpu1 500 5 100 2500 20 0 2 0 0 0
intr 12345
"""


def test_cpu_ticks_read_idle_and_all_time_and_the_cpus() -> None:
    assert settings.cpu_ticks(STAT, niced_free=False) == (5040, 6255, 2)
    # Lower-priority work (the 10 nice ticks) gives way to a process at normal priority.
    assert settings.cpu_ticks(STAT, niced_free=True) == (5050, 6255, 2)
    expected = 5050 if os.nice(0) <= 0 else 5040
    assert settings.cpu_ticks(STAT) == (expected, 6255, 2)
    assert settings.cpu_ticks("intr 1\n") is None
    assert settings.cpu_ticks("cpu  a b c d e\n") is None
    found = settings.cpu_ticks()  # this machine's, where it has /proc/stat
    assert found is None or (0 <= found[0] <= found[1] and found[2] >= 1)


def test_free_cores_early_in_a_process_count_the_cores_left_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Early in a process the cores that stood idle since it began are free, besides its
    own; the load average (here high, left by processes that have ended) is not read."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 0.0, 0.0))
    began = time.monotonic() - 0.5
    # 2 CPUs, 100 ticks of each since the start: idle 90 of 200 ticks -> 0.9 cores idle.
    monkeypatch.setattr(settings, "_STARTED", (began, (1000, 5000, 2)))
    monkeypatch.setattr(settings, "cpu_ticks", lambda: (1090, 5200, 2))
    assert settings.idle_cores() == pytest.approx(0.9)
    assert settings.free_cores() == 2
    # Another process kept the other core busy: 10 idle ticks of 200.
    monkeypatch.setattr(settings, "cpu_ticks", lambda: (1010, 5200, 2))
    assert settings.free_cores() == 1
    # Never more than the usable cores.
    monkeypatch.setattr(settings, "cpu_ticks", lambda: (1400, 5200, 4))
    assert settings.free_cores() == 2
    # Too long after the start (a server): the load average decides (2 - 1 busy)...
    monkeypatch.setattr(settings, "_STARTED", (time.monotonic() - 60, (1000, 5000, 2)))
    monkeypatch.setattr(settings, "runnable_tasks", lambda: None)
    assert settings.idle_cores() is None
    assert settings.free_cores() == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (0.4, 0.0, 0.0))
    assert settings.free_cores() == 2
    # ...unless fewer tasks are ready to run now than it remembers: the work it counts ended.
    monkeypatch.setattr(os, "getloadavg", lambda: (1.6, 0.0, 0.0))
    monkeypatch.setattr(settings, "runnable_tasks", lambda: 1)  # this process alone
    assert settings.free_cores() == 2
    monkeypatch.setattr(settings, "runnable_tasks", lambda: 2)  # one other task runs
    assert settings.free_cores() == 1
    # It never adds busy cores the load average does not see.
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.0, 0.0))
    monkeypatch.setattr(settings, "runnable_tasks", lambda: 3)
    assert settings.free_cores() == 2


def test_runnable_tasks_read_from_the_load_file() -> None:
    assert settings.runnable_tasks("1.52 1.20 0.90 3/812 40211\n") == 3
    assert settings.runnable_tasks("1.52 1.20\n") is None
    assert settings.runnable_tasks("1.52 1.20 0.90 x/812 1\n") is None
    found = settings.runnable_tasks()  # this machine's, this process at least
    assert found is None or found >= 1
