"""Loan guardrails checked in SQL on every decided case (profile ``rules``).

A case is *decided* when it has an instance of a ``rules.decision_activities`` activity;
its decision time is the end of its last such instance. Each rule is checked only when
the profile names the activities it needs:

- ``decided_without_risk_assessment``: no ``risk_activities`` instance started at or
  before the decision time;
- ``large_loan_without_compliance``: the amount exceeds ``compliance_amount_threshold``
  and no ``compliance_activities`` instance started at or before the decision time;
- ``approver_is_investigator`` (four eyes): one resource performed both an
  ``investigation_activities`` and an ``approval_activities`` instance of the case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.predecessors import selected_instances_sql
from analysis.scope import Scope, make_scope

RULE_NAMES = (
    "decided_without_risk_assessment",
    "large_loan_without_compliance",
    "approver_is_investigator",
)
RULE_DESCRIPTIONS = {
    "decided_without_risk_assessment": "risk assessment before the decision",
    "large_loan_without_compliance": "compliance review for loans above the threshold",
    "approver_is_investigator": "four eyes: the approver is not the investigator",
}


@dataclass(frozen=True)
class RuleResult:
    """One guardrail over the selected decided cases."""

    rule: str
    description: str
    checked: bool  # False when the profile does not name the activities the rule needs
    decided_cases: int
    breaking_cases: int
    share: float | None
    cases: list[str] = field(default_factory=list)  # the breaking cases, sorted

    def to_json(self) -> dict[str, Any]:
        """Plain data for ``loanflow rules --json``."""
        return {
            "rule": self.rule,
            "description": self.description,
            "checked": self.checked,
            "decided_cases": self.decided_cases,
            "breaking_cases": self.breaking_cases,
            "share": self.share,
            "cases": self.cases,
        }


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]::VARCHAR[]"


def checked_rules(rules: Any) -> list[str]:
    """The rules a profile's ``rules`` section can check (it names the activities each
    needs), in :data:`RULE_NAMES` order."""
    usable = {
        "decided_without_risk_assessment": bool(rules.risk_activities),
        "large_loan_without_compliance": bool(rules.compliance_activities)
        and rules.compliance_amount_threshold is not None,
        "approver_is_investigator": bool(rules.investigation_activities)
        and bool(rules.approval_activities),
    }
    return [name for name in RULE_NAMES if usable[name]]


def _checks(scope: Scope) -> dict[str, str]:
    rules = scope.profile.rules
    checks: dict[str, str] = {}
    names = checked_rules(rules)
    if "decided_without_risk_assessment" in names:
        checks["decided_without_risk_assessment"] = (
            f"NOT coalesce(bool_or(list_contains({_sql_list(rules.risk_activities)},"
            " i.activity) AND i.start_ts <= d.decided_at), false)"
        )
    if "large_loan_without_compliance" in names:
        checks["large_loan_without_compliance"] = (
            f"coalesce(any_value(c.amount) > {float(rules.compliance_amount_threshold or 0)!r},"
            f" false) AND NOT coalesce(bool_or(list_contains("
            f"{_sql_list(rules.compliance_activities)}, i.activity)"
            " AND i.start_ts <= d.decided_at), false)"
        )
    if "approver_is_investigator" in names:
        checks["approver_is_investigator"] = (
            "coalesce(len(list_intersect("
            "list(i.resource) FILTER (WHERE list_contains("
            f"{_sql_list(rules.investigation_activities)}, i.activity)),"
            " list(i.resource) FILTER (WHERE list_contains("
            f"{_sql_list(rules.approval_activities)}, i.activity)))) > 0, false)"
        )
    return checks


def rule_flags(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Per selected decided case: (case_id, decided_at, one boolean per checked rule, any).

    Returns the frame and the names of the rules checked (empty when the profile names no
    decision activities).
    """
    scope = make_scope(con, dataset, filters)
    rules = scope.profile.rules
    checks = _checks(scope)
    if not rules.decision_activities:
        return pd.DataFrame({"case_id": [], "decided_at": [], "any": []}), []
    inst, params = selected_instances_sql(scope)
    cases, c_params = scope.cases_sql()
    columns = "".join(f", {sql} AS {name}" for name, sql in checks.items())
    frame = con.execute(
        f"""
        WITH i AS ({inst}),
        d AS (
            SELECT case_id, max(coalesce(end_ts, start_ts)) AS decided_at FROM i
            WHERE list_contains({_sql_list(rules.decision_activities)}, activity)
            GROUP BY case_id
        )
        SELECT d.case_id, any_value(d.decided_at) AS decided_at{columns}
        FROM d JOIN i ON i.case_id = d.case_id
        JOIN ({cases}) c ON c.case_id = d.case_id
        GROUP BY d.case_id ORDER BY d.case_id
        """,
        [*params, *c_params],
    ).fetchdf()
    names = list(checks)
    return with_any_rule(frame, names), names


def with_any_rule(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The rule flags with ``any``: the case breaks at least one checked rule."""
    frame["any"] = frame[names].any(axis=1) if names else False
    return frame


def rule_results(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> list[RuleResult]:
    """Every guardrail with the decided cases, the breaking cases and their share."""
    frame, names = rule_flags(con, dataset, filters)
    return results_from_flags(frame, names)


def results_from_flags(frame: pd.DataFrame, names: list[str]) -> list[RuleResult]:
    """:func:`rule_results` from the rule flags already computed (by the store path's
    :func:`rule_flags`, or on the lake by :func:`analysis.lake.compare.rule_flags`)."""
    decided = len(frame)
    results = []
    for rule in RULE_NAMES:
        if rule not in names:
            results.append(RuleResult(rule, RULE_DESCRIPTIONS[rule], False, decided, 0, None, []))
            continue
        breaking = sorted(frame.loc[frame[rule].astype(bool), "case_id"].astype(str))
        share = len(breaking) / decided if decided else None
        results.append(
            RuleResult(rule, RULE_DESCRIPTIONS[rule], True, decided, len(breaking), share, breaking)
        )
    return results
