"""CSV exports: UTF-8 with BOM, spreadsheet formula injection neutralised."""

from __future__ import annotations

import csv
import io

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
