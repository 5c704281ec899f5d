"""Reading XES and XES.gz logs safely and fast.

Before anything is parsed the file is streamed once: a DOCTYPE or ENTITY declaration
(XML external entities, "billion laughs") is refused, the decompressed size of a .gz is
capped, a truncated gzip or a document cut short is reported. Parsing itself is done by
rustxes (Rust), which returns a polars DataFrame of the events with the trace attributes
as ``case:``-prefixed columns; nothing is read into Python row by row.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import tempfile
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.errors import BadInputError

_CHUNK = 1 << 20
_HEAD = 4 * _CHUNK
_HOSTILE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_TIMESTAMP_VALUE = re.compile(rb'key="time:timestamp"\s+value="([^"]*)"')
_OFFSET = re.compile(rb"(?:Z|[+-]\d{2}:?\d{2})$")
_stderr_lock = threading.Lock()


@dataclass(frozen=True)
class XesCheck:
    """What the safety scan learnt about an XES file."""

    decompressed_bytes: int
    naive_timestamps: bool


def _open(path: Path, compressed: bool) -> Any:
    return gzip.open(path, "rb") if compressed else path.open("rb")


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
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise BadInputError(f"{path.name} is not a valid gzip file ({exc}).") from None


def scan_xes(path: Path, *, compressed: bool, max_bytes: int) -> XesCheck:
    """Stream the (decompressed) document once and refuse what must not be parsed.

    Raises :class:`BadInputError` for a DOCTYPE/ENTITY declaration, a decompressed size
    above ``max_bytes``, a truncated or corrupt gzip, an empty file, a file that is not
    an XES document, or a document cut short.
    """
    total = 0
    tail = b""
    head = b""
    for chunk in _chunks(path, compressed):
        window = tail[-64:] + chunk
        if _HOSTILE.search(window):
            raise BadInputError(
                f"{path.name} declares a DOCTYPE or ENTITY. LoanFlow refuses XML with "
                "declarations (they can read local files or expand without bound). "
                "Export the log again without a DOCTYPE."
            )
        total += len(chunk)
        if total > max_bytes:
            raise BadInputError(
                f"{path.name} decompresses to more than {max_bytes // (1 << 20)} MB, the "
                "limit set by LOANFLOW_MAX_DECOMPRESSED_MB. Raise the limit if the log is "
                "genuine."
            )
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
    return XesCheck(total, _naive_timestamps(head))


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


def parse_xes(path: Path) -> Any:
    """The events of an XES file as a polars DataFrame (rustxes), or a clear error."""
    import rustxes

    try:
        with _quiet_stderr():
            frame, _meta = rustxes.import_xes(str(path))
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:  # rustxes reports bad XML as a Rust panic
        raise BadInputError(
            f"{path.name} is not well-formed XES: {_describe(exc)}. Check that the file is "
            "complete and was exported as XES."
        ) from None
    return frame


def _describe(exc: BaseException) -> str:
    text = str(exc)
    match = re.search(r"Err` value: (.*)$", text)
    return match.group(1) if match else text or type(exc).__name__
