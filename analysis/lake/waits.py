"""The waiting causes on the lake: ``loanflow waits`` on Spark or DuckDB reading Parquet.

The same decomposition as :mod:`analysis.waits` (DESIGN.md, "Why applications wait"),
built as steps on the engine over the lake derivations (:mod:`analysis.lake.derive`):

1. ``wait_base``: every instance with its enablement (the predecessor's end, or the
   concurrency oracle's enabler, :mod:`analysis.waits.enablement`'s SQL) and its source,
   instants as epoch seconds;
2. the working calendars: counts per person (and department), day and granule on the
   engine (:func:`analysis.calendar.discover.calendar_counts_sql`), each one's calendar
   discovered where its counts are (:func:`discover_group`, the store path's discovery),
   one row per person and department to the driver, where the profile's rule picks the
   calendar in force;
3. ``wait_cand``: batch candidates per resource (Spark's ``applyInPandas``, the store
   path's :func:`~analysis.waits.batches.batch_candidates` and
   :func:`~analysis.waits.batches.held_back`), the activities done in batches decided from
   two shares per activity, ``wait_batches`` the batches kept, numbered as the store path
   numbers them;
4. ``wait_labelled``: the intervals (:func:`analysis.waits.decompose.intervals_sql`, the
   store path's SQL text) labelled per resource where they are, by the store path's own
   :func:`~analysis.waits.decompose.label_waits`; ``wait_busy``: the department all-busy
   seconds per department (:func:`~analysis.waits.decompose.department_all_busy`);
5. ``wait_inst``: per instance, its wait and causes.

A report then sums the selected cases' instances per activity, handoff and transition on
the engine; only those sums (and, with ``instances=True``, the instance list asked for)
come back, and :mod:`analysis.waits.report`'s own functions turn them into the same
:class:`~analysis.waits.report.WaitsReport`.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analysis.calendar.discover import (
    MIN_WEEKDAY_SHARE,
    calendar_counts_sql,
    calendars_from_counts,
    choose_calendars,
    home_departments_sql,
    profile_sets_calendar,
)
from analysis.calendar.week import WorkingCalendar, calendar_from_spec
from analysis.filters import Filters
from analysis.lake import derive
from analysis.lake.engine import Engine
from analysis.lake.run import LakeRun
from analysis.waits.batches import (
    Clock,
    activities_done_in_batches,
    batch_candidates,
    busy_islands,
    calendar_clock,
    held_back,
)
from analysis.waits.decompose import (
    ANYONE,
    CAUSE_SECONDS,
    department_all_busy,
    intervals_sql,
    label_waits,
    offset_clock,
)
from analysis.waits.enablement import concurrency_from_counts, enabling_sql, oracle_counts_sql
from analysis.waits.report import (
    WaitsReport,
    _instance_rows,
    _notes,
    _row,
    batch_row,
    changes_between,
)

_building = threading.Lock()  # one decomposition built at a time (a dashboard's threads)
_LABELLED = "instance_id BIGINT, " + ", ".join(f"{c} DOUBLE" for c in CAUSE_SECONDS)
_CANDIDATES = (
    "instance_id BIGINT, resource STRING, activity STRING, s DOUBLE, enabled DOUBLE,"
    " local_batch BIGINT, held BOOLEAN"
)


@dataclass(frozen=True)
class LakeDecomposition:
    """The decomposition of a run's whole dataset, kept on the engine (``instances``: the
    table of every instance with an enablement, its wait and causes)."""

    instances: str
    batches: str
    calendars: dict[str, WorkingCalendar]
    has_resources: bool
    has_durations: bool
    batched: int


def resource_candidates(
    rows: pd.DataFrame, clocks: Mapping[str, Clock], kronos: bool
) -> pd.DataFrame:
    """One resource's instances (instance_id, resource, activity, s, e, enabled) with
    their candidate batch (``local_batch``, -1 none, numbered in the resource's order)
    and whether it was held back (Kronos's definition: always)."""
    rows = rows.reset_index(drop=True)
    batch = batch_candidates(rows)
    member = batch >= 0
    held = np.zeros(len(rows), dtype=bool)
    if kronos:
        held = member
    elif member.any():
        held = member & held_back(rows, batch, busy_islands(rows), clocks)[np.maximum(batch, 0)]
    return pd.DataFrame(
        {
            "instance_id": rows["instance_id"].to_numpy(),
            "resource": rows["resource"].to_numpy(dtype=object),
            "activity": rows["activity"].to_numpy(dtype=object),
            "s": rows["s"].to_numpy(dtype=np.float64),
            "enabled": rows["enabled"].to_numpy(dtype=np.float64),
            "local_batch": batch,
            "held": held,
        }
    )


def _literals(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "NULL"


def discover_group(
    counts: pd.DataFrame, holidays: tuple[date, ...], min_weekday_share: float
) -> pd.DataFrame:
    """One group's calendar (a person's, a department's) from its counts (who, day,
    granule, hits), by the store path's discovery (:func:`calendars_from_counts`), as one
    row: who, spans (JSON), confidence, observations: all the driver receives."""
    rows = [
        {
            "who": who,
            "spans": json.dumps([list(span) for span in found.spans]),
            "confidence": np.nan if found.confidence is None else float(found.confidence),
            "observations": int(found.observations),
        }
        for who, found in calendars_from_counts(counts, holidays, min_weekday_share).items()
    ]
    return pd.DataFrame(rows, columns=["who", "spans", "confidence", "observations"])


def _calendars(run: LakeRun) -> dict[str, WorkingCalendar]:
    """The calendar in force for every resource (as
    :func:`analysis.calendar.discover.calendar_of_resources`): each person's and each
    department's calendar discovered where its timestamps are, one row each to the driver,
    the profile's rule applied here."""
    t, d, e = run.names, run.dialect, run.engine
    frame = e.query(home_departments_sql(t.src_instances))
    home = {str(r): (None if v is None or v != v else str(v)) for r, v in frame.itertuples(False)}
    profile = run.profile
    if profile_sets_calendar(profile) and not profile.calendars:
        return choose_calendars(profile, home, {}, {})
    bounds = run.bounds
    assert bounds is not None

    def local(column: str) -> str:
        return derive.local_epoch(d, column, profile.timezone, bounds)

    holidays = tuple(sorted(profile.calendar.holidays))
    found: list[dict[str, WorkingCalendar]] = []
    for by in ("resource", "department"):
        counts = calendar_counts_sql(t.src_instances, by, local, d.text())
        discovered = discovered_calendars(e, f"{t.wait_calendars}_{by}", counts, holidays)
        found.append({c.name: c for c in discovered})
    return choose_calendars(profile, home, found[0], found[1])


def discovered_calendars(
    e: Engine, name: str, counts_sql: str, holidays: tuple[date, ...]
) -> list[WorkingCalendar]:
    """The working calendar of each group (``who``) of ``counts_sql``'s counts
    (:func:`analysis.calendar.discover.calendar_counts_sql`), each discovered where its
    counts are (:func:`discover_group`, in the table ``name``, dropped afterwards), one row
    each back to the driver, in the order of ``who``."""
    e.grouped(
        name,
        counts_sql,
        "who",
        functools.partial(discover_group, holidays=holidays, min_weekday_share=MIN_WEEKDAY_SHARE),
        "who STRING, spans STRING, confidence DOUBLE, observations BIGINT",
    )
    try:
        rows = e.query(f"SELECT who, spans, confidence, observations FROM {name} ORDER BY who")
    finally:
        e.drop([name])
    return [
        WorkingCalendar(
            str(r["who"]),
            tuple((int(a), int(b), int(c)) for a, b, c in json.loads(r["spans"])),
            holidays,
            "discovered",
            None if r["confidence"] != r["confidence"] else float(r["confidence"]),
            int(r["observations"]),
        )
        for r in rows.to_dict(orient="records")
    ]


def decomposition(run: LakeRun, kronos: bool = False) -> LakeDecomposition:
    """The run's decomposition (built on first use, kept with the run)."""
    key = ("waits", kronos)
    with _building:
        if key not in run.kept:
            run.kept[key] = _decompose(run, kronos)
        made: LakeDecomposition = run.kept[key]
        return made


def _base(run: LakeRun) -> str:
    """Materialise ``wait_base`` once (it does not depend on the batching definition)."""
    t, e = run.names, run.engine
    if ("waits", "base") in run.kept:
        return t.wait_base
    counts = e.query(oracle_counts_sql(t.instances, "end_us", "start_us"))
    oracle = concurrency_from_counts(list(counts.itertuples(index=False)))
    enabling = enabling_sql(oracle, t.instances, "end_us", "start_us")
    listed = _literals(sorted({a for a, _ in oracle.pairs}))
    seconds = f"CAST({derive.MICROS} AS DOUBLE)"
    e.materialise(
        t.wait_base,
        f"""
        WITH o AS ({enabling}),
        r AS (
            SELECT r.case_id, r.instance_id, r.activity, r.department, r.resource,
                r.start_us, r.end_us,
                CASE WHEN r.activity IN ({listed}) THEN o.enabler ELSE r.pred_id END
                    AS enabler,
                min(r.start_us) OVER (PARTITION BY r.case_id) AS case_start_us
            FROM {t.instances} r LEFT JOIN o ON o.instance_id = r.instance_id
        )
        SELECT r.case_id, CAST(r.instance_id AS BIGINT) AS instance_id, r.activity,
            r.department, r.resource,
            CAST(r.start_us AS DOUBLE) / {seconds} AS s,
            CAST(r.end_us AS DOUBLE) / {seconds} AS e,
            CAST(p.end_us AS DOUBLE) / {seconds} AS enabled,
            CAST(r.case_start_us AS DOUBLE) / {seconds} AS case_start,
            p.activity AS source_activity, p.resource AS source_resource,
            p.department AS source_department
        FROM r LEFT JOIN {t.instances} p ON p.case_id = r.case_id AND p.instance_id = r.enabler
        """,
    )
    run.kept_tables.append(t.wait_base)
    run.kept[("waits", "base")] = True
    return t.wait_base


def _decompose(run: LakeRun, kronos: bool) -> LakeDecomposition:
    t, e = run.names, run.engine
    base = _base(run)
    k = "k" if kronos else "l"
    facts = e.query(
        f"SELECT count(resource) AS people, count(*) FILTER (WHERE e > s) AS worked FROM {base}"
    ).iloc[0]
    has_resources, has_durations = int(facts["people"]) > 0, int(facts["worked"]) > 0
    calendars = _calendars(run) if has_resources else {}
    offset = offset_clock(run.profile.timezone, run.bounds)
    clocks: dict[str, Clock] = {n: calendar_clock(c, offset) for n, c in calendars.items()}
    if profile_sets_calendar(run.profile):
        clocks[ANYONE] = calendar_clock(calendar_from_spec("*", run.profile.calendar), offset)

    # Batches: candidates per resource where the rows are, the rule per activity here.
    cand, batches = f"{t.wait_cand}_{k}", f"{t.wait_batches}_{k}"
    e.grouped(
        cand,
        f"SELECT instance_id, resource, activity, s, e, enabled FROM {base}"
        " WHERE resource IS NOT NULL AND e IS NOT NULL",
        "resource",
        functools.partial(resource_candidates, clocks=clocks, kronos=kronos),
        _CANDIDATES,
    )
    run.kept_tables.append(cand)
    keep = "true"
    if not kronos:
        one, zero = derive.ONE, derive.ZERO
        shares = e.query(
            f"""
            SELECT a.activity, a.share, h.held_share FROM (
                SELECT activity, avg(CASE WHEN local_batch >= 0 THEN {one} ELSE {zero} END)
                    AS share
                FROM {cand} GROUP BY activity
            ) a LEFT JOIN (
                SELECT activity, avg(CASE WHEN held THEN {one} ELSE {zero} END) AS held_share
                FROM (SELECT DISTINCT resource, local_batch, activity, held FROM {cand}
                    WHERE local_batch >= 0) b
                GROUP BY activity
            ) h ON h.activity = a.activity
            """
        )
        share = pd.Series(shares["share"].to_numpy(dtype=np.float64), index=shares["activity"])
        held = shares.dropna(subset=["held_share"])
        held_share = pd.Series(
            held["held_share"].to_numpy(dtype=np.float64), index=held["activity"]
        )
        chosen = sorted(activities_done_in_batches(share, held_share))
        keep = f"held AND activity IN ({_literals(chosen)})"
    e.materialise(
        batches,
        f"""
        SELECT instance_id, batch_id, activity, s,
            min(s) OVER (PARTITION BY batch_id) AS batch_start,
            max(enabled) OVER (PARTITION BY batch_id) AS batch_enabled,
            count(*) OVER (PARTITION BY batch_id) AS batch_size
        FROM (
            SELECT c.*, dense_rank() OVER (ORDER BY resource, local_batch) - 1 AS batch_id
            FROM {cand} c WHERE local_batch >= 0
        ) n WHERE {keep}
        """,
    )
    run.kept_tables.append(batches)

    # The intervals labelled per resource, the department view per department.
    labelled, busy, inst = f"{t.wait_labelled}_{k}", f"{t.wait_busy}_{k}", f"{t.wait_inst}_{k}"
    e.grouped(
        labelled,
        intervals_sql(base, batches, kronos, run.dialect),
        "resource",
        functools.partial(label_waits, clocks=clocks),
        _LABELLED,
    )
    if ("waits", "busy") not in run.kept:
        e.grouped(
            t.wait_busy,
            f"SELECT instance_id, department, resource, s, e, enabled FROM {base}"
            " WHERE department IS NOT NULL",
            "department",
            department_all_busy,
            "instance_id BIGINT, all_busy_s DOUBLE",
        )
        run.kept_tables.append(t.wait_busy)
        run.kept[("waits", "busy")] = True
    busy = t.wait_busy
    sums = ", ".join(f"coalesce(l.{c}, CAST(0 AS DOUBLE)) AS {c}" for c in CAUSE_SECONDS)
    e.materialise(
        inst,
        f"""
        SELECT i.case_id, i.instance_id, i.activity, i.department, i.resource,
            i.source_activity, i.source_resource, i.source_department, i.s, i.enabled,
            b.batch_id, b.batch_size, {sums},
            coalesce(u.all_busy_s, CAST(0 AS DOUBLE)) AS all_busy_s
        FROM {base} i
        LEFT JOIN {batches} b ON b.instance_id = i.instance_id
        LEFT JOIN {labelled} l ON l.instance_id = i.instance_id
        LEFT JOIN {busy} u ON u.instance_id = i.instance_id
        WHERE i.enabled IS NOT NULL
        """,
    )
    e.drop([labelled])
    run.kept_tables.append(inst)
    batched = int(e.query(f"SELECT count(*) AS n FROM {batches}").iloc[0]["n"])
    return LakeDecomposition(inst, batches, calendars, has_resources, has_durations, batched)


_SUMS = ", ".join(
    [
        "count(*) AS instances",
        "CAST(count(*) FILTER (WHERE wait_s > 0) AS BIGINT) AS waiting",
        *(f"sum({c}) AS sum_{c}" for c in (*CAUSE_SECONDS, "all_busy_s")),
    ]
)


def _grouped_rows(
    run: LakeRun, rows: str, keys: list[str], where: str, names: dict[str, str]
) -> list[dict[str, Any]]:
    """Per group of ``keys`` the sums :func:`analysis.waits.report._row` reads, largest
    wait first (then the keys, no key last, as the store path sorts)."""
    listed = ", ".join(keys)
    order = ", ".join(f"{k} ASC NULLS LAST" for k in keys)
    frame = run.engine.query(
        f"SELECT {listed}, {_SUMS} FROM {rows} r WHERE {where}"
        f" GROUP BY {listed} ORDER BY sum_wait_s DESC, {order}"
    )
    # (summed columns named apart from the summed ones: Spark's analyser confuses the two)
    frame.columns = [c.removeprefix("sum_") for c in frame.columns]
    return [_row(r, names) for r in frame.to_dict(orient="records")]


def waiting_causes(
    run: LakeRun,
    filters: Filters | None = None,
    *,
    instances: bool = False,
    kronos: bool = False,
    transitions: bool = False,
) -> WaitsReport:
    """:func:`analysis.waits.report.waiting_causes` on the lake: the same report."""
    parts = decomposition(run, kronos)
    selection = run.selection(filters)
    rows = f"(SELECT * FROM {parts.instances} WHERE case_id IN (SELECT case_id FROM {selection}))"
    activities = _grouped_rows(
        run, rows, ["activity", "department"], "true",
        {"activity": "activity", "department": "department"},
    )  # fmt: skip
    handoffs = _grouped_rows(
        run,
        rows,
        ["source_department", "department"],
        "source_department IS NOT NULL AND department IS NOT NULL"
        " AND source_department <> department",
        {"from": "source_department", "to": "department"},
    )
    keys = ["source_activity", "source_resource", "activity", "resource"]
    transition_rows = (
        _grouped_rows(run, rows, keys, "source_activity IS NOT NULL", {k: k for k in keys})
        if transitions
        else []
    )
    listed = None
    if instances:
        frame = run.engine.query(
            "SELECT case_id, instance_id, activity, resource, source_activity, source_resource,"
            f" enabled, s, batch_id, {', '.join(CAUSE_SECONDS)} FROM {rows} r"
            " ORDER BY case_id, s, instance_id"
        )
        listed = _instance_rows(frame)
    batches = run.engine.query(
        f"""
        SELECT activity, count(*) AS batches, sum(members) AS batched,
            max(members) AS max_size, min(batch_s) AS first_start, max(batch_s) AS last_start
        FROM (
            SELECT b.batch_id, min(b.activity) AS activity, count(*) AS members,
                min(b.s) AS batch_s
            FROM {parts.batches} b JOIN {rows} r ON r.instance_id = b.instance_id
            GROUP BY b.batch_id
        ) p GROUP BY activity ORDER BY activity
        """
    )
    batch_rows = sorted(
        (
            batch_row(
                str(r["activity"]),
                int(r["batches"]),
                int(r["batched"]),
                int(r["max_size"]),
                float(r["first_start"]),
                float(r["last_start"]),
            )
            for r in batches.to_dict(orient="records")
        ),
        key=lambda r: -r["batched_instances"],
    )
    cases = int(run.engine.query(f"SELECT count(*) AS n FROM {selection}").iloc[0]["n"])
    return WaitsReport(
        dataset=run.dataset,
        activities=activities,
        handoffs=handoffs,
        transitions=transition_rows,
        instances=listed,
        calendars=[c.to_dict() for c in parts.calendars.values()],
        batches=batch_rows,
        notes=_notes(parts.has_resources, parts.has_durations, parts.batched),
        cases=cases,
    )


def cause_changes(
    before: tuple[LakeRun, Filters | None], after: tuple[LakeRun, Filters | None]
) -> list[dict[str, Any]]:
    """:func:`analysis.waits.report.cause_changes` on the lake (each side a run and its
    filters)."""
    reports = [waiting_causes(run, filters) for run, filters in (before, after)]
    return changes_between(reports[0], reports[1])
