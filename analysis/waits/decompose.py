"""The decomposition: every activity instance's wait split second by second into causes.

For an instance with a known enablement (its predecessor's end, or the concurrency
oracle's, see :mod:`analysis.waits.enablement`) the wait [enabled, start) is covered by:

- **batching**: from its enablement until its batch started (LoanFlow) or until the last
  member of its batch was enabled (``kronos=True``, Kronos's definition);
- **contention** / **prioritization**: the intervals during which its performing resource
  was processing other instances, enabled at or before this one (contention) or after it
  (prioritization); for other members of its own batch the instance's enablement is the
  reference, for other work the batch's start (as Kronos);
- **unavailability**: the non-working time of its resource's calendar;
- **extraneous**: the rest.

Where they overlap the first in that order wins, so the five parts are non-negative and
add up to the wait exactly. The intervals run in DuckDB SQL (the resource's other work
joined by resource and day, clipped to the wait); the sweep that labels each elementary
segment, the calendars' working clock and the batch sweep run in numpy (:func:`_sweep`,
:mod:`analysis.calendar.week`, :mod:`analysis.waits.batches`).

The department view adds, per instance, the seconds of its wait during which every person
of its department (those active in its department that week) was busy.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.calendar import utc_offset_changes
from analysis.calendar.discover import calendar_of_resources, profile_sets_calendar
from analysis.calendar.week import WEEK, WorkingCalendar, calendar_from_spec
from analysis.filters import Filters
from analysis.lake.dialect import DUCKDB, Dialect
from analysis.prepared_tables import dataset_bounds, instance_rows_sql
from analysis.scope import Scope
from analysis.waits.batches import (
    Clock,
    batch_activities,
    batch_candidates,
    busy_islands,
    calendar_clock,
    held_back,
)
from analysis.waits.enablement import concurrency_oracle, enabling_sql

CAUSES = ("batching", "contention", "prioritization", "unavailability", "extraneous")
_DAY = 86400
ANYONE = "\x00anyone"  # the clocks' key of the profile calendar, for unknown resources


@dataclass(frozen=True)
class Decomposition:
    """Per instance of a whole dataset: its wait and the causes (seconds)."""

    instances: pd.DataFrame
    calendars: dict[str, WorkingCalendar]
    batches: pd.DataFrame
    has_resources: bool
    has_durations: bool


def _offsets(scope: Scope, con: duckdb.DuckDBPyConnection) -> Clock:
    """UTC offset (seconds) of the profile's zone at each epoch second."""
    return offset_clock(scope.profile.timezone, dataset_bounds(con, scope.dataset))


def offset_clock(zone: str, bounds: tuple[datetime, datetime] | None) -> Clock:
    """UTC offset (seconds) of ``zone`` at each epoch second, between the dataset's bounds
    (its earliest and latest timestamp; None: no cases, offset 0)."""
    if bounds is None:
        return lambda t: np.zeros(len(t))
    changes = utc_offset_changes(zone, *bounds)
    starts = np.array([c[0] for c in changes])
    values = np.array([c[1] for c in changes], dtype=np.float64)

    def offset(t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return values[np.searchsorted(starts, t, side="right") - 1]

    return offset


def _base_table(con: duckdb.DuckDBPyConnection, scope: Scope, name: str) -> None:
    """The dataset's instances with enablement and source, as a temporary table."""
    rows, params = instance_rows_sql(con, scope)
    con.execute(
        f"CREATE TEMP TABLE {name}_raw AS SELECT case_id, instance_id, activity, department,"
        f" resource, start_ts, end_ts, seq, pred_id FROM ({rows})",
        params,
    )
    oracle = concurrency_oracle(con, scope.dataset)
    enabling = enabling_sql(oracle, f"{name}_raw")
    concurrent = sorted({a for a, _ in oracle.pairs})
    listed = ", ".join("'" + a.replace("'", "''") + "'" for a in concurrent) or "NULL"
    con.execute(
        f"""
        CREATE TEMP TABLE {name} AS
        WITH o AS ({enabling}),
        r AS (
            SELECT r.*, CASE WHEN r.activity IN ({listed}) THEN o.enabler ELSE r.pred_id END
                AS enabler,
                min(r.start_ts) OVER (PARTITION BY r.case_id) AS case_start
            FROM {name}_raw r LEFT JOIN o ON o.instance_id = r.instance_id
        )
        SELECT r.case_id, r.instance_id, r.activity, r.department, r.resource,
            epoch(r.start_ts) AS s, epoch(r.end_ts) AS e, epoch(p.end_ts) AS enabled,
            epoch(r.case_start) AS case_start, p.activity AS source_activity,
            p.resource AS source_resource, p.department AS source_department
        FROM r LEFT JOIN {name}_raw p ON p.case_id = r.case_id AND p.instance_id = r.enabler
        """
    )


def _batches(frame: pd.DataFrame, kronos: bool, clocks: Mapping[str, Clock]) -> pd.DataFrame:
    """instance_id, batch_id, activity, s (start), batch_start, batch_enabled, batch_size of
    the batched instances."""
    frame = frame[frame["resource"].notna() & frame["e"].notna()].reset_index(drop=True)
    batch = batch_candidates(frame)
    if not kronos and (batch >= 0).any():
        held = held_back(frame, batch, busy_islands(frame), clocks)
        chosen = batch_activities(frame, batch, held)
        ok = frame["activity"].isin(chosen).to_numpy() & (batch >= 0) & held[np.maximum(batch, 0)]
        batch = np.where(ok, batch, -1)
    rows = frame.assign(batch_id=batch)[batch >= 0]
    grouped = rows.groupby("batch_id")
    return pd.DataFrame(
        {
            "instance_id": rows["instance_id"].to_numpy(),
            "batch_id": rows["batch_id"].to_numpy(),
            "activity": rows["activity"].to_numpy(),
            "s": rows["s"].to_numpy(),
            "batch_start": grouped["s"].transform("min").to_numpy(),
            "batch_enabled": grouped["enabled"].transform("max").to_numpy(),
            "batch_size": grouped["s"].transform("size").to_numpy(),
        }
    )


def intervals_sql(instances: str, batches: str, kronos: bool, dialect: Dialect = DUCKDB) -> str:
    """The labelled intervals (instance_id, resource, lo, hi, kind) of every positive wait:
    kind 0 the wait itself, 1 its batch wait, 2 contention, 3 prioritization (clipped to
    the wait, the performer's other work cut at day boundaries so no interval repeats).

    One SQL text for the store path and the lake (``dialect`` spells the one construct the
    engines differ in, a row per day of a range). ``instances``: instance_id, resource,
    s, e, enabled, case_start (epoch seconds); ``batches``: instance_id, batch_id,
    batch_start, batch_enabled."""
    bend = "b.batch_enabled" if kronos else "b.batch_start"
    days = dialect.range_rows
    return f"""
    WITH w AS (
        SELECT i.instance_id, i.resource, i.enabled, i.s, b.batch_id,
            {bend} AS bend,
            CASE WHEN b.batch_id IS NULL THEN i.enabled ELSE least({bend}, i.s) END AS a_out
        FROM {instances} i LEFT JOIN {batches} b ON b.instance_id = i.instance_id
        WHERE i.enabled IS NOT NULL AND i.s > i.enabled
    ),
    wd AS (
        SELECT w.*, {
        days(f"CAST(floor(enabled / {_DAY}) AS BIGINT)", f"CAST(floor(s / {_DAY}) AS BIGINT)")
    } AS d
        FROM w WHERE resource IS NOT NULL
    ),
    od AS (
        SELECT i.instance_id AS jid, i.resource, i.s AS js, i.e AS je,
            coalesce(i.enabled, i.case_start) AS jen, b.batch_id AS jb,
            {
        days(f"CAST(floor(i.s / {_DAY}) AS BIGINT)", f"CAST(floor(i.e / {_DAY}) AS BIGINT)")
    } AS d
        FROM {instances} i LEFT JOIN {batches} b ON b.instance_id = i.instance_id
        WHERE i.resource IS NOT NULL AND i.e > i.s
    ),
    pairs AS (
        SELECT wd.instance_id, wd.resource,
            CASE WHEN wd.batch_id IS NOT NULL AND od.jb = wd.batch_id THEN wd.enabled
                 ELSE wd.a_out END AS a,
            od.js, od.je, od.jen, wd.s, od.d
        FROM wd JOIN od ON od.resource = wd.resource AND od.d = wd.d
        WHERE od.jid <> wd.instance_id AND od.js < wd.s AND od.je > wd.enabled
    ),
    iv AS (
        SELECT instance_id, resource, enabled AS lo, s AS hi, 0 AS kind FROM w
        UNION ALL
        SELECT instance_id, resource, enabled, least(bend, s), 1 FROM w WHERE bend > enabled
        UNION ALL
        SELECT instance_id, resource, greatest(a, js, CAST(d * {_DAY} AS DOUBLE)),
            least(s, je, CAST((d + 1) * {_DAY} AS DOUBLE)),
            CASE WHEN jen <= a THEN 2 ELSE 3 END
        FROM pairs
        WHERE least(s, je, CAST((d + 1) * {_DAY} AS DOUBLE))
            > greatest(a, js, CAST(d * {_DAY} AS DOUBLE))
    )
    SELECT instance_id, resource, lo, hi, kind FROM iv
    """


def _sweep(iv: Mapping[str, Any]) -> dict[str, npt.NDArray[Any]]:
    """Elementary segments (instance_id, t1, t2, label 0-3) of the intervals: each label
    the first kind covering the segment (batching, contention, prioritization, else 3).

    One sort of all interval ends by (instance, time) and running counts per kind: every
    interval opens and closes inside its instance, so a count running over all instances
    is each instance's own. (The same sweep as a DuckDB window partitioned by instance
    took twice as long at a million events.)
    """
    ids = np.asarray(iv["instance_id"])
    lo = np.asarray(iv["lo"], dtype=np.float64)
    hi = np.asarray(iv["hi"], dtype=np.float64)
    kind = np.asarray(iv["kind"])
    ids, t = np.concatenate([ids, ids]), np.concatenate([lo, hi])
    kind = np.concatenate([kind, kind])
    delta = np.concatenate([np.ones(len(lo)), -np.ones(len(lo))])
    order = np.lexsort((t, ids))
    ids, t, kind, delta = ids[order], t[order], kind[order], delta[order]
    counts = [np.cumsum(np.where(kind == k, delta, 0.0))[:-1] for k in (1, 2, 3)]
    label = np.select([c > 0 for c in counts], [0, 1, 2], default=3)
    keep = (ids[1:] == ids[:-1]) & (t[1:] > t[:-1])
    return {"instance_id": ids[:-1][keep], "t1": t[:-1][keep], "t2": t[1:][keep],
            "label": label[keep]}  # fmt: skip


def _clocks(calendars: Mapping[str, WorkingCalendar], offset: Clock) -> dict[str, Clock]:
    return {name: calendar_clock(cal, offset) for name, cal in calendars.items()}


def _working(
    resource: npt.NDArray[Any],
    t1: npt.NDArray[np.float64],
    t2: npt.NDArray[np.float64],
    clocks: Mapping[str, Clock],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Working seconds of each segment by its resource's calendar (the profile's calendar,
    key :data:`ANYONE`, for segments of instances without a known resource calendar), and
    whether a calendar was known."""
    work = t2 - t1
    known = np.zeros(len(t1), dtype=bool)
    codes, names = pd.factorize(pd.Series(resource, dtype=object), use_na_sentinel=True)
    fallback = clocks.get(ANYONE)
    for code, name in [(-1, None), *enumerate(names)]:
        clock = clocks.get(str(name), fallback) if name is not None else fallback
        if clock is None:
            continue
        mask = codes == code
        work[mask] = clock(t2[mask]) - clock(t1[mask])
        known[mask] = True
    return np.clip(work, 0.0, t2 - t1), known


def _busy_all_clock(
    islands: Mapping[str, tuple[npt.NDArray[np.float64], ...]], heads: Mapping[int, int]
) -> Clock:
    """Seconds before each instant during which every person of a department was busy."""
    lo = np.concatenate([v[0] for v in islands.values()])
    hi = np.concatenate([v[1] for v in islands.values()])
    times = np.concatenate([lo, hi])
    delta = np.concatenate([np.ones(len(lo)), -np.ones(len(hi))])
    order = np.lexsort((delta, times))
    times, count = times[order], np.cumsum(delta[order])
    weeks = np.floor(times / WEEK).astype(np.int64)
    need = np.array([heads.get(int(w), 0) for w in weeks], dtype=np.float64)
    busy = (count >= need) & (need > 0)
    seglen = np.append(np.diff(times), 0.0)
    cum = np.concatenate([[0.0], np.cumsum(np.where(busy, seglen, 0.0))])

    def clock(t: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        k = np.searchsorted(times, t, side="right") - 1
        j = np.maximum(k, 0)
        inside = np.where(busy[j], np.minimum(t - times[j], seglen[j]), 0.0)
        return np.where(k >= 0, cum[j] + inside, 0.0)

    return clock


def department_all_busy(rows: pd.DataFrame) -> pd.DataFrame:
    """Seconds of each wait during which every person of the department was busy, for
    every instance of one department (``rows``: instance_id, resource, s, e, enabled):
    instance_id and all_busy_s of its waiting instances. People count as the department's
    in a week when they performed one of its instances (by start) that week.

    The store path runs it per department over the dataset, the lake per department
    group on its engine."""
    people = rows[rows["resource"].notna()]
    weeks = np.floor(people["s"].to_numpy(dtype=np.float64) / WEEK).astype(np.int64)
    heads = (
        pd.DataFrame({"week": weeks, "resource": people["resource"].to_numpy(dtype=object)})
        .groupby("week")["resource"]
        .nunique()
    )
    headcount = {int(w): int(c) for w, c in zip(heads.index, heads.to_numpy(), strict=True)}
    enabled = rows["enabled"].to_numpy(dtype=np.float64)
    start = rows["s"].to_numpy(dtype=np.float64)
    waiting = ~np.isnan(enabled) & (start > enabled)
    result = np.zeros(int(waiting.sum()))
    islands = busy_islands(people[people["e"] > people["s"]])
    if islands and waiting.any():
        clock = _busy_all_clock(islands, headcount)
        result = clock(start[waiting]) - clock(enabled[waiting])
    return pd.DataFrame(
        {"instance_id": rows["instance_id"].to_numpy()[waiting], "all_busy_s": result}
    )


def _all_busy(base: pd.DataFrame, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Seconds of each wait in ``frame`` during which every person of its department was
    busy (:func:`department_all_busy` per department of ``base``, the whole dataset)."""
    parts = [
        department_all_busy(group)
        for _, group in base[base["department"].notna()].groupby("department", sort=False)
    ]
    if not parts:
        return np.zeros(len(frame))
    found = pd.concat(parts).set_index("instance_id")["all_busy_s"]
    return frame["instance_id"].map(found).fillna(0.0).to_numpy(dtype=np.float64)


def decompose(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    *,
    kronos: bool = False,
    calendars: Mapping[str, WorkingCalendar] | None = None,
) -> Decomposition:
    """The causes of every instance's wait in the scope's whole dataset (filters ignored:
    other cases' work is what a resource was busy with)."""
    whole = Scope(scope.dataset, Filters(), scope.profile)
    name = "lfw_" + uuid.uuid4().hex[:12]
    try:
        _base_table(con, whole, name)
        base = con.execute(
            f"SELECT instance_id, case_id, activity, department, resource, s, e, enabled"
            f" FROM {name}"
        ).fetchdf()
        has_resources = bool(base["resource"].notna().any())
        has_durations = bool((base["e"] > base["s"]).any())
        if calendars is None:
            calendars = calendar_of_resources(con, whole) if has_resources else {}
        offset = _offsets(whole, con)
        clocks = _clocks(calendars, offset)
        if profile_sets_calendar(whole.profile):
            clocks[ANYONE] = calendar_clock(calendar_from_spec("*", whole.profile.calendar), offset)
        batches = _batches(base, kronos, clocks)
        con.register(f"{name}_bview", batches)
        con.execute(
            f"CREATE TEMP TABLE {name}_batches AS SELECT instance_id, batch_id, batch_start,"
            f" batch_enabled, batch_size FROM {name}_bview"
        )
        con.unregister(f"{name}_bview")
        intervals = con.execute(intervals_sql(name, f"{name}_batches", kronos)).fetchdf()
        instances = _per_instance(con, name, label_waits(intervals, clocks), base)
        return Decomposition(instances, dict(calendars), batches, has_resources, has_durations)
    finally:
        for suffix in ("_batches", "", "_raw"):
            con.execute(f"DROP TABLE IF EXISTS {name}{suffix}")


CAUSE_SECONDS = (
    "wait_s", *(f"{c}_s" for c in CAUSES), *(f"{c}_work_s" for c in CAUSES),
)  # fmt: skip


def label_waits(iv: pd.DataFrame, clocks: Mapping[str, Clock]) -> pd.DataFrame:
    """Every waiting instance of the intervals (:func:`intervals_sql`'s rows: instance_id,
    resource, lo, hi, kind) with its wait and its causes in seconds (:data:`CAUSE_SECONDS`):
    the labelled segments (:func:`_sweep`) summed per instance, the rest split by the
    performer's working calendar into unavailability and extraneous.

    The intervals of an instance never need another instance's, so any grouping that keeps
    an instance's intervals together gives the same rows: the store path labels the whole
    dataset at once, the lake each resource's intervals where they are (Spark's
    ``applyInPandas`` per resource)."""
    waits = iv[iv["kind"] == 0]
    ids = waits["instance_id"].to_numpy()
    n = len(ids)
    wait = waits["hi"].to_numpy(dtype=np.float64) - waits["lo"].to_numpy(dtype=np.float64)
    seg = _sweep({c: iv[c].to_numpy() for c in ("instance_id", "lo", "hi", "kind")})
    pos = pd.Index(ids).get_indexer(pd.Index(seg["instance_id"]))
    t1 = np.asarray(seg["t1"], dtype=np.float64)
    t2 = np.asarray(seg["t2"], dtype=np.float64)
    label = np.asarray(seg["label"])
    length = t2 - t1
    resource = waits["resource"].to_numpy(dtype=object)[pos]
    work, known = _working(resource, t1, t2, clocks)

    def total(
        values: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.float64]:
        return np.bincount(pos[mask], weights=values[mask], minlength=n).astype(np.float64)

    rest = label == 3
    parts = {
        "batching": total(length, label == 0),
        "contention": total(length, label == 1),
        "prioritization": total(length, label == 2),
        "unavailability": total(length - work, rest & known),
    }
    claimed = sum(parts.values())
    out: dict[str, Any] = {"instance_id": ids, "wait_s": wait}
    extraneous = np.maximum(wait - claimed, 0.0)
    # Float noise: the parts are clipped so they never exceed the wait.
    over = claimed > wait
    scale = np.where(over, wait / np.where(claimed > 0, claimed, 1), 1.0)
    for cause, value in parts.items():
        out[f"{cause}_s"] = value * scale if over.any() else value
    out["extraneous_s"] = extraneous
    for cause, code in (("batching", 0), ("contention", 1), ("prioritization", 2)):
        out[f"{cause}_work_s"] = total(work, label == code)
    out["unavailability_work_s"] = np.zeros(n)
    out["extraneous_work_s"] = total(work, rest)
    return pd.DataFrame(out)


def _per_instance(
    con: duckdb.DuckDBPyConnection, name: str, labelled: pd.DataFrame, base: pd.DataFrame
) -> pd.DataFrame:
    """Every instance with an enablement, its batch and its causes (zero without a wait)."""
    frame = con.execute(
        f"SELECT i.*, b.batch_id, b.batch_size FROM {name} i"
        f" LEFT JOIN {name}_batches b USING (instance_id)"
        " WHERE i.enabled IS NOT NULL"
    ).fetchdf()
    found = labelled.set_index("instance_id").reindex(frame["instance_id"])
    for column in CAUSE_SECONDS:
        frame[column] = found[column].fillna(0.0).to_numpy(dtype=np.float64)
    frame["all_busy_s"] = _all_busy(base, frame)
    return _as_categories(frame)


def _as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Names as categories (grouping by them is then cheap): activities, departments and
    resources share one category list per kind, so columns of one kind compare."""
    for kind in ("activity", "department", "resource"):
        columns = [kind, f"source_{kind}"]
        values = pd.unique(pd.concat([frame[c] for c in columns]).dropna())
        dtype = pd.CategoricalDtype(sorted(str(v) for v in values))
        for column in columns:
            frame[column] = frame[column].astype(dtype)
    return frame
