"""Helpers of the parity suite: every figure of a dataset computed by the store path
(DuckDB) and by the lake definitions on an engine, and a comparison of the two."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analysis.bottlenecks import bottleneck_tables, open_cases_waiting, resource_workload
from analysis.filters import Filters
from analysis.handoffs import handoffs
from analysis.kpis import kpis
from analysis.lake import figures, lake_run
from analysis.lake.engine import DuckDBEngine, SparkEngine
from analysis.lake.files import read_profile_json, write_dataset
from analysis.lake.run import LakeRun
from analysis.process_map import process_map
from analysis.variants import variants
from etl.profile import profile_from_store
from tests.analysis_logs import CaseAttrs, Inst

# Edge cases: a zone with a daylight-saving change inside the log, a holiday, instants tied
# at one moment, an open instance, instances without department or resource, parallel
# branches, a case of only an open instance, ping-pong across an unknown department, two
# cases of one variant, an event that forms no instance; outcomes not mapped (so "closed"
# follows the credible-open rule: end activities found in the log).
EDGE_PROFILE = {
    "timezone": "Europe/Amsterdam",
    "calendar": {
        "workdays": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "hours": ["08:30", "17:00"],
        "holidays": ["2025-03-31"],
    },
    "sla": {"cycle_time_hours": 100},
    "costs": {"信貸部": 50, "風險管理部": 80},
}
EDGE_ROWS = [
    Inst("D", "申請", "2025-03-28 09:00", "2025-03-28 09:30", "客戶經理部", "r1"),
    Inst("D", "資料審核", "2025-03-28 09:30", "2025-03-28 09:30", "信貸部", "r2"),
    Inst("D", "風險評估", "2025-03-28 09:30", "2025-03-31 10:00", "風險管理部", "r3"),
    Inst("D", "資料審核", "2025-04-01 08:00", "2025-04-01 09:00", "信貸部", "r2"),
    Inst("D", "審批", "2025-04-01 09:00", "2025-04-01 09:00", "審批委員會", None),
    Inst("D", "放款", "2025-04-01 09:00", "2025-04-01 09:00", "運營部", "r4"),
    Inst("E", "申請", "2025-04-02 10:00", None, "客戶經理部", None),
    Inst("F", "申請", "2025-03-29 10:00", "2025-03-29 11:00", None, None),
    Inst("F", "資料審核", "2025-03-29 11:00", "2025-03-29 12:00", "信貸部", "r2"),
    Inst("F", "補件", "2025-03-29 11:30", "2025-03-29 12:30", None, "r7"),
    Inst("F", "拒絕", "2025-04-03 16:00", "2025-04-03 16:05", "審批委員會", "r6"),
    Inst("G", "資料審核", "2025-03-27 10:00", "2025-03-27 11:00", "信貸部", "r2"),
    Inst("G", "補件", "2025-03-27 12:00", "2025-03-27 13:00", None, "r7"),
    Inst("G", "風險評估", "2025-03-27 14:00", "2025-03-27 15:00", "風險管理部", "r3"),
    Inst("G", "資料審核", "2025-03-28 10:00", "2025-03-28 11:00", "信貸部", "r2"),
    Inst("G", "風險評估", "2025-03-30 14:00", "2025-03-30 15:00", "風險管理部", "r3"),
    Inst("G", "放款", "2025-04-04 14:00", "2025-04-04 14:00", "運營部", "r4"),
    Inst("H", "資料審核", "2025-03-26 10:00", "2025-03-26 11:00", "信貸部", "r2"),
    Inst("H", "補件", "2025-03-26 12:00", "2025-03-26 13:00", None, "r8"),
    Inst("H", "風險評估", "2025-03-26 14:00", "2025-03-26 15:00", "風險管理部", "r3"),
    Inst("H", "資料審核", "2025-03-27 10:00", "2025-03-27 11:00", "信貸部", "r2"),
    Inst("H", "風險評估", "2025-03-27 14:00", "2025-03-27 15:00", "風險管理部", "r3"),
    Inst("H", "放款", "2025-03-27 16:00", "2025-03-27 16:00", "運營部", "r4"),
]
EDGE_ATTRS = {
    "D": CaseAttrs(amount=300_000, product="經營貸", branch="台北", other={"行業": "零售"}),
    "F": CaseAttrs(amount=90_000, product="消費貸", branch="台中"),
    "G": CaseAttrs(amount=300_000, product="經營貸", channel="online", other={"行業": "製造"}),
}

# BPI Challenge 2012 with a profile giving its three kinds of activity as departments (so
# handoffs and ping-pong exist), outcomes by end activity and the Dutch time zone (two
# daylight-saving changes inside the log).
_A = ["A_SUBMITTED", "A_PARTLYSUBMITTED", "A_PREACCEPTED", "A_ACCEPTED", "A_FINALIZED",
      "A_DECLINED", "A_CANCELLED", "A_APPROVED", "A_REGISTERED", "A_ACTIVATED"]  # fmt: skip
_O = ["O_SELECTED", "O_CREATED", "O_SENT", "O_SENT_BACK", "O_CANCELLED", "O_ACCEPTED",
      "O_DECLINED"]  # fmt: skip
_W = ["W_Completeren aanvraag", "W_Nabellen offertes", "W_Valideren aanvraag",
      "W_Afhandelen leads", "W_Beoordelen fraude", "W_Wijzigen contractgegevens",
      "W_Nabellen incomplete dossiers"]  # fmt: skip
BPIC_PROFILE = {
    "timezone": "Europe/Amsterdam",
    "departments": {
        "by_activity": {
            **dict.fromkeys(_A, "application"),
            **dict.fromkeys(_O, "offer"),
            **dict.fromkeys(_W, "work"),
        }
    },
    "outcomes": {"A_APPROVED": "approved", "A_DECLINED": "rejected", "A_CANCELLED": "withdrawn"},
    "sla": {"cycle_time_hours": 720},
    "costs": {"work": 40},
}

# Real numbers must agree to this relative (and absolute) difference: the same exact
# formula evaluated by two engines differs only by floating-point rounding (the order of a
# sum's terms, an interpolation's arithmetic). An approximate quantile would not pass.
TOLERANCE = 1e-9


def store_figures(con: duckdb.DuckDBPyConnection, dataset: str, f: Filters) -> dict[str, Any]:
    """Every lake figure of ``dataset`` under ``f``, by the store path."""
    activities, departments = bottleneck_tables(con, dataset, f)
    return {
        "kpis": kpis(con, dataset, f).to_json(),
        "handoffs": handoffs(con, dataset, f),
        "bottleneck_activities": activities,
        "bottleneck_departments": departments,
        "resources": resource_workload(con, dataset, f),
        "open_cases": open_cases_waiting(con, dataset, f, limit=50),
        "variants": variants(con, dataset, f, top=None).to_json(),
        "map": process_map(con, dataset, f).to_json(),
    }


def lake_figures(run: LakeRun, f: Filters) -> dict[str, Any]:
    """Every lake figure of the run's dataset under ``f``, by the lake definitions."""
    activities, departments = figures.bottleneck_tables(run, f)
    return {
        "kpis": figures.kpis(run, f).to_json(),
        "handoffs": figures.handoffs(run, f),
        "bottleneck_activities": activities,
        "bottleneck_departments": departments,
        "resources": figures.resource_workload(run, f),
        "open_cases": figures.open_cases_waiting(run, f, limit=50),
        "variants": figures.variants(run, f, top=None).to_json(),
        "map": figures.process_map(run, f).to_json(),
    }


def spark_run(spark: Any, con: duckdb.DuckDBPyConnection, dataset: str, lake: Path) -> LakeRun:
    """The lake derivations of a store's dataset on Spark: the dataset written to the lake
    at ``lake`` and read back from it (profile included), kept for the process by
    :func:`analysis.lake.lake_run`, so a dashboard reading that lake in the same process
    (tests/test_lake_pages.py) reuses them."""
    write_dataset(con, dataset, lake)
    run = lake_run("spark", dataset, lake=lake)  # kept for the process, as the dashboard's
    assert isinstance(run.engine, SparkEngine) and run.engine.spark is spark
    return run


def duckdb_lake_run(dataset: str, lake: Path) -> LakeRun:
    """The lake derivations of a dataset already in the lake, on DuckDB reading its Parquet."""
    profile = profile_from_store(read_profile_json(lake, dataset))
    run = LakeRun(DuckDBEngine(duckdb.connect(), lake), dataset, profile, uuid.uuid4().hex[:12])
    run.prepare()
    return run


def _plain(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return ("instant", stamp.value // 1000)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def assert_same(store: Any, lake: Any, where: str = "") -> None:
    """Fail unless the two results are the same: equal keys, columns, row order, text and
    counts; real numbers within :data:`TOLERANCE`."""
    if isinstance(store, pd.DataFrame):
        assert isinstance(lake, pd.DataFrame), where
        assert list(store.columns) == list(lake.columns), (where, list(lake.columns))
        assert len(store) == len(lake), (where, len(store), len(lake))
        for i, (a, b) in enumerate(
            zip(store.to_dict(orient="records"), lake.to_dict(orient="records"), strict=True)
        ):
            assert_same(a, b, f"{where}[{i}]")
        return
    if isinstance(store, dict):
        assert isinstance(lake, dict) and list(store) == list(lake), (where, store, lake)
        for key in store:
            assert_same(store[key], lake[key], f"{where}.{key}")
        return
    a, b = _plain(store), _plain(lake)
    if isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
        return
    if (
        isinstance(a, (int, float))
        and isinstance(b, (int, float))
        and not (isinstance(a, bool) or isinstance(b, bool))
    ):
        assert math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (where, a, b)
        return
    assert a == b, (where, a, b)


class LakeRuns:
    """The lake derivations of a store's datasets on Spark, prepared on first use and kept
    for the session, so every Spark test of a dataset (the parity suite's figures, the
    waiting causes) pays for its preparation once."""

    def __init__(self, spark: object, con: duckdb.DuckDBPyConnection, lake: Path) -> None:
        self.spark, self.con, self.lake = spark, con, lake
        self._runs: dict[str, LakeRun] = {}

    def __call__(self, dataset: str) -> LakeRun:
        """The dataset's run on Spark (written to the lake and prepared on first use)."""
        if dataset not in self._runs:
            self._runs[dataset] = spark_run(self.spark, self.con, dataset, self.lake)
        return self._runs[dataset]
