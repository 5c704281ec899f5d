"""Disk full and permission errors during a load: a clear message, and nothing lost.

Disk full is a real, tiny tmpfs when this process may mount one (root), else a file-size
limit (RLIMIT_FSIZE) on the loading process, which makes its writes fail the same way.
Permission errors are real too: the loading process runs without the capabilities that
let root ignore file modes.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import resource
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from etl.load import ingest
from tests.test_crash_kill import check_store, write_log

LOANFLOW = str(Path(sys.executable).with_name("loanflow"))
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 1, 2, 3


def fingerprint(db: Path) -> str:
    """A digest of every LoanFlow table's rows."""
    from etl.store import connect

    con = connect(db, read_only=True)
    digest = hashlib.sha256()
    for table in ("datasets", "events", "activity_instances", "cases", "rejects"):
        digest.update(repr(con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()).encode())
    con.close()
    return digest.hexdigest()


def run_cli(args: list[str], preexec: Callable[[], None] | None = None) -> tuple[int, str]:
    proc = subprocess.run(
        [LOANFLOW, *args],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=preexec,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def assert_clear_failure(code: int, output: str, *words: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output, output
    assert "Another load" not in output, output  # not mistaken for a concurrent load
    lowered = output.lower()
    assert any(w.lower() in lowered for w in words), output


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path | None]:
    """A 4 MB tmpfs mounted in tmp_path, or None when this process may not mount."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        yield None
        return
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _limit_file_size(limit: int) -> Callable[[], None]:
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_disk_full_during_a_load_is_clear_and_loses_nothing(
    tiny_disk: Path | None, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    write_log(big, 8000, 1)  # far more than 4 MB of store
    small = tmp_path / "small.csv"
    write_log(small, 100, 2)
    folder = tiny_disk or tmp_path
    db = folder / "store.duckdb"
    code, output = run_cli(
        ["ingest", str(small), "--dataset", "kept", "--db", str(db), "--no-prepare"]
    )
    assert code == 0, output
    before = fingerprint(db)
    if tiny_disk is not None:
        code, output = run_cli(["ingest", str(big), "--dataset", "big", "--db", str(db)])
    else:
        limit = db.stat().st_size + (512 << 10)
        code, output = run_cli(
            ["ingest", str(big), "--dataset", "big", "--db", str(db)], _limit_file_size(limit)
        )
    assert_clear_failure(code, output, "space", "too large", "write")
    assert fingerprint(db) == before
    assert set(check_store(db)) == {"kept"}


def _without_root_file_rights() -> None:
    """In the child: drop the capabilities that let root ignore file modes (no-op if not root)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)


@pytest.fixture
def store_and_log(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / "store.duckdb"
    log = tmp_path / "log.csv"
    write_log(log, 200, 1)
    ingest(log, "kept", db=db)
    return db, log


def _restore(*paths: Path) -> None:
    for path in paths:
        path.chmod(stat.S_IRWXU)


def test_read_only_store_file_is_clear_and_loses_nothing(store_and_log: tuple[Path, Path]) -> None:
    db, log = store_and_log
    before = fingerprint(db)
    db.chmod(0o444)
    try:
        code, output = run_cli(
            ["ingest", str(log), "--dataset", "new", "--db", str(db)], _without_root_file_rights
        )
    finally:
        _restore(db)
    assert_clear_failure(code, output, "permission")
    assert fingerprint(db) == before


def test_read_only_store_folder_is_clear_and_loses_nothing(
    store_and_log: tuple[Path, Path],
) -> None:
    """The store file is writable but its folder is not (no write-ahead log can be made)."""
    db, log = store_and_log
    before = fingerprint(db)
    db.parent.chmod(0o555)
    try:
        code, output = run_cli(
            ["ingest", str(log), "--dataset", "new", "--db", str(db)], _without_root_file_rights
        )
    finally:
        _restore(db.parent)
    assert_clear_failure(code, output, "permission", "read-only")
    assert fingerprint(db) == before
    assert set(check_store(db)) == {"kept"}


def test_unreadable_source_file_is_clear(store_and_log: tuple[Path, Path]) -> None:
    db, log = store_and_log
    before = fingerprint(db)
    log.chmod(0)
    try:
        code, output = run_cli(
            ["ingest", str(log), "--dataset", "new", "--db", str(db)], _without_root_file_rights
        )
    finally:
        _restore(log)
    assert_clear_failure(code, output, "permission", "not readable")
    assert fingerprint(db) == before


def test_the_capability_drop_really_applies_file_modes(tmp_path: Path) -> None:
    """Guard for the tests above: the child process is refused a mode-0444 file."""
    target = tmp_path / "locked.txt"
    target.write_text("x")
    target.chmod(0o444)
    child = subprocess.run(
        [sys.executable, "-c", f"open({str(target)!r}, 'a').write('y')"],
        preexec_fn=_without_root_file_rights,
        capture_output=True,
        check=False,
    )
    _restore(target)
    assert child.returncode != 0 and b"PermissionError" in child.stderr
    assert target.read_text() == "x"
    assert os.path.exists(target)
