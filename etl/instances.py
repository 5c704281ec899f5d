"""Activity instances: pairing lifecycle events, in DuckDB SQL.

The rule (DESIGN.md, Definitions): a ``complete`` closes the earliest open ``start`` of
the same activity in the same case; a ``complete`` without an open start is an instance
with start = end; a ``start`` never completed is an open instance (``end_ts`` NULL).
Events without a lifecycle count as ``complete``; other transitions (schedule, suspend,
...) stay events only. Events at the same instant are taken starts first, then in source
order, so a start and a complete at the same time pair.

One window pass walks the events of each (case, activity) group in that order, with +1
per start and -1 per complete; P is the running sum. In almost every group P stays 0 or
1: starts and completes alternate, so a start's instance ends at the next event of its
group, which the same pass reads with ``lead``. Only the groups where P leaves {0, 1}
(a start while another is open, or a complete with none open) need the general match:

- A complete finds no open start exactly when it drives P to a new low below 0; as P
  moves by one, that is the first time P reaches that negative value. So the completes
  without a start are, per group and negative value of P, the first event reaching it.
- The other completes are matched. First-in-first-out matching consumes starts in
  order, so the k-th matched complete of a group closes the k-th start of the group,
  and the starts no matched complete claims are the open ones.

An instance's id is the event id of its first event (its start, or its lone complete):
unique within the dataset, the same however the work is split between threads, and kept
when a later append pairs the case again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from etl.readers import quote, temp_name

# The columns of the instance query, in this order.
COLUMNS = "case_id, activity, department, resource, start_ts, end_ts, first_event"


def _relevant(events: str) -> str:
    return (
        "(SELECT event_id, case_id, activity, ts, resource, department, "
        "coalesce(lifecycle = 'start', false) AS is_start "
        f"FROM {events} AS e WHERE lifecycle IS NULL OR lifecycle IN ('start', 'complete'))"
    )


@contextmanager
def paired_instances(
    con: duckdb.DuckDBPyConnection, events: str, params: list[object] | None = None
) -> Iterator[tuple[str, list[object]]]:
    """Pair the events of the relation ``events``; yield (SQL, parameters) for the instances.

    ``events`` is a table name or a parenthesised query (with ``params``) giving
    event_id, case_id, activity, ts, lifecycle, resource, department. The query yields
    :data:`COLUMNS`; ``first_event`` is the event_id of the instance's first event. It
    reads temporary tables that are dropped when the block ends.
    """
    relevant, params = _relevant(events), list(params or [])
    names = [temp_name(k) for k in ("starting", "walk", "nested")]
    starting, walk, nested = (quote(n) for n in names)
    try:
        # Activities never started anywhere need no walk: each complete is an instance.
        con.execute(
            f"CREATE TEMP TABLE {starting} AS SELECT DISTINCT activity FROM {relevant} "
            "WHERE is_start",
            params,
        )
        _walk(con, relevant, params, starting, walk)
        con.execute(
            f"CREATE TEMP TABLE {nested} AS SELECT DISTINCT case_id, activity FROM {walk} "
            "WHERE p NOT IN (0, 1)"
        )
        row = con.execute(f"SELECT count(*) > 0 FROM {nested}").fetchone()
        any_nested = bool(row and row[0])
        parts = [_alternating_sql(walk, nested if any_nested else None)]
        if any_nested:
            parts.append(_fifo_sql(walk, nested))
        parts.append(
            "SELECT case_id, activity, department, resource, ts AS start_ts, ts AS end_ts, "
            f"event_id AS first_event FROM {relevant} "
            f"WHERE activity NOT IN (SELECT activity FROM {starting})"
        )
        yield " UNION ALL ".join(f"({part})" for part in parts), params
    finally:
        for name in names:
            con.execute(f"DROP TABLE IF EXISTS {quote(name)}")


def _walk(
    con: duckdb.DuckDBPyConnection,
    relevant: str,
    params: list[object],
    starting: str,
    walk: str,
) -> None:
    """Per start/complete of a started activity, within its (case, activity) group in
    pairing order: P, the starts so far, the position, and the next event."""
    con.execute(
        f"""
CREATE TEMP TABLE {walk} AS
SELECT event_id, case_id, activity, ts, resource, department, is_start,
    sum(CASE WHEN is_start THEN 1 ELSE -1 END) OVER w AS p,
    sum(is_start::INTEGER) OVER w AS n_start,
    row_number() OVER w AS pos,
    lead(ts) OVER w AS next_ts,
    lead(resource) OVER w AS next_resource,
    lead(department) OVER w AS next_department
FROM {relevant}
WHERE activity IN (SELECT activity FROM {starting})
WINDOW w AS (PARTITION BY case_id, activity ORDER BY ts, is_start DESC, event_id
             ROWS UNBOUNDED PRECEDING)""",
        params,
    )


def _alternating_sql(walk: str, nested: str | None) -> str:
    """The instances of the groups where starts and completes alternate: each start
    ends at the next event of its group (its complete), or is open when none follows."""
    skip = (
        f" AND NOT EXISTS (SELECT 1 FROM {nested} n "
        "WHERE n.case_id = w.case_id AND n.activity = w.activity)"
        if nested
        else ""
    )
    return (
        "SELECT case_id, activity, coalesce(next_department, department) AS department, "
        "coalesce(next_resource, resource) AS resource, ts AS start_ts, next_ts AS end_ts, "
        f"event_id AS first_event FROM {walk} w WHERE is_start{skip}"
    )


def _fifo_sql(walk: str, nested: str) -> str:
    """The instances of the other groups, by the general first-in-first-out match."""
    return f"""
WITH g AS (
    SELECT w.* FROM {walk} w
    WHERE EXISTS (SELECT 1 FROM {nested} n WHERE n.case_id = w.case_id AND n.activity = w.activity)
), alone AS (
    SELECT case_id, activity, min(pos) AS pos FROM g WHERE p < 0 GROUP BY case_id, activity, p
), completes AS (
    SELECT g.*, a.pos IS NOT NULL AS alone
    FROM g
    LEFT JOIN alone a ON a.case_id = g.case_id AND a.activity = g.activity AND a.pos = g.pos
    WHERE NOT g.is_start
), matched AS (
    SELECT *, row_number() OVER (PARTITION BY case_id, activity ORDER BY pos) AS k
    FROM completes WHERE NOT alone
)
SELECT s.case_id, s.activity,
       coalesce(c.department, s.department) AS department,
       coalesce(c.resource, s.resource) AS resource,
       s.ts AS start_ts, c.ts AS end_ts, s.event_id AS first_event
FROM (SELECT * FROM g WHERE is_start) s
LEFT JOIN matched c ON c.case_id = s.case_id AND c.activity = s.activity AND c.k = s.n_start
UNION ALL
SELECT case_id, activity, department, resource, ts AS start_ts, ts AS end_ts,
       event_id AS first_event
FROM completes WHERE alone
"""
