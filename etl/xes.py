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

from etl.errors import BadInputError, inflated_too_large

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
    except EOFError:
        raise BadInputError(
            f"{path.name} is a truncated gzip file (it ends before the compressed data "
            "does). Download or copy it again."
        ) from None
    except (gzip.BadGzipFile, zlib.error, _INFLATE_ERROR) as exc:
        raise BadInputError(f"{path.name} is not a valid gzip file ({exc}).") from None


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
        raise BadInputError(f"{path.name} is empty. Export the log again.")
    if b"<log" not in head[:65536]:
        raise BadInputError(
            f"{path.name} is not an XES log: no <log> element at its start. Check that "
            "it is an XES export (IEEE 1849)."
        )
    end = tail.rstrip()
    self_closed_log = end.endswith(b"/>") and b"</log>" not in head
    if not (end.endswith(b"</log>") or self_closed_log):
        raise BadInputError(
            f"{path.name} is cut short: the XES document does not end with </log>. "
            "The file is incomplete; export or copy it again."
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
                "Export the log again without a DOCTYPE."
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
            "file is complete and was exported as XES."
        ) from None
    return frame


def _describe(exc: BaseException) -> str:
    text = str(exc)
    match = re.search(r"Err` value: (.*)$", text)
    return match.group(1) if match else text or type(exc).__name__


# --- Reading a whole log: decompress once, parse large documents in two parts -----------

SPLIT_MIN_BYTES = 48 << 20
"""Decompressed size from which a log is parsed in two parts, in parallel. The worker
needs about 0.45 s to import polars and rustxes, only partly hidden behind the scan;
measured on two idle cores, a smaller log (about 1 s of parsing or less) parses as fast
or faster whole."""

PARENT_SHARE = 0.6
"""Share of the document this process parses; a worker process parses the rest."""

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
    """The events of an XES log and how they were read."""

    frame: Any
    check: XesCheck
    parts: int
    """2 when the document was parsed in two parts at once, 1 when parsed whole."""
    fallback: str | None = None
    """Why the two-part parse was given up for a whole parse, when it was."""


class _SplitFailed(Exception):
    """The two-part parse cannot be used; the whole document is parsed instead."""


def read_xes(
    path: Path,
    *,
    compressed: bool,
    max_bytes: int,
    split_min_bytes: int | None = None,
    head_rows: int | None = None,
) -> XesRead:
    """Check and parse an XES or XES.gz log; large documents are parsed in two parts.

    The safety scan (:func:`scan_xes`) decompresses a .gz once, into a temporary plain
    file. A document of at least ``split_min_bytes`` (default :data:`SPLIT_MIN_BYTES`)
    is cut at a ``<trace>`` element: a worker process (:mod:`etl.xes_worker`) parses
    the second part while this one parses the first, and the two frames are joined in
    document order; by default only when this process may run on two cores or more
    (on one, the worker's imports would be pure cost). Whatever goes wrong on that path,
    the whole document is parsed here instead, so a broken file gets the same message
    either way. ``head_rows`` asks only for the first events (a preview): a large
    document is then parsed from its start. Every temporary file is removed and the
    worker stopped before this returns.
    """
    threshold = SPLIT_MIN_BYTES if split_min_bytes is None else split_min_bytes
    in_two = head_rows is None and (split_min_bytes is not None or _usable_cores() >= 2)
    with tempfile.TemporaryDirectory(prefix="loanflow-xes-") as folder, _Worker() as worker:
        work = Path(folder)
        if in_two and _expected_bytes(path, compressed) >= threshold:
            worker.start()
        plain, check = _scan_to_plain(path, work, compressed, max_bytes)
        if check.decompressed_bytes < threshold:
            return XesRead(parse_xes(plain, path.name), check, parts=1)
        if head_rows is not None:
            return _read_head(plain, work, path.name, check, head_rows)
        if not in_two:
            return XesRead(parse_xes(plain, path.name), check, parts=1)
        try:
            frame = _parse_in_two(plain, work, path.name, check, worker)
        except _SplitFailed as exc:
            worker.stop()
            return XesRead(parse_xes(plain, path.name), check, parts=1, fallback=str(exc))
        return XesRead(frame, check, parts=2)


def _usable_cores() -> int:
    """How many CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _scan_to_plain(
    path: Path, work: Path, compressed: bool, max_bytes: int
) -> tuple[Path, XesCheck]:
    """Scan the log; a .gz is decompressed into ``work`` on the way. Returns the plain
    document to parse (the log itself when it was not compressed, or when the temporary
    copy could not be written) and what the scan found."""
    if not compressed:
        return path, scan_xes(path, compressed=False, max_bytes=max_bytes)
    plain = work / "log.xes"
    try:
        with plain.open("wb") as copy:
            return plain, scan_xes(path, compressed=True, max_bytes=max_bytes, copy_to=copy)
    except OSError:  # no room for the copy: rustxes decompresses the log itself
        plain.unlink(missing_ok=True)
        return path, scan_xes(path, compressed=True, max_bytes=max_bytes)


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


def _parse_in_two(plain: Path, work: Path, name: str, check: XesCheck, worker: _Worker) -> Any:
    """The document parsed as two parts at once (this process and the worker), joined."""
    import polars

    first, second, events = work / "part1.xes", work / "part2.xes", work / "part2.arrow"
    try:
        _write_parts(plain, first, second, check.openings, share=PARENT_SHARE)
    except OSError as exc:
        raise _SplitFailed(f"the parts could not be written: {exc}") from None
    worker.start()
    worker.submit(second, events)
    try:
        head = parse_xes(first, name)
    except BadInputError as exc:
        raise _SplitFailed(f"the first part was refused: {exc}") from None
    worker.finish()
    try:
        tail = polars.read_ipc(events)
        return polars.concat([head, tail], how="diagonal_relaxed")
    except (polars.exceptions.PolarsError, OSError) as exc:
        raise _SplitFailed(f"the parts could not be joined: {exc}") from None


def _read_head(plain: Path, work: Path, name: str, check: XesCheck, rows: int) -> XesRead:
    """The first events of a large document, from a part cut after about
    :data:`HEAD_BYTES` of traces (the whole document when that part holds fewer than
    ``rows`` events)."""
    first = work / "head.xes"
    try:
        _write_parts(plain, first, None, check.openings, head=HEAD_BYTES)
        frame = parse_xes(first, name)
    except (_SplitFailed, BadInputError, OSError) as exc:
        return XesRead(parse_xes(plain, name), check, parts=1, fallback=str(exc))
    if frame.height < rows:
        return XesRead(parse_xes(plain, name), check, parts=1, fallback="too few events")
    return XesRead(frame, check, parts=1)


def _write_parts(
    plain: Path,
    first: Path,
    second: Path | None,
    openings: tuple[int, ...] | None,
    *,
    share: float = 0.5,
    head: int = 0,
) -> None:
    """Cut the document at the first ``<trace>`` after ``share`` of its traces' bytes, or
    after ``head`` bytes of traces when ``head`` is given.

    ``first`` gets the log's header, the traces before the cut and a closing ``</log>``;
    ``second`` (when given) the header and the traces from the cut on. The header is what
    precedes the first trace less the log's own attributes (extensions, globals and
    classifiers stay): they are not events, and some logs carry megabytes of them.
    """
    import mmap

    with plain.open("rb") as source:
        with mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as document:
            header_end = _trace_at_or_after(document, 0, 0, openings)
            if header_end < 0:
                raise _SplitFailed("no <trace> element")
            if document.find(b"<event", 0, header_end) >= 0:
                raise _SplitFailed("events outside traces")
            traces = len(document) - header_end
            target = header_end + max(min(head, traces) if head else int(traces * share), 1)
            cut = _trace_at_or_after(document, target, header_end, openings)
            if cut < 0:
                raise _SplitFailed("no <trace> element after the middle")
            header = _slim_header(document[:header_end], openings)
        _write_part(source, first, header, header_end, cut, b"</log>\n")
        if second is not None:
            _write_part(source, second, header, cut, None, b"")


def _write_part(
    source: BinaryIO, path: Path, header: bytes, start: int, stop: int | None, ending: bytes
) -> None:
    """Write ``header``, ``source[start:stop]`` and ``ending`` to a new file."""
    with path.open("wb") as target:
        target.write(header)
        target.flush()
        _copy_range(source, target, start, stop)
        target.write(ending)


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


def _trace_at_or_after(
    document: Any, start: int, markup: int, openings: tuple[int, ...] | None
) -> int:
    """Offset of the first ``<trace`` tag at or after ``start`` that is markup (not in a
    comment, CDATA section or processing instruction), or -1. ``markup`` is an offset
    known to be outside all of them; ``openings`` as in :class:`XesCheck`."""
    position = start
    while (found := document.find(b"<trace", position)) >= 0:
        after = document[found + 6 : found + 7]
        if not after or after[0] not in _TAG_END:
            position = found + 6
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
    """The process that parses the second part (:mod:`etl.xes_worker`)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._failure: str | None = None

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the worker (it imports its libraries, then waits for a job); a failure
        to start is reported when the job is submitted."""
        if self._process is not None or self._failure is not None:
            return
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "etl.xes_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=_PROJECT_ROOT,
                env=_worker_environment(),
            )
        except OSError as exc:
            self._failure = f"the worker could not start: {exc}"

    def submit(self, source: Path, target: Path) -> None:
        """Send the job: parse ``source``, write its events to ``target``."""
        process = self._require()
        job = json.dumps({"source": str(source), "target": str(target)}) + "\n"
        try:
            assert process.stdin is not None
            process.stdin.write(job.encode())
            process.stdin.close()
        except OSError as exc:
            raise _SplitFailed(f"the worker did not take the job: {exc}") from None

    def finish(self) -> None:
        """Wait for the job; a worker that failed is reported as :class:`_SplitFailed`."""
        status = self._require().wait()
        if status != 0:
            raise _SplitFailed(f"the worker stopped with status {status}")

    def stop(self) -> None:
        """Stop the worker if it still runs, and reap it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdin is not None and not process.stdin.closed:
            with contextlib.suppress(OSError):
                process.stdin.close()

    def _require(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise _SplitFailed(self._failure or "the worker is not running")
        return self._process


_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)


def _worker_environment() -> dict[str, str]:
    """The worker's environment: this process's, with rustxes's thread pool at one thread
    unless set (the loading process parses on the other core at the same time)."""
    environment = dict(os.environ)
    environment.setdefault("RAYON_NUM_THREADS", "1")
    return environment
