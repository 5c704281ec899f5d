"""The predecessor relation and instance durations, on small logs worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb

from analysis.kpis import kpis
from analysis.predecessors import derived_instances_sql
from analysis.scope import make_scope
from etl.load import ingest
from tests.analysis_logs import Inst, make_log


def derived(con: duckdb.DuckDBPyConnection, dataset: str) -> dict[tuple[str, str], Any]:
    sql, params = derived_instances_sql(make_scope(con, dataset), working=True)
    frame = con.execute(f"SELECT * FROM ({sql}) ORDER BY case_id, seq", params).fetchdf()
    # key: (case, activity label); labels are unique per case in these logs
    return {(r.case_id, r.activity): r for r in frame.itertuples()}


def test_tie_on_end_takes_the_later_start(store: duckdb.DuckDBPyConnection) -> None:
    make_log(
        store,
        "t",
        [
            Inst("T", "X1", "2025-01-06 09:00", "2025-01-06 10:00", "D1"),
            Inst("T", "X2", "2025-01-06 09:30", "2025-01-06 10:00", "D2"),
            Inst("T", "Y", "2025-01-06 10:00", "2025-01-06 10:15", "D2"),
        ],
    )
    rows = derived(store, "t")
    y = rows[("T", "Y")]
    assert y.pred_activity == "X2" and y.wait_s == 0 and y.proc_s == 15 * 60
    assert not y.handoff  # D2 -> D2
    assert rows[("T", "X2")].pred_activity is None  # X1 had not ended at 09:30


def test_instants_at_one_time_follow_their_order(store: duckdb.DuckDBPyConnection) -> None:
    make_log(
        store,
        "t",
        [
            Inst("T", "I1", "2025-01-06 10:00", "2025-01-06 10:00", "D1"),
            Inst("T", "I2", "2025-01-06 10:00", "2025-01-06 10:00", "D2"),
            Inst("T", "W", "2025-01-06 10:00", "2025-01-06 11:00", "D2"),
        ],
    )
    rows = derived(store, "t")
    assert rows[("T", "I1")].pred_activity is None
    assert rows[("T", "I2")].pred_activity == "I1" and rows[("T", "I2")].handoff
    assert rows[("T", "W")].pred_activity == "I2" and not rows[("T", "W")].handoff
    assert [rows[("T", a)].seq for a in ("I1", "I2", "W")] == [1, 2, 3]
    assert rows[("T", "W")].is_last and not rows[("T", "I2")].is_last


def test_parallel_branches_and_open_instances(store: duckdb.DuckDBPyConnection) -> None:
    make_log(
        store,
        "t",
        [
            Inst("P", "A", "2025-01-06 09:00", "2025-01-06 09:30", "D1"),
            Inst("P", "B", "2025-01-06 10:00", "2025-01-06 12:00", "D2"),
            Inst("P", "C", "2025-01-06 10:30", "2025-01-06 11:00", "D3"),
            Inst("P", "J", "2025-01-06 12:30", "2025-01-06 13:00", "D1"),
            Inst("Q", "O", "2025-01-06 09:00", None, "D1"),
            Inst("Q", "R", "2025-01-06 10:00", "2025-01-06 11:00", "D2"),
            Inst("Q", "S", "2025-01-06 11:30", None, "D3"),
        ],
    )
    rows = derived(store, "t")
    assert rows[("P", "B")].pred_activity == "A" and rows[("P", "B")].wait_s == 1800
    assert rows[("P", "C")].pred_activity == "A" and rows[("P", "C")].wait_s == 3600
    # J follows the branch that finished last (B at 12:00), not C (11:00).
    assert rows[("P", "J")].pred_activity == "B" and rows[("P", "J")].wait_s == 1800
    assert rows[("P", "J")].is_last
    # An open instance is never a predecessor and has no processing time.
    assert (
        rows[("Q", "R")].pred_activity is None
        and rows[("Q", "R")].wait_s != rows[("Q", "R")].wait_s
    )
    assert rows[("Q", "O")].proc_s != rows[("Q", "O")].proc_s  # NaN
    # Its own waiting time is observed: S waits from R's end (11:00) to 11:30.
    assert rows[("Q", "S")].pred_activity == "R" and rows[("Q", "S")].wait_s == 1800
    assert rows[("Q", "S")].is_last  # open and started last: not ended yet


def test_waits_in_working_time(store: duckdb.DuckDBPyConnection) -> None:
    make_log(
        store,
        "t",
        [
            Inst("W", "A", "2025-01-10 15:00", "2025-01-10 17:00", "D1"),
            Inst("W", "B", "2025-01-13 10:00", "2025-01-13 11:00", "D2"),
        ],
        profile={"calendar": {"hours": ["09:00", "17:30"]}},
    )
    b = derived(store, "t")[("W", "B")]
    assert b.wait_s == (2 * 24 + 17) * 3600  # Fri 17:00 -> Mon 10:00
    assert b.wait_work_s == 1.5 * 3600  # Fri 17:00-17:30, Mon 09:00-10:00
    assert b.proc_work_s == 3600


def test_unmatched_lifecycle_events_through_the_loader(
    store: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A schedule event stays an event; a complete without start is an instant; a start
    never completed is open. Worked out by hand from the events below."""
    source = tmp_path / "events.csv"
    source.write_text(
        "case,activity,ts,lifecycle,resource,department\n"
        "X,A,2025-01-06 09:00:00,start,u1,D1\n"
        "X,A,2025-01-06 10:00:00,complete,u1,D1\n"
        "X,B,2025-01-06 10:05:00,schedule,,D2\n"
        "X,B,2025-01-06 11:00:00,start,u2,D2\n"
        "X,C,2025-01-06 11:30:00,complete,u2,D2\n"
        "X,B,2025-01-06 12:00:00,complete,u2,D2\n"
        "X,D,2025-01-06 13:00:00,start,u1,D1\n",
        encoding="utf-8",
    )
    columns = {
        "case_id": "case",
        "activity": "activity",
        "timestamp": "ts",
        "lifecycle": "lifecycle",
        "resource": "resource",
        "department": "department",
    }
    ingest(source, "lc", con=store, profile={"columns": columns})
    rows = derived(store, "lc")
    assert rows[("X", "B")].pred_activity == "A" and rows[("X", "B")].wait_s == 3600
    # C completed without a start: an instant at 11:30; B had not ended yet.
    assert rows[("X", "C")].pred_activity == "A" and rows[("X", "C")].wait_s == 5400
    assert rows[("X", "C")].proc_s == 0
    # D never completed: open, no processing time, waits from B's end; it is the last.
    assert rows[("X", "D")].pred_activity == "B" and rows[("X", "D")].wait_s == 3600
    assert math.isnan(rows[("X", "D")].proc_s) and rows[("X", "D")].is_last
    k = kpis(store, "lc")
    assert (k.events, k.activity_instances, k.cases) == (7, 4, 1)
    assert k.cycle_time_hours.median == 4.0
    assert (k.handoffs_per_case, k.pingpong_share, k.rework_share) == (3.0, 1.0, 0.0)
    assert k.outcome_mapped is False and k.outcome_share["open"] is None  # no outcomes mapped
