"""Real failures read in the reader's language on the dashboard, with their values filled
in, and in English exactly as the CLI prints them (a dashboard hides server paths only):
a bad file uploaded, an unknown dataset, a bad profile."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from dashboard.components import error_message, failure_message, without_server_paths
from etl.errors import BadInputError, LoanFlowError, ProfileError, UnknownDatasetError
from etl.load import ingest
from etl.store import connect, require_dataset
from loanflow.cli import main
from tests.test_dashboard_fixtures import write_log, write_profile


def cli_error(*args: str) -> str:
    """The message the CLI prints for a failure (after its "Error: ")."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 2, result.output
    return result.stderr.strip().removeprefix("Error: ")


def no_ids(folder: Path) -> Path:
    path = folder / "匯出.csv"
    path.write_text("foo,bar\n1,2\n3,4\n", encoding="utf-8")
    return path


def test_a_file_without_the_needed_columns(tmp_path: Path) -> None:
    path = no_ids(tmp_path)
    db = tmp_path / "s.duckdb"
    with pytest.raises(BadInputError) as caught:
        ingest(path, "x", db=db)
    assert error_message(caught.value, "en") == cli_error(
        "ingest", str(path), "--dataset", "x", "--db", str(db)
    )
    assert error_message(caught.value, "zh-Hant") == (
        "找不到案件編號、活動、時間的欄位。檔案中的欄位：foo, bar。請在設定檔中指定：\n"
        "`columns:\n  case_id: <欄位名稱>\n  activity: <欄位名稱>\n  timestamp: <欄位名稱>`"
    )
    assert error_message(caught.value, "zh-Hans").startswith(
        "找不到案件编号、活动、时间的列。文件中的列：foo, bar。"
    )


def test_a_bad_file_uploaded_reads_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the dashboard's own route and views: a file type LoanFlow cannot read is
    refused at upload; a CSV without the needed columns at the mapping step."""
    from dashboard.app import create_app
    from dashboard.views.data_page import mapping_form, upload_message
    from etl.store import close_shared

    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "s.duckdb"
    ingest(write_log(tmp_path), "loans", db=db, profile=write_profile(tmp_path))
    app = create_app(db, auth=False)
    try:
        client = app.server.test_client()
        refused = client.post(
            "/upload?name=notes.docx",
            data=io.BytesIO(b"not a log"),
            headers={"X-Filename": "notes.docx"},
        )
        assert refused.status_code == 400
        payload = refused.get_json()
        english = (
            "'notes.docx' is not a file LoanFlow reads. Upload CSV/TSV, Excel (.xlsx), XES, "
            "Parquet, compressed as .gz or .zip (or a .bpmn model, a .yaml profile)."
        )
        assert payload["error"] == english
        assert failure_message(payload, "en") == english
        assert failure_message(payload, "zh-Hant").startswith(
            "「notes.docx」不是 LoanFlow 可讀的檔案。"
        )
        shown = str(upload_message(payload, "zh-Hans"))
        assert "“notes.docx”不是 LoanFlow 可读的文件。" in shown and "发生错误" in shown

        body = no_ids(tmp_path).read_bytes()
        accepted = client.post(
            "/upload?name=x.csv", data=io.BytesIO(body), headers={"X-Filename": "x.csv"}
        )
        assert accepted.status_code == 200
        alert = str(mapping_form(accepted.get_json(), "zh-Hant"))
        assert "找不到案件編號、活動、時間的欄位。檔案中的欄位：foo, bar。" in alert
    finally:
        close_shared(db)


def test_an_unknown_dataset(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ingest(write_log(tmp_path), "loans", db=db, profile=write_profile(tmp_path))
    con = connect(db)
    try:
        with pytest.raises(UnknownDatasetError) as caught:
            require_dataset(con, "贷款2024")
    finally:
        con.close()
    assert error_message(caught.value, "en") == cli_error("kpis", "贷款2024", "--db", str(db))
    assert error_message(caught.value, "zh-Hant") == (
        "儲存庫中沒有名為「贷款2024」的資料集。現有資料集：loans。請先在「資料」頁上傳並載入一份日誌。"
    )
    assert error_message(caught.value, "zh-Hans").startswith(
        "存储库中没有名为“贷款2024”的数据集。现有数据集：loans。"
    )


def test_an_empty_store_says_so_in_chinese(tmp_path: Path) -> None:
    con = connect(tmp_path / "s.duckdb")
    try:
        with pytest.raises(UnknownDatasetError) as caught:
            require_dataset(con, "x")
    finally:
        con.close()
    assert "現有資料集：尚無。" in error_message(caught.value, "zh-Hant")
    assert "Datasets: none yet." in error_message(caught.value, "en")


def test_a_bad_profile(tmp_path: Path) -> None:
    """A misspelt key and a bad value: each problem in Chinese where LoanFlow words it."""
    profile = tmp_path / "設定.yaml"
    profile.write_text("colums:\n  case_id: 申請編號\nsla:\n  cycle_time_hours: -3\n", "utf-8")
    db = tmp_path / "s.duckdb"
    with pytest.raises(ProfileError) as caught:
        ingest(write_log(tmp_path), "x", db=db, profile=profile)
    cli = cli_error("ingest", str(write_log(tmp_path)), "--dataset", "x", "--db", str(db),
                    "--profile", str(profile))  # fmt: skip
    assert error_message(caught.value, "en") == without_server_paths(cli)
    assert str(caught.value) == cli
    assert error_message(caught.value, "zh-Hant").splitlines() == [
        "設定檔 設定.yaml 無效：",
        "- sla.cycle_time_hours：必須大於 0",
        "- colums：未知的鍵；請檢查拼寫。",
    ]
    assert error_message(caught.value, "zh-Hans").splitlines() == [
        "配置文件 設定.yaml 无效：",
        "- sla.cycle_time_hours：必须大于 0",
        "- colums：未知的键；请检查拼写。",
    ]


def test_a_profile_value_our_validator_refuses(tmp_path: Path) -> None:
    """A problem LoanFlow's own validator words (working hours the wrong way round)."""
    profile = tmp_path / "p.yaml"
    profile.write_text("calendar:\n  hours: ['18:00', '09:00']\n", "utf-8")
    with pytest.raises(ProfileError) as caught:
        ingest(write_log(tmp_path), "x", db=tmp_path / "s.duckdb", profile=profile)
    assert str(caught.value).endswith(
        "- calendar.hours: Value error, working hours must start before they end, e.g. "
        "['09:00', '17:30']"
    )
    assert error_message(caught.value, "zh-Hant").endswith(
        "- calendar.hours：工作時間的開始須早於結束，例如 `['09:00', '17:30']`"
    )


def test_a_failure_sent_as_json_keeps_its_words(tmp_path: Path) -> None:
    """A load's worker sends its failure back as JSON: the phrases inside survive."""
    path = no_ids(tmp_path)
    with pytest.raises(BadInputError) as caught:
        ingest(path, "x", db=tmp_path / "s.duckdb")
    rebuilt = LoanFlowError.from_json(caught.value.to_json())
    assert str(rebuilt) == str(caught.value)
    for lang in ("en", "zh-Hant", "zh-Hans"):
        assert error_message(rebuilt, lang) == error_message(caught.value, lang)


def test_a_kept_failure_message_reads_back_in_chinese(tmp_path: Path) -> None:
    """The audit log keeps a failure's English; the Admin page reads it back by the
    catalogue template it was made from, values and phrases ("none yet") included."""
    from dashboard.views.audit_details import shown_detail
    from vocabulary.reworded import reworded

    con = connect(tmp_path / "s.duckdb")
    try:
        with pytest.raises(UnknownDatasetError) as caught:
            require_dataset(con, "貸款")
    finally:
        con.close()
    english = str(caught.value)
    for lang in ("zh-Hant", "zh-Hans"):
        assert reworded(english, lang) == error_message(caught.value, lang)
    assert "尚無" in reworded(english, "zh-Hant")
    assert reworded(english, "en") == english
    assert (
        reworded("Something LoanFlow never wrote.", "zh-Hant") == "Something LoanFlow never wrote."
    )
    shown = shown_detail("load", f"replace (cli): failed: {english}", "zh-Hans")
    assert shown is not None and "存储库中没有名为“貸款”的数据集。现有数据集：暂无。" in shown
