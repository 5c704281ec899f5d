"""What-if benchmark: discovery, one replication, ten on both cores, Prosimos, BPIC 2012.

Measured in one run and written to benchmarks/results/whatif.md (run_all.py joins it into
RESULTS.md):

1. discovering the model of a 1,000,000-event log of the sample bank (goal: 30 s), with
   the calibration by simulation timed apart;
2. one replication of a year of the sample bank, 50,000 cases (goal: 10 s);
3. ten replications on one core and on both (the speed-up);
4. Prosimos and our engine on the same exported model, the same number of cases (both
   seeded: Prosimos through the global random generators it draws from);
5. the model's quality on BPIC 2012's work items (W_ activities, start and complete):
   trained on the first 80% of cases, the last 20% simulated, against Simod (155.5 h) and
   AgentSimulator (89.1 h) as published (Kirchdorfer et al., 2024), and against the
   training cases replayed over the test period.

Every measure gives its wall time, the CPU time it cost (user and system, this process and
its worker processes) and the load average (1 minute) before and after: on a machine
shared with other work the CPU time is what the work costs, the wall time what this run
saw.

    python benchmarks/bench_whatif.py [--events 1000000] [--no-bpic]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.whatif.discover import discover_model  # noqa: E402
from analysis.whatif.export import prosimos_comparable, write_prosimos  # noqa: E402
from analysis.whatif.quality import validate  # noqa: E402
from analysis.whatif.run import instance_frame, replicate, simulate_once  # noqa: E402
from etl.load import ingest  # noqa: E402
from etl.store import connect  # noqa: E402
from sample_logs.generate import generate_log  # noqa: E402

SAMPLES = ROOT / "sample_logs"
BPIC = Path(
    os.environ.get(
        "LOANFLOW_BPIC2012", ROOT.parent / "shared/data/bpic2012/BPI_Challenge_2012.xes.gz"
    )
)
START = (pd.Timestamp("2025-03-03") - pd.Timestamp(0)).total_seconds()


@dataclass
class Measure:
    """What one timed piece of work cost."""

    wall: float
    user: float
    system: float
    load_before: float
    load_after: float

    def cell(self) -> str:
        """``12.3 s (CPU 10.1 + 0.4 s; load 3.2 → 3.5)``."""
        return (
            f"{self.wall:.1f} s (CPU {self.user:.1f} + {self.system:.1f} s; "
            f"load {self.load_before:.1f} → {self.load_after:.1f})"
        )

    @property
    def cpu(self) -> float:
        """User plus system seconds."""
        return self.user + self.system


def _reap_workers(seconds: float = 30.0) -> None:
    """Wait for finished worker processes to be collected, so their CPU time counts."""
    deadline = time.time() + seconds
    while multiprocessing.active_children() and time.time() < deadline:
        time.sleep(0.05)


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


def timed(func: Callable[[], Any]) -> tuple[Measure, Any]:
    """Run ``func``: what it cost, and its value."""
    _reap_workers()
    load, (user, system), began = os.getloadavg()[0], _cpu(), time.perf_counter()
    value = func()
    wall = time.perf_counter() - began
    _reap_workers()
    user_after, system_after = _cpu()
    measure = Measure(wall, user_after - user, system_after - system, load, os.getloadavg()[0])
    return measure, value


def _big_log(folder: Path, events: int) -> Path:
    """A log of the sample bank with about ``events`` events (instance layout: 2 per row)."""
    cases = max(100, round(events / 2 / 10.4))
    out = folder / "big.parquet"
    generate_log(out, "before", cases, seed=3, layout="instances")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--prosimos-cases", type=int, default=2000)
    parser.add_argument("--no-bpic", action="store_true")
    args = parser.parse_args()
    began, load = time.perf_counter(), ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "## What if: model discovery, simulation, Prosimos, BPIC 2012",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, DuckDB "
        f"{duckdb.__version__}; load average (1, 5, 15 min) at the start {load}. Command: "
        "`python benchmarks/bench_whatif.py`.",
        "",
        "Each measure: wall time, then the CPU time it cost (user + system, this process and",
        "its worker processes) and the 1-minute load average before and after. On a machine",
        "shared with other work the CPU time is what the work costs; the wall time is what",
        "this run saw.",
        "",
        "| measure | LoanFlow | goal or reference |",
        "|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        con = connect(folder / "store.duckdb")
        ingest(_big_log(folder, args.events), "big", con=con)
        events = con.execute("SELECT count(*) FROM events WHERE dataset = 'big'").fetchone()[0]
        plain, _ = timed(lambda: discover_model(con, "big", calibration_rounds=0))
        full, _ = timed(lambda: discover_model(con, "big"))
        lines.append(f"| discovery of {events:,} events (no calibration) | {plain.cell()} | 30 s |")
        lines.append(
            f"| the same with calibration (3 rounds, 2 x 3,000 cases each) | {full.cell()} | - |"
        )
        ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
        before = discover_model(con, "before")
        con.close()
        one, result = timed(lambda: simulate_once(before, seed=1, start=START, cases=50_000))
        lines.append(
            f"| one replication, 50,000 cases of the sample bank ({len(result.case):,} "
            f"activity instances, warm-up included) | {one.cell()} | 10 s |"
        )
        serial, _ = timed(lambda: replicate(before, runs=10, start=START, cases=5000, workers=1))
        parallel, _ = timed(lambda: replicate(before, runs=10, start=START, cases=5000))
        lines.append(f"| ten replications of 5,000 cases on one core | {serial.cell()} | - |")
        lines.append(
            f"| the same on all cores ({os.cpu_count()} workers) | {parallel.cell()}; "
            f"{serial.wall / parallel.wall:.2f}x faster | both cores used |"
        )
        lines += _prosimos(before, folder, args.prosimos_cases)
    out = ROOT / "benchmarks" / "results" / "whatif.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")  # kept if BPIC fails
    if not args.no_bpic:
        lines += _bpic()
    minutes = (time.perf_counter() - began) / 60
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines += ["", f"The whole run took {minutes:.0f} min; load average at the end {load}."]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


def _prosimos(model: dict[str, Any], folder: Path, cases: int) -> list[str]:
    from prosimos.simulation_engine import run_simulation

    plain = prosimos_comparable(model)
    bpmn, params, log = folder / "m.bpmn", folder / "m.json", folder / "prosimos.csv"
    write_prosimos(plain, str(bpmn), str(params))

    def theirs_run() -> None:
        random.seed(1)
        np.random.seed(1)  # Prosimos draws from the global generators
        run_simulation(
            str(bpmn),
            str(params),
            cases,
            log_out_path=str(log),
            starting_at="2025-03-03T00:00:00+00:00",
        )

    theirs_m, _ = timed(theirs_run)
    ours_m, result = timed(lambda: simulate_once(plain, seed=1, start=START, cases=cases, warmup=0))
    frame = pd.read_csv(log, parse_dates=["start_time", "end_time"])
    spans = frame.groupby("case_id").agg(a=("start_time", "min"), b=("end_time", "max"))
    theirs = (spans["b"] - spans["a"]).dt.total_seconds() / 3600
    mine = instance_frame(result)
    ours = mine.groupby("case").agg(a=("start", "min"), b=("end", "max"))
    ours_h = (ours["b"] - ours["a"]) / 3600
    return [
        f"| {cases:,} cases of the same exported model: LoanFlow | {ours_m.cell()} | - |",
        f"| the same in Prosimos 2.1 | {theirs_m.cell()}; LoanFlow "
        f"{theirs_m.cpu / max(ours_m.cpu, 1e-9):.0f}x less CPU | Prosimos |",
        f"| their median / p90 cycle time (h), one seeded run each from an empty bank: "
        f"LoanFlow / Prosimos | {ours_h.median():.1f} / {ours_h.quantile(0.9):.1f} vs "
        f"{theirs.median():.1f} / {theirs.quantile(0.9):.1f} | within 15% "
        "(tests/test_whatif_prosimos.py, three runs each of 300 cases) |",
    ]


def _bpic() -> list[str]:
    con = connect(Path(tempfile.mkdtemp()) / "bpic.duckdb")
    ingest(BPIC, "bpic2012", con=con)
    measure, check = timed(lambda: validate(con, "bpic2012", activities="W_*", runs=3))
    con.close()
    sim, replay = check["simulated"], check["replayed_training"]
    sim_in, replay_in = check["simulated_within_period"], check["replayed_training_within_period"]
    keys = [
        ("cycle_time_distance_hours", "cycle-time distance (h)", "155.5", "89.1"),
        ("ngram_distance", "3-gram distance", "-", "-"),
        ("relative_event_distance_hours", "relative event distance (h)", "-", "-"),
        ("absolute_event_distance_hours", "absolute event distance (h)", "-", "-"),
        ("circadian_distance", "circadian distance", "-", "-"),
    ]
    rows = [
        "",
        f"BPIC 2012, W_ activities: trained on {check['train_cases']:,} cases, the last "
        f"{check['test_cases']:,} (from {check['test_from'][:10]}) simulated, 3 replications "
        f"averaged; discovery, calibration, simulation and measures {measure.cell()}. "
        f"Verdict: {check['verdict']}.",
        "Every simulated case runs to its end (as Simod and AgentSimulator evaluate); the "
        "columns *within the period* keep only instances that end by the log's last "
        "timestamp, as the test log's own last cases are cut short by the end of the extract. "
        "*Training cases replayed*: the last training cases (as many as the test cases), "
        "shifted to the test period: what a copy of history scores.",
        "",
        "| measure | LoanFlow | training cases replayed | LoanFlow, within the period "
        "| replayed, within the period | Simod | AgentSimulator |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| {label} | {sim[key]:.3f} | {replay[key]:.3f} | {sim_in[key]:.3f} | "
        f"{replay_in[key]:.3f} | {simod} | {agent} |"
        for key, label, simod, agent in keys
    ]
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
