"""Shared fixtures: a real DuckDB store in a temporary folder, and the BPIC 2012 log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from etl.store import connect

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a fresh store file in a temporary folder (not created yet)."""
    return tmp_path / "store.duckdb"


@pytest.fixture
def store(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A real, migrated DuckDB store, opened for writing."""
    con = connect(db_path)
    yield con
    con.close()


@pytest.fixture(scope="session")
def bpic2012_path() -> Path:
    """The BPI Challenge 2012 log (van Dongen, 4TU.ResearchData).

    Found through LOANFLOW_BPIC2012 or ../shared/data/bpic2012/. Its absence fails the
    test run: it is never silently skipped.
    """
    explicit = os.environ.get("LOANFLOW_BPIC2012")
    path = (
        Path(explicit)
        if explicit
        else ROOT.parent / "shared/data/bpic2012/BPI_Challenge_2012.xes.gz"
    )
    if not path.exists():
        pytest.fail(f"BPIC 2012 not found at {path}; set LOANFLOW_BPIC2012 to its path.")
    return path


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One Spark session for every Spark test of the run (its JVM takes 10-20 s to start):
    local[2], two shuffle partitions, no UI. Spark tests are marked
    ``xdist_group("spark")`` so that under ``pytest -n 2 --dist loadgroup`` they share one
    worker, and so this one session.

    Tuned for many small queries (measured on the parity suite's logs: JVM start 21 -> 9 s,
    a dataset's preparation 44 -> 16 s, its figures 27 -> 5-9 s): the JVM's quick compiler
    only, and Spark's interpreted expressions instead of generated code, whose compilation
    costs more than tiny inputs take. Results do not depend on either."""
    from analysis.lake.engine import spark_session, stop_spark

    session = spark_session(
        "local[2]",
        shuffle_partitions=2,
        conf={
            "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.codegen.factoryMode": "NO_CODEGEN",
            # The catalog tables a test creates (tests/test_lake_remote.py) live in the run.
            "spark.sql.warehouse.dir": str(tmp_path_factory.mktemp("spark-warehouse")),
        },
    )
    yield session
    stop_spark()


# --- the lake's shared datasets (tests/test_lake_*.py, all in the xdist group "spark") -----


@pytest.fixture(scope="session")
def lake_hand_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A store with the hand-worked logs ``hand`` (tests/test_analysis_kpis.py) and ``edge``
    (tests/lake_parity.py's edge cases)."""
    from tests.analysis_logs import make_log
    from tests.lake_parity import EDGE_ATTRS, EDGE_PROFILE, EDGE_ROWS
    from tests.test_analysis_kpis import ATTRS, PROFILE, ROWS

    con = connect(tmp_path_factory.mktemp("hand") / "store.duckdb")
    make_log(con, "hand", ROWS, PROFILE, ATTRS)
    make_log(
        con,
        "edge",
        EDGE_ROWS,
        EDGE_PROFILE,
        EDGE_ATTRS,
        extra_events=[("D", "審批", "2025-03-31 12:00", "schedule")],
    )
    yield con
    con.close()


@pytest.fixture(scope="session")
def lake_hand_runs(
    spark: Any,
    lake_hand_store: duckdb.DuckDBPyConnection,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """The lake derivations of ``hand`` and ``edge`` on Spark, written to a lake first."""
    from tests.lake_parity import spark_run

    lake = tmp_path_factory.mktemp("hand_lake")
    return {name: spark_run(spark, lake_hand_store, name, lake) for name in ("hand", "edge")}


@pytest.fixture(scope="session")
def lake_bpic_store(
    tmp_path_factory: pytest.TempPathFactory, bpic2012_path: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    """BPI Challenge 2012 in a store, with tests/lake_parity.py's profile (departments,
    outcomes, the Dutch time zone)."""
    from etl.load import ingest
    from tests.lake_parity import BPIC_PROFILE

    con = connect(tmp_path_factory.mktemp("lake_bpic") / "store.duckdb")
    ingest(bpic2012_path, "bpic", con=con, profile=BPIC_PROFILE)
    yield con
    con.close()


@pytest.fixture(scope="session")
def lake_bpic_runs(
    spark: Any,
    lake_bpic_store: duckdb.DuckDBPyConnection,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Any]]:
    """BPIC 2012's lake derivations on Spark and on DuckDB reading the same lake."""
    from tests.lake_parity import duckdb_lake_run, spark_run

    lake = tmp_path_factory.mktemp("bpic_lake")
    runs = {"spark": spark_run(spark, lake_bpic_store, "bpic", lake)}
    runs["duckdb"] = duckdb_lake_run("bpic", lake)
    yield runs
    for run in runs.values():
        run.drop()


@pytest.fixture(scope="session")
def lake_sample_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A store with both sample logs (``before``, ``after``) and their profiles."""
    from etl.load import ingest

    samples = ROOT / "sample_logs"
    con = connect(tmp_path_factory.mktemp("lake_samples") / "store.duckdb")
    ingest(samples / "before.csv", "before", con=con, profile=samples / "before.profile.yaml")
    ingest(samples / "after.xes.gz", "after", con=con, profile=samples / "after.profile.yaml")
    yield con
    con.close()


@pytest.fixture(scope="session")
def lake_sample_runs(
    spark: Any,
    lake_sample_store: duckdb.DuckDBPyConnection,
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    """The sample logs' lake derivations on Spark (one lake), each prepared on first use
    and kept for the session (:class:`tests.lake_parity.LakeRuns`)."""
    from tests.lake_parity import LakeRuns

    return LakeRuns(spark, lake_sample_store, tmp_path_factory.mktemp("sample_lake"))
