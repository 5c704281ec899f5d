"""The filters every analysis function shares, and the SQL that applies them.

Filters select *cases*: a case passes when its attributes, outcome, period, departments and
variant match. Every figure is then computed over the events and activity instances of the
selected cases. All values reach DuckDB as bound parameters, never spliced into SQL text.

A period's days are the dataset's own (its profile's ``timezone``): "from 1 March" at a
bank on UTC+8 starts at midnight there, 16:00 UTC the day before, as the weekly trends and
the times shown count days.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

PeriodBasis = Literal["started", "ended"]

# Case attributes held in columns of ``cases`` (others are in its ``attributes`` JSON).
CASE_ATTRIBUTE_COLUMNS = frozenset({"amount", "product", "branch", "channel"})


class Filters(BaseModel):
    """A selection of cases. Empty fields select everything."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date_from: date | datetime | None = Field(None, description="First day of the period.")
    date_to: date | datetime | None = Field(
        None, description="Last day of the period (inclusive when a date)."
    )
    period_basis: PeriodBasis = Field(
        "started", description="Whether the period selects cases that started or that ended in it."
    )
    outcomes: tuple[str, ...] = Field((), description="approved, rejected, withdrawn, open.")
    amount_min: float | None = None
    amount_max: float | None = None
    products: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    departments: tuple[str, ...] = Field(
        (), description="Keep cases that have an activity instance in one of these departments."
    )
    variant: tuple[str, ...] | None = Field(
        None, description="Keep cases whose activity sequence is exactly this."
    )
    attributes: tuple[tuple[str, str], ...] = Field(
        (), description="Other case attributes that must equal a value: (name, value) pairs."
    )

    def is_empty(self) -> bool:
        """Whether these filters select every case."""
        return self == Filters()

    def cache_key(self) -> str:
        """A stable text key for caching results by (dataset, filters)."""
        return self.model_dump_json()


def _period_clause(filters: Filters, params: list[Any], zone: str) -> list[str]:
    column = "c.first_ts" if filters.period_basis == "started" else "c.last_ts"
    clauses = []
    if filters.date_from is not None:
        clauses.append(f"{column} >= CAST(? AS TIMESTAMPTZ)")
        params.append(_instant(filters.date_from, zone))
    if filters.date_to is not None:
        if isinstance(filters.date_to, datetime):
            clauses.append(f"{column} <= CAST(? AS TIMESTAMPTZ)")
            params.append(_instant(filters.date_to, zone))
        else:
            clauses.append(f"{column} < CAST(? AS TIMESTAMPTZ)")
            params.append(period_instant(filters.date_to, zone, end=True).isoformat())
    return clauses


def _instant(value: date | datetime, zone: str) -> str:
    return period_instant(value, zone).isoformat()


def period_instant(value: date | datetime, zone: str, *, end: bool = False) -> datetime:
    """The instant a period bound names: a date is midnight of that day in ``zone`` (of the
    next day for an ``end``, whose day is included; on a day a clock changes too), a time
    without a zone is read in ``zone``, one with a zone is kept. Every engine's filters
    (the store's SQL, the lake's) cut periods here."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def _in_clause(column: str, values: tuple[str, ...], params: list[Any]) -> list[str]:
    if not values:
        return []
    params.extend(values)
    return [f"{column} IN ({', '.join('?' for _ in values)})"]


def case_where(
    filters: Filters, dataset: str, alias: str = "c", *, zone: str = "UTC"
) -> tuple[str, list[Any]]:
    """A WHERE condition over ``cases AS c`` selecting the filtered cases of ``dataset``,
    whose days are those of the time zone ``zone`` (the dataset's profile's).

    Returns the SQL text (with ``?`` placeholders) and its parameters, in order.
    The alias must be ``c``; other tables are reached through subqueries.
    """
    if alias != "c":
        raise ValueError("case_where expects the cases table aliased as c")
    params: list[Any] = [dataset]
    clauses = ["c.dataset = ?"]
    clauses += _period_clause(filters, params, zone)
    clauses += _in_clause("c.outcome", filters.outcomes, params)
    if filters.amount_min is not None:
        clauses.append("c.amount >= ?")
        params.append(filters.amount_min)
    if filters.amount_max is not None:
        clauses.append("c.amount <= ?")
        params.append(filters.amount_max)
    clauses += _in_clause("c.product", filters.products, params)
    clauses += _in_clause("c.branch", filters.branches, params)
    clauses += _in_clause("c.channel", filters.channels, params)
    for name, value in filters.attributes:
        if name in CASE_ATTRIBUTE_COLUMNS:
            clauses.append(f"CAST(c.{name} AS VARCHAR) = ?")
            params.append(value)
        else:
            clauses.append("json_extract_string(c.attributes, ?) = ?")
            params += ["$." + _json_key(name), value]
    if filters.departments:
        marks = ", ".join("?" for _ in filters.departments)
        clauses.append(
            "EXISTS (SELECT 1 FROM activity_instances d WHERE d.dataset = c.dataset"
            f" AND d.case_id = c.case_id AND d.department IN ({marks}))"
        )
        params.extend(filters.departments)
    if filters.variant is not None:
        clauses.append(
            "(SELECT list(v.activity ORDER BY v.start_ts, v.end_ts NULLS LAST, v.activity,"
            " v.instance_id)"
            " FROM activity_instances v WHERE v.dataset = c.dataset AND v.case_id = c.case_id)"
            " = ?"
        )
        params.append(list(filters.variant))
    return " AND ".join(clauses), params


def _json_key(name: str) -> str:
    """A JSON path member for an attribute name, quoted so any character is safe."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
