"""Large XES logs are parsed in two parts at once; the result is the single parse's.

A log is cut at a ``<trace>`` element and a worker process parses the second part while
the loading process parses the first. These tests compare that path, forced on small
files by its size threshold, with parsing the whole document in one go, on generated logs
built to trip a naive cut (``<trace`` inside comments and processing instructions,
attributes present in one part only, global defaults, nested and list attributes,
escapes, naive and offset timestamps) and on BPIC 2012; and they check that every failure
on the way falls back to the single parse with the message it gives.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import polars
import pytest

from etl import xes
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


def read(path: Path, **kwargs: object) -> xes.XesRead:
    return xes.read_xes(
        path,
        compressed=path.suffix == ".gz",
        max_bytes=MAX_BYTES,
        **kwargs,
    )


def assert_same_frame(split: polars.DataFrame, whole: polars.DataFrame) -> None:
    """Same columns (as a set: rustxes orders them arbitrarily), same values, same order."""
    assert set(split.columns) == set(whole.columns)
    assert split.select(whole.columns).equals(whole)


def whole_parse(path: Path) -> polars.DataFrame:
    result = read(path, split_min_bytes=1 << 62)
    assert result.parts == 1
    return result.frame


@pytest.mark.parametrize("name", ["log.xes", "log.xes.gz"])
@pytest.mark.parametrize("offset", ["+08:00", ""])
@pytest.mark.parametrize("header_comment", [False, True])
def test_two_part_parse_equals_single_parse(tmp_path, name, offset, header_comment):
    path = write(tmp_path / name, make_log(offset=offset, header_comment=header_comment))
    result = read(path, split_min_bytes=0)
    assert (result.parts, result.fallback) == (2, None)
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


def test_two_part_parse_without_the_list_of_comments(tmp_path, monkeypatch):
    """Too many comments to keep their offsets: the cut searches back for them instead."""
    monkeypatch.setattr(xes, "_MAX_OPENINGS", 3)
    path = write(tmp_path / "log.xes", make_log(header_comment=True))
    result = read(path, split_min_bytes=0)
    assert result.check.openings is None
    assert (result.parts, result.fallback) == (2, None)
    assert_same_frame(result.frame, whole_parse(path))


def test_log_attributes_are_left_out_of_the_parts_but_globals_kept(tmp_path):
    for header_comment in (False, True):
        document = make_log(header_comment=header_comment).encode()
        path = tmp_path / "log.xes"
        path.write_bytes(document)
        check = xes.scan_xes(path, compressed=False, max_bytes=MAX_BYTES)
        first, second = tmp_path / "one.xes", tmp_path / "two.xes"
        xes._write_parts(path, first, second, check.openings, share=0.5)
        parts = [first.read_bytes(), second.read_bytes()]
        assert len(parts[0]) + len(parts[1]) < len(document)
        for part in parts:
            assert b"meta17" not in part
            assert b'<global scope="event">' in part
            assert b"<classifier " in part
            assert part.rstrip().endswith(b"</log>")
        # The second part goes on, after the header, with a trace's start tag.
        body = parts[1].split(b'<classifier name="Activity" keys="concept:name"/>', 1)[1]
        assert body.lstrip().startswith(b'<trace><string key="concept:name" value="L00')


def test_bpic2012_two_part_parse_equals_single_parse(bpic2012_path):
    result = read(bpic2012_path, split_min_bytes=xes.SPLIT_MIN_BYTES)
    assert (result.parts, result.fallback) == (2, None)
    whole = whole_parse(bpic2012_path)
    assert whole.height == 262_200
    assert_same_frame(result.frame, whole)


@pytest.mark.slow
def test_bpic2012_loads_exactly_through_the_two_part_parse(store, bpic2012_path):
    summary = ingest(bpic2012_path, "bpic2012", con=store)
    assert (summary.cases, summary.events, summary.activity_instances) == (
        13_087,
        262_200,
        164_509,
    )


@pytest.mark.parametrize("broken_trace", [TRACES - 3, 2])
def test_a_part_that_cannot_be_parsed_gives_the_single_parse_message(
    store, tmp_path, monkeypatch, broken_trace
):
    path = write(tmp_path / "broken.xes.gz", make_log(broken_trace=broken_trace))
    with pytest.raises(BadInputError) as single:
        read(path, split_min_bytes=1 << 62)
    assert "broken.xes.gz is not well-formed XES" in str(single.value)
    before = store_counts(store)
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 0)
    with pytest.raises(BadInputError) as split:
        ingest(path, "broken", con=store)
    assert str(split.value) == str(single.value)
    assert store_counts(store) == before


def test_one_core_parses_whole_by_default(tmp_path, monkeypatch):
    path = write(tmp_path / "log.xes", make_log())
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(xes, "_usable_cores", lambda: 1)
    assert (read(path).parts, read(path, split_min_bytes=0).parts) == (1, 2)
    monkeypatch.setattr(xes, "_usable_cores", lambda: 2)
    assert read(path).parts == 2


def test_a_failing_worker_falls_back_to_the_single_parse(tmp_path, monkeypatch):
    path = write(tmp_path / "log.xes", make_log())
    monkeypatch.setattr(xes.sys, "executable", str(tmp_path / "no-such-python"))
    result = read(path, split_min_bytes=0)
    assert result.parts == 1
    assert result.fallback is not None and "worker could not start" in result.fallback
    assert_same_frame(result.frame, whole_parse(path))


def test_temporary_files_are_removed_and_the_worker_stopped(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(xes.tempfile, "tempdir", str(scratch))
    path = write(tmp_path / "log.xes.gz", make_log())
    assert read(path, split_min_bytes=0).parts == 2
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
        read(path, split_min_bytes=0)
    assert workers and all(worker.returncode is not None for worker in workers)
    assert list(scratch.iterdir()) == []


def test_preview_of_a_large_log_reads_its_head(tmp_path, monkeypatch):
    path = write(tmp_path / "log.xes.gz", make_log())
    monkeypatch.setattr(xes, "HEAD_BYTES", 4000)
    head = read(path, split_min_bytes=0, head_rows=6)
    assert (head.parts, head.fallback) == (1, None)
    assert 6 <= head.frame.height < 3 * TRACES
    whole = whole_parse(path).head(head.frame.height)
    assert set(head.frame.columns) < set(whole.columns)  # late attributes come later
    assert whole.select(head.frame.columns).equals(head.frame)
    later = set(whole.columns) - set(head.frame.columns)
    assert all(whole[column].null_count() == whole.height for column in later)


def test_preview_of_a_large_log_parses_only_its_head(tmp_path, monkeypatch):
    document = make_log(traces=200)
    path = write(tmp_path / "log.xes.gz", document)
    reads: list[xes.XesRead] = []
    read_xes = xes.read_xes

    def recording_read(*args: object, **kwargs: object) -> xes.XesRead:
        reads.append(read_xes(*args, **kwargs))
        return reads[-1]

    monkeypatch.setattr(xes, "read_xes", recording_read)
    header = document.index("<trace><string")
    monkeypatch.setattr(xes, "HEAD_BYTES", (len(document.encode()) - header) // 2)
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 0)
    shown = preview(path, rows=4)
    assert reads[-1].fallback is None and reads[-1].frame.height < 600
    monkeypatch.setattr(xes, "SPLIT_MIN_BYTES", 1 << 62)
    assert shown.rows == preview(path, rows=4).rows
    assert reads[-1].frame.height == 600


def test_worker_run_by_hand(tmp_path):
    source = write(tmp_path / "log.xes", make_log(big_header=False))
    target = tmp_path / "events.arrow"
    root = Path(xes.__file__).resolve().parent.parent
    run = [sys.executable, "-m", "etl.xes_worker"]
    done = subprocess.run([*run, str(source), str(target)], cwd=root, check=False)
    assert done.returncode == 0
    assert_same_frame(polars.read_ipc(target), whole_parse(source))

    broken = write(tmp_path / "broken.xes", make_log(broken_trace=1))
    refused = subprocess.run(
        [*run, str(broken), str(tmp_path / "x.arrow")],
        cwd=root,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    assert refused.returncode == 1
    assert not (tmp_path / "x.arrow").exists()
    assert subprocess.run([*run, "only-one"], cwd=root, check=False).returncode == 2
    no_job = subprocess.run(run, cwd=root, input=b"", check=False, env=dict(os.environ))
    assert no_job.returncode == 0
