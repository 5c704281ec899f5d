"""``compare`` and the maps pm4py or case order need, on the lake: Spark (local mode) and
DuckDB reading the lake's Parquet against the store path.

The comparison's statistics run on the driver by the store path's own code
(:func:`analysis.compare.comparison.compare_selections`) over the per-case table the engine
computed; the same seed must give the same intervals, so the per-case rows must reach the
statistics in the same order. Counts, names and orders equal; real numbers within
:data:`tests.lake_parity.TOLERANCE`. The Spark part is kept small (one session, shared
datasets): the hand-worked comparison log, the hand-worked map logs of the parity suite,
and BPIC 2012 split by date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from analysis.case_metrics import case_metrics
from analysis.compare import compare, compare_split
from analysis.filters import Filters
from analysis.lake import compare as lake_compare
from analysis.lake import figures
from analysis.lake.files import write_dataset
from analysis.lake.run import LakeRun
from analysis.map_render import bpmn_from_variants, discover_bpmn
from analysis.process_map import END, START, process_map
from analysis.whatif.whatif import actual_metrics
from etl.errors import LoanFlowError
from etl.load import ingest
from etl.store import connect
from sample_logs.bpmn import model_signature
from tests.analysis_logs import make_log
from tests.lake_parity import assert_same, duckdb_lake_run, spark_run
from tests.test_compare import PROFILE, after_rows, attributes, before_rows

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
spark_group = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """tests/test_compare.py's hand-worked logs (b: 3 cases, a: 4 cases, both: the two in
    one log) in a store and written to a lake."""
    folder = tmp_path_factory.mktemp("lake_compare")
    con = connect(folder / "store.duckdb")
    make_log(con, "b", before_rows(), PROFILE, attributes("b", {"b1"}))
    make_log(con, "a", after_rows(), PROFILE, attributes("a", set()))
    everything = {**attributes("b", {"b1"}), **attributes("a", set())}
    make_log(con, "both", before_rows() + after_rows(), PROFILE, everything)
    for name in ("b", "a", "both"):
        write_dataset(con, name, folder / "lake")
    yield con, folder / "lake"
    con.close()


def _same_comparison(expected: Any, got: Any, where: str) -> None:
    """Two comparisons equal: their JSON (every metric, interval, test, edge, handoff,
    guardrail, the mix) and the per-case cycle times in order."""
    assert_same(expected.to_json(), got.to_json(), where)
    assert_same(list(expected.cycle_times_before), list(got.cycle_times_before), where)
    assert_same(list(expected.cycle_times_after), list(got.cycle_times_after), where)


@spark_group
def test_hand_worked_comparison_on_spark(hand: tuple[Any, Path], spark: Any) -> None:
    """Two datasets (b against a) on Spark: the store path's comparison, and figures worked
    out by hand (tests/test_compare.py). The split by date on Spark: BPIC 2012 below and the
    sample log through the CLI (tests/test_lake_cli.py)."""
    con, lake = hand
    runs = {name: spark_run(spark, con, name, lake) for name in ("b", "a")}
    # The per-case table itself, under a filter: the store path's rows, columns and order.
    decided = Filters(outcomes=("approved", "rejected"))
    assert_same(case_metrics(con, "b", decided), lake_compare.case_metrics(runs["b"], decided))
    got = lake_compare.compare((runs["b"], None), (runs["a"], None), n_resamples=200)
    _same_comparison(compare(con, ("b", None), ("a", None), n_resamples=200), got, "b a")
    # By hand: cycle times 7, 10, 3 h before and 3, 4, 6, 2 h after.
    assert (got.before.cases, got.after.cases) == (3, 4)
    assert (got.headline.before, got.headline.after) == (7.0, 3.5)
    # Rules among decided cases: b3 decided without risk assessment, b1's investigator
    # paid it out: 2 of 3 break one; after, none of a1-a3. Defaults: b1 of b1, b3.
    assert got.metric("rule_any_share").before == pytest.approx(2 / 3)
    assert got.metric("rule_any_share").after == 0.0
    assert got.metric("default_rate").before == 0.5
    assert got.metric("variant_distribution").before == 3.0  # b1, b2, b3 differ
    edge = next(e for e in got.edges if (e.source, e.target) == ("A", "B"))
    # A -> B: b1 (2 h) and b2 (2 h) before; a1 (0 h), a2 (1 h), a3 (0 h) after.
    assert (edge.count_before, edge.count_after) == (2, 3)
    assert (edge.median_wait_hours_before, edge.median_wait_hours_after) == (2.0, 0.0)
    for run in runs.values():
        run.drop()


HAND_FILTERS = [
    Filters(),
    Filters(outcomes=("approved", "rejected")),
    Filters(departments=("風險管理部",)),
    Filters(amount_min=150),
    Filters(attributes=(("是否違約", "否"),)),
]


def test_two_datasets_on_the_lake_by_duckdb(hand: tuple[Any, Path]) -> None:
    """Two datasets under each filter, on DuckDB reading the lake, against the store."""
    con, lake = hand
    runs = {name: duckdb_lake_run(name, lake) for name in ("b", "a")}
    for f in HAND_FILTERS:
        expected = compare(con, ("b", f), ("a", f), n_resamples=100, seed=7)
        got = lake_compare.compare((runs["b"], f), (runs["a"], f), n_resamples=100, seed=7)
        _same_comparison(expected, got, str(f))
    # The same refusal, word for word, when a side holds too few cases.
    narrow = Filters(outcomes=("withdrawn",))
    with pytest.raises(LoanFlowError) as on_store:
        compare(con, ("b", narrow), ("a", narrow))
    with pytest.raises(LoanFlowError) as on_lake:
        lake_compare.compare((runs["b"], narrow), (runs["a"], narrow))
    assert on_lake.value.code == on_store.value.code == "compare_too_few_cases"
    assert str(on_lake.value) == str(on_store.value)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    folder = tmp_path_factory.mktemp("lake_compare_samples")
    con = connect(folder / "store.duckdb")
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    ingest(SAMPLES / "after.xes.gz", "after", con=con, profile=SAMPLES / "after.profile.yaml")
    for name in ("before", "after"):
        write_dataset(con, name, folder / "lake")
    yield con, folder / "lake"
    con.close()


def test_sample_logs_compared_on_the_lake_by_duckdb(samples: tuple[Any, Path]) -> None:
    """The shipped sample logs: two datasets, a split by date, filters (DuckDB on the lake)."""
    con, lake = samples
    runs = {name: duckdb_lake_run(name, lake) for name in ("before", "after")}
    product = Filters(products=("流動資金貸款",))
    for f in (Filters(), product):
        _same_comparison(
            compare(con, ("before", f), ("after", f), n_resamples=200),
            lake_compare.compare((runs["before"], f), (runs["after"], f), n_resamples=200),
            f"two {f}",
        )
    split = date(2025, 5, 1)
    got = lake_compare.compare_split(runs["before"], split, product, n_resamples=200)
    _same_comparison(compare_split(con, "before", split, product, n_resamples=200), got, "split")
    assert got.before.cases > 100 and got.after.cases > 100


@spark_group
def test_bpic2012_split_by_date_on_three_paths(
    lake_bpic_store: duckdb.DuckDBPyConnection, lake_bpic_runs: dict[str, LakeRun]
) -> None:
    """BPI Challenge 2012 split at 1 December 2011: the store path, Spark, and DuckDB reading
    the lake give the same comparison."""
    split = date(2011, 12, 1)
    expected = compare_split(lake_bpic_store, "bpic", split, n_resamples=50)
    assert expected.before.cases > 1000 and expected.after.cases > 1000
    assert len(expected.edges) > 50 and len(expected.handoffs) > 3
    for engine in ("duckdb", "spark"):
        got = lake_compare.compare_split(lake_bpic_runs[engine], split, n_resamples=50)
        _same_comparison(expected, got, engine)


# --- the maps: by start order, and BPMN by pm4py's discovery --------------------------------


@spark_group
def test_start_order_map_and_bpmn_on_spark(
    lake_hand_store: duckdb.DuckDBPyConnection, lake_hand_runs: dict[str, LakeRun]
) -> None:
    """The parity suite's hand-worked logs on Spark and on DuckDB reading their lake."""
    for name, run in lake_hand_runs.items():
        on_duckdb = duckdb_lake_run(name, run.engine.lake)  # type: ignore[attr-defined]
        for f in (Filters(), Filters(departments=("風險管理部",))):
            expected = process_map(lake_hand_store, name, f, order="start").to_json()
            assert_same(expected, figures.process_map(on_duckdb, f, "start").to_json(), name)
            model = model_signature(discover_bpmn(lake_hand_store, name, f))
            assert model_signature(figures.bpmn(on_duckdb, f)) == model, name
            if f.is_empty():  # (Spark's filters are the same SQL, tested with the figures)
                assert_same(expected, figures.process_map(run, f, "start").to_json(), name)
                assert model_signature(figures.bpmn(run, f)) == model, name
    # By hand, the edge log's case F: 申請 10-11, 資料審核 11-12, 補件 11:30-12:30. In
    # case order 補件 follows 資料審核 and its "wait" is -0.5 h (they overlap); G and H
    # wait 1 h each between the two. By predecessor 補件 follows 申請 in F instead.
    edges = figures.process_map(lake_hand_runs["edge"], order="start").edges
    row = edges[(edges["from"] == "資料審核") & (edges["to"] == "補件")].iloc[0]
    assert (row["count"], row["cases"], row["mean_hours"]) == (3, 3, 0.5)
    assert row["median_hours"] == 1.0
    by_pred = figures.process_map(lake_hand_runs["edge"]).edges
    pred_row = by_pred[(by_pred["from"] == "資料審核") & (by_pred["to"] == "補件")].iloc[0]
    assert pred_row["count"] == 2
    firsts = edges[edges["from"] == START]
    assert firsts["count"].sum() == 5 and edges[edges["to"] == END]["count"].sum() == 5


def test_bpmn_from_variants_is_bpmn_from_whole_traces(samples: tuple[Any, Path]) -> None:
    """The discovery the lake ships back variants for: pm4py's inductive miner (noise 0)
    finds the same model from the whole log (every trace, every repetition) as from one
    trace per variant, so only the distinct variants need to leave the engine."""
    import pm4py

    con, lake = samples
    run = duckdb_lake_run("after", lake)
    frame = con.execute(
        "SELECT case_id, activity, start_ts FROM activity_instances WHERE dataset = 'after'"
        " ORDER BY case_id, start_ts, end_ts NULLS LAST, activity, instance_id"
    ).fetchdf()
    frame["order"] = range(len(frame))
    log = pm4py.format_dataframe(
        frame, case_id="case_id", activity_key="activity", timestamp_key="start_ts"
    )
    log = log.sort_values(["case:concept:name", "order"], kind="stable")
    whole = pm4py.discover_bpmn_inductive(log)
    path = lake / "whole.bpmn"
    pm4py.write_bpmn(whole, str(path))
    from_traces = model_signature(path.read_text(encoding="utf-8"))
    assert model_signature(figures.bpmn(run)) == from_traces
    assert model_signature(discover_bpmn(con, "after")) == from_traces
    # The model does depend on the variants: drop one and it changes.
    variants = [list(v) for v in run.engine.query(
        f"SELECT DISTINCT variant FROM {run.names.cases}"
    )["variant"]]  # fmt: skip
    assert len(variants) > 10
    assert model_signature(bpmn_from_variants(variants[:3])) != from_traces


# --- what a prediction is checked against -----------------------------------------------


@spark_group
def test_actual_figures_of_a_prediction(
    lake_hand_store: duckdb.DuckDBPyConnection,
    lake_hand_runs: dict[str, LakeRun],
    samples: tuple[Any, Path],
) -> None:
    """The figures a prediction is checked against (``compare --prediction``), measured on
    the lake: the edge log (a daylight-saving change, overlaps, an open instance) on Spark,
    the sample log on DuckDB reading the lake."""
    edge = lake_compare.actual_metrics(lake_hand_runs["edge"])
    expected = actual_metrics(lake_hand_store, "edge")
    assert_same(expected, edge, "edge")
    assert edge["cases"] == 5.0 and any(k.startswith("wait_hours:") for k in edge)
    con, lake = samples
    on_duckdb = lake_compare.actual_metrics(duckdb_lake_run("after", lake))
    assert_same(actual_metrics(con, "after"), on_duckdb, "after")
    assert set(on_duckdb) >= {"median_cycle_time_hours", "approved_share"}


def test_case_table_columns_and_types(hand: tuple[Any, Path]) -> None:
    """The per-case table from the lake has the store's columns and column types, so the
    statistics read it alike."""
    con, lake = hand
    stored = case_metrics(con, "both")
    got = lake_compare.case_metrics(duckdb_lake_run("both", lake))
    assert list(got.columns) == list(stored.columns)
    for column in stored.columns:
        if pd.api.types.is_datetime64_any_dtype(stored[column]):
            assert pd.api.types.is_datetime64_any_dtype(got[column]), column
        else:
            assert got[column].dtype == stored[column].dtype, column
    assert_same(stored, got, "cases")
