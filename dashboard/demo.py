"""The demo data: the sample before/after logs, generated if absent, loaded if missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from etl.errors import LoanFlowError
from etl.store import connect, dataset_names

SCENARIOS = ("before", "after")
LOG_SUFFIXES = (".csv", ".csv.gz", ".xes.gz", ".xes", ".parquet", ".xlsx")


def sample_log(folder: Path, scenario: str) -> Path | None:
    """The committed sample log of a scenario (``before.csv``, ``after.xes.gz``...)."""
    for suffix in LOG_SUFFIXES:
        candidate = folder / f"{scenario}{suffix}"
        if candidate.exists():
            return candidate
    return None


def sample_profile(folder: Path, scenario: str) -> Path | None:
    """The profile of a scenario's sample log (``before.profile.yaml`` or ``profile.yaml``)."""
    for name in (f"{scenario}.profile.yaml", f"{scenario}.profile.yml", "profile.yaml"):
        candidate = folder / name
        if candidate.exists():
            return candidate
    return None


def ensure_demo_data(db: str | Path | None, folder: Path) -> Iterator[str]:
    """Make sure the store holds the datasets ``before`` and ``after``; yield what was done."""
    from etl.load import ingest

    con = connect(db)
    try:
        present = set(dataset_names(con))
    finally:
        con.close()
    for scenario in SCENARIOS:
        if scenario in present:
            yield f"{scenario}: already in the store"
            continue
        log = sample_log(folder, scenario) or _generate(folder, scenario)
        profile = sample_profile(folder, scenario)
        if profile is None:
            raise LoanFlowError(
                f"No profile for the sample log {log.name} in {folder}; expected "
                f"{scenario}.profile.yaml (or profile.yaml).",
                code="demo_no_profile",
                file=log.name,
                folder=folder,
                scenario=scenario,
            )
        summary = ingest(log, scenario, db=db, profile=profile)
        yield (
            f"{scenario}: loaded {summary.cases:,} cases, {summary.events:,} events "
            f"from {log.name} in {summary.seconds:.1f} s"
        )


def _generate(folder: Path, scenario: str) -> Path:
    """Write every sample log with its profile (fixed seed), then return this scenario's log."""
    from sample_logs.build import build

    build(folder)
    log = sample_log(folder, scenario)
    if log is None:
        raise LoanFlowError(
            f"The sample-log generator wrote no {scenario} log in {folder}.",
            code="demo_no_log",
            scenario=scenario,
            folder=folder,
        )
    return log
