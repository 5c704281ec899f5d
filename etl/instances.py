"""Activity instances: pairing lifecycle events, in DuckDB SQL.

The rule (DESIGN.md, Definitions): a ``complete`` closes the earliest open ``start`` of
the same activity in the same case; a ``complete`` without an open start is an instance
with start = end; a ``start`` never completed is an open instance (``end_ts`` NULL).
Events without a lifecycle count as ``complete``; other transitions (schedule, suspend,
...) stay events only. Events at the same instant are taken starts first, then in source
order, so a start and a complete at the same time pair.

How the SQL finds "the earliest open start" without a loop. Within one (case, activity)
group, walk the events in that order with +1 per start and -1 per complete; P is the
running sum. A complete finds no open start exactly when it drives P to a new low below
0; because P moves by one, that is the first time P reaches that negative value. So the
completes without a start are, per group and negative value of P, the first event
reaching it: one grouping, no second ordered pass. The other completes are matched;
first-in-first-out matching consumes starts in order, so the k-th matched complete of a
group closes the k-th start of the group, and the starts no matched complete claims are
the open ones.

The running sums are one partitioned window (hash partitions by group, sorted within
each), so every core works on it; numbering the matched completes is a second, smaller
one. Each instance gets its number in the order (case, start, end, first source
event), so numbers do not depend on how the work was split between threads.
"""

from __future__ import annotations

import duckdb

from etl.readers import quote, temp_name

INSTANCE_ORDER = "case_id, start_ts, end_ts NULLS LAST, first_event"
# An instance's number within one derivation: by case, start, end, first source event.
NUMBER = f"row_number() OVER (ORDER BY {INSTANCE_ORDER}) AS instance_no"


def _relevant(events: str) -> str:
    return (
        "(SELECT event_id, case_id, activity, ts, resource, department, "
        "coalesce(lifecycle = 'start', false) AS is_start "
        f"FROM {events} AS e WHERE lifecycle IS NULL OR lifecycle IN ('start', 'complete'))"
    )


def pair_instances(
    con: duckdb.DuckDBPyConnection, events: str, params: list[object] | None = None
) -> str:
    """Pair the events of the relation ``events`` into a new temporary table of instances.

    ``events`` is a table name or a parenthesised query (with ``params``) giving
    event_id, case_id, activity, ts, lifecycle, resource, department. The result has
    case_id, activity, department, resource, start_ts, end_ts, first_event (the
    event_id of the instance's first event) and instance_no (1, 2, ... in
    :data:`INSTANCE_ORDER`); its name is returned and the caller drops it.
    """
    relevant, params = _relevant(events), params or []
    names = [temp_name(k) for k in ("starting", "walk", "alone")]
    starting, walk, alone = (quote(n) for n in names)
    result = temp_name("inst")
    try:
        # Activities never started anywhere need no walk: each complete is an instance.
        con.execute(
            f"CREATE TEMP TABLE {starting} AS SELECT DISTINCT activity FROM {relevant} "
            "WHERE is_start",
            params,
        )
        _walk(con, relevant, params, starting, walk)
        con.execute(
            f"CREATE TEMP TABLE {alone} AS SELECT case_id, activity, min(pos) AS pos "
            f"FROM {walk} WHERE p < 0 GROUP BY case_id, activity, p"
        )
        con.execute(
            f"CREATE TEMP TABLE {quote(result)} AS SELECT *, {NUMBER} "
            f"FROM ({_instances_sql(walk, alone)} "
            "UNION ALL SELECT case_id, activity, department, resource, ts AS start_ts, "
            "ts AS end_ts, event_id AS first_event "
            f"FROM {relevant} WHERE activity NOT IN (SELECT activity FROM {starting}))",
            params,
        )
    finally:
        for name in names:
            con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
    return result


def _walk(
    con: duckdb.DuckDBPyConnection,
    relevant: str,
    params: list[object],
    starting: str,
    walk: str,
) -> None:
    """Per start/complete of a started activity: P, the starts so far and the position,
    each within its (case, activity) group in pairing order."""
    con.execute(
        f"""
CREATE TEMP TABLE {walk} AS
SELECT event_id, case_id, activity, ts, resource, department, is_start,
    sum(CASE WHEN is_start THEN 1 ELSE -1 END) OVER w AS p,
    sum(is_start::INTEGER) OVER w AS n_start,
    row_number() OVER w AS pos
FROM {relevant}
WHERE activity IN (SELECT activity FROM {starting})
WINDOW w AS (PARTITION BY case_id, activity ORDER BY ts, is_start DESC, event_id
             ROWS UNBOUNDED PRECEDING)""",
        params,
    )


def _instances_sql(walk: str, alone: str) -> str:
    return f"""
WITH completes AS (
    SELECT w.*, a.pos IS NOT NULL AS alone
    FROM {walk} w
    LEFT JOIN {alone} a ON a.case_id = w.case_id AND a.activity = w.activity AND a.pos = w.pos
    WHERE NOT w.is_start
), matched AS (
    SELECT *, row_number() OVER (PARTITION BY case_id, activity ORDER BY pos) AS k
    FROM completes WHERE NOT alone
)
SELECT s.case_id, s.activity,
       coalesce(c.department, s.department) AS department,
       coalesce(c.resource, s.resource) AS resource,
       s.ts AS start_ts, c.ts AS end_ts, s.event_id AS first_event
FROM (SELECT * FROM {walk} WHERE is_start) s
LEFT JOIN matched c ON c.case_id = s.case_id AND c.activity = s.activity AND c.k = s.n_start
UNION ALL
SELECT case_id, activity, department, resource, ts AS start_ts, ts AS end_ts,
       event_id AS first_event
FROM completes WHERE alone
"""
