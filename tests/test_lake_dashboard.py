"""The dashboard with the engine setting at spark: its figures computed on Spark over the
store's dataset copied to the lake, the same as on the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analysis.bottlenecks import bottleneck_tables, open_cases_waiting, resource_workload
from analysis.dataset_facts import rejected_rows
from analysis.filters import Filters
from analysis.handoffs import handoffs
from analysis.kpi_changes import kpi_changes
from analysis.kpis import kpis
from analysis.lake import lake_equivalent
from analysis.process_map import process_map
from analysis.trends import weekly_trend
from analysis.variants import variants
from analysis.waits.report import waiting_causes
from dashboard import data
from tests.lake_parity import assert_same
from tests.test_dashboard_fixtures import app_store

pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from app_store(tmp_path_factory.mktemp("lake_dash"))


def test_the_dashboards_figures_on_spark(
    store_path: Path, spark: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LOANFLOW_LAKE", raising=False)
    data.configure(store_path)
    f = Filters(outcomes=("approved", "rejected"))
    calls: list[tuple[str, Any, dict[str, Any]]] = [
        ("kpis", kpis, {}),
        ("kpi_changes", kpi_changes, {}),
        ("handoffs", handoffs, {"working": False}),
        ("variants", variants, {"top": 10}),
        ("process_map", process_map, {"working": False}),
        ("bottlenecks", bottleneck_tables, {"working": False}),
        ("workload", resource_workload, {"median": False}),
        ("open", open_cases_waiting, {"limit": 20}),
        ("waits", waiting_causes, {}),
    ]
    on_store = {n: data.cached(n, fn, "loans", f, **kw) for n, fn, kw in calls}
    monkeypatch.setenv("LOANFLOW_ENGINE", "spark")
    on_spark = {n: data.cached(n, fn, "loans", f, **kw) for n, fn, kw in calls}
    # The lake computes the columns the store path skips (working=False leaves a working
    # median empty there): compare the columns the store path filled.
    for name, _, _ in calls:
        a, b = on_store[name], on_spark[name]
        if name in ("kpis", "kpi_changes", "variants", "waits"):
            a, b = a.to_json(), b.to_json()
        elif name == "process_map":
            a, b = a.to_json(), b.to_json()
            for doc in (a, b):
                for part in ("nodes", "edges"):
                    for row in doc[part]:
                        row.pop("median_working_hours", None)
                        row.pop("median_processing_working_hours", None)
        elif name == "bottlenecks":
            assert_same(*_filled(a[1], b[1]), "bottlenecks by department")
            a, b = _filled(a[0], b[0])
        else:
            a, b = _filled(a, b)
        assert_same(a, b, name)
    # Every page's figure has a lake equivalent (tests/test_lake_pages.py); an option the
    # lake does not know, or a function without one, is computed on the store.
    assert lake_equivalent(weekly_trend, {"unknown": 1}) is None
    assert lake_equivalent(rejected_rows, {}) is None


def _filled(store: Any, lake: Any) -> tuple[Any, Any]:
    """The lake's table restricted to the columns the store path computed."""
    empty = [c for c in store.columns if store[c].isna().all() and not lake[c].isna().all()]
    return store.drop(columns=empty), lake.drop(columns=empty)
