"""Guardrails: was risk control weakened? The default rate and the share of cases breaking
each loan rule, before and after."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Protocol

import duckdb
import pandas as pd

from analysis.compare.metrics import share_metric
from analysis.compare.results import GuardrailReport, Metric, Note
from analysis.filters import Filters
from analysis.rules import rule_flags

# --- guardrails ----------------------------------------------------------------------------

DEFAULT_ATTRIBUTES = (
    "default",
    "defaulted",
    "is_default",
    "default_flag",
    "違約",
    "违约",
    "是否違約",
    "是否违约",
)
_TRUE = {"1", "true", "yes", "y", "t", "是", "違約", "违约", "default", "defaulted"}
_FALSE = {"0", "false", "no", "n", "f", "否", "正常", "未違約", "未违约", "none"}


def default_attribute(con: duckdb.DuckDBPyConnection, dataset: str) -> str | None:
    """The case attribute of ``dataset`` holding a loan default flag, if the log has one.

    Recognised names (any case, an XES ``case:`` prefix ignored): default, defaulted,
    is_default, default_flag, 違約/违约, 是否違約/是否违约.
    """
    rows = con.execute(
        "SELECT DISTINCT unnest(json_keys(attributes)) FROM cases WHERE dataset = ?", [dataset]
    ).fetchall()
    return pick_default_attribute(r[0] for r in rows)


def pick_default_attribute(keys: Iterable[Any]) -> str | None:
    """Among a dataset's case attribute names, the one holding a default flag (see
    :func:`default_attribute`), or None."""
    names = sorted(str(k) for k in keys if k is not None)
    for candidate in DEFAULT_ATTRIBUTES:
        for key in names:
            if key.strip().lower().removeprefix("case:") == candidate:
                return key
    return None


def default_flags(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters, attribute: str
) -> pd.Series:
    """Per selected approved case: whether the loan defaulted (NA when not recorded)."""
    from analysis.filters import case_where
    from analysis.scope import dataset_profile

    zone = dataset_profile(con, dataset).timezone
    where, params = case_where(filters, dataset, zone=zone)
    frame = con.execute(
        "SELECT c.case_id, json_extract_string(c.attributes, ?) AS flag FROM cases c"
        f" WHERE {where} AND c.outcome = 'approved' ORDER BY c.case_id",
        ['$."' + attribute.replace('"', '\\"') + '"', *params],
    ).fetchdf()
    return flags_by_case(frame["case_id"], frame["flag"])


def _truth(value: Any) -> bool | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def default_rate_metric(
    con: duckdb.DuckDBPyConnection, before: tuple[str, Filters], after: tuple[str, Filters]
) -> tuple[Metric | None, str | None]:
    """The default rate of approved loans, when both logs carry a default attribute."""
    from analysis.compare.comparison import StoreSelection

    return default_rate_comparison(StoreSelection(con, *before), StoreSelection(con, *after))


class _DefaultSource(Protocol):
    def default_attribute(self) -> str | None: ...

    def default_flags(self, attribute: str) -> pd.Series: ...


def default_rate_comparison(
    before: _DefaultSource, after: _DefaultSource
) -> tuple[Metric | None, str | None]:
    """The default rate of approved loans of two selections (any engine's), when both
    logs carry a default attribute; and the before log's attribute."""
    attribute_b = before.default_attribute()
    attribute_a = after.default_attribute()
    if attribute_b is None or attribute_a is None:
        return None, None
    metric = share_metric(
        "default_rate", before.default_flags(attribute_b), after.default_flags(attribute_a), "lower"
    )
    return metric, attribute_b


def flags_by_case(case_ids: Any, values: Any) -> pd.Series:
    """Per case: its default flag read as true, false or NA (the texts of
    :data:`DEFAULT_ATTRIBUTES`' values), indexed by case id."""
    flags = pd.Series(list(values), dtype=object).map(_truth)
    return pd.Series(flags.to_numpy(), index=list(case_ids), dtype="boolean")


def guardrail_report(
    metrics: list[Metric], attribute: str | None, rules: list[str]
) -> GuardrailReport:
    names = [m.name for m in metrics if m.name == "default_rate" or m.name.startswith("rule_")]
    reasons: list[Note] = []
    notes: list[Note] = []
    by_name = {m.name: m for m in metrics}
    for name in names:
        metric = by_name[name]
        values = {"metric": name, "before": metric.before, "after": metric.after}
        if metric.worsened():
            reasons.append(
                Note(
                    "guardrail_worse",
                    f"{name} rose from {metric.before:.1%} to {metric.after:.1%} "
                    f"(adjusted p = {metric.p_adjusted:.3g})",
                    {**values, "p_adjusted": metric.p_adjusted},
                )
            )
        elif metric.change_abs > 0 and metric.after > 0:
            notes.append(
                Note(
                    "guardrail_watch",
                    f"{name} rose from {metric.before:.1%} to {metric.after:.1%}, "
                    "not significant; watch it",
                    values,
                )
            )
    approval = by_name.get("approval_rate")
    if approval is not None and approval.significant:
        notes.append(
            Note(
                "approval_changed",
                f"the approval rate changed from {approval.before:.1%} to {approval.after:.1%} "
                "(significant): check that credit standards did not loosen",
                {"before": approval.before, "after": approval.after},
            )
        )
    if attribute is None:
        notes.append(
            Note(
                "no_default_attribute",
                "the log carries no default attribute: default rates not compared",
            )
        )
    else:
        notes.append(
            Note(
                "default_maturity",
                "recent loans have had less time to default: compare default rates of loans "
                "of the same age",
                {"attribute": attribute},
            )
        )
    if not rules:
        notes.append(
            Note("no_rules", "the profile defines no loan rules: rule breaches not compared")
        )
    return GuardrailReport(
        weakened=bool(reasons),
        reasons=reasons,
        notes=notes,
        metrics=names,
        default_attribute=attribute,
        rules_checked=rules,
    )


def rule_breach_metrics(
    con: duckdb.DuckDBPyConnection, before: tuple[str, Filters], after: tuple[str, Filters]
) -> tuple[list[Metric], list[str]]:
    """The share of decided cases breaking each loan rule (and any rule), before and after.

    The rules and their per-case checks are :func:`analysis.rules.rule_flags`'s; only rules
    checked on both sides are compared. Metric names: ``rule_<rule>_share`` and
    ``rule_any_share``; lower is better.
    """
    return rule_breach_comparison(rule_flags(con, *before), rule_flags(con, *after))


def rule_breach_comparison(
    before: tuple[pd.DataFrame, list[str]], after: tuple[pd.DataFrame, list[str]]
) -> tuple[list[Metric], list[str]]:
    """:func:`rule_breach_metrics` from the two sides' :func:`analysis.rules.rule_flags`
    (computed by any engine)."""
    (frame_b, rules_b), (frame_a, rules_a) = before, after
    rules = [r for r in rules_b if r in rules_a]
    metrics = []
    for rule in [*rules, "any"] if rules else []:
        metric = share_metric(f"rule_{rule}_share", frame_b[rule], frame_a[rule], "lower")
        if metric is not None:
            metrics.append(metric)
    return metrics, rules
