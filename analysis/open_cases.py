"""Which cases are credibly still open, and which activities end a case.

A log's outcome comes from the profile (``outcomes`` by end activity, or
``outcome_attribute``). Where the profile maps none, every case's outcome is ``open``,
although most of them finished long ago. So a case is counted as *open* only where that is
credible:

1. its outcome is ``open`` (no mapped outcome activity or attribute);
2. its last activity (every activity at its latest time, where several events share it) is
   not one of the log's end activities: with mapped outcomes, the mapped activities;
   without, the activities that end at least half of the cases they occur in
   (:func:`end_activity_candidates`);
3. its last event is recent relative to the extract: the time from it to the dataset's
   latest timestamp (the *as of* time) is at most the 95th percentile of the cycle times of
   the dataset's cases (a case idle longer than 95% of all cases take from start to end is
   not still being worked on).

The rule is stated in docs/analysis.md; the SLA-risk list and the Overview's open cases
use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.scope import Scope, make_scope

END_SHARE = 0.5
IDLE_QUANTILE = 0.95


def last_instances_sql(cases: str = "") -> str:
    """SELECT of (case_id, last_activity, last_department, last_activities) per case of a
    dataset (first parameter: the dataset), only of the cases ``cases`` selects (a SELECT of
    case ids) when given. An instance's time is its end (its start while open); the last
    instance is the latest (ties: the later start, then the later instance);
    ``last_activities`` are the activities of every instance at that latest time (several
    events of one moment, e.g. a cancellation recorded at once on the application and the
    offer)."""
    among = f" AND case_id IN ({cases})" if cases else ""
    return f"""
    SELECT case_id,
        arg_max(activity, (t, start_ts, instance_id)) AS last_activity,
        arg_max(department, (t, start_ts, instance_id)) AS last_department,
        list_distinct(list(activity) FILTER (WHERE t = last_t)) AS last_activities
    FROM (
        SELECT case_id, activity, department, start_ts, instance_id,
            coalesce(end_ts, start_ts) AS t,
            max(coalesce(end_ts, start_ts)) OVER (PARTITION BY case_id) AS last_t
        FROM activity_instances WHERE dataset = ?{among}
    )
    GROUP BY case_id
    """


def outcome_mapped(scope: Scope) -> bool:
    """Whether the dataset's profile says how a case's outcome is known (outcome activities
    or an outcome attribute)."""
    return bool(scope.profile.outcomes or scope.profile.outcome_attribute)


def end_activity_candidates(
    con: duckdb.DuckDBPyConnection, dataset: str, min_share: float = END_SHARE
) -> pd.DataFrame:
    """Activities that end cases: proposed outcome activities for a log without outcomes.

    Columns: activity, cases_ending (cases it ends: one of its instances is at the case's
    latest time), cases_with (cases it occurs in), share_ending (cases_ending / cases_with),
    share_of_cases (cases_ending / all cases). Only activities with
    ``share_ending >= min_share``, most cases ending first.
    """
    make_scope(con, dataset)  # raises UnknownDatasetError for an unknown dataset
    sql = f"""
    WITH last AS ({last_instances_sql()}),
    ending AS (
        SELECT activity, count(*) AS cases_ending
        FROM (SELECT unnest(last_activities) AS activity FROM last) GROUP BY 1
    ),
    occurring AS (
        SELECT activity, count(DISTINCT case_id) AS cases_with
        FROM activity_instances WHERE dataset = ? GROUP BY activity
    ),
    total AS (SELECT count(*) AS n FROM last)
    SELECT e.activity, e.cases_ending, o.cases_with,
        e.cases_ending / o.cases_with AS share_ending,
        e.cases_ending / total.n AS share_of_cases
    FROM ending e JOIN occurring o USING (activity) CROSS JOIN total
    WHERE e.cases_ending >= ? * o.cases_with
    ORDER BY e.cases_ending DESC, e.activity
    """
    return con.execute(sql, [dataset, dataset, float(min_share)]).fetchdf()


@dataclass(frozen=True)
class OpenCaseRule:
    """How open cases are judged in a dataset (see the module's docstring).

    ``basis`` is ``mapped_outcomes`` (end activities from the profile) or
    ``end_activities`` (from the log, no outcome mapped).
    """

    outcome_mapped: bool
    basis: str
    end_activities: tuple[str, ...]
    as_of: datetime | None
    idle_limit_hours: float | None

    def to_json(self) -> dict[str, Any]:
        """Plain data (``as_of`` as ISO text)."""
        return {
            "outcome_mapped": self.outcome_mapped,
            "basis": self.basis,
            "end_activities": list(self.end_activities),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "idle_limit_hours": self.idle_limit_hours,
        }


def open_case_rule(con: duckdb.DuckDBPyConnection, scope: Scope) -> OpenCaseRule:
    """The rule judging which cases of the scope's dataset are credibly open."""
    mapped = outcome_mapped(scope)
    if mapped:
        ends = tuple(sorted(scope.profile.outcomes))
    else:
        ends = tuple(end_activity_candidates(con, scope.dataset)["activity"].tolist())
    row = con.execute(
        "SELECT max(last_ts),"
        f" quantile_cont((epoch(last_ts) - epoch(first_ts)) / 3600.0, {IDLE_QUANTILE})"
        " FROM cases WHERE dataset = ?",
        [scope.dataset],
    ).fetchone()
    as_of, limit = (row[0], row[1]) if row else (None, None)
    return OpenCaseRule(
        outcome_mapped=mapped,
        basis="mapped_outcomes" if mapped else "end_activities",
        end_activities=ends,
        as_of=as_of,
        idle_limit_hours=None if limit is None else float(limit),
    )


def credible_open_sql(
    rule: OpenCaseRule, alias: str = "c", last: str = "l"
) -> tuple[str, list[Any]]:
    """A SQL condition: the case (columns of ``cases`` as ``alias``, its last instances as
    ``last`` with ``last_activities``) is credibly open under ``rule``; and its parameters.
    None of the activities at its latest time may be an end activity."""
    if rule.as_of is None or rule.idle_limit_hours is None:
        return "false", []
    parts = [f"{alias}.outcome = 'open'"]
    params: list[Any] = []
    if rule.end_activities:
        parts.append(f"NOT coalesce(list_has_any({last}.last_activities, ?::VARCHAR[]), false)")
        params.append(list(rule.end_activities))
    parts.append(f"(epoch(CAST(? AS TIMESTAMPTZ)) - epoch({alias}.last_ts)) / 3600.0 <= ?")
    params += [rule.as_of, rule.idle_limit_hours]
    return " AND ".join(parts), params


def credible_open_cases(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> pd.DataFrame:
    """The selected cases that are credibly open: case_id, first_ts, last_ts,
    last_activity, last_department, ordered by case_id."""
    scope = make_scope(con, dataset, filters)
    return credible_open_frame(con, scope, open_case_rule(con, scope))


def credible_open_ids_sql(scope: Scope, rule: OpenCaseRule) -> tuple[str, list[Any]]:
    """SELECT of the case_id of the scope's credibly open cases, and its parameters."""
    cases, params = scope.cases_sql()
    condition, c_params = credible_open_sql(rule)
    sql = f"""
    WITH sel AS ({cases}),
    l AS ({last_instances_sql("SELECT case_id FROM sel WHERE outcome = 'open'")})
    SELECT c.case_id FROM sel c LEFT JOIN l ON l.case_id = c.case_id WHERE {condition}
    """
    return sql, [*params, scope.dataset, *c_params]


def credible_open_frame(
    con: duckdb.DuckDBPyConnection, scope: Scope, rule: OpenCaseRule
) -> pd.DataFrame:
    """:func:`credible_open_cases` for a scope and its rule."""
    cases, params = scope.cases_sql()
    condition, c_params = credible_open_sql(rule)
    sql = f"""
    WITH sel AS ({cases}),
    l AS ({last_instances_sql("SELECT case_id FROM sel WHERE outcome = 'open'")})
    SELECT c.case_id, c.first_ts, c.last_ts, l.last_activity, l.last_department
    FROM sel c LEFT JOIN l ON l.case_id = c.case_id
    WHERE {condition}
    ORDER BY c.case_id
    """
    return con.execute(sql, [*params, scope.dataset, *c_params]).fetchdf()


def closed_sql(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, list[Any]]:
    """SQL saying a case (a row with ``case_id`` and ``outcome``) is closed, and its
    parameters: its outcome is not open; without mapped outcomes, it is not credibly open.
    The KPIs and the weekly trend count closed cases by it."""
    if outcome_mapped(scope):
        return "outcome <> 'open'", []
    ids, params = credible_open_ids_sql(scope, open_case_rule(con, scope))
    return f"case_id NOT IN ({ids})", params
