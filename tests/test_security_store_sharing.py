"""`loanflow serve` and the command line on one store at once (issue: the CLI locked out).

The dashboard holds the store only while it answers; a command queues, the dashboard lets
it in, and the dashboard then sees what the command loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import requests

from tests.test_dashboard_fixtures import CYCLE_HOURS, load_store, write_log, write_profile
from tests.test_security_serve import start, stop

LOANFLOW = str(Path(sys.executable).with_name("loanflow"))


def overview(url: str, dataset: str) -> str:
    """The Overview body for ``dataset`` as the Dash renderer asks for it (JSON text)."""
    payload = {
        "output": "overview-body.children",
        "outputs": {"id": "overview-body", "property": "children"},
        "inputs": [{"id": "overview-query", "property": "data", "value": f"?dataset={dataset}"}],
        "state": [],
        "changedPropIds": ["overview-query.data"],
    }
    answer = requests.post(url + "_dash-update-component", json=payload, timeout=120)
    assert answer.status_code == 200, answer.text[:300]
    return json.dumps(answer.json(), ensure_ascii=False)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOANFLOW_LOCK_WAIT_SECONDS": "60"}
    return subprocess.run(
        [LOANFLOW, *args], capture_output=True, text=True, timeout=300, check=False, env=env
    )


def test_cli_reads_and_loads_while_the_dashboard_serves(db_path: Path, tmp_path: Path) -> None:
    load_store(db_path, tmp_path)
    proc, url, _ = start(["serve", "--db", str(db_path), "--port", "0", "--no-auth"], tmp_path)
    statuses: list[Any] = []
    stop_browsing = threading.Event()

    def browse() -> None:  # a manager clicking through the dashboard all along
        while not stop_browsing.is_set():
            try:
                statuses.append("lf-error" not in overview(url, "loans"))
            except AssertionError as exc:
                statuses.append(str(exc))

    try:
        assert "lf-error" not in overview(url, "loans")  # the dashboard has the store open
        assert "lf-error" in overview(url, "second")  # not loaded yet
        browser = threading.Thread(target=browse)
        browser.start()
        try:
            kpis = run_cli("kpis", "loans", "--json", "--db", str(db_path))
            assert kpis.returncode == 0, kpis.stderr
            figures = json.loads(kpis.stdout)
            assert figures["cases"] == len(CYCLE_HOURS)
            hours = sorted(CYCLE_HOURS.values())
            assert figures["cycle_time_hours"]["median"] == (hours[1] + hours[2]) / 2
            folder = tmp_path / "second"
            folder.mkdir()
            args = [str(write_log(folder)), "--dataset", "second"]
            loaded = run_cli(
                "ingest", *args, "--profile", str(write_profile(folder)), "--db", str(db_path)
            )
            assert loaded.returncode == 0, loaded.stderr
        finally:
            stop_browsing.set()
            browser.join()
        text = overview(url, "second")  # the dashboard sees the dataset the CLI loaded
        assert "lf-error" not in text
        assert "信貸部" in text or "客戶經理部" in text
    finally:
        stop(proc)
    assert statuses and all(s is True for s in statuses), statuses[:5]


def test_cached_views_are_served_while_a_command_holds_the_store(
    db_path: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from dashboard.app import create_app
    from etl.store import close_shared

    load_store(db_path, tmp_path)
    monkeypatch.setenv("LOANFLOW_LOCK_WAIT_SECONDS", "1")
    client = create_app(db_path, auth=False).server.test_client()
    payload = {
        "output": "overview-body.children",
        "outputs": {"id": "overview-body", "property": "children"},
        "inputs": [{"id": "overview-query", "property": "data", "value": "?dataset=loans"}],
        "state": [],
        "changedPropIds": ["overview-query.data"],
    }
    first = client.post("/_dash-update-component", json=payload)
    assert first.status_code == 200
    close_shared(db_path)  # as after the dashboard's idle second
    holder = subprocess.Popen(  # a command holding the store for writing
        [
            sys.executable,
            "-c",
            f"import duckdb,sys; c=duckdb.connect({str(db_path)!r}); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        again = client.post("/_dash-update-component", json=payload)
        assert again.status_code == 200
        assert again.get_json() == first.get_json()  # from the cache, the store untouched
    finally:
        holder.communicate("")
    close_shared(db_path)
