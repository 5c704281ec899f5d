"""Generation speed: a 1,000,000-event log in every format, beside pm4py's XES writer.

    python -m sample_logs.benchmark                 # writes benchmarks/results/samples.md
    python -m sample_logs.benchmark --events 200000 # a quicker run

Times the simulation alone and each ``generate_log`` call (simulation and writing) once,
then pm4py's ``write_xes`` on the same log as a pandas DataFrame (the writing alone).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sample_logs.engine import simulate
from sample_logs.generate import generate_log
from sample_logs.scenarios import SCENARIOS
from sample_logs.tables import log_table

EVENTS_PER_CASE = {"before": 20.7, "after": 17.8}  # measured on the shipped logs
RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "samples.md"
RUNS = (
    ("CSV UTF-8, events", "log.csv", {"layout": "events"}),
    ("CSV GB18030, instances", "log.csv", {"layout": "instances", "encoding": "gb18030"}),
    ("Parquet, events", "log.parquet", {"layout": "events"}),
    ("XES.gz, events", "log.xes.gz", {"layout": "events"}),
)


def _versions() -> str:
    import numpy
    import pm4py
    import pyarrow

    return (
        f"Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"pyarrow {pyarrow.__version__}, pm4py {pm4py.__version__}"
    )


def _pm4py_xes_seconds(scenario: str, cases: int, seed: int, folder: Path) -> float:
    """pm4py.write_xes on the same events as a DataFrame (conversion not timed)."""
    import pm4py

    sim = simulate(SCENARIOS[scenario], cases, seed)
    frame = log_table(sim, "events", "en", typed_timestamps=True).to_pandas()
    frame = frame.rename(
        columns={
            "case_id": "case:concept:name",
            "activity": "concept:name",
            "timestamp": "time:timestamp",
            "lifecycle": "lifecycle:transition",
            "resource": "org:resource",
            "department": "org:group",
        }
    )
    began = time.perf_counter()
    pm4py.write_xes(frame, str(folder / "pm4py.xes.gz"), case_id_key="case:concept:name")
    return time.perf_counter() - began


def run(events: int = 1_000_000, scenario: str = "before", seed: int = 1) -> str:
    """Measure and return the Markdown section."""
    cases = int(events / EVENTS_PER_CASE[scenario]) + 1
    load = os.getloadavg()[0]
    rows: list[tuple[str, float, int, int | None]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        sim = simulate(SCENARIOS[scenario], cases, seed)
        simulation = time.perf_counter() - began
        produced = sim.event_count
        rows.append(("simulation only", simulation, produced, None))
        for label, name, options in RUNS:
            summary = generate_log(folder / name, scenario, cases, seed, **options)  # type: ignore[arg-type]
            size = (folder / name).stat().st_size
            rows.append((label, summary.seconds, summary.events, size))
            (folder / name).unlink()
        pm4py_seconds = _pm4py_xes_seconds(scenario, cases, seed, folder)
    xes_seconds = rows[-1][1]
    lines = [
        "## Sample-log generation",
        "",
        f"Scenario `{scenario}`, {cases:,} cases, {produced:,} lifecycle events "
        f"(seed {seed}); one run each, simulation and writing included. "
        f"Machine: {os.cpu_count()} cores ({platform.machine()}), {_versions()}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at the start "
        f"{load:.1f} (the machine is shared, so times vary from run to run). "
        "Command: `python -m sample_logs.benchmark`.",
        "",
        "| output | seconds | events/s | file size |",
        "|---|---:|---:|---:|",
    ]
    for label, seconds, count, file_size in rows:
        size_text = f"{file_size / 1e6:.1f} MB" if file_size is not None else ""
        lines.append(f"| {label} | {seconds:.1f} | {count / seconds:,.0f} | {size_text} |")
    lines += [
        "",
        f"pm4py `write_xes` of the same events (a DataFrame already in memory, writing "
        f"only): {pm4py_seconds:.1f} s; LoanFlow's streaming XES writer, simulation "
        f"included: {xes_seconds:.1f} s (pm4py alone takes {pm4py_seconds / xes_seconds:.1f}× "
        "as long).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write its section file."""
    parser = argparse.ArgumentParser(description="Sample-log generation speed.")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="before")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    section = run(args.events, args.scenario)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(section, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
