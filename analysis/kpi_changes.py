"""KPI changes against the previous period (``loanflow kpis --vs-previous``, the Overview's
cards).

With a chosen period (both ends given): that period against the period of equal length just
before it. Without one: the last 4 weeks of data against the 4 weeks before, by the day
cases *ended* (so their cycle times are complete).

A change is withheld (``change`` None) and flagged when the previous period starts before
the dataset's first case (``previous_partial``: it would compare against a partial period),
when the previous period holds no case, or when the current one holds none; ``reason``
says which. Shares change in points (a difference of fractions), the others relatively.
A change smaller than half the shown precision (0.05 points, 0.05%) is ``unchanged``,
neither better nor worse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import duckdb

from analysis.filters import Filters
from analysis.kpis import Kpis, kpis
from analysis.scope import make_scope

Kind = Literal["count", "hours", "share", "number"]
Direction = Literal["better", "worse", "unchanged"]
UNCHANGED_BELOW = 0.0005

# Why changes are withheld (``PeriodChanges.reason``).
NO_CASES_MATCH = "no_cases_match"
NO_EARLIER_DATA = "no_earlier_data"
PARTIAL_PREVIOUS = "partial_previous_period"
NO_PREVIOUS_CASES = "no_previous_cases"


@dataclass(frozen=True)
class KpiDefinition:
    """A KPI whose change is shown: its name, how to read it, its kind and better side."""

    name: str
    value: Callable[[Kpis], float | None]
    kind: Kind
    lower_is_better: bool


KPI_DEFINITIONS = (
    KpiDefinition("cases", lambda k: float(k.cases), "count", False),
    KpiDefinition("median_cycle_time_hours", lambda k: k.cycle_time_hours.median, "hours", True),
    KpiDefinition("p90_cycle_time_hours", lambda k: k.cycle_time_hours.p90, "hours", True),
    KpiDefinition("approved_share", lambda k: k.outcome_share.get("approved"), "share", False),
    KpiDefinition("rejected_share", lambda k: k.outcome_share.get("rejected"), "share", True),
    KpiDefinition("withdrawn_share", lambda k: k.outcome_share.get("withdrawn"), "share", True),
    KpiDefinition("sla_compliance", lambda k: k.sla_compliance, "share", False),
    KpiDefinition("rework_share", lambda k: k.rework_share, "share", True),
    KpiDefinition("pingpong_share", lambda k: k.pingpong_share, "share", True),
    KpiDefinition("handoffs_per_case", lambda k: k.handoffs_per_case, "number", True),
)


@dataclass(frozen=True)
class Windows:
    """The periods compared: ``current`` against ``previous`` (``basis``: ``period`` for a
    chosen period, ``last_4_weeks`` without one)."""

    current: Filters
    previous: Filters
    basis: Literal["period", "last_4_weeks"]


def _as_day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def comparison_windows(filters: Filters, last_day: date | None) -> Windows | None:
    """The period compared and the one before it (None: no period and no data)."""
    if filters.date_from is not None and filters.date_to is not None:
        start, end = _as_day(filters.date_from), _as_day(filters.date_to)
        length = (end - start).days + 1
        previous = filters.model_copy(
            update={
                "date_from": start - timedelta(days=length),
                "date_to": start - timedelta(days=1),
            }
        )
        return Windows(filters, previous, "period")
    if last_day is None:
        return None
    current = filters.model_copy(
        update={
            "date_from": last_day - timedelta(days=27),
            "date_to": last_day,
            "period_basis": "ended",
        }
    )
    previous = filters.model_copy(
        update={
            "date_from": last_day - timedelta(days=55),
            "date_to": last_day - timedelta(days=28),
            "period_basis": "ended",
        }
    )
    return Windows(current, previous, "last_4_weeks")


def kpi_change(kind: Kind, current: float | None, previous: float | None) -> float | None:
    """A KPI's change: shares as a difference (points, as a fraction), others relative.

    None when either value is missing, or a relative change from zero.
    """
    if current is None or previous is None:
        return None
    if kind == "share":
        return current - previous
    if previous == 0:
        return None
    return (current - previous) / abs(previous)


def direction(change: float | None, lower_is_better: bool) -> Direction | None:
    """better, worse or unchanged (a change below half the shown precision); None without
    a change."""
    if change is None:
        return None
    if abs(change) < UNCHANGED_BELOW:
        return "unchanged"
    return "better" if (change < 0) == lower_is_better else "worse"


@dataclass(frozen=True)
class KpiChange:
    """One KPI in both periods: ``change`` in points (fraction) for shares, relative for
    the others; None when withheld."""

    name: str
    kind: Kind
    current: float | None
    previous: float | None
    change: float | None
    direction: Direction | None
    lower_is_better: bool


@dataclass(frozen=True)
class PeriodChanges:
    """The KPIs of a period against the previous one (see the module's docstring)."""

    dataset: str
    basis: str | None
    current_from: date | None
    current_to: date | None
    previous_from: date | None
    previous_to: date | None
    data_first_day: date | None
    current_cases: int
    previous_cases: int
    previous_partial: bool
    reason: str | None
    changes: list[KpiChange]

    def by_name(self) -> dict[str, KpiChange]:
        """The changes keyed by KPI name."""
        return {c.name: c for c in self.changes}

    def to_json(self) -> dict[str, Any]:
        """Plain data (dates as ISO text)."""
        doc = asdict(self)
        for key, value in doc.items():
            if isinstance(value, date):
                doc[key] = value.isoformat()
        return doc


def _first_and_last_day(con: duckdb.DuckDBPyConnection, dataset: str) -> tuple[Any, Any]:
    """The days (on the dataset's clock) the first and the last case started."""
    from analysis.scope import dataset_profile

    zone = dataset_profile(con, dataset).timezone
    row = con.execute(
        "SELECT timezone(?, min(first_ts))::DATE, timezone(?, max(first_ts))::DATE"
        " FROM cases WHERE dataset = ?",
        [zone, zone, dataset],
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _reason(
    current: Kpis | None, previous: Kpis | None, partial: bool, earlier_data: bool
) -> str | None:
    if current is None or current.cases == 0:
        return NO_CASES_MATCH
    if not earlier_data:
        return NO_EARLIER_DATA
    if partial:
        return PARTIAL_PREVIOUS
    if previous is None or previous.cases == 0:
        return NO_PREVIOUS_CASES
    return None


def kpi_changes(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> PeriodChanges:
    """The KPIs of the period ``filters`` choose (or the last 4 weeks) against the previous
    period, each change withheld and the reason given where it would mislead."""
    filters = filters or Filters()
    make_scope(con, dataset, filters)  # an unknown dataset raises here
    first_day, last_day = _first_and_last_day(con, dataset)
    return period_changes(
        dataset, filters, first_day, last_day, lambda chosen: kpis(con, dataset, chosen)
    )


def period_changes(
    dataset: str,
    filters: Filters,
    first_day: date | None,
    last_day: date | None,
    kpis_of: Callable[[Filters], Kpis],
) -> PeriodChanges:
    """:func:`kpi_changes` given the days the dataset's first and last case started (on its
    clock) and how to compute the KPIs of a selection (the store path's, or the lake's)."""
    windows = comparison_windows(filters, last_day)
    if windows is None:
        return PeriodChanges(
            dataset, None, None, None, None, None, None, 0, 0, False, NO_CASES_MATCH, []
        )
    now = kpis_of(windows.current)
    then = kpis_of(windows.previous)
    previous_from = _as_day(windows.previous.date_from) if windows.previous.date_from else None
    previous_to = _as_day(windows.previous.date_to) if windows.previous.date_to else None
    partial = first_day is not None and previous_from is not None and previous_from < first_day
    earlier_data = first_day is not None and previous_to is not None and previous_to >= first_day
    reason = _reason(now, then, partial, earlier_data)
    changes = []
    for kpi in KPI_DEFINITIONS:
        current, previous = kpi.value(now), kpi.value(then)
        change = kpi_change(kpi.kind, current, previous) if reason is None else None
        changes.append(
            KpiChange(
                name=kpi.name,
                kind=kpi.kind,
                current=current,
                previous=previous if then.cases else None,
                change=change,
                direction=direction(change, kpi.lower_is_better),
                lower_is_better=kpi.lower_is_better,
            )
        )
    current_from = windows.current.date_from
    current_to = windows.current.date_to
    return PeriodChanges(
        dataset=dataset,
        basis=windows.basis,
        current_from=_as_day(current_from) if current_from else None,
        current_to=_as_day(current_to) if current_to else None,
        previous_from=previous_from,
        previous_to=previous_to,
        data_first_day=first_day,
        current_cases=now.cases,
        previous_cases=then.cases,
        previous_partial=partial,
        reason=reason,
        changes=changes,
    )
