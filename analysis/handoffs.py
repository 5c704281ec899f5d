"""Handoffs between departments: who waits on whom, and the files sent back and forth.

A handoff is an activity instance whose department differs from its predecessor's; its
waiting time is the handoff delay, counted for the pair (predecessor's department -> its
department). A ping-pong case counts for both directed pairs of each X, Y, X it contains.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.prepared_tables import instance_rows_sql, pingpong_rows_sql
from analysis.quantiles import duration_quantiles, optional_median
from analysis.scope import Scope, make_scope

HANDOFF_COLUMNS = (
    "from",
    "to",
    "count",
    "cases",
    "median_wait_hours",
    "mean_wait_hours",
    "p90_wait_hours",
    "total_wait_hours",
    "median_wait_working_hours",
    "pingpong_cases",
)


def handoffs_from_scope(
    con: duckdb.DuckDBPyConnection, scope: Scope, *, working: bool = True
) -> pd.DataFrame:
    """The handoff table of a scope (see :func:`handoffs`)."""
    derived, params = instance_rows_sql(con, scope)
    pingpong, p_params = pingpong_rows_sql(con, scope)
    wait_median, wait_p90 = duration_quantiles("wait_s", (0.5, 0.9))
    sql = f"""
    WITH pairs AS (
        SELECT any_value(pred_department) AS a, any_value(department) AS b, count(*) AS count,
            count(*) FILTER (WHERE first_of_handoff) AS cases,
            {wait_median} / 3600.0 AS median_wait_hours,
            avg(wait_s) / 3600.0 AS mean_wait_hours,
            {wait_p90} / 3600.0 AS p90_wait_hours,
            sum(wait_s) / 3600.0 AS total_wait_hours,
            {optional_median("wait_work_s", working)} / 3600.0 AS median_wait_working_hours
        FROM ({derived}) WHERE handoff GROUP BY pred_department_no, department_no
    ),
    pingpong AS (
        SELECT from_department AS a, to_department AS b, count(*) AS pingpong_cases
        FROM ({pingpong}) GROUP BY 1, 2
    )
    SELECT p.a AS "from", p.b AS "to", p.count, p.cases, p.median_wait_hours,
        p.mean_wait_hours, p.p90_wait_hours, p.total_wait_hours, p.median_wait_working_hours,
        coalesce(g.pingpong_cases, 0) AS pingpong_cases
    FROM pairs p LEFT JOIN pingpong g ON g.a = p.a AND g.b = p.b
    ORDER BY total_wait_hours DESC, count DESC, "from", "to"
    """
    params = [*params, *p_params]
    return con.execute(sql, params).fetchdf()


def handoffs(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    working: bool = True,
) -> pd.DataFrame:
    """Department pairs with their handoffs, ranked by total waiting time, largest first.

    Columns :data:`HANDOFF_COLUMNS`: count of handoffs, distinct cases, median, mean and
    p90 waiting hours, total waiting hours, median waiting in working hours, and the
    ping-pong cases that went back and forth over the pair. ``working=False`` leaves the
    working-time median NULL (faster; the dashboard does not show it).
    """
    return handoffs_from_scope(con, make_scope(con, dataset, filters), working=working)


def handoff_matrix(table: pd.DataFrame, value: str = "total_wait_hours") -> pd.DataFrame:
    """The department x department matrix (rows: from, columns: to) of one handoff figure."""
    if table.empty:
        return pd.DataFrame()
    matrix = table.pivot(index="from", columns="to", values=value)
    departments = sorted(set(matrix.index) | set(matrix.columns))
    return matrix.reindex(index=departments, columns=departments)


def pingpong_pairs(table: pd.DataFrame) -> pd.DataFrame:
    """Ping-pong cases per unordered department pair, from a handoff table.

    Columns ``department_a``, ``department_b`` (a before b in name order) and
    ``pingpong_cases``, largest first; only pairs with ping-pong. A case going X, Y, X
    counts for both directed pairs X->Y and Y->X, so each directed count is already the
    pair's number of cases: the pair takes the larger (they are equal), never the sum.
    """
    columns = ["department_a", "department_b", "pingpong_cases"]
    rows = table[table["pingpong_cases"] > 0] if not table.empty else table
    if rows.empty:
        return pd.DataFrame(columns=columns)
    best: dict[tuple[str, str], int] = {}
    for a, b, n in zip(rows["from"], rows["to"], rows["pingpong_cases"], strict=True):
        pair = (min(str(a), str(b)), max(str(a), str(b)))
        best[pair] = max(best.get(pair, 0), int(n))
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return pd.DataFrame([(a, b, n) for (a, b), n in ranked], columns=columns)
