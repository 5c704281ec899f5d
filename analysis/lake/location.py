"""Where a lake lives, and reading and writing the lakes only Spark reaches.

A lake is named by one text (``--lake``, ``--to``, ``LOANFLOW_LAKE``):

- a folder on this machine (``/data/lake``): Parquet files ``TABLE/dataset=NAME/``, read by
  both engines (:mod:`analysis.lake.files`);
- a file-system URI Spark reaches through Hadoop (``hdfs://``, ``s3a://``, ``abfss://``,
  ``gs://``, ``file://``...): the same layout on the cluster's storage, read and written
  by Spark with the session's credentials and settings (``LOANFLOW_SPARK_CONF``);
- tables of Spark's catalog, ``catalog:DATABASE`` or ``catalog:CATALOG.DATABASE`` (a Hive
  metastore, an Iceberg or Delta catalog, whatever the session is configured with): the
  tables ``DATABASE.datasets``, ``.events``, ``.activity_instances`` and ``.cases``, each
  with a ``dataset`` column (the partition column of the tables LoanFlow creates).

The last two are :class:`RemoteLake`; the functions here read them on Spark by the
``dataset`` column (the way a cluster's jobs select a partition) and write one dataset's
rows into them, replacing only that dataset's partition.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.errors import BadInputError, LoanFlowError

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CATALOG_PREFIX = "catalog:"


@dataclass(frozen=True)
class RemoteLake:
    """A lake only Spark reaches: a Hadoop file-system URI, or a database of Spark's
    catalog (``text`` starts with ``catalog:``)."""

    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def is_catalog(self) -> bool:
        """Whether the lake is tables of Spark's catalog (not files at a URI)."""
        return self.text.startswith(CATALOG_PREFIX)

    def table_name(self, table: str) -> str:
        """The catalog table of one canonical table, quoted (``catalog:`` lakes)."""
        parts = [*self.text[len(CATALOG_PREFIX) :].split("."), table]
        return ".".join(f"`{p}`" for p in parts)

    def table_path(self, table: str) -> str:
        """The folder URI of one canonical table (URI lakes)."""
        return f"{self.text.rstrip('/')}/{table}"


Lake = Path | RemoteLake


def parse_lake(text: str) -> Lake:
    """The lake a text names: a folder, a file-system URI or ``catalog:[CATALOG.]DATABASE``
    (a clear error for a catalog name that is not one)."""
    text = text.strip()
    if text.startswith(CATALOG_PREFIX):
        parts = text[len(CATALOG_PREFIX) :].split(".")
        if not 1 <= len(parts) <= 2 or not all(_NAME.match(p) for p in parts):
            raise BadInputError(
                f"{text!r} is not a catalog database: write catalog:DATABASE or "
                "catalog:CATALOG.DATABASE, with letters, digits and underscores.",
                code="lake_catalog_name",
                text=text,
            )
        return RemoteLake(text)
    if _URI.match(text):
        return RemoteLake(text)
    return Path(text)


def needs_spark(lake: Lake | None) -> None:
    """Raise a clear error when DuckDB is asked to read a lake only Spark reaches."""
    if isinstance(lake, RemoteLake):
        raise LoanFlowError(
            f"DuckDB reads a lake in a folder on this machine; {lake} is reached through Spark:"
            " use --engine spark (or copy the lake to a local folder).",
            code="lake_needs_spark",
            lake=lake,
        )


def _spark() -> Any:
    from analysis.lake.engine import spark_session

    return spark_session()


def _exists(spark: Any, lake: RemoteLake, table: str) -> bool:
    """Whether the lake has the table at all (a catalog table, or a folder at the URI)."""
    if lake.is_catalog:
        return bool(spark.catalog.tableExists(lake.table_name(table).replace("`", "")))
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(lake.table_path(table))
    system = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return bool(system.exists(path))


def remote_frame(spark: Any, lake: RemoteLake, table: str, dataset: str | None = None) -> Any:
    """One canonical table of the lake as a Spark frame (with its ``dataset`` column),
    only ``dataset``'s rows when given."""
    from pyspark.sql import functions as sf

    if lake.is_catalog:
        frame = spark.table(lake.table_name(table))
    else:
        frame = spark.read.parquet(lake.table_path(table))
    return frame if dataset is None else frame.where(sf.col("dataset") == dataset)


def remote_datasets(lake: RemoteLake) -> list[str]:
    """The datasets the lake holds, sorted ([] for a lake that has none yet)."""
    spark = _spark()
    if not _exists(spark, lake, "datasets"):
        return []
    rows = remote_frame(spark, lake, "datasets").select("dataset").distinct().collect()
    return sorted(str(r[0]) for r in rows)


def remote_dataset_row(lake: RemoteLake, dataset: str) -> dict[str, Any] | None:
    """The lake's ``datasets`` row of one dataset (None when the lake lacks it)."""
    spark = _spark()
    if not _exists(spark, lake, "datasets"):
        return None
    rows = remote_frame(spark, lake, "datasets", dataset).limit(1).collect()
    return rows[0].asDict() if rows else None


def remote_dataset_rows(lake: RemoteLake) -> list[dict[str, Any]]:
    """Every row of the lake's ``datasets`` table, in one read, by dataset."""
    spark = _spark()
    if not _exists(spark, lake, "datasets"):
        return []
    rows = [r.asDict() for r in remote_frame(spark, lake, "datasets").collect()]
    return sorted(rows, key=lambda r: str(r["dataset"]))


def remote_profile_json(lake: RemoteLake, dataset: str) -> str | None:
    """The profile stored with a dataset in the lake (None when it lacks one)."""
    return _profile_of(remote_dataset_row(lake, dataset) or {})


def remote_stamp(lake: RemoteLake, dataset: str) -> str:
    """A version of one dataset in the lake: a digest of its ``datasets`` row, which a load
    rewrites (its time of loading, its counts, its profile)."""
    return _stamp_of(remote_dataset_row(lake, dataset) or {})


def remote_dataset_facts(lake: RemoteLake, dataset: str) -> tuple[str | None, str] | None:
    """The profile and the version of one dataset of the lake (:func:`remote_profile_json`,
    :func:`remote_stamp`) from one read of its ``datasets`` row; None when the lake lacks
    the dataset."""
    row = remote_dataset_row(lake, dataset)
    return None if row is None else (_profile_of(row), _stamp_of(row))


def _profile_of(row: dict[str, Any]) -> str | None:
    return None if row.get("profile") is None else str(row["profile"])


def _stamp_of(row: dict[str, Any]) -> str:
    text = json.dumps(row, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def write_remote(staged: Path, dataset: str, lake: RemoteLake) -> None:
    """Copy one dataset's tables from a local lake folder ``staged`` into ``lake`` on Spark,
    each table's ``dataset`` partition replaced whole and the others left as they were
    (dynamic partition overwrite). A catalog table is created, partitioned by ``dataset``,
    when the database lacks it; the database must exist."""
    from pyspark.sql import functions as sf

    from analysis.lake.files import LAKE_TABLES, partition_dir

    spark = _spark()
    if lake.is_catalog:
        _require_database(spark, lake)
    mode_key = "spark.sql.sources.partitionOverwriteMode"
    mode_before = spark.conf.get(mode_key)
    spark.conf.set(mode_key, "dynamic")
    try:
        for table in LAKE_TABLES:
            # The dataset's own folder, its name added as text (read from the folder name,
            # Spark would guess a type: a dataset named 2012 would become a number).
            frame = spark.read.parquet(str(partition_dir(staged, table, dataset)))
            frame = frame.withColumn("dataset", sf.lit(dataset))
            if not lake.is_catalog:
                frame.write.mode("overwrite").partitionBy("dataset").parquet(lake.table_path(table))
            elif _exists(spark, lake, table):
                name = lake.table_name(table)
                frame.select(*spark.table(name).columns).write.insertInto(name, overwrite=True)
            else:
                frame.write.partitionBy("dataset").saveAsTable(lake.table_name(table))
    finally:
        spark.conf.set(mode_key, mode_before)


def drop_remote(lake: RemoteLake, dataset: str) -> None:
    """Delete one dataset's partition of every table of ``lake`` on Spark, ``datasets``
    first: at a URI its folders, through the cluster's file system; in the catalog by
    ``ALTER TABLE ... DROP PARTITION``, or ``DELETE FROM`` for a table format that keeps
    no partitions in the catalog (Iceberg, Delta)."""
    from analysis.lake.files import LAKE_TABLES, escape_partition

    spark = _spark()
    for table in LAKE_TABLES:
        if not _exists(spark, lake, table):
            continue
        if lake.is_catalog:
            _drop_catalog_rows(spark, lake.table_name(table), dataset)
            continue
        jvm = spark.sparkContext._jvm
        folder = f"{lake.table_path(table)}/dataset={escape_partition(dataset)}"
        path = jvm.org.apache.hadoop.fs.Path(folder)
        path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)


def _drop_catalog_rows(spark: Any, table: str, dataset: str) -> None:
    from pyspark.errors import AnalysisException

    value = "'" + dataset.replace("\\", "\\\\").replace("'", "\\'") + "'"
    try:
        spark.sql(f"ALTER TABLE {table} DROP IF EXISTS PARTITION (dataset = {value})")
    except AnalysisException:  # the table format keeps its partitions itself
        spark.sql(f"DELETE FROM {table} WHERE dataset = {value}")
    spark.catalog.refreshTable(table)


def _require_database(spark: Any, lake: RemoteLake) -> None:
    database = lake.text[len(CATALOG_PREFIX) :]
    if not spark.catalog.databaseExists(database):
        raise BadInputError(
            f"Spark's catalog has no database {database!r}: create it (CREATE DATABASE"
            f" {database}) or name one that exists.",
            code="lake_catalog_database",
            database=database,
        )


def remote_counts(lake: RemoteLake, dataset: str) -> dict[str, int]:
    """The rows of each table of one dataset of the lake, as Spark reads them."""
    from analysis.lake.files import LAKE_TABLES

    spark = _spark()
    return {t: int(remote_frame(spark, lake, t, dataset).count()) for t in LAKE_TABLES}
