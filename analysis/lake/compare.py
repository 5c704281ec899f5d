"""The comparison (``loanflow compare``) over the lake: each side's inputs computed on the
engine from the lake derivations (:mod:`analysis.lake.derive`), the statistics on the driver
by :func:`analysis.compare.comparison.compare_selections`, the store path's own code.

What comes back to the driver, per side:

- the per-case table: one row per selected case with the columns of
  :data:`analysis.case_metrics.CASE_METRIC_COLUMNS` (cycle times, counts, outcome, amount,
  product, SLA, cost), ordered by case id, so the bootstrap draws the same cases as on the
  store path with the same seed;
- the variant counts (one row per variant), the loan rules' flags and the default flag
  (one row per decided or approved case), the KPI row;
- per process-map edge and per department pair: the counts and the list of waiting times
  of its occurrences (the Mann-Whitney test of an edge's waits needs every one of them).

Everything else (instances, predecessors, events) stays on the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analysis import stats
from analysis.case_metrics import CASE_METRIC_COLUMNS, typed_case_metrics
from analysis.compare.comparison import compare_selections, split_filters, split_labels
from analysis.compare.guardrails import flags_by_case, pick_default_attribute
from analysis.compare.results import VARIANT_SEPARATOR, Comparison
from analysis.compare.variants import counts_by_variant
from analysis.filters import Filters
from analysis.lake import figures
from analysis.lake.derive import MICROS_PER_HOUR, ONE, ZERO, local_epoch
from analysis.lake.figures import _selected
from analysis.lake.run import LakeRun
from analysis.process_map import END, START
from analysis.rules import checked_rules, with_any_rule
from analysis.sla import sla_met_sql


def _instants(values: pd.Series) -> pd.Series:
    """Microseconds since 1970 as UTC instants (as the store gives its timestamps)."""
    return pd.to_datetime(values.astype("Int64"), unit="us", utc=True)


def case_metrics(run: LakeRun, filters: Filters | None = None) -> pd.DataFrame:
    """One row per selected case (:func:`analysis.case_metrics.case_metrics`), ordered by
    case id: the per-case table the comparison's statistics read."""
    d = run.dialect
    closed, params = run.closed_sql()
    sla_met = sla_met_sql(run.profile.sla.cycle_time_hours, open_sql="NOT closed")
    frame = run.engine.query(
        f"""
        SELECT case_id, outcome, {d.epoch_us("first_ts")} AS first_us,
            {d.epoch_us("last_ts")} AS last_us, cycle_time_hours, cycle_time_working_hours,
            closed, instances, activities, rework, pingpong, handoffs, departments_touched,
            resources, amount, product, branch, channel, cost, {sla_met} AS sla_met
        FROM (SELECT c.*, {closed} AS closed FROM {_selected(run, filters, "cases")} c) k
        ORDER BY case_id
        """,
        params,
    )
    frame["first_ts"] = _instants(frame["first_us"])
    frame["last_ts"] = _instants(frame["last_us"])
    for column in ("amount", "cost", "cycle_time_hours", "cycle_time_working_hours"):
        frame[column] = frame[column].astype("float64")
    # The engine sorted already; sorted again here so the order is the driver's own
    # (code points, as DuckDB orders text), whatever an engine's collation.
    frame = frame.sort_values("case_id", kind="stable").reset_index(drop=True)
    return typed_case_metrics(frame[list(CASE_METRIC_COLUMNS)].copy())


def variant_counts(run: LakeRun, filters: Filters | None = None) -> pd.Series:
    """Cases per variant (:func:`analysis.compare.variants.variant_counts`)."""
    frame = run.engine.query(
        f"""
        SELECT variant, count(*) AS cases FROM {_selected(run, filters, "cases")} c
        WHERE instances > 0 GROUP BY variant
        """
    )
    names = [VARIANT_SEPARATOR.join(str(a) for a in v) for v in frame["variant"]]
    return counts_by_variant(names, [int(n) for n in frame["cases"]])


def default_attribute(run: LakeRun) -> str | None:
    """The dataset's case attribute holding a default flag
    (:func:`analysis.compare.guardrails.default_attribute`)."""
    d, t = run.dialect, run.names
    frame = run.engine.query(
        f"SELECT DISTINCT k FROM (SELECT {d.json_key_rows('attributes')} AS k FROM {t.src_cases}) a"
    )
    return pick_default_attribute(frame["k"])


def default_flags(run: LakeRun, filters: Filters | None, attribute: str) -> pd.Series:
    """Per selected approved case: whether the loan defaulted
    (:func:`analysis.compare.guardrails.default_flags`)."""
    d = run.dialect
    frame = run.engine.query(
        f"SELECT c.case_id, {d.json_text('c.attributes')} AS flag"
        f" FROM {_selected(run, filters, 'cases')} c WHERE c.outcome = 'approved'",
        [d.json_path(attribute)],
    )
    frame = frame.sort_values("case_id", kind="stable")
    return flags_by_case(frame["case_id"], frame["flag"])


def _among(values: tuple[str, ...], params: list[Any], column: str = "activity") -> str:
    """``column IN (...)`` with the values as parameters (appended to ``params``)."""
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def rule_flags(run: LakeRun, filters: Filters | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Per selected decided case, each checked loan rule's flag and ``any``
    (:func:`analysis.rules.rule_flags`)."""
    rules = run.profile.rules
    if not rules.decision_activities:
        return pd.DataFrame({"case_id": [], "decided_at": [], "any": []}), []
    names = checked_rules(rules)
    inst, cases = _selected(run, filters, "instances"), _selected(run, filters, "cases")
    params: list[Any] = []
    columns = ""
    before_decision = "i.start_us <= d.decided_us"
    if "decided_without_risk_assessment" in names:
        risk = _among(rules.risk_activities, params, "i.activity")
        columns += (
            f", max(CASE WHEN {risk} AND {before_decision} THEN 1 ELSE 0 END) = 0"
            " AS decided_without_risk_assessment"
        )
    if "large_loan_without_compliance" in names:
        params.append(float(rules.compliance_amount_threshold or 0))
        review = _among(rules.compliance_activities, params, "i.activity")
        columns += (
            ", coalesce(max(c.amount) > CAST(? AS DOUBLE), false)"
            f" AND max(CASE WHEN {review} AND {before_decision} THEN 1 ELSE 0 END) = 0"
            " AS large_loan_without_compliance"
        )
    same = ""
    same_params: list[Any] = []
    if "approver_is_investigator" in names:
        columns += ", coalesce(max(e.same), 0) = 1 AS approver_is_investigator"
        investigation = _among(rules.investigation_activities, same_params)
        approval = _among(rules.approval_activities, same_params)
        # the cases where one person has an investigation and an approval instance
        same = f"""LEFT JOIN (SELECT case_id, max(1) AS same FROM (
            SELECT case_id, resource FROM {inst} y WHERE resource IS NOT NULL
            GROUP BY case_id, resource
            HAVING max(CASE WHEN {investigation} THEN 1 ELSE 0 END) = 1
                AND max(CASE WHEN {approval} THEN 1 ELSE 0 END) = 1
        ) z GROUP BY case_id) e ON e.case_id = d.case_id"""
    decision_params: list[Any] = []
    decision = _among(rules.decision_activities, decision_params)
    frame = run.engine.query(
        f"""
        SELECT d.case_id, max(d.decided_us) AS decided_us{columns}
        FROM (
            SELECT case_id, max(coalesce(end_us, start_us)) AS decided_us FROM {inst} x
            WHERE {decision} GROUP BY case_id
        ) d
        JOIN {inst} i ON i.case_id = d.case_id
        JOIN {cases} c ON c.case_id = d.case_id
        {same}
        GROUP BY d.case_id
        """,
        [*params, *decision_params, *same_params],
    )
    frame = frame.sort_values("case_id", kind="stable").reset_index(drop=True)
    frame.insert(1, "decided_at", _instants(frame.pop("decided_us")))
    for name in names:
        frame[name] = frame[name].astype(bool)
    return with_any_rule(frame, names), names


def path_occurrences(
    run: LakeRun, filters: Filters | None = None, *, handoffs: bool
) -> pd.DataFrame:
    """Per process-map edge (or department pair): count, cases and the waiting hours of its
    occurrences (:func:`analysis.compare.paths.path_occurrences`)."""
    d = run.dialect
    rows = _selected(run, filters, "instances")
    params: list[Any] = []
    if handoffs:
        source = (
            "SELECT pred_department AS source, department AS target, case_id, wait_us"
            f" FROM {rows} i WHERE handoff"
        )
    else:
        source = (
            "SELECT coalesce(pred_activity, ?) AS source, activity AS target, case_id,"
            " CASE WHEN pred_id IS NULL THEN NULL ELSE wait_us END AS wait_us"
            f" FROM {rows} i UNION ALL SELECT activity AS source, ? AS target, case_id,"
            f" CAST(NULL AS BIGINT) AS wait_us FROM {rows} j WHERE is_last"
        )
        params = [START, END]
    frame = run.engine.query(
        f"""
        SELECT source, target, count(*) AS count, count(DISTINCT case_id) AS cases,
            {d.collect("wait_us")} FILTER (WHERE wait_us IS NOT NULL) AS waits
        FROM ({source}) r GROUP BY source, target
        """,
        params,
    )
    frame["waits"] = pd.Series(
        [
            np.sort(np.asarray(list(w) if _is_list(w) else [], dtype=np.int64)) / MICROS_PER_HOUR
            for w in frame["waits"]
        ],
        index=frame.index,
        dtype=object,
    )
    return frame.sort_values(["source", "target"], kind="stable").reset_index(drop=True)


def _is_list(value: Any) -> bool:
    """Whether an engine's list value is there (an empty group gives NULL on DuckDB)."""
    return isinstance(value, (list, tuple, np.ndarray))


def actual_metrics(run: LakeRun) -> dict[str, float]:
    """What really happened in the whole dataset, as a what-if prediction names it
    (:func:`analysis.whatif.whatif.actual_metrics`, :func:`analysis.whatif.run.log_metrics`):
    cycle time on the local clock from a case's first start to its last end (an open
    instance ending at its start), the outcome shares of the cases with instances, and per
    department pair the mean wait between consecutive instances (by start, end, activity)
    whose departments differ (negative waits, overlaps, left out)."""
    d, t = run.dialect, run.names
    assert run.bounds is not None
    zone = run.profile.timezone

    def local(expr: str) -> str:
        return local_epoch(d, expr, zone, run.bounds)  # type: ignore[arg-type]

    start = local("start_ts")
    instances = f"""(
        SELECT case_id, activity, department, instance_id, {start} AS s,
            greatest({local("coalesce(end_ts, start_ts)")}, {start}) AS e
        FROM {t.ordered})"""
    outcome_shares = ", ".join(
        f"avg(CASE WHEN coalesce(c.outcome, 'open') = '{o}' THEN {ONE} ELSE {ZERO} END)"
        f" AS {o}_share"
        for o in ("approved", "rejected", "withdrawn")
    )
    row = run.engine.query(
        f"""
        SELECT count(*) AS cases, {d.quantile("hours", 0.5)} AS median_cycle_time_hours,
            {d.quantile("hours", 0.9)} AS p90_cycle_time_hours,
            avg(hours) AS mean_cycle_time_hours, {outcome_shares}
        FROM (SELECT case_id, (max(e) - min(s)) / 3600.0 AS hours FROM {instances} x
            GROUP BY case_id) k
        LEFT JOIN {t.src_cases} c ON c.case_id = k.case_id
        """
    ).iloc[0]
    out: dict[str, float] = {"cases": float(row["cases"])}
    if row["cases"]:
        out.update({k: float(row[k]) for k in row.index if k != "cases"})
    else:
        out.update(dict.fromkeys(list(row.index)[1:4], float("nan")))
    waits = run.engine.query(
        f"""
        SELECT previous, department, avg(wait) AS wait FROM (
            SELECT department,
                lag(department) OVER (PARTITION BY case_id ORDER BY s, e, activity,
                    instance_id) AS previous,
                (s - lag(e) OVER (PARTITION BY case_id ORDER BY s, e, activity,
                    instance_id)) / 3600.0 AS wait
            FROM {instances} x
        ) w WHERE previous IS NOT NULL AND department IS NOT NULL AND previous <> department
            AND wait >= 0
        GROUP BY previous, department
        """
    )
    for previous, department, wait in sorted(
        zip(waits["previous"], waits["department"], waits["wait"], strict=True)
    ):
        out[f"wait_hours:{previous}->{department}"] = float(wait)
    return out


@dataclass(frozen=True)
class LakeSelection:
    """One side of a comparison on the lake: a dataset's derivations and the filters."""

    run: LakeRun
    filters: Filters

    @property
    def dataset(self) -> str:
        """The dataset's name."""
        return self.run.dataset

    def case_metrics(self) -> pd.DataFrame:
        """One row per selected case, ordered by case id."""
        return case_metrics(self.run, self.filters)

    def variant_counts(self) -> pd.Series:
        """Cases per variant, most frequent first."""
        return variant_counts(self.run, self.filters)

    def default_attribute(self) -> str | None:
        """The case attribute holding a default flag, if any."""
        return default_attribute(self.run)

    def default_flags(self, attribute: str) -> pd.Series:
        """Per selected approved case: whether the loan defaulted."""
        return default_flags(self.run, self.filters, attribute)

    def rule_flags(self) -> tuple[pd.DataFrame, list[str]]:
        """Per selected decided case, each checked rule's flag."""
        return rule_flags(self.run, self.filters)

    def kpis(self) -> dict[str, Any]:
        """The KPIs of the selection, as JSON."""
        return figures.kpis(self.run, self.filters).to_json()

    def path_occurrences(self, *, handoffs: bool) -> pd.DataFrame:
        """Per edge (or department pair): count, cases, waiting hours."""
        return path_occurrences(self.run, self.filters, handoffs=handoffs)


def compare(
    before: tuple[LakeRun, Filters | None],
    after: tuple[LakeRun, Filters | None],
    *,
    alpha: float = stats.ALPHA,
    n_resamples: int = stats.N_RESAMPLES,
    seed: int = stats.SEED,
    labels: tuple[str, str] = ("before", "after"),
) -> Comparison:
    """:func:`analysis.compare.compare` over the lake: two selections, each a dataset's
    derivations on an engine and its filters. The same comparison as the store path's (the
    same statistics on the same per-case rows, in the same order)."""
    return compare_selections(
        LakeSelection(before[0], before[1] or Filters()),
        LakeSelection(after[0], after[1] or Filters()),
        alpha=alpha,
        n_resamples=n_resamples,
        seed=seed,
        labels=labels,
    )


def compare_split(
    run: LakeRun, split_at: date, filters: Filters | None = None, **options: Any
) -> Comparison:
    """:func:`analysis.compare.compare_split` over the lake: the cases started before
    ``split_at`` against those started on or after it."""
    before, after = split_filters(filters, split_at)
    return compare((run, before), (run, after), labels=split_labels(split_at), **options)
