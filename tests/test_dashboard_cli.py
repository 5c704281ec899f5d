"""``loanflow serve`` and ``loanflow demo``: what they refuse and what they load."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dashboard.demo import ensure_demo_data, sample_log, sample_profile
from etl.load import list_datasets
from etl.store import connect
from loanflow.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_serve_with_sign_in_needs_an_account(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--db", str(tmp_path / "s.duckdb"), "--port", "0"])
    assert result.exit_code != 0
    assert "no users yet" in result.output
    assert "Traceback" not in result.output


def test_the_sample_logs_are_found() -> None:
    folder = ROOT / "sample_logs"
    for scenario in ("before", "after"):
        assert sample_log(folder, scenario) is not None
        assert sample_profile(folder, scenario) is not None


def test_demo_data_loads_once(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    first = list(ensure_demo_data(db, ROOT / "sample_logs"))
    assert [line.split(":")[0] for line in first] == ["before", "after"]
    assert all("loaded" in line for line in first)
    again = list(ensure_demo_data(db, ROOT / "sample_logs"))
    assert again == ["before: already in the store", "after: already in the store"]
    con = connect(db)
    try:
        datasets = {d["name"]: d for d in list_datasets(con)}
    finally:
        con.close()
    assert set(datasets) == {"before", "after"}
    assert all(d["cases"] > 0 for d in datasets.values())


def test_demo_regenerates_missing_sample_logs_that_load_with_their_profiles(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "samples"
    folder.mkdir()
    db = tmp_path / "demo.duckdb"
    lines = list(ensure_demo_data(db, folder))
    assert all("loaded" in line for line in lines), lines
    for scenario in ("before", "after"):
        shipped = sample_log(ROOT / "sample_logs", scenario)
        generated = sample_log(folder, scenario)
        assert shipped is not None and generated is not None
        assert generated.name == shipped.name
        assert generated.read_bytes() == shipped.read_bytes()
    con = connect(db)
    try:
        rejected = {d["name"]: d.get("rejected", 0) for d in list_datasets(con)}
    finally:
        con.close()
    assert rejected == {"before": 0, "after": 0}
