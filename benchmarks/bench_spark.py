"""Benchmark: the main view (KPIs, process map, handoffs, variants) on DuckDB and on Spark,
at 1M, 10M and 100M events.

The logs: the sample bank's simulator (``sample_logs``, scenario ``before``, instance
layout) generates a base log of about a million events; larger logs replicate it in DuckDB,
copy k of every case getting the case id ``ID~k`` and its times shifted by k times the
base log's span (so 10M events are ten consecutive periods of the same bank, 100M a
hundred). Simulating 10M or 100M events directly would take the simulator tens of minutes
to hours on this machine; the replicas keep every per-case property of the simulated log.

Per size, each engine runs in a process of its own, timed from start to exit (imports, the
JVM's start, the derivations and the four figures), with the peak resident memory of the
process and its children (the Spark JVM) sampled every 0.2 s:

- ``duckdb store``: the store path (``analysis.prepared_tables`` then ``kpis``,
  ``process_map``, ``handoffs``, ``variants``), what ``loanflow`` does by default;
- ``duckdb lake``: the lake definitions (``analysis.lake``) on DuckDB reading the Parquet;
- ``spark local[2]``: the lake definitions on Spark, master ``local[2]``.

Writes ``benchmarks/results/spark.md``. Run: ``python benchmarks/bench_spark.py
[--sizes 1,10,100] [--driver-memory 8g] [--work DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
EVENTS_PER_BASE = 1_000_000

# The process tree's memory, followed from the child down (/proc/PID/task/*/children):
# reading every process of /proc each 0.2 s took about a fifth of a core in the 100M run.
from etl.load_worker import tree_rss  # noqa: E402


def _timed(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a process; its wall seconds, peak memory (with children) and its JSON output."""
    began = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    wall = time.perf_counter() - began
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed:\n{err.decode()[-3000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    return {"wall": wall, "peak_mb": peak[0] / 2**20, **result}


# --- the measured work, run in a child process ----------------------------------------------


def _limit_memory(con: Any) -> None:
    """DuckDB's memory limit from ``--duckdb-memory`` (passed on in the environment), so a
    large size spills to disk instead of taking the memory other work on the machine needs."""
    limit = os.environ.get("LOANFLOW_BENCH_DUCKDB_MEMORY")
    if limit:
        con.execute(f"SET memory_limit = '{limit}'")


def _child(kind: str, path: str, dataset: str) -> None:
    began = time.perf_counter()
    if kind == "store":
        from analysis import handoffs, kpis, process_map, variants
        from analysis.prepared_tables import prepare
        from etl.store import connect

        con = connect(path)
        _limit_memory(con)
        t0 = time.perf_counter()
        prepare(con, dataset)
        t1 = time.perf_counter()
        k = kpis(con, dataset)
        process_map(con, dataset)
        handoffs(con, dataset)
        variants(con, dataset)
        t2 = time.perf_counter()
    else:
        from analysis.lake import figures
        from analysis.lake.engine import DuckDBEngine, SparkEngine, spark_session
        from analysis.lake.files import read_profile_json
        from analysis.lake.run import LakeRun
        from etl.profile import profile_from_store

        t0 = time.perf_counter()
        if kind == "spark":
            engine: Any = SparkEngine(spark_session("local[2]"), Path(path))
        else:
            import duckdb

            con = duckdb.connect()
            _limit_memory(con)
            engine = DuckDBEngine(con, Path(path))
        profile = profile_from_store(read_profile_json(Path(path), dataset))
        run = LakeRun(engine, dataset, profile, "bench")
        started = time.perf_counter()
        run.prepare()
        t1 = time.perf_counter()
        k = figures.kpis(run)
        figures.process_map(run)
        figures.handoffs(run)
        figures.variants(run)
        t2 = time.perf_counter()
        t0 = started if kind != "spark" else t0
    print(
        json.dumps(
            {
                "start": t0 - began,
                "prepare": t1 - t0,
                "views": t2 - t1,
                "events": k.events,
                "cases": k.cases,
                "median_cycle": k.cycle_time_hours.median,
            }
        )
    )


# --- building the logs ------------------------------------------------------------------------


def _base_log(work: Path) -> Path:
    """The simulated base log of about a million events, loaded into a store."""
    from etl.load import ingest
    from sample_logs.generate import generate_log

    store = work / "base.duckdb"
    if store.exists():
        return store
    probe = generate_log(work / "probe.parquet", "before", 500, 7, layout="instances")
    per_case = probe.events / probe.cases
    cases = int(EVENTS_PER_BASE / per_case)
    began = time.perf_counter()
    summary = generate_log(work / "base.parquet", "before", cases, 7, layout="instances")
    print(f"simulated {summary.events:,} events in {time.perf_counter() - began:.1f} s", flush=True)
    profile = ROOT / "sample_logs" / "before.profile.yaml"
    ingest(work / "base.parquet", "bank", db=store, profile=_parquet_profile(profile, work))
    return store


def _parquet_profile(profile: Path, work: Path) -> Path:
    """The sample profile without its CSV-only keys (encoding, delimiter)."""
    import yaml

    data = yaml.safe_load(profile.read_text(encoding="utf-8"))
    for key in ("encoding", "delimiter"):
        data.pop(key, None)
    out = work / "parquet.profile.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def _replica_views(con: Any, read: Callable[[str], str], copies: int, prefix: str) -> None:
    """Temporary views ``{prefix}events``, ``{prefix}activity_instances`` and
    ``{prefix}cases``: ``copies`` replicas of the base log's tables (``read(table)`` is the
    SQL that reads one), each replica's case ids suffixed ``~k`` and its times shifted by
    k times the log's span plus a day, so that replicas follow one another."""
    span = con.execute(
        f"SELECT epoch_us(max(last_ts)) - epoch_us(min(first_ts)) + 86400000000"
        f" FROM {read('cases')}"
    ).fetchone()
    shift = f"to_microseconds(k * {int(span[0]) if span else 0})"
    reps = f"(SELECT range AS k FROM range({copies}))"
    con.execute(
        f"CREATE TEMP VIEW {prefix}events AS SELECT * EXCLUDE (k) REPLACE ("
        f"event_id + k * 100000000 AS event_id, case_id || '~' || k AS case_id,"
        f" ts + {shift} AS ts) FROM {read('events')}, {reps}"
    )
    con.execute(
        f"CREATE TEMP VIEW {prefix}activity_instances AS SELECT * EXCLUDE (k) REPLACE ("
        f"instance_id + k * 100000000 AS instance_id, case_id || '~' || k AS case_id,"
        f" start_ts + {shift} AS start_ts, end_ts + {shift} AS end_ts)"
        f" FROM {read('activity_instances')}, {reps}"
    )
    con.execute(
        f"CREATE TEMP VIEW {prefix}cases AS SELECT * EXCLUDE (k) REPLACE ("
        f"case_id || '~' || k AS case_id, first_ts + {shift} AS first_ts,"
        f" last_ts + {shift} AS last_ts) FROM {read('cases')}, {reps}"
    )


def _counts_times(copies: int) -> str:
    """The ``REPLACE`` of a datasets row whose counts are multiplied by ``copies``."""
    return (
        f"REPLACE (events * {copies} AS events, activity_instances * {copies}"
        f" AS activity_instances, cases * {copies} AS cases, rows_read * {copies} AS rows_read)"
    )


def _replicated(base: Path, work: Path, copies: int) -> tuple[Path, Path]:
    """A store and a lake holding ``copies`` replicas of the base log as dataset ``bank``."""
    import duckdb

    from analysis.lake.files import write_dataset
    from etl.store import connect

    store, lake = work / f"x{copies}.duckdb", work / f"lake_x{copies}"
    if copies == 1:
        store = base
    elif not store.exists():
        con = connect(store)
        _limit_memory(con)
        con.execute(f"ATTACH '{base}' AS base (READ_ONLY)")
        _replica_views(con, lambda table: f"base.{table}", copies, "replica_")
        con.execute("BEGIN")
        con.execute(f"INSERT INTO datasets SELECT * {_counts_times(copies)} FROM base.datasets")
        for table in ("events", "activity_instances", "cases"):
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM replica_{table}")
        con.execute("COMMIT")
        con.execute("DETACH base")
        con.close()
    if not lake.exists():
        con = duckdb.connect(str(store))
        _limit_memory(con)
        write_dataset(con, "bank", lake)
        con.close()
    return store, lake


def _replicated_lake(base: Path, work: Path, copies: int) -> Path:
    """The lake of ``copies`` replicas written straight from the base log's lake, without the
    replicated store in between (for runs that measure only the lake engines): the same
    replica views as ``_replicated``, over the base lake's Parquet, copied out by
    ``write_dataset``. Same rows as the lake ``_replicated`` writes, in a fraction of the
    time."""
    import duckdb

    from analysis.lake.files import write_dataset

    _, base_lake = _replicated(base, work, 1)
    lake = work / f"lake_x{copies}"
    if lake.exists():
        return lake
    con = duckdb.connect()
    _limit_memory(con)

    def parquet(table: str) -> str:
        files = str(base_lake / table / "*" / "*.parquet").replace("'", "''")
        return f"read_parquet('{files}', hive_partitioning = true)"

    _replica_views(con, parquet, copies, "")
    con.execute(
        f"CREATE TEMP VIEW datasets AS SELECT dataset AS name, * {_counts_times(copies)}"
        f" FROM {parquet('datasets')}"
    )
    write_dataset(con, "bank", lake)
    con.close()
    return lake


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="Millions of events (replicas).")
    parser.add_argument("--driver-memory", default="8g", help="Spark driver (local) memory.")
    parser.add_argument("--work", default=None, help="Folder for the logs (kept).")
    parser.add_argument("--engines", default="store,lake,spark")
    parser.add_argument(
        "--duckdb-memory", default=None, help="DuckDB memory limit, e.g. 6GB (default: DuckDB's)."
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    work = Path(args.work or tempfile.mkdtemp(prefix="loanflow-spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    load = os.getloadavg()[0]
    base = _base_log(work)
    if args.duckdb_memory:  # read by _limit_memory here (the replicas) and in the children
        os.environ["LOANFLOW_BENCH_DUCKDB_MEMORY"] = args.duckdb_memory
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LOANFLOW_SPARK_DRIVER_MEMORY": args.driver_memory,
        "LOANFLOW_SPARK_SHUFFLE_PARTITIONS": "auto",
    }
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        if "store" in args.engines.split(",") or size == 1:
            store, lake = _replicated(base, work, size)
        else:
            store, lake = base, _replicated_lake(base, work, size)
        for engine in args.engines.split(","):
            target = str(store) if engine == "store" else str(lake)
            argv = [sys.executable, __file__, "--child", engine, target, "bank"]
            result = _timed(argv, env)
            result.update(size=size, engine=engine)
            print(json.dumps(result), flush=True)
            rows.append(result)
            (work / "results.json").write_text(json.dumps(rows, indent=1))
    _write(rows, started, load, os.getloadavg()[0], args.driver_memory)
    return 0


LABELS = {"store": "DuckDB, store path", "lake": "DuckDB, lake definitions on Parquet",
          "spark": "Spark local[2], lake definitions on Parquet"}  # fmt: skip


def _write(rows: list[dict[str, Any]], started: datetime, load0: float, load1: float,
           memory: str) -> None:  # fmt: skip
    import duckdb
    import pyspark

    lines = [
        "## Spark",
        "",
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `benchmarks/bench_spark.py` on "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
        f"{load0:.1f} at start, {load1:.1f} at the end; Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}, pyspark {pyspark.__version__}, Spark driver memory "
        f"{memory}. The main view: KPIs, process map, handoffs, variants, unfiltered. Each "
        "row is one process from start to exit; start-up is imports, preparation the "
        "derivations (instances, predecessors, waits, working time, per-case figures; for "
        "Spark including the JVM's and session's start), views the four figures. "
        "Peak memory is the "
        "process's and its children's (the JVM) resident memory, sampled every 0.2 s. "
        "Logs: the simulator's `before` bank, about 1M events, replicated in DuckDB with "
        "shifted case ids and times for 10M and 100M (see the script's docstring).",
        "",
        "| events | engine | wall s | start-up s | preparation s | views s | peak MB |"
        " events/s (wall) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['events']:,} | {LABELS[r['engine']]} | {r['wall']:.1f} | {r['start']:.1f} |"
            f" {r['prepare']:.1f} | {r['views']:.1f} | {r['peak_mb']:,.0f} |"
            f" {r['events'] / r['wall']:,.0f} |"
        )
    (HERE / "results" / "spark.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
