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

from dataclasses import dataclass

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


_COUNTS_SQL = """
WITH o AS (
    SELECT case_id, activity, row_number() OVER (
        PARTITION BY case_id ORDER BY end_ts, start_ts, activity, instance_id) AS rn
    FROM activity_instances WHERE dataset = ? AND end_ts IS NOT NULL
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
    rows = con.execute(_COUNTS_SQL, [dataset]).fetchall()
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


def enabling_sql(concurrency: Concurrency, instances: str) -> str:
    """SELECT (instance_id, enabling instance_id) for the instances of ``instances`` (a
    table with case_id, instance_id, activity, start_ts, end_ts, seq) whose activity has
    concurrent activities: the latest-ending instance of the case that ended at or before
    its start (and before its end), of an activity not concurrent with its own; ties: the
    later start, then the later in case order."""
    if not concurrency.pairs:
        return "SELECT NULL::BIGINT AS instance_id, NULL::BIGINT AS enabler WHERE false"
    values = ", ".join(
        "(" + _literal(a) + ", " + _literal(b) + ")" for a, b in sorted(concurrency.pairs)
    )
    return f"""
    WITH conc(a, b) AS (VALUES {values}),
    x AS (SELECT * FROM {instances} WHERE activity IN (SELECT a FROM conc))
    SELECT x.instance_id, arg_max(y.instance_id, (epoch(y.end_ts), epoch(y.start_ts), y.seq))
        AS enabler
    FROM x JOIN {instances} y ON y.case_id = x.case_id AND y.instance_id <> x.instance_id
        AND y.end_ts <= x.start_ts AND (y.end_ts < x.end_ts OR x.end_ts IS NULL)
    WHERE NOT EXISTS (SELECT 1 FROM conc WHERE conc.a = x.activity AND conc.b = y.activity)
    GROUP BY x.instance_id
    """


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
