"""``loanflow compare`` through click's CliRunner, on a real store file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.store import connect
from loanflow.cli import main
from tests.analysis_logs import make_log
from tests.test_compare import PROFILE, after_rows, attributes, before_rows


@pytest.fixture(scope="module")
def db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "store.duckdb"
    con = connect(path)
    make_log(con, "b", before_rows(), PROFILE, attributes("b", {"b1"}))
    make_log(con, "a", after_rows(), PROFILE, attributes("a", set()))
    make_log(con, "both", before_rows() + after_rows(), PROFILE)
    con.close()
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_keys(db_file: Path) -> None:
    code, out, _ = run("compare", "b", "a", "--db", str(db_file), "--json", "--resamples", "50")
    assert code == 0
    document = json.loads(out)
    assert {"before", "after", "metrics", "guardrails", "mix", "edges", "handoffs"} <= set(document)
    assert document["before"]["dataset"] == "b" and document["after"]["cases"] == 4
    headline = document["metrics"][0]
    assert headline["name"] == "median_cycle_time_hours"
    assert set(headline) >= {"name", "before", "after", "change", "ci95", "p_value", "significant"}
    assert headline["change"] == pytest.approx(-0.5)
    assert len(headline["ci95"]) == 2


def test_split_at(db_file: Path) -> None:
    code, out, _ = run(
        "compare",
        "both",
        "--split-at",
        "2024-02-01",
        "--db",
        str(db_file),
        "--json",
        "--resamples",
        "0",
    )
    assert code == 0
    document = json.loads(out)
    assert (document["before"]["cases"], document["after"]["cases"]) == (3, 4)
    assert document["metrics"][0]["ci95"] == [None, None]  # no resamples, no interval
    code, out, _ = run("compare", "both", "--split-at", "2024-02-01", "--db", str(db_file),
                       "--resamples", "0")  # fmt: skip
    assert code == 0
    assert "Before  both: started before 2024-02-01, 3 cases, " in out  # the split says which


def test_shared_filters(db_file: Path) -> None:
    code, out, _ = run(
        "compare",
        "b",
        "a",
        "--outcome",
        "approved",
        "--db",
        str(db_file),
        "--json",
        "--resamples",
        "0",
    )
    assert code == 0
    document = json.loads(out)
    assert (document["before"]["cases"], document["after"]["cases"]) == (2, 2)
    assert document["before"]["filters"] == {"outcomes": ["approved"]}


def test_readable_table_and_report(db_file: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    code, out, _ = run(
        "compare",
        "b",
        "a",
        "--db",
        str(db_file),
        "--resamples",
        "50",
        "--report",
        str(report),
        "--lang",
        "zh",
    )
    assert code == 0
    assert "案件週期時間中位數" in out and "校正後 p" in out
    assert f"報告已寫入 {report}" in out  # the CLI speaks --lang too
    assert "經 Benjamini-Hochberg 校正後顯著" in out
    assert "改造前     b, 3 件案件, " in out  # the side in Chinese too, its label not repeated
    html = report.read_text(encoding="utf-8")
    assert 'lang="zh-Hant"' in html and "案件週期時間中位數" in html
    code, out, _ = run("compare", "b", "a", "--db", str(db_file), "--resamples", "0")
    assert code == 0
    assert "Before  b, 3 cases, " in out  # two datasets: the side is the dataset
    # three against four cases: halved, but not provably
    assert "Median cycle time unchanged (7.0 h → 3.5 h, not significant)" in out
    assert "Risk control was not weakened" in out


def test_errors_are_messages(db_file: Path, tmp_path: Path) -> None:
    code, _, err = run("compare", "b", "nope", "--db", str(db_file))
    assert code == 2 and "No dataset named 'nope'" in err and "Traceback" not in err
    code, _, err = run("compare", "b", "a", "--split-at", "2024-02-01", "--db", str(db_file))
    assert code == 2 and "either two datasets" in err
    code, _, err = run("compare", "b", "--db", str(db_file))
    assert code == 2
    missing = tmp_path / "missing.duckdb"
    code, _, err = run("compare", "b", "a", "--db", str(missing))
    assert code == 2 and "No LoanFlow store" in err and not missing.exists()
    code, _, err = run(
        "compare", "both", "--split-at", "2031-01-01", "--db", str(db_file), "--resamples", "0"
    )
    assert code == 2 and "at least 2" in err


def test_report_shows_the_cause_changes_of_both_selections(db_file: Path, tmp_path: Path) -> None:
    """`--report` gains the waiting-causes section, with `waits B --compare A`'s figures;
    with --split-at, those of the two sides of the split."""
    from analysis.compare.comparison import split_filters
    from analysis.filters import Filters
    from analysis.waits.report import cause_changes
    from tests.test_compare_samples import _waits_section

    report = tmp_path / "r.html"
    for args, sides in (
        (("b", "a"), (("b", None), ("a", None))),
        (("both", "--split-at", "2024-02-01"), None),
    ):
        code, _, err = run(
            "compare", *args, "--db", str(db_file), "--resamples", "0", "--report", str(report)
        )
        assert code == 0, err
        con = connect(db_file, read_only=True)
        try:
            if sides is None:
                until, since = split_filters(Filters(), date(2024, 2, 1))
                sides = (("both", until), ("both", since))
            expected = cause_changes(con, *sides)
        finally:
            con.close()
        assert expected  # the small logs have handoffs that wait
        table = _waits_section(report.read_text(encoding="utf-8"))
        assert list(table) == [(c["from"], c["to"]) for c in expected]
        for change in expected:
            row = table[(change["from"], change["to"])]
            for cause, before in change["before"].items():
                assert row[cause][:2] == (before, change["after"][cause])
