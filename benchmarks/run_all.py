"""Run every benchmark side by side and assemble benchmarks/RESULTS.md.

Each ``benchmarks/bench_*.py`` script measures LoanFlow against its reference (pm4py,
DuckDB's bare reader) in one run and writes its own section to
``benchmarks/results/<name>.md``. This script runs them (all, or those named on the command
line) and joins the sections, in a fixed order, into ``benchmarks/RESULTS.md``.

    python benchmarks/run_all.py                 # every benchmark, then assemble
    python benchmarks/run_all.py ingest analysis # only these, then assemble
    python benchmarks/run_all.py --assemble-only # just join the existing sections
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = (
    "ingest",
    "memory",
    "samples",
    "analysis",
    "waits",
    "whatif",
    "dashboard",
    "dashboard_10m",
    "load_test",
    "spark",
)
SCRIPTS = {
    "ingest": ["benchmarks/bench_ingest.py"],
    "memory": ["benchmarks/bench_memory.py"],
    "samples": ["-m", "sample_logs.benchmark"],
    "analysis": ["benchmarks/bench_analysis.py"],
    "waits": ["benchmarks/bench_waits.py"],
    "whatif": ["benchmarks/bench_whatif.py"],
    "dashboard": ["benchmarks/bench_dashboard.py"],
    "dashboard_10m": ["benchmarks/bench_dashboard.py", "--events", "10000000"],
    "load_test": ["benchmarks/bench_load_test.py"],
    "spark": ["benchmarks/bench_spark.py"],
}

HEADER = """# LoanFlow benchmarks

Measured side by side in one run per benchmark, on this project's machine kind (2 cores,
24 GiB), by the scripts in `benchmarks/`. Ratios, not absolute times, are the targets of
DESIGN.md ("Performance"); tests never assert wall-clock times. Regenerate with
`make bench` (or `python benchmarks/run_all.py NAME ...` for some of them).

BPI Challenge 2012: van Dongen, B.F., 4TU.ResearchData,
DOI 10.4121/uuid:3926db30-f712-4394-aebc-75976070e91f.
"""


def run(names: list[str]) -> int:
    """Run the named benchmark scripts; return how many failed."""
    failed = 0
    for name in names:
        argv = SCRIPTS[name]
        print(f"== {name}: {' '.join(argv)}", flush=True)
        result = subprocess.run([sys.executable, *argv], cwd=HERE.parent, check=False)
        failed += result.returncode != 0
    return failed


_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


def _measured_at(section: str) -> str:
    """The first date and time a section states (``YYYY-MM-DD HH:MM``), or "" if none."""
    found = _DATE.search(section)
    return found.group() if found else ""


def _sections(text: str) -> dict[str, str]:
    """The ``## `` sections of a RESULTS.md, by their heading line."""
    parts = re.split(r"(?m)^(?=## )", text)
    return {part.splitlines()[0]: part.strip() for part in parts if part.startswith("## ")}


def _newest(path: Path, assembled: dict[str, str]) -> str:
    """A section's text: its results file, unless RESULTS.md holds the same section
    measured later (its first stated date), or the same date edited by hand; then that
    one, written back to the results file so that both agree."""
    section = path.read_text(encoding="utf-8").strip()
    current = assembled.get(section.splitlines()[0] if section else "")
    if current is None or current == section:
        return section
    if _measured_at(current) >= _measured_at(section):
        print(f"kept the newer section of RESULTS.md over {path.name} (wrote it back)")
        path.write_text(current + "\n", encoding="utf-8")
        return current
    return section


def assemble(results: Path = HERE / "results", target: Path = HERE / "RESULTS.md") -> Path:
    """Join ``results/*.md`` into RESULTS.md; return its path. A section that RESULTS.md
    already holds in a newer version (a later measurement date) is kept, never replaced
    by an older results file."""
    assembled = _sections(target.read_text(encoding="utf-8")) if target.exists() else {}
    sections = []
    known = [results / f"{name}.md" for name in ORDER]
    others = sorted(p for p in results.glob("*.md") if p not in known)
    for path in [*known, *others]:
        if path.exists():
            sections.append(_newest(path, assembled))
    target.write_text(HEADER + "\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    return target


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(SCRIPTS)}")
    parser.add_argument("--assemble-only", action="store_true")
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in SCRIPTS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(SCRIPTS)}")
    failed = 0
    if not args.assemble_only:
        failed = run(args.names or list(SCRIPTS))
    print(f"wrote {assemble()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
