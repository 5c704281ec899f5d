"""Compressed exports: a log inside a .gz file or a .zip archive, unpacked safely.

Banks mail and archive their exports compressed. ``.csv.gz``, ``.tsv.gz`` (any gzip file
whose inner name is not ``.xes``; an ``.xes.gz`` is read by :mod:`etl.xes`, which streams
it) and ``.zip`` archives (not Excel workbooks, which are zips too) are inflated once, in
1 MB chunks (by ISA-L, for gzip and for deflated zip members), into a temporary file
named like the log inside, which the ordinary reader
then reads; the temporary file is removed with the load's other temporary files.

Safety, as for XES.gz: the inflated size is capped by ``max_decompressed_mb`` (counted
while inflating, so an archive that lies about its sizes is stopped too); an archive with
a member whose path is absolute or climbs out (``../``), or more than
:data:`MAX_MEMBERS` members, is refused whole; nothing is ever written under a member's
own path; a password-protected member, a member compressed by an unsupported method, a
truncated or corrupt archive and an archive inside an archive are refused with a message
saying what to do.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from isal import igzip, isal_zlib

from etl.errors import BadInputError, Phrase, gzip_failure, inflated_too_large

_CHUNK = 1 << 20
MAX_MEMBERS = 10_000
LOG_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq", ".xes")
ARCHIVE_SUFFIXES = (".gz", ".zip", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar")
_SKIPPED = re.compile(r"(^|/)(__MACOSX/|\.)")  # macOS resource forks, hidden files
_INFLATE_ERROR: type[Exception] = isal_zlib.error  # type: ignore[assignment]
_PREVIEW_BYTES = 8 << 20


class ArchiveMembersError(BadInputError):
    """A zip archive holds several logs and none was chosen (or the chosen one is absent)."""

    def __init__(
        self, message: str, members: list[str], *, code: str | None = None, **values: object
    ) -> None:
        """``members`` the logs to choose from; ``code`` and ``values`` as LoanFlowError's."""
        super().__init__(message, code=code, **values)
        self.members = members


@dataclass
class Unpacked:
    """The log taken out of a compressed file: where it is now and where it came from."""

    path: Path
    archive: str  # "gzip" or "zip"
    member: str
    temp_dirs: list[Path] = field(default_factory=list)

    def remove(self) -> None:
        """Delete the temporary copy."""
        for folder in self.temp_dirs:
            shutil.rmtree(folder, ignore_errors=True)
        self.temp_dirs = []


def is_gzip(head: bytes) -> bool:
    """Whether a file's first bytes are gzip's magic number."""
    return head.startswith(b"\x1f\x8b")


def gzip_inner_name(name: str) -> str:
    """The name of the file inside a .gz (``log.csv.gz`` -> ``log.csv``)."""
    lower = name.lower()
    if lower.endswith(".tgz"):
        return name[:-4] + ".tar"
    return name[:-3] if lower.endswith(".gz") else name


def gzip_holds_xes(path: Path) -> bool:
    """Whether a gzip file holds an XES log: its inner name says ``.xes``, or it has no
    log suffix and its inflated text starts with XML markup."""
    inner = gzip_inner_name(path.name).lower()
    if inner.endswith(".xes"):
        return True
    if inner.endswith(LOG_SUFFIXES):
        return False
    try:
        with igzip.open(path, "rb") as handle:
            head = handle.read(512)
    except (EOFError, OSError, zlib.error, _INFLATE_ERROR):
        return True  # the XES reader reports what is wrong with the gzip
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _safe_basename(name: str) -> str:
    """The last part of a member's name, usable as a file name (never a path)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*/').strip()
    return cleaned.lstrip(".")[:200] or "log.csv"


def _copy_capped(
    source: IO[bytes] | _DeflatedMember,
    target: Path,
    *,
    label: str | Phrase,
    max_bytes: int,
    head_only: bool,
) -> None:
    """Copy ``source`` to ``target`` in chunks, refusing more than ``max_bytes``; with
    ``head_only`` stop after the first few megabytes, cut after the last line break."""
    total = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise inflated_too_large(label, max_bytes)
            if head_only and total >= _PREVIEW_BYTES:
                out.write(chunk[: chunk.rfind(b"\n") + 1] or chunk)
                return
            out.write(chunk)


def _is_text(path: Path) -> bool:
    """Whether a log is text (CSV/TSV), whose head can be read alone for a preview."""
    return path.suffix.lower() in (".csv", ".tsv", ".txt")


@contextlib.contextmanager
def _temp_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="loanflow-unpacked-"))
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def unpack_gzip(path: Path, *, max_bytes: int, head_only: bool = False) -> Unpacked:
    """Inflate a .gz (not XES) into a temporary file named like the file inside."""
    inner = _safe_basename(gzip_inner_name(path.name))
    if inner.lower().endswith(ARCHIVE_SUFFIXES):
        raise _nested(path.name, inner)
    if not inner.lower().endswith(LOG_SUFFIXES):
        inner += ".csv"  # a gzip of text without a telling name: read as CSV/TSV
    with _temp_folder() as folder:
        target = folder / inner
        try:
            with igzip.open(path, "rb") as source:
                _copy_capped(
                    source,
                    target,
                    label=path.name,
                    max_bytes=max_bytes,
                    head_only=head_only and _is_text(target),
                )
        except (EOFError, OSError, zlib.error, _INFLATE_ERROR) as exc:
            raise gzip_failure(path.name, exc) from None
        return Unpacked(target, "gzip", gzip_inner_name(path.name), [folder])


def _nested(archive: str, member: str) -> BadInputError:
    return BadInputError(
        f"{archive} holds another compressed file ({member}). LoanFlow unpacks one level: "
        "unpack the outer archive and load the file inside.",
        code="archive_nested",
        archive=archive,
        member=member,
    )


def _unsafe(name: str) -> bool:
    """Whether a member's path is absolute, has a drive, or climbs out with ``..``."""
    text = name.replace("\\", "/")
    return (
        text.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", text))
        or ".." in PurePosixPath(text).parts
    )


def zip_logs(archive: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """The members of a zip that are logs LoanFlow reads; refuses an archive with an unsafe
    member path or too many members."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise BadInputError(
            f"{name} holds {len(members):,} files; LoanFlow reads archives of at most "
            f"{MAX_MEMBERS:,}. Unpack it and load the log itself.",
            code="archive_too_many_members",
            name=name,
            count=len(members),
            most=MAX_MEMBERS,
        )
    for info in members:
        if _unsafe(info.filename):
            raise BadInputError(
                f"{name} holds a file with an unsafe path ({info.filename!r}: absolute or "
                "climbing out with ../). LoanFlow refuses such archives; zip the log again.",
                code="archive_unsafe_path",
                name=name,
                member=info.filename,
            )
    return [
        info
        for info in members
        if not info.is_dir() and not _SKIPPED.search(info.filename) and info.file_size > 0
    ]


def _choose(logs: list[zipfile.ZipInfo], name: str, member: str | None) -> zipfile.ZipInfo:
    names = [info.filename for info in logs]
    readable = [info for info in logs if info.filename.lower().endswith(LOG_SUFFIXES)]
    if member is not None:
        exact = [info for info in logs if info.filename == member]
        by_base = [info for info in logs if PurePosixPath(info.filename).name == member]
        found = exact or by_base
        if len(found) == 1:
            return found[0]
        if not names:
            raise ArchiveMembersError(
                f"{name} has no file named {member!r}. It holds nothing.",
                names,
                code="archive_no_member_empty",
                name=name,
                member=member,
            )
        raise ArchiveMembersError(
            f"{name} has no file named {member!r}. It holds: {', '.join(names)}.",
            names,
            code="archive_no_member",
            name=name,
            member=member,
            names=", ".join(names),
        )
    if len(readable) == 1:
        return readable[0]
    if not readable:
        nested = [n for n in names if n.lower().endswith(ARCHIVE_SUFFIXES)]
        if nested:
            raise _nested(name, nested[0])
        if not names:
            raise BadInputError(
                f"{name} holds no log LoanFlow reads (CSV/TSV, Excel .xlsx, Parquet, XES). "
                "It holds nothing.",
                code="archive_no_log_empty",
                name=name,
            )
        raise BadInputError(
            f"{name} holds no log LoanFlow reads (CSV/TSV, Excel .xlsx, Parquet, XES). "
            f"It holds: {', '.join(names)}.",
            code="archive_no_log",
            name=name,
            names=", ".join(names),
        )
    listed = [info.filename for info in readable]
    raise ArchiveMembersError(
        f"{name} holds {len(listed)} logs: {', '.join(listed)}. Choose the one to load, or "
        "put only that log in the archive.",
        listed,
        code="archive_several_logs",
        name=name,
        count=len(listed),
        names=", ".join(listed),
    )


def zip_members(path: Path) -> list[str]:
    """The logs inside a zip archive (what a caller offers to choose from)."""
    with _open_zip(path) as archive:
        return [
            info.filename
            for info in zip_logs(archive, path.name)
            if info.filename.lower().endswith(LOG_SUFFIXES)
        ]


class _DeflatedMember:
    """A deflated zip member inflated by ISA-L (several times faster than the zlib that
    ``ZipFile.open`` uses), read in the same way; at its end, the size and CRC-32 that the
    archive declares are checked, and inflating past the declared size is an error."""

    def __init__(self, path: Path, info: zipfile.ZipInfo) -> None:
        self.info = info
        self.raw = path.open("rb")
        self.raw.seek(info.header_offset)
        header = self.raw.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            self.raw.close()
            raise zipfile.BadZipFile("no local header where the directory says")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        self.raw.seek(info.header_offset + 30 + name_length + extra_length)
        self.left = info.compress_size
        self.inflater = isal_zlib.decompressobj(-15)
        self.size = 0
        self.crc = 0
        self.done = False

    def read(self, limit: int = _CHUNK) -> bytes:
        """Up to ``limit`` inflated bytes; b"" at the end."""
        while not self.done:
            if self.inflater.unconsumed_tail:
                data = self.inflater.decompress(self.inflater.unconsumed_tail, limit)
            elif self.left > 0:
                chunk = self.raw.read(min(_CHUNK, self.left))
                if not chunk:
                    raise zipfile.BadZipFile("the archive ends inside the member")
                self.left -= len(chunk)
                data = self.inflater.decompress(chunk, limit)
            else:
                data = self.inflater.flush()
                self.done = True
            self._count(data)
            if self.done:
                self._check_end()
            if data:
                return data
        return b""

    def _count(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.info.file_size:
            raise zipfile.BadZipFile("it inflates to more than its header says")
        self.crc = isal_zlib.crc32(data, self.crc)

    def _check_end(self) -> None:
        if self.size != self.info.file_size or self.crc != self.info.CRC:
            raise zipfile.BadZipFile("Bad CRC-32 or size")

    def __enter__(self) -> _DeflatedMember:
        return self

    def __exit__(self, *exc: object) -> None:
        self.raw.close()


def _open_member(
    archive: zipfile.ZipFile, path: Path, info: zipfile.ZipInfo
) -> contextlib.AbstractContextManager[IO[bytes]] | _DeflatedMember:
    """The member's inflated bytes, as a file: ISA-L for deflate, else the zipfile module."""
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return _DeflatedMember(path, info)
    return archive.open(info)


@contextlib.contextmanager
def _open_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except zipfile.BadZipFile as exc:
        raise BadInputError(
            f"{path.name} is not a readable zip archive ({exc}). Download or copy it again.",
            code="zip_unreadable",
            file=path.name,
            reason=exc,
        ) from None


def unpack_zip(
    path: Path, *, max_bytes: int, member: str | None = None, head_only: bool = False
) -> Unpacked:
    """Inflate the one log of a zip archive (or the ``member`` chosen) into a temporary
    file named like it."""
    with _open_zip(path) as archive:
        info = _choose(zip_logs(archive, path.name), path.name, member)
        label = Phrase(
            f"{info.filename} in {path.name}",
            code="zip_member_label",
            member=info.filename,
            archive=path.name,
        )
        if info.filename.lower().endswith(ARCHIVE_SUFFIXES):
            raise _nested(path.name, info.filename)
        if info.flag_bits & 0x1:
            raise BadInputError(
                f"{label} is password-protected. Unzip it with its password and load the log.",
                code="zip_password",
                label=label,
            )
        if info.file_size > max_bytes:
            raise inflated_too_large(label, max_bytes, declared=info.file_size)
        with _temp_folder() as folder:
            target = folder / _safe_basename(info.filename)
            try:
                with _open_member(archive, path, info) as source:
                    _copy_capped(
                        source,
                        target,
                        label=label,
                        max_bytes=max_bytes,
                        head_only=head_only and _is_text(target),
                    )
            except NotImplementedError as exc:
                raise BadInputError(
                    f"{label} is compressed with a method LoanFlow cannot unpack ({exc}). "
                    "Zip it again with the usual method (deflate).",
                    code="zip_method",
                    label=label,
                    reason=exc,
                ) from None
            except (zipfile.BadZipFile, EOFError, zlib.error, _INFLATE_ERROR) as exc:
                if not str(exc):
                    raise BadInputError(
                        f"{label} is damaged (truncated). Download or copy it again.",
                        code="zip_member_truncated",
                        label=label,
                    ) from None
                raise BadInputError(
                    f"{label} is damaged ({exc}). Download or copy it again.",
                    code="zip_member_damaged",
                    label=label,
                    reason=exc,
                ) from None
            return Unpacked(target, "zip", info.filename, [folder])
