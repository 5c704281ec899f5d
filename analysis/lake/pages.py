"""The dashboard's remaining figures over the lake, for either engine: the Overview's weekly
trends and SLA early warning, work in progress, the Cases page (its paged table and one
case's timeline), the process map's cases behind an element, the loan rules and the
conformance check, the Why waiting page's department calendars and one case's waits, and
the filter bar's choices and time zone.

Each function takes a :class:`analysis.lake.run.LakeRun` (and filters) and returns what the
store path's function returns, built from the lake derivations (:mod:`analysis.lake.derive`)
in SQL both engines read alike; the store path's own Python finishes each result
(:func:`analysis.trends.mark_complete_weeks`, :func:`analysis.rules.results_from_flags`,
:func:`analysis.conformance.check_variants`, the calendars' discovery, ...). Only the
figure comes back to the driver: a row per week or day, a page of cases, one case.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pandas as pd

from analysis.bottlenecks import SLA_RISK_COLUMNS
from analysis.calendar.discover import calendar_counts_sql
from analysis.case_metrics import CASE_METRIC_COLUMNS, typed_case_metrics
from analysis.dataset_facts import (
    CASE_TIMELINE_COLUMNS,
    DatasetTimeZone,
    FilterChoices,
    amount_bands_from_quartiles,
    time_zone_over,
)
from analysis.filters import Filters
from analysis.lake import compare as lake_compare
from analysis.lake.derive import MICROS_PER_HOUR, local_epoch
from analysis.lake.figures import _open_cases, _selected
from analysis.lake.run import LakeRun
from analysis.process_map import element_condition
from analysis.sla import sla_compliance_sql
from analysis.trends import mark_complete_weeks

_EPOCH_DAY = date(1970, 1, 1)


def _instants(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype("Int64"), unit="us", utc=True)


def _local_day(run: LakeRun, column: str) -> str:
    """SQL: the local day (days since 1970-01-01 on the dataset's clock) of an instant."""
    assert run.bounds is not None
    local = local_epoch(run.dialect, column, run.profile.timezone, run.bounds)
    return f"CAST(floor({local} / CAST(86400 AS DOUBLE)) AS BIGINT)"


def _monday(day: str) -> str:
    """SQL: the Monday on or before a day number (1970-01-01 was a Thursday)."""
    return f"({day} - (({day} + 3) - 7 * CAST(floor(({day} + 3) / CAST(7 AS DOUBLE)) AS BIGINT)))"


def _day(number: Any) -> date:
    return _EPOCH_DAY + timedelta(days=int(number))


def _with_closed(run: LakeRun, filters: Filters | None) -> tuple[str, list[Any]]:
    closed, params = run.closed_sql()
    return f"(SELECT c.*, {closed} AS is_closed FROM {_selected(run, filters, 'cases')} c)", params


def weekly_trend(run: LakeRun, filters: Filters | None = None) -> pd.DataFrame:
    """Per week: cases started and closed, the closed cases' cycle times and SLA compliance
    (:func:`analysis.trends.weekly_trend`)."""
    d = run.dialect
    sel, params = _with_closed(run, filters)
    within = sla_compliance_sql(run.profile.sla.cycle_time_hours, open_sql="NOT is_closed")
    frame = run.engine.query(
        f"""
        SELECT * FROM (
        SELECT coalesce(s.week, c.week) AS week, coalesce(s.started, 0) AS started,
            coalesce(c.closed, 0) AS closed, c.median_cycle_time_hours,
            c.mean_cycle_time_hours, c.p90_cycle_time_hours,
            c.median_cycle_time_working_hours, c.sla_compliance
        FROM (
            SELECT week, count(*) AS started FROM (
                SELECT {_monday(_local_day(run, "first_ts"))} AS week FROM {sel} a) w
            GROUP BY week
        ) s FULL OUTER JOIN (
            SELECT week, count(*) AS closed,
                {d.quantile("cycle_time_hours", 0.5)} AS median_cycle_time_hours,
                avg(cycle_time_hours) AS mean_cycle_time_hours,
                {d.quantile("cycle_time_hours", 0.9)} AS p90_cycle_time_hours,
                {d.quantile("cycle_time_working_hours", 0.5)}
                    AS median_cycle_time_working_hours,
                {within} AS sla_compliance
            FROM (SELECT *, {_monday(_local_day(run, "last_ts"))} AS week FROM {sel} b
                WHERE is_closed) w
            GROUP BY week
        ) c ON c.week = s.week
        ) t ORDER BY week
        """,
        params + params,
    )
    frame["week"] = pd.to_datetime([_day(w) for w in frame["week"]])
    for column in ("started", "closed"):
        frame[column] = frame[column].astype("int64")
    return mark_complete_weeks(frame, run.bounds, run.profile.timezone)


def wip_over_time(run: LakeRun, filters: Filters | None = None) -> pd.DataFrame:
    """Per local day from the selection's first to its last: cases started, ended and in
    progress at the day's end (:func:`analysis.trends.wip_over_time`); the days without
    either are filled in here."""
    sel, params = _with_closed(run, filters)
    first, last = _local_day(run, "first_ts"), _local_day(run, "last_ts")
    frame = run.engine.query(
        f"""
        SELECT day, sum(started) AS started, sum(ended) AS ended FROM (
            SELECT {first} AS day, 1 AS started, 0 AS ended FROM {sel} a
            UNION ALL
            SELECT {last} AS day, 0 AS started, 1 AS ended FROM {sel} b WHERE is_closed
            UNION ALL
            SELECT max({last}) AS day, 0 AS started, 0 AS ended FROM {sel} c
        ) d WHERE day IS NOT NULL GROUP BY day ORDER BY day
        """,
        params * 3,
    )
    columns = ["day", "started", "ended", "wip"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    numbers = frame["day"].astype("int64").to_numpy()
    started = pd.Series(frame["started"].astype("int64").to_numpy(), index=numbers)
    ended = pd.Series(frame["ended"].astype("int64").to_numpy(), index=numbers)
    starts = numbers[started.to_numpy() > 0]
    days = range(int(starts.min()) if len(starts) else int(numbers.min()), int(numbers.max()) + 1)
    out = pd.DataFrame(
        {
            "day": pd.to_datetime([_day(n) for n in days]),
            "started": started.reindex(days, fill_value=0).to_numpy(),
            "ended": ended.reindex(days, fill_value=0).to_numpy(),
        }
    )
    out["wip"] = (out["started"] - out["ended"]).cumsum().astype("int64")
    return out[columns]


def sla_risk(run: LakeRun, filters: Filters | None = None, limit: int = 10) -> pd.DataFrame:
    """The credibly open cases nearest to breaching the SLA
    (:func:`analysis.bottlenecks.sla_risk`)."""
    order = (
        "sla_hours_left, waiting_hours DESC, case_id"
        if run.profile.sla.cycle_time_hours is not None
        else "age_hours DESC, waiting_hours DESC, case_id"
    )
    return _open_cases(run, filters, order, limit).loc[:, list(SLA_RISK_COLUMNS)]


def case_metrics(run: LakeRun, filters: Filters | None = None) -> pd.DataFrame:
    """One row per selected case (:func:`analysis.case_metrics.case_metrics`)."""
    return lake_compare.case_metrics(run, filters)


def case_page(
    run: LakeRun,
    filters: Filters | None = None,
    *,
    order: tuple[tuple[str, bool], ...] = (),
    offset: int = 0,
    limit: int = 100,
) -> tuple[pd.DataFrame, int]:
    """One page of the selected cases' metrics, sorted on the engine, and the number of
    cases (:func:`analysis.case_metrics.case_page`): only the page's rows come back."""
    d = run.dialect
    closed, params = run.closed_sql()
    from analysis.sla import sla_met_sql

    sla_met = sla_met_sql(run.profile.sla.cycle_time_hours, open_sql="NOT closed")
    keys = [
        f"{'first_us' if name == 'first_ts' else 'last_us' if name == 'last_ts' else name}"
        f" {'DESC' if descending else 'ASC'} NULLS LAST"
        for name, descending in order
        if name in CASE_METRIC_COLUMNS
    ]
    ordering = ", ".join([*keys, "case_id"])
    rows = f"""(
        SELECT case_id, outcome, {d.epoch_us("first_ts")} AS first_us,
            {d.epoch_us("last_ts")} AS last_us, cycle_time_hours, cycle_time_working_hours,
            closed, instances, activities, rework, pingpong, handoffs, departments_touched,
            resources, amount, product, branch, channel, cost, {sla_met} AS sla_met
        FROM (SELECT c.*, {closed} AS closed FROM {_selected(run, filters, "cases")} c) k
    )"""
    frame = run.engine.query(
        f"SELECT * FROM {rows} p ORDER BY {ordering}"
        f" LIMIT {max(0, int(limit))} OFFSET {max(0, int(offset))}",
        params,
    )
    frame["first_ts"] = _instants(frame["first_us"])
    frame["last_ts"] = _instants(frame["last_us"])
    for column in ("amount", "cost", "cycle_time_hours", "cycle_time_working_hours"):
        frame[column] = frame[column].astype("float64")
    total = run.engine.query(f"SELECT count(*) AS n FROM {run.selection(filters)}")
    page = typed_case_metrics(frame[list(CASE_METRIC_COLUMNS)].copy())
    return page, int(total["n"].iloc[0])


def case_timeline(run: LakeRun, case_id: str) -> pd.DataFrame:
    """The activity instances of one case in case order
    (:func:`analysis.dataset_facts.case_timeline`)."""
    d = run.dialect
    frame = run.engine.query(
        f"SELECT activity, department, resource, {d.epoch_us('start_ts')} AS start_us,"
        f" {d.epoch_us('end_ts')} AS end_us FROM {run.names.src_instances}"
        " WHERE case_id = ? ORDER BY start_ts, end_ts NULLS LAST, instance_id",
        [str(case_id)],
    )
    frame["start_ts"] = _instants(frame["start_us"])
    frame["end_ts"] = _instants(frame["end_us"])
    return frame[list(CASE_TIMELINE_COLUMNS)]


def element_cases(
    run: LakeRun,
    filters: Filters | None = None,
    *,
    activity: str | None = None,
    source: str | None = None,
    target: str | None = None,
    limit: int = 200,
) -> pd.DataFrame:
    """The cases behind one element of the map, longest cycle time first
    (:func:`analysis.process_map.element_cases`)."""
    where, extra = element_condition(activity, source, target)
    d = run.dialect
    frame = run.engine.query(
        f"""
        SELECT c.case_id, c.outcome, {d.epoch_us("c.first_ts")} AS first_us,
            {d.epoch_us("c.last_ts")} AS last_us, c.cycle_time_hours, h.times, h.wait_hours
        FROM (
            SELECT case_id, count(*) AS times,
                CAST(coalesce(sum(wait_us), 0) AS DOUBLE) / {MICROS_PER_HOUR} AS wait_hours
            FROM {_selected(run, filters, "instances")} i WHERE {where} GROUP BY case_id
        ) h JOIN {run.names.cases} c ON c.case_id = h.case_id
        ORDER BY c.cycle_time_hours DESC, c.case_id LIMIT {int(limit)}
        """,
        extra,
    )
    frame["first_ts"] = _instants(frame["first_us"])
    frame["last_ts"] = _instants(frame["last_us"])
    columns = ["case_id", "outcome", "first_ts", "last_ts", "cycle_time_hours", "times"]
    return frame[[*columns, "wait_hours"]]


def rule_results(run: LakeRun, filters: Filters | None = None) -> list[Any]:
    """Every loan rule with the decided and breaking cases
    (:func:`analysis.rules.rule_results`)."""
    from analysis.rules import results_from_flags

    frame, names = lake_compare.rule_flags(run, filters)
    return results_from_flags(frame, names)


def conformance(
    run: LakeRun,
    filters: Filters | None,
    model_path: str,
    method: Any = "token_replay",
    max_alignment_variants: int = 2000,
) -> Any:
    """The selected cases against a model (:func:`analysis.conformance.conformance`): the
    distinct variants and their cases come from the engine, the replay runs here on one
    trace per variant, as on the store path."""
    from analysis.conformance import check_variants

    d = run.dialect
    frame = run.engine.query(
        f"SELECT variant, {d.ordered_list('case_id', 'case_id')} AS cases"
        f" FROM {_selected(run, filters, 'cases')} c GROUP BY variant"
    )
    grouped = [
        ([str(a) for a in v], [str(c) for c in cs])
        for v, cs in zip(frame["variant"], frame["cases"], strict=True)
    ]
    grouped.sort(key=lambda g: (-len(g[1]), g[0]))
    return check_variants(
        model_path, method, [g[0] for g in grouped], [g[1] for g in grouped],
        max_alignment_variants,
    )  # fmt: skip


def department_calendars(run: LakeRun, filters: Filters | None = None) -> dict[str, dict[str, Any]]:
    """Each department's calendar discovered from the selected cases' timestamps
    (:func:`analysis.waits.report.department_calendars`): the counts per department, day
    and granule on the engine, each department's discovery where its counts are (the
    store path's :func:`~analysis.calendar.discover.calendars_from_counts`)."""
    from analysis.lake.waits import discovered_calendars

    e, d = run.engine, run.dialect
    assert run.bounds is not None
    bounds, zone = run.bounds, run.profile.timezone
    holidays = tuple(sorted(run.profile.calendar.holidays))
    name = f"{run.names.prefix}_dept_calendars_{uuid.uuid4().hex[:12]}"  # one per call
    counts = calendar_counts_sql(
        f"{_selected(run, filters, 'src_instances')} i",
        "department",
        lambda column: local_epoch(d, column, zone, bounds),
        d.text(),
    )
    out: dict[str, dict[str, Any]] = {}
    for found in discovered_calendars(e, name, counts, holidays):
        out[found.name] = {**found.to_dict(), "hour_grid": found.hour_grid()}
    return out


def case_waits(run: LakeRun, case_id: str) -> list[dict[str, Any]]:
    """The waits of one case, instance by instance (:func:`analysis.waits.report.case_waits`):
    the dataset's decomposition on the engine, one case's rows back."""
    from analysis.lake.waits import decomposition
    from analysis.waits.decompose import CAUSE_SECONDS
    from analysis.waits.report import _instance_rows

    parts = decomposition(run)
    frame = run.engine.query(
        "SELECT case_id, instance_id, activity, resource, source_activity, source_resource,"
        f" enabled, s, batch_id, {', '.join(CAUSE_SECONDS)} FROM {parts.instances} r"
        " WHERE case_id = ? ORDER BY case_id, s, instance_id",
        [str(case_id)],
    )
    return _instance_rows(frame)


def filter_choices(run: LakeRun) -> FilterChoices:
    """Products, departments, amount bands and the span of start days
    (:func:`analysis.dataset_facts.filter_choices`)."""
    t, d = run.names, run.dialect
    products = run.engine.query(
        f"SELECT DISTINCT product FROM {t.src_cases} WHERE product IS NOT NULL ORDER BY product"
    )
    departments = run.engine.query(
        f"SELECT DISTINCT department FROM {t.src_instances} WHERE department IS NOT NULL"
        " ORDER BY department"
    )
    day = _local_day(run, "first_ts")
    span = run.engine.query(
        f"SELECT min({day}) AS first_day, max({day}) AS last_day,"
        f" {d.quantile('amount', 0.25)} AS q1, {d.quantile('amount', 0.5)} AS q2,"
        f" {d.quantile('amount', 0.75)} AS q3 FROM {t.src_cases}"
    ).iloc[0]
    quartiles = [float(span[q]) for q in ("q1", "q2", "q3") if span[q] == span[q]]
    present = span["first_day"] is not None and span["first_day"] == span["first_day"]
    return FilterChoices(
        products=tuple(sorted(str(p) for p in products["product"])),
        departments=tuple(sorted(str(p) for p in departments["department"])),
        amount_bands=amount_bands_from_quartiles(quartiles or None),
        first_day=_day(span["first_day"]) if present else None,
        last_day=_day(span["last_day"]) if present else None,
    )


def time_zone(run: LakeRun) -> DatasetTimeZone:
    """The time zone of the dataset's clock (:func:`analysis.dataset_facts.time_zone`)."""
    return time_zone_over(run.profile.timezone, run.bounds)


def scenario_names(run: LakeRun) -> tuple[list[str], list[str]]:
    """The department and activity names a what-if scenario may use
    (:func:`analysis.whatif.scenario.scenario_names`)."""
    t = run.names

    def distinct(column: str, having: str) -> list[str]:
        frame = run.engine.query(
            f"SELECT DISTINCT {column} AS v FROM {t.src_instances} WHERE {having} IS NOT NULL"
        )
        return sorted(str(v) for v in frame["v"])

    departments = distinct("department", "department") or distinct("activity", "resource")
    return departments, distinct("activity", "activity")
