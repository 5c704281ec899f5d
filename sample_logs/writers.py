"""Writing a simulated log: CSV (UTF-8 or GB18030), XES / XES.gz, Parquet.

CSV and Parquet are written by Arrow from the columnar table of
:mod:`sample_logs.tables`; XES by the streaming writer of :mod:`sample_logs.xes`.
Every writer is deterministic: the same simulation gives the same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from sample_logs import names
from sample_logs.engine import Simulation
from sample_logs.tables import Layout, log_table
from sample_logs.xes import write_xes

Format = Literal["csv", "xes", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "xes", "parquet")
ENCODINGS = ("utf-8", "gb18030")


def format_from_path(path: Path) -> Format:
    """The format a file name asks for (``.csv``, ``.xes``, ``.xes.gz``, ``.parquet``)."""
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz")):
        return "xes"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    return "csv"


def write_csv(
    sim: Simulation,
    path: Path,
    layout: Layout = "events",
    lang: names.Lang = "zh",
    encoding: str = "utf-8",
) -> None:
    """Write the log as comma-separated text (GB18030 re-encodes Arrow's UTF-8 output)."""
    table = log_table(sim, layout, lang)
    options = pa_csv.WriteOptions(include_header=True, quoting_style="none")
    if encoding == "utf-8":
        pa_csv.write_csv(table, str(path), options)
        return
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, options)
    path.write_bytes(buffer.getvalue().decode("utf-8").encode(encoding))


def write_parquet(
    sim: Simulation, path: Path, layout: Layout = "events", lang: names.Lang = "zh"
) -> None:
    """Write the log as Parquet with timezone-aware timestamps (zstd-compressed)."""
    table = log_table(sim, layout, lang, typed_timestamps=True)
    pq.write_table(table, str(path), compression="zstd")


def write_log(
    sim: Simulation,
    path: Path,
    fmt: Format,
    layout: Layout = "events",
    lang: names.Lang = "zh",
    encoding: str = "utf-8",
) -> None:
    """Write the log in ``fmt``; raise ValueError for combinations that cannot be written."""
    if encoding != "utf-8" and fmt != "csv":
        raise ValueError(f"--encoding {encoding} applies to CSV only; {fmt} files are UTF-8")
    if fmt == "xes" and layout != "events":
        raise ValueError(
            "XES holds one entry per event; write it with --layout events "
            "(start and complete events), or choose CSV or Parquet for the instance layout"
        )
    if fmt == "csv":
        write_csv(sim, path, layout, lang, encoding)
    elif fmt == "parquet":
        write_parquet(sim, path, layout, lang)
    else:
        write_xes(sim, path, lang)
