"""Process-map edges and department handoffs compared: added, removed and changed
(frequency and waiting time, each tested)."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analysis import stats
from analysis.compare.results import PathChange
from analysis.filters import Filters
from analysis.prepared_tables import instance_rows_sql
from analysis.scope import make_scope

# --- process-map edges and handoffs ---------------------------------------------------------


def path_occurrences(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters, *, handoffs: bool
) -> pd.DataFrame:
    """Per edge (or department pair): count, cases and the list of waiting hours.

    Edges follow :mod:`analysis.process_map`: A -> B for each instance of B whose
    predecessor is an instance of A, plus ``START`` -> first and last -> ``END``.
    Handoffs follow :mod:`analysis.handoffs`: instances whose department differs from their
    predecessor's, keyed (predecessor's department, department).
    """
    from analysis.process_map import END, START

    derived, params = instance_rows_sql(con, make_scope(con, dataset, filters))
    # Waits in whole microseconds, as the timestamps hold them: two equal waits stay equal
    # (a tie in the rank test), which a difference of epoch seconds as DOUBLE does not
    # promise for timestamps with fractions of a second.
    wait_us = "epoch_us(start_ts) - epoch_us(pred_end_ts)"
    if handoffs:
        rows = (
            f"SELECT pred_department AS source, department AS target, case_id, {wait_us}"
            " AS wait_us FROM di WHERE handoff"
        )
    else:
        rows = (
            "SELECT coalesce(pred_activity, ?) AS source, activity AS target, case_id,"
            f" CASE WHEN pred_id IS NULL THEN NULL ELSE {wait_us} END AS wait_us FROM di"
            " UNION ALL SELECT activity, ?, case_id, NULL FROM di WHERE is_last"
        )
        params = [*params, START, END]
    sql = f"""
    WITH di AS ({derived})
    SELECT source, target, count(*) AS count, count(DISTINCT case_id) AS cases,
        list(wait_us / 3600000000.0) FILTER (WHERE wait_us IS NOT NULL) AS waits
    FROM ({rows}) GROUP BY source, target
    """
    return con.execute(sql, params).fetchdf()


def path_changes(
    before: pd.DataFrame, after: pd.DataFrame, cases_before: int, cases_after: int, alpha: float
) -> list[PathChange]:
    keyed_b = _paths_by_key(before)
    keyed_a = _paths_by_key(after)
    empty: dict[str, Any] = {"count": 0, "cases": 0, "waits": None}
    changes = []
    for key in sorted(set(keyed_b) | set(keyed_a)):
        rb, ra = keyed_b.get(key, empty), keyed_a.get(key, empty)
        waits_b = np.asarray(rb["waits"] if rb["waits"] is not None else [], dtype=np.float64)
        waits_a = np.asarray(ra["waits"] if ra["waits"] is not None else [], dtype=np.float64)
        cb, ca = int(rb["cases"]), int(ra["cases"])
        nb, na = int(rb["count"]), int(ra["count"])
        share = stats.compare_shares(cb, cases_before, ca, cases_after)
        changes.append(
            PathChange(
                source=str(key[0]),
                target=str(key[1]),
                cases_before=cb,
                cases_after=ca,
                count_before=nb,
                count_after=na,
                share_before=share.before,
                share_after=share.after,
                per_case_before=nb / cases_before,
                per_case_after=na / cases_after,
                median_wait_hours_before=_median(waits_b),
                median_wait_hours_after=_median(waits_a),
                total_wait_hours_before=float(waits_b.sum()),
                total_wait_hours_after=float(waits_a.sum()),
                p_frequency=share.p_value,
                p_wait=stats.mann_whitney(waits_b, waits_a).p_value,
            )
        )
    _adjust_paths(changes, alpha)
    return changes


def _paths_by_key(frame: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (str(row["source"]), str(row["target"])): {str(k): v for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    }


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if len(values) else math.nan


def _adjust_paths(changes: list[PathChange], alpha: float) -> None:
    """BH over the family of path tests (frequency and waiting of every path), then status."""
    adjusted = stats.benjamini_hochberg(
        [c.p_frequency for c in changes] + [c.p_wait for c in changes]
    )
    for i, change in enumerate(changes):
        change.p_frequency_adjusted = adjusted[i]
        change.p_wait_adjusted = adjusted[len(changes) + i]
        if change.cases_before == 0:
            change.status = "added"
        elif change.cases_after == 0:
            change.status = "removed"
        elif stats.significant(change.p_frequency_adjusted, alpha) or stats.significant(
            change.p_wait_adjusted, alpha
        ):
            change.status = "changed"
