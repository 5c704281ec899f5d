"""Measure the sqlglot option of docs/scale.md: DuckDB SQL of the kinds LoanFlow's store
path uses, transpiled to Spark SQL by sqlglot, run on both engines over the same rows.

Prints, per statement, the DuckDB text, sqlglot's Spark text, DuckDB's answer and Spark's
(or Spark's error). Run: ``python benchmarks/check_sqlglot.py`` (starts Spark local[1]).
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import sqlglot

ROWS = [  # case, activity, start (a Monday, then a Sunday), wait seconds
    ("a", "submit", datetime(2025, 1, 6, 9, 0, 0, 250000, tzinfo=UTC), 3600.5),
    ("a", "check", datetime(2025, 1, 5, 10, 0, tzinfo=UTC), 7200.0),
    ("a", "approve", datetime(2025, 1, 7, 11, 0, tzinfo=UTC), 100.0),
    ("b", "submit", datetime(2025, 1, 8, 9, 0, tzinfo=UTC), 50.0),
]
STATEMENTS = [
    "SELECT case_id, list(activity ORDER BY start_ts DESC) AS v FROM t GROUP BY case_id"
    " ORDER BY case_id",
    "SELECT quantile_cont(wait_s, 0.5) AS median FROM t",
    "SELECT quantile_cont(wait_s, [0.5, 0.9]) AS q FROM t",
    "SELECT activity, dayofweek(start_ts) AS dow, isodow(start_ts) AS iso FROM t ORDER BY activity",
    "SELECT activity, epoch(start_ts) AS e FROM t ORDER BY activity",
    "SELECT activity, [10, 20, 30, 40, 50, 60, 70][isodow(start_ts)] AS by_weekday FROM t"
    " ORDER BY activity",
]


def main() -> None:
    from pyspark.sql import SparkSession

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t (case_id VARCHAR, activity VARCHAR, start_ts TIMESTAMPTZ,"
                " wait_s DOUBLE)")  # fmt: skip
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", ROWS)
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.createDataFrame(
        [(c, a, s.replace(tzinfo=None), w) for c, a, s, w in ROWS],
        "case_id string, activity string, start_ts timestamp, wait_s double",
    ).createOrReplaceTempView("t")
    for sql in STATEMENTS:
        spark_sql = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
        duck = con.execute(sql).fetchall()
        try:
            answer = [tuple(r) for r in spark.sql(spark_sql).collect()]
        except Exception as exc:
            answer = f"error: {str(exc).splitlines()[0][:160]}"
        print(
            f"DuckDB: {sql}\nSpark:  {spark_sql}\n  DuckDB gives {duck}\n  Spark gives  {answer}\n"
        )
    spark.stop()


if __name__ == "__main__":
    main()
