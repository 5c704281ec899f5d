"""Activity instances: pairing lifecycle events, in DuckDB SQL.

The rule (DESIGN.md, Definitions): a ``complete`` closes the earliest open ``start`` of
the same activity in the same case; a ``complete`` without an open start is an instance
with start = end; a ``start`` never completed is an open instance (``end_ts`` NULL).
Events without a lifecycle count as ``complete``; other transitions (schedule, suspend,
...) stay events only. Events at the same instant are taken starts first, then in source
order, so a start and a complete at the same time pair.

How the SQL finds "the earliest open start" without a loop: within one (case, activity),
walk the events in that order with +1 per start and -1 per complete; P is the running
sum. The queue of open starts is empty before a complete exactly when that complete
drives P below every earlier value (and below 0), so the number of completes without a
start seen so far is U = -least(0, running min of P). A complete is matched when U does
not grow at it; it is then the k-th matched complete, k = completes so far - U, and it
closes the k-th start, because first-in-first-out matching consumes starts in order. The
first M starts, M = the group's matched completes, are closed; the rest stay open.
"""

from __future__ import annotations


def paired_instances_sql(events: str) -> str:
    """SQL selecting the instances (case_id, activity, department, resource, start_ts,
    end_ts) paired from the events of the relation ``events`` (a table name or a
    parenthesised query with event_id, case_id, activity, ts, lifecycle, resource,
    department).

    Only the (case, activity) groups that have a start need the walk; in the others every
    complete is an instance of its own.
    """
    return f"""
WITH relevant AS MATERIALIZED (
    SELECT event_id, case_id, activity, ts, resource, department,
           coalesce(lifecycle = 'start', false) AS is_start
    FROM {events} AS e
    WHERE lifecycle IS NULL OR lifecycle IN ('start', 'complete')
), groups AS MATERIALIZED (
    SELECT case_id, activity, row_number() OVER () AS g
    FROM (SELECT DISTINCT case_id, activity FROM relevant WHERE is_start)
), lc AS (
    SELECT r.*, g.g FROM relevant r JOIN groups g USING (case_id, activity)
), walked AS (
    SELECT *,
        sum(is_start::INTEGER) OVER w AS n_start,
        row_number() OVER w AS n_events
    FROM lc
    WINDOW w AS (PARTITION BY g ORDER BY ts, is_start DESC, event_id ROWS UNBOUNDED PRECEDING)
), floored AS MATERIALIZED (
    SELECT *, n_events - n_start AS n_complete,
        -least(0, min(2 * n_start - n_events) OVER w) AS unmatched,
        NOT is_start AND 2 * n_start - n_events < least(0, coalesce(
            min(2 * n_start - n_events) OVER (
            w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS alone
    FROM walked
    WINDOW w AS (PARTITION BY g ORDER BY n_events)
), completes AS (
    SELECT *, n_complete - unmatched AS k FROM floored WHERE NOT is_start
), starts AS (
    SELECT * FROM floored WHERE is_start
), matched AS (
    SELECT g, max(k) AS m FROM completes GROUP BY g
)
SELECT c.case_id, c.activity,
       coalesce(c.department, s.department) AS department,
       coalesce(c.resource, s.resource) AS resource,
       s.ts AS start_ts, c.ts AS end_ts
FROM completes c
JOIN starts s ON s.g = c.g AND s.n_start = c.k
WHERE NOT c.alone
UNION ALL
SELECT case_id, activity, department, resource, ts AS start_ts, ts AS end_ts
FROM completes WHERE alone
UNION ALL
SELECT case_id, activity, department, resource, ts AS start_ts, ts AS end_ts
FROM relevant ANTI JOIN groups USING (case_id, activity)
UNION ALL
SELECT s.case_id, s.activity, s.department, s.resource, s.ts AS start_ts,
       CAST(NULL AS TIMESTAMPTZ) AS end_ts
FROM starts s LEFT JOIN matched m ON m.g = s.g
WHERE s.n_start > coalesce(m.m, 0)
"""
