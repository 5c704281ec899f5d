"""Files that cannot be loaded fail with a clear message and write nothing."""

from __future__ import annotations

import gzip
import zipfile

import pytest

from etl.errors import BadInputError, LoanFlowError, ProfileError
from etl.load import ingest
from tests.test_etl_support import store_counts, write_csv

GOOD_XES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
    + "".join(
        f'<trace><string key="concept:name" value="c{i}"/><event>'
        f'<string key="concept:name" value="a"/>'
        f'<date key="time:timestamp" value="2025-01-01T00:00:0{i}+00:00"/></event></trace>\n'
        for i in range(5)
    )
    + "</log>\n"
)


def assert_refused(store, path, *fragments, error=BadInputError, **kwargs):
    """Loading ``path`` raises ``error`` whose message holds every fragment; no write."""
    before = store_counts(store)
    with pytest.raises(error) as caught:
        ingest(path, "bad", con=store, **kwargs)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "Traceback" not in message
    assert store_counts(store) == before
    return message


def test_missing_file(store, tmp_path):
    assert_refused(store, tmp_path / "nowhere.csv", "File not found", "nowhere.csv")


def test_empty_file(store, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert_refused(store, path, "empty")


def test_header_only_csv(store, tmp_path):
    path = write_csv(tmp_path / "h.csv", ["case_id", "activity", "timestamp"], [])
    assert_refused(store, path, "no data rows")


def test_unknown_format(store, tmp_path):
    path = tmp_path / "log.json"
    path.write_text('{"events": []}', encoding="utf-8")
    assert_refused(store, path, "Unknown file format", "CSV", "XES")


def test_zip_that_is_not_a_workbook(store, tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("log.csv", "a,b\n1,2\n")
    assert_refused(store, path, "not an Excel .xlsx workbook")


def test_undecodable_text(store, tmp_path):
    path = tmp_path / "bad.csv"
    # Bytes that are neither UTF-8 nor GB18030 nor Big5 (0xFF is never a lead byte).
    path.write_bytes(b"case_id,activity,timestamp\n1,\xff\xfe\xff,2025-01-01\n")
    assert_refused(store, path, "not UTF-8, GB18030/GBK or Big5")


def test_wrong_encoding_named_in_profile(store, tmp_path):
    path = write_csv(
        tmp_path / "u8.csv", ["申請編號", "活動", "時間"], [["1", "審核", "2025-01-01"]]
    )
    assert_refused(store, path, "not valid big5", profile={"encoding": "big5"})


def test_no_mappable_columns_lists_what_was_found(store, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["foo", "bar", "baz"], [["1", "2", "3"]])
    message = assert_refused(store, path, "case id", "activity", "timestamp", "foo, bar, baz")
    assert "columns:" in message


def test_profile_column_not_in_file(store, tmp_path):
    path = write_csv(
        tmp_path / "x.csv", ["case_id", "activity", "timestamp"], [["1", "a", "2025-01-01"]]
    )
    assert_refused(
        store,
        path,
        "申請編號",
        "case_id, activity, timestamp",
        error=ProfileError,
        profile={"columns": {"case_id": "申請編號"}},
    )


def test_timestamp_column_without_any_time(store, tmp_path):
    path = write_csv(
        tmp_path / "x.csv", ["case_id", "activity", "timestamp"], [["1", "a", "soon"]] * 3
    )
    assert_refused(store, path, "no value LoanFlow can read as a time", "timestamp_format")


def test_truncated_gzip(store, tmp_path):
    data = gzip.compress(GOOD_XES.encode())
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(data[: len(data) // 2])
    assert_refused(store, path, "truncated gzip")


@pytest.mark.parametrize("where", ["checksum", "stream"])
def test_corrupt_gzip(store, tmp_path, where):
    data = bytearray(gzip.compress(GOOD_XES.encode()))
    at = len(data) - 8 if where == "checksum" else len(data) // 2  # CRC-32, or mid-stream
    data[at] ^= 0xFF
    path = tmp_path / "corrupt.xes.gz"
    path.write_bytes(bytes(data))
    assert_refused(store, path, "corrupt.xes.gz is not a valid gzip file")


def test_broken_xml(store, tmp_path):
    path = tmp_path / "broken.xes"
    path.write_text(GOOD_XES.replace("</trace>", "</traec>", 1), encoding="utf-8")
    assert_refused(store, path, "not well-formed XES")


def test_xes_cut_short(store, tmp_path):
    path = tmp_path / "short.xes"
    path.write_text(GOOD_XES[: len(GOOD_XES) // 2], encoding="utf-8")
    assert_refused(store, path, "cut short")


def test_not_xes_at_all(store, tmp_path):
    path = tmp_path / "notes.xes"
    path.write_text("just some text\n", encoding="utf-8")
    assert_refused(store, path, "not an XES log")


@pytest.mark.parametrize(
    "declaration",
    [
        '<!DOCTYPE log [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE log [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!doctype log SYSTEM "http://example.com/log.dtd">',
    ],
)
def test_doctype_and_entities_are_refused_before_parsing(store, tmp_path, declaration):
    text = GOOD_XES.replace("<log ", declaration + "\n<log ", 1)
    path = tmp_path / "hostile.xes.gz"
    path.write_bytes(gzip.compress(text.encode()))
    assert_refused(store, path, "DOCTYPE or ENTITY")


def test_gzip_bomb_is_capped(store, tmp_path, monkeypatch):
    monkeypatch.setenv("LOANFLOW_MAX_DECOMPRESSED_MB", "1")
    padding = "<!-- " + "x" * (3 << 20) + " -->\n"
    path = tmp_path / "bomb.xes.gz"
    path.write_bytes(gzip.compress(GOOD_XES.replace("</log>", padding + "</log>").encode()))
    assert path.stat().st_size < 100_000
    assert_refused(store, path, "more than 1 MB", "LOANFLOW_MAX_DECOMPRESSED_MB")


def test_row_limit(store, tmp_path, monkeypatch):
    monkeypatch.setenv("LOANFLOW_MAX_ROWS", "3")
    path = write_csv(
        tmp_path / "x.csv",
        ["case_id", "activity", "timestamp"],
        [[str(i), "a", "2025-01-01"] for i in range(5)],
    )
    assert_refused(store, path, "more than 3 rows", "LOANFLOW_MAX_ROWS")
    xes = tmp_path / "x.xes"
    xes.write_text(GOOD_XES, encoding="utf-8")
    assert_refused(store, xes, "more than 3 events")


def test_row_limit_read_stops_only_when_the_file_could_pass_it(tmp_path, monkeypatch):
    """The ordered LIMIT on a CSV read is left out only when the file is too small to hold
    more rows than the limit: every row has at least one byte per column."""
    from etl.readers import _csv_cap

    rows = [[f"c{i}", "a", "2025-01-01"] for i in range(10)]
    path = write_csv(tmp_path / "x.csv", ["case_id", "activity", "timestamp"], rows)
    size = path.stat().st_size
    monkeypatch.setenv("LOANFLOW_MAX_ROWS", str((size + 1) // 3))
    assert _csv_cap(path, ",") is None
    monkeypatch.setenv("LOANFLOW_MAX_ROWS", str((size + 1) // 3 - 1))
    assert _csv_cap(path, ",") == (size + 1) // 3
    # The tightest rows (empty fields, the last line unterminated) stay within the bound.
    tight = tmp_path / "tight.csv"
    tight.write_text("a,b,c\n" + ",,\n" * 9 + ",,", encoding="utf-8")
    lines = len(tight.read_text(encoding="utf-8").splitlines())
    assert lines == 11 and (tight.stat().st_size + 1) // 3 >= lines
    monkeypatch.setenv("LOANFLOW_MAX_ROWS", "11")
    assert _csv_cap(tight, ",") == 12


def test_parquet_over_the_row_limit_is_refused_from_its_footer(store, tmp_path, monkeypatch):
    import duckdb

    path = tmp_path / "big.parquet"
    duckdb.connect().execute(
        "COPY (SELECT 'c' || range AS case_id, 'a' AS activity, TIMESTAMP '2025-01-01' AS "
        f"timestamp FROM range(50)) TO '{path}' (FORMAT parquet)"
    )
    monkeypatch.setenv("LOANFLOW_MAX_ROWS", "49")
    assert_refused(store, path, "more than 49 rows", "LOANFLOW_MAX_ROWS")
    monkeypatch.setenv("LOANFLOW_MAX_ROWS", "50")
    assert ingest(path, "fifty", con=store).events == 50


def test_existing_dataset_needs_replace_or_append(store, tmp_path):
    path = write_csv(
        tmp_path / "x.csv", ["case_id", "activity", "timestamp"], [["1", "a", "2025-01-01"]]
    )
    ingest(path, "bad", con=store)
    assert_refused(store, path, "already exists", "--replace", "--append")


def test_bad_dataset_name(store, tmp_path):
    path = write_csv(
        tmp_path / "x.csv", ["case_id", "activity", "timestamp"], [["1", "a", "2025-01-01"]]
    )
    with pytest.raises(LoanFlowError, match="name"):
        ingest(path, "  ", con=store)
