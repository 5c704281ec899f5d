"""``loanflow generate`` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from loanflow.cli import main


def test_generate_writes_only_the_file_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "after.parquet"
    result = CliRunner().invoke(
        main,
        [
            "generate", "--scenario", "after", "--cases", "80", "--seed", "3",
            "--layout", "instances", "--lang", "en", "--staff", "信貸部=12",
            "--staff", "Risk Management=6", "--volume", "1.5", "--start", "2026-01-05",
            "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["after.parquet"]
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "80 cases" in lines[0] and "events/s" in lines[0]
    table = pq.read_table(out)
    assert table.column_names[:6] == [
        "case_id", "activity", "start_time", "end_time", "resource", "department"
    ]  # fmt: skip
    events = int(lines[0].split(" events")[0].split()[-1].replace(",", ""))
    assert events == 2 * table.num_rows
    assert len(set(table.column("case_id").to_pylist())) == 80
    credit = {r for r in table.column("resource").to_pylist() if r.startswith("CR")}
    assert credit <= {f"CR{n:02d}" for n in range(1, 13)}
    first = min(table.column("start_time").to_pylist())
    assert first.date().isoformat() >= "2026-01-05"


def test_generate_csv_by_file_name_with_gb18030(tmp_path: Path) -> None:
    out = tmp_path / "before.csv"
    result = CliRunner().invoke(
        main, ["generate", "--cases", "30", "--encoding", "gb18030", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().decode("gb18030").startswith('"申請編號","活動","時間"')


def test_generate_explains_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_staff = runner.invoke(
        main, ["generate", "--staff", "信貸=3", "--out", str(tmp_path / "x.csv")]
    )
    assert bad_staff.exit_code == 2
    assert "信貸部" in bad_staff.output and "DEPARTMENT=N" in bad_staff.output
    xes_instances = runner.invoke(
        main, ["generate", "--layout", "instances", "--out", str(tmp_path / "x.xes.gz")]
    )
    assert xes_instances.exit_code == 2
    assert "--layout events" in xes_instances.output
    encoding = runner.invoke(
        main, ["generate", "--encoding", "gb18030", "--out", str(tmp_path / "x.parquet")]
    )
    assert encoding.exit_code == 2
    assert "CSV only" in encoding.output
    missing = runner.invoke(main, ["generate", "--out", str(tmp_path / "nowhere" / "x.csv")])
    assert missing.exit_code == 2
    assert "does not exist" in missing.output
    assert list(tmp_path.iterdir()) == []
