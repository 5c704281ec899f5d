"""Fuzzing the readers: malformed files of every format end in LoanFlowError or a load.

Thousands of generated inputs (random bytes, CSV in random encodings with broken quoting,
XES tag soup, gzip garbage, damaged Excel and Parquet files) go through the real loader's
reading, mapping and staging (``etl.load.preview``) and, for a share of them, a whole
``ingest`` dry run. Each must give a result or LoanFlow's own error: never another
exception, never a hang (a deadline per input).
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from etl.errors import LoanFlowError
from etl.load import ingest, preview
from etl.store import connect

FUZZ = settings(
    max_examples=200,
    deadline=10_000,  # generous on a busy machine; a hang still fails
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)

HEADERS = [
    "case_id",
    "activity",
    "timestamp",
    "resource",
    "department",
    "lifecycle:transition",
    "申請編號",
    "活動",
    "時間",
    "開始時間",
    "結束時間",
    "經辦人",
    "部門",
    "案件編號",
    "環節",
    "start",
    "end",
    "amount",
    "",
    " ",
    '"',
    "a,b",
    "x\ny",
]
CELLS = st.one_of(
    st.sampled_from(
        [
            "2025-01-01 10:00:00",
            "2025-13-45 25:61:00",
            "2025/02/03 09:15",
            "1700000000",
            "2025-01-01T10:00:00+08:00",
            "not a date",
            "",
            "NULL",
            "申請",
            "放款",
            "信貸部",
            "=cmd|' /C calc'!A0",
            '"',
            '""',
            "a,b",
            "line\nbreak",
            "\x00",
            "\ufeff",
            "-1e309",
        ]
    ),
    st.text(max_size=12),
)
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "latin-1", "cp1252", "shift_jis"]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One migrated store for the whole-ingest dry runs (each is rolled back)."""
    con = connect(tmp_path_factory.mktemp("fuzz") / "store.duckdb")
    yield con
    con.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inputs")


def load_or_refuse(path: Path, store: duckdb.DuckDBPyConnection | None = None) -> Any:
    """The loader's answer for a file: its preview (or dry-run summary), or its LoanFlowError."""
    try:
        if store is None:
            return preview(path)
        return ingest(path, "fuzz", con=store, dry_run=True)
    except LoanFlowError as exc:
        assert str(exc), "a LoanFlowError must say what was wrong"
        return exc


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- CSV -------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=400), name=st.sampled_from(["x.csv", "x.tsv", "x.txt"]))
@example(data=b"\xff\xfe\x00\x00garbage", name="x.csv")
@example(data=b"case_id,activity,timestamp\n", name="x.csv")
def test_random_bytes_as_csv(folder: Path, data: bytes, name: str) -> None:
    load_or_refuse(write(folder, name, data))


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(1, 6))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=width + 2), max_size=12))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    quote = draw(st.booleans())

    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quote else value

    lines = [delimiter.join(cell(h) for h in header)]
    lines += [delimiter.join(cell(c) for c in row) for row in rows]
    text = draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)
    encoded = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    cut = draw(st.integers(0, len(encoded)))
    return encoded[:cut] if draw(st.booleans()) else encoded


@FUZZ
@given(data=csv_files())
def test_csv_in_random_encodings_and_shapes(folder: Path, data: bytes) -> None:
    load_or_refuse(write(folder, "log.csv", data))


@settings(FUZZ, max_examples=60)
@given(data=csv_files())
def test_csv_whole_ingest_dry_run(
    folder: Path, shared_store: duckdb.DuckDBPyConnection, data: bytes
) -> None:
    load_or_refuse(write(folder, "log.csv", data), shared_store)
    assert shared_store.execute("SELECT count(*) FROM datasets").fetchone() == (0,)


# --- XES -------------------------------------------------------------------------------

XES_PIECES = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<log xes.version="1.0">',
    "</log>",
    "<trace>",
    "</trace>",
    "<event>",
    "</event>",
    '<string key="concept:name" value="c1"/>',
    '<string key="concept:name" value="申請"/>',
    '<string key="org:resource" value="u1"/>',
    '<string key="lifecycle:transition" value="start"/>',
    '<date key="time:timestamp" value="2025-01-01T10:00:00+08:00"/>',
    '<date key="time:timestamp" value="2025-01-01T10:00:00"/>',
    '<date key="time:timestamp" value="yesterday"/>',
    '<int key="amount" value="12x"/>',
    '<float key="amount" value="1e999"/>',
    '<boolean key="b" value="maybe"/>',
    '<list key="l"><values><string key="v" value="1"/></values></list>',
    '<string key="concept:name" value="&amp;&lt;&unknown;"/>',
    '<string key="x" value="unterminated',
    "<![CDATA[ raw ]]>",
    "<!-- comment -->",
    '<global scope="event"><string key="concept:name" value="?"/></global>',
    '<extension name="Concept" prefix="concept" uri="http://x"/>',
    "<",
    ">",
    "&",
    "\x00",
    "<event/>",
    "<trace/>",
]


@st.composite
def xes_documents(draw: st.DrawFn) -> bytes:
    pieces = draw(st.lists(st.sampled_from(XES_PIECES), max_size=30))
    if draw(st.booleans()):
        pieces = [XES_PIECES[0], XES_PIECES[1], *pieces, "</log>"]
    data = "".join(pieces).encode("utf-8")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=20))
    return data


@settings(FUZZ, max_examples=300)
@given(data=xes_documents())
@example(data=b'<log><trace><event><date key="time:timestamp" value="x"/></event></trace></log>')
@example(data=b'<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0"></log>')
def test_xes_tag_soup(folder: Path, data: bytes) -> None:
    load_or_refuse(write(folder, "log.xes", data))


@settings(FUZZ, max_examples=150)
@given(data=xes_documents(), cut=st.floats(0, 1))
def test_xes_gz_of_tag_soup_cut_anywhere(folder: Path, data: bytes, cut: float) -> None:
    packed = gzip.compress(data)
    load_or_refuse(write(folder, "log.xes.gz", packed[: max(2, int(len(packed) * cut))]))


@settings(FUZZ, max_examples=200)
@given(
    data=st.one_of(
        st.binary(max_size=300).map(lambda b: b"\x1f\x8b" + b),
        st.binary(max_size=300).map(gzip.compress),
        st.binary(max_size=300).map(lambda b: gzip.compress(b) + b),
    ),
    name=st.sampled_from(["log.xes.gz", "log.gz", "log.csv.gz", "log.xes"]),
)
def test_gzip_garbage(folder: Path, data: bytes, name: str) -> None:
    load_or_refuse(write(folder, name, data))


# --- Excel and Parquet -----------------------------------------------------------------


@st.composite
def broken_workbooks(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return b"PK\x03\x04" + draw(st.binary(max_size=200))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", draw(st.binary(max_size=100)))
        members = draw(
            st.lists(
                st.sampled_from(
                    [
                        "[Content_Types].xml",
                        "xl/worksheets/sheet1.xml",
                        "xl/sharedStrings.xml",
                        "xl/_rels/workbook.xml.rels",
                        "xl/styles.xml",
                    ]
                ),
                max_size=5,
                unique=True,
            )
        )
        for member in members:
            archive.writestr(
                member,
                draw(
                    st.one_of(
                        st.binary(max_size=120),
                        st.sampled_from(
                            [
                                b"<worksheet><sheetData><row><c><v>1</v></c></row></sheetData></worksheet>",
                                b"<?xml version='1.0'?><sst><si><t>x</t></si></sst>",
                                b"<",
                                b"",
                            ]
                        ),
                    )
                ),
            )
    return buffer.getvalue()


@settings(FUZZ, max_examples=150)
@given(data=broken_workbooks())
def test_broken_workbooks(folder: Path, data: bytes) -> None:
    load_or_refuse(write(folder, "log.xlsx", data))


@settings(FUZZ, max_examples=150)
@given(
    data=st.one_of(
        st.binary(max_size=300).map(lambda b: b"PAR1" + b),
        st.binary(max_size=300).map(lambda b: b"PAR1" + b + b"PAR1"),
    )
)
def test_broken_parquet(folder: Path, data: bytes) -> None:
    load_or_refuse(write(folder, "log.parquet", data))


def test_a_fuzzed_shape_that_is_valid_loads(folder: Path) -> None:
    """The harness can tell a load from a refusal: a clean sample of its own shapes loads."""
    text = "case_id;activity;timestamp\nc1;申請;2025-01-01 10:00:00\nc1;放款;2025-01-02 10:00:00\n"
    result = load_or_refuse(write(folder, "ok.csv", text.encode("gb18030")))
    assert not isinstance(result, LoanFlowError), result
    assert [row["activity"] for row in result.rows] == ["申請", "放款"]
