"""The SLA rule, written once.

A case meets the SLA when it is closed (its outcome is not ``open``) and its cycle time is
within the profile's ``sla.cycle_time_hours``; an open case is neither in nor out (NULL).
SLA compliance is the share of closed cases that meet it; without an SLA in the profile
both are NULL. The KPIs, the per-case metrics (and so the comparison) and the weekly
trends all use these two SQL expressions.
"""

from __future__ import annotations

from etl.outcomes import OPEN

OPEN_SQL = f"outcome = '{OPEN}'"


def sla_met_sql(
    sla_hours: float | None, cycle: str = "cycle_time_hours", open_sql: str = OPEN_SQL
) -> str:
    """SQL for one case's ``sla_met`` (BOOLEAN; NULL when open or without an SLA).

    ``cycle`` is the column (or expression) of the case's cycle time in hours; ``open_sql``
    says the case is open (by default its ``outcome`` column is ``open``; for a log without
    mapped outcomes, the KPIs pass "not credibly open", see :mod:`analysis.open_cases`).
    """
    if sla_hours is None:
        return "CAST(NULL AS BOOLEAN)"
    return f"CASE WHEN {open_sql} THEN NULL ELSE {cycle} <= {float(sla_hours)!r} END"


def sla_compliance_sql(
    sla_hours: float | None, cycle: str = "cycle_time_hours", open_sql: str = OPEN_SQL
) -> str:
    """SQL aggregate: the share of closed cases within the SLA (DOUBLE; NULL without one)."""
    return f"avg(CAST(({sla_met_sql(sla_hours, cycle, open_sql)}) AS DOUBLE))"
