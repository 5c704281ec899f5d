"""CSV exports: UTF-8 with BOM, spreadsheet formula injection neutralised."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from etl.exports import to_safe_csv


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


@pytest.mark.parametrize(
    "hostile",
    [
        '=HYPERLINK("http://evil","x")',
        "+1+1",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        '＝HYPERLINK("http://evil","x")',  # full-width: Excel in zh locales reads it as =
        "｜cmd",
        "＋1+1",
        "－2+3",
        "＠SUM(1+1)",
        "|cmd",
        "  =1+1",  # after spaces
        "\u3000＝1+1",  # after an ideographic space
    ],
)
def test_formula_cells_get_an_apostrophe(hostile: str) -> None:
    rows = read_back(to_safe_csv(pd.DataFrame({"case_id": [hostile, "c2"]})))
    assert rows[1] == ["'" + hostile]
    assert rows[2] == ["c2"]


def test_numbers_and_harmless_text_are_unchanged() -> None:
    df = pd.DataFrame(
        {
            "amount": [-1500.5, 20.0, np.nan],
            "count": pd.array([-3, 4, None], dtype="Int64"),
            "note": ["a-b", "x=y", None],
            "部門": ["信貸部", "風險管理部", "運營部"],
        }
    )
    rows = read_back(to_safe_csv(df))
    assert rows == [
        ["amount", "count", "note", "部門"],
        ["-1500.5", "-3", "a-b", "信貸部"],
        ["20.0", "4", "x=y", "風險管理部"],
        ["", "", "", "運營部"],
    ]


def test_headers_string_and_category_columns_are_neutralised() -> None:
    df = pd.DataFrame(
        {
            "=cmd": pd.Series(["=1", "ok"], dtype="string"),
            "kind": pd.Categorical(["@x", "ok"]),
        }
    )
    rows = read_back(to_safe_csv(df))
    assert rows == [["'=cmd", "kind"], ["'=1", "'@x"], ["ok", "ok"]]


def test_duplicate_column_names_and_input_untouched() -> None:
    df = pd.DataFrame([["=a", "=b"]], columns=["x", "x"])
    rows = read_back(to_safe_csv(df))
    assert rows == [["x", "x"], ["'=a", "'=b"]]
    assert df.iloc[0, 0] == "=a"  # the caller's frame is not modified


def test_chinese_text_round_trips_and_excel_sees_the_bom() -> None:
    df = pd.DataFrame({"活動": ["資料審核", "放款"], "經辦人": ["王小明", "李四"]})
    data = to_safe_csv(df)
    assert data[:3] == b"\xef\xbb\xbf"
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back.equals(df)


def test_links_in_names_are_not_markup_on_bottlenecks() -> None:
    from dashboard.figures import wait_vs_processing, workload_bars

    link = '<a href="https://evil.example/">OP03</a>'
    activities = pd.DataFrame(
        {
            "label": [link, "審核"],
            "median_wait_hours": [2.0, 1.0],
            "median_processing_hours": [1.0, 0.5],
        }
    )
    resources = pd.DataFrame(
        {"resource": [link, "u2"], "department": ["<b>信貸部</b>", "信貸部"], "instances": [5, 3]}
    )
    for figure in (wait_vs_processing(activities, "label", "en"), workload_bars(resources, "en")):
        labels = [str(v) for trace in figure.data for v in (*trace.y, trace.name or "")]
        assert not any("<" in label or ">" in label for label in labels), labels
        assert '&lt;a href="https://evil.example/"&gt;OP03&lt;/a&gt;' in labels


def test_error_messages_name_files_not_server_paths() -> None:
    from dashboard.components import error_alert
    from etl.errors import BadInputError

    hostile = BadInputError(
        "Cannot read the model /srv/loanflow/.loanflow-cache/uploads/3f9a/model.bpmn: not "
        "XML. See https://www.omg.org/spec/BPMN/2.0/ and sample_logs/to_be.bpmn."
    )
    text = json.dumps(error_alert(hostile, "en").to_plotly_json(), ensure_ascii=False, default=str)
    assert "/srv/" not in text and ".loanflow-cache" not in text
    assert "model model.bpmn: not XML" in text
    assert "https://www.omg.org/spec/BPMN/2.0/" in text and "sample_logs/to_be.bpmn" in text
