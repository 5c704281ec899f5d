"""The variant distribution compared (chi-square test of homogeneity)."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analysis import stats
from analysis.compare.results import VARIANT_SEPARATOR, Metric
from analysis.filters import Filters
from analysis.predecessors import selected_instances_sql
from analysis.scope import make_scope

# --- variants --------------------------------------------------------------------------------


def variant_counts(con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters) -> pd.Series:
    """Cases per variant (activities in case order: by start, then end with open last,
    then activity name, then id, as everywhere), most frequent first."""
    inst, params = selected_instances_sql(make_scope(con, dataset, filters))
    frame = con.execute(
        f"""
        SELECT variant, count(*) AS cases FROM (
            SELECT case_id, string_agg(activity, '{VARIANT_SEPARATOR}'
                ORDER BY start_ts, end_ts NULLS LAST, activity, instance_id) AS variant
            FROM ({inst}) GROUP BY case_id
        ) GROUP BY variant ORDER BY cases DESC, variant
        """,
        params,
    ).fetchdf()
    return counts_by_variant(frame["variant"].to_list(), frame["cases"].to_list())


def counts_by_variant(variants: list[str], cases: list[int]) -> pd.Series:
    """Cases per variant (joined by :data:`VARIANT_SEPARATOR`), most frequent first, then by
    variant (code point order, as the engines order text)."""
    order = sorted(range(len(variants)), key=lambda i: (-int(cases[i]), variants[i]))
    return pd.Series(
        [int(cases[i]) for i in order], index=[variants[i] for i in order], dtype="int64"
    )


def variant_comparison(before: pd.Series, after: pd.Series) -> tuple[Metric, dict[str, Any]]:
    names = list(before.index.union(after.index))
    counts_b = before.reindex(names, fill_value=0).to_numpy(dtype=np.int64)
    counts_a = after.reindex(names, fill_value=0).to_numpy(dtype=np.int64)
    test = stats.chi_square_homogeneity(counts_b, counts_a)
    metric = Metric(
        name="variant_distribution",
        kind="distribution",
        unit="variants",
        before=float(len(before)),
        after=float(len(after)),
        change=stats.relative_change(float(len(before)), float(len(after))),
        ci95=stats.NAN_INTERVAL,
        change_abs=float(len(after) - len(before)),
        ci95_abs=stats.NAN_INTERVAL,
        p_value=test.p_value if test.dof > 0 else math.nan,
        test="chi-square",
        effect_size=test.cramers_v,
        effect_size_name="Cramér's V",
        n_before=int(counts_b.sum()),
        n_after=int(counts_a.sum()),
    )
    total = counts_b + counts_a
    top = np.argsort(-total, kind="stable")[:10]
    n_b, n_a = max(int(counts_b.sum()), 1), max(int(counts_a.sum()), 1)
    details = {
        "variants_before": len(before),
        "variants_after": len(after),
        "chi2": test.chi2,
        "dof": test.dof,
        "p_value": test.p_value,
        "cramers_v": test.cramers_v,
        "categories_tested": test.categories,
        "rare_variants_pooled": test.pooled,
        "top": [
            {
                "activities": names[i].split(VARIANT_SEPARATOR),
                "cases_before": int(counts_b[i]),
                "cases_after": int(counts_a[i]),
                "share_before": counts_b[i] / n_b,
                "share_after": counts_a[i] / n_a,
            }
            for i in top
        ],
    }
    return metric, details
