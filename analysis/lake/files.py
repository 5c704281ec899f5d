"""The lake's layout: the store's canonical tables as Parquet, partitioned by dataset.

``ROOT/TABLE/dataset=NAME/part-0.parquet`` for TABLE in ``datasets``, ``events``,
``activity_instances``, ``cases`` (Hive-style partitions, the dataset's name escaped as
Spark escapes partition values), so that ``spark.read.parquet(ROOT/TABLE)`` sees every
dataset with a ``dataset`` column, and DuckDB reads the same files with ``read_parquet``
(``hive_partitioning``). JSON columns (the profile, attributes) are kept as text.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import duckdb

from analysis.lake.location import (
    Lake,
    RemoteLake,
    drop_remote,
    remote_dataset_row,
    remote_dataset_rows,
    remote_datasets,
    remote_profile_json,
)
from etl.errors import NO_DATASETS, UnknownDatasetError

LAKE_TABLES = ("datasets", "events", "activity_instances", "cases")

# Characters Spark escapes in a partition value (ExternalCatalogUtils.escapePathName).
_ESCAPED = set("\"#%'*/:=?\\\x7f{[]^") | {chr(c) for c in range(0x20)}


def escape_partition(value: str) -> str:
    """A partition value as a directory name, escaped as Spark does (%XX)."""
    return "".join(f"%{ord(ch):02X}" if ch in _ESCAPED else ch for ch in value)


def partition_dir(root: Path, table: str, dataset: str) -> Path:
    """The folder holding one dataset's rows of one table."""
    return Path(root) / table / f"dataset={escape_partition(dataset)}"


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position",
        [table],
    ).fetchall()
    out = []
    for name, kind in rows:
        if name == ("name" if table == "datasets" else "dataset"):
            continue
        out.append(f'CAST("{name}" AS VARCHAR) AS "{name}"' if kind == "JSON" else f'"{name}"')
    return out


def write_dataset(con: duckdb.DuckDBPyConnection, dataset: str, root: Path) -> dict[str, int]:
    """Write one dataset's canonical tables from the store into the lake at ``root``,
    replacing that dataset's partitions (each written beside and swapped in whole).
    Returns the rows written per table."""
    from etl.store import require_dataset

    require_dataset(con, dataset)
    root = Path(root)
    written: dict[str, int] = {}
    for table in LAKE_TABLES:
        key = "name" if table == "datasets" else "dataset"
        final = partition_dir(root, table, dataset)
        staging = final.with_name(f".{final.name}.{uuid.uuid4().hex}")
        staging.mkdir(parents=True, exist_ok=True)
        order = {
            "events": " ORDER BY case_id, event_id",
            "activity_instances": " ORDER BY case_id, instance_id",
            "cases": " ORDER BY case_id",
        }.get(table, "")
        target = str(staging / "part-0.parquet").replace("'", "''")
        select = f"SELECT {', '.join(_columns(con, table))} FROM {table} WHERE {key} = ?{order}"
        con.execute(f"COPY ({select}) TO '{target}' (FORMAT PARQUET, COMPRESSION ZSTD)", [dataset])
        row = con.execute(f"SELECT count(*) FROM {table} WHERE {key} = ?", [dataset]).fetchone()
        written[table] = int(row[0]) if row else 0
        if final.exists():
            old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex}")
            final.rename(old)
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(final)
    return written


def read_profile_json(root: Lake, dataset: str) -> str | None:
    """The profile stored with a dataset in the lake (None when the lake lacks it)."""
    if isinstance(root, RemoteLake):
        return remote_profile_json(root, dataset)
    folder = partition_dir(root, "datasets", dataset)
    if not folder.exists():
        return None
    files = str(folder / "*.parquet").replace("'", "''")
    con = duckdb.connect()
    try:
        row = con.execute(f"SELECT profile FROM read_parquet('{files}') LIMIT 1").fetchone()
    finally:
        con.close()
    return None if row is None or row[0] is None else str(row[0])


def lake_dataset_rows(root: Lake) -> list[dict[str, Any]]:
    """The lake's ``datasets`` rows (as ``loanflow datasets`` lists the store's: name,
    cases, events, activity instances, source, loaded_at, format, layout, rows read,
    rejected, duplicates), by name: what the dashboard's Data page shows of a lake."""
    if isinstance(root, RemoteLake):
        keys = ("cases", "events", "activity_instances", "source", "loaded_at")
        return [
            {"name": str(r["dataset"]), **{k: r.get(k) for k in keys}}
            for r in remote_dataset_rows(root)
        ]
    names = lake_datasets(root)
    if not names:
        return []
    files = str(Path(root) / "datasets" / "*" / "*.parquet").replace("'", "''")
    con = duckdb.connect()
    try:
        result = con.execute(
            "SELECT dataset AS name, cases, events, activity_instances, source,"
            " strftime(loaded_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS loaded_at,"
            " source_format AS format, layout, rows_read, rejected, duplicates"
            f" FROM read_parquet('{files}', hive_partitioning = true) ORDER BY dataset"
        )
        columns = [d[0] for d in result.description]
        rows = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
    known = set(names)
    for row in rows:
        row["name"] = unquote(str(row["name"]))
    return [r for r in rows if r["name"] in known]


def lake_datasets(root: Lake) -> list[str]:
    """The datasets a lake holds (by their ``datasets`` partitions)."""
    if isinstance(root, RemoteLake):
        return remote_datasets(root)
    folder = Path(root) / "datasets"
    if not folder.is_dir():
        return []
    return sorted(
        unquote(p.name.split("=", 1)[1]) for p in folder.iterdir() if p.name.startswith("dataset=")
    )


def lake_has_dataset(root: Lake, dataset: str) -> bool:
    """Whether the lake holds a dataset."""
    if isinstance(root, RemoteLake):
        return remote_dataset_row(root, dataset) is not None
    return partition_dir(root, "datasets", dataset).exists()


def require_lake_dataset(root: Lake, dataset: str) -> None:
    """Raise a clear error when the lake lacks a dataset."""
    if not lake_has_dataset(root, dataset):
        known = ", ".join(lake_datasets(root)) or NO_DATASETS
        raise UnknownDatasetError(
            f"The lake at {root} has no dataset {dataset!r} (it has: {known}). Load it with"
            f" loanflow ingest FILE --dataset {dataset} --engine spark --to {root}.",
            code="lake_dataset_missing",
            root=root,
            dataset=dataset,
            known=known,
        )


def drop_lake_dataset(root: Lake, dataset: str) -> None:
    """Delete one dataset from the lake: its partition of every table, the other datasets'
    left as they are. The ``datasets`` partition goes first, so the dataset leaves the
    lake's list at once; a drop cut short leaves only rows that no listing reaches and
    that the next write of the name replaces. A remote lake is changed on Spark
    (:func:`analysis.lake.location.drop_remote`)."""
    require_lake_dataset(root, dataset)
    if isinstance(root, RemoteLake):
        drop_remote(root, dataset)
        return
    for table in LAKE_TABLES:
        final = partition_dir(root, table, dataset)
        if final.exists():
            gone = final.with_name(f".{final.name}.dropped-{uuid.uuid4().hex}")
            final.rename(gone)  # out of every reader's sight at once, then removed
            shutil.rmtree(gone, ignore_errors=True)
