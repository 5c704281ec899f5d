"""Reading XES and XES.gz logs safely and fast.

Before anything is parsed the file is streamed once: a DOCTYPE or ENTITY declaration
(XML external entities, "billion laughs") is refused, the decompressed size of a .gz is
capped, a truncated gzip or a document cut short is reported; a .gz is decompressed by
that scan, once, into a temporary plain file. Parsing itself is done by rustxes (Rust),
which returns a polars DataFrame of the events with the trace attributes as
``case:``-prefixed columns; nothing is read into Python row by row. rustxes holds the GIL
while it parses, so a large document is cut in two at a ``<trace>`` element and a worker
process (:mod:`etl.xes_worker`) parses the second part while this process parses the
first (:func:`read_xes`).
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from isal import igzip, isal_zlib

from etl import settings
from etl.errors import BadInputError, gzip_failure, inflated_too_large
from etl.xes_worker import INDEX_COLUMN, PART_COLUMN

_CHUNK = 1 << 20
_HEAD = 4 * _CHUNK
_HOSTILE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_MARKUP = re.compile(rb"<(?:!\s*(?:DOCTYPE|ENTITY)|!--|!\[CDATA\[|\?)", re.IGNORECASE)
_MAX_OPENINGS = 1 << 16
_TIMESTAMP_VALUE = re.compile(rb'key="time:timestamp"\s+value="([^"]*)"')
_OFFSET = re.compile(rb"(?:Z|[+-]\d{2}:?\d{2})$")
_stderr_lock = threading.Lock()
# ISA-L's inflate error (its type stubs declare it as an instance, not a class).
_INFLATE_ERROR: type[Exception] = isal_zlib.error  # type: ignore[assignment]


@dataclass(frozen=True)
class XesCheck:
    """What the safety scan learnt about an XES file."""

    decompressed_bytes: int
    naive_timestamps: bool
    openings: tuple[int, ...] | None = None
    """Offsets of every ``<!--``, ``<![CDATA[`` and ``<?`` in the decompressed document
    (where text may hide a tag), or None when there are too many to keep."""


def _open(path: Path, compressed: bool) -> Any:
    """The document's bytes. A .gz is inflated by ISA-L (python-isal), a drop-in for the
    standard gzip module that inflated BPIC 2012 (74 MB) in 0.035 s against 0.15 s."""
    return igzip.open(path, "rb") if compressed else path.open("rb")


def _chunks(path: Path, compressed: bool) -> Iterator[bytes]:
    try:
        with _open(path, compressed) as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk
    except (EOFError, gzip.BadGzipFile, zlib.error, _INFLATE_ERROR) as exc:
        raise gzip_failure(path.name, exc) from None


def scan_xes(
    path: Path, *, compressed: bool, max_bytes: int, copy_to: BinaryIO | None = None
) -> XesCheck:
    """Stream the (decompressed) document once and refuse what must not be parsed.

    Raises :class:`BadInputError` for a DOCTYPE/ENTITY declaration, a decompressed size
    above ``max_bytes``, a truncated or corrupt gzip, an empty file, a file that is not
    an XES document, or a document cut short. ``copy_to`` receives the decompressed
    document as it is checked (in constant memory), so it is decompressed only once.
    """
    total = 0
    tail = b""
    head = b""
    openings: list[int] | None = []
    for chunk in _chunks(path, compressed):
        carry = tail[-64:]
        window = carry + chunk
        openings = _note_markup(window, total - len(carry), openings, path)
        total += len(chunk)
        if total > max_bytes:
            raise inflated_too_large(path.name, max_bytes)
        if copy_to is not None:
            copy_to.write(chunk)
        if len(head) < _HEAD:
            head += chunk[: _HEAD - len(head)]
        tail = window[-256:]
    if total == 0 or not head.strip():
        raise BadInputError(
            f"{path.name} is empty. Export the log again.", code="xes_empty", file=path.name
        )
    if b"<log" not in head[:65536]:
        raise BadInputError(
            f"{path.name} is not an XES log: no <log> element at its start. Check that "
            "it is an XES export (IEEE 1849).",
            code="xes_no_log",
            file=path.name,
        )
    end = tail.rstrip()
    self_closed_log = end.endswith(b"/>") and b"</log>" not in head
    if not (end.endswith(b"</log>") or self_closed_log):
        raise BadInputError(
            f"{path.name} is cut short: the XES document does not end with </log>. "
            "The file is incomplete; export or copy it again.",
            code="xes_cut_short",
            file=path.name,
        )
    return XesCheck(total, _naive_timestamps(head), None if openings is None else tuple(openings))


def _note_markup(
    window: bytes, start: int, openings: list[int] | None, path: Path
) -> list[int] | None:
    """Refuse a DOCTYPE/ENTITY declaration in ``window`` (which begins at offset
    ``start``); add the offsets of comments, CDATA sections and processing instructions
    to ``openings`` (None once there are too many to keep)."""
    for match in _MARKUP.finditer(window):
        if _HOSTILE.match(match.group()):
            raise BadInputError(
                f"{path.name} declares a DOCTYPE or ENTITY. LoanFlow refuses XML with "
                "declarations (they can read local files or expand without bound). "
                "Export the log again without a DOCTYPE.",
                code="xes_doctype",
                file=path.name,
            )
        offset = start + match.start()
        if openings is not None and (not openings or offset > openings[-1]):
            openings.append(offset)
            if len(openings) > _MAX_OPENINGS:
                openings = None
    return openings


def _naive_timestamps(sample: bytes) -> bool:
    """Whether the log's timestamps carry no UTC offset (judged on the first ones)."""
    values = [m.group(1).strip() for m in _TIMESTAMP_VALUE.finditer(sample)][:200]
    return bool(values) and not any(_OFFSET.search(v) for v in values)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence the Rust parser's panic report on file descriptor 2 while it runs."""
    with _stderr_lock, tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def parse_xes(path: Path, name: str | None = None) -> Any:
    """The events of an XES file as a polars DataFrame (rustxes), or a clear error.

    ``name`` is the file name the user knows, when ``path`` is a temporary copy.
    """
    import rustxes

    try:
        with _quiet_stderr():
            frame, _meta = rustxes.import_xes(str(path))
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # rustxes reports bad XML as a Rust panic
        raise BadInputError(
            f"{name or path.name} is not well-formed XES: {_describe(exc)}. Check that the "
            "file is complete and was exported as XES.",
            code="xes_malformed",
            file=name or path.name,
            reason=_describe(exc),
        ) from None
    return frame


def _describe(exc: BaseException) -> str:
    text = str(exc)
    match = re.search(r"Err` value: (.*)$", text)
    return match.group(1) if match else text or type(exc).__name__


# --- Reading a whole log: decompress once, parse in chunks, two at a time ---------------

CHUNK_BYTES: int | None = None
"""Most bytes of traces in one chunk (None: the ``xes_chunk_mb`` setting, 32 MB). A
chunk is parsed whole (rustxes takes about four times its size, polars included) and
its events written to a Parquet file before the next one is parsed, so a load's memory
does not grow with the document."""

MIN_CHUNK_BYTES = 8 << 20
"""Least bytes of traces in one chunk when a document is cut for two processes to share
(smaller chunks cost more headers than they save)."""

SPLIT_MIN_BYTES = 48 << 20
"""Decompressed size from which a worker process parses chunks beside this one. The
worker needs about 0.45 s to import polars and rustxes, only partly hidden behind the
scan; measured on two idle cores, a smaller log (about 1 s of parsing or less) parses as
fast or faster in one process."""

HEAD_BYTES = 4 << 20
"""Bytes parsed for a preview of a large log (more when they hold too few events)."""


_TAG_END = frozenset(b" \t\r\n>/")
_HIDING = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
_HEADER_KEPT = frozenset({"extension", "global", "classifier"})
_ATTRIBUTES = rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""
_LOG_TAG = re.compile(rb"<log" + _ATTRIBUTES + rb">")
_KEPT_ELEMENT = re.compile(
    rb"<(extension|global|classifier)" + _ATTRIBUTES + rb"(?:/>|>.*?</\1\s*>)", re.DOTALL
)
_SLIM_FROM = 64 << 10


@dataclass(frozen=True)
class XesRead:
    """The events of an XES log, as Parquet files in document order, and how they were
    read. Each file has the events of one chunk, with :data:`PART_COLUMN` and
    :data:`INDEX_COLUMN`; ``rows[i]`` is the number of events of ``files[i]``."""

    files: tuple[Path, ...]
    rows: tuple[int, ...]
    check: XesCheck
    parts: int
    """2 when a worker process parsed chunks beside this one, 1 when this one alone."""
    chunks: int = 1
    """How many chunks the document was cut into (1: parsed whole)."""
    fallback: str | None = None
    """Why the document was parsed whole when it would have been cut, when it was."""

    @property
    def events(self) -> int:
        """The number of events read."""
        return sum(self.rows)

    def frame(self) -> Any:
        """All the events as one polars frame (for tests and small logs: it takes the
        memory the chunks avoid)."""
        import polars

        frames = [polars.read_parquet(f) for f in self.files]
        if not frames:
            return polars.DataFrame()
        joined = polars.concat(frames, how="diagonal_relaxed")
        return joined.drop(PART_COLUMN, INDEX_COLUMN)


class _SplitFailed(Exception):
    """The document cannot be cut into chunks; it is parsed whole instead."""


@dataclass(frozen=True)
class Chunk:
    """One chunk of a document: the log's header, then (when the chunk begins inside a
    trace) that trace's start tag and attributes ``head``, then ``document[start:stop]``
    (``stop`` None: to the end), then ``ending`` (closing what the cut left open)."""

    start: int
    stop: int | None
    ending: str = ""
    head: tuple[int, int] | None = None

    def to_json(self) -> list[Any]:
        """The chunk as a JSON list (for the worker's job)."""
        return [self.start, self.stop, self.ending, list(self.head) if self.head else None]

    @classmethod
    def from_json(cls, data: list[Any]) -> Chunk:
        """The chunk of :meth:`to_json`."""
        start, stop, ending, head = data
        return cls(int(start), stop, str(ending), tuple(head) if head else None)


@contextlib.contextmanager
def read_xes(
    path: Path,
    *,
    compressed: bool,
    max_bytes: int,
    split_min_bytes: int | None = None,
    head_rows: int | None = None,
    chunk_bytes: int | None = None,
) -> Iterator[XesRead]:
    """Check and parse an XES or XES.gz log in chunks; yields the events' Parquet files.

    The safety scan (:func:`scan_xes`) decompresses a .gz once, into a temporary plain
    file. A document larger than a chunk (``chunk_bytes``, by default the ``xes_chunk_mb``
    setting; a smaller one is cut into about six chunks of at least :data:`MIN_CHUNK_BYTES`,
    so that two processes share them evenly) is cut at ``<trace>`` elements, or at an
    ``<event>`` inside a trace larger than a chunk (the next chunk repeats the trace's
    attributes); each chunk is parsed whole and its events written to a Parquet file, so
    memory stays bounded by the chunk size whatever the document's size. From
    ``split_min_bytes`` (default :data:`SPLIT_MIN_BYTES`) a worker process
    (:mod:`etl.xes_worker`) takes chunks too, by default only when two cores are free
    (:func:`_usable_cores`). A chunk the worker could not parse is parsed here, so a broken
    file gets the same message either way. ``head_rows`` asks only for the first events
    (a preview): a large document is then parsed from its start. Every temporary file is
    removed and the worker stopped when the context ends.

    A worker :func:`start_early` started for this file (with the same cap) has scanned and
    cut it already and is parsing its first chunks: this process takes the rest of them.
    """
    defaults = head_rows is None and chunk_bytes is None and split_min_bytes is None
    early = _take_early(path, compressed, max_bytes) if defaults else None
    if early is not None:
        with early:
            plan = early.plan()
            if plan is not None:
                yield _read_planned(early, plan, path.name)
                return
    # (no early worker, or its scan failed: scanned again here, for the message)
    threshold = SPLIT_MIN_BYTES if split_min_bytes is None else split_min_bytes
    in_two = head_rows is None and (split_min_bytes is not None or _usable_cores() >= 2)
    with tempfile.TemporaryDirectory(prefix="loanflow-xes-") as folder, _Worker() as worker:
        work = Path(folder)
        if in_two and _expected_bytes(path, compressed) >= threshold:
            worker.start()
        plain, check = _scan_to_plain(path, work, compressed, max_bytes)
        size = check.decompressed_bytes
        if head_rows is not None and size >= threshold:
            yield _read_head(plain, work, path.name, check, head_rows)
            return
        chunk = _chunk_size(size, chunk_bytes)
        if size <= chunk:
            yield _read_whole(plain, work, path.name, check)
            return
        try:
            chunks = plan_chunks(plain, work / "header.xml", check.openings, chunk)
        except _SplitFailed as exc:
            yield _read_whole(plain, work, path.name, check, fallback=str(exc))
            return
        job = chunks_job(plain, work, [c.to_json() for c in chunks])
        helped = in_two and size >= threshold and worker.submit(job)
        yield _shared_read(job, worker, path.name, check, helped=helped)


def chunks_job(plain: Path, folder: Path, chunks: list[Any]) -> dict[str, Any]:
    """The job both processes work through (see :mod:`etl.xes_worker`): the plain
    document, the header :func:`plan_chunks` wrote into ``folder``, the chunks as JSON."""
    return {
        "document": str(plain),
        "header": str(folder / "header.xml"),
        "folder": str(folder),
        "chunks": chunks,
    }


def _shared_read(
    job: dict[str, Any], worker: _Worker, name: str, check: XesCheck, *, helped: bool
) -> XesRead:
    """Parse the job's chunks this process claims first, wait for the worker, and gather
    every chunk's events (one the worker claimed but did not write is parsed here)."""
    from etl.xes_worker import parse_chunks

    parse_chunks(job, lambda source: parse_xes(source, name))
    worker.finish()
    files = [_chunk_events(job, index, name) for index in range(len(job["chunks"]))]
    return XesRead(
        tuple(f for f, _rows in files if f is not None),
        tuple(rows for f, rows in files if f is not None),
        check,
        parts=2 if helped else 1,
        chunks=len(job["chunks"]),
    )


# --- A worker started before the loader's imports ---------------------------------------


def plan_read(
    path: Path, folder: Path, *, compressed: bool, max_bytes: int, chunk_bounds: tuple[int, int]
) -> dict[str, Any]:
    """Scan the log (a .gz decompressed into ``folder``) and cut it into chunks as
    :func:`read_xes` does by default (``chunk_bounds``: the loading process's
    :func:`_chunk_bounds`); the plan as JSON-ready data: the plain document, what the scan
    found, the chunks (None when the document is parsed whole, with the reason in
    ``whole``). Raises what :func:`scan_xes` raises."""
    plain, check = _scan_to_plain(path, folder, compressed, max_bytes)
    plan: dict[str, Any] = {"plain": str(plain), "check": _check_json(check)}
    size = check.decompressed_bytes
    chunk = _chunk_size(size, None, chunk_bounds)
    if size <= chunk:
        return plan | {"chunks": None, "whole": ""}
    try:
        chunks = plan_chunks(plain, folder / "header.xml", check.openings, chunk)
    except _SplitFailed as exc:
        return plan | {"chunks": None, "whole": str(exc)}
    return plan | {"chunks": [c.to_json() for c in chunks], "whole": ""}


def _check_json(check: XesCheck) -> dict[str, Any]:
    openings = None if check.openings is None else list(check.openings)
    return {
        "decompressed_bytes": check.decompressed_bytes,
        "naive_timestamps": check.naive_timestamps,
        "openings": openings,
    }


def _check_from_json(data: dict[str, Any]) -> XesCheck:
    openings = data["openings"]
    return XesCheck(
        int(data["decompressed_bytes"]),
        bool(data["naive_timestamps"]),
        None if openings is None else tuple(int(o) for o in openings),
    )


class _Early:
    """A worker started for one log before the loader needed it (:func:`start_early`): it
    scans the log, cuts it, reports the plan on its standard output and parses chunks."""

    def __init__(self, path: Path, compressed: bool, max_bytes: int) -> None:
        self.compressed = compressed
        self.max_bytes = max_bytes
        self.folder = Path(tempfile.mkdtemp(prefix="loanflow-xes-"))
        self.worker = _Worker()
        flag = "gz" if compressed else "plain"
        sizes = [str(n) for n in (max_bytes, *_chunk_bounds())]
        self.worker.start(["--early", str(path), str(self.folder), flag, *sizes])

    def plan(self) -> dict[str, Any] | None:
        """The worker's plan (waiting for its scan to end); None when it failed."""
        line = self.worker.report()
        try:
            plan = json.loads(line) if line else None
        except ValueError:
            return None
        return plan if isinstance(plan, dict) and "check" in plan else None

    def close(self) -> None:
        """Stop the worker and remove what it wrote."""
        self.worker.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> _Early:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_early: dict[Path, _Early] = {}


def start_early(path: Path) -> None:
    """Start a worker on an XES log a load is about to read, before the loader's imports
    and the store's opening: it scans and cuts the document and begins parsing chunks
    while this process gets ready, and :func:`read_xes` takes it over. Only for a log
    large enough to be shared (:data:`SPLIT_MIN_BYTES`) when two cores are free; nothing
    happens otherwise, or when the name does not end in .xes or .xes.gz. The worker's CPU
    counts as this process's own (:func:`etl.settings.count_as_own`). Call
    :func:`discard_early` when the load has ended, whether it read the log or not."""
    lowered = path.name.lower()
    compressed = lowered.endswith(".xes.gz")
    if not (compressed or lowered.endswith(".xes")):
        return
    try:
        key = path.resolve()
        if key in _early or _expected_bytes(path, compressed) < SPLIT_MIN_BYTES:
            return
    except OSError:
        return
    if _usable_cores() < 2:
        return
    early = _Early(path, compressed, settings.decompressed_cap_bytes())
    if early.worker.failure is not None:
        early.close()
        return
    _early[key] = early


@contextlib.contextmanager
def early_worker(path: Path) -> Iterator[None]:
    """:func:`start_early` for ``path`` now, :func:`discard_early` when the block ends: the
    span of one load."""
    start_early(path)
    try:
        yield
    finally:
        discard_early()


def discard_early() -> None:
    """Stop the workers of :func:`start_early` that no read took over, and remove their
    files."""
    while _early:
        _early.popitem()[1].close()


def _take_early(path: Path, compressed: bool, max_bytes: int) -> _Early | None:
    """The early worker of this log when it was started for this read (same cap), removed
    from the waiting ones; None otherwise."""
    try:
        key = path.resolve()
    except OSError:
        return None
    early = _early.get(key)
    if early is None or (early.compressed, early.max_bytes) != (compressed, max_bytes):
        return None
    return _early.pop(key)


def _read_planned(early: _Early, plan: dict[str, Any], name: str) -> XesRead:
    """The events of a log the early worker scanned and cut: this process parses the
    chunks it claims first, the worker the others."""
    check = _check_from_json(plan["check"])
    plain = Path(plan["plain"])
    if plan["chunks"] is None:
        early.worker.stop()
        return _read_whole(plain, early.folder, name, check, fallback=plan["whole"] or None)
    job = chunks_job(plain, early.folder, plan["chunks"])
    return _shared_read(job, early.worker, name, check, helped=True)


def _chunk_size(size: int, chosen: int | None, bounds: tuple[int, int] | None = None) -> int:
    """The chunk size for a document of ``size`` bytes: ``chosen``, else about a sixth of
    it, within ``bounds`` (default :func:`_chunk_bounds`)."""
    if chosen is not None:
        return max(chosen, 1)
    least, largest = _chunk_bounds() if bounds is None else bounds
    return min(largest, max(least, size // 6))


def _chunk_bounds() -> tuple[int, int]:
    """The least and most bytes of a chunk: :data:`MIN_CHUNK_BYTES`, and
    :data:`CHUNK_BYTES` or else the ``xes_chunk_mb`` setting."""
    largest = CHUNK_BYTES if CHUNK_BYTES is not None else settings.xes_chunk_bytes()
    return MIN_CHUNK_BYTES, largest


def _read_whole(
    plain: Path, work: Path, name: str, check: XesCheck, fallback: str | None = None
) -> XesRead:
    """The document parsed whole, in this process."""
    from etl.xes_worker import write_events

    target = work / "events-0.parquet"
    rows = write_events(parse_xes(plain, name), 0, target)
    files = (target,) if rows else ()
    return XesRead(files, (rows,) if rows else (), check, parts=1, fallback=fallback)


def _chunk_events(job: dict[str, Any], index: int, name: str) -> tuple[Path | None, int]:
    """The Parquet file of a chunk's events and their number; a chunk that the worker
    claimed but did not parse (it failed or stopped) is parsed here."""
    from etl.xes_worker import chunk_result, parse_chunk

    done = chunk_result(job, index)
    if done is None:
        parse_chunk(job, index, lambda source: parse_xes(source, name))
        done = chunk_result(job, index)
        assert done is not None
    return done


def _usable_cores() -> int:
    """How many CPUs this process may run on that other work leaves free
    (:func:`etl.settings.free_cores`): with every core busy, a worker's imports cost more
    CPU than its share of the parse saves time (BPIC 2012 at load average 1.4-2.1 on two
    cores: 3.15-4.38 CPU s, 3.5-4.6 s for a load parsed in one process; 3.74-3.9 CPU s,
    4.0-4.5 s with the worker)."""
    return settings.free_cores()


def _scan_to_plain(
    path: Path, work: Path, compressed: bool, max_bytes: int
) -> tuple[Path, XesCheck]:
    """Scan the log; a .gz is decompressed into ``work`` on the way. Returns the plain
    document to parse (the log itself when it was not compressed) and what the scan
    found. The chunks are cut from the plain document, so a .gz needs room for it."""
    if not compressed:
        return path, scan_xes(path, compressed=False, max_bytes=max_bytes)
    plain = work / "log.xes"
    try:
        with plain.open("wb") as copy:
            return plain, scan_xes(path, compressed=True, max_bytes=max_bytes, copy_to=copy)
    except OSError as exc:
        plain.unlink(missing_ok=True)
        raise BadInputError(
            f"{path.name} could not be decompressed into a temporary file ({exc}). Free "
            "space in the temporary folder (TMPDIR) and load again.",
            code="xes_temp_failed",
            file=path.name,
            reason=exc,
        ) from None


def _expected_bytes(path: Path, compressed: bool) -> int:
    """The decompressed size, judged before reading: a gzip's trailer states it (modulo
    4 GiB, for its last member), so the worker can start before the scan."""
    size = path.stat().st_size
    if not compressed:
        return size
    with path.open("rb") as handle:
        handle.seek(max(size - 4, 0))
        trailer = handle.read(4)
    return int.from_bytes(trailer, "little") if len(trailer) == 4 else 0


def plan_chunks(
    plain: Path, header_path: Path, openings: tuple[int, ...] | None, chunk_bytes: int
) -> list[Chunk]:
    """Cut the document into chunks of about ``chunk_bytes`` bytes of traces; the log's
    header (without the log's own attributes) is written to ``header_path``.

    A chunk ends at the first ``<trace>`` tag after ``chunk_bytes``, unless that is more
    than another ``chunk_bytes`` further (a trace larger than a chunk): then at the first
    ``<event>`` tag after ``chunk_bytes``; the chunk closes the trace, and the next one
    opens it again with the same start tag and attributes. Raises :class:`_SplitFailed`
    for a document that has no trace or events outside traces.
    """
    import mmap

    with (
        plain.open("rb") as source,
        mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as document,
    ):
        header_end = _tag_at_or_after(document, b"<trace", 0, 0, openings)
        if header_end < 0:
            raise _SplitFailed("no <trace> element")
        if document.find(b"<event", 0, header_end) >= 0:
            raise _SplitFailed("events outside traces")
        header_path.write_bytes(_slim_header(document[:header_end], openings))
        return _cut(document, header_end, openings, chunk_bytes)


def _cut(
    document: Any, header_end: int, openings: tuple[int, ...] | None, chunk_bytes: int
) -> list[Chunk]:
    """The chunks of :func:`plan_chunks`, from the first trace at ``header_end``."""

    def tag(name: bytes, at: int) -> int:
        return _tag_at_or_after(document, name, at, header_end, openings)

    chunks: list[Chunk] = []
    start, head = header_end, None
    size = len(document)
    while start + chunk_bytes < size:
        target = start + chunk_bytes
        cut = tag(b"<trace", target)
        if 0 <= cut <= target + chunk_bytes:
            chunks.append(Chunk(start, cut, "</log>\n", head))
            start, head = cut, None
            continue
        trace = _trace_of(document, tag, start, target, head)
        event = tag(b"<event", max(target, trace[1]))
        if event < 0 or (0 <= cut < event):  # no event to cut at before the next trace
            if cut < 0:
                break
            chunks.append(Chunk(start, cut, "</log>\n", head))
            start, head = cut, None
            continue
        chunks.append(Chunk(start, event, "</trace>\n</log>\n", head))
        start, head = event, trace
    chunks.append(Chunk(start, None, "", head))
    return chunks


def _trace_of(
    document: Any,
    tag: Any,
    start: int,
    target: int,
    head: tuple[int, int] | None,
) -> tuple[int, int]:
    """The start tag and attributes of the trace holding ``target`` (from its ``<trace``
    to its first ``<event``): the last trace begun at or after ``start``, else the one
    the chunk continues (``head``)."""
    begun = head[0] if head is not None else start
    position = start
    while 0 <= (found := tag(b"<trace", position)) < target:
        begun, position = found, found + 6
    if head is not None and begun == head[0]:
        return head
    first_event = tag(b"<event", begun)
    return begun, (first_event if first_event >= 0 else len(document))


def _read_head(plain: Path, work: Path, name: str, check: XesCheck, rows: int) -> XesRead:
    """The first events of a large document: chunks of about :data:`HEAD_BYTES` of traces
    from its start, parsed until they hold ``rows`` events."""
    from etl.xes_worker import chunk_result, parse_chunk

    header = work / "header.xml"
    try:
        chunks = plan_chunks(plain, header, check.openings, HEAD_BYTES)
    except _SplitFailed as exc:
        return _read_whole(plain, work, name, check, fallback=str(exc))
    job = chunks_job(plain, work, [c.to_json() for c in chunks])
    files: list[Path] = []
    counts: list[int] = []
    for index in range(len(chunks)):
        parse_chunk(job, index, lambda source: parse_xes(source, name))
        file, count = chunk_result(job, index) or (None, 0)
        if file is not None:
            files.append(file)
            counts.append(count)
        if sum(counts) >= rows:
            break
    return XesRead(tuple(files), tuple(counts), check, parts=1, chunks=len(chunks))


def write_chunk(document: Path, header: Path, chunk: Chunk, target: Path) -> None:
    """Write a chunk of ``document`` as an XES document of its own to ``target``."""
    with document.open("rb") as source, target.open("wb") as out:
        out.write(header.read_bytes())
        out.flush()
        if chunk.head is not None:
            _copy_range(source, out, chunk.head[0], chunk.head[1])
        _copy_range(source, out, chunk.start, chunk.stop)
        out.write(chunk.ending.encode())


def _slim_header(header: bytes, openings: tuple[int, ...] | None) -> bytes:
    """The header without the log's attributes: the prolog and ``<log>`` start tag, then
    only the extensions, globals and classifiers. Unchanged when small or not
    understood."""
    if len(header) < _SLIM_FROM:
        return header
    log = _LOG_TAG.search(header)
    if log is None:
        return header
    if _any_opening(openings, log.end(), len(header)):
        return _slim_header_parsed(header)
    kept = [match.group() for match in _KEPT_ELEMENT.finditer(header, log.end())]
    return header[: log.end()] + b"\n" + b"\n".join(kept) + b"\n"


def _any_opening(openings: tuple[int, ...] | None, start: int, stop: int) -> bool:
    """Whether a comment, CDATA section or processing instruction may begin in
    ``[start, stop)`` (always, when the scan kept no list)."""
    if openings is None:
        return True
    index = bisect.bisect_left(openings, start)
    return index < len(openings) and openings[index] < stop


def _slim_header_parsed(header: bytes) -> bytes:
    """:func:`_slim_header` for a header with comments, CDATA or processing
    instructions: the children of ``<log>`` are found by an XML parser."""
    from xml.parsers import expat

    parser = expat.ParserCreate()
    children: list[tuple[str, int]] = []
    depth = 0

    def start(name: str, _attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth == 2:
            children.append((name.rpartition(":")[2], parser.CurrentByteIndex))

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(header + b"</log>", True)
    except expat.ExpatError:
        return header
    if not children:
        return header
    bounds = [offset for _name, offset in children] + [len(header)]
    kept = [
        header[bounds[i] : bounds[i + 1]]
        for i, (name, _offset) in enumerate(children)
        if name in _HEADER_KEPT
    ]
    return header[: bounds[0]] + b"".join(kept) + b"\n"


def _tag_at_or_after(
    document: Any, tag: bytes, start: int, markup: int, openings: tuple[int, ...] | None
) -> int:
    """Offset of the first ``tag`` (``<trace``, ``<event``) at or after ``start`` that is
    markup (not in a comment, CDATA section or processing instruction), or -1. ``markup``
    is an offset known to be outside all of them; ``openings`` as in :class:`XesCheck`."""
    position = start
    while (found := document.find(tag, position)) >= 0:
        after = document[found + len(tag) : found + len(tag) + 1]
        if not after or after[0] not in _TAG_END:
            position = found + len(tag)
            continue
        hidden_until = _hidden_until(document, markup, found, openings)
        if hidden_until is None:
            return int(found)
        position = hidden_until
    return -1


def _hidden_until(
    document: Any, markup: int, offset: int, openings: tuple[int, ...] | None
) -> int | None:
    """Where the comment, CDATA section or processing instruction that holds ``offset``
    ends, or None when ``offset`` is in none.

    None of them nests, so ``offset`` is hidden exactly when the last opening of some
    kind before it is not closed before it. The openings come from the scan's list when
    it has one, else from searching back to ``markup`` (an offset outside all of them:
    nothing that holds a later offset begins before it).
    """
    last: dict[bytes, int] = {}
    if openings is None:
        for opening, _closing in _HIDING:
            if (begin := document.rfind(opening, markup, offset)) >= 0:
                last[opening] = begin
    else:
        index = bisect.bisect_left(openings, offset) - 1
        while index >= 0 and len(last) < len(_HIDING):
            begin = openings[index]
            for opening, _closing in _HIDING:
                if document[begin : begin + len(opening)] == opening:
                    last.setdefault(opening, begin)
                    break
            index -= 1
    for opening, closing in _HIDING:
        begin = last.get(opening, -1)
        if begin < 0 or document.find(closing, begin + len(opening), offset) >= 0:
            continue
        end = document.find(closing, offset)
        return len(document) if end < 0 else int(end) + len(closing)
    return None


def _copy_range(source: BinaryIO, target: BinaryIO, start: int, stop: int | None) -> None:
    """Append ``source[start:stop]`` to ``target`` (flushed) in the kernel where it can,
    else in bounded chunks."""
    size = os.fstat(source.fileno()).st_size
    remaining = max((size if stop is None else stop) - start, 0)
    offset = start
    with contextlib.suppress(AttributeError, OSError):
        while remaining > 0:
            copied = os.copy_file_range(source.fileno(), target.fileno(), remaining, offset)
            if copied == 0:
                break
            offset += copied
            remaining -= copied
    if remaining > 0:
        target.seek(0, os.SEEK_END)
        source.seek(offset)
        while remaining > 0 and (chunk := source.read(min(_CHUNK, remaining))):
            target.write(chunk)
            remaining -= len(chunk)
    target.seek(0, os.SEEK_END)


class _Worker:
    """The process that parses chunks beside this one (:mod:`etl.xes_worker`)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._failure: str | None = None

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, early: list[str] | None = None) -> None:
        """Start the worker (it imports its libraries, then waits for a job); with
        ``early``, the arguments of an early worker (:func:`start_early`), which needs no
        job and reports its plan on its standard output (:meth:`report`)."""
        if self._process is not None or self._failure is not None:
            return
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "etl.xes_worker", *(early or [])],
                stdin=subprocess.DEVNULL if early else subprocess.PIPE,
                stdout=subprocess.PIPE if early else subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=_PROJECT_ROOT,
                env=_worker_environment(),
            )
        except OSError as exc:
            self._failure = f"the worker could not start: {exc}"
            return
        settings.count_as_own(self._process.pid)

    def report(self) -> str:
        """The first line an early worker writes (waiting for it); empty when it wrote
        none (it failed, or was never started)."""
        process = self._process
        if process is None or process.stdout is None:
            return ""
        try:
            return process.stdout.readline().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def submit(self, job: dict[str, Any]) -> bool:
        """Send the job (the chunks to claim and parse); whether the worker took it. A
        worker that could not start or take it leaves every chunk to this process."""
        self.start()
        process = self._process
        if process is None or process.stdin is None:
            return False
        try:
            process.stdin.write((json.dumps(job) + "\n").encode())
            process.stdin.close()
        except OSError as exc:
            self._failure = f"the worker did not take the job: {exc}"
            self.stop()
            return False
        return True

    def finish(self) -> None:
        """Wait for the worker to end (it ends when no chunk is left to claim; a chunk it
        claimed but did not parse is parsed by this process afterwards). Its standard
        input is closed first: a worker that was never sent a job reads the end of it and
        exits, instead of both processes waiting on each other."""
        process = self._process
        if process is None:
            return
        if process.stdin is not None and not process.stdin.closed:
            with contextlib.suppress(OSError):
                process.stdin.close()
        process.wait()

    @property
    def failure(self) -> str | None:
        """Why the worker could not help, if it could not."""
        return self._failure

    def stop(self) -> None:
        """Stop the worker if it still runs, and reap it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        settings.no_longer_own(process.pid)
        for stream in (process.stdin, process.stdout):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()


_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)


def _worker_environment() -> dict[str, str]:
    """The worker's environment: this process's, with rustxes's thread pool at one thread
    unless set (the loading process parses on the other core at the same time)."""
    environment = dict(os.environ)
    environment.setdefault("RAYON_NUM_THREADS", "1")
    return environment
