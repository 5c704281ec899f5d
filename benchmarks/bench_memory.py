"""Memory benchmark: the peak resident memory of a whole XES load, by the log's size.

Logs of repeated events (``sample_logs.large_xes``, 10 events per case) of 100 MB and
700 MB inflated are loaded by whole ``loanflow ingest --no-prepare`` processes into fresh
stores; the resident memory of the process and of the XES worker it starts is sampled
every 20 ms and summed, and the peak kept (with ``getrusage``'s peak of the largest
process beside it). The results go to ``benchmarks/results/memory.md``.
Run: ``.venv/bin/python benchmarks/bench_memory.py [--sizes 100 700]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import settings  # noqa: E402
from etl.load_worker import tree_rss  # noqa: E402
from sample_logs.large_xes import write_repeated_xes  # noqa: E402

DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "memory.md"
LOANFLOW = ROOT / ".venv" / "bin" / "loanflow"

# Measured the same way with the reader before chunks (the document parsed in two halves
# into one polars frame; DuckDB at its default limit), 2026-12-02, load average 7-9.
BEFORE_MB = {100: "408-413 (getrusage)", 700: "2,882"}


@dataclass
class Peak:
    """One load: its wall and CPU seconds and peak memory."""

    wall: float
    cpu: float
    tree_mb: int
    largest_mb: int


def measure(log: Path) -> Peak:
    """Load ``log`` in a whole ``loanflow ingest --no-prepare`` process into a fresh store."""
    folder = tempfile.mkdtemp()
    try:
        db = Path(folder) / "store.duckdb"
        args = [str(LOANFLOW), "ingest", str(log), "--dataset", "m", "--db", str(db)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        process = subprocess.Popen(
            [*args, "--no-prepare", "--json"], stdout=subprocess.DEVNULL, env=env
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.02)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if process.returncode != 0:
            raise SystemExit(f"the load of {log} failed ({process.returncode})")
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return Peak(wall, cpu, peak >> 20, after.ru_maxrss >> 10)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Measure each size once; write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 700])
    args = parser.parse_args()
    started = datetime.now(UTC)
    load_start = os.getloadavg()[0]
    rows = []
    for megabytes in args.sizes:
        log = DATA / f"repeated_{megabytes}mb.xes.gz"
        if not log.exists():
            DATA.mkdir(parents=True, exist_ok=True)
            write_repeated_xes(log, megabytes)
        peak = measure(log)
        rows.append(
            f"| {log.stat().st_size / 1e6:.1f} MB, {megabytes} MB | {peak.tree_mb:,} MB | "
            f"{peak.largest_mb:,} MB | {BEFORE_MB.get(megabytes, '')} | {peak.wall:.1f} | "
            f"{peak.cpu:.1f} |"
        )
        print(rows[-1], flush=True)
    lines = [
        "## Memory of an XES load",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `benchmarks/bench_memory.py`, load average "
        f"{load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; 2 cores, "
        f"{settings.machine_memory_bytes() / (1 << 30):.0f} GiB. Whole `loanflow ingest "
        "--no-prepare` processes on logs of repeated events (`python -m "
        "sample_logs.large_xes`), the settings at their defaults "
        f"(`LOANFLOW_XES_CHUNK_MB` {settings.get('xes_chunk_mb')}, "
        f"`LOANFLOW_LOAD_DUCKDB_MEMORY_MB` {settings.get('load_duckdb_memory_mb')}). "
        "Peak resident memory of the load's processes together (sampled every 20 ms) and "
        "of the largest one (`getrusage`); before: the reader that parsed the document in "
        "two halves into one frame, DuckDB at its default limit.",
        "",
        "| log (.xes.gz, inflated) | peak, all processes | peak, largest process | "
        "before | wall s | CPU s |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
