"""Readers: every supported file becomes a temporary DuckDB table of its raw rows.

CSV/TSV is parsed by DuckDB's ``read_csv`` (all columns as text; a file that is not
UTF-8 is first transcoded, streaming, to a temporary UTF-8 file); Parquet by
``read_parquet``; Excel through openpyxl and Arrow; XES through rustxes and Arrow. The
table keeps the source's own column names; ``row_sql`` gives each row's number in the
source (1 = the first data row). Nothing is written to the store here.
"""

from __future__ import annotations

import codecs
import csv
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from etl import detect, settings
from etl.errors import BadInputError, too_many_rows
from etl.mapping import SYNONYMS
from etl.profile import Profile
from etl.sqltext import inline, literal

_TRANSCODE_CHUNK = 1 << 20
ROW_NUMBER = "__rn"  # the source row number column of an Arrow-backed source
_HEADER_WORDS = tuple(w for words in SYNONYMS.values() for w in words if not w.isascii())


@dataclass
class SourceTable:
    """A source file read into a temporary table of the connection."""

    table: str
    path: Path
    format: str
    columns: list[str]
    types: dict[str, str]
    rows: int
    row_sql: str
    naive_timezone: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    malformed_table: str | None = None
    malformed: int = 0
    archive: str | None = None  # "gzip" or "zip" when the log came out of one
    member: str | None = None  # the log's name inside the archive
    temp_files: list[Path] = field(default_factory=list)
    temp_tables: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)
    temp_dirs: list[Path] = field(default_factory=list)

    def close(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the temporary tables and views and delete the temporary files."""
        for name in self.temp_tables:
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
        for name in self.views:
            con.unregister(name)
        self.views = []
        for path in self.temp_files:
            path.unlink(missing_ok=True)
        for folder in self.temp_dirs:
            shutil.rmtree(folder, ignore_errors=True)


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def temp_name(prefix: str) -> str:
    """A unique name for a temporary table."""
    return f"_lf_{prefix}_{uuid.uuid4().hex[:12]}"


def max_rows() -> int:
    """The most rows one load may read (setting ``max_rows``)."""
    return int(settings.get("max_rows"))


def check_file(path: Path) -> None:
    """Refuse a missing, unreadable or empty file with a clear message."""
    if not path.exists():
        raise BadInputError(
            f"File not found: {path}. Check the path and try again.",
            code="file_not_found",
            path=path,
        )
    if not path.is_file():
        raise BadInputError(
            f"{path} is a folder, not a file. Give the path of a log file.",
            code="file_is_folder",
            path=path,
        )
    if not os.access(path, os.R_OK):
        raise BadInputError(
            f"Cannot read {path}: permission denied.", code="file_permission", path=path
        )
    if path.stat().st_size == 0:
        raise BadInputError(
            f"{path.name} is empty (0 bytes). Export the log again.",
            code="file_empty",
            file=path.name,
        )


def read_source(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    profile: Profile,
    *,
    limit: int | None = None,
    member: str | None = None,
) -> SourceTable:
    """Read a source file into a temporary table; ``limit`` reads only the first rows.

    A compressed log (.csv.gz, .zip, ...) is unpacked first (:mod:`etl.archives`);
    ``member`` chooses the log inside a zip archive that holds several.
    """
    check_file(path)
    fmt = detect.detect_format(path)
    if fmt in ("gzip", "zip"):
        return _read_unpacked(con, path, profile, fmt, limit=limit, member=member)
    if member is not None:
        raise BadInputError(
            f"{path.name} is not a zip archive: a member to load can be chosen only in a zip.",
            code="member_not_zip",
            file=path.name,
        )
    readers: dict[str, Callable[..., SourceTable]] = {
        "csv": _read_csv,
        "xlsx": _read_xlsx,
        "parquet": _read_parquet,
        "xes": _read_xes,
        "xes.gz": _read_xes,
    }
    source = readers[fmt](con, path, profile, fmt=fmt, limit=limit)
    if source.rows + source.malformed == 0:
        source.close(con)
        raise BadInputError(
            f"{path.name} has no data rows (only a header, or nothing). Export the log again.",
            code="file_no_rows",
            file=path.name,
        )
    return source


def _read_unpacked(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    profile: Profile,
    fmt: str,
    *,
    limit: int | None,
    member: str | None,
) -> SourceTable:
    """Unpack the log of a .gz or .zip into a temporary file and read that."""
    from etl import archives

    cap = settings.decompressed_cap_bytes()
    head_only = limit is not None
    if fmt == "gzip":
        if member is not None:
            raise BadInputError(
                f"{path.name} is a gzip file holding one log: a member can be chosen only in "
                "a zip archive.",
                code="member_in_gzip",
                file=path.name,
            )
        unpacked = archives.unpack_gzip(path, max_bytes=cap, head_only=head_only)
    else:
        unpacked = archives.unpack_zip(path, max_bytes=cap, member=member, head_only=head_only)
    try:
        inner_format = detect.detect_format(unpacked.path)
        if inner_format in ("gzip", "zip"):
            raise BadInputError(
                f"{unpacked.member} in {path.name} is itself compressed. LoanFlow unpacks one "
                "level: unpack the outer file and load the one inside.",
                code="nested_compressed",
                member=unpacked.member,
                file=path.name,
            )
        source = read_source(con, unpacked.path, profile, limit=limit)
    except BaseException:
        unpacked.remove()
        raise
    source.temp_dirs += unpacked.temp_dirs
    source.archive, source.member, source.path = unpacked.archive, unpacked.member, path
    return source


def _check_row_count(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> int:
    rows = int(con.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0])  # type: ignore[index]
    if rows > max_rows():
        con.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        raise too_many_rows(path.name, max_rows())
    return rows


def _describe_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {quote(table)}").fetchall()
    return {str(row[0]): str(row[1]) for row in rows if row[0] != ROW_NUMBER}


# --- CSV / TSV ---------------------------------------------------------------------------


def _csv_encoding(path: Path, profile: Profile) -> str:
    if profile.encoding.lower() != "auto":
        try:
            return codecs.lookup(profile.encoding).name
        except LookupError:
            raise BadInputError(
                f"Unknown encoding {profile.encoding!r} in the profile. Use auto, utf-8, "
                "gb18030, big5 or another Python codec name.",
                code="encoding_unknown_profile",
                encoding=profile.encoding,
            ) from None
    return detect.detect_encoding(detect.read_head(path), _HEADER_WORDS)


def _transcode(path: Path, encoding: str) -> Path:
    """A temporary UTF-8 copy of a text file in another encoding, written in chunks."""
    handle, name = tempfile.mkstemp(prefix="loanflow-", suffix=".csv")
    target = Path(name)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    try:
        with path.open("rb") as source, os.fdopen(handle, "w", encoding="utf-8") as out:
            while chunk := source.read(_TRANSCODE_CHUNK):
                try:
                    out.write(decoder.decode(chunk))
                except UnicodeDecodeError as exc:
                    raise BadInputError(
                        f"{path.name} is not valid {encoding} text (bad bytes at byte "
                        f"{offset + exc.start:,}). Set `encoding:` in the profile to the "
                        "file's real encoding, or save it as UTF-8.",
                        code="encoding_bad_bytes",
                        file=path.name,
                        encoding=encoding,
                        offset=offset + exc.start,
                    ) from None
                offset += len(chunk)
            try:
                out.write(decoder.decode(b"", final=True))
            except UnicodeDecodeError:
                raise BadInputError(
                    f"{path.name} ends in the middle of a {encoding} character; the file "
                    "looks cut short.",
                    code="encoding_cut_short",
                    file=path.name,
                    encoding=encoding,
                ) from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _csv_delimiter(text_path: Path, profile: Profile) -> str:
    if profile.delimiter.lower() != "auto":
        return {"tab": "\t", "\\t": "\t"}.get(profile.delimiter.lower(), profile.delimiter)
    sample = detect.read_head(text_path, 64 * 1024).decode("utf-8", errors="ignore")
    return detect.detect_delimiter(sample.lstrip("\ufeff"))


def _csv_cap(text_path: Path, delimiter: str) -> int | None:
    """The LIMIT that stops reading a CSV past ``max_rows``; None when it cannot get there.

    A ``LIMIT`` makes DuckDB's read keep order through one more operator, which made the
    read of a 1M-row file take 1.7-2.6 s instead of 0.9 s. A row that reaches the table
    has one field per header column, so at least as many bytes as columns (a delimiter
    after each field but the last, then the line break); a file of ``size`` bytes holds
    at most ``(size + 1) // columns`` rows. When that is within ``max_rows`` no limit is needed.
    """
    cap = max_rows() + 1
    head = detect.read_head(text_path, 64 * 1024).decode("utf-8", errors="ignore")
    lines = head.lstrip("\ufeff").splitlines(keepends=True)
    complete = [line for line in lines if line.endswith(("\n", "\r"))]
    try:
        header = next(csv.reader(complete[:1], delimiter=delimiter), None)
    except csv.Error:
        header = None
    if not header:
        return cap
    return None if (text_path.stat().st_size + 1) // len(header) < cap else cap


def _check_column_count(text_path: Path, delimiter: str, name: str) -> None:
    """Refuse at once a header with more columns than ``max_columns`` (DuckDB would spend a
    long time and much memory on a 200,000-column header before failing). The header line
    is counted in 1 MB chunks, up to 64 MB; quoted delimiters make it an upper bound."""
    limit = int(settings.get("max_columns"))
    mark = delimiter.encode("utf-8")
    columns, ended = 1, False
    with text_path.open("rb") as handle:
        for _ in range(64):
            chunk = handle.read(1 << 20)
            if not chunk:
                ended = True
                break
            line, newline, _rest = chunk.partition(b"\n")
            columns += line.count(mark)
            if newline:
                ended = True
                break
    if columns > limit and ended:
        raise BadInputError(
            f"{name} has a header of {columns:,} columns, more than the {limit:,} "
            "LoanFlow reads (setting LOANFLOW_MAX_COLUMNS). Check the delimiter, or export "
            "only the columns the analysis needs.",
            code="too_many_columns",
            name=name,
            columns=columns,
            limit=limit,
        )
    if columns > limit:
        raise BadInputError(
            f"{name} has a header of {columns:,} or more columns, more than the {limit:,} "
            "LoanFlow reads (setting LOANFLOW_MAX_COLUMNS). Check the delimiter, or export "
            "only the columns the analysis needs.",
            code="too_many_columns_at_least",
            name=name,
            columns=columns,
            limit=limit,
        )


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, profile: Profile, *, fmt: str, limit: int | None
) -> SourceTable:
    encoding = _csv_encoding(path, profile)
    text_path = path
    temp_files: list[Path] = []
    if encoding not in ("utf-8", "utf-8-sig"):
        text_path = _transcode(path, encoding)
        temp_files.append(text_path)
    try:
        delimiter = _csv_delimiter(text_path, profile)
        _check_column_count(text_path, delimiter, path.name)
        table, malformed_table = temp_name("src"), temp_name("bad")
        cap = limit if limit is not None else _csv_cap(text_path, delimiter)
        try:
            con.execute(
                inline(
                    f"CREATE TEMP TABLE {quote(table)} AS SELECT * FROM read_csv(?, delim = ?, "
                    "quote = '\"', escape = '\"', header = true, all_varchar = true, "
                    "auto_detect = true, store_rejects = true, rejects_table = ?, "
                    "rejects_scan = ?, null_padding = false)"
                    + ("" if cap is None else f" LIMIT {cap}"),
                    [str(text_path), delimiter, malformed_table, malformed_table + "_scan"],
                )
            )
        except duckdb.Error as exc:
            raise BadInputError(
                f"{path.name} cannot be read as CSV ({_first_line(exc)}). Check the "
                "delimiter and encoding, or set them in the profile.",
                code="csv_unreadable",
                file=path.name,
                reason=_first_line(exc),
            ) from None
        rows = _check_row_count(con, table, path)
        malformed = _malformed_lines(con, malformed_table)
        columns = _describe_columns(con, table)
        row_sql = _csv_row_sql(con, malformed_table) if malformed else "src.rowid + 1"
        return SourceTable(
            table=table,
            path=path,
            format=fmt,
            columns=list(columns),
            types=columns,
            rows=rows,
            row_sql=row_sql,
            encoding=encoding,
            delimiter=delimiter,
            malformed_table=malformed_table if malformed else None,
            malformed=malformed,
            temp_files=temp_files,
            temp_tables=[
                table,
                malformed_table,
                malformed_table + "_scan",
                malformed_table.replace("_bad_", "_shift_"),
            ],
        )
    except BaseException:
        for temp in temp_files:
            temp.unlink(missing_ok=True)
        raise


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _malformed_lines(con: duckdb.DuckDBPyConnection, table: str) -> int:
    exists = con.execute(
        inline("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table])
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    count = con.execute(f"SELECT count(DISTINCT line) FROM {quote(table)}").fetchone()
    return int(count[0]) if count else 0


def _csv_row_sql(con: duckdb.DuckDBPyConnection, malformed_table: str) -> str:
    """Row numbers of the good rows when some lines were malformed (and skipped).

    The j-th malformed data line r_j (sorted) comes after r_j - j good rows, so the good
    row with ordinal g sits at data line g + #{j : r_j - j < g}.
    """
    shift = malformed_table.replace("_bad_", "_shift_")
    con.execute(
        f"CREATE TEMP TABLE {quote(shift)} AS SELECT line - 1 - row_number() OVER "
        f"(ORDER BY line) AS good_before FROM (SELECT DISTINCT line FROM "
        f"{quote(malformed_table)})"
    )
    return (
        f"(src.rowid + 1 + (SELECT count(*) FROM {quote(shift)} s "
        "WHERE s.good_before < src.rowid + 1))"
    )


# --- Parquet ------------------------------------------------------------------------------


def _parquet_cap(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """None when the file's footer says it holds at most ``max_rows`` rows (the read then
    needs no ordered ``LIMIT``); a file over the limit is refused before it is read."""
    try:
        row = con.execute(
            inline("SELECT num_rows FROM parquet_file_metadata(?)", [str(path)])
        ).fetchone()
    except duckdb.Error:
        return max_rows() + 1  # the read below reports what is wrong with the file
    if row is None or row[0] is None:
        return max_rows() + 1
    if int(row[0]) > max_rows():
        raise too_many_rows(path.name, max_rows())
    return None


def _read_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, profile: Profile, *, fmt: str, limit: int | None
) -> SourceTable:
    table = temp_name("src")
    cap = limit if limit is not None else _parquet_cap(con, path)
    try:
        con.execute(
            f"CREATE TEMP TABLE {quote(table)} AS SELECT * FROM read_parquet(?)"
            + ("" if cap is None else f" LIMIT {cap}"),
            [str(path)],
        )
    except duckdb.Error as exc:
        raise BadInputError(
            f"{path.name} is not a readable Parquet file ({_first_line(exc)}).",
            code="parquet_unreadable",
            file=path.name,
            reason=_first_line(exc),
        ) from None
    rows = _check_row_count(con, table, path)
    columns = _describe_columns(con, table)
    return SourceTable(
        table=table,
        path=path,
        format=fmt,
        columns=list(columns),
        types=columns,
        rows=rows,
        row_sql="src.rowid + 1",
        temp_tables=[table],
    )


# --- Arrow-backed sources (Excel, XES) ---------------------------------------------------


def _from_arrow(
    con: duckdb.DuckDBPyConnection, arrow_table: Any, path: Path, fmt: str
) -> SourceTable:
    """An Arrow table (with a ``__rn`` row-number column) as a view: no copy is made."""
    view = temp_name("arrow")
    rows = arrow_table.num_rows
    if rows > max_rows():
        raise too_many_rows(path.name, max_rows())
    con.register(view, arrow_table)
    columns = _describe_columns(con, view)
    return SourceTable(
        table=view,
        path=path,
        format=fmt,
        columns=list(columns),
        types=columns,
        rows=rows,
        row_sql=f"src.{ROW_NUMBER}",
        views=[view],
    )


def _read_xes(
    con: duckdb.DuckDBPyConnection, path: Path, profile: Profile, *, fmt: str, limit: int | None
) -> SourceTable:
    from etl import xes

    cap = settings.decompressed_cap_bytes()
    compressed = fmt == "xes.gz"
    with xes.read_xes(path, compressed=compressed, max_bytes=cap, head_rows=limit) as read:
        if read.events > max_rows():
            raise too_many_rows(path.name, max_rows(), unit="events", source="log")
        source = _from_parquet_chunks(con, read, path, fmt, limit)
    if source.rows == 0 or not source.columns:
        source.close(con)
        raise BadInputError(
            f"{path.name} holds no events (no <event> elements with attributes). Export the "
            "log again.",
            code="xes_no_events",
            file=path.name,
        )
    # rustxes turns offset timestamps into naive UTC; naive ones it leaves as written.
    source.naive_timezone = None if read.check.naive_timestamps else "UTC"
    return source


def _from_parquet_chunks(
    con: duckdb.DuckDBPyConnection, read: Any, path: Path, fmt: str, limit: int | None
) -> SourceTable:
    """The events of an XES read (Parquet files, one per chunk) as one temporary table,
    each with its ordinal in the document (``__rn``). A column whose type differs between
    chunks (an attribute written as a number in one trace and as text in another) is
    read as text. Parquet, not an Arrow table: handing DuckDB Arrow makes its client
    import pandas (0.35-0.45 CPU s); writing and reading the files costs BPIC 2012 about
    0.1."""
    from etl.xes_worker import INDEX_COLUMN, PART_COLUMN

    table = temp_name("src")
    selects = _chunk_selects(con, [str(f) for f in read.files])
    offsets, total = [], 0
    for rows in read.rows:
        offsets.append(total)
        total += rows
    keep = total if limit is None else min(limit, total)
    if not selects:
        con.execute(f"CREATE TEMP TABLE {quote(table)} ({ROW_NUMBER} BIGINT)")
    else:
        numbers = ", ".join(str(o) for o in offsets) or "0"
        union = " UNION ALL BY NAME ".join(selects)
        con.execute(
            f"CREATE TEMP TABLE {quote(table)} AS SELECT * EXCLUDE ({PART_COLUMN}, "
            f"{INDEX_COLUMN}), [{numbers}][{PART_COLUMN} + 1] + {INDEX_COLUMN} + 1 AS "
            f"{ROW_NUMBER} FROM ({union})"
            + ("" if limit is None else f" WHERE {ROW_NUMBER} <= {keep}")
        )
    columns = _describe_columns(con, table)
    return SourceTable(
        table=table,
        path=path,
        format=fmt,
        columns=list(columns),
        types=columns,
        rows=keep,
        row_sql=f"src.{ROW_NUMBER}",
        temp_tables=[table],
    )


def _chunk_selects(con: duckdb.DuckDBPyConnection, files: list[str]) -> list[str]:
    """SELECTs whose union (by name) reads the Parquet files: one per file, casting to
    text the columns whose type is not the same in every file; a single one when the
    types agree."""
    if not files:
        return []
    types: list[dict[str, str]] = []
    for name in files:
        rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({literal(name)})").fetchall()
        types.append({str(row[0]): str(row[1]) for row in rows})
    seen: dict[str, set[str]] = {}
    for schema in types:
        for column, kind in schema.items():
            seen.setdefault(column, set()).add(kind)
    mixed = {column for column, kinds in seen.items() if len(kinds) > 1}
    if not mixed:  # one read of every file (DuckDB unites their columns by name)
        listed = ", ".join(literal(name) for name in files)
        return [f"SELECT * FROM read_parquet([{listed}], union_by_name = true)"]
    selects = []
    for name, schema in zip(files, types, strict=True):
        casts = [f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in schema if c in mixed]
        replace = f" REPLACE ({', '.join(casts)})" if casts else ""
        selects.append(f"SELECT *{replace} FROM read_parquet({literal(name)})")
    return selects


def _read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, profile: Profile, *, fmt: str, limit: int | None
) -> SourceTable:
    import pyarrow as pa

    from etl.excel import read_xlsx_arrow

    arrow_table = read_xlsx_arrow(path, limit=limit, max_rows=max_rows())
    numbers = pa.array(range(1, arrow_table.num_rows + 1), type=pa.int64())
    return _from_arrow(con, arrow_table.append_column(ROW_NUMBER, numbers), path, fmt)
