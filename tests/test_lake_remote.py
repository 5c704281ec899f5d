"""Lakes only Spark reaches: a file-system URI (``file://`` here, the same Hadoop code path as
``hdfs://`` or ``s3a://``) and tables of Spark's catalog (``catalog:DATABASE``), written by
``loanflow ingest --engine spark --to`` and read by the analysis commands, with the store
path's figures; and the clear refusals around them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analysis.lake.engine import spark_conf
from analysis.lake.location import RemoteLake, parse_lake
from etl.errors import LoanFlowError
from loanflow.cli import main
from tests.lake_parity import assert_same

pytestmark = pytest.mark.xdist_group("spark")

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
PROFILE = str(SAMPLES / "before.profile.yaml")


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _cases_of(source: Path, target: Path, first: int, last: int) -> Path:
    """The rows of the ``first``-th to ``last``-th case of a sample CSV (its bytes, in its
    own encoding), as a file of their own."""
    lines = source.read_bytes().splitlines(keepends=True)
    ids: list[bytes] = []
    kept = [lines[0]]
    for line in lines[1:]:
        case = line.split(b",", 1)[0]
        if case not in ids:
            ids.append(case)
        if first <= len(ids) - 1 < last and case == ids[-1]:
            kept.append(line)
    target.write_bytes(b"".join(kept))
    return target


def test_lake_names() -> None:
    assert parse_lake("/data/lake") == Path("/data/lake")
    assert parse_lake("s3a://bank-lake/loanflow/") == RemoteLake("s3a://bank-lake/loanflow/")
    assert RemoteLake("hdfs://nn:8020/lake/").table_path("events") == "hdfs://nn:8020/lake/events"
    lake = parse_lake("catalog:risk.loanflow")
    assert isinstance(lake, RemoteLake) and lake.is_catalog
    assert lake.table_name("cases") == "`risk`.`loanflow`.`cases`"
    for bad in ("catalog:", "catalog:a.b.c", "catalog:bad-name", "catalog:x;DROP"):
        with pytest.raises(LoanFlowError) as caught:
            parse_lake(bad)
        assert caught.value.code == "lake_catalog_name"


def test_spark_conf_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "LOANFLOW_SPARK_CONF", "spark.sql.catalogImplementation=hive; spark.executor.memory=4g\n"
    )
    assert spark_conf() == {
        "spark.sql.catalogImplementation": "hive",
        "spark.executor.memory": "4g",
    }
    monkeypatch.setenv("LOANFLOW_SPARK_CONF", "executor.memory 4g")
    with pytest.raises(LoanFlowError) as caught:
        spark_conf()
    assert caught.value.code == "spark_conf"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two small logs cut from the sample bank (30 and 12 cases) and a store holding the
    first, for the store path's figures."""
    folder = tmp_path_factory.mktemp("remote")
    first = _cases_of(SAMPLES / "before.csv", folder / "first.csv", 0, 30)
    second = _cases_of(SAMPLES / "before.csv", folder / "second.csv", 30, 42)
    db = str(folder / "store.duckdb")
    stored = invoke("ingest", str(first), "-d", "bank", "-p", PROFILE, "--db", db, "--json")
    assert stored.exit_code == 0, stored.output
    return {"folder": folder, "first": first, "second": second, "db": db,
            "stored": json.loads(stored.output)}  # fmt: skip


def _ingest(source: Path, dataset: str, lake: str, *extra: str) -> Any:
    # (--db: the store that takes the load's audit line, the small fixture's own)
    db = str(source.parent / "store.duckdb")
    return invoke(
        "ingest", str(source), "-d", dataset, "-p", PROFILE, "--engine", "spark", "--to", lake,
        "--json", "--db", db, *extra,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["uri", "catalog"])
def test_a_remote_lake_written_and_read_by_spark(
    spark: Any, small: dict[str, Any], kind: str
) -> None:
    """ingest --engine spark --to a URI or catalog tables: Spark reads back every row; a
    second dataset sits beside the first, and replacing the first leaves the second; kpis on
    Spark over that lake prints the store path's JSON."""
    if kind == "uri":
        lake = (small["folder"] / "lake").resolve().as_uri()
    else:
        spark.sql("CREATE DATABASE IF NOT EXISTS loanflow_remote_test")
        lake = "catalog:loanflow_remote_test"
    written = _ingest(small["first"], "bank", lake)
    assert written.exit_code == 0, written.output
    summary = json.loads(written.output)
    assert summary["spark_rows"] == summary["lake_rows"]
    assert summary["lake_rows"]["cases"] == 30 == small["stored"]["cases"]
    assert summary["lake_rows"]["events"] == small["stored"]["events"]
    other = json.loads(_ingest(small["second"], "branch 2012", lake).output)
    assert other["spark_rows"]["cases"] == 12
    # A dataset already there needs --replace; replacing swaps only its own partition.
    refused = _ingest(small["first"], "bank", lake)
    assert refused.exit_code != 0 and "--replace" in refused.output
    again = json.loads(_ingest(small["first"], "bank", lake, "--replace").output)
    assert again["mode"] == "replace" and again["spark_rows"] == summary["lake_rows"]
    from analysis.lake.location import remote_counts, remote_datasets

    remote = RemoteLake(lake)
    assert remote_datasets(remote) == ["bank", "branch 2012"]
    assert remote_counts(remote, "branch 2012") == other["spark_rows"]
    # The derivations read through the lake's location (every figure is built on them, and
    # tests/test_lake_parity.py holds each figure to the store path's on a folder lake).
    store = invoke("kpis", "bank", "--db", small["db"], "--json")
    on_spark = invoke("kpis", "bank", "--engine", "spark", "--lake", lake, "--json")
    assert on_spark.exit_code == 0, on_spark.output
    assert_same(json.loads(store.output), json.loads(on_spark.output), "kpis")
    missing = invoke("kpis", "nobody", "--engine", "spark", "--lake", lake)
    assert missing.exit_code != 0
    assert "bank, branch 2012" in missing.output
    # Dropping one dataset removes its partition of every table and leaves the other whole.
    db = small["db"]
    dropped = invoke(
        "drop", "branch 2012", "--lake", lake, "--engine", "spark", "--yes", "--db", db
    )
    assert dropped.exit_code == 0, dropped.output
    assert remote_datasets(remote) == ["bank"]
    assert remote_counts(remote, "branch 2012") == dict.fromkeys(other["spark_rows"], 0)
    assert remote_counts(remote, "bank") == summary["lake_rows"]


def test_remote_lakes_refused_where_they_cannot_work(spark: Any, small: dict[str, Any]) -> None:
    """DuckDB cannot read or write a lake only Spark reaches, and a catalog database must
    exist: each says so, and nothing is written."""
    uri = (small["folder"] / "elsewhere").resolve().as_uri()
    on_duckdb = invoke("kpis", "bank", "--lake", uri)
    assert on_duckdb.exit_code != 0 and "--engine spark" in on_duckdb.output
    write = invoke(
        "ingest", str(small["second"]), "-d", "x", "-p", PROFILE, "--to", uri, "--db", small["db"]
    )
    assert write.exit_code != 0 and "--engine spark" in write.output
    no_database = _ingest(small["second"], "x", "catalog:no_such_database")
    assert no_database.exit_code != 0 and "CREATE DATABASE" in no_database.output
    assert not (small["folder"] / "elsewhere").exists()
    assert not spark.catalog.databaseExists("no_such_database")


def test_a_catalog_partition_named_with_quotes_and_backslashes_is_dropped_alone(
    spark: Any,
) -> None:
    from analysis.lake.location import _drop_catalog_rows

    spark.sql("CREATE DATABASE IF NOT EXISTS loanflow_drop_test")
    names = ["O'Brien \\\\ desk", "plain", "O"]
    frame = spark.createDataFrame([(n, i) for i, n in enumerate(names)], "dataset STRING, n INT")
    table = "`loanflow_drop_test`.`cases`"
    frame.write.mode("overwrite").partitionBy("dataset").saveAsTable(table)
    _drop_catalog_rows(spark, table, names[0])
    left = sorted(r["dataset"] for r in spark.table(table).collect())
    assert left == ["O", "plain"]
