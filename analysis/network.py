"""Handover-of-work networks between departments and between resources.

Work is handed over from one activity instance to the next of the same case in start
order (then end, then id): the pair (performer of the first -> performer of the next) is
counted once per such succession, as in pm4py's handover-of-work metric with beta = 0
(van der Aalst, Reijers, Song 2005). ``share`` is the count over all successions of the
selected cases, pm4py's value. Instances without a performer are skipped.
"""

from __future__ import annotations

from typing import Literal

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.prepared_tables import instance_rows_sql
from analysis.quantiles import duration_quantile
from analysis.scope import make_scope

Level = Literal["department", "resource"]
NETWORK_COLUMNS = ("from", "to", "count", "cases", "share", "median_wait_hours")


def handover_network(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    level: Level = "department",
    include_self: bool = True,
) -> pd.DataFrame:
    """Directed handovers between departments or resources, most frequent first.

    Columns :data:`NETWORK_COLUMNS`; ``median_wait_hours`` is the median of (next start -
    previous end) over the handovers (negative where the two overlap). Without
    ``include_self`` the handovers from a performer to itself are left out (shares still
    relative to all successions).
    """
    if level not in ("department", "resource"):
        raise ValueError("level is department or resource")
    scope = make_scope(con, dataset, filters)
    rows, params = instance_rows_sql(con, scope)
    keep_self = "" if include_self else 'AND "from" <> "to"'
    sql = f"""
    WITH steps AS (
        SELECT case_id, lag({level}) OVER w AS "from", {level} AS "to",
            epoch(start_ts) - epoch(lag(end_ts) OVER w) AS wait_s
        FROM ({rows}) WHERE {level} IS NOT NULL
        WINDOW w AS (PARTITION BY case_id ORDER BY seq)
    ),
    pairs AS (SELECT * FROM steps WHERE "from" IS NOT NULL)
    SELECT "from", "to", count(*) AS count, count(DISTINCT case_id) AS cases,
        count(*) / any_value(t.n) AS share,
        {duration_quantile("wait_s", 0.5)} / 3600.0 AS median_wait_hours
    FROM pairs, (SELECT count(*)::DOUBLE AS n FROM pairs) t
    WHERE true {keep_self}
    GROUP BY "from", "to"
    ORDER BY count DESC, "from", "to"
    """
    return con.execute(sql, params).fetchdf()
