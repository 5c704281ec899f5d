"""Variants: the distinct activity sequences of cases (instances ordered by start)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.prepared_tables import case_rows_sql
from analysis.scope import Scope, make_scope

VARIANT_COLUMNS = (
    "rank",
    "activities",
    "cases",
    "share",
    "cumulative_share",
    "median_cycle_time_hours",
    "mean_cycle_time_hours",
    "median_cycle_time_working_hours",
)


@dataclass(frozen=True)
class Variants:
    """The top variants of the selected cases, and how much of the log they cover."""

    total_cases: int
    variant_count: int
    top: pd.DataFrame  # columns VARIANT_COLUMNS; activities is a list of names
    coverage: float | None  # share of cases following one of the top variants

    def to_json(self) -> dict[str, Any]:
        """The ``loanflow variants --json`` document."""
        rows = [
            {
                "activities": list(r["activities"]),
                "cases": int(r["cases"]),
                "share": float(r["share"]),
                "cumulative_share": float(r["cumulative_share"]),
                "median_cycle_time_hours": float(r["median_cycle_time_hours"]),
                "mean_cycle_time_hours": float(r["mean_cycle_time_hours"]),
                "median_cycle_time_working_hours": float(r["median_cycle_time_working_hours"]),
            }
            for r in self.top.to_dict(orient="records")
        ]
        return {
            "cases": self.total_cases,
            "variant_count": self.variant_count,
            "coverage": self.coverage,
            "variants": rows,
        }


def variants_from_scope(
    con: duckdb.DuckDBPyConnection, scope: Scope, top: int | None = 10
) -> Variants:
    """The variants of a scope (see :func:`variants`)."""
    rows, params = case_rows_sql(con, scope)
    limit = "" if top is None else f"WHERE rank <= {int(top)}"
    sql = f"""
    WITH grouped AS (
        SELECT any_value(variant) AS activities, count(*) AS cases,
            quantile_cont(cycle_time_hours, 0.5) AS median_cycle_time_hours,
            avg(cycle_time_hours) AS mean_cycle_time_hours,
            quantile_cont(cycle_time_working_hours, 0.5) AS median_cycle_time_working_hours
        FROM ({rows}) GROUP BY variant_key
    ),
    ranked AS (
        SELECT row_number() OVER (ORDER BY cases DESC, activities) AS rank, *,
            cases / sum(cases) OVER () AS share,
            count(*) OVER () AS variant_count,
            sum(cases) OVER () AS total_cases
        FROM grouped
    )
    SELECT rank, activities, cases, share,
        sum(share) OVER (ORDER BY rank) AS cumulative_share,
        median_cycle_time_hours, mean_cycle_time_hours, median_cycle_time_working_hours,
        variant_count, total_cases
    FROM ranked {limit} ORDER BY rank
    """
    frame = con.execute(sql, params).fetchdf()
    total_cases = int(frame["total_cases"].iloc[0]) if len(frame) else 0
    count = int(frame["variant_count"].iloc[0]) if len(frame) else 0
    frame = frame.drop(columns=["variant_count", "total_cases"])
    coverage = float(frame["cases"].sum()) / total_cases if total_cases else None
    return Variants(total_cases, count, frame, coverage)


def variants(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    top: int | None = 10,
) -> Variants:
    """The ``top`` most frequent variants (all with None) with cases, share and cycle time.

    Ties in frequency are ordered by the activity sequence. ``coverage`` is the share of
    the selected cases that follow one of the returned variants.
    """
    return variants_from_scope(con, make_scope(con, dataset, filters), top)
