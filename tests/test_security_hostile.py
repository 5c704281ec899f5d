"""Hostile files against the real loader: each ends in a clear LoanFlowError, nothing lost.

XML external entities, billion laughs, gzip bombs made on the fly, files over the row
limit in every format: the load is refused with a message saying what and why, and the
dataset already in the store under that name is left exactly as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path

import pytest

from etl.errors import LoanFlowError
from etl.load import ingest
from etl.store import connect

EVENT = (
    '<event><string key="concept:name" value="{activity}"/>'
    '<string key="org:resource" value="u1"/>'
    '<date key="time:timestamp" value="2025-01-0{day}T10:00:00+00:00"/></event>'
)


def trace(case: str, activity: str = "申請") -> str:
    events = "".join(EVENT.format(activity=activity, day=d) for d in (1, 2))
    return f'<trace><string key="concept:name" value="{case}"/>{events}</trace>'


def xes(body: str, prolog: str = "") -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + prolog
    return (head + '<log xes.version="1.0">' + body + "</log>\n").encode()


def csv_log(rows: int) -> bytes:
    lines = ["case_id,activity,timestamp,resource"]
    lines += [f"c{i // 3},A{i % 3},2025-01-01 {10 + i % 3:02d}:00:00,u{i % 7}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def store_fingerprint(db: Path) -> str:
    """A digest of every row of every LoanFlow table (to prove nothing changed)."""
    con = connect(db)
    digest = hashlib.sha256()
    for table in ("datasets", "events", "activity_instances", "cases", "rejects"):
        rows = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        digest.update(repr(rows).encode())
    con.close()
    return digest.hexdigest()


@pytest.fixture
def loaded(db_path: Path, tmp_path: Path) -> Path:
    """A store holding the dataset 'loans' (9 events), which hostile loads try to replace."""
    good = tmp_path / "good.csv"
    good.write_bytes(csv_log(9))
    ingest(good, "loans", db=db_path)
    return db_path


def refused(db: Path, path: Path, *words: str) -> str:
    """Load ``path`` over 'loans'; it must be refused clearly and change nothing."""
    before = store_fingerprint(db)
    with pytest.raises(LoanFlowError) as caught:
        ingest(path, "loans", db=db, mode="replace")
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert store_fingerprint(db) == before
    con = connect(db)
    assert con.execute("SELECT events FROM datasets WHERE name = 'loans'").fetchone() == (9,)
    con.close()
    return message


def test_xxe_with_external_entity_is_refused(loaded: Path, tmp_path: Path) -> None:
    path = tmp_path / "xxe.xes"
    prolog = '<!DOCTYPE log [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    path.write_bytes(xes(trace("&xxe;"), prolog))
    refused(loaded, path, "DOCTYPE")
    con = connect(loaded)
    dump = repr(con.execute("SELECT * FROM events").fetchall())
    con.close()
    assert "root:" not in dump


def test_xxe_parameter_entity_and_lowercase_doctype_are_refused(
    loaded: Path, tmp_path: Path
) -> None:
    path = tmp_path / "param.xes"
    prolog = '<!doctype log [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>\n'
    path.write_bytes(xes(trace("c1"), prolog))
    refused(loaded, path, "DOCTYPE")


def test_billion_laughs_is_refused(loaded: Path, tmp_path: Path) -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    path = tmp_path / "laughs.xes"
    path.write_bytes(xes(trace("&lol9;"), f"<!DOCTYPE log [{entities}]>\n"))
    refused(loaded, path, "DOCTYPE")


def test_declaration_hidden_past_the_first_megabyte_is_refused(
    loaded: Path, tmp_path: Path
) -> None:
    """A declaration straddling the reader's chunk boundary is still found."""
    filler = "<!-- " + "x" * ((1 << 20) - 80) + " -->"
    prolog = filler + '<!ENTITY xxe SYSTEM "file:///etc/passwd">'
    path = tmp_path / "late.xes"
    path.write_bytes(xes(trace("c1"), prolog))
    refused(loaded, path, "ENTITY")


def write_gzip_bomb(path: Path, megabytes: int) -> None:
    """A .xes.gz that decompresses to ``megabytes`` MB of blank space inside a log."""
    block = b" " * (1 << 20)
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">')
        out.write(trace("c1").encode())
        for _ in range(megabytes):
            out.write(block)
        out.write(b"</log>\n")


def test_gzip_bomb_is_stopped_at_the_cap(
    loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOANFLOW_MAX_DECOMPRESSED_MB", "8")
    path = tmp_path / "bomb.xes.gz"
    write_gzip_bomb(path, 64)
    assert path.stat().st_size < 1 << 20  # under a megabyte on disk, 64 MB inside
    refused(loaded, path, "LOANFLOW_MAX_DECOMPRESSED_MB")


def test_gzip_under_the_cap_loads(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same kind of file below the cap is an ordinary log (the cap is what refused)."""
    monkeypatch.setenv("LOANFLOW_MAX_DECOMPRESSED_MB", "8")
    path = tmp_path / "small.xes.gz"
    write_gzip_bomb(path, 2)
    summary = ingest(path, "small", db=db_path)
    assert (summary.events, summary.cases) == (2, 1)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cut.xes.gz", "truncated"),
        ("garbage.xes.gz", "garbage"),
        ("cut.csv.gz", "truncated csv"),
    ],
)
def test_broken_or_unexpected_gzip_is_refused(
    loaded: Path, tmp_path: Path, name: str, content: str
) -> None:
    whole = gzip.compress(xes(trace("c1") * 50))
    data = {
        "truncated": whole[: len(whole) // 2],
        "garbage": whole[:10] + b"\x00garbage" * 100,
        "truncated csv": gzip.compress(csv_log(2000))[:-200],
    }[content]
    path = tmp_path / name
    path.write_bytes(data)
    refused(loaded, path)


def _write_rows(path: Path, fmt: str, rows: int) -> None:
    if fmt == "csv":
        path.write_bytes(csv_log(rows))
    elif fmt == "xes":
        path.write_bytes(xes("".join(trace(f"c{i}") for i in range(rows // 2))))
    elif fmt == "parquet":
        import pandas as pd

        pd.read_csv(io.BytesIO(csv_log(rows))).to_parquet(path)
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for line in csv_log(rows).decode().splitlines():
            sheet.append(line.split(","))
        book.save(path)


@pytest.mark.parametrize("fmt", ["csv", "xes", "parquet", "xlsx"])
def test_more_rows_than_max_rows_is_refused(
    loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setenv("LOANFLOW_MAX_ROWS", "100")
    path = tmp_path / f"big.{fmt}"
    _write_rows(path, fmt, 240)
    refused(loaded, path, "LOANFLOW_MAX_ROWS")
    small = tmp_path / f"small.{fmt}"
    _write_rows(small, fmt, 60)
    assert ingest(small, "small", db=loaded).events == 60  # under the limit it loads


def test_xlsx_with_entity_declarations_does_not_expand(loaded: Path, tmp_path: Path) -> None:
    """An .xlsx whose sheet XML declares entities: refused, or loaded without expansion."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in csv_log(9).decode().splitlines():
        sheet.append(line.split(","))
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    hostile = tmp_path / "hostile.xlsx"
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    entities += '<!ENTITY xxe SYSTEM "file:///etc/passwd">'
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename in ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"):
                text = data.decode()
                root = text.index("<", text.index("?>") + 2 if text.startswith("<?") else 0)
                text = text[:root] + f"<!DOCTYPE x [{entities}]>" + text[root:]
                data = text.replace(">A0<", ">&lol9;&xxe;<").encode()
            target.writestr(item, data)
    try:
        summary = ingest(hostile, "hostile", db=loaded)
    except LoanFlowError:
        return
    con = connect(loaded)
    dump = repr(con.execute("SELECT * FROM events WHERE dataset = 'hostile'").fetchall())
    con.close()
    assert summary.events > 0
    assert "lollollol" not in dump and "root:" not in dump
