"""The analysis owns its derived tables: its own migrations, recorded in the store and
applied by the analysis; stores built when the loader created them still open."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

import duckdb

from analysis import cache
from analysis.kpis import kpis
from analysis.prepared_tables import _build_stored, fingerprint, prepare
from analysis.scope import make_scope
from etl.load import drop_dataset, ingest
from etl.store import connect, migrations
from tests.test_etl_support import write_csv

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["case_id", "activity", "timestamp", "lifecycle", "resource", "department"]
ROWS = [
    ["1", "Submit", "2025-01-06 09:00", "complete", "u1", "Front"],
    ["1", "Check", "2025-01-06 10:00", "start", "u2", "Credit"],
    ["1", "Check", "2025-01-06 12:00", "complete", "u2", "Credit"],
    ["1", "Approve", "2025-01-07 09:00", "complete", "u3", "Front"],
    ["2", "Submit", "2025-01-06 11:00", "complete", "u1", "Front"],
    ["2", "Check", "2025-01-06 15:00", "complete", "u2", "Credit"],
]
PROFILE = {"outcomes": {"Approve": "approved"}}


def _versions(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    return [int(r[0]) for r in con.execute(f"SELECT version FROM {table} ORDER BY 1").fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary"
        ).fetchall()
    }


def _old_store(path: Path, legacy_steps: list[int]) -> duckdb.DuckDBPyConnection:
    """A store as the loader built it when its steps 020-023 created the analysis tables:
    the same SQL (the analysis's steps 1-4 are those files, moved), recorded as the
    loader's steps in ``schema_migrations``."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    analysis_steps = {m.version: m.sql for m in migrations(cache.PACKAGE)}
    steps = [(m.version, m.sql) for m in migrations()] + [
        (old, analysis_steps[new]) for old, new in cache.LEGACY_STEPS.items() if old in legacy_steps
    ]
    for version, sql in sorted(steps):
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, "x"])
    return con


def test_the_loader_creates_no_analysis_table_and_the_analysis_migrates_its_own(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    ingest(write_csv(tmp_path / "log.csv", HEADER, ROWS), "d", con=con, profile=PROFILE)
    assert not {t for t in _tables(con) if t.startswith("analysis_")}
    assert _versions(con, "schema_migrations") == [m.version for m in migrations()]
    prepare(con, "d")
    assert set(cache.TABLES) | {cache.VERSIONS_TABLE} <= _tables(con)
    assert (
        _versions(con, cache.VERSIONS_TABLE)
        == [1, 2, 3, 4]
        == list(range(1, cache.schema_version() + 1))
    )
    assert _versions(con, "schema_migrations") == [m.version for m in migrations()]
    con.close()


def test_etl_names_no_analysis_table():
    """The loader knows nothing about figures: no analysis table name in etl/."""
    for source in (ROOT / "etl").rglob("*"):
        if source.suffix in (".py", ".sql"):
            text = source.read_text(encoding="utf-8")
            assert not re.search(r"analysis_(instances|cases|pingpong|state)", text), source


def _figures(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    return asdict(kpis(con, "d"))


def test_a_store_built_the_old_way_opens_and_keeps_its_derivations(tmp_path):
    fresh = connect(tmp_path / "fresh.duckdb")
    log = write_csv(tmp_path / "log.csv", HEADER, ROWS)
    ingest(log, "d", con=fresh, profile=PROFILE)
    expected = _figures(fresh)
    fresh.close()

    path = tmp_path / "old.duckdb"
    old = _old_store(path, [20, 21, 22, 23])
    ingest(log, "d", con=old, profile=PROFILE)
    # the derivations as the old code stored them: the same build, no analysis records
    _build_stored(old, make_scope(old, "d"), fingerprint(old, "d") or "")
    built = old.execute("SELECT fingerprint, built_at FROM analysis_state").fetchall()
    assert cache.VERSIONS_TABLE not in _tables(old)
    old.close()

    con = connect(path)  # the new code opens it
    assert _figures(con) == expected
    assert _versions(con, cache.VERSIONS_TABLE) == [1, 2, 3, 4]  # adopted, not re-run
    assert con.execute("SELECT fingerprint, built_at FROM analysis_state").fetchall() == built
    drop_dataset(con, "d")  # still clears the analysis rows of a dropped dataset
    for table in cache.TABLES:
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    con.close()


def test_a_store_from_before_the_later_analysis_steps_is_brought_up_to_date(tmp_path):
    path = tmp_path / "older.duckdb"
    old = _old_store(path, [20])
    ingest(write_csv(tmp_path / "log.csv", HEADER, ROWS), "d", con=old, profile=PROFILE)
    old.execute("INSERT INTO analysis_state VALUES ('d', 'stale', now())")
    old.close()
    con = connect(path)
    figures = _figures(con)
    assert _versions(con, cache.VERSIONS_TABLE) == [1, 2, 3, 4]
    assert figures["cases"] == 2 and figures["activity_instances"] == 5
    assert con.execute("SELECT count(*) FROM analysis_cases").fetchone() == (2,)
    con.close()


def test_a_read_only_reader_of_a_store_without_analysis_tables_writes_nothing(tmp_path):
    path = tmp_path / "s.duckdb"
    con = connect(path)
    ingest(write_csv(tmp_path / "log.csv", HEADER, ROWS), "d", con=con, profile=PROFILE)
    expected_tables = _tables(con)
    con.close()
    reader = connect(path, read_only=True)
    assert _figures(reader)["cases"] == 2
    reader.close()
    again = connect(path)
    assert _tables(again) == expected_tables
    again.close()


def test_ingest_can_prepare_in_the_background_with_a_clear_state(tmp_path):
    import json
    import os

    from click.testing import CliRunner

    from loanflow.cli import main

    db = tmp_path / "s.duckdb"
    log = write_csv(tmp_path / "log.csv", HEADER, ROWS)
    runner = CliRunner()
    args = ["ingest", str(log), "--dataset", "d", "--db", str(db), "--json"]
    result = runner.invoke(main, [*args, "--prepare", "background"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["prepare"] == "background" and summary["prepare_seconds"] is None
    os.waitpid(summary["prepare_pid"], 0)  # the job is this process's child: wait for it
    listed = json.loads(runner.invoke(main, ["datasets", "--db", str(db), "--json"]).stdout)
    assert [(d["name"], d["analysis"]) for d in listed["datasets"]] == [("d", "ready")]
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM analysis_cases").fetchone() == (2,)
    con.close()
    assert not list(tmp_path.glob("s.duckdb.preparing-*"))  # the job removed its marker


def test_preparation_state_says_ready_preparing_or_on_first_use(tmp_path):
    import os

    db = tmp_path / "s.duckdb"
    con = connect(db)
    ingest(write_csv(tmp_path / "log.csv", HEADER, ROWS), "d", con=con, profile=PROFILE)
    assert cache.preparation_state(con, "d", db) == "on first use"
    marker = cache._marker(db, "d")
    marker.write_text(str(os.getpid()), encoding="utf-8")  # a live process is preparing it
    assert cache.preparation_state(con, "d", db) == "preparing"
    marker.write_text("999999999", encoding="utf-8")  # a job that died
    assert cache.preparation_state(con, "d", db) == "on first use"
    prepare(con, "d")
    assert cache.preparation_state(con, "d", db) == "ready"
    con.close()
