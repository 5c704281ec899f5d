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


_SAMPLE_VALUES = {
    "VARCHAR": "x",
    "BIGINT": 1,
    "INTEGER": 1,
    "DOUBLE": 1.0,
    "BOOLEAN": True,
    "TIMESTAMP WITH TIME ZONE": "2025-01-01 00:00:00+00",
    "JSON": "{}",
    "VARCHAR[]": ["x"],
}

_CHECKED = {("users", "role"): "viewer"}  # columns with a CHECK constraint


def _fill_every_table(con) -> None:
    """Put one row into every table of the store, so a migration meets data."""
    tables = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name <> 'schema_migrations'"
    ).fetchall()
    for (table,) in tables:
        columns = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
        names = ", ".join(f'"{name}"' for name, _ in columns)
        marks = ", ".join("?" for _ in columns)
        values = [_CHECKED.get((table, name), _SAMPLE_VALUES.get(kind)) for name, kind in columns]
        con.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)


@pytest.mark.parametrize("step", [m.version for m in migrations()][1:])
def test_a_store_with_data_upgrades_through_every_later_step(db_path: Path, step: int) -> None:
    import duckdb

    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    for earlier in migrations():
        if earlier.version >= step:
            break
        con.execute(earlier.sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [earlier.version, "x"])
    _fill_every_table(con)
    later = [m.version for m in migrations() if m.version >= step]
    assert migrate(con) == later
    assert con.execute("SELECT count(*) FROM datasets").fetchone() == (1,)
    con.close()


def _text_compressions(con) -> set[str]:
    con.execute(
        "CREATE TABLE words AS SELECT 'activity ' || CAST(range % 10 AS VARCHAR) AS a"
        " FROM range(200000)"
    )
    con.execute("CHECKPOINT")
    rows = con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info('words')"
        " WHERE segment_type = 'VARCHAR'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def test_new_store_is_written_in_the_newer_storage_format(db_path: Path) -> None:
    # DuckDB's own default for a new file is its oldest readable format (v0.10.2), whose
    # text columns are plain dictionaries; a store LoanFlow creates is v1.3.0, whose
    # dictionaries are FSST-compressed (DICT_FSST), cheaper to write and smaller.
    import duckdb

    plain = duckdb.connect(str(db_path.with_name("plain.duckdb")))
    assert _text_compressions(plain) == {"Dictionary"}
    plain.close()
    con = connect(db_path)
    assert _text_compressions(con) == {"DICT_FSST"}
    con.close()
    again = connect(db_path)  # reopened as usual, the format is the file's own
    assert again.execute("SELECT count(*) FROM words").fetchone() == (200000,)
    again.execute("CREATE TABLE more AS SELECT * FROM words")
    again.execute("CHECKPOINT")
    kinds = again.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info('more')"
        " WHERE segment_type = 'VARCHAR'"
    ).fetchall()
    assert kinds == [("DICT_FSST",)]
    again.close()


def test_a_store_in_the_older_format_keeps_working(db_path: Path) -> None:
    import duckdb

    old = duckdb.connect(str(db_path))  # created as an earlier version did
    old.execute("CREATE TABLE kept AS SELECT 42 AS answer")
    old.close()
    con = connect(db_path)
    assert con.execute("SELECT answer FROM kept").fetchall() == [(42,)]
    assert _text_compressions(con) == {"Dictionary"}
    con.execute("INSERT INTO datasets (name) VALUES ('x')")
    con.close()
    again = connect(db_path)
    assert again.execute("SELECT name FROM datasets").fetchall() == [("x",)]
    again.close()
