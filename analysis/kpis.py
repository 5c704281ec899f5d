"""The headline KPIs of a selection of cases (``loanflow kpis``, the Overview cards)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from analysis.filters import Filters
from analysis.open_cases import closed_sql, outcome_mapped
from analysis.prepared_tables import case_rows_sql
from analysis.scope import Scope, make_scope
from analysis.sla import sla_compliance_sql
from etl.outcomes import OUTCOME_KEYS
from etl.profile import Profile


@dataclass(frozen=True)
class DurationStats:
    """Median, mean and 90th percentile of a duration, in hours (None without cases)."""

    median: float | None
    mean: float | None
    p90: float | None


@dataclass(frozen=True)
class Kpis:
    """The KPIs of the selected cases. Shares are fractions in [0, 1]; None when undefined."""

    dataset: str
    cases: int
    events: int
    activity_instances: int
    cycle_time_hours: DurationStats
    cycle_time_working_hours: DurationStats
    outcome_share: dict[str, float | None] = field(default_factory=dict)
    rework_share: float | None = None
    pingpong_share: float | None = None
    first_time_right_share: float | None = None
    handoffs_per_case: float | None = None
    touches_per_case: float | None = None
    closed_cases: int = 0
    sla_hours: float | None = None
    sla_compliance: float | None = None
    cost_per_case: float | None = None
    currency: str | None = None  # of cost_per_case (the profile's currency)
    outcome_mapped: bool = True

    def to_json(self) -> dict[str, Any]:
        """The ``loanflow kpis --json`` document (DESIGN.md keys, then extras)."""
        return asdict(self)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _stats(row: Mapping[Any, Any], prefix: str) -> DurationStats:
    return DurationStats(*(_number(row[f"{prefix}_{part}"]) for part in ("median", "mean", "p90")))


def fetch_named(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, Any]:
    """The one row of a query as {column name: value}."""
    cursor = con.execute(sql, params)
    row = cursor.fetchone()
    assert row is not None
    return dict(zip((d[0] for d in cursor.description), row, strict=True))


def kpis_from_scope(con: duckdb.DuckDBPyConnection, scope: Scope) -> Kpis:
    """The KPIs of a scope (see :func:`kpis`)."""
    metrics, m_params = case_rows_sql(con, scope)
    closed, c_params = closed_sql(con, scope)
    outcome_cols = ", ".join(
        f"avg(CASE WHEN outcome = '{o}' THEN 1.0 ELSE 0.0 END) AS share_{o}" for o in OUTCOME_KEYS
    )
    sla = scope.profile.sla.cycle_time_hours
    sla_met = sla_compliance_sql(sla, open_sql="NOT closed")
    row = fetch_named(
        con,
        f"""
        SELECT count(*) AS cases,
            quantile_cont(cycle_time_hours, 0.5) AS cycle_median,
            avg(cycle_time_hours) AS cycle_mean,
            quantile_cont(cycle_time_hours, 0.9) AS cycle_p90,
            quantile_cont(cycle_time_working_hours, 0.5) AS working_median,
            avg(cycle_time_working_hours) AS working_mean,
            quantile_cont(cycle_time_working_hours, 0.9) AS working_p90,
            {outcome_cols},
            avg(rework::INT) AS rework_share, avg(pingpong::INT) AS pingpong_share,
            avg((NOT rework AND NOT pingpong)::INT) AS first_time_right_share,
            avg(handoffs) AS handoffs_per_case, avg(instances) AS touches_per_case,
            count(*) FILTER (WHERE closed) AS closed_cases,
            {sla_met} AS sla_compliance, avg(cost) AS cost_per_case,
            sum(instances) AS activity_instances, sum(events) AS events
        FROM (SELECT *, {closed} AS closed FROM ({metrics}))
        """,
        [*c_params, *m_params],
    )
    return kpis_from_row(scope.dataset, row, scope.profile, outcome_mapped(scope))


def kpis_from_row(dataset: str, row: Mapping[Any, Any], profile: Profile, mapped: bool) -> Kpis:
    """The KPIs from the one row of the KPI query (columns ``cases``, ``cycle_median``, ...,
    ``share_<outcome>``, as every engine's KPI query names them); ``mapped``: whether the
    profile maps outcomes (without, their shares are None, never 0)."""
    n = int(row["cases"])
    return Kpis(
        dataset=dataset,
        cases=n,
        events=int(_number(row["events"]) or 0),
        activity_instances=int(_number(row["activity_instances"]) or 0),
        cycle_time_hours=_stats(row, "cycle"),
        cycle_time_working_hours=_stats(row, "working"),
        outcome_share={
            o: _number(row[f"share_{o}"]) if n and mapped else None for o in OUTCOME_KEYS
        },
        rework_share=_number(row["rework_share"]),
        pingpong_share=_number(row["pingpong_share"]),
        first_time_right_share=_number(row["first_time_right_share"]),
        handoffs_per_case=_number(row["handoffs_per_case"]),
        touches_per_case=_number(row["touches_per_case"]),
        closed_cases=int(row["closed_cases"]),
        sla_hours=profile.sla.cycle_time_hours,
        currency=profile.currency,
        sla_compliance=_number(row["sla_compliance"]),
        cost_per_case=_number(row["cost_per_case"]) if profile.costs else None,
        outcome_mapped=mapped,
    )


def kpis(con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None) -> Kpis:
    """The KPIs of the cases of ``dataset`` selected by ``filters``.

    Cycle time is per case from its first to its last timestamp; SLA compliance is the share
    of closed cases (outcome not open) within ``profile.sla.cycle_time_hours``;
    first-time-right is the share of cases with neither rework nor ping-pong; touches per
    case is activity instances per case; cost per case uses ``profile.costs``.
    """
    return kpis_from_scope(con, make_scope(con, dataset, filters))
