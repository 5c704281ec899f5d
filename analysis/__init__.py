"""Analysis layer: every figure LoanFlow shows, computed in DuckDB SQL over the store.

Functions are pure over (connection, dataset, filters) and return plain data. pm4py is
imported lazily, only where it is the field's reference (discovery, conformance).

The front door, for notebooks and scripts (docs/analysis.md, "Using LoanFlow from
Python")::

    from analysis import Filters, connect, handoffs, kpis

    con = connect("loanflow.duckdb")          # read-only
    result = kpis(con, "before", Filters(products=("經營貸",)))
    result.cycle_time_hours.median             # a typed result (analysis.kpis.Kpis)
    handoffs(con, "before").head()             # a DataFrame

Every name in :data:`__all__` is imported on first use, so ``import analysis`` stays cheap
(the comparison needs SciPy, conformance pm4py). Some public functions share their name
with the module that defines them (``kpis``, ``handoffs``, ``variants``, ...): at this level
the name is always the function; the module stays importable as ``analysis.kpis`` with
``from analysis.kpis import ...``.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the front door exports, for type checkers and editors
    from analysis.bottlenecks import (
        activity_bottlenecks,
        bottleneck_tables,
        department_bottlenecks,
        open_cases_waiting,
        resource_workload,
        sla_risk,
    )
    from analysis.case_metrics import case_metrics
    from analysis.compare import Comparison, compare, compare_split
    from analysis.conformance import Conformance, conformance
    from analysis.dataset_facts import (
        FilterChoices,
        case_timeline,
        filter_choices,
        latest_dataset,
        rejected_rows,
    )
    from analysis.filters import Filters
    from analysis.handoffs import handoff_matrix, handoffs
    from analysis.kpi_changes import PeriodChanges, kpi_changes
    from analysis.kpis import Kpis, kpis
    from analysis.map_render import discover_bpmn, to_svg
    from analysis.network import handover_network
    from analysis.open_cases import credible_open_cases, end_activity_candidates
    from analysis.process_map import ProcessMap, element_cases, process_map, simplify
    from analysis.rules import rule_results
    from analysis.trends import weekly_trend, wip_over_time
    from analysis.variants import Variants, variants
    from analysis.waits.report import waiting_causes

_EXPORTS: dict[str, str] = {
    "Filters": "analysis.filters",
    "kpis": "analysis.kpis",
    "Kpis": "analysis.kpis",
    "kpi_changes": "analysis.kpi_changes",
    "PeriodChanges": "analysis.kpi_changes",
    "handoffs": "analysis.handoffs",
    "handoff_matrix": "analysis.handoffs",
    "bottleneck_tables": "analysis.bottlenecks",
    "activity_bottlenecks": "analysis.bottlenecks",
    "department_bottlenecks": "analysis.bottlenecks",
    "resource_workload": "analysis.bottlenecks",
    "open_cases_waiting": "analysis.bottlenecks",
    "sla_risk": "analysis.bottlenecks",
    "credible_open_cases": "analysis.open_cases",
    "end_activity_candidates": "analysis.open_cases",
    "variants": "analysis.variants",
    "Variants": "analysis.variants",
    "process_map": "analysis.process_map",
    "ProcessMap": "analysis.process_map",
    "simplify": "analysis.process_map",
    "element_cases": "analysis.process_map",
    "to_svg": "analysis.map_render",
    "discover_bpmn": "analysis.map_render",
    "weekly_trend": "analysis.trends",
    "wip_over_time": "analysis.trends",
    "case_metrics": "analysis.case_metrics",
    "handover_network": "analysis.network",
    "rule_results": "analysis.rules",
    "conformance": "analysis.conformance",
    "Conformance": "analysis.conformance",
    "compare": "analysis.compare",
    "compare_split": "analysis.compare",
    "Comparison": "analysis.compare",
    "waiting_causes": "analysis.waits.report",
    "filter_choices": "analysis.dataset_facts",
    "FilterChoices": "analysis.dataset_facts",
    "case_timeline": "analysis.dataset_facts",
    "rejected_rows": "analysis.dataset_facts",
    "latest_dataset": "analysis.dataset_facts",
}

__all__ = [
    "Comparison",
    "Conformance",
    "FilterChoices",
    "Filters",
    "Kpis",
    "PeriodChanges",
    "ProcessMap",
    "Variants",
    "activity_bottlenecks",
    "bottleneck_tables",
    "case_metrics",
    "case_timeline",
    "compare",
    "compare_split",
    "conformance",
    "connect",
    "credible_open_cases",
    "department_bottlenecks",
    "discover_bpmn",
    "element_cases",
    "end_activity_candidates",
    "filter_choices",
    "handoff_matrix",
    "handoffs",
    "handover_network",
    "kpi_changes",
    "kpis",
    "latest_dataset",
    "open_cases_waiting",
    "process_map",
    "rejected_rows",
    "resource_workload",
    "rule_results",
    "simplify",
    "sla_risk",
    "to_svg",
    "variants",
    "waiting_causes",
    "weekly_trend",
    "wip_over_time",
]


def connect(path: str | None = None, *, read_only: bool = True) -> Any:
    """Open the store (default ``./loanflow.duckdb``, or ``LOANFLOW_DB``), read-only unless
    asked otherwise: the connection every function here takes first."""
    from etl.store import connect as open_store

    return open_store(path, read_only=read_only)


def __getattr__(name: str) -> Any:
    """Import an exported name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _FrontDoor(types.ModuleType):
    """The package module: importing a submodule named like an exported function (e.g.
    ``analysis.kpis``) does not hide the function behind the module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return  # the submodule stays in sys.modules; the package name is the function
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _FrontDoor
