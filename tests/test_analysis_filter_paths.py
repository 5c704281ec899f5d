"""The fast paths of the analysis, checked against pandas on the same rows.

Filters on case columns are predicates on the derived rows themselves; views group by
integer codes of activity, department and resource; duration quantiles are taken in whole
microseconds; cases per resource come from a first-of-resource flag; the case table is
sorted and paged in DuckDB. Each figure here is recomputed independently in pandas/numpy
from the plain ``cases`` and ``activity_instances`` tables of the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis.bottlenecks import activity_bottlenecks, department_bottlenecks, resource_workload
from analysis.calendar import working_seconds
from analysis.case_metrics import case_metrics, case_page
from analysis.filters import Filters
from analysis.handoffs import handoffs
from analysis.process_map import process_map
from analysis.quantiles import duration_quantile, duration_quantiles
from etl.load import ingest
from etl.profile import load_profile
from etl.store import connect

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
ZONE = load_profile(SAMPLES / "before.profile.yaml").timezone

FILTERS = [
    Filters(),
    Filters(outcomes=("approved",)),
    Filters(outcomes=("rejected", "withdrawn"), products=("經營貸",)),
    Filters(date_from=date(2025, 3, 1), date_to=date(2025, 5, 31)),
    Filters(date_from=date(2025, 2, 1), period_basis="ended", amount_min=300_000),
    Filters(departments=("風險管理部",)),
    Filters(outcomes=("approved",), departments=("法務合規部", "審批委員會")),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("paths") / "store.duckdb")
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    yield con
    con.close()


def _selected_case_ids(con: duckdb.DuckDBPyConnection, filters: Filters) -> set[str]:
    """The filtered cases, selected in pandas from the plain ``cases`` table."""
    cases = con.execute(
        "SELECT case_id, outcome, first_ts, last_ts, amount, product FROM cases"
        " WHERE dataset = 'before'"
    ).fetchdf()
    keep = pd.Series(True, index=cases.index)
    if filters.outcomes:
        keep &= cases["outcome"].isin(filters.outcomes)
    if filters.products:
        keep &= cases["product"].isin(filters.products)
    if filters.amount_min is not None:
        keep &= cases["amount"] >= filters.amount_min
    basis = cases["first_ts"] if filters.period_basis == "started" else cases["last_ts"]
    # a period's days are the bank's (the profile's zone, UTC+8), not UTC's
    if isinstance(filters.date_from, date):
        keep &= basis >= pd.Timestamp(filters.date_from, tz=ZONE)
    if isinstance(filters.date_to, date):
        keep &= basis < pd.Timestamp(filters.date_to + timedelta(days=1), tz=ZONE)
    if filters.departments:
        touching = con.execute(
            "SELECT DISTINCT case_id FROM activity_instances WHERE dataset = 'before'"
            f" AND department IN ({', '.join('?' for _ in filters.departments)})",
            list(filters.departments),
        ).fetchdf()
        keep &= cases["case_id"].isin(touching["case_id"])
    return set(cases.loc[keep, "case_id"])


_PLAIN: dict[int, pd.DataFrame] = {}


def _all_instances(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every instance with its predecessor, waits and processing, computed here in Python
    from the plain ``activity_instances`` table by DESIGN.md's definitions (not read from
    the derived rows under test): the predecessor is the instance of the case with the
    latest end at or before its start (ties: the later in case order, which never puts an
    instant after one at the same time); case order is start, end (open last), activity,
    instance id; working time is counted day by day in the profile's calendar."""
    if id(con) in _PLAIN:
        return _PLAIN[id(con)]
    profile = load_profile(SAMPLES / "before.profile.yaml")
    rows = con.execute(
        "SELECT case_id, instance_id, activity, department, resource, start_ts, end_ts"
        " FROM activity_instances WHERE dataset = 'before'"
    ).fetchdf()
    rows = rows.sort_values(
        ["case_id", "start_ts", "end_ts", "activity", "instance_id"],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    pred_end: list[Any] = []
    pred_department: list[Any] = []
    columns = zip(
        rows["case_id"], rows["start_ts"], rows["end_ts"], rows["department"], strict=True
    )
    cases: dict[str, list[tuple[Any, Any, Any]]] = {}
    for case_id, start, end, department in columns:
        cases.setdefault(case_id, []).append((start, end, department))
    for instances in cases.values():  # in case order, as rows are
        for seq, (start, _, _) in enumerate(instances):
            candidates = [
                (end, earlier, department)
                for earlier, (_, end, department) in enumerate(instances[:seq])
                if pd.notna(end) and end <= start
            ]
            best = max(candidates, key=lambda c: (c[0], c[1])) if candidates else None
            pred_end.append(best[0] if best else pd.NaT)
            pred_department.append(best[2] if best else None)
    rows["pred_end"] = pd.to_datetime(pd.Series(pred_end, index=rows.index), utc=True)
    rows["pred_department"] = pred_department
    rows["wait_s"] = (rows["start_ts"] - rows["pred_end"]).dt.total_seconds()
    rows["proc_s"] = (rows["end_ts"] - rows["start_ts"]).dt.total_seconds()
    rows["wait_work_s"] = [
        working_seconds(a.to_pydatetime(), b.to_pydatetime(), profile.calendar, profile.timezone)
        if pd.notna(a)
        else np.nan
        for a, b in zip(rows["pred_end"], rows["start_ts"], strict=True)
    ]
    known = rows["department"].notna() & rows["pred_department"].notna()
    rows["handoff"] = known & (rows["department"] != rows["pred_department"])
    _PLAIN[id(con)] = rows
    return rows


def _selected_instances(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """All derived instances, kept in pandas to the cases the filters select."""
    rows = _all_instances(con)
    return rows[rows["case_id"].isin(_selected_case_ids(con, filters))]


def _median(values: pd.Series) -> float:
    clean = values.dropna().to_numpy(dtype=float)
    return float(np.median(clean)) if len(clean) else float("nan")


def test_sample_filters_select_something_and_not_everything(
    store: duckdb.DuckDBPyConnection,
) -> None:
    total = len(_selected_case_ids(store, Filters()))
    for filters in FILTERS[1:]:
        assert 0 < len(_selected_case_ids(store, filters)) < total, filters


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_activity_bottlenecks_match_pandas(
    store: duckdb.DuckDBPyConnection, filters: Filters
) -> None:
    rows = _selected_instances(store, filters)
    expected = (
        rows.groupby(["activity", "department"], dropna=False)
        .agg(
            instances=("activity", "size"),
            median_wait=("wait_s", _median),
            median_proc=("proc_s", _median),
            median_wait_work=("wait_work_s", _median),
            total_wait=("wait_s", "sum"),
        )
        .reset_index()
    )
    got = activity_bottlenecks(store, "before", filters)
    merged = expected.merge(got, on=["activity", "department"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["instances_x"] == merged["instances_y"]).all()
    np.testing.assert_allclose(merged["median_wait"] / 3600, merged["median_wait_hours"])
    np.testing.assert_allclose(merged["median_proc"] / 3600, merged["median_processing_hours"])
    np.testing.assert_allclose(
        merged["median_wait_work"] / 3600, merged["median_wait_working_hours"]
    )
    np.testing.assert_allclose(merged["total_wait"] / 3600, merged["total_wait_hours"])


@pytest.mark.parametrize("filters", FILTERS[:4], ids=range(4))
def test_department_bottlenecks_and_handoffs_match_pandas(
    store: duckdb.DuckDBPyConnection, filters: Filters
) -> None:
    rows = _selected_instances(store, filters)
    by_department = rows.groupby("department").agg(
        instances=("activity", "size"), median_wait=("wait_s", _median)
    )
    got = department_bottlenecks(store, "before", filters).set_index("department")
    assert got["instances"].to_dict() == by_department["instances"].to_dict()
    np.testing.assert_allclose(
        got.loc[by_department.index, "median_wait_hours"], by_department["median_wait"] / 3600
    )
    moves = rows[rows["handoff"]]
    pairs = moves.groupby(["pred_department", "department"]).agg(
        count=("activity", "size"),
        median=("wait_s", _median),
        p90=("wait_s", lambda v: float(np.quantile(v.dropna(), 0.9))),
    )
    table = handoffs(store, "before", filters).set_index(["from", "to"])
    assert table["count"].to_dict() == pairs["count"].to_dict()
    np.testing.assert_allclose(table.loc[pairs.index, "median_wait_hours"], pairs["median"] / 3600)
    np.testing.assert_allclose(table.loc[pairs.index, "p90_wait_hours"], pairs["p90"] / 3600)


@pytest.mark.parametrize("filters", FILTERS[:3], ids=range(3))
def test_resource_workload_matches_pandas(
    store: duckdb.DuckDBPyConnection, filters: Filters
) -> None:
    rows = _selected_instances(store, filters)
    rows = rows[rows["resource"].notna()]
    counts = rows.groupby(["resource", "department"]).size().reset_index(name="n")
    counts = counts.sort_values(["resource", "n", "department"], ascending=[True, False, True])
    main_department = counts.drop_duplicates("resource").set_index("resource")["department"]
    expected = rows.groupby("resource").agg(
        instances=("activity", "size"),
        cases=("case_id", "nunique"),
        median_proc=("proc_s", _median),
    )
    got = resource_workload(store, "before", filters).set_index("resource")
    assert got["instances"].to_dict() == expected["instances"].to_dict()
    assert got["cases"].to_dict() == expected["cases"].to_dict()
    assert got["department"].to_dict() == main_department.to_dict()
    np.testing.assert_allclose(
        got.loc[expected.index, "median_processing_hours"], expected["median_proc"] / 3600
    )


def test_without_working_time_only_the_working_medians_are_left_out(
    store: duckdb.DuckDBPyConnection,
) -> None:
    filters = FILTERS[1]
    full = activity_bottlenecks(store, "before", filters)
    light = activity_bottlenecks(store, "before", filters, working=False)
    assert light["median_wait_working_hours"].isna().all()
    assert light["median_processing_working_hours"].isna().all()
    same = [c for c in full.columns if "working" not in c]
    pd.testing.assert_frame_equal(full[same], light[same])
    full_map = process_map(store, "before", filters)
    light_map = process_map(store, "before", filters, working=False)
    assert light_map.edges["median_working_hours"].isna().all()
    assert full_map.edges["median_working_hours"].notna().any()
    pd.testing.assert_frame_equal(
        full_map.edges.drop(columns="median_working_hours"),
        light_map.edges.drop(columns="median_working_hours"),
    )
    assert (
        handoffs(store, "before", filters, working=False)["median_wait_working_hours"].isna().all()
    )


def test_process_map_nodes_match_pandas(store: duckdb.DuckDBPyConnection) -> None:
    filters = FILTERS[2]
    rows = _selected_instances(store, filters)
    nodes = process_map(store, "before", filters).nodes.set_index("activity")
    expected = rows.groupby("activity").agg(
        count=("activity", "size"),
        cases=("case_id", "nunique"),
        median=("proc_s", _median),
        department=("department", lambda d: d.value_counts().sort_index().idxmax()),
    )
    assert nodes["count"].to_dict() == expected["count"].to_dict()
    assert nodes["cases"].to_dict() == expected["cases"].to_dict()
    assert nodes["department"].to_dict() == expected["department"].to_dict()
    np.testing.assert_allclose(
        nodes.loc[expected.index, "median_processing_hours"], expected["median"] / 3600
    )


def test_duration_quantiles_equal_duckdb_on_doubles() -> None:
    con = duckdb.connect()
    rng = np.random.default_rng(7)
    values = np.round(rng.normal(3_600, 90_000, 2_001), 6)  # negatives, microseconds
    frame = pd.DataFrame({"g": rng.integers(0, 5, len(values)), "x": values})
    frame.loc[::17, "x"] = np.nan
    con.register("v", frame)
    median = duration_quantile("x", 0.5)
    p50, p90 = duration_quantiles("x", (0.5, 0.9))
    got = con.execute(
        f"SELECT g, {median}, {p50}, {p90}, quantile_cont(x, 0.5), quantile_cont(x, 0.9)"
        " FROM v GROUP BY g ORDER BY g"
    ).fetchall()
    for _, median_us, p50_us, p90_us, median_double, p90_double in got:
        assert median_us == pytest.approx(median_double, abs=1e-6)
        assert p50_us == pytest.approx(median_double, abs=1e-6)
        assert p90_us == pytest.approx(p90_double, abs=1e-6)


def test_case_page_is_the_sorted_slice_of_all_case_metrics(
    store: duckdb.DuckDBPyConnection,
) -> None:
    filters = FILTERS[1]
    everything = case_metrics(store, "before", filters)
    order = (("handoffs", True), ("cycle_time_hours", False))
    expected = everything.sort_values(
        ["handoffs", "cycle_time_hours", "case_id"],
        ascending=[False, True, True],
        na_position="last",
        kind="stable",
    )
    page, total = case_page(store, "before", filters, order=order, offset=25, limit=40)
    assert total == len(everything)
    assert list(page["case_id"]) == list(expected["case_id"].iloc[25:65])
    last, _ = case_page(store, "before", filters, order=(("amount", True),), offset=total - 3)
    assert len(last) == 3
    unknown, _ = case_page(store, "before", filters, order=(("no_such; DROP", True),), limit=5)
    assert list(unknown["case_id"]) == sorted(everything["case_id"])[:5]


def test_department_filter_by_mask_and_by_join_agree(
    store: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analysis.prepared_tables as prepared_tables

    filters = Filters(outcomes=("approved",), departments=("法務合規部", "審批委員會"))
    by_mask = activity_bottlenecks(store, "before", filters)
    cases_by_mask = case_metrics(store, "before", filters)["case_id"].tolist()
    monkeypatch.setattr(prepared_tables, "MASK_DEPARTMENTS", 0)  # every department beyond the mask
    prepared_tables._masks.clear()
    by_join = activity_bottlenecks(store, "before", filters)
    cases_by_join = case_metrics(store, "before", filters)["case_id"].tolist()
    prepared_tables._masks.clear()
    pd.testing.assert_frame_equal(by_mask, by_join)
    assert cases_by_mask == cases_by_join
    assert set(cases_by_mask) == _selected_case_ids(store, filters)


def test_a_department_the_dataset_lacks_selects_nothing(store: duckdb.DuckDBPyConnection) -> None:
    filters = Filters(departments=("No such department",))
    assert activity_bottlenecks(store, "before", filters).empty
    assert case_metrics(store, "before", filters).empty
    assert process_map(store, "before", filters).cases == 0
