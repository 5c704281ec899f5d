"""Compressed exports: .csv.gz, .tsv.gz, .zip (one log, several, .xlsx inside), and the
safety caps (inflated size, unsafe member paths, nested archives)."""

from __future__ import annotations

import gzip
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from etl.archives import ArchiveMembersError
from etl.errors import BadInputError
from etl.load import ingest, preview
from loanflow.cli import main
from tests.test_etl_support import write_csv

HEADER = ["申請編號", "活動", "時間", "經辦人", "部門"]
ROWS = [
    ["L1", "受理", "2025-01-02 09:00", "王小明", "客戶經理部"],
    ["L1", "資料審核", "2025-01-02 11:30", "李大華", "信貸部"],
    ["L1", "放款", "2025-01-03 09:00", "陳", "運營部"],
    ["L2", "受理", "2025-01-04 10:00", "王小明", "客戶經理部"],
    ["L2", "拒絕通知", "2025-01-05 16:00", "趙", "風險管理部"],
]


def _events(store, dataset):
    return store.execute(
        "SELECT event_id, case_id, activity, ts, resource, department FROM events "
        "WHERE dataset = ? ORDER BY event_id",
        [dataset],
    ).fetchall()


@pytest.fixture(autouse=True)
def own_temp_folder(tmp_path, monkeypatch):
    """Temporary files go to a folder of the test's own, so a leftover can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_gb18030_csv_gzipped_loads_as_the_plain_file_does(store, tmp_path, own_temp_folder):
    plain = write_csv(tmp_path / "export.csv", HEADER, ROWS, encoding="gb18030")
    packed = tmp_path / "export.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    reference = ingest(plain, "plain", con=store)
    summary = ingest(packed, "packed", con=store)
    assert summary.encoding == "gb18030" and summary.format == "csv"
    assert (summary.archive, summary.member) == ("gzip", "export.csv")
    assert (summary.events, summary.activity_instances, summary.cases) == (5, 5, 2)
    assert _events(store, "packed") == _events(store, "plain")
    assert reference.events == summary.events
    assert {r[2] for r in _events(store, "packed")} == {"受理", "資料審核", "放款", "拒絕通知"}
    assert list(own_temp_folder.iterdir()) == []  # the inflated copy is gone


def test_big5_csv_in_a_zip_loads(store, tmp_path):
    data = write_csv(tmp_path / "x.csv", HEADER, ROWS, encoding="big5").read_bytes()
    summary = ingest(_zip(tmp_path / "export.zip", {"匯出/申請紀錄.csv": data}), "z", con=store)
    assert summary.encoding == "big5"
    assert (summary.archive, summary.member) == ("zip", "匯出/申請紀錄.csv")
    assert [r[4] for r in _events(store, "z")] == ["王小明", "李大華", "陳", "王小明", "趙"]
    assert store.execute("SELECT source_format FROM datasets").fetchone() == ("csv",)


def test_tsv_gz_and_a_gz_without_a_telling_name(store, tmp_path):
    tsv = write_csv(tmp_path / "e.tsv", HEADER, ROWS, delimiter="\t").read_bytes()
    (tmp_path / "e.tsv.gz").write_bytes(gzip.compress(tsv))
    (tmp_path / "export.gz").write_bytes(gzip.compress(tsv))
    first = ingest(tmp_path / "e.tsv.gz", "tsv", con=store)
    second = ingest(tmp_path / "export.gz", "bare", con=store)
    assert first.delimiter == second.delimiter == "\t"
    assert _events(store, "tsv") == _events(store, "bare") and len(_events(store, "tsv")) == 5


def test_xlsx_inside_a_zip(store, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    summary = ingest(_zip(tmp_path / "x.zip", {"log.xlsx": buffer.getvalue()}), "x", con=store)
    assert summary.format == "xlsx" and summary.member == "log.xlsx"
    assert [r[2] for r in _events(store, "x")] == [r[1] for r in ROWS]


def test_several_logs_need_a_choice_and_the_message_lists_them(store, tmp_path):
    first = write_csv(tmp_path / "a.csv", HEADER, ROWS[:3]).read_bytes()
    second = write_csv(tmp_path / "b.csv", HEADER, ROWS[3:]).read_bytes()
    archive = _zip(
        tmp_path / "two.zip",
        {
            "jan.csv": first,
            "feb/feb.csv": second,
            "README.md": b"notes",
            "__MACOSX/._jan.csv": b"x",
        },
    )
    with pytest.raises(ArchiveMembersError) as caught:
        ingest(archive, "two", con=store)
    assert caught.value.members == ["jan.csv", "feb/feb.csv"]
    assert "jan.csv, feb/feb.csv" in str(caught.value)
    assert ingest(archive, "feb", con=store, member="feb/feb.csv").cases == 1
    assert ingest(archive, "jan", con=store, member="jan.csv").events == 3
    with pytest.raises(ArchiveMembersError, match=r"no file named 'mar\.csv'"):
        ingest(archive, "mar", con=store, member="mar.csv")
    assert preview(archive, member="feb.csv").member == "feb/feb.csv"  # a base name will do


def test_cli_lists_the_members_and_takes_member(tmp_path):
    data = write_csv(tmp_path / "a.csv", HEADER, ROWS).read_bytes()
    archive = _zip(tmp_path / "two.zip", {"one.csv": data, "two.csv": data})
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    args = ["ingest", str(archive), "--dataset", "d", "--db", db, "--no-prepare"]
    refused = runner.invoke(main, args)
    assert refused.exit_code == 2
    assert "one.csv, two.csv" in refused.stderr and "--member NAME" in refused.stderr
    assert "Traceback" not in refused.output
    loaded = runner.invoke(main, [*args, "--member", "two.csv", "--json"])
    assert loaded.exit_code == 0, loaded.output
    out = json.loads(loaded.stdout)
    assert (out["archive"], out["member"], out["events"]) == ("zip", "two.csv", 5)
    text = runner.invoke(main, [*args[:3], "e", *args[4:], "--member", "one.csv"])
    assert "Loaded one.csv in " in text.stdout


@pytest.mark.parametrize(
    "name", ["../../evil.csv", "/etc/evil.csv", "C:/evil.csv", "a/../../b.csv"]
)
def test_unsafe_member_paths_refuse_the_archive(store, tmp_path, name):
    data = write_csv(tmp_path / "a.csv", HEADER, ROWS).read_bytes()
    archive = _zip(tmp_path / "bad.zip", {"good.csv": data, name: data})
    with pytest.raises(BadInputError, match="unsafe path"):
        ingest(archive, "bad", con=store, member="good.csv")
    assert store.execute("SELECT count(*) FROM datasets").fetchone() == (0,)


def _bomb_csv(megabytes: int) -> bytes:
    line = b"L1,\xe5\x8f\x97\xe7\x90\x86,2025-01-02 09:00,u,d\n"
    return b"case,activity,time,resource,department\n" + line * (megabytes * 2**20 // len(line))


def test_gzip_bomb_is_stopped_at_the_inflated_size_cap(
    store, tmp_path, monkeypatch, own_temp_folder
):
    monkeypatch.setenv("LOANFLOW_MAX_DECOMPRESSED_MB", "2")
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(_bomb_csv(5), compresslevel=9))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(BadInputError, match="decompresses to more than 2 MB"):
        ingest(bomb, "bomb", con=store)
    assert list(own_temp_folder.iterdir()) == []


def test_zip_bomb_is_refused_by_its_size_before_inflating(store, tmp_path, monkeypatch):
    monkeypatch.setenv("LOANFLOW_MAX_DECOMPRESSED_MB", "2")
    bomb = _zip(tmp_path / "bomb.zip", {"bomb.csv": _bomb_csv(5)})
    with pytest.raises(
        BadInputError, match="to 5 MB, more than 2 MB, the limit set by LOANFLOW_MAX_DEC"
    ):
        ingest(bomb, "bomb", con=store)


def test_zip_that_understates_its_size_is_stopped_while_inflating(store, tmp_path, monkeypatch):
    """A member whose headers claim 1 KB but which inflates to 5 MB: the read stops at the
    claimed size and the archive is reported damaged, never written out whole."""
    monkeypatch.setenv("LOANFLOW_MAX_DECOMPRESSED_MB", "2")
    data = _bomb_csv(5)
    archive = _zip(tmp_path / "liar.zip", {"liar.csv": data})
    raw = bytearray(archive.read_bytes())
    size = len(data).to_bytes(4, "little")
    assert raw.count(size) == 2  # the local header and the central directory
    archive.write_bytes(bytes(raw).replace(size, (1024).to_bytes(4, "little")))
    with pytest.raises(BadInputError, match=r"damaged|Bad CRC"):
        ingest(archive, "liar", con=store)


def test_nested_archives_and_archives_without_logs_are_refused(store, tmp_path):
    data = write_csv(tmp_path / "a.csv", HEADER, ROWS).read_bytes()
    nested = _zip(tmp_path / "nested.zip", {"inner.csv.gz": gzip.compress(data)})
    with pytest.raises(BadInputError, match="another compressed file"):
        ingest(nested, "n", con=store)
    empty = _zip(tmp_path / "docs.zip", {"notes.md": b"# notes"})
    with pytest.raises(BadInputError, match=r"no log LoanFlow reads.*notes\.md"):
        ingest(empty, "e", con=store)
    inner_zip = _zip(tmp_path / "inner.zip", {"a.csv": data})
    (tmp_path / "double.csv.gz").write_bytes(gzip.compress(inner_zip.read_bytes()))
    with pytest.raises(BadInputError, match="itself compressed"):
        ingest(tmp_path / "double.csv.gz", "d", con=store)


def test_broken_archives_get_clear_messages(store, tmp_path):
    data = gzip.compress(write_csv(tmp_path / "a.csv", HEADER, ROWS).read_bytes())
    (tmp_path / "cut.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInputError, match="truncated gzip"):
        ingest(tmp_path / "cut.csv.gz", "cut", con=store)
    whole = _zip(tmp_path / "whole.zip", {"a.csv": b"x" * 5000}).read_bytes()
    (tmp_path / "cut.zip").write_bytes(whole[: len(whole) - 30])
    with pytest.raises(BadInputError, match="not a readable zip archive"):
        ingest(tmp_path / "cut.zip", "cutzip", con=store)
    with pytest.raises(BadInputError, match="not a zip archive"):
        ingest(write_csv(tmp_path / "b.csv", HEADER, ROWS), "m", con=store, member="x.csv")


def test_preview_of_a_compressed_csv(tmp_path):
    plain = write_csv(tmp_path / "export.csv", HEADER, ROWS, encoding="gb18030")
    packed = tmp_path / "export.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    found = preview(packed, rows=3)
    assert found.archive == "gzip" and found.encoding == "gb18030"
    assert [r["activity"] for r in found.rows] == ["受理", "資料審核", "放款"]


def test_a_zip_member_with_corrupt_deflate_data_is_damaged(store, tmp_path):
    data = write_csv(tmp_path / "a.csv", HEADER, ROWS * 200).read_bytes()
    archive = _zip(tmp_path / "bad.zip", {"a.csv": data})
    raw = bytearray(archive.read_bytes())
    start = 30 + len("a.csv")  # the member's compressed data follows its local header
    raw[start + 40 : start + 60] = b"\xff" * 20
    archive.write_bytes(bytes(raw))
    with pytest.raises(BadInputError, match="damaged"):
        ingest(archive, "bad", con=store)
    assert store.execute("SELECT count(*) FROM datasets").fetchone() == (0,)


def test_stored_and_bzip2_members_are_read_by_the_zipfile_module(store, tmp_path):
    data = write_csv(tmp_path / "a.csv", HEADER, ROWS).read_bytes()
    for method, name in ((zipfile.ZIP_STORED, "stored"), (zipfile.ZIP_BZIP2, "bzip2")):
        path = tmp_path / f"{name}.zip"
        with zipfile.ZipFile(path, "w", compression=method) as archive:
            archive.writestr("a.csv", data)
        assert ingest(path, name, con=store).events == 5
