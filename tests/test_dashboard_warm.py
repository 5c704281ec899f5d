"""Warming the dashboard's cache at start: which datasets, in which order, and that the
warmed views are then answered from the cache (a real store, the hand-worked log)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import data, warm
from tests.test_dashboard_fixtures import app_store, load_store


@pytest.fixture
def three_datasets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The log loaded as "b-loans", then "a-loans", then "c-loans" (the latest)."""
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("b-loans", "a-loans"):
        load_store(tmp_path / "store.duckdb", tmp_path, dataset=name)
    yield from app_store(tmp_path)  # loads "loans" last, and opens the dashboard on the store


def test_the_dataset_opened_first_is_warmed_first_then_the_others(three_datasets):
    names = data.dataset_names()
    assert names == ["a-loans", "b-loans", "loans"]
    assert warm.datasets_to_warm(names) == ["loans", "a-loans", "b-loans"]
    assert warm.datasets_to_warm([]) == []


def test_on_the_lake_only_the_dataset_opened_first_is_warmed(three_datasets, monkeypatch):
    monkeypatch.setattr(data, "on_lake", lambda: True)  # the lake's own figures: test_lake_*
    assert warm.datasets_to_warm(["a-loans", "b-loans", "loans"]) == ["loans"]


def test_warmed_views_are_answered_from_the_cache(three_datasets):
    from dashboard.views import overview

    warm.warm_at_start().join(timeout=120)
    query = data.ViewState(dataset="loans").to_query()
    misses, hits = data.CACHE.misses, data.CACHE.hits
    overview.overview_body(query)
    assert data.CACHE.misses == misses  # nothing computed again
    assert data.CACHE.hits > hits
    other = data.ViewState(dataset="a-loans").to_query()
    overview.overview_body(other)
    assert data.CACHE.misses == misses  # the other datasets were warmed too
