"""Every supported format and encoding, loaded from real files written here.

Expected values are worked out by hand from the rows each test writes.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from etl.load import ingest, preview
from tests.test_etl_support import stored_instances, write_csv

TRAD_HEADER = ["申請編號", "活動", "開始時間", "結束時間", "經辦人", "部門", "貸款金額", "產品"]
TRAD_ROWS = [
    [
        "L001",
        "資料審核",
        "2025-01-06 09:00",
        "2025-01-06 10:30",
        "王小明",
        "信貸部",
        "500,000",
        "經營貸",
    ],
    [
        "L001",
        "風險評估",
        "2025-01-06 13:00",
        "2025-01-07 09:00",
        "陳大文",
        "風險管理部",
        "500,000",
        "經營貸",
    ],
    [
        "L002",
        "資料審核",
        "2025-01-06 11:00",
        "2025-01-06 11:45",
        "王小明",
        "信貸部",
        "80,000",
        "消費貸",
    ],
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_gb18030_csv_with_traditional_headers_and_start_end_columns(store, tmp_path):
    path = write_csv(tmp_path / "export.csv", TRAD_HEADER, TRAD_ROWS, encoding="gb18030")
    summary = ingest(path, "gb", con=store, profile={"timezone": "Asia/Shanghai"})
    assert summary.encoding == "gb18030"
    assert summary.layout == "instances"
    assert summary.mapping["columns"]["case_id"] == "申請編號"
    assert summary.mapping["columns"]["start_timestamp"] == "開始時間"
    assert (summary.cases, summary.activity_instances, summary.events) == (2, 3, 6)
    # 09:00 in Shanghai (+08:00) is 01:00 UTC.
    assert stored_instances(store, "gb")[0] == (
        "L001",
        "資料審核",
        datetime(2025, 1, 6, 1, 0),
        datetime(2025, 1, 6, 2, 30),
    )
    row = store.execute(
        "SELECT amount, product, department FROM cases JOIN activity_instances USING "
        "(dataset, case_id) WHERE case_id = 'L001' AND activity = '風險評估'"
    ).fetchone()
    assert row == (500000.0, "經營貸", "風險管理部")
    resources = store.execute(
        "SELECT DISTINCT resource FROM activity_instances ORDER BY 1"
    ).fetchall()
    assert resources == [("王小明",), ("陳大文",)]


def test_gb18030_csv_with_simplified_headers(store, tmp_path):
    header = ["申请编号", "环节", "时间", "经办人", "部门"]
    rows = [
        ["S1", "受理", "2025-02-03 08:00:00", "李雷", "客户经理部"],
        ["S1", "审批", "2025-02-03 09:15:00", "韩梅梅", "审批委员会"],
    ]
    path = write_csv(tmp_path / "simp.csv", header, rows, encoding="gb18030")
    summary = ingest(path, "simp", con=store)
    assert summary.encoding == "gb18030"
    assert summary.layout == "events"
    assert summary.mapping["columns"] == {
        "case_id": "申请编号",
        "activity": "环节",
        "timestamp": "时间",
        "resource": "经办人",
        "department": "部门",
    }
    assert (
        store.execute("SELECT count(*) FROM events WHERE department = '审批委员会'").fetchone()[0]
        == 1
    )


def test_big5_csv(store, tmp_path):
    header = ["案件編號", "環節", "時間", "經辦人"]
    rows = [
        ["B1", "徵信調查", "2025/03/04 10:00", "林志玲"],
        ["B1", "核貸", "2025/03/05 16:20", "周杰倫"],
        ["B2", "徵信調查", "2025/03/04 11:00", "林志玲"],
    ]
    path = write_csv(tmp_path / "big5.csv", header, rows, encoding="big5")
    summary = ingest(path, "big5", con=store)
    assert summary.encoding == "big5"
    assert (summary.cases, summary.events, summary.rejected) == (2, 3, 0)
    acts = store.execute("SELECT activity FROM events ORDER BY event_id").fetchall()
    assert [a[0] for a in acts] == ["徵信調查", "核貸", "徵信調查"]
    first = store.execute("SELECT ts FROM events WHERE activity = '核貸'").fetchone()[0]
    assert first == utc(2025, 3, 5, 16, 20)


def test_utf8_bom_csv_with_semicolons(store, tmp_path):
    header = ["Case ID", "Activity", "Timestamp", "Resource", "Amount"]
    rows = [
        ["A-1", "Submit; online", "2025-04-01T08:00:00Z", "u1", "1200.50"],
        ["A-1", "Approve", "2025-04-02T08:00:00+02:00", "u2", "1200.50"],
    ]
    path = write_csv(tmp_path / "bom.csv", header, rows, encoding="utf-8-sig", delimiter=";")
    summary = ingest(path, "bom", con=store)
    assert summary.encoding == "utf-8-sig"
    assert summary.delimiter == ";"
    assert summary.mapping["columns"]["case_id"] == "Case ID"
    got = store.execute("SELECT activity, ts FROM events ORDER BY event_id").fetchall()
    assert got == [("Submit; online", utc(2025, 4, 1, 8)), ("Approve", utc(2025, 4, 2, 6))]
    case = store.execute("SELECT amount, attributes FROM cases").fetchone()
    assert case[0] == 1200.5
    assert json.loads(case[1]) == {"Amount": "1200.50"}


def test_tsv(store, tmp_path):
    path = write_csv(
        tmp_path / "log.tsv",
        ["case", "task", "time"],
        [["1", "a", "2025-01-01 00:00:00"], ["1", "b", "2025-01-01 01:00:00"]],
        delimiter="\t",
    )
    summary = ingest(path, "tsv", con=store)
    assert (summary.delimiter, summary.events, summary.cases) == ("\t", 2, 1)


XES_OFFSETS = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace>
    <string key="concept:name" value="T1"/>
    <float key="AMOUNT_REQ" value="150000"/>
    <string key="product" value="經營貸"/>
    <event>
      <string key="concept:name" value="資料審核"/>
      <string key="lifecycle:transition" value="start"/>
      <string key="org:resource" value="u7"/>
      <date key="time:timestamp" value="2025-05-06T09:00:00.000+08:00"/>
    </event>
    <event>
      <string key="concept:name" value="資料審核"/>
      <string key="lifecycle:transition" value="complete"/>
      <string key="org:resource" value="u7"/>
      <string key="org:group" value="信貸部"/>
      <date key="time:timestamp" value="2025-05-06T11:30:00.000+08:00"/>
    </event>
    <event>
      <string key="concept:name" value="放款"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2025-05-07T10:00:00.000+08:00"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="T2"/>
    <float key="AMOUNT_REQ" value="20000"/>
    <string key="product" value="消費貸"/>
    <event>
      <string key="concept:name" value="資料審核"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2025-05-06T10:00:00.000+08:00"/>
    </event>
  </trace>
</log>
"""


def test_xes_with_lifecycle_and_plus_eight_offsets(store, tmp_path):
    path = tmp_path / "log.xes"
    path.write_text(XES_OFFSETS, encoding="utf-8")
    summary = ingest(path, "xes", con=store, profile={"outcomes": {"放款": "approved"}})
    assert summary.format == "xes"
    assert (summary.events, summary.activity_instances, summary.cases) == (4, 3, 2)
    assert stored_instances(store, "xes") == [
        ("T1", "放款", datetime(2025, 5, 7, 2), datetime(2025, 5, 7, 2)),
        ("T1", "資料審核", datetime(2025, 5, 6, 1), datetime(2025, 5, 6, 3, 30)),
        ("T2", "資料審核", datetime(2025, 5, 6, 2), None),
    ]
    cases = store.execute(
        "SELECT case_id, outcome, amount, product, first_ts, last_ts, attributes "
        "FROM cases ORDER BY case_id"
    ).fetchall()
    assert cases[0][:6] == (
        "T1",
        "approved",
        150000.0,
        "經營貸",
        utc(2025, 5, 6, 1),
        utc(2025, 5, 7, 2),
    )
    assert json.loads(cases[0][6]) == {"AMOUNT_REQ": 150000.0, "product": "經營貸"}
    assert cases[1][:4] == ("T2", "open", 20000.0, "消費貸")
    dept = store.execute(
        "SELECT department FROM activity_instances WHERE case_id = 'T1' AND activity = '資料審核'"
    ).fetchone()[0]
    assert dept == "信貸部"


def test_xes_gz_with_naive_timestamps_read_in_profile_zone(store, tmp_path):
    naive = XES_OFFSETS.replace(".000+08:00", "")
    path = tmp_path / "log.xes.gz"
    path.write_bytes(gzip.compress(naive.encode("utf-8")))
    summary = ingest(path, "xesgz", con=store, profile={"timezone": "Asia/Taipei"})
    assert summary.format == "xes.gz"
    first = store.execute("SELECT min(ts) FROM events").fetchone()[0]
    assert first == utc(2025, 5, 6, 1)


def test_excel_workbook(store, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["申請編號", "活動", "時間", "經辦人", "渠道"])
    sheet.append(["E1", "受理", datetime(2025, 6, 2, 9, 30), "張三", "網銀"])
    sheet.append(["E1", "放款", datetime(2025, 6, 4, 15, 0), "李四", "網銀"])
    sheet.append([None, None, None, None, None])
    sheet.append([1002, "受理", datetime(2025, 6, 3, 10, 0), "張三", "分行"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    summary = ingest(path, "xlsx", con=store, profile={"timezone": "Asia/Hong_Kong"})
    assert summary.format == "xlsx"
    assert (summary.rows_read, summary.events, summary.cases) == (3, 3, 2)
    got = store.execute("SELECT case_id, ts FROM events ORDER BY event_id").fetchall()
    assert got == [
        ("E1", utc(2025, 6, 2, 1, 30)),
        ("E1", utc(2025, 6, 4, 7)),
        ("1002", utc(2025, 6, 3, 2)),
    ]
    channels = store.execute("SELECT case_id, channel FROM cases ORDER BY case_id").fetchall()
    assert channels == [("1002", "分行"), ("E1", "網銀")]


def test_parquet_with_typed_columns(store, tmp_path):
    table = pa.table(
        {
            "case_id": ["P1", "P1", "P2"],
            "activity": ["Submit", "Approve", "Submit"],
            "timestamp": pa.array(
                [
                    datetime(2025, 7, 1, 8, tzinfo=UTC),
                    datetime(2025, 7, 2, 8, tzinfo=UTC),
                    datetime(2025, 7, 1, 9, tzinfo=UTC),
                ],
                type=pa.timestamp("us", tz="UTC"),
            ),
            "lifecycle": ["complete", "complete", "complete"],
            "branch": ["Taipei", "Taipei", "Kaohsiung"],
            "score": [0.5, 0.7, 0.9],
        }
    )
    path = tmp_path / "log.parquet"
    pq.write_table(table, path)
    summary = ingest(path, "pq", con=store, profile={"timezone": "Asia/Shanghai"})
    assert summary.format == "parquet"
    assert (summary.events, summary.cases, summary.activity_instances) == (3, 2, 3)
    # Offsets kept: the profile's zone applies only to times without one.
    assert store.execute("SELECT min(ts) FROM events").fetchone()[0] == utc(2025, 7, 1, 8)
    branches = store.execute("SELECT case_id, branch FROM cases ORDER BY 1").fetchall()
    assert branches == [("P1", "Taipei"), ("P2", "Kaohsiung")]
    # score varies within P1, so it is an event attribute, not a case attribute.
    scores = store.execute(
        "SELECT CAST(attributes->>'score' AS DOUBLE) FROM events ORDER BY event_id"
    ).fetchall()
    assert [s[0] for s in scores] == [0.5, 0.7, 0.9]


def test_departments_from_profile_maps_and_outcome_attribute(store, tmp_path):
    path = write_csv(
        tmp_path / "log.csv",
        ["case_id", "activity", "timestamp", "resource", "decision"],
        [
            ["1", "Check", "2025-01-01 09:00", "u1", "Approved"],
            ["1", "Decide", "2025-01-01 10:00", "u9", "Approved"],
            ["2", "Other", "2025-01-01 11:00", "u9", "declined"],
            ["3", "Check", "2025-01-01 12:00", "u2", ""],
        ],
    )
    profile = {
        "departments": {"by_activity": {"Check": "信貸部"}, "by_resource": {"u9": "審批委員會"}},
        "outcome_attribute": "decision",
        "outcomes": {"declined": "rejected"},
    }
    ingest(path, "maps", con=store, profile=profile)
    depts = store.execute("SELECT activity, department FROM events ORDER BY event_id").fetchall()
    assert depts == [
        ("Check", "信貸部"),
        ("Decide", "審批委員會"),
        ("Other", "審批委員會"),
        ("Check", "信貸部"),
    ]
    outcomes = store.execute("SELECT case_id, outcome FROM cases ORDER BY 1").fetchall()
    assert outcomes == [("1", "approved"), ("2", "rejected"), ("3", "open")]


def test_outcome_is_that_of_the_last_mapped_instance(store, tmp_path):
    path = write_csv(
        tmp_path / "log.csv",
        ["case_id", "activity", "timestamp"],
        [
            ["1", "拒絕通知", "2025-01-01 09:00"],
            ["1", "放款", "2025-01-02 09:00"],
            ["1", "Archive", "2025-01-03 09:00"],
            ["2", "放款", "2025-01-01 09:00"],
            ["2", "客戶撤回", "2025-01-01 10:00"],
            ["3", "Archive", "2025-01-01 10:00"],
        ],
    )
    profile = {"outcomes": {"放款": "approved", "拒絕通知": "rejected", "客戶撤回": "withdrawn"}}
    ingest(path, "outcomes", con=store, profile=profile)
    got = store.execute("SELECT case_id, outcome FROM cases ORDER BY 1").fetchall()
    assert got == [("1", "approved"), ("2", "withdrawn"), ("3", "open")]


def test_stored_profile_records_the_mapping_and_validates(store, tmp_path):
    from etl.profile import profile_from_store

    path = write_csv(tmp_path / "t.csv", ["申請編號", "活動", "時間"], [["1", "a", "2025-01-01"]])
    ingest(path, "p", con=store, profile={"timezone": "Asia/Taipei"})
    stored = profile_from_store(store.execute("SELECT profile FROM datasets").fetchone()[0])
    assert stored.timezone == "Asia/Taipei"
    assert stored.columns.case_id == "申請編號"
    assert stored.columns.timestamp == "時間"


def test_preview_shows_mapping_and_first_rows_without_writing(tmp_path):
    path = write_csv(tmp_path / "export.csv", TRAD_HEADER, TRAD_ROWS, encoding="big5")
    shown = preview(path, profile={"timezone": "Asia/Taipei"}, rows=2)
    assert shown.encoding == "big5"
    assert shown.layout == "instances"
    assert shown.mapping["columns"]["activity"] == "活動"
    assert [r["case_id"] for r in shown.rows] == ["L001", "L001"]
    assert shown.rows[0]["start_ts"] == "2025-01-06T01:00:00Z"
    assert shown.rows[0]["reason"] is None
