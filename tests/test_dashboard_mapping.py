"""The Data page's mapping step as plain callbacks on a real store: the end activities
proposed from an upload, the profile download (and its errors in the reader's language),
and a load under the page's choices measuring outcomes (the log of
tests/test_profile_choices.py, worked by hand there)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dashboard import data
from dashboard.app import create_app
from dashboard.views import data_page
from etl.store import close_shared
from tests.test_dashboard_data import page_module, pressed
from tests.test_profile_choices import write_log

MAP_IDS = [{"type": "data-map", "field": f} for f in ("case_id", "activity", "timestamp")]
MAP_VALUES = ["申請編號", "活動", "時間"]
ATTR_IDS = [{"type": "data-attr", "field": f} for f in ("amount", "product")]


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "store.duckdb"
    app = create_app(db, auth=False)
    yield app.server.test_client()
    close_shared(db)


def uploaded(client: Any, tmp_path: Path) -> dict[str, Any]:
    answer = client.post(
        "/upload",
        data=io.BytesIO(write_log(tmp_path).read_bytes()),
        headers={"Content-Type": "application/octet-stream", "X-Filename": "loans.csv"},
    )
    return dict(answer.get_json())


def states(
    activities: list[str], outcomes: list[str], hours: tuple[str, str] = ("09:00", "17:30")
) -> list[Any]:
    """The mapping step's controls (CHOICE_STATES order)."""
    depts = ["信貸部" if a == "Review" else "" for a in activities]
    workdays = ["Mon", "Tue", "Wed", "Thu", "Fri"]
    return [MAP_VALUES, MAP_IDS, ["__none__", None], ATTR_IDS, activities, outcomes, depts,
            workdays, hours[0], hours[1], 24, "Asia/Taipei"]  # fmt: skip


def test_choices_download_and_load(client: Any, tmp_path: Path) -> None:
    page = page_module("/data")
    result = uploaded(client, tmp_path)
    form, activities = page.show_choices(MAP_VALUES, MAP_IDS, result, None, "?lang=en")
    assert activities == [
        "Approve loan",
        "Review",
        "Customer withdrew",
        "Reject application",
        "Submit",
    ]
    text = str(form)
    assert "Outcomes and departments by activity" in text and "2 of 2 cases" in text
    # the outcomes as the analyst leaves them: the guesses, Review not an outcome
    outcomes = ["approved", "__none__", "withdrawn", "rejected", "__none__"]
    # a bad choice is refused in the reader's language, and nothing is downloaded
    bad = states(activities, outcomes, hours=("18:00", "09:00"))
    file, alert = page.download_profile(1, None, "loans", *bad, "?lang=zh-Hant")
    assert "工作時間的開始須早於結束（收到 18:00 至 09:00）" in str(alert.children)
    # the download: the profile as YAML
    file, alert = page.download_profile(1, "timezone: Asia/Shanghai", "loans", *states(
        activities, outcomes), "?lang=en")  # fmt: skip
    assert alert is None and file["filename"] == "loans.profile.yaml"
    profile = yaml.safe_load(file["content"])
    assert profile["outcomes"] == {
        "Approve loan": "approved",
        "Customer withdrew": "withdrawn",
        "Reject application": "rejected",
    }
    assert profile["departments"] == {"by_activity": {"Review": "信貸部"}}
    assert profile["timezone"] == "Asia/Taipei"  # the page wins over the typed text
    assert profile["sla"] == {"cycle_time_hours": 24.0}
    # the load uses the same profile: outcomes by hand (C1, C4 approved; C2 rejected;
    # C5 withdrawn; C3 open), Review's instances in 信貸部
    pressed("data-load")
    job_id, poll_off, status, *_ = page.load(
        1, None, None, result, None, "loans", "create", "?lang=en", *states(activities, outcomes)
    )
    assert (poll_off, status) == (False, None)
    assert data_page.RUNNER.wait(job_id).state == "done"  # type: ignore[union-attr]
    with data.cursor() as con:
        rows = con.execute(
            "SELECT case_id, outcome FROM cases WHERE dataset = 'loans' ORDER BY case_id"
        ).fetchall()
        departments = con.execute(
            "SELECT DISTINCT activity, department FROM activity_instances "
            "WHERE dataset = 'loans' AND department IS NOT NULL"
        ).fetchall()
    assert rows == [
        ("C1", "approved"),
        ("C2", "rejected"),
        ("C3", "open"),
        ("C4", "approved"),
        ("C5", "withdrawn"),
    ]
    assert departments == [("Review", "信貸部")]


def test_a_file_that_cannot_be_mapped_says_so_instead_of_choices(
    client: Any, tmp_path: Path
) -> None:
    page = page_module("/data")
    result = uploaded(client, tmp_path)
    wrong = ["申請編號", "申請編號", "時間"]  # one column for two fields
    form, activities = page.show_choices(wrong, MAP_IDS, result, None, "?lang=en")
    assert activities == [] and "lf-error" in str(form)


def test_a_typed_profile_fills_the_choices_it_sets(client: Any, tmp_path: Path) -> None:
    page = page_module("/data")
    result = uploaded(client, tmp_path)
    typed = "outcomes:\n  Review: rejected\ndepartments:\n  by_activity: {Submit: 前台}\n"
    form, activities = page.show_choices(MAP_VALUES, MAP_IDS, result, typed, "?lang=en")
    values = {
        (c.id["type"], activities[c.id["index"]]): c.value
        for c in _components(form)
        if isinstance(getattr(c, "id", None), dict) and "index" in c.id
    }
    assert values[("data-outcome", "Review")] == "rejected"  # typed, not a guess
    assert values[("data-outcome", "Approve loan")] == "approved"  # guessed
    assert values[("data-outcome", "Submit")] == "__none__"
    assert values[("data-dept", "Submit")] == "前台"
    assert values[("data-dept", "Review")] == ""


def _components(tree: Any) -> Iterator[Any]:
    """Every Dash component in a layout tree."""
    if isinstance(tree, list | tuple):
        for item in tree:
            yield from _components(item)
        return
    if hasattr(tree, "children"):
        yield tree
        yield from _components(tree.children)
    elif hasattr(tree, "id"):
        yield tree
