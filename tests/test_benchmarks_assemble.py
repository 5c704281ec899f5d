"""benchmarks/run_all.py joins the benchmark sections without losing a newer one."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import run_all


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_assemble_keeps_a_newer_section_over_an_older_results_file(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    old_ingest = "## Ingest\nMeasured 2026-12-02 15:33 UTC. ratio 2.13x\n"
    new_ingest = "## Ingest\nMeasured 2026-12-02 18:10 UTC. ratio 0.95x\n"
    waits = "## Waiting causes, 1M events\nDate 2026-12-02 16:31 UTC. 2.87x\n"
    _write(results / "ingest.md", old_ingest)
    _write(results / "waits.md", waits)
    target = _write(tmp_path / "RESULTS.md", f"# head\n\n{new_ingest}\n{waits}")

    text = run_all.assemble(results, target).read_text(encoding="utf-8")

    assert "0.95x" in text and "2.13x" not in text
    assert "2.87x" in text
    assert text.index("## Ingest") < text.index("## Waiting causes")
    # The results file now agrees with RESULTS.md, so the next run keeps it too.
    assert (results / "ingest.md").read_text(encoding="utf-8").strip() == new_ingest.strip()


def test_assemble_takes_a_newer_results_file(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    _write(results / "ingest.md", "## Ingest\nMeasured 2026-12-03 09:00 UTC. ratio 0.9x\n")
    target = _write(tmp_path / "RESULTS.md", "## Ingest\nMeasured 2026-12-02 15:33. 2.13x\n")

    text = run_all.assemble(results, target).read_text(encoding="utf-8")

    assert "0.9x" in text and "2.13x" not in text
    assert text.startswith("# LoanFlow benchmarks")
