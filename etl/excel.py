"""Reading Excel workbooks (.xlsx) into Arrow, column by column."""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError
from zipfile import BadZipFile

from etl.errors import BadInputError, too_many_rows


def _header(cells: tuple[Any, ...]) -> list[str]:
    names: list[str] = []
    for index, value in enumerate(cells):
        name = str(value).strip() if value is not None else ""
        name = name or f"column{index + 1}"
        while name in names:
            name += "_"
        names.append(name)
    return names


def _column_array(values: list[Any]) -> Any:
    """An Arrow array for one column: timestamps, numbers or text, as the cells are."""
    import pyarrow as pa

    present = [v for v in values if v is not None and v != ""]
    cleaned = [None if v == "" else v for v in values]
    if present and all(isinstance(v, dt.datetime) for v in present):
        return pa.array(cleaned, type=pa.timestamp("us"))
    if present and all(isinstance(v, dt.date) for v in present):
        return pa.array(
            [dt.datetime.combine(v, dt.time()) if v is not None else None for v in cleaned],
            type=pa.timestamp("us"),
        )
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([float(v) if v is not None else None for v in cleaned], pa.float64())
    return pa.array([_text(v) for v in cleaned], type=pa.string())


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unreadable(name: str, exc: BaseException) -> BadInputError:
    """The error for a workbook openpyxl cannot open or read (damaged, or hostile)."""
    return BadInputError(
        f"{name} is not a readable .xlsx workbook ({exc}).",
        code="xlsx_unreadable",
        file=name,
        reason=exc,
    )


def read_xlsx_arrow(path: Path, *, limit: int | None, max_rows: int) -> Any:
    """The first worksheet of an .xlsx workbook as an Arrow table (first row = header)."""
    import pyarrow as pa
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _unreadable(path.name, exc) from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header: list[str] | None = None
        columns: list[list[Any]] = []
        count = 0
        for row in rows:
            if header is None:
                if any(v is not None and str(v).strip() for v in row):
                    header = _header(row)
                    columns = [[] for _ in header]
                continue
            if all(v is None for v in row):
                continue
            count += 1
            if count > max_rows:
                raise too_many_rows(path.name, max_rows, source="workbook")
            for index in range(len(header)):
                columns[index].append(row[index] if index < len(row) else None)
            if limit is not None and count >= limit:
                break
    except (ParseError, BadZipFile, zlib.error, EOFError, KeyError) as exc:
        # A damaged or hostile sheet (e.g. entity expansion stopped by expat's limit).
        raise _unreadable(path.name, exc) from None
    finally:
        workbook.close()
    if header is None:
        raise BadInputError(
            f"{path.name} has no rows in its first worksheet.", code="xlsx_no_rows", file=path.name
        )
    return pa.table(
        {name: _column_array(values) for name, values in zip(header, columns, strict=True)}
    )
