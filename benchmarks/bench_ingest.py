"""Ingest benchmark: LoanFlow's loader against pm4py.read_xes and DuckDB's bare read_csv.

In one run:
1. BPIC 2012 (262,200 events, XES.gz): ``pm4py.read_xes`` (its default reader, which on
   this install dispatches to rustxes, and its classic ``iterparse`` XML reader) against
   ``etl.load.ingest`` into a fresh store (parse, validate, pair instances, derive cases,
   commit), which is ``loanflow ingest --no-prepare``. The analysis derivations that
   ``loanflow ingest`` builds after a load by default (``analysis.derived.prepare``) are
   timed apart, on each run's store.
2. A generated CSV of 1,000,000 events (``benchmarks/data/``, git-ignored): DuckDB's bare
   ``read_csv`` into a table against ``etl.load.ingest`` of the same file.

Each timing is the median of a few runs; the results go to ``benchmarks/results/ingest.md``.
Run: ``.venv/bin/python benchmarks/bench_ingest.py [--runs N] [--iterparse-runs N]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl.load import ingest  # noqa: E402
from etl.settings import get  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "ingest.md"
CSV_EVENTS = 1_000_000


def bpic_path() -> Path:
    """BPIC 2012, found like the tests find it."""
    explicit = os.environ.get("LOANFLOW_BPIC2012")
    path = (
        Path(explicit)
        if explicit
        else ROOT.parent / "shared/data/bpic2012/BPI_Challenge_2012.xes.gz"
    )
    if not path.exists():
        path = Path(get("bpic2012"))
    if not path.exists():
        raise SystemExit(f"BPIC 2012 not found at {path}; set LOANFLOW_BPIC2012.")
    return path


def generate_csv(path: Path, events: int = CSV_EVENTS) -> Path:
    """A deterministic loan-approval log: 100,000 cases x 5 activities x start/complete."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(
        f"""
COPY (
    WITH e AS (SELECT range AS i FROM range({events}))
    SELECT
        'L' || lpad(CAST(i // 10 AS VARCHAR), 7, '0') AS 申請編號,
        ['受理', '資料審核', '風險評估', '審批', '放款'][1 + (i % 10) // 2] AS 活動,
        strftime(TIMESTAMP '2024-01-01 08:00:00'
                 + to_seconds(CAST((i // 10) * 613 + (i % 10) * 3671 + hash(i) % 900 AS BIGINT)),
                 '%Y-%m-%d %H:%M:%S') AS 時間,
        CASE WHEN i % 2 = 0 THEN 'start' ELSE 'complete' END AS lifecycle,
        'u' || CAST(hash(i // 2) % 120 AS VARCHAR) AS 經辦人,
        ['客戶經理部', '信貸部', '風險管理部', '審批委員會', '運營部'][1 + (i % 10) // 2] AS 部門,
        CAST(10000 + (hash(i // 10) % 990) * 1000 AS VARCHAR) AS 貸款金額,
        ['經營貸', '消費貸', '房貸'][1 + CAST(hash(i // 10) % 3 AS INTEGER)] AS 產品
    FROM e ORDER BY i
) TO '{path}' (HEADER, DELIMITER ',')
"""
    )
    con.close()
    return path


WALL: dict[str, float] = {}
CPU: dict[str, float] = {}


def cpu_seconds() -> float:
    """CPU seconds of this process (all threads) and of its finished child processes
    (the XES worker that parses the second part of a large log)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def median_seconds(
    action: Callable[[], object],
    runs: int,
    label: str = "",
    after: Callable[[], None] | None = None,
) -> tuple[float, list[float]]:
    """Median wall-clock seconds of ``runs`` calls (median CPU seconds go to ``CPU``);
    ``after`` runs, untimed, after each call."""
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), cpu_seconds()
        action()
        times.append(time.perf_counter() - started)
        cpu.append(cpu_seconds() - started_cpu)
        if after is not None:
            after()
    CPU[label] = statistics.median(cpu)
    WALL[label] = statistics.median(times)
    return statistics.median(times), times


PREPARE: dict[str, list[tuple[float, float]]] = {}


def loanflow_ingest(
    path: Path, label: str, profile: dict[str, object] | None = None
) -> Callable[[], object]:
    """One ``loanflow ingest --no-prepare`` into a fresh store (the timed action); the
    analysis's ``prepare`` then runs on that store, timed apart into ``PREPARE``."""
    results: list[tuple[float, float]] = PREPARE.setdefault(label, [])

    def action() -> object:
        folder = tempfile.mkdtemp()
        db = Path(folder) / "store.duckdb"
        summary = ingest(path, "bench", db=db, profile=profile)
        PENDING.append((db, label, results))
        return summary

    return action


PENDING: list[tuple[Path, str, list[tuple[float, float]]]] = []


def time_prepare() -> None:
    """Time ``analysis.derived.prepare`` on each store the ingest runs left, then remove it."""
    from analysis.derived import prepare
    from etl.store import connect

    while PENDING:
        db, _label, results = PENDING.pop()
        con = connect(db)
        try:
            started, started_cpu = time.perf_counter(), time.process_time()
            prepare(con, "bench")
            results.append((time.perf_counter() - started, time.process_time() - started_cpu))
        finally:
            con.close()
            shutil.rmtree(db.parent, ignore_errors=True)


def pm4py_read(path: Path, variant: str | None) -> Callable[[], object]:
    def action() -> object:
        import pm4py

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if variant is None:
                return pm4py.read_xes(str(path))
            return pm4py.read_xes(str(path), variant=variant, show_progress_bar=False)

    return action


def bare_read_csv(path: Path) -> Callable[[], object]:
    def action() -> object:
        with tempfile.TemporaryDirectory() as folder:
            con = duckdb.connect(str(Path(folder) / "raw.duckdb"))
            con.execute("CREATE TABLE raw AS SELECT * FROM read_csv(?)", [str(path)])
            con.close()
        return None

    return action


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} cores, load average {load:.1f} at start"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    parser.add_argument(
        "--iterparse-runs",
        type=int,
        default=3,
        help="runs of pm4py's iterparse reader (one run took from 15 to 23 s on one day)",
    )
    args = parser.parse_args()
    started = datetime.now(UTC)
    host = machine()
    xes = bpic_path()
    csv = generate_csv(DATA / "events_1m.csv")
    print(f"BPIC 2012: {xes}\nCSV: {csv} ({csv.stat().st_size / 1e6:.0f} MB)", flush=True)

    ours_xes, ours_xes_all = median_seconds(
        loanflow_ingest(xes, "ours_xes"), args.runs, "ours_xes", after=time_prepare
    )
    print(f"loanflow ingest BPIC 2012: {ours_xes:.2f} s {ours_xes_all}", flush=True)
    pm_default, pm_default_all = median_seconds(pm4py_read(xes, None), args.runs, "pm_default")
    print(f"pm4py.read_xes (default): {pm_default:.2f} s {pm_default_all}", flush=True)
    pm_iter, pm_iter_all = median_seconds(
        pm4py_read(xes, "iterparse"), args.iterparse_runs, "pm_iter"
    )
    print(f"pm4py.read_xes (iterparse): {pm_iter:.2f} s {pm_iter_all}", flush=True)
    bare, bare_all = median_seconds(bare_read_csv(csv), args.runs, "bare")
    print(f"DuckDB read_csv: {bare:.2f} s {bare_all}", flush=True)
    ours_csv, ours_csv_all = median_seconds(
        loanflow_ingest(csv, "ours_csv"), args.runs, "ours_csv", after=time_prepare
    )
    print(f"loanflow ingest CSV: {ours_csv:.2f} s {ours_csv_all}", flush=True)

    labels = [
        (
            "BPIC 2012 XES.gz, `pm4py.read_xes` (iterparse, pm4py's XML reader)",
            "pm_iter",
            pm_iter,
            pm_iter_all,
        ),
        (
            "BPIC 2012 XES.gz, `pm4py.read_xes` (default: dispatches to rustxes)",
            "pm_default",
            pm_default,
            pm_default_all,
        ),
        (
            "BPIC 2012 XES.gz, `loanflow ingest --no-prepare` (into a store, all derivations)",
            "ours_xes",
            ours_xes,
            ours_xes_all,
        ),
        ("1M-event CSV, DuckDB bare `read_csv` into a table", "bare", bare, bare_all),
        (
            "1M-event CSV, `loanflow ingest --no-prepare` (into a store, all derivations)",
            "ours_csv",
            ours_csv,
            ours_csv_all,
        ),
    ]
    for key, title in (("ours_xes", "BPIC 2012"), ("ours_csv", "1M-event CSV")):
        runs_ = PREPARE[key]
        walls = [w for w, _ in runs_]
        CPU[f"prepare_{key}"] = statistics.median(c for _, c in runs_)
        labels.append(
            (
                f"{title}, `analysis.derived.prepare` after the load (what `loanflow ingest` "
                "adds without `--no-prepare`; not part of the ingest goal)",
                f"prepare_{key}",
                statistics.median(walls),
                walls,
            )
        )
    rows = [(label, wall, runs, CPU[key]) for label, key, wall, runs in labels]
    host += f", {os.getloadavg()[0]:.1f} at the end"
    write_results(host, started, rows, pm_iter / ours_xes, pm_default / ours_xes, ours_csv / bare)


def goal_notes(vs_iterparse: float, vs_read_csv: float) -> list[str]:
    """What the ratios mean against the goals, in words (missed goals say why)."""
    notes = []
    if vs_iterparse < 8:
        budget = WALL["pm_iter"] / 8
        notes.append(
            f"The BPIC 2012 goal (>= 8x faster than `pm4py.read_xes`) is missed: "
            f"{vs_iterparse:.1f}x. 8x of this run's iterparse reader leaves {budget:.2f} s "
            f"for a whole load. Parsing alone with rustxes (what `pm4py.read_xes` dispatches "
            f"to by default) took {WALL['pm_default']:.2f} s of wall time and "
            f"{CPU['pm_default']:.2f} CPU s; LoanFlow parses in two processes at once (about "
            "1.1-1.4 s of wall time with a second idle core), and the rest of the budget is "
            "too small for the safety scan, staging, pairing, writing 262,200 events and "
            "164,509 activity instances into the store and the commit (about 1.3 s together)."
        )
    if vs_read_csv > 3:
        notes.append(
            f"The CSV goal (within 3x of DuckDB's bare `read_csv`) is missed: {vs_read_csv:.2f}x."
        )
    return [line for note in notes for line in (note, "")]


def write_results(
    host: str,
    started: datetime,
    rows: list[tuple[str, float, list[float], float]],
    vs_iterparse: float,
    vs_default: float,
    vs_read_csv: float,
) -> None:
    versions = ", ".join(
        f"{name} {version(name)}" for name in ("duckdb", "pm4py", "rustxes", "polars", "pyarrow")
    )
    lines = [
        "## Ingest",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `benchmarks/bench_ingest.py` on {host}; "
        f"Python {platform.python_version()}, {versions}. Times are medians (seconds) of the "
        "runs listed; every `loanflow ingest` run loads into a fresh store file and includes "
        "validation, de-duplication, lifecycle pairing, cases and the commit. The ingest goal "
        "is timed as `--no-prepare` (`etl.load.ingest`); the analysis derivations that "
        "`loanflow ingest` then builds by default are timed on their own rows.",
        "",
        "| what | median wall s | runs (wall s) | median CPU s |",
        "|---|---:|---|---:|",
        *[
            f"| {label} | {median:.2f} | {', '.join(f'{t:.2f}' for t in all_)} | {cpu:.2f} |"
            for label, median, all_, cpu in rows
        ],
        "",
        "| ratio | measured | goal |",
        "|---|---:|---|",
        f"| pm4py.read_xes (iterparse) / loanflow ingest, BPIC 2012 | {vs_iterparse:.1f}x "
        "faster | >= 8x faster |",
        f"| pm4py.read_xes (default, rustxes) / loanflow ingest, BPIC 2012 | {vs_default:.2f}x "
        "| (same parser; reported for honesty) |",
        f"| loanflow ingest / DuckDB read_csv, 1M events | {vs_read_csv:.2f}x slower | within 3x |",
        f"| the same two ratios in CPU seconds | iterparse/ingest "
        f"{CPU['pm_iter'] / CPU['ours_xes']:.1f}x, ingest/read_csv "
        f"{CPU['ours_csv'] / CPU['bare']:.2f}x | |",
        "",
        "CPU seconds are this process's, all threads (DuckDB uses both cores), plus those "
        "of its child processes: a large XES log is cut in two at a `<trace>` element and a "
        "worker process parses the second part while the loader parses the first, so a "
        "BPIC 2012 load's wall time is below its CPU time. The machine is shared with other "
        "work, which stretches wall times (see the load average); compare the ratios of "
        "one run.",
        "",
        *goal_notes(vs_iterparse, vs_read_csv),
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
