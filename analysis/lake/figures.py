"""The figures, written once over the lake derivations, for either engine.

Each function takes a :class:`analysis.lake.run.LakeRun` and filters and returns the same
type the DuckDB store path returns (:class:`analysis.kpis.Kpis`, the handoff DataFrame,
...), so the CLI prints the same JSON whichever engine computed it. Durations are summed
as integer microseconds (exact, in any order of summation) and turned into hours at the
end; quantiles are exact on both engines (:meth:`analysis.lake.dialect.Dialect.quantile`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.filters import Filters
from analysis.kpi_changes import PeriodChanges
from analysis.kpis import Kpis, kpis_from_row
from analysis.lake.derive import MICROS, MICROS_PER_HOUR, ONE, ZERO
from analysis.lake.run import LakeRun
from analysis.process_map import (
    END,
    START,
    Order,
    ProcessMap,
    _with_end_edges,
    with_start_order_ends,
)
from analysis.sla import sla_compliance_sql
from analysis.variants import Variants
from etl.outcomes import OUTCOME_KEYS


def _hours_quantile(run: LakeRun, column_us: str, q: float) -> str:
    return f"({run.dialect.quantile(column_us, q)} / {MICROS_PER_HOUR})"


def _working_quantile(run: LakeRun, column_s: str, q: float = 0.5) -> str:
    """A quantile of a working-time duration in seconds, taken over whole microseconds as
    the store path takes it (:mod:`analysis.quantiles`), in hours."""
    whole = f"CAST(round({column_s} * {MICROS}) AS BIGINT)"
    return f"({run.dialect.quantile(whole, q)} / {MICROS} / 3600.0)"


def _quote(run: LakeRun) -> str:
    """The engine's quote for a column named like a keyword (``from``, ``to``)."""
    return "`" if run.dialect.spark else '"'


def _selected(run: LakeRun, filters: Filters | None, table: str) -> str:
    """SELECT * of a derived table's rows of the selected cases."""
    return (
        f"(SELECT * FROM {getattr(run.names, table)}"
        f" WHERE case_id IN (SELECT case_id FROM {run.selection(filters)}))"
    )


def kpis(run: LakeRun, filters: Filters | None = None) -> Kpis:
    """The KPIs of the selected cases (:func:`analysis.kpis.kpis`)."""
    d = run.dialect
    closed, params = run.closed_sql()
    outcome_cols = ", ".join(
        f"avg(CASE WHEN outcome = '{o}' THEN {ONE} ELSE {ZERO} END) AS share_{o}"
        for o in OUTCOME_KEYS
    )
    sla = run.profile.sla.cycle_time_hours
    sla_met = sla_compliance_sql(sla, open_sql="NOT closed")
    frame = run.engine.query(
        f"""
        SELECT count(*) AS cases,
            {d.quantile("cycle_time_hours", 0.5)} AS cycle_median,
            avg(cycle_time_hours) AS cycle_mean,
            {d.quantile("cycle_time_hours", 0.9)} AS cycle_p90,
            {d.quantile("cycle_time_working_hours", 0.5)} AS working_median,
            avg(cycle_time_working_hours) AS working_mean,
            {d.quantile("cycle_time_working_hours", 0.9)} AS working_p90,
            {outcome_cols},
            avg(CAST(rework AS INTEGER)) AS rework_share,
            avg(CAST(pingpong AS INTEGER)) AS pingpong_share,
            avg(CAST(NOT rework AND NOT pingpong AS INTEGER)) AS first_time_right_share,
            avg(handoffs) AS handoffs_per_case, avg(instances) AS touches_per_case,
            count(*) FILTER (WHERE closed) AS closed_cases,
            {sla_met} AS sla_compliance, avg(cost) AS cost_per_case,
            sum(instances) AS activity_instances, sum(events) AS events
        FROM (SELECT c.*, {closed} AS closed FROM {_selected(run, filters, "cases")} c) k
        """,
        params,
    )
    mapped = bool(run.profile.outcomes or run.profile.outcome_attribute)
    return kpis_from_row(run.dataset, frame.iloc[0].to_dict(), run.profile, mapped)


def handoffs(run: LakeRun, filters: Filters | None = None) -> pd.DataFrame:
    """Department pairs with their handoffs (:func:`analysis.handoffs.handoffs`)."""
    return run.engine.query(
        f"""
        SELECT p.a AS `from`, p.b AS `to`, p.count, p.cases, p.median_wait_hours,
            p.mean_wait_hours, p.p90_wait_hours, p.total_wait_hours,
            p.median_wait_working_hours, coalesce(g.pingpong_cases, 0) AS pingpong_cases
        FROM (
            SELECT pred_department AS a, department AS b, count(*) AS count,
                count(*) FILTER (WHERE first_of_handoff) AS cases,
                {_hours_quantile(run, "wait_us", 0.5)} AS median_wait_hours,
                avg(wait_us) / {MICROS_PER_HOUR} AS mean_wait_hours,
                {_hours_quantile(run, "wait_us", 0.9)} AS p90_wait_hours,
                sum(wait_us) / {MICROS_PER_HOUR} AS total_wait_hours,
                {_working_quantile(run, "wait_work_s")} AS median_wait_working_hours
            FROM {_selected(run, filters, "instances")} i
            WHERE handoff GROUP BY pred_department, department
        ) p
        LEFT JOIN (
            SELECT from_department AS a, to_department AS b, count(*) AS pingpong_cases
            FROM {_selected(run, filters, "pingpong")} g GROUP BY from_department, to_department
        ) g ON g.a = p.a AND g.b = p.b
        ORDER BY total_wait_hours DESC, count DESC, `from`, `to`
        """.replace("`", _quote(run))
    )


def bottleneck_tables(
    run: LakeRun, filters: Filters | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Waiting vs processing per (activity, department) and per department
    (:func:`analysis.bottlenecks.bottleneck_tables`)."""
    share = "/ nullif(max(total.cycle_us), 0)"
    both = run.engine.query(
        f"""
        SELECT grouping(activity) AS level,
            CASE WHEN grouping(activity) = 0 THEN activity END AS activity,
            department, count(*) AS instances,
            {_hours_quantile(run, "wait_us", 0.5)} AS median_wait_hours,
            {_hours_quantile(run, "proc_us", 0.5)} AS median_processing_hours,
            coalesce(sum(wait_us), 0) / {MICROS_PER_HOUR} AS total_wait_hours,
            coalesce(sum(proc_us), 0) / {MICROS_PER_HOUR} AS total_processing_hours,
            {_working_quantile(run, "wait_work_s")} AS median_wait_working_hours,
            {_working_quantile(run, "proc_work_s")} AS median_processing_working_hours,
            CAST(coalesce(sum(wait_us), 0) + coalesce(sum(proc_us), 0) AS DOUBLE) {share}
                AS share_of_cycle_time,
            CAST(coalesce(sum(wait_us), 0) AS DOUBLE) {share} AS wait_share_of_cycle_time,
            CAST(coalesce(sum(proc_us), 0) AS DOUBLE) {share}
                AS processing_share_of_cycle_time
        FROM {_selected(run, filters, "instances")} i
        CROSS JOIN (SELECT sum(cycle_us) AS cycle_us
            FROM {_selected(run, filters, "cases")} c) total
        GROUP BY GROUPING SETS ((activity, department), (department))
        ORDER BY level, total_wait_hours DESC, instances DESC, activity, department
        """
    )
    both["level"] = both["level"].astype("int64")
    activities = both[both["level"] == 0].drop(columns="level").reset_index(drop=True)
    departments = (
        both[both["level"] == 1].drop(columns=["level", "activity"]).reset_index(drop=True)
    )
    return activities, departments


def _main_department(run: LakeRun, rows: str, key: str) -> str:
    """Per ``key``, the department most of its rows have (ties: the first by name)."""
    return f"""
    SELECT {key}, department FROM (
        SELECT {key}, department, row_number() OVER (
            PARTITION BY {key} ORDER BY n DESC, department) AS rank
        FROM (SELECT {key}, department, count(*) AS n FROM {rows} m
            WHERE department IS NOT NULL GROUP BY {key}, department) g
    ) r WHERE rank = 1"""


def resource_workload(run: LakeRun, filters: Filters | None = None) -> pd.DataFrame:
    """Per resource: instances, cases, processing hours, open instances
    (:func:`analysis.bottlenecks.resource_workload`)."""
    rows = _selected(run, filters, "instances")
    return run.engine.query(
        f"""
        SELECT r.resource, main.department, r.instances, r.cases, r.processing_hours,
            r.processing_working_hours, r.median_processing_hours, r.open_instances
        FROM (
            SELECT resource, count(*) AS instances, count(DISTINCT case_id) AS cases,
                coalesce(sum(proc_us), 0) / {MICROS_PER_HOUR} AS processing_hours,
                coalesce(sum(proc_work_s), 0) / 3600.0 AS processing_working_hours,
                {_hours_quantile(run, "proc_us", 0.5)} AS median_processing_hours,
                count(*) FILTER (WHERE end_ts IS NULL) AS open_instances
            FROM {rows} i WHERE resource IS NOT NULL GROUP BY resource
        ) r LEFT JOIN ({_main_department(run, rows, "resource")}) main
            ON main.resource = r.resource
        ORDER BY r.instances DESC, r.resource
        """
    )


def open_cases_waiting(
    run: LakeRun, filters: Filters | None = None, limit: int = 20
) -> pd.DataFrame:
    """The credibly open cases that have waited longest
    (:func:`analysis.bottlenecks.open_cases_waiting`)."""
    return _open_cases(run, filters, "waiting_hours DESC, age_hours DESC, case_id", limit)


def _open_cases(run: LakeRun, filters: Filters | None, order: str, limit: int) -> pd.DataFrame:
    rule = run.open_case_rule()
    condition, params = run.credible_open_sql("c")
    sla = run.profile.sla.cycle_time_hours
    left = f"{float(sla)!r} - age_hours" if sla is not None else "CAST(NULL AS DOUBLE)"
    d = run.dialect
    as_of_us = 0 if rule.as_of is None else _us(rule.as_of)
    frame = run.engine.query(
        f"""
        SELECT case_id, first_ts, last_ts, last_activity, last_department, age_hours,
            waiting_hours, {left} AS sla_hours_left
        FROM (
            SELECT c.case_id, c.first_ts, c.last_ts, l.activity AS last_activity,
                l.department AS last_department,
                CAST(? - {d.epoch_us("c.first_ts")} AS DOUBLE) / {MICROS_PER_HOUR} AS age_hours,
                CAST(? - {d.epoch_us("c.last_ts")} AS DOUBLE) / {MICROS_PER_HOUR}
                    AS waiting_hours
            FROM {_selected(run, filters, "cases")} c
            LEFT JOIN (
                SELECT case_id, activity, department FROM (
                    SELECT case_id, activity, department, row_number() OVER (
                        PARTITION BY case_id ORDER BY coalesce(end_us, start_us) DESC,
                        start_us DESC, instance_id DESC) AS rank
                    FROM {run.names.ordered}) o WHERE rank = 1
            ) l ON l.case_id = c.case_id
            WHERE {condition}
        ) a ORDER BY {order} LIMIT {int(limit)}
        """,
        [as_of_us, as_of_us, *params],
    )
    frame["as_of"] = rule.as_of
    return frame


def _us(value: Any) -> int:
    """An instant (the open-case rule's as-of moment, a time with its zone) in microseconds."""
    from analysis.lake.run import _period_us

    return _period_us(value, "UTC", end=False)


def variants(run: LakeRun, filters: Filters | None = None, top: int | None = 10) -> Variants:
    """The most frequent variants (:func:`analysis.variants.variants`)."""
    limit = "" if top is None else f"WHERE rank <= {int(top)}"
    d = run.dialect
    frame = run.engine.query(
        f"""
        SELECT rank, activities, cases, share,
            sum(share) OVER (ORDER BY rank ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                AS cumulative_share,
            median_cycle_time_hours, mean_cycle_time_hours, median_cycle_time_working_hours,
            variant_count, total_cases
        FROM (
            SELECT row_number() OVER (ORDER BY cases DESC, activities) AS rank, g.*,
                cases / sum(cases) OVER () AS share,
                count(*) OVER () AS variant_count,
                sum(cases) OVER () AS total_cases
            FROM (
                SELECT variant AS activities, count(*) AS cases,
                    {d.quantile("cycle_time_hours", 0.5)} AS median_cycle_time_hours,
                    avg(cycle_time_hours) AS mean_cycle_time_hours,
                    {d.quantile("cycle_time_working_hours", 0.5)}
                        AS median_cycle_time_working_hours
                FROM {_selected(run, filters, "cases")} c GROUP BY variant
            ) g
        ) r {limit} ORDER BY rank
        """
    )
    total_cases = int(frame["total_cases"].iloc[0]) if len(frame) else 0
    count = int(frame["variant_count"].iloc[0]) if len(frame) else 0
    frame = frame.drop(columns=["variant_count", "total_cases"])
    frame["activities"] = [list(a) for a in frame["activities"]]
    coverage = float(frame["cases"].sum()) / total_cases if total_cases else None
    return Variants(total_cases, count, frame, coverage)


def process_map(
    run: LakeRun, filters: Filters | None = None, order: Order = "predecessor"
) -> ProcessMap:
    """The directly-follows map (:func:`analysis.process_map.process_map`): edges by
    predecessor, or with ``order="start"`` by case order (each instance after the one
    before it in case order, its "wait" that one's end to its start, negative where they
    overlap; start to the first, the last in case order to end)."""
    rows = _selected(run, filters, "instances")
    q = run.engine.query
    nodes = q(
        f"""
        SELECT a.activity, main.department, a.count, a.cases, a.median_processing_hours,
            a.mean_processing_hours, a.p90_processing_hours,
            a.median_processing_working_hours, a.starts, a.ends
        FROM (
            SELECT activity, count(*) AS count,
                count(*) FILTER (WHERE first_of_activity) AS cases,
                {_hours_quantile(run, "proc_us", 0.5)} AS median_processing_hours,
                avg(proc_us) / {MICROS_PER_HOUR} AS mean_processing_hours,
                {_hours_quantile(run, "proc_us", 0.9)} AS p90_processing_hours,
                {_working_quantile(run, "proc_work_s")} AS median_processing_working_hours,
                count(*) FILTER (WHERE pred_id IS NULL) AS starts,
                count(*) FILTER (WHERE is_last) AS ends
            FROM {rows} i GROUP BY activity
        ) a LEFT JOIN ({_main_department(run, rows, "activity")}) main
            ON main.activity = a.activity
        ORDER BY a.count DESC, a.activity
        """
    )
    quote = _quote(run)
    cases = q(f"SELECT count(*) AS n FROM {run.selection(filters)}")
    if order == "start":
        edges = q(_start_order_edges(run, rows).replace("`", quote))
        nodes = with_start_order_ends(nodes, edges)
        return ProcessMap(nodes, edges, int(cases["n"].iloc[0]), order)
    edges = q(
        f"""
        SELECT coalesce(pred_activity, '{START}') AS {quote}from{quote},
            activity AS {quote}to{quote}, count(*) AS count,
            count(*) FILTER (WHERE first_of_edge) AS cases,
            {_hours_quantile(run, "wait_us", 0.5)} AS median_hours,
            avg(wait_us) / {MICROS_PER_HOUR} AS mean_hours,
            {_hours_quantile(run, "wait_us", 0.9)} AS p90_hours,
            {_working_quantile(run, "wait_work_s")} AS median_working_hours
        FROM {rows} i GROUP BY pred_activity, activity
        ORDER BY count DESC, {quote}from{quote}, {quote}to{quote}
        """
    )
    assert END  # the end edges come from the nodes' ends, as on the store path
    return ProcessMap(nodes, _with_end_edges(edges, nodes), int(cases["n"].iloc[0]))


def _start_order_edges(run: LakeRun, rows: str) -> str:
    """The edges of the map by start order: each instance after the one before it in case
    order (``seq``), and the last in case order to end (no working-time median)."""
    by_seq = "OVER (PARTITION BY case_id ORDER BY seq)"
    none = "CAST(NULL AS DOUBLE)"
    return f"""
    SELECT `from`, `to`, count, cases, median_hours, mean_hours, p90_hours,
        median_working_hours
    FROM (
        SELECT coalesce(a, '{START}') AS `from`, b AS `to`, count(*) AS count,
            count(DISTINCT case_id) AS cases,
            {_hours_quantile(run, "wait_us", 0.5)} AS median_hours,
            avg(wait_us) / {MICROS_PER_HOUR} AS mean_hours,
            {_hours_quantile(run, "wait_us", 0.9)} AS p90_hours,
            {none} AS median_working_hours
        FROM (
            SELECT case_id, lag(activity) {by_seq} AS a, activity AS b,
                start_us - lag(end_us) {by_seq} AS wait_us
            FROM {rows} i
        ) s GROUP BY coalesce(a, '{START}'), b
        UNION ALL
        SELECT activity AS `from`, '{END}' AS `to`, count(*) AS count, count(*) AS cases,
            {none} AS median_hours, {none} AS mean_hours, {none} AS p90_hours,
            {none} AS median_working_hours
        FROM (
            SELECT activity, seq = max(seq) OVER (PARTITION BY case_id) AS last
            FROM {rows} j
        ) l WHERE last GROUP BY activity
    ) e ORDER BY count DESC, `from`, `to`
    """


def bpmn(run: LakeRun, filters: Filters | None = None) -> str:
    """A BPMN model of the selected cases by pm4py's inductive miner
    (:func:`analysis.map_render.discover_bpmn`): only the distinct variants come back from
    the engine, the discovery runs here on one trace per variant, as on the store path."""
    from analysis.map_render import bpmn_from_variants

    frame = run.engine.query(
        f"SELECT DISTINCT variant FROM {_selected(run, filters, 'cases')} c WHERE instances > 0"
    )
    return bpmn_from_variants([[str(a) for a in v] for v in frame["variant"]])


def kpi_changes(run: LakeRun, filters: Filters | None = None) -> PeriodChanges:
    """The KPIs of the chosen period against the previous one
    (:func:`analysis.kpi_changes.kpi_changes`), each period's KPIs computed on the engine."""
    from zoneinfo import ZoneInfo

    from analysis.kpi_changes import period_changes
    from analysis.lake.run import from_us

    d = run.dialect
    row = run.engine.query(
        f"SELECT min({d.epoch_us('first_ts')}) AS lo, max({d.epoch_us('first_ts')}) AS hi"
        f" FROM {run.names.src_cases}"
    ).iloc[0]
    zone = ZoneInfo(run.profile.timezone)

    def day(value: Any) -> Any:
        return (
            None if value is None or value != value else from_us(int(value)).astimezone(zone).date()
        )

    return period_changes(
        run.dataset, filters or Filters(), day(row["lo"]), day(row["hi"]), lambda f: kpis(run, f)
    )
