"""Activity instances: pairing lifecycle events, in DuckDB SQL.

The rule (DESIGN.md, Definitions): a ``complete`` closes the earliest open ``start`` of
the same activity in the same case; a ``complete`` without an open start is an instance
with start = end; a ``start`` never completed is an open instance (``end_ts`` NULL).
Events without a lifecycle count as ``complete``; other transitions (schedule, suspend,
...) stay events only. Events at the same instant are taken starts first, then in source
order, so a start and a complete at the same time pair.

How the SQL finds "the earliest open start" without a loop. Within one (case, activity)
group, walk the events in that order with +1 per start and -1 per complete; P is the
running sum. The queue of open starts is empty before a complete exactly when that
complete drives P below every earlier value and below 0, so the number of completes
without a start so far is U = -least(0, running min of P). A complete is matched when
U does not grow at it; it is then the k-th matched complete, k = completes so far - U,
and it closes the k-th start, because first-in-first-out matching consumes starts in
order. The first M starts, M = the group's matched completes, are closed; the rest stay
open.

For speed the walk is one ordered pass over all groups at once (DuckDB streaming
windows, no per-group partitions): the events are sorted by (case, activity, time,
starts first, source order) and numbered into groups g as they pass; running sums are
global and made group-relative by subtracting each group's base; the running minimum is
kept inside its group by lowering every group by ``g * 2^32``, so no earlier group can
hold a smaller value.
"""

from __future__ import annotations

import duckdb

from etl.readers import quote, temp_name

_GROUP_SHIFT = 1 << 32
_OFFSET = 1 << 31


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
    case_id, activity, department, resource, start_ts, end_ts; its name is returned and
    the caller drops it.
    """
    relevant, params = _relevant(events), params or []
    names = [temp_name(k) for k in ("starting", "ordered", "walk")]
    starting, ordered, walk = (quote(n) for n in names)
    result = temp_name("inst")
    try:
        # Activities never started anywhere need no walk: each complete is an instance.
        con.execute(
            f"CREATE TEMP TABLE {starting} AS SELECT DISTINCT activity FROM {relevant} "
            "WHERE is_start",
            params,
        )
        con.execute(
            f"CREATE TEMP TABLE {ordered} AS SELECT * FROM {relevant} "
            f"WHERE activity IN (SELECT activity FROM {starting}) "
            "ORDER BY case_id, activity, ts, is_start DESC, event_id",
            params,
        )
        _walk(con, ordered, walk)
        con.execute(
            f"CREATE TEMP TABLE {quote(result)} AS {_instances_sql(walk)} UNION ALL "
            "SELECT case_id, activity, department, resource, ts AS start_ts, ts AS end_ts "
            f"FROM {relevant} WHERE activity NOT IN (SELECT activity FROM {starting})",
            params,
        )
    finally:
        for name in names:
            con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
    return result


def _walk(con: duckdb.DuckDBPyConnection, ordered: str, walk: str) -> None:
    """One ordered pass over the sorted table ``ordered`` computing, per start/complete,
    its group g, counts and U."""
    shift, offset = _GROUP_SHIFT, _OFFSET

    def group_base(value: str) -> str:
        # The value at the group's first row, carried down the group: g only grows along
        # the pass, so the running max of (g * shift + value) is the current group's.
        encoded = f"max(CASE WHEN is_first THEN g * {shift} + ({value}) + {offset} END)"
        return f"{encoded} OVER (ROWS UNBOUNDED PRECEDING) - g * {shift} - {offset}"

    # Streaming windows (OVER without ORDER BY) follow the table's sorted order.
    con.execute(
        f"""
CREATE TEMP TABLE {walk} AS
SELECT event_id, g, case_id, activity, ts, resource, department, is_start,
    cst - base_cst AS n_start,
    rn - first_rn + 1 - (cst - base_cst) AS n_complete,
    -least(0, shifted_min + g * {shift} - base_cs) AS unmatched,
    NOT is_start AND cs - base_cs < least(0, CASE WHEN is_first THEN 0
    ELSE previous_shifted_min + g * {shift} - base_cs END) AS alone
FROM (
    SELECT *, lag(shifted_min) OVER () AS previous_shifted_min
    FROM (
    SELECT *,
        min(cs - g * {shift}) OVER (ROWS UNBOUNDED PRECEDING) AS shifted_min,
        {group_base("cs - step")} AS base_cs,
        {group_base("cst - is_start::INTEGER")} AS base_cst,
        {group_base("rn")} AS first_rn
    FROM (
        SELECT *, sum(is_first::INTEGER) OVER (ROWS UNBOUNDED PRECEDING) AS g
        FROM (
            SELECT *,
                rn = 1 OR case_id IS DISTINCT FROM previous_case
                    OR activity IS DISTINCT FROM previous_activity AS is_first
            FROM (
                SELECT *,
                    sum(step) OVER (ROWS UNBOUNDED PRECEDING) AS cs,
                    sum(is_start::INTEGER) OVER (ROWS UNBOUNDED PRECEDING) AS cst,
                    row_number() OVER () AS rn,
                    lag(case_id) OVER () AS previous_case,
                    lag(activity) OVER () AS previous_activity
                FROM (SELECT *, CASE WHEN is_start THEN 1 ELSE -1 END AS step
                      FROM {ordered})
            )
        )
    )
    )
)"""
    )


def _instances_sql(walk: str) -> str:
    return f"""
WITH completes AS (
    SELECT *, n_complete - unmatched AS k FROM {walk} WHERE NOT is_start
), starts AS (
    SELECT * FROM {walk} WHERE is_start
), matched AS (
    SELECT g, max(k) AS m FROM completes GROUP BY g
)
SELECT c.case_id, c.activity,
       coalesce(c.department, s.department) AS department,
       coalesce(c.resource, s.resource) AS resource,
       s.ts AS start_ts, c.ts AS end_ts
FROM completes c JOIN starts s ON s.g = c.g AND s.n_start = c.k
WHERE NOT c.alone
UNION ALL
SELECT case_id, activity, department, resource, ts AS start_ts, ts AS end_ts
FROM completes WHERE alone
UNION ALL
SELECT s.case_id, s.activity, s.department, s.resource, s.ts AS start_ts,
       CAST(NULL AS TIMESTAMPTZ) AS end_ts
FROM starts s LEFT JOIN matched m ON m.g = s.g
WHERE s.n_start > coalesce(m.m, 0)
"""
