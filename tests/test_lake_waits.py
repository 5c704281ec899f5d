"""The waiting causes on the lake: ``loanflow waits`` computed on Spark (local mode) and on
DuckDB reading the lake must give the store path's report, on a log worked out by hand,
both sample logs and BPIC 2012, under filters.

Counts, names and orders equal; real numbers within :data:`tests.lake_parity.TOLERANCE`.
Spark runs a query in about a second however small its input, so Spark gets the hand log
(under a filter), one sample log (under a filter) and one BPIC 2012 case, reusing the
derived steps the parity suite prepared (:class:`tests.lake_parity.LakeRuns`); DuckDB on
the same lake gets every filter and the Kronos batching definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from analysis.filters import Filters
from analysis.lake import waits as lake_waits
from analysis.lake.run import LakeRun
from analysis.waits.report import WaitsReport, cause_changes, waiting_causes
from etl.store import connect
from tests.analysis_logs import CaseAttrs, Inst, make_log
from tests.lake_parity import LakeRuns, assert_same, duckdb_lake_run

# The tests that start Spark share the one xdist worker of the Spark session; DuckDB
# reading the lake runs anywhere.
spark_group = pytest.mark.xdist_group("spark")

# Monday 2025-01-06; every resource works Mon-Fri 09:00-17:00 UTC (the profile's calendar).
# intake (r1) submits, credit (r2) checks, the committee (c1) decides A, B, D in one sitting
# on Tuesday morning, back to back.
PROFILE = {
    "timezone": "UTC",
    "calendar": {"workdays": ["Mon", "Tue", "Wed", "Thu", "Fri"], "hours": ["09:00", "17:00"]},
}
ROWS = [
    Inst("A", "submit", "2025-01-06 09:30", "2025-01-06 10:00", "intake", "r1"),
    Inst("A", "check", "2025-01-06 11:00", "2025-01-06 12:00", "credit", "r2"),
    Inst("A", "decide", "2025-01-07 09:00", "2025-01-07 09:30", "committee", "c1"),
    Inst("B", "submit", "2025-01-06 09:00", "2025-01-06 09:45", "intake", "r1"),
    Inst("B", "check", "2025-01-06 10:00", "2025-01-06 11:00", "credit", "r2"),
    Inst("B", "decide", "2025-01-07 09:30", "2025-01-07 10:00", "committee", "c1"),
    Inst("C", "submit", "2025-01-06 16:00", "2025-01-06 17:00", "intake", "r1"),
    Inst("C", "check", "2025-01-07 10:00", "2025-01-07 11:00", "credit", "r2"),
    Inst("D", "submit", "2025-01-06 13:00", "2025-01-06 13:30", "intake", "r1"),
    Inst("D", "check", "2025-01-06 15:00", "2025-01-06 16:00", "credit", "r2"),
    Inst("D", "decide", "2025-01-07 10:00", "2025-01-07 10:30", "committee", "c1"),
    Inst("E", "submit", "2025-01-06 13:30", "2025-01-06 14:00", "intake", "r1"),
    Inst("E", "check", "2025-01-06 14:00", "2025-01-06 15:00", "credit", "r2"),
]
ATTRS = {"A": CaseAttrs(product="經營貸"), "D": CaseAttrs(product="經營貸")}
BUSINESS = Filters(products=("經營貸",))


def _by(rows: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[k] for k in keys): r for r in rows}


def _check_by_hand(report: WaitsReport) -> None:
    """The hand log's report, every number worked out by hand (hours)."""
    assert report.cases == 5
    hand = _by(report.handoffs, "from", "to")
    # Checks: A waits 10-11 while r2 checks B (enabled 09:45, before A's 10:00): contention
    # 1 h; B waits 09:45-10:00 with r2 idle in working hours: extraneous 0.25 h; C waits Mon
    # 17:00 - Tue 10:00: 16 h outside working hours, 1 h extraneous; D waits 13:30-15:00,
    # r2 checking E (enabled 14:00, after D) 14-15: prioritization 1 h, extraneous 0.5 h;
    # E waits 0. Department all busy (r2 is all of credit): A's 1 h and D's 1 h. (B, A and
    # E, D were checked back to back, but r2 was idle only 15 min before the first pair:
    # not held back, so checks are not done in batches.)
    checks = hand[("intake", "credit")]
    assert (checks["instances"], checks["waiting_instances"]) == (5, 4)
    assert checks["wait_hours"] == 19.75
    assert checks["causes"] == {
        "batching": 0.0, "contention": 1.0, "prioritization": 1.0, "unavailability": 16.0,
        "extraneous": 1.75,
    }  # fmt: skip
    assert checks["department_all_busy_hours"] == 2.0
    assert checks["main_cause"] == "unavailability"
    # Decisions: one batch {A, B, D} started Tue 09:00 (the committee idle all Monday
    # afternoon). A waits Mon 12:00 - Tue 09:00, all batching (21 h); B waits Mon 11:00 -
    # Tue 09:30: 22 h batching, then 0.5 h while c1 decides A, enabled after B:
    # prioritization; D waits Mon 16:00 - Tue 10:00: 17 h batching, then 1 h while c1
    # decides A and B, both enabled before D: contention.
    decisions = hand[("credit", "committee")]
    assert (decisions["instances"], decisions["wait_hours"]) == (3, 61.5)
    assert decisions["causes"] == {
        "batching": 60.0, "contention": 1.0, "prioritization": 0.5, "unavailability": 0.0,
        "extraneous": 0.0,
    }  # fmt: skip
    assert decisions["department_all_busy_hours"] == 1.5  # c1 busy: B's 0.5 h, D's 1 h
    # Working hours: all but the night inside working time; the batch waits' working part
    # Mon 12-17 (A), 11-17 (B), 16-17 (D).
    assert checks["causes_working_hours"]["contention"] == 1.0
    assert checks["causes_working_hours"]["extraneous"] == 1.75
    assert decisions["causes_working_hours"]["batching"] == 12.0
    # Activities (instances without a predecessor have no wait and are not listed).
    assert [r["activity"] for r in report.activities] == ["decide", "check"]
    assert report.batches == [
        {"activity": "decide", "batches": 1, "batched_instances": 3, "mean_size": 3.0,
         "max_size": 3, "batches_per_week": 1.0},
    ]  # fmt: skip
    assert [c["name"] for c in report.calendars] == ["c1", "r1", "r2"]


def _check_business_by_hand(report: WaitsReport) -> None:
    """Cases A and D only: A's check 1 h contention, D's 1 h prioritization + 0.5 h
    extraneous; A's decision 21 h batching, D's 17 h batching + 1 h contention."""
    assert report.cases == 2
    hand = _by(report.handoffs, "from", "to")
    assert hand[("intake", "credit")]["wait_hours"] == 2.5
    assert hand[("intake", "credit")]["causes"]["prioritization"] == 1.0
    assert hand[("credit", "committee")]["causes"]["batching"] == 38.0
    assert hand[("credit", "committee")]["causes"]["contention"] == 1.0
    # the batch's two selected members
    assert report.batches[0]["batched_instances"] == 2
    assert report.batches[0]["mean_size"] == 2.0


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("waits_hand") / "store.duckdb")
    make_log(con, "waits", ROWS, PROFILE, ATTRS)
    yield con
    con.close()


@pytest.fixture(scope="module")
def hand_runs(
    spark: Any, hand_store: duckdb.DuckDBPyConnection, tmp_path_factory: pytest.TempPathFactory
) -> LakeRuns:
    return LakeRuns(spark, hand_store, tmp_path_factory.mktemp("waits_hand_lake"))


def _same(expected: WaitsReport, got: WaitsReport, where: str) -> None:
    assert_same(expected.to_json(), got.to_json(), where)
    assert_same(expected.transitions, got.transitions, f"{where} transitions")


@spark_group
def test_the_hand_worked_log_on_every_engine(
    hand_store: duckdb.DuckDBPyConnection, hand_runs: LakeRuns
) -> None:
    on_spark = hand_runs("waits")
    on_duckdb = duckdb_lake_run("waits", hand_runs.lake)
    for f, check in ((Filters(), _check_by_hand), (BUSINESS, _check_business_by_hand)):
        store = waiting_causes(hand_store, "waits", f, instances=True, transitions=True)
        check(store)
        for name, run in (("spark", on_spark), ("duckdb lake", on_duckdb)):
            got = lake_waits.waiting_causes(run, f, instances=True, transitions=True)
            check(got)
            _same(store, got, f"hand {name} {f}")
    # Kronos's batching (every candidate batch kept) and a comparison, on DuckDB's lake.
    kronos = lake_waits.waiting_causes(on_duckdb, kronos=True, instances=True)
    _same(waiting_causes(hand_store, "waits", kronos=True, instances=True), kronos, "kronos")
    assert_same(
        cause_changes(hand_store, ("waits", Filters()), ("waits", BUSINESS)),
        lake_waits.cause_changes((on_duckdb, Filters()), (on_duckdb, BUSINESS)),
        "changes",
    )


@spark_group
def test_the_edge_log(
    lake_hand_store: duckdb.DuckDBPyConnection, lake_hand_runs: dict[str, LakeRun]
) -> None:
    """The parity suite's edge log (instances without resource or department, so a NULL
    resource group; an open instance; parallel branches; a daylight-saving change and a
    holiday in the profile's calendar), on Spark (its derivations shared) and on DuckDB
    reading the same lake under filters."""
    lake = lake_hand_runs["edge"].engine.lake  # type: ignore[attr-defined]
    on_duckdb = duckdb_lake_run("edge", lake)
    for f in (Filters(), Filters(departments=("風險管理部",)), Filters(products=("經營貸",))):
        store = waiting_causes(lake_hand_store, "edge", f, instances=True, transitions=True)
        assert store.handoffs, f
        _same(
            store,
            lake_waits.waiting_causes(on_duckdb, f, instances=True, transitions=True),
            f"edge duckdb {f}",
        )
        if f.is_empty():
            got = lake_waits.waiting_causes(lake_hand_runs["edge"], f, instances=True)
            _same(waiting_causes(lake_hand_store, "edge", f, instances=True), got, "edge spark")
            assert any(r["resource"] is None for r in got.instances or [])


def _sample_filters() -> list[Filters]:
    return [
        Filters(),
        Filters(outcomes=("approved",), departments=("風險管理部",)),
        Filters(products=("流動資金貸款",), date_from="2025-03-10", date_to="2025-04-30"),
    ]


@pytest.mark.parametrize("dataset", ["before", "after"])
def test_the_sample_logs_on_duckdb_reading_the_lake(
    lake_sample_store: duckdb.DuckDBPyConnection, tmp_path: Path, dataset: str
) -> None:
    from analysis.lake.files import write_dataset

    write_dataset(lake_sample_store, dataset, tmp_path)
    run = duckdb_lake_run(dataset, tmp_path)
    for kronos in (False, True):
        for f in _sample_filters():
            store = waiting_causes(lake_sample_store, dataset, f, instances=True, kronos=kronos)
            assert store.cases > 0 and store.handoffs, f  # each filter selects waits
            got = lake_waits.waiting_causes(run, f, instances=True, kronos=kronos)
            _same(store, got, f"{dataset} kronos={kronos} {f}")


@spark_group
def test_a_sample_log_on_spark(
    lake_sample_store: duckdb.DuckDBPyConnection, lake_sample_runs: LakeRuns
) -> None:
    """``after`` on Spark (its derivations shared with the parity suite), unfiltered with
    every instance listed, and under a filter."""
    run: LakeRun = lake_sample_runs("after")
    for f in _sample_filters()[:2]:
        store = waiting_causes(lake_sample_store, "after", f, instances=f.is_empty())
        assert store.batches  # the committee's batches are found
        got = lake_waits.waiting_causes(run, f, instances=f.is_empty())
        _same(store, got, f"after spark {f}")


@contextmanager
def compiled_expressions(spark: Any) -> Iterator[None]:
    """Spark's generated code while a step of millions of rows runs (BPIC 2012's 3.2M wait
    intervals): the test session interprets expressions, which suits the small logs but
    took 86 s for this decomposition against 33 s compiled. Results do not depend on it."""
    settings = {"spark.sql.codegen.wholeStage": "true", "spark.sql.codegen.factoryMode": "FALLBACK"}
    before = {key: spark.conf.get(key) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


@spark_group
def test_bpic2012(
    spark: Any, lake_bpic_store: duckdb.DuckDBPyConnection, lake_bpic_runs: dict[str, LakeRun]
) -> None:
    """BPIC 2012 (262,200 events, parallel branches: the concurrency oracle's enablement):
    Spark unfiltered, DuckDB reading the same lake under a filter as well (the parity
    suite's runs, shared)."""
    on_spark, on_duckdb = lake_bpic_runs["spark"], lake_bpic_runs["duckdb"]
    with compiled_expressions(spark):
        lake_waits.decomposition(on_spark)
    for f in (Filters(), Filters(outcomes=("approved",), departments=("offer",))):
        store = waiting_causes(lake_bpic_store, "bpic", f)
        assert store.cases > 0 and len(store.handoffs) > 0
        _same(store, lake_waits.waiting_causes(on_duckdb, f), f"bpic duckdb {f}")
        if f.is_empty():
            _same(store, lake_waits.waiting_causes(on_spark, f), f"bpic spark {f}")
