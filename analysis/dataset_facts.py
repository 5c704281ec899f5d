"""Facts about a dataset that the dashboard's frame and pages show: the values its filters
offer, the most recently loaded dataset, the time zone of its clock, one case's timeline
and the rows a load rejected.

JSON twins: ``loanflow filter-choices NAME``, ``loanflow case NAME CASE_ID`` and
``loanflow rejects NAME``; ``loanflow datasets`` lists the datasets with their load time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from analysis.calendar import utc_offset_changes
from analysis.prepared_tables import dataset_bounds
from analysis.scope import dataset_profile
from etl.store import require_dataset

AmountBand = tuple[float | None, float | None]


@dataclass(frozen=True)
class FilterChoices:
    """The values the filter bar offers for one dataset: products, departments, amount
    bands (split at the rounded quartiles of the amounts) and the days cases started on."""

    products: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    amount_bands: tuple[AmountBand, ...] = ()
    first_day: date | None = None
    last_day: date | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain data (days as ISO text, bands as [low, high] lists)."""
        doc = asdict(self)
        doc["products"] = list(self.products)
        doc["departments"] = list(self.departments)
        doc["amount_bands"] = [list(band) for band in self.amount_bands]
        for key in ("first_day", "last_day"):
            doc[key] = None if doc[key] is None else doc[key].isoformat()
        return doc


def round_nicely(value: float) -> float:
    """Round to two significant digits (120,345 -> 120,000)."""
    if value <= 0:
        return 0.0
    magnitude = 10 ** (len(str(int(value))) - 2) if value >= 100 else 1
    return float(round(value / magnitude) * magnitude)


def amount_bands_from_quartiles(quartiles: list[float] | None) -> tuple[AmountBand, ...]:
    """Four amount bands split at the rounded quartiles (fewer when they coincide)."""
    if not quartiles:
        return ()
    cuts = sorted({round_nicely(q) for q in quartiles if q is not None and q > 0})
    if not cuts:
        return ()
    edges: list[float | None] = [None, *cuts, None]
    return tuple((edges[i], edges[i + 1]) for i in range(len(edges) - 1))


def filter_choices(con: duckdb.DuckDBPyConnection, dataset: str) -> FilterChoices:
    """Products, departments, amount bands and the span of start days of a dataset."""
    require_dataset(con, dataset)
    products = con.execute(
        "SELECT DISTINCT product FROM cases WHERE dataset = ? AND product IS NOT NULL"
        " ORDER BY product",
        [dataset],
    ).fetchall()
    departments = con.execute(
        "SELECT DISTINCT department FROM activity_instances WHERE dataset = ?"
        " AND department IS NOT NULL ORDER BY department",
        [dataset],
    ).fetchall()
    zone = dataset_profile(con, dataset).timezone
    span = con.execute(
        "SELECT timezone(?, min(first_ts))::DATE AS first_day,"
        " timezone(?, max(first_ts))::DATE AS last_day,"
        " quantile_cont(amount, [0.25, 0.5, 0.75]) AS quartiles FROM cases WHERE dataset = ?",
        [zone, zone, dataset],
    ).fetchone()
    first_day, last_day, quartiles = span if span else (None, None, None)
    return FilterChoices(
        products=tuple(r[0] for r in products),
        departments=tuple(r[0] for r in departments),
        amount_bands=amount_bands_from_quartiles(quartiles or None),
        first_day=first_day,
        last_day=last_day,
    )


def latest_dataset(con: duckdb.DuckDBPyConnection) -> str | None:
    """The most recently loaded dataset (ties: by name); None in an empty store."""
    row = con.execute("SELECT name FROM datasets ORDER BY loaded_at DESC, name LIMIT 1").fetchone()
    return str(row[0]) if row else None


UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu"})


@dataclass(frozen=True)
class DatasetTimeZone:
    """The time zone of a dataset's clock: its profile's ``timezone`` (the zone its
    timestamps without an offset were read in, and its working calendar's, weeks' and
    days'), UTC when the profile sets none. The store keeps instants; a page shows a time
    of day in this zone, labelled by :attr:`label`.

    ``offsets``: the zone's UTC offsets, in seconds, over the dataset's span."""

    name: str
    offsets: tuple[int, ...] = (0,)

    @property
    def label(self) -> str:
        """How times in this zone are labelled: ``UTC``, ``UTC+8``, ``UTC+5:30``, ``UTC-3``,
        the same in every language; the zone's name (``Europe/Berlin``) when its offset
        changes within the data (daylight saving), since no one offset is right then."""
        if len(self.offsets) != 1:
            return self.name
        offset = self.offsets[0]
        if offset == 0 and self.name in UTC_NAMES:
            return "UTC"
        hours, seconds = divmod(abs(offset), 3600)
        minutes = f":{seconds // 60:02d}" if seconds else ""
        return f"UTC{'-' if offset < 0 else '+'}{hours}{minutes}"


def time_zone(con: duckdb.DuckDBPyConnection, dataset: str) -> DatasetTimeZone:
    """The time zone of ``dataset``'s clock (:class:`DatasetTimeZone`)."""
    return time_zone_over(dataset_profile(con, dataset).timezone, dataset_bounds(con, dataset))


def time_zone_over(name: str, bounds: tuple[datetime, datetime] | None) -> DatasetTimeZone:
    """The time zone ``name`` with the UTC offsets its clock takes between ``bounds`` (the
    first and last instants of a dataset; none without them)."""
    if bounds is None:
        return DatasetTimeZone(name)
    offsets = sorted({offset for _, offset in utc_offset_changes(name, *bounds)})
    return DatasetTimeZone(name, tuple(offsets))


CASE_TIMELINE_COLUMNS = ("activity", "department", "resource", "start_ts", "end_ts")


def case_timeline(con: duckdb.DuckDBPyConnection, dataset: str, case_id: str) -> pd.DataFrame:
    """The activity instances of one case in case order (start, then end with open
    instances last): activity, department, resource, start_ts, end_ts."""
    require_dataset(con, dataset)
    return con.execute(
        f"SELECT {', '.join(CASE_TIMELINE_COLUMNS)} FROM activity_instances"
        " WHERE dataset = ? AND case_id = ? ORDER BY start_ts, end_ts NULLS LAST, instance_id",
        [dataset, case_id],
    ).fetchdf()


def rejected_rows(
    con: duckdb.DuckDBPyConnection, dataset: str, limit: int | None = None
) -> pd.DataFrame:
    """The rows a load of ``dataset`` rejected, by source row: source_row, reason, raw_row."""
    require_dataset(con, dataset)
    bound = f" LIMIT {int(limit)}" if limit is not None else ""
    return con.execute(
        "SELECT source_row, reason, raw_row FROM rejects WHERE dataset = ?"
        f" ORDER BY source_row{bound}",
        [dataset],
    ).fetchdf()
