"""The waiting-cause report: per activity, per handoff and per instance (DESIGN.md).

:func:`waiting_causes` decomposes the whole dataset once (a resource's work in other
cases is what it was busy with), then keeps the instances of the cases the filters
select and sums them per activity and per handoff (predecessor's department -> its
department, where they differ). Hours are calendar hours; ``causes_working_hours`` counts
only the performing resource's working time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analysis.calendar.discover import discover_calendars
from analysis.filters import Filters
from analysis.prepared_tables import fingerprint, selected_case_count
from analysis.scope import Scope, make_scope
from analysis.waits.decompose import CAUSES, Decomposition, decompose

HOUR = 3600.0

# What each cause points to, for readers of the JSON and the table.
REMEDIES = {
    "batching": "more meetings or delegated approval limits",
    "contention": "staff, balancing, fewer re-verifications",
    "prioritization": "queue rules",
    "unavailability": "working hours, shifts",
    "extraneous": "the outside dependency (customer, third party, system)",
}


@dataclass(frozen=True)
class WaitsReport:
    """Waiting causes of a dataset's selected cases."""

    dataset: str
    activities: list[dict[str, Any]]
    handoffs: list[dict[str, Any]]
    transitions: list[dict[str, Any]]
    instances: list[dict[str, Any]] | None
    calendars: list[dict[str, Any]]
    batches: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    cases: int = 0

    def to_json(self) -> dict[str, Any]:
        """The JSON document of ``loanflow waits --json``."""
        doc: dict[str, Any] = {
            "dataset": self.dataset,
            "cases": self.cases,
            "activities": self.activities,
            "handoffs": self.handoffs,
            "calendars": self.calendars,
            "batches": self.batches,
            "notes": self.notes,
            "remedies": REMEDIES,
        }
        if self.instances is not None:
            doc["instances"] = self.instances
        return doc


def _hours(value: float) -> float:
    return round(float(value) / HOUR, 4)


_SUMMED = (
    "waiting", "wait_s", "all_busy_s",
    *(f"{c}_s" for c in CAUSES), *(f"{c}_work_s" for c in CAUSES),
)  # fmt: skip


def _group(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(keys, dropna=False, sort=False, observed=True)
    sums = grouped[list(_SUMMED)].sum()
    sums["instances"] = grouped.size()
    sums = sums.reset_index()
    return sums.sort_values(["wait_s", *keys], ascending=[False] + [True] * len(keys))


def _row(record: Mapping[Hashable, Any], keys: dict[str, str]) -> dict[str, Any]:
    causes = {c: _hours(record[f"{c}_s"]) for c in CAUSES}
    wait = float(record["wait_s"])
    main = max(CAUSES, key=lambda c: record[f"{c}_s"]) if wait > 0 else None
    row: dict[str, Any] = {out: _plain(record[key]) for out, key in keys.items()}
    row.update(
        {
            "instances": int(record["instances"]),
            "waiting_instances": int(record["waiting"]),
            "wait_hours": _hours(wait),
            "causes": causes,
            "shares": {c: round(record[f"{c}_s"] / wait, 4) if wait > 0 else 0.0 for c in CAUSES},
            "causes_working_hours": {c: _hours(record[f"{c}_work_s"]) for c in CAUSES},
            "main_cause": main,
            "department_all_busy_hours": _hours(record["all_busy_s"]),
            "department_all_busy_share": round(record["all_busy_s"] / wait, 4) if wait else 0.0,
        }
    )
    return row


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _instance_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    order = frame.assign(_case=frame["case_id"].astype(str))
    order = order.sort_values(["_case", "s", "instance_id"], kind="stable")
    for r in order.to_dict(orient="records"):
        rows.append(
            {
                "case_id": str(r["case_id"]),
                "activity": r["activity"],
                "resource": _plain(r["resource"]),
                "source_activity": _plain(r["source_activity"]),
                "source_resource": _plain(r["source_resource"]),
                "enabled": pd.Timestamp(r["enabled"], unit="s", tz="UTC").isoformat(),
                "start": pd.Timestamp(r["s"], unit="s", tz="UTC").isoformat(),
                "wait_hours": _hours(r["wait_s"]),
                "causes": {c: _hours(r[f"{c}_s"]) for c in CAUSES},
                "batch": None if pd.isna(r["batch_id"]) else int(r["batch_id"]),
            }
        )
    return rows


def _notes(has_resources: bool, has_durations: bool, batches: int) -> list[str]:
    notes = []
    if not has_resources:
        notes.append(
            "The log has no resources: nobody can be seen busy, so contention and "
            "prioritization cannot be told from the rest, and no calendar can be discovered "
            "per person. Waits are split into batching, unavailability (by the profile's "
            "calendar, if it sets one) and extraneous only."
        )
    if not has_durations:
        notes.append(
            "The log has no start times (every instance starts when it ends): each wait "
            "includes the instance's own processing, and nobody is ever seen busy, so "
            "contention and prioritization cannot be found; the split falls back to "
            "batching, unavailability and extraneous."
        )
    if batches == 0:
        notes.append("No activity is done in batches in this log.")
    return notes


def _batch_summary(
    decomposition_batches: pd.DataFrame, frame: pd.DataFrame
) -> list[dict[str, Any]]:
    if decomposition_batches.empty:
        return []
    info = decomposition_batches[decomposition_batches["instance_id"].isin(frame["instance_id"])]
    if info.empty:
        return []
    per = info.groupby("batch_id").agg(
        activity=("activity", "first"), size=("s", "size"), start=("s", "min")
    )
    rows = [
        batch_row(
            str(activity),
            len(group),
            int(group["size"].sum()),
            int(group["size"].max()),
            float(group["start"].min()),
            float(group["start"].max()),
        )
        for activity, group in per.groupby("activity")
    ]
    return sorted(rows, key=lambda r: -r["batched_instances"])


def batch_row(
    activity: str, batches: int, batched: int, max_size: int, first: float, last: float
) -> dict[str, Any]:
    """One activity's row of the batch summary: its batches among the selected instances,
    the instances in them, the largest, and the first and last batch's start (epoch
    seconds); the store path and the lake count them each on its engine. The rows are
    listed by activity, then sorted by batched instances (most first)."""
    weeks = max((last - first) / (7 * 86400), 1.0)
    return {
        "activity": activity,
        "batches": batches,
        "batched_instances": batched,
        "mean_size": round(batched / batches, 2),
        "max_size": max_size,
        "batches_per_week": round(float(batches / weeks), 2),
    }


_CACHE: OrderedDict[tuple[str, str, str, bool], Decomposition] = OrderedDict()
_CACHE_SIZE = 4
_cache_guard = threading.Lock()


def _store_name(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "SELECT coalesce(path, database_name) FROM duckdb_databases()"
        " WHERE database_name = current_database()"
    ).fetchone()
    return str(row[0]) if row else ""


def cached_decomposition(
    con: duckdb.DuckDBPyConnection, scope: Scope, *, kronos: bool = False
) -> Decomposition:
    """The decomposition of the scope's dataset, kept per (store, dataset fingerprint) for
    the life of the process: a replaced, appended or re-profiled dataset is computed again.
    An in-memory store is never cached (its name does not identify it)."""
    print_ = fingerprint(con, scope.dataset) or ""
    store = _store_name(con)
    key = (store, scope.dataset, print_, kronos)
    if store and store != "memory":
        with _cache_guard:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    result = decompose(con, scope, kronos=kronos)
    if store and store != "memory":
        with _cache_guard:
            _CACHE[key] = result
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return result


def waiting_causes(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    instances: bool = False,
    kronos: bool = False,
    transitions: bool = False,
) -> WaitsReport:
    """Waiting causes per activity and per handoff of the selected cases.

    ``instances=True`` adds every instance with its enablement, start and causes;
    ``transitions=True`` the sums per (source activity, source resource, activity,
    resource), Kronos's report.
    ``kronos=True`` uses Kronos's definition of batching (see docs/waits.md).
    """
    scope = make_scope(con, dataset, filters)
    result = cached_decomposition(con, scope, kronos=kronos)
    frame = result.instances
    if not scope.filters.is_empty():
        cases_sql, params = scope.cases_sql()
        selected = {
            str(r[0]) for r in con.execute(f"SELECT case_id FROM ({cases_sql})", params).fetchall()
        }
        frame = frame[frame["case_id"].astype(str).isin(selected)]
    frame = frame.assign(waiting=frame["wait_s"] > 0)
    activities = [
        _row(r, {"activity": "activity", "department": "department"})
        for r in _group(frame, ["activity", "department"]).to_dict(orient="records")
    ]
    handoff_rows = frame[
        frame["source_department"].notna()
        & frame["department"].notna()
        & (frame["source_department"] != frame["department"])
    ]
    handoffs = [
        _row(r, {"from": "source_department", "to": "department"})
        for r in _group(handoff_rows, ["source_department", "department"]).to_dict(orient="records")
    ]
    keys = ["source_activity", "source_resource", "activity", "resource"]
    transition_rows = (
        [
            _row(r, {k: k for k in keys})
            for r in _group(frame[frame["source_activity"].notna()], keys).to_dict(orient="records")
        ]
        if transitions
        else []
    )
    return WaitsReport(
        dataset=dataset,
        activities=activities,
        handoffs=handoffs,
        transitions=transition_rows,
        instances=_instance_rows(frame) if instances else None,
        calendars=[c.to_dict() for c in result.calendars.values()],
        batches=_batch_summary(result.batches, frame),
        notes=_notes(result.has_resources, result.has_durations, len(result.batches)),
        cases=selected_case_count(con, scope),
    )


def case_waits(
    con: duckdb.DuckDBPyConnection, dataset: str, case_id: str, *, kronos: bool = False
) -> list[dict[str, Any]]:
    """The waits of one case, instance by instance (as ``--instances`` lists them)."""
    scope = make_scope(con, dataset)
    frame = cached_decomposition(con, scope, kronos=kronos).instances
    return _instance_rows(frame[frame["case_id"].astype(str) == str(case_id)])


def selected_case_waits(
    con: duckdb.DuckDBPyConnection, dataset: str, _filters: Filters | None, case_id: str
) -> list[dict[str, Any]]:
    """:func:`case_waits` called as a figure of a view, ``(con, dataset, filters, case_id)``
    (the filters do not change a case's waits)."""
    return case_waits(con, dataset, case_id)


def department_calendars(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> dict[str, dict[str, Any]]:
    """Each department's calendar as discovered from when its people work (profile
    overrides not applied): its :meth:`~analysis.calendar.WorkingCalendar.to_dict`
    plus ``hour_grid``."""
    found = discover_calendars(con, dataset, "department", filters, overrides=False)
    return {name: {**c.to_dict(), "hour_grid": c.hour_grid()} for name, c in found.items()}


def addressable_hours(row: Mapping[str, Any]) -> float:
    """The hours of a row's wait that a remedy inside the bank could save (all but the
    extraneous part)."""
    return float(row["wait_hours"]) - float(row["causes"]["extraneous"])


def _per_case(row: Mapping[str, Any] | None, cases: int) -> dict[str, float]:
    if row is None or cases == 0:
        return {c: 0.0 for c in CAUSES}
    return {c: round(float(row["causes"][c]) / cases, 4) for c in CAUSES}


def cause_changes(
    con: duckdb.DuckDBPyConnection,
    before: tuple[str, Filters | None],
    after: tuple[str, Filters | None],
) -> list[dict[str, Any]]:
    """How each handoff's causes of waiting changed between two selections.

    Per handoff (in either): ``before`` and ``after`` hours per selected case by cause,
    their ``change`` (after - before), and the total waiting hours per case of each; the
    handoffs with the most waiting per case first.
    """
    reports = [waiting_causes(con, name, filters) for name, filters in (before, after)]
    return changes_between(reports[0], reports[1])


def changes_between(before: WaitsReport, after: WaitsReport) -> list[dict[str, Any]]:
    """:func:`cause_changes` over two reports already made (by the store path or the lake)."""
    reports = [before, after]
    rows = [{(r["from"], r["to"]): r for r in rep.handoffs} for rep in reports]
    result = []
    for pair in set(rows[0]) | set(rows[1]):
        b = _per_case(rows[0].get(pair), reports[0].cases)
        a = _per_case(rows[1].get(pair), reports[1].cases)
        result.append(
            {
                "from": pair[0],
                "to": pair[1],
                "before": b,
                "after": a,
                "change": {c: round(a[c] - b[c], 4) for c in CAUSES},
                "before_wait_hours_per_case": round(sum(b.values()), 4),
                "after_wait_hours_per_case": round(sum(a.values()), 4),
            }
        )
    return sorted(
        result,
        key=lambda r: -(r["before_wait_hours_per_case"] + r["after_wait_hours_per_case"]),
    )
