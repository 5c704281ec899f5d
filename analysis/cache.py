"""The analysis's own tables in the store: its schema version, and which derivations are built.

The analysis keeps per-dataset derivations in the store (``analysis_instances``,
``analysis_cases``, ``analysis_pingpong``, ``analysis_state``; what they hold and how they
are built is :mod:`analysis.prepared_tables`). Their schema is the analysis's, not the loader's:
numbered migrations in ``analysis/migrations/NNN_name.sql``, recorded in the store's table
``analysis_migrations`` and applied by the analysis itself, the first time it needs them on
a writable connection (:func:`ensure_schema`). The loader knows nothing of them; dropping a
dataset deletes its rows here as from every table keyed by a ``dataset`` column.

Stores created before this split hold the same tables, created by the loader's schema
steps 020-023 (recorded in ``schema_migrations``): those steps are the analysis's steps
1-4, so they are recorded as applied here (:func:`adopt_legacy_steps`) and the stored rows
are kept.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.sqltext import run
from etl.store import applied_versions, migrate, migrations

PACKAGE = "analysis.migrations"
VERSIONS_TABLE = "analysis_migrations"
TABLES = ("analysis_instances", "analysis_cases", "analysis_pingpong", "analysis_state")
# The loader's schema steps that created these tables before the analysis had its own.
LEGACY_STEPS = {20: 1, 21: 2, 22: 3, 23: 4}

_current: set[str] = set()
_guard = threading.Lock()


@dataclass(frozen=True)
class DerivedTables:
    """Qualified names of the tables holding a dataset's derivations."""

    instances: str
    cases: str
    pingpong: str


STORED = DerivedTables("main.analysis_instances", "main.analysis_cases", "main.analysis_pingpong")


def schema_version() -> int:
    """The analysis schema this code reads and writes (its highest migration)."""
    return max(m.version for m in migrations(PACKAGE))


def _database(con: duckdb.DuckDBPyConnection) -> tuple[str, bool]:
    """The store the connection has open (its file, or '' in memory), and whether read-only."""
    row = con.execute(
        "SELECT coalesce(path, ''), readonly FROM duckdb_databases()"
        " WHERE database_name = current_database()"
    ).fetchone()
    return (str(row[0]), bool(row[1])) if row else ("", False)


def stored_version(con: duckdb.DuckDBPyConnection) -> int:
    """The analysis schema step the store is at (0: it has no analysis tables yet)."""
    exists = run(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND schema_name = 'main' AND table_name = ?",
        [VERSIONS_TABLE],
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute(f"SELECT coalesce(max(version), 0) FROM {VERSIONS_TABLE}").fetchone()
    return int(row[0]) if row else 0


def adopt_legacy_steps(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Record as applied the analysis steps a store got as the loader's steps 020-023.

    Returns the analysis steps so recorded (none on a store that has its own records).
    """
    if applied_versions(con, VERSIONS_TABLE):
        return []
    legacy = {
        int(r[0])
        for r in con.execute("SELECT version FROM schema_migrations").fetchall()
        if int(r[0]) in LEGACY_STEPS
    }
    names = {m.version: m.name for m in migrations(PACKAGE)}
    adopted = sorted(LEGACY_STEPS[v] for v in legacy)
    for step in adopted:
        run(con, f"INSERT INTO {VERSIONS_TABLE} (version, name) VALUES (?, ?)", [step, names[step]])
    return adopted


def ensure_schema(con: duckdb.DuckDBPyConnection) -> bool:
    """Bring the store's analysis tables up to date; whether the stored tables are usable.

    A writable connection migrates (once per store file in this process); a read-only one
    cannot, and gets False when the store lacks the current tables (the caller then
    builds private temporary ones).
    """
    path, read_only = _database(con)
    if path and path in _current:
        return True
    if stored_version(con) >= schema_version():
        if path:
            _current.add(path)
        return True
    if read_only:
        return False
    with _guard:
        if stored_version(con) < schema_version():
            adopt_legacy_steps(con)
            migrate(con, PACKAGE, VERSIONS_TABLE)
        if path:
            _current.add(path)
    return True


def stored_fingerprint(con: duckdb.DuckDBPyConnection, dataset: str) -> str | None:
    """The fingerprint of the dataset the stored derivations were built from (None: none)."""
    row = run(
        con,
        "SELECT fingerprint FROM analysis_state WHERE dataset = ? ORDER BY built_at DESC LIMIT 1",
        [dataset],
    ).fetchone()
    return str(row[0]) if row else None


def record_build(con: duckdb.DuckDBPyConnection, dataset: str, fingerprint: str) -> None:
    """Say that the stored derivations of ``dataset`` are now those of ``fingerprint``
    (inside the transaction that wrote them)."""
    run(con, "INSERT INTO analysis_state VALUES (?, ?, now())", [dataset, fingerprint])


def clear(con: duckdb.DuckDBPyConnection, dataset: str, *, dropped_too: bool = False) -> None:
    """Delete the stored derivations of a dataset (and, with ``dropped_too``, those of
    datasets no longer in the store)."""
    stale = " OR dataset NOT IN (SELECT name FROM datasets)" if dropped_too else ""
    for table in TABLES:
        run(con, f"DELETE FROM {table} WHERE dataset = ?{stale}", [dataset])


# --- preparation state, and preparing in the background ----------------------------------


def _marker(db: Path, dataset: str) -> Path:
    """The file saying a background preparation of ``dataset`` is running (its pid)."""
    tag = hashlib.sha256(dataset.encode("utf-8")).hexdigest()[:16]
    return db.with_name(f"{db.name}.preparing-{tag}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def preparation_state(con: duckdb.DuckDBPyConnection, dataset: str, db: Path | None) -> str:
    """Whether the dataset's derivations are stored and current: ``ready``, ``preparing``
    (a background preparation is running), or ``on first use`` (the first analysis that
    may write the store builds them; a read-only one derives them privately)."""
    from analysis.prepared_tables import fingerprint

    current = fingerprint(con, dataset)
    stored = current is not None and stored_version(con) >= schema_version()
    if stored and stored_fingerprint(con, dataset) == current:
        return "ready"
    if db is not None:
        marker = _marker(db, dataset)
        try:
            pid = int(marker.read_text(encoding="utf-8").strip() or "0")
        except (OSError, ValueError):
            pid = 0
        if pid and _alive(pid):
            return "preparing"
    return "on first use"


def prepare_in_background(db: Path, dataset: str) -> int:
    """Start a process that builds the dataset's derivations once the store is free, and
    return its pid; :func:`preparation_state` says ``preparing`` until it is done."""
    paths = [_root(), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    job = subprocess.Popen(
        [sys.executable, "-m", "analysis.cache", str(db), dataset],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    _marker(db, dataset).write_text(str(job.pid), encoding="utf-8")
    return job.pid


def _root() -> str:
    return str(Path(__file__).resolve().parent.parent)


def _prepare_job(db: Path, dataset: str) -> None:
    """The background job: build the derivations, then remove the marker."""
    from analysis.prepared_tables import prepare
    from etl.store import connect

    try:
        con = connect(db)
        try:
            prepare(con, dataset)
        finally:
            con.close()
    finally:
        _marker(db, dataset).unlink(missing_ok=True)


if __name__ == "__main__":
    _prepare_job(Path(sys.argv[1]), sys.argv[2])
