"""Regenerate the sample logs shipped in ``sample_logs/``.

    python -m sample_logs.build            # writes into the sample_logs package folder
    python -m sample_logs.build --out-dir /tmp/samples

Writes, with a fixed seed (so the committed files are reproducible byte for byte):

- ``before.csv``: the as-is process, GB18030 with Chinese headers, one row per activity
  instance (start and end columns);
- ``after.xes.gz``: the redesign, XES with lifecycle start/complete events;
- ``before.profile.yaml`` and ``after.profile.yaml``: their profiles for ``etl.load.ingest``;
- ``ground_truth.json``: what the simulator knows about both logs;
- ``to_be.bpmn``: the reference model of the to-be process.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sample_logs.bpmn import write_to_be_bpmn
from sample_logs.engine import Simulation, simulate
from sample_logs.generate import DEFAULT_START
from sample_logs.ground_truth import ground_truth
from sample_logs.profiles import build_profile
from sample_logs.scenarios import SCENARIOS
from sample_logs.tables import local_times
from sample_logs.writers import write_log

SEED = 2025
CASES = 2000
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SampleSpec:
    """How one shipped sample log is written."""

    scenario: str
    file: str
    fmt: str
    layout: str
    encoding: str


SAMPLES = (
    SampleSpec("before", "before.csv", "csv", "instances", "gb18030"),
    SampleSpec("after", "after.xes.gz", "xes", "events", "utf-8"),
)


def _span(sim: Simulation) -> tuple[Any, Any]:
    starts = local_times(sim, sim.instances.start, False)
    ends = local_times(sim, sim.instances.end, True)
    return (
        starts.min().astype("datetime64[D]").item(),
        ends.max().astype("datetime64[D]").item(),
    )


def build(out_dir: Path = PACKAGE_DIR, cases: int = CASES, seed: int = SEED) -> dict[str, Any]:
    """Write the sample logs, their profiles, the ground truth and the to-be BPMN."""
    out_dir.mkdir(parents=True, exist_ok=True)
    truth: dict[str, Any] = {
        "generator": {
            "command": "python -m sample_logs.build",
            "seed": seed,
            "cases": cases,
            "start": DEFAULT_START.isoformat(),
            "files": {spec.scenario: spec.file for spec in SAMPLES},
        }
    }
    for spec in SAMPLES:
        sim = simulate(SCENARIOS[spec.scenario], cases, seed, start=DEFAULT_START)
        write_log(sim, out_dir / spec.file, spec.fmt, spec.layout, "zh", spec.encoding)  # type: ignore[arg-type]
        first, last = _span(sim)
        profile = build_profile(spec.fmt, spec.layout, "zh", spec.encoding, first, last)
        text = yaml.safe_dump(profile, allow_unicode=True, sort_keys=False, width=100)
        header = f"# Profile of {spec.file} (written by python -m sample_logs.build).\n"
        (out_dir / f"{spec.scenario}.profile.yaml").write_text(header + text, encoding="utf-8")
        truth[spec.scenario] = ground_truth(sim)
    (out_dir / "ground_truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2, default=_json_default) + "\n",
        encoding="utf-8",
    )
    write_to_be_bpmn(out_dir / "to_be.bpmn")
    return truth


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: ``python -m sample_logs.build [--out-dir DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1] if __doc__ else None)
    parser.add_argument("--out-dir", type=Path, default=PACKAGE_DIR)
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    truth = build(args.out_dir, args.cases, args.seed)
    for scenario in ("before", "after"):
        figures = truth[scenario]
        print(
            f"{scenario}: {figures['cases']} cases, {figures['events']} events, "
            f"median cycle time {figures['cycle_time_hours']['median']} h"
        )


if __name__ == "__main__":
    main()
