"""Raw data on disk: uploads private and short-lived, the store private."""

from __future__ import annotations

import io
import os
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboard.app import create_app
from dashboard.jobs import RUNNER
from dashboard.uploads import save_stream, sweep_uploads, upload_root
from dashboard.views.data_page import start_load
from etl.store import close_shared, connect
from loanflow.cli import main
from tests.test_dashboard_fixtures import PROFILE, write_log


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_an_upload_is_readable_by_its_owner_only(cache: Path) -> None:
    _id, path, _size = save_stream(io.BytesIO(b"case,activity\n1,a\n"), "名單.csv")
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_uploads_never_loaded_are_swept_after_the_keep_time(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOANFLOW_UPLOAD_KEEP_HOURS", "2")
    old_id, old, _ = save_stream(io.BytesIO(b"a,b\n1,2\n"), "old.csv")
    new_id, new, _ = save_stream(io.BytesIO(b"a,b\n1,2\n"), "new.csv")
    three_hours_ago = time.time() - 3 * 3600
    os.utime(old.parent, (three_hours_ago, three_hours_ago))
    assert sweep_uploads() == [old_id]
    assert not old.parent.exists() and new.exists()
    assert sweep_uploads() == []
    assert sorted(p.name for p in upload_root().iterdir()) == [new_id]


@pytest.mark.parametrize("works", [True, False], ids=["loaded", "refused"])
def test_an_upload_is_deleted_when_its_load_ends(
    cache: Path, db_path: Path, tmp_path: Path, works: bool
) -> None:
    create_app(db_path, auth=False)
    body = write_log(tmp_path).read_bytes() if works else b"no,log,here\n1,2,3\n"
    upload_id, path, _ = save_stream(io.BytesIO(body), "loans.csv")
    profile = PROFILE if works else None
    job = start_load({"upload_id": upload_id}, {}, profile, "loans", "create")
    RUNNER.wait(job.id, timeout=120)
    close_shared(db_path)
    assert job.state == ("done" if works else "failed"), job.error
    assert not path.exists() and not path.parent.exists()


def test_the_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    in_process = tmp_path / "a.duckdb"
    connect(in_process).close()
    assert mode(in_process) == 0o600
    by_cli = tmp_path / "b.duckdb"
    assert CliRunner().invoke(main, ["datasets", "--db", str(by_cli)]).exit_code == 0
    connect(by_cli).close()
    assert mode(by_cli) == 0o600
