"""The store's dataset copied to the lake in the cache folder: once per version, the copy of
an earlier version removed, and the lake definitions on DuckDB reading it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analysis.kpis import kpis
from analysis.lake import figures, forget_runs, lake_run
from tests.analysis_logs import make_log
from tests.lake_parity import assert_same
from tests.test_analysis_kpis import ATTRS, PROFILE, ROWS


def test_one_copy_per_dataset_version(
    store: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOANFLOW_CACHE_DIR", str(tmp_path / "cache"))
    make_log(store, "hand", ROWS, PROFILE, ATTRS)
    first = lake_run("duckdb", "hand", con=store)
    assert_same(kpis(store, "hand").to_json(), figures.kpis(first).to_json(), "kpis")
    assert lake_run("duckdb", "hand", con=store) is first  # kept for the process
    # The dataset is replaced (without its last case): a new version, a new copy.
    for table in ("events", "activity_instances", "cases"):
        store.execute(f"DELETE FROM {table} WHERE dataset = 'hand' AND case_id = 'C'")
    store.execute("UPDATE datasets SET loaded_at = now() + INTERVAL 1 MINUTE WHERE name = 'hand'")
    second = lake_run("duckdb", "hand", con=store)
    assert second is not first
    assert figures.kpis(second).cases == 2 == kpis(store, "hand").cases
    copies = list((tmp_path / "cache" / "lake").iterdir())
    assert len(copies) == 1 and copies[0] == second.engine.lake  # type: ignore[attr-defined]
    forget_runs()
