"""The front door: the snippet of docs/analysis.md ("Using LoanFlow from Python") runs as
written, in a fresh interpreter, on a store holding the hand-made log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import analysis
from etl.store import connect
from tests.analysis_logs import make_log
from tests.test_analysis_kpis import ATTRS, PROFILE, ROWS

ROOT = Path(__file__).resolve().parents[1]


def documented_snippet() -> str:
    text = (ROOT / "docs" / "analysis.md").read_text(encoding="utf-8")
    section = text.split("## Using LoanFlow from Python", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "docs/analysis.md lost its Python example"
    return found.group(1)


def test_the_documented_snippet_runs(tmp_path: Path) -> None:
    con = connect(tmp_path / "loanflow.duckdb")
    make_log(con, "before", ROWS, PROFILE, ATTRS)
    con.close()
    code = documented_snippet() + "\nimport sys\nprint('pm4py' in sys.modules)\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LOANFLOW_DB", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # by hand (tests/test_analysis_kpis.py): 3 cases, median cycle 25.5 h, A approved of 3
    assert lines[0] == f"3 25.5 {1 / 3}"
    # 經營貸 cases: A (25.5 h) and C (open, 3 Jan 10 16:00 -> 13 Jan 10:00 = 66 h)
    assert lines[1].startswith("2 {'median': 45.75")
    assert "from" in lines[2] and "total_wait_hours" in lines[2]
    assert lines[-2] == "1 open cases at risk"  # C, the one open case
    assert lines[-1] == "False"  # pm4py stays unloaded


def test_exports_are_the_functions_and_listed() -> None:
    from analysis.kpis import kpis as kpis_function

    assert analysis.kpis is kpis_function  # the function, though analysis.kpis is a module too
    assert set(analysis.__all__) == {*analysis._EXPORTS, "connect"}
    for name in analysis.__all__:
        assert callable(getattr(analysis, name)), name
