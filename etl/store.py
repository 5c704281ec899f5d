"""The DuckDB event store: opening it and upgrading its schema by numbered migrations.

Migrations are the files ``etl/migrations/NNN_name.sql``; each one applied is recorded in
the table ``schema_migrations`` of the store, so a store is upgraded exactly once per step.
Another layer that keeps tables of its own in the store (the analysis's derivations) has
its own migrations and record table, applied through :func:`migrate` by that layer; a table
with a ``dataset`` column holds one dataset's rows each, so dropping a dataset clears them
all (:func:`dataset_tables`). Steps 020-023, which once created the analysis's tables
here, are retired: stores that recorded them are adopted by the analysis.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from etl.errors import NO_DATASETS, LoanFlowError, UnknownDatasetError
from etl.settings import db_path, get


class StoreBusyError(LoanFlowError):
    """Another process held the store for longer than this one would wait."""


_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    name: str
    sql: str


def migrations(package: str = "etl.migrations") -> list[Migration]:
    """Every migration shipped in ``package`` (the store's own by default), in order."""
    found = []
    for entry in resources.files(package).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


def applied_versions(con: duckdb.DuckDBPyConnection, table: str = "schema_migrations") -> set[int]:
    """The migration numbers already recorded in the store (in ``table``)."""
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {table} ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    return {row[0] for row in con.execute(f"SELECT version FROM {table}").fetchall()}


def migrate(
    con: duckdb.DuckDBPyConnection,
    package: str = "etl.migrations",
    table: str = "schema_migrations",
) -> list[int]:
    """Apply the migrations the store lacks, each in its own transaction; return their numbers.

    By default the store's own (``etl/migrations``, recorded in ``schema_migrations``); a
    layer that keeps tables of its own in the store (the analysis) passes its package of
    migrations and the table recording them.
    """
    done = applied_versions(con, table)
    applied = []
    for step in migrations(package):
        if step.version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(step.sql)
            # Literals, not parameters: a parameter makes DuckDB's client import pandas.
            con.execute(
                f"INSERT INTO {table} (version, name) VALUES ({int(step.version)}, '{step.name}')"
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            _rollback_quietly(con)
            raise LoanFlowError(
                f"Could not upgrade the store to schema step {step.version:03d} "
                f"({step.name}): {exc}. The store is unchanged; report this with the step.",
                code="store_upgrade_failed",
                version=step.version,
                step=step.name,
                reason=exc,
            ) from exc
        applied.append(step.version)
    return applied


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, if a failed COMMIT has not already ended the transaction."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    wait: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the store (``--db``, else ``LOANFLOW_DB``, else ``./loanflow.duckdb``).

    A writable connection creates the file if needed (mode 0600) and brings its schema up
    to date. A read-only connection needs an existing store. While another process holds
    the store (DuckDB lets one process write, or several read), this waits for it, up to
    ``wait`` seconds (default: the ``lock_wait_seconds`` setting), in the queue of
    :func:`_queue_turn`, then says clearly who to wait for.
    """
    target = db_path(path)
    if read_only and not target.exists():
        raise LoanFlowError(
            f"No LoanFlow store at {target}. Load a log first with "
            "`loanflow ingest FILE --dataset NAME`, or point --db / LOANFLOW_DB at your store.",
            code="store_missing",
            target=target,
        )
    if not read_only and target.parent and not target.parent.exists():
        raise LoanFlowError(
            f"The folder {target.parent} for the store does not exist; create it or choose "
            "another --db path.",
            code="store_folder_missing",
            folder=target.parent,
        )
    if str(target) == ":memory:":
        memory = duckdb.connect(":memory:")
        migrate(memory)
        return memory
    seconds = lock_wait_seconds() if wait is None else wait
    con = _open_waiting(target, read_only, seconds)
    if not read_only:
        _private(target)
        _migrate_once(con, target)
    return con


def lock_wait_seconds() -> float:
    """How long a process waits for another one to release the store (setting)."""
    try:
        return max(0.0, float(get("lock_wait_seconds")))
    except ValueError:
        return 30.0


def _is_lock_conflict(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


STORAGE_VERSION = "v1.3.0"
"""The DuckDB storage format a new store is created in (an existing store keeps its own).
DuckDB writes new files in its oldest readable format (v0.10.2) unless told otherwise;
from v1.3.0 it stores text columns as dictionary-plus-FSST (``DICT_FSST``), and writing
a load's rows costs less CPU and less space: BPIC 2012's events, instances, cases and
analysis tables, written and committed on one thread, 0.62 CPU s and 16.4 MB against
0.85-0.89 s and 16.9-17.2 MB. Such a store needs DuckDB 1.3 or later to be read."""

_creating = threading.Lock()


def _create(target: Path) -> None:
    """Create an empty store file in :data:`STORAGE_VERSION` (the first connection of a
    process fixes a file's settings, so the file is made by an attachment of its own,
    closed before the store is opened as usual)."""
    maker = duckdb.connect(":memory:")
    try:
        escaped = str(target).replace("'", "''")
        maker.execute(f"ATTACH '{escaped}' AS new_store (STORAGE_VERSION '{STORAGE_VERSION}')")
        maker.execute("DETACH new_store")
    finally:
        maker.close()


def _open_waiting(target: Path, read_only: bool, seconds: float) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, retried while another process holds the store's lock. A store
    that does not exist yet is created first (:func:`_create`)."""
    deadline = time.monotonic() + seconds
    with _queue_turn(target, deadline):
        while True:
            try:
                with _creating:
                    if not read_only and not target.exists():
                        _create(target)
                return duckdb.connect(str(target), read_only=read_only)
            except duckdb.IOException as exc:
                if not _is_lock_conflict(exc) or time.monotonic() >= deadline:
                    raise _busy_error(target, exc, seconds) from exc
            time.sleep(0.05)


def _busy_error(target: Path, exc: Exception, seconds: float) -> StoreBusyError:
    if not _is_lock_conflict(exc):  # not a lock: a damaged file, a permission, a folder
        return StoreBusyError(
            f"Cannot open the store {target}: {exc}. Check that it is a LoanFlow store you "
            "may read and write.",
            code="store_unopenable",
            target=target,
            reason=exc,
        )
    return StoreBusyError(
        f"Cannot open the store {target}: another LoanFlow process has held it for "
        f"{seconds:g} s (a load or a long command from the command line, or a load on the "
        "dashboard's Data page). Wait for it to finish and try again, or raise "
        "LOANFLOW_LOCK_WAIT_SECONDS.",
        code="store_busy",
        target=target,
        seconds=seconds,
    )


def _private(target: Path) -> None:
    """Keep the store and its write-ahead log readable by their owner only (mode 0600)."""
    for name in (target, target.with_name(target.name + ".wal")):
        with contextlib.suppress(OSError):
            if name.exists() and name.stat().st_mode & 0o077:
                name.chmod(0o600)


_migrated: set[Path] = set()


def _migrate_once(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Bring the schema up to date, once per store in this process (reopening is cheap)."""
    key = target.resolve()
    if key in _migrated:
        return
    migrate(con)
    _migrated.add(key)


@contextlib.contextmanager
def _queue_turn(target: Path, deadline: float) -> Iterator[None]:
    """Hold the store's queue (``<store>.queue``, an flock) while opening the store.

    A process waiting for the store holds the queue; the dashboard, which keeps its
    connection open between requests only while nobody queues (:func:`someone_queues`),
    sees it and closes its connection as soon as its requests in flight are done, so a
    command never waits behind a stream of dashboard requests.
    """
    fd = _queue_fd(target)
    if fd is None:  # a read-only folder: no queue, plain retries
        yield
        return
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break  # try the store once anyway; its lock says who holds it
                time.sleep(0.02)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _queue_path(target: Path) -> Path:
    return target.with_name(target.name + ".queue")


def _queue_fd(target: Path) -> int | None:
    try:
        return os.open(_queue_path(target), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None


def someone_queues(target: Path, fd: int | None = None) -> bool:
    """Whether another process (or thread) is waiting at the store's queue right now."""
    own = fd if fd is not None else _queue_fd(target)
    if own is None:
        return False
    try:
        fcntl.flock(own, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    else:
        fcntl.flock(own, fcntl.LOCK_UN)
        return False
    finally:
        if fd is None:
            os.close(own)


def dataset_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The store's tables keyed by a ``dataset`` column, by convention one dataset's rows
    each (the core tables, and those other layers keep per dataset, e.g. the analysis's
    derivations): dropping a dataset deletes its rows from all of them."""
    rows = con.execute(
        "SELECT DISTINCT c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t"
        " ON t.database_name = c.database_name AND t.schema_name = c.schema_name"
        " AND t.table_name = c.table_name"
        " WHERE c.column_name = 'dataset' AND c.database_name = current_database()"
        " AND c.schema_name = 'main' AND NOT t.temporary ORDER BY 1"
    ).fetchall()
    return [str(r[0]) for r in rows]


def dataset_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The names of the datasets in the store, sorted."""
    return [r[0] for r in con.execute("SELECT name FROM datasets ORDER BY name").fetchall()]


def has_dataset(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the store holds a dataset named ``name``."""
    return con.execute("SELECT 1 FROM datasets WHERE name = ?", [name]).fetchone() is not None


def require_dataset(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Raise a clear error when ``name`` is not a dataset in the store."""
    if not has_dataset(con, name):
        known = ", ".join(dataset_names(con)) or NO_DATASETS
        raise UnknownDatasetError(
            f"No dataset named {name!r} in the store. Datasets: {known}. "
            "Load one with `loanflow ingest FILE --dataset NAME`.",
            code="unknown_dataset",
            name=name,
            known=known,
        )


def store_exists(path: str | os.PathLike[str] | None = None) -> bool:
    """Whether the store file exists."""
    return Path(db_path(path)).exists()


# --- the store shared by the threads of a long-running process (the dashboard) ------------

LINGER_SECONDS = 1.0  # an idle connection is kept this long for the next request
DRAIN_GRACE_SECONDS = 2.0  # how long new requests hold back so a queued process gets in


def _file_state(target: Path) -> tuple[tuple[int, int] | None, ...]:
    """(mtime, size) of the store file and of its write-ahead log (None when absent)."""
    states: list[tuple[int, int] | None] = []
    for name in (target, target.with_name(target.name + ".wal")):
        try:
            info = name.stat()
        except OSError:
            states.append(None)
        else:
            states.append((info.st_mtime_ns, info.st_size))
    return tuple(states)


def _datasets_print(con: duckdb.DuckDBPyConnection) -> str | None:
    with contextlib.suppress(duckdb.Error):
        row = con.execute(
            "SELECT count(*) || ':' || coalesce(string_agg(name || '@' || CAST(loaded_at AS"
            " VARCHAR), ',' ORDER BY name), '') FROM datasets"
        ).fetchone()
        return str(row[0]) if row else None
    return None


class SharedStore:
    """One process's connection to one store, open only while its threads use it.

    DuckDB lets one process hold a store for writing (and then no other process may even
    read it), or several processes read it. A long-running process (the dashboard) must
    therefore not keep the store between requests: each request takes a lease
    (:func:`using`), the first lease opens the connection, and the connection is closed
    once the last lease is returned and it has been idle for ``LINGER_SECONDS``, or at
    once when another process queues for the store (:func:`someone_queues`). While one
    does, new leases hold back (up to ``DRAIN_GRACE_SECONDS``) so that the requests in
    flight drain and the other process gets in. Inside the process every lease is a cursor
    of the one connection: any number read and one writes, each seeing the last committed
    state (MVCC).

    :attr:`generation` counts the changes this process did not make itself (a load from
    the command line): the dashboard keys its result cache by it.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.cond = threading.Condition(threading.RLock())
        self.base: duckdb.DuckDBPyConnection | None = None
        self.users = 0
        self._generation = 0
        self._idle_since = 0.0
        self._draining_since: float | None = None
        self._closed_state: tuple[tuple[int, int] | None, ...] | None = None
        self._closed_print: str | None = None
        self._closer: threading.Thread | None = None
        self._queue = _queue_fd(target)
        self._local = threading.local()

    # leases

    def acquire(self, *, nested: bool = True) -> duckdb.DuckDBPyConnection:
        """A cursor under a lease; give it back with :meth:`release`."""
        deadline = time.monotonic() + lock_wait_seconds()
        with self.cond:
            if nested and getattr(self._local, "count", 0) > 0 and self.base is not None:
                return self._grant(nested)  # this thread already holds a lease: no waiting
            while True:
                if self.base is None:
                    self._open(deadline)
                    return self._grant(nested)
                if not self._hold_back():
                    return self._grant(nested)
                if self.users == 0:
                    self._close()
                    continue
                if time.monotonic() >= deadline:
                    raise _busy_error(self.target, LockWait(), lock_wait_seconds())
                self.cond.wait(0.05)

    def _hold_back(self) -> bool:
        """Whether a new lease should wait: another process queues and ours may drain."""
        if not someone_queues(self.target, self._queue):
            self._draining_since = None
            return False
        now = time.monotonic()
        if self._draining_since is None:
            self._draining_since = now
        return now - self._draining_since < DRAIN_GRACE_SECONDS

    def _grant(self, nested: bool) -> duckdb.DuckDBPyConnection:
        assert self.base is not None
        cur = self.base.cursor()
        self.users += 1
        if nested:
            self._local.count = getattr(self._local, "count", 0) + 1
        return cur

    def release(self, *, nested: bool = True) -> None:
        """Return a lease; the connection closes when idle (or another process queues)."""
        with self.cond:
            self.users = max(0, self.users - 1)
            if nested:
                self._local.count = max(0, getattr(self._local, "count", 0) - 1)
            if self.users == 0:
                self._idle_since = time.monotonic()
                self._start_closer()
            self.cond.notify_all()

    # opening and closing

    def _open(self, deadline: float) -> None:
        changed = self._closed_state is not None and _file_state(self.target) != (
            self._closed_state
        )
        self.base = connect(self.target, wait=max(0.0, deadline - time.monotonic()))
        printed = _datasets_print(self.base)
        if changed or (self._closed_print is not None and printed != self._closed_print):
            self._generation += 1
        self._closed_state = None

    def _close(self) -> None:
        base, self.base = self.base, None
        self._draining_since = None
        if base is None:
            return
        self._closed_print = _datasets_print(base)
        with contextlib.suppress(duckdb.Error):
            base.close()
        self._closed_state = _file_state(self.target)

    def _start_closer(self) -> None:
        if self._closer is not None and self._closer.is_alive():
            return
        self._closer = threading.Thread(target=self._close_when_idle, daemon=True)
        self._closer.start()

    def _close_when_idle(self) -> None:
        while True:
            time.sleep(0.05)
            with self.cond:
                if self.base is None or self.users > 0:
                    return
                idle = time.monotonic() - self._idle_since
                if idle >= LINGER_SECONDS or someone_queues(self.target, self._queue):
                    self._close()
                    return

    def close(self) -> None:
        """Close the connection now, whatever holds leases (tests, shutdown)."""
        with self.cond:
            self.users = 0
            self._close()
            self.cond.notify_all()

    @property
    def generation(self) -> int:
        """How many times the store was seen changed by another process.

        Never waits: while another thread holds the store's lock (opening it, perhaps
        waiting for a command to finish), the last known generation is the answer, so
        cached results keep being served meanwhile."""
        if not self.cond.acquire(blocking=False):
            return self._generation
        try:
            if self.base is None and self._closed_state is not None:
                now = _file_state(self.target)
                if now != self._closed_state:
                    self._generation += 1
                    self._closed_state = now
            return self._generation
        finally:
            self.cond.release()


class LockWait(Exception):
    """Stands for a lock conflict in :func:`_busy_error` (no DuckDB error to quote)."""

    def __str__(self) -> str:
        return "lock held"


_shared: dict[Path, SharedStore] = {}
_shared_lock = threading.Lock()


def shared(path: str | os.PathLike[str] | None = None) -> SharedStore:
    """This process's :class:`SharedStore` for the store at ``path``."""
    target = db_path(path).resolve()
    with _shared_lock:
        entry = _shared.get(target)
        if entry is None:
            entry = _shared[target] = SharedStore(target)
        return entry


@contextlib.contextmanager
def using(path: str | os.PathLike[str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on this process's shared connection to the store, leased for the block.

    The dashboard takes one per request (and per background load), so that it holds the
    store only while it works and the command line can use it in between.
    """
    entry = shared(path)
    cur = entry.acquire()
    try:
        yield cur
    finally:
        with contextlib.suppress(duckdb.Error):
            cur.close()
        entry.release()


def cursor(path: str | os.PathLike[str] | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor on this process's shared connection, leased until it is garbage.

    For scripts and tests; code that serves requests uses :func:`using`, which gives the
    lease back at the end of its block rather than when the cursor is forgotten.
    """
    entry = shared(path)
    cur = entry.acquire(nested=False)
    weakref.finalize(cur, entry.release, nested=False)
    return cur


def generation(path: str | os.PathLike[str] | None = None) -> int:
    """How many changes by other processes this process has seen in the store."""
    return shared(path).generation


def close_shared(path: str | os.PathLike[str] | None = None) -> None:
    """Close this process's shared connection to the store (all of them when no path)."""
    with _shared_lock:
        targets = [db_path(path).resolve()] if path is not None else list(_shared)
        entries = [_shared.get(t) for t in targets]
    for entry in entries:
        if entry is not None:
            entry.close()
