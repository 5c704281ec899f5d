"""The shared figures on BPI Challenge 2012, loaded by the real loader, against pm4py.

pm4py reads the XES itself. The event-level comparison uses the log's ``complete`` events
(every one an instant, start = end, in LoanFlow), where the predecessor relation is the
directly-follows relation pm4py computes; ties in time are broken by activity name on both
sides, as the store numbers instances.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from analysis.case_metrics import case_metrics
from analysis.kpis import kpis
from analysis.process_map import END, START, process_map
from analysis.variants import variants
from etl.load import ingest
from etl.store import connect

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pm4py_log(bpic2012_path: Path) -> pd.DataFrame:
    import pm4py

    return pm4py.read_xes(str(bpic2012_path))


@pytest.fixture(scope="module")
def bpic(
    tmp_path_factory: pytest.TempPathFactory, bpic2012_path: Path, pm4py_log: pd.DataFrame
) -> Iterator[duckdb.DuckDBPyConnection]:
    folder = tmp_path_factory.mktemp("bpic")
    con = connect(folder / "store.duckdb")
    ingest(bpic2012_path, "bpic", con=con)
    complete = pm4py_log[pm4py_log["lifecycle:transition"].str.lower() == "complete"]
    frame = pd.DataFrame(
        {
            "case": complete["case:concept:name"].astype(str),
            "activity": complete["concept:name"],
            "time": complete["time:timestamp"],
            "resource": complete["org:resource"].astype(str),
        }
    )
    path = folder / "complete.parquet"
    frame.to_parquet(path)
    ingest(
        path,
        "complete",
        con=con,
        profile={
            "columns": {
                "case_id": "case",
                "activity": "activity",
                "timestamp": "time",
                "resource": "resource",
            }
        },
    )
    yield con
    con.close()


def _complete_sorted(log: pd.DataFrame) -> pd.DataFrame:
    complete = log[log["lifecycle:transition"].str.lower() == "complete"].copy()
    complete["case:concept:name"] = complete["case:concept:name"].astype(str)
    return complete.sort_values(
        ["case:concept:name", "time:timestamp", "concept:name"], kind="stable"
    )


def test_counts_and_case_durations(bpic: duckdb.DuckDBPyConnection, pm4py_log: Any) -> None:
    import pm4py

    k = kpis(bpic, "bpic")
    assert (k.cases, k.events) == (13087, 262200)  # the README's figures
    durations = pm4py.get_all_case_durations(pm4py_log)
    ours = case_metrics(bpic, "bpic")["cycle_time_hours"] * 3600
    assert sorted(ours) == pytest.approx(sorted(durations), abs=1e-3)
    assert k.cycle_time_hours.median == pytest.approx(
        pd.Series(durations).median() / 3600, abs=1e-6
    )
    assert k.cycle_time_hours.mean == pytest.approx(pd.Series(durations).mean() / 3600)


def test_directly_follows_matches_pm4py(bpic: duckdb.DuckDBPyConnection, pm4py_log: Any) -> None:
    import pm4py

    dfg, starts, ends = pm4py.discover_dfg(_complete_sorted(pm4py_log))
    edges = process_map(bpic, "complete").edges
    mine = {(r["from"], r["to"]): int(r["count"]) for r in edges.to_dict(orient="records")}
    assert {k: v for k, v in mine.items() if START not in k and END not in k} == dict(dfg)
    assert {b: v for (a, b), v in mine.items() if a == START} == dict(starts)
    assert {a: v for (a, b), v in mine.items() if b == END} == dict(ends)


def test_variants_match_pm4py(bpic: duckdb.DuckDBPyConnection, pm4py_log: Any) -> None:
    import pm4py

    expected = pm4py.get_variants(_complete_sorted(pm4py_log))
    result = variants(bpic, "complete", top=None)
    assert result.variant_count == len(expected)
    ours = {tuple(r.activities): int(r.cases) for r in result.top.itertuples()}
    assert ours == {tuple(k): int(v) for k, v in expected.items()}


def test_processing_times_of_paired_instances(bpic: duckdb.DuckDBPyConnection) -> None:
    """Node processing time is end - start of the paired instances (W_ activities)."""
    nodes = process_map(bpic, "bpic").nodes.set_index("activity")
    row = bpic.execute(
        "SELECT quantile_cont(epoch(end_ts) - epoch(start_ts), 0.5) / 3600.0"
        " FROM activity_instances WHERE dataset = 'bpic' AND activity = 'W_Completeren aanvraag'"
        " AND end_ts IS NOT NULL"
    ).fetchone()
    assert row is not None
    assert nodes.loc["W_Completeren aanvraag", "median_processing_hours"] == pytest.approx(row[0])
    assert nodes.loc["A_SUBMITTED", "median_processing_hours"] == 0.0
