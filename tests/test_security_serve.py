"""`loanflow serve`: sign-in by default, no start without users, --no-auth on loopback only."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import requests

import accounts
from etl.store import connect

LOANFLOW = str(Path(sys.executable).with_name("loanflow"))


def start(args: list[str], tmp_path: Path) -> tuple[subprocess.Popen[str], str, str]:
    """Start `loanflow serve`; return it with its URL (from its banner) and its stderr so far."""
    env = {**os.environ, "LOANFLOW_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [LOANFLOW, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None and proc.stderr is not None
    out, err = "", ""
    deadline = time.time() + 180
    while time.time() < deadline and "LoanFlow dashboard:" not in out:
        ready, _, _ = select.select([proc.stdout, proc.stderr], [], [], 1)
        for stream in ready:
            # os.read, not readline: a buffered reader could hold lines select cannot see
            chunk = os.read(stream.fileno(), 65536).decode()
            if stream is proc.stdout:
                out += chunk
            else:
                err += chunk
        if proc.poll() is not None:
            break
    match = re.search(r"(http://[^ ]+/)", out)
    if match is None:
        proc.kill()
        raise AssertionError(f"no banner: {out} {err}")
    return proc, match.group(1), err


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def test_serve_refuses_to_start_without_users(db_path: Path) -> None:
    done = subprocess.run(
        [LOANFLOW, "serve", "--db", str(db_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    assert "loanflow users add NAME --role admin" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_requires_sign_in_by_default(db_path: Path, tmp_path: Path) -> None:
    con = connect(db_path)
    accounts.add_user(con, "root", "admin password!", "admin")
    con.close()
    proc, url, _err = start(["serve", "--db", str(db_path), "--port", "0"], tmp_path)
    try:
        page = requests.get(url, allow_redirects=False, timeout=60)
        assert page.status_code == 302 and "/login" in page.headers["Location"]
        assert requests.get(url + "_dash-layout", timeout=60).status_code == 401
    finally:
        stop(proc)


def test_no_auth_binds_loopback_and_warns(db_path: Path, tmp_path: Path) -> None:
    args = ["serve", "--db", str(db_path), "--port", "0", "--no-auth", "--host", "0.0.0.0"]
    proc, url, err = start(args, tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        assert "127.0.0.1 only" in err and "SIGN-IN IS OFF" in err
        assert requests.get(url + "_dash-layout", timeout=60).status_code == 200
    finally:
        stop(proc)
