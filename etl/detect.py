"""Detecting what a source file is: its format, its text encoding and its CSV delimiter.

Detection reads only the head of a file (a sample), never the whole of it.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from pathlib import Path

from etl.errors import BadInputError

SAMPLE_BYTES = 1 << 20
FORMATS = ("csv", "xlsx", "parquet", "xes", "xes.gz", "gzip", "zip")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xes": "xes",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Chinese encodings tried after UTF-8, in order; the first that decodes and reads best wins.
_CJK_ENCODINGS = ("gb18030", "big5")
DELIMITERS = (",", ";", "\t", "|")


def read_head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    """The first ``size`` bytes of a file."""
    with path.open("rb") as handle:
        return handle.read(size)


def detect_format(path: Path) -> str:
    """The format of a source file: csv, xlsx, parquet, xes, xes.gz, or gzip/zip for a
    compressed log that :mod:`etl.archives` unpacks first.

    Decided by content where it is unmistakable (gzip, zip, Parquet magic numbers) and
    by the file name otherwise. Raises :class:`BadInputError` for anything else.
    """
    head = read_head(path, 8)
    if head.startswith(b"\x1f\x8b"):
        from etl.archives import gzip_holds_xes

        return "xes.gz" if gzip_holds_xes(path) else "gzip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if zipfile.is_zipfile(path) and _is_xlsx(path):
            return "xlsx"
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raise BadInputError(
                f"{path.name} is a zip archive but not an Excel .xlsx workbook. "
                "Save it from Excel again, or name it .zip if it is an archive of logs.",
                code="zip_not_xlsx",
                file=path.name,
            )
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadInputError(
            f"{path.name} is an old Excel .xls workbook, which LoanFlow does not read. "
            "Save it as .xlsx or CSV in Excel and load that.",
            code="xls_workbook",
            file=path.name,
        )
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS and _EXTENSIONS[suffix] in ("csv", "xes"):
        return _EXTENSIONS[suffix]
    if suffix in _EXTENSIONS:
        raise BadInputError(
            f"{path.name} is named {suffix} but its content is not {_EXTENSIONS[suffix]}. "
            "Export the file again.",
            code="content_mismatch",
            file=path.name,
            suffix=suffix,
            kind=_EXTENSIONS[suffix],
        )
    raise BadInputError(
        f"Unknown file format: {path.name}. LoanFlow reads CSV/TSV (.csv, .tsv, .txt), "
        "Excel (.xlsx), Parquet (.parquet) and XES (.xes), also compressed (.gz, .zip).",
        code="unknown_format",
        file=path.name,
    )


def _is_xlsx(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return "xl/workbook.xml" in archive.namelist()


def _decodes(sample: bytes, encoding: str) -> str | None:
    """The sample decoded strictly, allowing a character cut off at its end; None if not."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def _readability(text: str, keywords: tuple[str, ...]) -> float:
    """How much a decoded sample looks like real Chinese text (higher is better).

    Known header words count most; then characters of the common CJK range; private-use
    and rare-extension characters (what a wrong decoding produces) count against.
    """
    score = 10.0 * sum(text.count(word) for word in keywords)
    for char in text:
        code = ord(char)
        if 0x4E00 <= code <= 0x9FFF:
            score += 0.01
        elif 0xE000 <= code <= 0xF8FF or 0x3400 <= code <= 0x4DBF or code >= 0x20000:
            score -= 1.0
    return score


def detect_encoding(sample: bytes, keywords: tuple[str, ...] = ()) -> str:
    """The text encoding of a sample: utf-8, utf-8-sig, utf-16, gb18030 or big5.

    ``keywords`` are words expected in the text (column headers LoanFlow knows); they
    decide between Chinese encodings that both decode the bytes.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if _decodes(sample, "utf-8") is not None:
        return "utf-8"
    decoded = {enc: text for enc in _CJK_ENCODINGS if (text := _decodes(sample, enc)) is not None}
    if not decoded:
        raise BadInputError(
            "The file's text is not UTF-8, GB18030/GBK or Big5. Save it as UTF-8 (or set "
            "`encoding:` in the profile to its encoding, e.g. cp1252).",
            code="encoding_unknown",
        )
    if len(decoded) == 1:
        return next(iter(decoded))
    return max(decoded, key=lambda enc: _readability(decoded[enc], keywords))


def detect_delimiter(text: str) -> str:
    """The delimiter of a CSV sample: the candidate that splits its lines most consistently."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters="".join(DELIMITERS))
        return str(dialect.delimiter)
    except csv.Error:
        header = lines[0]
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","
