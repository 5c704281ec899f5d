"""The headline KPIs of a selection of cases (``loanflow kpis``, the Overview cards)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from analysis.derived import case_rows_sql
from analysis.filters import Filters
from analysis.scope import Scope, make_scope
from analysis.sla import sla_compliance_sql
from etl.outcomes import OUTCOME_KEYS


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

    def to_json(self) -> dict[str, Any]:
        """The ``loanflow kpis --json`` document (DESIGN.md keys, then extras)."""
        return asdict(self)


def _stats(row: tuple[Any, ...]) -> DurationStats:
    return DurationStats(*(None if v is None else float(v) for v in row))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def kpis_from_scope(con: duckdb.DuckDBPyConnection, scope: Scope) -> Kpis:
    """The KPIs of a scope (see :func:`kpis`)."""
    metrics, m_params = case_rows_sql(con, scope)
    outcome_cols = ", ".join(
        f"avg(CASE WHEN outcome = '{o}' THEN 1.0 ELSE 0.0 END)" for o in OUTCOME_KEYS
    )
    sla = scope.profile.sla.cycle_time_hours
    sla_met = sla_compliance_sql(sla)
    row = con.execute(
        f"""
        SELECT count(*),
            quantile_cont(cycle_time_hours, 0.5), avg(cycle_time_hours),
            quantile_cont(cycle_time_hours, 0.9),
            quantile_cont(cycle_time_working_hours, 0.5), avg(cycle_time_working_hours),
            quantile_cont(cycle_time_working_hours, 0.9),
            {outcome_cols},
            avg(rework::INT), avg(pingpong::INT), avg((NOT rework AND NOT pingpong)::INT),
            avg(handoffs), avg(instances), count(*) FILTER (WHERE outcome <> 'open'),
            {sla_met}, avg(cost), sum(instances), sum(events)
        FROM ({metrics})
        """,
        m_params,
    ).fetchone()
    assert row is not None
    n = int(row[0])
    shares = [_number(v) if n else None for v in row[7:11]]
    return Kpis(
        dataset=scope.dataset,
        cases=n,
        events=int(row[20] or 0),
        activity_instances=int(row[19] or 0),
        cycle_time_hours=_stats(row[1:4]),
        cycle_time_working_hours=_stats(row[4:7]),
        outcome_share=dict(zip(OUTCOME_KEYS, shares, strict=True)),
        rework_share=_number(row[11]),
        pingpong_share=_number(row[12]),
        first_time_right_share=_number(row[13]),
        handoffs_per_case=_number(row[14]),
        touches_per_case=_number(row[15]),
        closed_cases=int(row[16]),
        sla_hours=scope.profile.sla.cycle_time_hours,
        sla_compliance=_number(row[17]),
        cost_per_case=_number(row[18]) if scope.profile.costs else None,
    )


def kpis(con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None) -> Kpis:
    """The KPIs of the cases of ``dataset`` selected by ``filters``.

    Cycle time is per case from its first to its last timestamp; SLA compliance is the share
    of closed cases (outcome not open) within ``profile.sla.cycle_time_hours``;
    first-time-right is the share of cases with neither rework nor ping-pong; touches per
    case is activity instances per case; cost per case uses ``profile.costs``.
    """
    return kpis_from_scope(con, make_scope(con, dataset, filters))
