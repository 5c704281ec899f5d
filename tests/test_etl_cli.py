"""The ingest, datasets and drop commands: JSON keys, messages, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from loanflow.cli import main
from tests.test_etl_support import write_csv

ROOT = Path(__file__).resolve().parent.parent
LOANFLOW = ROOT / ".venv" / "bin" / "loanflow"
HEADER = ["申請編號", "活動", "時間", "經辦人"]
ROWS = [
    ["L1", "受理", "2025-01-02 09:00", "王"],
    ["L1", "放款", "2025-01-03 09:00", "李"],
    ["L2", "受理", "", "王"],
]
DESIGN_KEYS = {
    "dataset",
    "rows_read",
    "events",
    "activity_instances",
    "cases",
    "rejected",
    "rejects_by_reason",
    "seconds",
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ingest_json_datasets_and_drop(tmp_path):
    db = str(tmp_path / "s.duckdb")
    path = write_csv(tmp_path / "log.csv", HEADER, ROWS, encoding="big5")
    code, out, _ = run("ingest", str(path), "--dataset", "loans", "--db", db, "--json")
    assert code == 0
    summary = json.loads(out)
    assert set(summary) >= DESIGN_KEYS
    assert (summary["events"], summary["cases"], summary["rejected"]) == (2, 1, 1)
    assert summary["rejects_by_reason"] == {"no timestamp": 1}

    code, out, _ = run("datasets", "--db", db, "--json")
    listed = json.loads(out)["datasets"]
    assert [d["name"] for d in listed] == ["loans"]
    assert {"name", "cases", "events", "source", "loaded_at"} <= set(listed[0])

    code, out, _ = run("drop", "loans", "--db", db, "--yes")
    assert code == 0 and "Dropped" in out
    code, out, _ = run("datasets", "--db", db, "--json")
    assert json.loads(out) == {"datasets": []}


def test_readable_summary_lists_rejects_by_reason(tmp_path):
    db = str(tmp_path / "s.duckdb")
    path = write_csv(tmp_path / "log.csv", HEADER, ROWS, encoding="gb18030")
    code, out, _ = run("ingest", str(path), "--dataset", "loans", "--db", db)
    assert code == 0
    assert "rejected" in out and "no timestamp" in out
    assert "cases" in out


def test_dry_run_prints_mapping_and_writes_nothing(tmp_path):
    db = tmp_path / "s.duckdb"
    path = write_csv(tmp_path / "log.csv", HEADER, ROWS)
    code, out, _ = run("ingest", str(path), "--dataset", "loans", "--db", str(db), "--dry-run")
    assert code == 0
    assert "case_id: 申請編號" in out and "activity: 活動" in out
    assert "Would load" in out
    assert not db.exists()


def test_existing_name_and_conflicting_flags_fail_cleanly(tmp_path):
    db = str(tmp_path / "s.duckdb")
    path = write_csv(tmp_path / "log.csv", HEADER, ROWS)
    assert run("ingest", str(path), "--dataset", "x", "--db", db)[0] == 0
    code, _, err = run("ingest", str(path), "--dataset", "x", "--db", db)
    assert code == 2 and "already exists" in err
    code, _, err = run("ingest", str(path), "--dataset", "x", "--db", db, "--replace", "--append")
    assert code == 2 and "not both" in err
    code, out, _ = run("ingest", str(path), "--dataset", "x", "--db", db, "--append", "--json")
    assert code == 0 and json.loads(out)["events"] == 0
    code, _, err = run("drop", "nope", "--db", db, "--yes")
    assert code == 2 and "No dataset named 'nope'" in err


def _loanflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LOANFLOW), *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_console_script_reports_bad_files_without_traceback(tmp_path):
    db = str(tmp_path / "s.duckdb")
    missing = _loanflow("ingest", str(tmp_path / "none.csv"), "--dataset", "d", "--db", db)
    assert missing.returncode == 2
    assert "Error: File not found" in missing.stderr
    broken = tmp_path / "broken.xes"
    broken.write_text(
        '<log><trace><event><string key="concept:name" value="a"/></evnt></trace></log>',
        encoding="utf-8",
    )
    result = _loanflow("ingest", str(broken), "--dataset", "d", "--db", db)
    assert result.returncode == 2
    assert "not well-formed XES" in result.stderr
    for noise in ("Traceback", "panicked", "stack backtrace"):
        assert noise not in result.stderr + result.stdout


def test_progress_bar_goes_to_stderr_and_never_into_json(tmp_path):
    rows = (
        [
            f"case{i // 10:06d}",
            f"activity {i % 10}",
            f"2025-01-01 {i % 24:02d}:00:00",
            f"user{i % 37}",
        ]
        for i in range(160_000)
    )
    path = write_csv(tmp_path / "big.csv", HEADER, rows)
    assert path.stat().st_size > 5 << 20
    db = str(tmp_path / "s.duckdb")
    quiet = _loanflow("ingest", str(path), "--dataset", "big", "--db", db, "--json")
    assert quiet.returncode == 0, quiet.stderr
    assert json.loads(quiet.stdout)["events"] == 160_000
    assert "Loading" not in quiet.stderr
    shown = _loanflow("ingest", str(path), "--dataset", "big", "--db", db, "--replace")
    assert shown.returncode == 0
    assert "Loading" in shown.stderr
    assert "Loading" not in shown.stdout


def test_python_module_entry_point_help_is_fast_to_import():
    # The command module imports nothing heavy at import time.
    code = (
        "import sys, loanflow.commands.ingest; "
        "print('pm4py' in sys.modules, 'pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_an_ingest_process_imports_neither_pandas_nor_numpy_nor_hashes(tmp_path):
    """A whole ``loanflow ingest`` (the load, the analysis preparation, the audit line)
    runs its statements with their values written in: a parameter makes DuckDB's client
    import pandas and numpy (0.5-0.7 CPU s). Nor does it hash a password (the sign-in's
    dummy hash, 0.45 CPU s, is made on first use). A dataset name with a quote, a
    question mark and a dollar sign is written in as it is."""
    path = write_csv(tmp_path / "log.csv", HEADER, ROWS)
    db = str(tmp_path / "s.duckdb")
    name = "o'brien?$1"
    code = (
        "import sys\nfrom loanflow.cli import main\n"
        f"main(['ingest', {str(path)!r}, '--dataset', {name!r}, '--db', {db!r}, '--json'], "
        "standalone_mode=False)\n"
        "from accounts.users import _dummy_hash\n"
        "print('pandas' in sys.modules, 'numpy' in sys.modules, "
        "_dummy_hash.cache_info().currsize)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1].split() == ["False", "False", "0"]
    assert _analysis_rows(db, name) == (1, 1)
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        assert con.execute("SELECT action, target FROM audit_log").fetchall() == [("load", name)]
    finally:
        con.close()


def test_the_command_table_names_every_command_of_every_module():
    """The console script imports a command's module only when that command runs; its
    table of which module holds which command is the modules' own ``COMMANDS``."""
    import importlib
    import pkgutil

    import loanflow.commands
    from loanflow.cli import COMMAND_MODULES

    defined = {}
    for info in pkgutil.iter_modules(loanflow.commands.__path__):
        module = importlib.import_module(f"loanflow.commands.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            defined[command.name] = info.name
    assert defined == COMMAND_MODULES
    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0
    for name in defined:
        assert f"  {name} " in listed.output


def test_an_ingest_process_imports_no_other_command_nor_yaml(tmp_path):
    """``loanflow ingest`` without a profile imports neither the other commands' modules
    nor the YAML parser (0.03-0.04 CPU s each, in every ingest)."""
    path = write_csv(tmp_path / "log.csv", HEADER, ROWS)
    db = str(tmp_path / "s.duckdb")
    code = (
        "import sys\nfrom loanflow.cli import main\n"
        f"main(['ingest', {str(path)!r}, '--dataset', 'd', '--db', {db!r}, '--json'], "
        "standalone_mode=False)\n"
        "print(sorted(m for m in sys.modules if m.startswith('loanflow.commands.')), "
        "'yaml' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == (
        "['loanflow.commands.common', 'loanflow.commands.ingest'] False"
    )


def test_the_console_script_ends_an_ingest_without_the_interpreters_teardown(tmp_path):
    """After ``ingest`` the process ends at once (the teardown of polars and DuckDB cost
    0.1-0.3 s), its output whole and the store written; other commands end as usual."""
    path = write_csv(tmp_path / "log.csv", HEADER, ROWS)
    db = str(tmp_path / "s.duckdb")
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('TEARDOWN\\n'))\n"
        "from loanflow.cli import main\n"
        "sys.argv[0] = 'loanflow'\n"
        "main()\n"
    )

    def console(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
        )

    loaded = console("ingest", str(path), "--dataset", "d", "--db", db, "--json")
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout)["events"] == 2
    assert "TEARDOWN" not in loaded.stderr
    listed = console("datasets", "--db", db, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [row["name"] for row in json.loads(listed.stdout)["datasets"]] == ["d"]
    assert "TEARDOWN" in listed.stderr
    refused = console("ingest", str(path), "--dataset", "d", "--db", db)
    assert refused.returncode != 0
    assert "TEARDOWN" in refused.stderr


def _analysis_rows(db: str, dataset: str) -> tuple[int, int]:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        row = con.execute(
            "SELECT (SELECT count(*) FROM analysis_state WHERE dataset = $1), "
            "(SELECT count(*) FROM analysis_cases WHERE dataset = $1)",
            [dataset],
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0]), int(row[1])


def test_ingest_prepares_the_analysis_unless_told_not_to(tmp_path):
    db = str(tmp_path / "s.duckdb")
    path = write_csv(tmp_path / "log.csv", HEADER, ROWS)
    code, out, _ = run("ingest", str(path), "--dataset", "ready", "--db", db, "--json")
    assert code == 0
    summary = json.loads(out)
    assert isinstance(summary["prepare_seconds"], float) and summary["prepare_seconds"] >= 0
    assert _analysis_rows(db, "ready") == (1, summary["cases"])

    code, out, _ = run(
        "ingest", str(path), "--dataset", "later", "--db", db, "--json", "--no-prepare"
    )
    assert code == 0
    assert json.loads(out)["prepare_seconds"] is None
    assert _analysis_rows(db, "later") == (0, 0)

    code, out, err = run("ingest", str(path), "--dataset", "shown", "--db", db)
    assert code == 0
    assert "Preparing the analysis tables of 'shown'" in err
    assert "analysis prepared in" in out
