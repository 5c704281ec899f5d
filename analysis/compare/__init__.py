"""Before/after comparison: did the redesign shorten approvals without weakening risk control?

:func:`compare` sets two selections of cases side by side (two datasets, or one dataset with
two filter sets); :func:`compare_split` splits one dataset at a go-live date. The result, a
:class:`Comparison`, holds:

- ``metrics``: every tested figure with before, after, relative and absolute change, 95%
  intervals, p-value, Benjamini-Hochberg adjusted p-value and ``significant`` (after the
  correction, alpha 0.05). The headline is ``median_cycle_time_hours``.
- ``kpis``: every KPI of :func:`analysis.kpis.kpis`, side by side.
- ``mix``: the raw and the mix-adjusted change of the median cycle time.
- ``edges`` and ``handoffs``: process-map edges and department handoffs added, removed and
  changed (frequency and waiting time, each tested).
- ``variants``: the chi-square test of the variant distribution.
- ``guardrails``: approval rate, default rate and the share of cases breaking each loan
  rule; ``weakened`` is true when a guardrail got significantly worse.

Per-case figures come from :func:`analysis.case_metrics.case_metrics`, instance
derivations (predecessor, waiting time, handoff) from
:func:`analysis.prepared_tables.instance_rows_sql`, so every number here follows the same
definitions as the rest of LoanFlow. See docs/compare.md.

The package follows the comparison's sections: :mod:`.results` (the result types and their
JSON), :mod:`.metrics` (per-case metrics), :mod:`.variants`, :mod:`.paths` (process-map
edges and handoffs), :mod:`.guardrails` and :mod:`.comparison` (putting them together).
"""

from analysis.compare.comparison import compare, compare_split, split_filters
from analysis.compare.guardrails import (
    DEFAULT_ATTRIBUTES,
    default_attribute,
    default_flags,
    rule_breach_metrics,
)
from analysis.compare.metrics import DECIDED, case_metric_comparisons
from analysis.compare.paths import path_occurrences
from analysis.compare.results import (
    HEADLINE,
    MIN_CASES,
    VARIANT_SEPARATOR,
    Comparison,
    GuardrailReport,
    Metric,
    Note,
    PathChange,
    Side,
    change_matrix,
)
from analysis.compare.variants import variant_counts

__all__ = [
    "DECIDED",
    "DEFAULT_ATTRIBUTES",
    "HEADLINE",
    "MIN_CASES",
    "VARIANT_SEPARATOR",
    "Comparison",
    "GuardrailReport",
    "Metric",
    "Note",
    "PathChange",
    "Side",
    "case_metric_comparisons",
    "change_matrix",
    "compare",
    "compare_split",
    "default_attribute",
    "default_flags",
    "path_occurrences",
    "rule_breach_metrics",
    "split_filters",
    "variant_counts",
]
