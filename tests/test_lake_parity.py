"""The parity suite: every lake figure computed on Spark (local mode) and by the store path
(DuckDB) on hand-worked logs and the sample logs, under several filters, must be the same.

One Spark session serves every test (the ``spark`` fixture); the tests share one xdist
worker. Counts, names and orders must be equal; real numbers equal up to floating-point
rounding (:data:`tests.lake_parity.TOLERANCE`); quantiles are exact on both engines.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from analysis.filters import Filters
from analysis.kpi_changes import kpi_changes
from analysis.lake import figures
from analysis.lake.files import write_dataset
from analysis.lake.run import LakeRun
from analysis.variants import variants
from tests.lake_parity import (
    LakeRuns,
    assert_same,
    duckdb_lake_run,
    lake_figures,
    store_figures,
)

pytestmark = pytest.mark.xdist_group("spark")

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"

HAND_FILTERS = [
    Filters(),
    Filters(products=("經營貸",)),
    Filters(departments=("風險管理部",)),
    Filters(outcomes=("open",)),
    Filters(amount_min=100_000, amount_max=600_000),
    Filters(date_from="2025-01-06", date_to="2025-01-06"),
    Filters(date_from="2025-03-27", period_basis="ended"),
    Filters(attributes=(("行業", "製造"),)),
    Filters(attributes=(("branch", "台北"),)),
    # a time without a zone is on the dataset's clock: 10:30 in Amsterdam (UTC+1) is 09:30
    # UTC, so G (started 10:00 UTC) is in; read as UTC it would be out
    Filters(date_from=datetime(2025, 3, 27, 10, 30)),
]
# Spark runs a query in about a second however small its input, so it gets the filters of
# every kind of predicate (case column, department, JSON attribute, period by end); every
# filter above runs on DuckDB reading the same lake with the same SQL text.
SPARK_HAND_FILTERS = [HAND_FILTERS[i] for i in (0, 1, 2, 6, 7, 9)]


@pytest.fixture(scope="module")
def hand_store(lake_hand_store: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The hand-worked logs ``hand`` and ``edge`` in a store (shared with other lake tests)."""
    return lake_hand_store


@pytest.fixture(scope="module")
def hand_runs(lake_hand_runs: dict[str, LakeRun]) -> dict[str, LakeRun]:
    """Their lake derivations on Spark (shared with other lake tests)."""
    return lake_hand_runs


def test_spark_figures_of_the_hand_worked_log(hand_runs: dict[str, LakeRun]) -> None:
    """Figures worked out by hand (tests/test_analysis_kpis.py's log), computed on Spark."""
    run = hand_runs["hand"]
    k = figures.kpis(run)
    # Cycle times: B 3 h, A 25.5 h (Mon 09:00 - Tue 10:30), C 66 h (Fri 16:00 - Mon 10:00).
    assert (k.cases, k.activity_instances, k.events) == (3, 11, 21)
    assert k.cycle_time_hours.median == 25.5
    assert k.cycle_time_hours.p90 == pytest.approx(25.5 + 0.8 * (66 - 25.5))
    # Working hours: B 3, C 1.5 (Fri) + 1 (Mon), A 8.5 (Mon) + 1.5 (Tue): median 3.
    assert k.cycle_time_working_hours.median == 3.0
    assert (k.closed_cases, k.sla_compliance) == (2, 1.0)
    top = figures.handoffs(run).iloc[0]
    # 客戶經理部 -> 信貸部 in every case: A 1 h, B 0.5 h, C 65 h (Fri 17:00 - Mon 10:00).
    assert (top["from"], top["to"], top["count"]) == ("客戶經理部", "信貸部", 3)
    assert (top["total_wait_hours"], top["median_wait_hours"]) == (66.5, 1.0)
    v = figures.variants(run, top=None)
    assert (v.total_cases, v.variant_count) == (3, 3)
    assert list(v.top["activities"].iloc[2]) == ["申請", "資料審核", "風險評估", "資料審核", "放款"]


@pytest.mark.parametrize("dataset", ["hand", "edge"])
def test_parity_on_hand_worked_logs(
    hand_store: duckdb.DuckDBPyConnection, hand_runs: dict[str, LakeRun], dataset: str
) -> None:
    for f in SPARK_HAND_FILTERS:
        expected = store_figures(hand_store, dataset, f)
        assert_same(expected, lake_figures(hand_runs[dataset], f), f"{dataset} {f}")


@pytest.mark.parametrize("dataset", ["hand", "edge"])
def test_kpi_changes_against_the_previous_period(
    hand_store: duckdb.DuckDBPyConnection, hand_runs: dict[str, LakeRun], dataset: str
) -> None:
    """The KPIs of a period and of the one before it (the Overview's changes)."""
    lake = hand_runs[dataset].engine.lake  # type: ignore[attr-defined]
    on_duckdb = duckdb_lake_run(dataset, lake)
    for i, f in enumerate([Filters(), *HAND_FILTERS[5:7], Filters(date_from="2025-03-27")]):
        expected = kpi_changes(hand_store, dataset, f).to_json()
        assert_same(expected, figures.kpi_changes(on_duckdb, f).to_json(), f"{dataset} {f}")
        if i < 2:
            assert_same(expected, figures.kpi_changes(hand_runs[dataset], f).to_json(), str(f))


@pytest.mark.parametrize("dataset", ["hand", "edge"])
def test_duckdb_on_the_lake_under_every_filter(
    hand_store: duckdb.DuckDBPyConnection, hand_runs: dict[str, LakeRun], dataset: str
) -> None:
    """The same lake (written by the Spark fixture) read by DuckDB, every filter."""
    lake = hand_runs[dataset].engine.lake  # type: ignore[attr-defined]
    run = duckdb_lake_run(dataset, lake)
    for f in HAND_FILTERS:
        expected = store_figures(hand_store, dataset, f)
        assert_same(expected, lake_figures(run, f), f"{dataset} {f}")


def test_the_edge_log_exercises_what_it_should(hand_runs: dict[str, LakeRun]) -> None:
    """The edge log's cases really are open, tied, ping-pong and shared variants (so the
    parity above compared something)."""
    run = hand_runs["edge"]
    k = figures.kpis(run)
    assert not k.outcome_mapped and k.pingpong_share == pytest.approx(3 / 5)  # D, G, H
    assert 0 < k.closed_cases < 5
    assert figures.variants(run, top=None).variant_count == 4
    assert figures.open_cases_waiting(run)["case_id"].tolist() == ["E"]


@pytest.fixture(scope="module")
def samples(lake_sample_store: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Both sample logs in a store (shared with other lake tests)."""
    return lake_sample_store


@pytest.fixture(scope="module")
def sample_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sample_lake")


def _sample_filters(con: duckdb.DuckDBPyConnection, dataset: str) -> list[Filters]:
    top = variants(con, dataset, top=1).top["activities"].iloc[0]
    return [
        Filters(),
        Filters(products=("流動資金貸款",), channels=("手機App",)),
        Filters(departments=("風險管理部",), outcomes=("approved", "rejected")),
        Filters(date_from="2025-03-10", date_to="2025-04-30"),
        Filters(amount_min=500_000, branches=("南山支行",)),
        Filters(attributes=(("行業", "批發零售"),)),
        Filters(variant=tuple(top)),
    ]


@pytest.mark.parametrize("dataset", ["before", "after"])
def test_parity_on_the_sample_logs(
    samples: duckdb.DuckDBPyConnection, lake_sample_runs: LakeRuns, dataset: str
) -> None:
    run = lake_sample_runs(dataset)  # kept for the session: the waiting causes reuse it
    for f in [_sample_filters(samples, dataset)[i] for i in (0, 1, 2, 6)]:
        expected = store_figures(samples, dataset, f)
        assert expected["kpis"]["cases"] > 0, f  # each filter selects something
        assert_same(expected, lake_figures(run, f), f"{dataset} {f}")


def test_duckdb_reads_the_lake_spark_reads(
    samples: duckdb.DuckDBPyConnection, sample_lake: Path
) -> None:
    """The lake's Parquet, read by DuckDB directly, gives the same figures as the store
    under every filter."""
    write_dataset(samples, "after", sample_lake)
    run = duckdb_lake_run("after", sample_lake)
    for f in _sample_filters(samples, "after"):
        assert_same(store_figures(samples, "after", f), lake_figures(run, f), f"after {f}")


def test_parity_on_bpic2012(
    lake_bpic_store: duckdb.DuckDBPyConnection, lake_bpic_runs: dict[str, LakeRun]
) -> None:
    """Every figure on BPIC 2012 (262,200 events) on Spark, DuckDB reading the lake, and
    the store path."""
    on_spark, on_duckdb = lake_bpic_runs["spark"], lake_bpic_runs["duckdb"]
    for f in [Filters(), Filters(outcomes=("approved",), departments=("offer",))]:
        expected = store_figures(lake_bpic_store, "bpic", f)
        assert expected["kpis"]["cases"] > 0 and len(expected["handoffs"]) > 0
        assert_same(expected, lake_figures(on_duckdb, f), f"bpic duckdb {f}")
        if f.is_empty():  # (Spark's filters are tested on the other logs)
            assert_same(expected, lake_figures(on_spark, f), f"bpic spark {f}")
