"""The analysis commands through the real CLI on a store written by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from etl.store import connect
from loanflow.cli import main
from tests.analysis_logs import make_log
from tests.test_analysis_kpis import ATTRS, PROFILE, ROWS


@pytest.fixture
def db(db_path: Path) -> str:
    con = connect(db_path)
    make_log(con, "hand", ROWS, PROFILE, ATTRS)
    con.close()
    return str(db_path)


def run(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def run_json(*args: str) -> Any:
    return json.loads(run(*args, "--json").output)


def test_kpis_json(db: str) -> None:
    doc = run_json("kpis", "hand", "--db", db)
    assert {"dataset", "cases", "events", "activity_instances", "cycle_time_hours",
            "outcome_share", "rework_share", "pingpong_share", "handoffs_per_case",
            "sla_compliance"} <= set(doc)  # fmt: skip
    assert (doc["cases"], doc["cycle_time_hours"]["median"]) == (3, 25.5)
    filtered = run_json("kpis", "hand", "--db", db, "--outcome", "approved")
    assert filtered["cases"] == 1
    assert run_json("kpis", "hand", "--db", db, "--amount-max", "100000")["cases"] == 1
    assert run_json("kpis", "hand", "--db", db, "--department", "運營部")["cases"] == 1
    assert run_json("kpis", "hand", "--db", db, "--from", "2025-01-08")["cases"] == 1
    text = run("kpis", "hand", "--db", db).output
    assert "cycle time (h)" in text and "25.50" in text


def test_handoffs_json(db: str) -> None:
    rows = run_json("handoffs", "hand", "--db", db)["handoffs"]
    assert set(rows[0]) >= {"from", "to", "count", "median_wait_hours", "p90_wait_hours",
                            "total_wait_hours", "pingpong_cases"}  # fmt: skip
    totals = [r["total_wait_hours"] for r in rows]
    assert totals == sorted(totals, reverse=True) and rows[0]["count"] == 3
    assert "客戶經理部" in run("handoffs", "hand", "--db", db).output


def test_bottlenecks_variants_map_network_rules(db: str, tmp_path: Path) -> None:
    doc = run_json("bottlenecks", "hand", "--db", db)
    assert set(doc["activities"][0]) >= {"activity", "department", "instances",
                                         "median_wait_hours", "median_processing_hours",
                                         "total_wait_hours", "share_of_cycle_time"}  # fmt: skip
    assert doc["open_cases"][0]["case_id"] == "C"
    variants = run_json("variants", "hand", "--db", db, "--top", "2")
    assert len(variants["variants"]) == 2 and variants["coverage"] == pytest.approx(2 / 3)
    assert set(variants["variants"][0]) >= {"activities", "cases", "share",
                                            "median_cycle_time_hours"}  # fmt: skip
    pmap = run_json("map", "hand", "--db", db)
    assert {"nodes", "edges"} <= set(pmap)
    assert set(pmap["edges"][0]) >= {"from", "to", "cases", "count", "median_hours", "p90_hours"}
    svg = run("map", "hand", "--db", db, "--format", "svg", "--mode", "performance").output
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "資料審核" in svg
    target = tmp_path / "model.bpmn"
    run("map", "hand", "--db", db, "--format", "bpmn", "-o", str(target))
    text = target.read_text(encoding="utf-8")
    assert "definitions" in text and "申請" in text
    network = run_json("network", "hand", "--db", db, "--level", "resource")
    assert network["handovers"][0]["from"] == "r1"
    rules = run_json("rules", "hand", "--db", db)["rules"]
    assert [r["checked"] for r in rules] == [False, False, False]
    conf = run_json("conformance", "hand", "--db", db, "--model", str(target))
    assert conf["fitness"] == pytest.approx(1.0) and conf["cases"] == 3


def test_the_cli_never_writes_the_store(db: str) -> None:
    def tables() -> list[tuple[str, int]]:
        con = connect(db, read_only=True)
        try:
            names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
            return [(n, con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names]
        finally:
            con.close()

    before = tables()
    run("kpis", "hand", "--db", db)
    assert tables() == before  # not even the analysis's own tables were created


def test_unknown_dataset_is_a_clear_error(db: str) -> None:
    result = CliRunner().invoke(main, ["kpis", "nope", "--db", db])
    assert result.exit_code != 0
    assert "No dataset named 'nope'" in result.output
    missing = CliRunner().invoke(main, ["conformance", "hand", "--db", db, "--model", "x.bpmn"])
    assert missing.exit_code != 0 and "No model file" in missing.output
