"""``loanflow drop NAME --lake LAKE``: one dataset deleted from a folder lake (every table's
partition of it), the others untouched and their figures unchanged; asked before, audited,
and refused clearly where it cannot work. (A lake only Spark reaches:
tests/test_lake_remote.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from accounts import audit_entries
from analysis.lake.files import LAKE_TABLES, lake_datasets, partition_dir
from etl.store import connect
from loanflow.cli import main
from tests.test_dashboard_fixtures import write_log, write_profile


def invoke(*args: str, given: str | None = None) -> Any:
    return CliRunner().invoke(main, list(args), input=given, catch_exceptions=False)


def _lake_with_two(tmp_path: Path) -> tuple[Path, str]:
    """The hand-worked log written into a folder lake as "loans" and as "branch 2012", and
    loaded into a store (which takes the audit line)."""
    lake, db = tmp_path / "lake", str(tmp_path / "store.duckdb")
    log, profile = str(write_log(tmp_path)), str(write_profile(tmp_path))
    assert invoke("ingest", log, "-d", "loans", "-p", profile, "--db", db).exit_code == 0
    for name in ("loans", "branch 2012"):
        written = invoke("ingest", log, "-d", name, "-p", profile, "--to", str(lake), "--db", db)
        assert written.exit_code == 0, written.output
    return lake, db


def _everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_one_dataset_leaves_the_lake_and_the_other_stays_as_it_was(tmp_path: Path) -> None:
    lake, db = _lake_with_two(tmp_path)
    kpis = ["kpis", "loans", "--lake", str(lake), "--json"]
    before = json.loads(invoke(*kpis).output)
    kept = [p for p in _everything_under(lake) if "branch" not in p]
    declined = invoke("drop", "branch 2012", "--lake", str(lake), "--db", db, given="n\n")
    assert declined.exit_code == 1 and "from the lake at" in declined.output
    assert lake_datasets(lake) == ["branch 2012", "loans"]
    dropped = invoke("drop", "branch 2012", "--lake", str(lake), "--db", db, given="y\n")
    assert dropped.exit_code == 0, dropped.output
    assert "Dropped dataset 'branch 2012' from the lake" in dropped.output
    assert lake_datasets(lake) == ["loans"]
    assert not any(partition_dir(lake, t, "branch 2012").exists() for t in LAKE_TABLES)
    assert _everything_under(lake) == kept  # nothing left behind, nothing else touched
    assert json.loads(invoke(*kpis).output) == before
    con = connect(db)
    try:
        entries = [(e.action, e.target, e.detail) for e in audit_entries(con)]
    finally:
        con.close()
    assert ("delete", "branch 2012", f"lake {lake} (cli)") in entries
    # The loads into the lake were recorded too (the store took their lines).
    loads = [
        detail for action, target, detail in entries if (action, target) == ("load", "branch 2012")
    ]
    assert loads == [f"create into the lake {lake} (cli): done: 24 events, 4 cases, 0 rejected"]


def test_dropping_from_a_lake_says_what_cannot_be_done(tmp_path: Path) -> None:
    lake, db = _lake_with_two(tmp_path)
    unknown = invoke("drop", "nobody", "--lake", str(lake), "--yes")
    assert unknown.exit_code == 2
    assert "has no dataset 'nobody'" in unknown.output and "branch 2012, loans" in unknown.output
    uri = lake.resolve().as_uri()
    on_duckdb = invoke("drop", "loans", "--lake", uri, "--yes")
    assert on_duckdb.exit_code != 0 and "--engine spark" in on_duckdb.output
    assert lake_datasets(lake) == ["branch 2012", "loans"]
    # The store's dataset of the same name is not the lake's: dropping one leaves the other.
    assert invoke("drop", "loans", "--lake", str(lake), "--yes", "--db", db).exit_code == 0
    assert invoke("datasets", "--db", db, "--json").output.count('"loans"') == 1


@pytest.mark.browser
@pytest.mark.xdist_group("spark")
def test_a_dataset_deleted_from_the_lake_on_the_data_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spark: Any
) -> None:
    """LOANFLOW_ENGINE=spark with a folder lake, in headless Chromium: the Data page lists
    the store's and the lake's datasets, says that the chosen one goes from the lake, and
    deletes it there; the store keeps its own dataset of the other name."""
    from dashboard.app import create_app
    from dashboard.browser import chromium, click, serve_in_thread, wait_for, wait_idle
    from etl.store import close_shared
    from vocabulary import t

    lake, db = _lake_with_two(tmp_path)
    monkeypatch.setenv("LOANFLOW_ENGINE", "spark")
    monkeypatch.setenv("LOANFLOW_LAKE", str(lake))
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    app = create_app(Path(db), auth=False)
    grid = "#data-datasets .ag-center-cols-container .ag-row"
    with serve_in_thread(app) as url, chromium() as driver:

        def text_of(element_id: str) -> str:
            found = driver.find_elements("id", element_id)
            return found[0].text if found else ""

        def names() -> list[str]:
            cells = driver.find_elements("css selector", f"{grid} [col-id='name']")
            return sorted(cell.text for cell in cells)

        driver.get(f"{url}/data?dataset=loans")
        wait_idle(driver, timeout=90)
        assert wait_for(names) == ["branch 2012", "loans"]
        heading = t("data.datasets_lake", "en", lake=str(lake))
        assert heading in driver.find_element("tag name", "body").text
        index = next(
            r.get_attribute("row-index")
            for r in driver.find_elements("css selector", grid)
            if "branch 2012" in r.text
        )
        click(driver, f"{grid}[row-index='{index}'] [col-id='name']")
        click(driver, "#data-delete")
        asked = t("data.confirm_delete_lake", "en", name="branch 2012", lake=str(lake))
        wait_for(lambda: text_of("data-confirm-text") == asked)
        click(driver, "#data-confirm-yes")
        done = t("data.deleted", "en", name="branch 2012")
        wait_for(lambda: done in text_of("data-delete-status"))
        wait_for(lambda: names() == ["loans"])
    close_shared(Path(db))
    assert lake_datasets(lake) == ["loans"]
    assert invoke("datasets", "--db", db, "--json").output.count('"loans"') == 1
