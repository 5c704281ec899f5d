"""Large XES logs are parsed in chunks, two processes at once; the result is the single
parse's.

A log is cut at ``<trace>`` elements (or at ``<event>`` elements inside a trace larger
than a chunk) and a worker process parses chunks beside the loading process. These tests
compare that path, forced on small files by its size thresholds, with parsing the whole
document in one go, on generated logs built to trip a naive cut (``<trace`` inside
comments and processing instructions, attributes present in some chunks only, global
defaults, nested and list attributes, escapes, naive and offset timestamps) and on BPIC
2012; and they check that a failure on the way gives the single parse's message.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars
import pytest

from etl import settings, xes
from etl.errors import BadInputError
from etl.load import ingest, preview
from tests.test_etl_support import store_counts

MAX_BYTES = 1 << 31
TRACES = 40


def make_log(
    *,
    offset: str = "+08:00",
    header_comment: bool = False,
    big_header: bool = True,
    broken_trace: int | None = None,
    traces: int = TRACES,
) -> str:
    """An XES log of ``traces`` traces built to trip a naive cut.

    Every trace is preceded by a comment holding ``<trace>`` and the traces in the
    middle by a processing instruction holding ``<trace``, so whatever byte the cut aims
    at, the next ``<trace`` text is not a tag. The header carries a global event default
    (rustxes fills it into events without the attribute) and, with ``big_header``,
    thousands of nested log attributes. ``broken_trace`` gets a mismatched end tag.
    """
    meta = "".join(
        f'<string key="meta{i}" value="v{i}"><string key="sub" value="s&amp;{i}"/></string>\n'
        for i in range(3000 if big_header else 2)
    )
    comment = "<!-- written by the test; <trace> here is not a tag -->\n" if header_comment else ""
    header = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!-- a log for the two-part parse -->\n"
        '<log xes.version="1.0" xes.features="nested-attributes" '
        'xmlns="http://www.xes-standard.org/">\n'
        '<extension name="Concept" prefix="concept" '
        'uri="http://www.xes-standard.org/concept.xesext"/>\n'
        '<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
        f"{comment}"
        '<global scope="trace"><string key="concept:name" value="UNKNOWN"/></global>\n'
        '<global scope="event">\n  <string key="channel" value="branch"/>\n</global>\n'
        '<classifier name="Activity" keys="concept:name"/>\n'
        f'<string key="concept:name" value="generated">\n{meta}</string>\n'
    )
    body = [trace(i, traces, offset, broken=i == broken_trace) for i in range(traces)]
    return header + "".join(body) + "</log>\n"


def trace(i: int, traces: int, offset: str, *, broken: bool = False) -> str:
    """Trace ``i`` of ``traces``: three events; its attributes vary with ``i``."""
    late = f'<int key="late_score" value="{i * 7}"/>' if i >= traces * 0.8 else ""
    nested = f'<string key="branch" value="B{i % 3}"><int key="floor" value="{i % 5}"/></string>'
    pi = "<?marker <trace ?>\n" if traces * 0.3 < i < traces * 0.7 else ""
    events = []
    for j, activity in enumerate(["受理 &amp; 登記", "審核 &lt;初審&gt;", "放款"]):
        channel = "" if j == 1 else f'<string key="channel" value="c{(i + j) % 2}"/>'
        early = f'<string key="early_note" value="n{i}"/>' if i < 5 else ""
        listed = (
            f'<list key="items"><values><int key="item" value="{j}"/></values></list>'
            if j == 2
            else ""
        )
        events.append(
            f'<event><string key="concept:name" value="{activity}"/>'
            f'<string key="org:resource" value="u{(i * 3 + j) % 7}"/>{channel}{early}{listed}'
            f'<date key="time:timestamp" value="2025-03-{1 + i % 28:02d}T'
            f'{8 + j:02d}:{i % 60:02d}:00{offset}"/></event>\n'
        )
    end = "</traec>" if broken else "</trace>"
    return (
        f"<!-- <trace> {i} -->\n{pi}"
        f'<trace><string key="concept:name" value="L{i:04d}"/>'
        f'<float key="amount" value="{1000 + i * 12.5}"/>{late}{nested}\n'
        + "".join(events)
        + f"{end}\n"
    )


def write(path: Path, text: str) -> Path:
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


class Read:
    """What a read gave, kept after its temporary files are gone."""

    def __init__(self, result: xes.XesRead) -> None:
        self.parts, self.chunks, self.fallback = result.parts, result.chunks, result.fallback
        self.check = result.check
        self.frame = result.frame()
        self.rows = result.rows


def read(path: Path, **kwargs: Any) -> Read:
    with xes.read_xes(
        path, compressed=path.suffix == ".gz", max_bytes=MAX_BYTES, **kwargs
    ) as result:
        return Read(result)


def assert_same_frame(split: polars.DataFrame, whole: polars.DataFrame) -> None:
    """Same columns (as a set: rustxes orders them arbitrarily), same values, same order."""
    assert set(split.columns) == set(whole.columns)
    assert split.select(whole.columns).equals(whole)


def whole_parse(path: Path) -> polars.DataFrame:
    result = read(path, split_min_bytes=1 << 62, chunk_bytes=1 << 62)
    assert (result.parts, result.chunks) == (1, 1)
    return result.frame


SMALL_CHUNK = 2000  # bytes of traces: each chunk holds one or two of the test's traces


@pytest.mark.parametrize("name", ["log.xes", "log.xes.gz"])
@pytest.mark.parametrize("offset", ["+08:00", ""])
@pytest.mark.parametrize("header_comment", [False, True])
def test_chunked_parse_equals_single_parse(tmp_path, name, offset, header_comment):
    path = write(tmp_path / name, make_log(offset=offset, header_comment=header_comment))
    result = read(path, split_min_bytes=0, chunk_bytes=SMALL_CHUNK)
    assert (result.parts, result.fallback) == (2, None)
    assert result.chunks > 10
    assert result.check.naive_timestamps is (offset == "")
    whole = whole_parse(path)
    assert_same_frame(result.frame, whole)
    frame = result.frame
    assert frame.height == 3 * TRACES
    # What the generated log holds, as written above (independent of either parse).
    assert frame["case:concept:name"].unique(maintain_order=True).to_list() == [
        f"L{i:04d}" for i in range(TRACES)
    ]
    assert frame["concept:name"].to_list()[:3] == ["受理 & 登記", "審核 <初審>", "放款"]
    assert frame["channel"].to_list()[:3] == ["c0", "branch", "c0"]  # global default
    late = frame.filter(polars.col("case:late_score").is_not_null())
    assert late["case:concept:name"].unique().len() == TRACES - int(TRACES * 0.8)
    assert frame["early_note"].drop_nulls().len() == 15
    assert frame["case:branch"].to_list()[:1] == ["B0"]


def test_chunked_parse_without_the_list_of_comments(tmp_path, monkeypatch):
    """Too many comments to keep their offsets: the cut searches back for them instead."""
    monkeypatch.setattr(xes, "_MAX_OPENINGS", 3)
    path = write(tmp_path / "log.xes", make_log(header_comment=True))
    result = read(path, split_min_bytes=0, chunk_bytes=SMALL_CHUNK)
    assert result.check.openings is None
    assert (result.parts, result.fallback) == (2, None)
    assert_same_frame(result.frame, whole_parse(path))


def chunk_documents(path: Path, chunk_bytes: int) -> list[bytes]:
    """The documents the chunks of ``path`` are parsed as."""
    check = xes.scan_xes(path, compressed=False, max_bytes=MAX_BYTES)
    header = path.parent / "header.xml"
    chunks = xes.plan_chunks(path, header, check.openings, chunk_bytes)
    documents = []
    for number, chunk in enumerate(chunks):
        target = path.parent / f"chunk{number}.xes"
        xes.write_chunk(path, header, chunk, target)
        documents.append(target.read_bytes())
    return documents


def test_log_attributes_are_left_out_of_the_chunks_but_globals_kept(tmp_path):
    for header_comment in (False, True):
        document = make_log(header_comment=header_comment).encode()
        path = tmp_path / "log.xes"
        path.write_bytes(document)
        parts = chunk_documents(path, (len(document) - document.index(b"<!-- <trace> 0")) // 2)
        assert len(parts) == 2
        assert len(parts[0]) + len(parts[1]) < len(document)
        for part in parts:
            assert b"meta17" not in part
            assert b'<global scope="event">' in part
            assert b"<classifier " in part
            assert part.rstrip().endswith(b"</log>")
        # The second part goes on, after the header, with a trace's start tag.
        body = parts[1].split(b'<classifier name="Activity" keys="concept:name"/>', 1)[1]
        assert body.lstrip().startswith(b'<trace><string key="concept:name" value="L00')


def one_trace_log(events: int) -> str:
    """A log whose one trace holds ``events`` events (with comments holding ``<event``)."""
    body = "".join(
        f"<!-- <event> {i} -->\n"
        f'<event><string key="concept:name" value="A{i % 4}"/>'
        f'<date key="time:timestamp" value="2025-03-01T{i // 60 % 24:02d}:{i % 60:02d}:00Z"/>'
        "</event>\n"
        for i in range(events)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'
        '<trace><string key="concept:name" value="only"/><int key="amount" value="5"/>\n'
        f"{body}</trace>\n</log>\n"
    )


def test_a_trace_larger_than_a_chunk_is_cut_between_its_events(tmp_path):
    path = write(tmp_path / "one.xes", one_trace_log(300))
    documents = chunk_documents(path, 4000)
    assert len(documents) > 3
    for document in documents[1:]:  # each goes on with the trace's own attributes
        assert b'<trace><string key="concept:name" value="only"/><int key="amount"' in document
    result = read(path, split_min_bytes=0, chunk_bytes=4000)
    assert (result.parts, result.chunks) == (2, len(documents))
    whole = whole_parse(path)
    assert whole.height == 300
    assert_same_frame(result.frame, whole)
    assert result.frame["case:concept:name"].unique().to_list() == ["only"]
    assert result.frame["case:amount"].unique().to_list() == [5]


def test_bpic2012_chunked_parse_equals_single_parse(bpic2012_path):
    result = read(bpic2012_path, split_min_bytes=xes.SPLIT_MIN_BYTES)
    assert (result.parts, result.fallback, result.chunks) == (2, None, 6)
    whole = whole_parse(bpic2012_path)
    assert whole.height == 262_200
    assert_same_frame(result.frame, whole)


@pytest.mark.slow
def test_bpic2012_loads_exactly_through_the_chunked_parse(store, bpic2012_path):
    summary = ingest(bpic2012_path, "bpic2012", con=store)
    assert (summary.cases, summary.events, summary.activity_instances) == (
        13_087,
        262_200,
        164_509,
    )


@pytest.mark.parametrize("broken_trace", [TRACES - 3, 2])
def test_a_chunk_that_cannot_be_parsed_gives_the_single_parse_message(
    store, tmp_path, monkeypatch, broken_trace
):
    path = write(tmp_path / "broken.xes.gz", make_log(broken_trace=broken_trace))
    with pytest.raises(BadInputError) as single:
        read(path, split_min_bytes=1 << 62)
    assert "broken.xes.gz is not well-formed XES" in str(single.value)
    before = store_counts(store)
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(xes, "MIN_CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(xes, "CHUNK_BYTES", SMALL_CHUNK)
    with pytest.raises(BadInputError) as split:
        ingest(path, "broken", con=store)
    assert str(split.value) == str(single.value)
    assert store_counts(store) == before


def test_one_core_parses_in_one_process_by_default(tmp_path, monkeypatch):
    path = write(tmp_path / "log.xes", make_log())
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(xes, "CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(xes, "MIN_CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(xes, "_usable_cores", lambda: 1)
    assert (read(path).parts, read(path, split_min_bytes=0).parts) == (1, 2)
    assert read(path).chunks > 10
    monkeypatch.setattr(xes, "_usable_cores", lambda: 2)
    assert read(path).parts == 2


def test_without_a_worker_every_chunk_is_parsed_here(tmp_path, monkeypatch):
    path = write(tmp_path / "log.xes", make_log())
    monkeypatch.setattr(xes.sys, "executable", str(tmp_path / "no-such-python"))
    result = read(path, split_min_bytes=0, chunk_bytes=SMALL_CHUNK)
    assert (result.parts, result.fallback) == (1, None)
    assert result.chunks > 10
    assert_same_frame(result.frame, whole_parse(path))


def test_a_worker_that_stops_leaves_its_chunk_to_this_process(tmp_path, monkeypatch):
    """A worker that claimed chunks and died before writing them: this process parses
    them after all."""

    def dying_submit(self: xes._Worker, job: dict[str, Any]) -> bool:
        for index in (0, 3):
            (Path(job["folder"]) / f"claim-{index}").touch()
        return True

    path = write(tmp_path / "log.xes", make_log())
    monkeypatch.setattr(xes._Worker, "submit", dying_submit)
    result = read(path, split_min_bytes=0, chunk_bytes=SMALL_CHUNK)
    assert_same_frame(result.frame, whole_parse(path))


def test_temporary_files_are_removed_and_the_worker_stopped(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(xes.tempfile, "tempdir", str(scratch))
    path = write(tmp_path / "log.xes.gz", make_log())
    assert read(path, split_min_bytes=0, chunk_bytes=SMALL_CHUNK).parts == 2
    assert list(scratch.iterdir()) == []

    workers: list[subprocess.Popen[bytes]] = []
    start = xes._Worker.start

    def recording_start(self: xes._Worker) -> None:
        start(self)
        workers.append(self._process)

    def failing_parse(part: Path, name: str | None = None) -> None:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(xes._Worker, "start", recording_start)
    monkeypatch.setattr(xes, "parse_xes", failing_parse)
    with pytest.raises(RuntimeError, match="interrupted"):
        read(path, split_min_bytes=0, chunk_bytes=SMALL_CHUNK)
    assert workers and all(worker.returncode is not None for worker in workers)
    assert list(scratch.iterdir()) == []


def test_preview_of_a_large_log_reads_its_head(tmp_path, monkeypatch):
    path = write(tmp_path / "log.xes.gz", make_log())
    monkeypatch.setattr(xes, "HEAD_BYTES", 4000)
    head = read(path, split_min_bytes=0, head_rows=6)
    assert (head.parts, head.fallback) == (1, None)
    assert head.chunks > 2
    assert 6 <= head.frame.height < 3 * TRACES
    whole = whole_parse(path).head(head.frame.height)
    assert set(head.frame.columns) < set(whole.columns)  # late attributes come later
    assert whole.select(head.frame.columns).equals(head.frame)
    later = set(whole.columns) - set(head.frame.columns)
    assert all(whole[column].null_count() == whole.height for column in later)


def test_preview_of_a_large_log_parses_only_its_head(tmp_path, monkeypatch):
    document = make_log(traces=200)
    path = write(tmp_path / "log.xes.gz", document)
    reads: list[int] = []
    read_xes = xes.read_xes

    @contextlib.contextmanager
    def recording_read(*args: Any, **kwargs: Any) -> Iterator[xes.XesRead]:
        with read_xes(*args, **kwargs) as result:
            reads.append(result.events)
            yield result

    monkeypatch.setattr(xes, "read_xes", recording_read)
    header = document.index("<trace><string")
    monkeypatch.setattr(xes, "HEAD_BYTES", (len(document.encode()) - header) // 2)
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 0)
    shown = preview(path, rows=4)
    assert reads[-1] < 600
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 1 << 62)
    assert shown.rows == preview(path, rows=4).rows
    assert reads[-1] == 600


def test_worker_run_by_hand(tmp_path):
    source = write(tmp_path / "log.xes", make_log(big_header=False))
    target = tmp_path / "events.parquet"
    root = Path(xes.__file__).resolve().parent.parent
    run = [sys.executable, "-m", "etl.xes_worker"]
    done = subprocess.run([*run, str(source), str(target)], cwd=root, check=False)
    assert done.returncode == 0
    events = polars.read_parquet(target).drop(xes.PART_COLUMN, xes.INDEX_COLUMN)
    assert_same_frame(events, whole_parse(source))

    broken = write(tmp_path / "broken.xes", make_log(broken_trace=1))
    refused = subprocess.run(
        [*run, str(broken), str(tmp_path / "x.parquet")],
        cwd=root,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    assert refused.returncode == 1
    assert not (tmp_path / "x.parquet").exists()
    assert subprocess.run([*run, "only-one"], cwd=root, check=False).returncode == 2
    no_job = subprocess.run(run, cwd=root, input=b"", check=False, env=dict(os.environ))
    assert no_job.returncode == 0


def test_xes_attributes_are_stored_in_name_order_as_the_file_holds_them(store):
    """A trace's (and an event's) attributes have no order in XES, and the parser's column
    order changes from one process to the next: the stored JSON lists them by name, so two
    loads of one file store the same text. Values checked against pm4py's reading."""
    import json

    import pm4py

    path = Path(__file__).resolve().parent.parent / "sample_logs" / "after.xes.gz"
    ingest(path, "after", con=store)
    log = pm4py.read_xes(str(path), return_legacy_log_object=True)
    expected = {trace.attributes["concept:name"]: trace.attributes for trace in log}
    rows = store.execute("SELECT case_id, attributes FROM cases WHERE dataset = 'after'").fetchall()
    assert len(rows) == len(expected) == 2000
    for case_id, text in rows:
        stored = json.loads(text)
        assert list(stored) == sorted(stored)
        trace = expected[case_id]
        shared = set(stored) & set(trace)
        assert len(shared) >= 5
        assert all(str(stored[k]) == str(trace[k]) for k in shared)


# --- The early worker: started before the loader's imports, taken over by the read ------


@pytest.fixture
def early_on_small_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Small logs get an early worker and small chunks; temporary files go to the
    returned folder (so that the tests can see them removed)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(xes.tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(xes, "MIN_CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(xes, "CHUNK_BYTES", SMALL_CHUNK)
    monkeypatch.setattr(xes, "_usable_cores", lambda: 2)
    yield scratch
    xes.discard_early()


def read_as_loads_do(path: Path) -> Read:
    """A read with the loader's arguments (the cap from the settings, default sizes)."""
    cap = settings.decompressed_cap_bytes()
    with xes.read_xes(path, compressed=path.suffix == ".gz", max_bytes=cap) as result:
        return Read(result)


def taken_over(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the logs whose early worker a read took over (filled as it happens)."""
    names: list[str] = []
    planned = xes._read_planned

    def recording(early: Any, plan: dict[str, Any], name: str) -> xes.XesRead:
        names.append(name)
        return planned(early, plan, name)

    monkeypatch.setattr(xes, "_read_planned", recording)
    return names


@pytest.mark.parametrize("name", ["log.xes", "log.xes.gz"])
def test_an_early_worker_cuts_the_log_and_the_read_takes_it_over(
    tmp_path, monkeypatch, early_on_small_logs, name
):
    path = write(tmp_path / name, make_log())
    whole = whole_parse(path)
    taken = taken_over(monkeypatch)
    xes.start_early(path)
    worker = xes._early[path.resolve()].worker._process
    result = read_as_loads_do(path)
    assert taken == [name]
    assert (result.parts, result.fallback) == (2, None)
    assert result.chunks > 10
    assert_same_frame(result.frame, whole)
    assert result.check == read(path, split_min_bytes=1 << 62).check
    assert xes._early == {}
    assert worker is not None and worker.returncode is not None
    assert list(early_on_small_logs.iterdir()) == []


def test_a_log_the_early_worker_refuses_gets_this_process_message(
    tmp_path, monkeypatch, early_on_small_logs
):
    text = make_log().replace("<log ", '<!DOCTYPE log [<!ENTITY x "y">]>\n<log ', 1)
    path = write(tmp_path / "hostile.xes.gz", text)
    with pytest.raises(BadInputError) as alone:
        read(path)
    taken = taken_over(monkeypatch)
    xes.start_early(path)
    with pytest.raises(BadInputError) as early:
        read_as_loads_do(path)
    assert str(early.value) == str(alone.value)
    assert "DOCTYPE" in str(early.value)
    assert taken == []  # the worker's plan never came; this process scanned and refused
    assert xes._early == {}
    assert list(early_on_small_logs.iterdir()) == []


def test_an_early_worker_no_read_takes_is_stopped_and_its_files_removed(
    tmp_path, early_on_small_logs
):
    path = write(tmp_path / "log.xes.gz", make_log(traces=400))
    xes.start_early(path)
    worker = xes._early[path.resolve()].worker._process
    assert worker is not None
    assert worker.pid in settings._helpers  # its CPU counts as the load's own
    xes.discard_early()
    assert worker.returncode is not None
    assert worker.pid not in settings._helpers  # ended: its id may go to another process
    assert xes._early == {}
    assert list(early_on_small_logs.iterdir()) == []


def test_a_preview_leaves_the_early_worker_to_the_load(tmp_path, monkeypatch, early_on_small_logs):
    path = write(tmp_path / "log.xes", make_log())
    taken = taken_over(monkeypatch)
    xes.start_early(path)
    shown = preview(path, rows=3)
    assert taken == [] and path.resolve() in xes._early
    assert len(shown.rows) == 3
    assert_same_frame(read_as_loads_do(path).frame, whole_parse(path))
    assert taken == ["log.xes"]


def test_no_early_worker_where_it_would_not_help(tmp_path, monkeypatch):
    small = write(tmp_path / "log.xes.gz", make_log())
    xes.start_early(small)  # below SPLIT_MIN_BYTES
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 0)
    csv = tmp_path / "log.csv"
    csv.write_text("case,activity,time\n")
    xes.start_early(csv)  # not an XES log
    xes.start_early(tmp_path / "missing.xes")
    monkeypatch.setattr(xes, "_usable_cores", lambda: 1)
    xes.start_early(small)  # one free core: the parse stays in one process
    assert xes._early == {}


def test_the_cli_load_of_a_large_log_starts_its_worker_early(
    tmp_path, monkeypatch, early_on_small_logs
):
    from click.testing import CliRunner

    from loanflow.cli import main

    path = write(tmp_path / "log.xes.gz", make_log())
    taken = taken_over(monkeypatch)
    db = str(tmp_path / "store.duckdb")
    result = CliRunner().invoke(
        main, ["ingest", str(path), "--dataset", "early", "--db", db, "--json"]
    )
    assert result.exit_code == 0, result.output
    assert taken == ["log.xes.gz"]
    summary = json.loads(result.output[result.output.index("{") :])
    assert (summary["cases"], summary["events"]) == (TRACES, 3 * TRACES)
    assert xes._early == {}
    assert list(early_on_small_logs.iterdir()) == []


def test_a_helpers_cpu_time_counts_as_this_process_own(monkeypatch):
    """The cores an XES worker keeps busy are the load's: they count as idle when the load
    judges how many cores other work leaves it."""
    spin = "import time\nwhile time.process_time() < 0.3: pass\nprint(1, flush=True)\ninput()"
    helper = subprocess.Popen(
        [sys.executable, "-c", spin], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert helper.stdout is not None and helper.stdout.readline().strip() == "1"
        monkeypatch.setattr(settings, "_helpers", set())
        assert settings._helper_ticks() == 0
        settings.count_as_own(helper.pid)
        ticks = settings._helper_ticks() / os.sysconf("SC_CLK_TCK")
        assert 0.25 <= ticks <= 1.0  # the helper's CPU seconds, as the kernel counted them
    finally:
        helper.kill()
        helper.wait()
    assert settings._helper_ticks() == 0  # ended and reaped: nothing more to count
