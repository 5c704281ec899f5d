"""The two engines the lake definitions run on: DuckDB (one machine) and Spark (a cluster).

An engine does four things: expose a dataset's canonical tables (``activity_instances``,
``cases``, ``events``) under names the definitions read, materialise a step (a SELECT) as
a table of its own, run a Python function over the groups of a step's rows where they
are (Spark's ``applyInPandas``; the waiting causes' sweep per resource), and run a
figure's query, returning only its result as a pandas DataFrame. Nothing else crosses
from the engine to the caller: on Spark, the instances
and cases stay on the executors; only figures come back to the driver.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analysis.lake.dialect import DUCKDB, SPARK, Dialect
from analysis.lake.location import Lake, RemoteLake
from etl.errors import LoanFlowError
from etl.settings import SETTINGS

ENGINES = ("duckdb", "spark")


class EngineUnavailableError(LoanFlowError):
    """The chosen engine cannot run here (no Java, no PySpark, no cluster)."""


class Engine(ABC):
    """Where the lake definitions run."""

    dialect: Dialect

    @abstractmethod
    def source(self, name: str, table: str, dataset: str, columns: tuple[str, ...]) -> None:
        """Expose the ``columns`` of ``table``'s rows of ``dataset`` as ``name``."""

    @abstractmethod
    def materialise(self, name: str, sql: str, params: list[Any] | None = None) -> None:
        """Compute a SELECT once and keep its rows as the table ``name``."""

    @abstractmethod
    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a figure's query and return its (small) result."""

    @abstractmethod
    def grouped(
        self,
        name: str,
        sql: str,
        key: str,
        function: Callable[[pd.DataFrame], pd.DataFrame],
        schema: str,
    ) -> None:
        """Run ``function`` on the rows of ``sql`` grouped by the column ``key`` (one pandas
        DataFrame per group, the rows whose key is NULL one group), where the rows are, and
        keep the results, whose columns ``schema`` gives (``"name TYPE, ..."``), as the
        table ``name``. On Spark the groups run on the executors and nothing comes back to
        the driver; ``function`` must pickle (a module's function, or a partial of one)."""

    @abstractmethod
    def drop(self, names: list[str]) -> None:
        """Forget tables made by :meth:`source` or :meth:`materialise`."""


class DuckDBEngine(Engine):
    """DuckDB running the lake definitions, over a store connection or a Parquet lake."""

    dialect = DUCKDB

    def __init__(self, con: duckdb.DuckDBPyConnection, lake: Path | None = None) -> None:
        self.con = con
        self.lake = lake

    def source(self, name: str, table: str, dataset: str, columns: tuple[str, ...]) -> None:
        cols = ", ".join(columns)
        if self.lake is None:
            sql = f"SELECT {cols} FROM {table} WHERE dataset = ?"
            self.materialise(name, sql, [dataset])
            return
        from analysis.lake.files import partition_dir

        files = str(partition_dir(self.lake, table, dataset) / "*.parquet").replace("'", "''")
        self.materialise(name, f"SELECT {cols} FROM read_parquet('{files}')")

    def materialise(self, name: str, sql: str, params: list[Any] | None = None) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", params or [])

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).fetchdf()

    def grouped(
        self,
        name: str,
        sql: str,
        key: str,
        function: Callable[[pd.DataFrame], pd.DataFrame],
        schema: str,
    ) -> None:
        rows = self.con.execute(sql).fetchdf()
        columns = _schema_columns(schema)
        parts = [function(group) for _, group in rows.groupby(key, dropna=False, sort=False)]
        parts = [p for p in parts if len(p)]
        result = pd.concat(parts) if parts else pd.DataFrame({c: [] for c, _ in columns})
        view = f"{name}_frame"
        self.con.register(view, result[[c for c, _ in columns]])
        try:
            typed = ", ".join(f"CAST({c} AS {kind}) AS {c}" for c, kind in columns)
            self.materialise(name, f"SELECT {typed} FROM {view}")
        finally:
            self.con.unregister(view)

    def drop(self, names: list[str]) -> None:
        for name in names:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")


def _schema_columns(schema: str) -> list[tuple[str, str]]:
    """The (name, type) pairs of a ``"name TYPE, ..."`` schema."""
    pairs = [part.split() for part in schema.split(",")]
    return [(p[0], " ".join(p[1:])) for p in pairs]


class SparkEngine(Engine):
    """Spark SQL running the lake definitions over the lake's Parquet files."""

    dialect = SPARK

    def __init__(self, session: Any, lake: Lake) -> None:
        self.spark = session
        self.lake = lake

    def source(self, name: str, table: str, dataset: str, columns: tuple[str, ...]) -> None:
        from analysis.lake.files import partition_dir

        if isinstance(self.lake, RemoteLake):
            from analysis.lake.location import remote_frame

            remote = remote_frame(self.spark, self.lake, table, dataset)
            remote.select(*columns).createOrReplaceTempView(name)
            return
        path = partition_dir(self.lake, table, dataset)
        if not path.exists():
            raise LoanFlowError(
                f"The lake at {self.lake} has no {table} of dataset {dataset!r}.",
                code="lake_table_missing",
                lake=self.lake,
                table=table,
                dataset=dataset,
            )
        frame = self.spark.read.parquet(str(path)).select(*columns)
        frame.createOrReplaceTempView(name)

    def materialise(self, name: str, sql: str, params: list[Any] | None = None) -> None:
        frame = self.spark.sql(sql, args=params or None)
        # A checkpoint computes the step once and cuts its plan: every later step and
        # figure reads these rows, and the analyser never sees the whole derivation.
        frame.localCheckpoint(eager=True).createOrReplaceTempView(name)

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        frame = self.spark.sql(sql, args=params or None).toPandas()
        for column in frame.columns:  # instants back as UTC-aware, as DuckDB gives them
            if pd.api.types.is_datetime64_dtype(frame[column]) and frame[column].dt.tz is None:
                frame[column] = frame[column].dt.tz_localize("UTC")
        return frame

    def grouped(
        self,
        name: str,
        sql: str,
        key: str,
        function: Callable[[pd.DataFrame], pd.DataFrame],
        schema: str,
    ) -> None:
        def each(group: pd.DataFrame) -> pd.DataFrame:  # a plain function for applyInPandas
            return function(group)

        frame = self.spark.sql(sql).groupBy(key).applyInPandas(each, schema)
        frame.localCheckpoint(eager=True).createOrReplaceTempView(name)

    def drop(self, names: list[str]) -> None:
        for name in names:
            self.spark.catalog.dropTempView(name)


# --- the Spark session: one per process, started on first use ------------------------------

_session: Any = None
_session_guard = threading.Lock()


def spark_master() -> str:
    """Where Spark runs (``LOANFLOW_SPARK_MASTER``, default ``local[*]``)."""
    return SETTINGS["spark_master"].value() or "local[*]"


def _shuffle_partitions(master: str) -> int:
    value = SETTINGS["spark_shuffle_partitions"].value()
    if value and value != "auto":
        try:
            return max(1, int(value))
        except ValueError as exc:
            raise EngineUnavailableError(
                f"LOANFLOW_SPARK_SHUFFLE_PARTITIONS must be a whole number or auto, not {value!r}.",
                code="spark_partitions",
                value=value,
            ) from exc
    if master.startswith("local"):
        inside = master[master.find("[") + 1 : master.find("]")] if "[" in master else "1"
        cores = (os.cpu_count() or 2) if inside in ("*", "") else int(inside.split(",")[0])
        return max(2, 2 * cores)
    return 200


def spark_conf() -> dict[str, str]:
    """Further Spark settings from ``LOANFLOW_SPARK_CONF`` (``key=value`` pairs separated by
    semicolons or new lines): the catalog (Hive metastore, Iceberg), object-store
    credentials providers, executors' memory, as the cluster's team gives them."""
    text = SETTINGS["spark_conf"].value() or ""
    pairs: dict[str, str] = {}
    for part in re.split(r"[;\n]", text):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip().startswith("spark."):
            raise EngineUnavailableError(
                f"LOANFLOW_SPARK_CONF holds {part.strip()!r}, which is not a spark.KEY=VALUE"
                " setting: separate the settings with semicolons.",
                code="spark_conf",
                part=part.strip(),
            )
        pairs[key.strip()] = value.strip()
    return pairs


def check_java() -> str:
    """The java executable Spark will start, or a clear error saying how to get one."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        if home:
            raise EngineUnavailableError(
                f"The spark engine needs Java 17 or later, and none was found in JAVA_HOME "
                f"({home}). Install it (Debian: apt-get install openjdk-17-jre-headless) or set "
                "JAVA_HOME.",
                code="spark_no_java_home",
                home=home,
            )
        raise EngineUnavailableError(
            "The spark engine needs Java 17 or later, and none was found on the PATH. Install "
            "it (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.",
            code="spark_no_java",
        )
    return java


def spark_session(
    master: str | None = None,
    shuffle_partitions: int | None = None,
    conf: dict[str, str] | None = None,
) -> Any:
    """The process's Spark session, started on first use (10-20 s: the JVM). ``master``,
    ``shuffle_partitions`` and further Spark ``conf`` apply to a session this call starts."""
    global _session
    with _session_guard:
        if _session is not None and _session.sparkContext._jsc is not None:
            return _session
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise EngineUnavailableError(
                "The spark engine needs PySpark 4: pip install 'loanflow[spark]'"
                " (or pip install 'pyspark>=4,<5').",
                code="spark_no_pyspark",
            ) from exc
        check_java()
        chosen = master or spark_master()
        builder = (
            SparkSession.builder.master(chosen)
            .appName("LoanFlow")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config(
                "spark.sql.shuffle.partitions",
                str(shuffle_partitions or _shuffle_partitions(chosen)),
            )
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.sql.adaptive.enabled", "true")
        )
        if chosen.startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
            # Python work on the executors (the waiting causes' per-resource sweep) runs in
            # this interpreter's environment, not whatever python3 the PATH finds first
            # (PySpark reads only the variable; on a cluster, set it to the executors').
            os.environ["PYSPARK_PYTHON"] = sys.executable
        settings = {**spark_conf(), **(conf or {})}
        if chosen.startswith("local") and "spark.sql.warehouse.dir" not in settings:
            # Catalog tables a local session creates (--to catalog:DB) go to the cache
            # folder, not a spark-warehouse folder wherever the command was started.
            warehouse = Path(SETTINGS["cache_dir"].value()).resolve() / "spark-warehouse"
            settings["spark.sql.warehouse.dir"] = str(warehouse)
        for key, value in settings.items():
            builder = builder.config(key, value)
        memory = SETTINGS["spark_driver_memory"].value()
        if memory:
            builder = builder.config("spark.driver.memory", memory)
        try:
            session = builder.getOrCreate()
        except Exception as exc:  # the JVM did not start or the master is unreachable
            reason = str(exc).splitlines()[0]
            raise EngineUnavailableError(
                f"Spark could not start with master {chosen!r}: {reason}",
                code="spark_start_failed",
                master=chosen,
                reason=reason,
            ) from exc
        session.sparkContext.setLogLevel("ERROR")
        _session = session
        return session


def stop_spark() -> None:
    """Stop the process's Spark session (and its JVM's work) if one was started."""
    global _session
    with _session_guard:
        if _session is not None:
            _session.stop()
            _session = None
