"""Enablement: when an activity instance could have started.

By default an instance is enabled at its predecessor's end (DESIGN.md). Where the log
shows parallel branches, the predecessor may be an instance of a concurrent activity that
did not enable it; a **concurrency oracle** (the heuristics oracle of start-time-estimator
and Kronos) finds those pairs of activities, and such an instance is enabled instead by the
latest-ending earlier instance of its case whose activity is not concurrent with its own.

The oracle's counts are one DuckDB query (directly-follows and length-two loops over each
case ordered by end, start, activity); the thresholds are applied in Python over the
activity pairs, which are few.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

DF_THRESHOLD = 0.9  # start-time-estimator's defaults (ConcurrencyThresholds)
L2L_THRESHOLD = 0.9
L1L_THRESHOLD = 0.9


@dataclass(frozen=True)
class Concurrency:
    """Pairs of activities found concurrent (both orders listed)."""

    pairs: frozenset[tuple[str, str]]

    def of(self, activity: str) -> set[str]:
        """The activities concurrent with ``activity``."""
        return {b for a, b in self.pairs if a == activity}


def oracle_counts_sql(instances: str, end: str = "end_ts", start: str = "start_ts") -> str:
    """The oracle's counts, one SQL text for the store and the lake: per pair of activities
    (a, b), how often b directly follows a and how often a follows b follows a, over each
    case's ended instances (of ``instances``: case_id, instance_id, activity and the
    columns ``end`` and ``start``) ordered by end, start, activity, instance id."""
    return f"""
    WITH o AS (
        SELECT case_id, activity, row_number() OVER (
            PARTITION BY case_id ORDER BY {end}, {start}, activity, instance_id) AS rn
        FROM {instances} WHERE {end} IS NOT NULL
    ),
    p AS (
        SELECT activity AS a, lead(activity) OVER w AS b, lead(activity, 2) OVER w AS c
        FROM o WINDOW w AS (PARTITION BY case_id ORDER BY rn)
    )
    SELECT a, b, count(*) AS df, count(*) FILTER (WHERE c = a) AS l2l
    FROM p WHERE b IS NOT NULL GROUP BY a, b
    """


def concurrency_oracle(con: duckdb.DuckDBPyConnection, dataset: str) -> Concurrency:
    """The heuristics concurrency oracle over a dataset's instances.

    A and B are concurrent when each directly follows the other at least once, the
    directly-follows dependency |AB - BA| / (AB + BA + 1) is below 0.9, and they do not
    form a length-two loop (ABA + BAB) / (ABA + BAB + 1) of 0.9 or more (loops counted only
    between activities without a strong self-loop), as start-time-estimator decides.
    """
    return concurrency_from_counts(
        con.execute(
            oracle_counts_sql("(SELECT * FROM activity_instances WHERE dataset = ?) ai"), [dataset]
        ).fetchall()
    )


def concurrency_from_counts(rows: Iterable[Sequence[Any]]) -> Concurrency:
    """The oracle's decision over its counts: rows of (a, b, directly-follows count,
    length-two loop count), as :func:`oracle_counts_sql` gives them."""
    df: dict[tuple[str, str], int] = {}
    l2l: dict[tuple[str, str], int] = {}
    for a, b, count, loops in rows:
        df[(a, b)] = int(count)
        l2l[(a, b)] = int(loops)

    def l1l(a: str) -> float:
        aa = df.get((a, a), 0)
        return aa / (aa + 1)

    pairs = set()
    for a, b in df:
        if a == b or df.get((b, a), 0) == 0:
            continue
        ab, ba = df[(a, b)], df[(b, a)]
        dependency = abs(ab - ba) / (ab + ba + 1)
        if l1l(a) < L1L_THRESHOLD and l1l(b) < L1L_THRESHOLD:
            loops = l2l.get((a, b), 0) + l2l.get((b, a), 0)
            loop = loops / (loops + 1)
        else:
            loop = 0.0
        if loop < L2L_THRESHOLD and dependency < DF_THRESHOLD:
            pairs.add((a, b))
            pairs.add((b, a))
    return Concurrency(frozenset(pairs))


def enabling_sql(
    concurrency: Concurrency, instances: str, end: str = "end_ts", start: str = "start_ts"
) -> str:
    """SELECT (instance_id, enabling instance_id) for the instances of ``instances`` (a
    table with case_id, instance_id, activity, seq and the instants ``end`` and ``start``)
    whose activity has concurrent activities: the latest-ending instance of the case that
    ended at or before its start (and before its end), of an activity not concurrent with
    its own; ties: the later start, then the later in case order. One SQL text for the
    store and the lake (DuckDB and Spark read it alike)."""
    if not concurrency.pairs:
        return (
            "SELECT CAST(NULL AS BIGINT) AS instance_id, CAST(NULL AS BIGINT) AS enabler"
            " WHERE false"
        )
    values = ", ".join(
        "(" + _literal(a) + ", " + _literal(b) + ")" for a, b in sorted(concurrency.pairs)
    )
    listed = ", ".join(sorted({_literal(a) for a, _ in concurrency.pairs}))
    return f"""
    SELECT instance_id, enabler FROM (
        SELECT x.instance_id, y.instance_id AS enabler, row_number() OVER (
            PARTITION BY x.instance_id ORDER BY y.{end} DESC, y.{start} DESC, y.seq DESC) AS k
        FROM {instances} x
        JOIN {instances} y ON y.case_id = x.case_id AND y.instance_id <> x.instance_id
            AND y.{end} <= x.{start} AND (y.{end} < x.{end} OR x.{end} IS NULL)
        LEFT JOIN (VALUES {values}) AS conc(a, b) ON conc.a = x.activity AND conc.b = y.activity
        WHERE x.activity IN ({listed}) AND conc.a IS NULL
    ) ranked WHERE k = 1
    """


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
