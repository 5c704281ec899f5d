"""The store's schema is created and upgraded by numbered migrations, once each."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.errors import LoanFlowError, UnknownDatasetError
from etl.store import connect, migrate, migrations, require_dataset


def test_new_store_has_every_table_and_records_migrations(store) -> None:
    tables = {
        r[0] for r in store.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert {
        "datasets",
        "events",
        "activity_instances",
        "cases",
        "rejects",
        "schema_migrations",
    } <= tables
    recorded = [
        r[0] for r in store.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    ]
    assert recorded == [m.version for m in migrations()]


def test_migrating_twice_applies_nothing(store) -> None:
    assert migrate(store) == []


def test_reopening_keeps_data_and_schema(db_path: Path) -> None:
    con = connect(db_path)
    con.execute("INSERT INTO datasets (name) VALUES ('x')")
    con.close()
    again = connect(db_path)
    assert again.execute("SELECT name FROM datasets").fetchall() == [("x",)]
    again.close()


def test_read_only_on_missing_store_says_how_to_start(tmp_path: Path) -> None:
    with pytest.raises(LoanFlowError, match="loanflow ingest"):
        connect(tmp_path / "none.duckdb", read_only=True)


def test_unknown_dataset_lists_known_ones(store) -> None:
    store.execute("INSERT INTO datasets (name) VALUES ('before'), ('after')")
    with pytest.raises(UnknownDatasetError, match="after, before"):
        require_dataset(store, "nope")


def test_cursor_readers_see_last_commit_while_a_load_runs(db_path: Path) -> None:
    from etl.store import close_shared, cursor

    writer = cursor(db_path)
    reader = cursor(db_path)
    try:
        writer.execute("BEGIN TRANSACTION")
        writer.execute("INSERT INTO datasets (name) VALUES ('loading')")
        assert reader.execute("SELECT count(*) FROM datasets").fetchone() == (0,)
        writer.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM datasets").fetchone() == (1,)
    finally:
        writer.close()
        reader.close()
        close_shared(db_path)
