"""The DuckDB event store: opening it and upgrading its schema by numbered migrations.

Migrations are the files ``etl/migrations/NNN_name.sql``; each one applied is recorded in
the table ``schema_migrations`` of the store, so a store is upgraded exactly once per step.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from etl.errors import LoanFlowError, UnknownDatasetError
from etl.settings import db_path

_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Every migration shipped with LoanFlow, in order."""
    found = []
    for entry in resources.files("etl.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The migration numbers already recorded in the store."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations the store lacks, each in its own transaction; return their numbers."""
    done = applied_versions(con)
    applied = []
    for step in migrations():
        if step.version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(step.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [step.version, step.name],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            _rollback_quietly(con)
            raise LoanFlowError(
                f"Could not upgrade the store to schema step {step.version:03d} "
                f"({step.name}): {exc}. The store is unchanged; report this with the step."
            ) from exc
        applied.append(step.version)
    return applied


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, if a failed COMMIT has not already ended the transaction."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def connect(
    path: str | os.PathLike[str] | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the store (``--db``, else ``LOANFLOW_DB``, else ``./loanflow.duckdb``).

    A writable connection creates the file if needed and brings its schema up to date.
    A read-only connection needs an existing store.
    """
    target = db_path(path)
    if read_only and not target.exists():
        raise LoanFlowError(
            f"No LoanFlow store at {target}. Load a log first with "
            "`loanflow ingest FILE --dataset NAME`, or point --db / LOANFLOW_DB at your store."
        )
    if not read_only and target.parent and not target.parent.exists():
        raise LoanFlowError(
            f"The folder {target.parent} for the store does not exist; create it or choose "
            "another --db path."
        )
    try:
        con = duckdb.connect(str(target), read_only=read_only)
    except duckdb.IOException as exc:
        raise LoanFlowError(
            f"Cannot open the store {target}: {exc}. If another LoanFlow process is writing "
            "to it, wait for it to finish."
        ) from exc
    if not read_only:
        migrate(con)
    return con


def dataset_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The names of the datasets in the store, sorted."""
    return [r[0] for r in con.execute("SELECT name FROM datasets ORDER BY name").fetchall()]


def require_dataset(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Raise a clear error when ``name`` is not a dataset in the store."""
    if con.execute("SELECT 1 FROM datasets WHERE name = ?", [name]).fetchone() is None:
        known = ", ".join(dataset_names(con)) or "none yet"
        raise UnknownDatasetError(
            f"No dataset named {name!r} in the store. Datasets: {known}. "
            "Load one with `loanflow ingest FILE --dataset NAME`."
        )


def store_exists(path: str | os.PathLike[str] | None = None) -> bool:
    """Whether the store file exists."""
    return Path(db_path(path)).exists()


_shared: dict[Path, duckdb.DuckDBPyConnection] = {}
_shared_lock = threading.Lock()


def cursor(path: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """A new cursor on this process's one connection to the store.

    DuckDB lets one process hold a store for writing; inside that process any number of
    cursors read and one writes, each reader seeing the last committed state (MVCC). The
    dashboard therefore opens the store once and gives every request, and the loader
    running in a background thread, a cursor of its own. Close the cursor when done.
    """
    target = db_path(path).resolve()
    with _shared_lock:
        base = _shared.get(target)
        if base is None:
            base = connect(target)
            _shared[target] = base
        return base.cursor()


def close_shared(path: str | os.PathLike[str] | None = None) -> None:
    """Close this process's shared connection to the store (all of them when no path)."""
    with _shared_lock:
        targets = [db_path(path).resolve()] if path is not None else list(_shared)
        for target in targets:
            base = _shared.pop(target, None)
            if base is not None:
                base.close()
