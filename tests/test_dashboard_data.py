"""The Data page: streamed upload route, mapping preview, background load, datasets."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard import data
from dashboard.app import create_app
from dashboard.jobs import Job, JobRunner
from dashboard.uploads import safe_filename
from dashboard.views import data_page
from etl.errors import LoanFlowError
from etl.store import close_shared
from tests.test_dashboard_fixtures import HEADER, PROFILE, ROWS, write_log


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "store.duckdb"
    app = create_app(db, auth=False)
    yield app.server.test_client()
    close_shared(db)


def upload(client: Any, body: bytes, name: str) -> Any:
    return client.post(
        "/upload",
        data=io.BytesIO(body),
        headers={"Content-Type": "application/octet-stream", "X-Filename": name},
    )


def test_upload_streams_the_body_to_disk(client: Any, tmp_path: Path) -> None:
    body = write_log(tmp_path).read_bytes()
    answer = upload(client, body, "%E8%B2%B8%E6%AC%BE.csv")  # 貸款.csv, URL-encoded
    assert answer.status_code == 200
    result = answer.get_json()
    assert result["filename"] == "貸款.csv"
    assert result["size"] == len(body)
    stored = tmp_path / "cache" / "uploads" / result["upload_id"] / "貸款.csv"
    assert stored.read_bytes() == body


def test_upload_refuses_what_it_cannot_load(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert upload(client, b"x", "notes.docx").status_code == 400
    assert "empty" in upload(client, b"", "log.csv").get_json()["error"]
    monkeypatch.setenv("LOANFLOW_MAX_UPLOAD_MB", "0.001")  # about 1 KB
    answer = upload(client, b"a,b\n" * 1000, "big.csv")
    assert answer.status_code in (400, 413)
    assert "upload limit" in answer.get_json()["error"]


def test_file_names_cannot_escape_the_upload_folder() -> None:
    assert safe_filename("../../etc/passwd.csv") == "passwd.csv"
    assert safe_filename("..\\..\\x.csv") == "x.csv"
    assert safe_filename("%2E%2E%2Fa.csv") == "a.csv"
    assert safe_filename("...") == "upload"


def test_preview_load_and_report(client: Any, tmp_path: Path) -> None:
    result = upload(client, write_log(tmp_path).read_bytes(), "loans.csv").get_json()
    form = data_page.mapping_form(result, "en")
    dropdowns = {d.id["field"]: d.value for d in _dropdowns(form)}
    assert dropdowns["case_id"] == "案件編號"
    assert dropdowns["start_timestamp"] == "開始時間"
    mapping = dict(dropdowns)
    rows = data_page.preview_rows(result, mapping, None, "en")
    assert len(rows) == 2, rows
    grid = rows[1]
    assert [r["case_id"] for r in grid.rowData][:3] == ["C1", "C1", "C1"]
    # remapping the activity to the resource column shows the resources as activities
    remapped = {**mapping, "activity": "經辦人", "resource": data_page.NONE}
    rows = data_page.preview_rows(result, remapped, None, "en")
    assert len(rows) == 2, rows
    assert rows[1].rowData[0]["activity"] == "u1"
    # one column for two fields is refused with the ETL's message, shown as an alert
    clash = data_page.preview_rows(result, {**mapping, "activity": "經辦人"}, None, "en")
    assert clash[0].color == "danger"
    assert "more than one field" in str(clash[0].children)

    job = data_page.start_load(result, mapping, PROFILE, "loans", "create")
    finished = data_page.RUNNER.wait(job.id)
    assert finished is not None and finished.state == "done", finished and finished.error
    pct, _, done, report, ok = data_page.job_view(job.id, "en")
    assert (pct, done, ok) == (100.0, True, True)
    assert "Loaded loans: 24 events, 4 cases, 0 rows rejected" in str(report[0].children)
    frame = data_page.datasets_frame()
    assert list(frame["name"]) == ["loans"]
    # the file as the analyst chose it, not the server's cache path of the upload
    assert list(frame["source"]) == ["loans.csv"]
    assert int(frame["cases"].iloc[0]) == 4
    assert int(frame["events"].iloc[0]) == 2 * len(ROWS)
    assert "loans" in data.dataset_names()  # the cache saw the store change


def test_bad_rows_are_reported_and_downloadable(client: Any, tmp_path: Path) -> None:
    lines = [",".join(HEADER)] + [",".join(str(v) for v in r) for r in ROWS]
    lines.append(",審核,2025-01-06 09:00,2025-01-06 10:00,u1,信貸部,1,A")  # no case id
    lines.append("C9,審核,=cmd|' /C calc'!A0,bad time,u1,信貸部,1,A")  # no timestamp
    body = ("\n".join(lines) + "\n").encode("utf-8")
    result = upload(client, body, "mixed.csv").get_json()
    job = data_page.start_load(result, {}, PROFILE, "mixed", "create")
    assert data_page.RUNNER.wait(job.id).state == "done"  # type: ignore[union-attr]
    summary = job.result
    assert summary.rejected == 2
    rejects = data_page.rejected_rows("mixed")
    assert sorted(rejects["source_row"]) == [len(ROWS) + 1, len(ROWS) + 2]
    assert sorted(rejects["reason"]) == ["no case id", "unparseable end timestamp"]
    from etl.exports import to_safe_csv

    text = to_safe_csv(rejects).decode("utf-8-sig")
    assert text.count("\r\n") == 3  # header and two rows
    assert "bad time" in text


def test_load_refuses_missing_name_and_bad_profile(client: Any, tmp_path: Path) -> None:
    result = upload(client, write_log(tmp_path).read_bytes(), "loans.csv").get_json()
    with pytest.raises(LoanFlowError, match="name"):
        data_page.start_load(result, {}, None, " ", "create")
    with pytest.raises(LoanFlowError, match="YAML"):
        data_page.start_load(result, {}, "columns: [unclosed", "x", "create")
    with pytest.raises(LoanFlowError, match="Upload"):
        data_page.start_load(None, {}, None, "x", "create")


def test_delete_dataset(client: Any, tmp_path: Path) -> None:
    result = upload(client, write_log(tmp_path).read_bytes(), "loans.csv").get_json()
    job = data_page.start_load(result, {}, PROFILE, "gone", "create")
    data_page.RUNNER.wait(job.id)
    assert "gone" in data.dataset_names()
    data_page.delete_dataset("gone")
    assert "gone" not in data.dataset_names()


def test_default_dataset_name() -> None:
    assert data_page.default_name("BPI_Challenge_2012.xes.gz") == "BPI_Challenge_2012"
    assert data_page.default_name("貸款.csv") == "貸款"


def test_job_runner_reports_progress_and_cancels() -> None:
    runner = JobRunner()
    started, release = threading.Event(), threading.Event()

    def work(job: Job) -> str:
        job.report(0.25, "step 1")
        started.set()
        release.wait(5)
        job.report(0.5, "step 2")  # raises: cancelled meanwhile
        return "never"

    job = runner.submit("load", "x", work)
    assert started.wait(5)
    assert job.snapshot()["progress"] == 0.25
    with pytest.raises(LoanFlowError, match="running"):
        runner.submit("load", "y", work)
    assert runner.cancel(job.id)
    release.set()
    assert runner.wait(job.id).state == "cancelled"  # type: ignore[union-attr]
    assert job.result is None


def _dropdowns(tree: Any) -> list[Any]:
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for item in node:
                walk(item)
        elif getattr(node, "_type", "") == "Dropdown":
            found.append(node)
        elif hasattr(node, "children"):
            walk(node.children)

    walk(tree)
    return found


def _lazy_body(size: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A request body of ``size`` bytes made on the fly (never held in memory whole)."""
    line = "C1,受理,2025-01-06 09:00,2025-01-06 10:00,u1,客戶經理部,1,A\n".encode()
    block = (line * (chunk // len(line) + 1))[:chunk]
    left = size
    while left > 0:
        yield block[: min(chunk, left)]
        left -= chunk


@pytest.mark.slow
def test_a_200_mb_upload_is_streamed_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import resource
    import urllib.request

    from dashboard.browser import serve_in_thread

    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "store.duckdb"
    app = create_app(db, auth=False)
    size = 210 * 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with serve_in_thread(app) as url:
        request = urllib.request.Request(
            url + "/upload",
            data=_lazy_body(size),
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Length": str(size),
                "X-Filename": "big.csv",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=300) as answer:
            result = json.loads(answer.read())
    close_shared(db)
    assert result["size"] == size
    stored = tmp_path / "cache" / "uploads" / result["upload_id"] / "big.csv"
    assert stored.stat().st_size == size
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"the upload grew the process by {grown_mb:.0f} MB"


def test_zip_upload_loads_its_one_log_or_lists_several(client: Any, tmp_path: Path) -> None:
    import zipfile

    log = write_log(tmp_path).read_bytes()
    one, two = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(one, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export/loans.csv", log)
    with zipfile.ZipFile(two, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("jan.csv", log)
        archive.writestr("feb.csv", log)
    several = upload(client, two.getvalue(), "two.zip").get_json()
    alert = data_page.mapping_form(several, "en")[0]
    assert alert.color == "danger" and "jan.csv, feb.csv" in str(alert.children)
    result = upload(client, one.getvalue(), "loans.zip").get_json()
    mapping = {d.id["field"]: d.value for d in _dropdowns(data_page.mapping_form(result, "en"))}
    assert mapping["case_id"] == "案件編號"
    job = data_page.start_load(
        result, mapping, PROFILE, data_page.default_name("loans.zip"), "create"
    )
    finished = data_page.RUNNER.wait(job.id)
    assert finished is not None and finished.state == "done", finished and finished.error
    assert int(data_page.datasets_frame()["events"].iloc[0]) == 2 * len(ROWS)


def page_module(path: str) -> Any:
    """The page module as Dash loaded it (importing it again would register it twice)."""
    import sys

    import dash

    page = next(p for p in dash.page_registry.values() if p["path"] == path)
    return sys.modules[page["module"]]


def pressed(button: str) -> None:
    """Run the next callback as if ``button`` had been clicked."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    context_value.set(
        AttributeDict(triggered_inputs=[{"prop_id": f"{button}.n_clicks", "value": 1}])
    )


# the mapping step's controls before an upload shows them (dashboard.views.data_profile)
NO_CHOICES = ([], [], [], [], [], [], [], None, None, None, None, None)


def test_a_taken_name_asks_replace_append_or_cancel_in_the_readers_language(
    client: Any, tmp_path: Path
) -> None:
    data_page_callbacks = page_module("/data")
    from etl.errors import DatasetExistsError

    result = upload(client, write_log(tmp_path).read_bytes(), "loans.csv").get_json()
    first = data_page.start_load(result, {}, PROFILE, "taken", "create")
    assert data_page.RUNNER.wait(first.id).state == "done"  # type: ignore[union-attr]
    result = upload(client, write_log(tmp_path).read_bytes(), "loans.csv").get_json()
    with pytest.raises(DatasetExistsError) as refused:  # before the file is read again
        data_page.start_load(result, {}, PROFILE, "taken", "create")
    assert "--replace" in str(refused.value)  # the CLI's wording names its flags
    query = "?lang=zh-Hans"
    pressed("data-load")
    answer = data_page_callbacks.load(
        1, None, None, result, PROFILE, "taken", "create", query, *NO_CHOICES
    )
    _job, poll_off, status, hidden, question, _mode = answer
    assert (poll_off, status, hidden) == (True, None, False)  # the question, no job
    assert (
        question
        == "名为 taken 的数据集已存在。要替换它、把此文件追加到它，还是取消并改用其他名称？"
    )
    assert "--" not in question
    # the other errors are worded in the reader's language too
    _, _, alert, hidden, _, _ = data_page_callbacks.load(
        1, None, None, result, PROFILE, " ", "create", query, *NO_CHOICES
    )
    assert hidden is True and "请输入数据集名称。" in str(alert.children)
    assert data_page_callbacks.cancel_exists(1) is True


def test_the_replace_button_loads_with_replace(client: Any, tmp_path: Path) -> None:
    data_page_callbacks = page_module("/data")

    result = upload(client, write_log(tmp_path).read_bytes(), "loans.csv").get_json()
    first = data_page.start_load(result, {}, PROFILE, "again", "create")
    assert data_page.RUNNER.wait(first.id).state == "done"  # type: ignore[union-attr]
    result = upload(client, write_log(tmp_path).read_bytes(), "loans.csv").get_json()
    pressed("data-exists-replace")
    job_id, poll_off, _, hidden, _, mode = data_page_callbacks.load(
        None, 1, None, result, PROFILE, "again", "create", "?lang=en", *NO_CHOICES
    )
    assert (poll_off, hidden, mode) == (False, True, "replace")
    assert data_page.RUNNER.wait(job_id).state == "done"  # type: ignore[union-attr]
