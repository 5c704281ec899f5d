"""SQL injection strings in filters, dataset names, column names and profiles do no harm.

Every value reaches DuckDB as a bound parameter or a quoted identifier: a hostile string is
data (stored and matched literally), an unknown name is a clear LoanFlowError, and the
store's tables and other datasets are untouched.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.bottlenecks import activity_bottlenecks
from analysis.case_metrics import case_metrics
from analysis.filters import Filters
from analysis.handoffs import handoffs
from analysis.kpis import kpis
from analysis.process_map import process_map
from analysis.variants import variants
from etl.errors import LoanFlowError, UnknownDatasetError
from etl.load import drop_dataset, ingest
from etl.store import connect
from loanflow.cli import main

INJECTIONS = [
    "'; DROP TABLE events; --",
    '"; DROP TABLE events; --',
    "x' OR '1'='1",
    "') OR 1=1 --",
    "\\'; DELETE FROM datasets; --",
    "$.a') = 'x' OR ('1",
    "%' OR dataset LIKE '%",
    "名稱'); DROP TABLE cases;--",
]
HOSTILE_NAME = "loans'; DROP TABLE events; --"
HOSTILE_COLUMN = 'branch"; DROP TABLE cases; --'
ANALYSES = [kpis, handoffs, variants, process_map, case_metrics, activity_bottlenecks]


def write_log(path: Path) -> None:
    """Six cases over two departments; hostile text in values and in a column name."""
    quoted_column = '"' + HOSTILE_COLUMN.replace('"', '""') + '"'
    header = f"case_id,activity,timestamp,resource,department,{quoted_column}"
    rows = [header]
    for case in range(6):
        activity_b = INJECTIONS[case % len(INJECTIONS)].replace('"', '""')
        for step, (activity, department) in enumerate(
            [("申請", "客戶經理部"), (f'"{activity_b}"', "信貸部"), ("放款", "運營部")]
        ):
            rows.append(
                f"c{case},{activity},2025-01-0{1 + step} 10:00:00,u{case},{department},b{case % 2}"
            )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    digest = hashlib.sha256()
    tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
    for table in ("datasets", "events", "activity_instances", "cases", "rejects"):
        assert table in tables
        digest.update(repr(con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()).encode())
    return digest.hexdigest()


def _two_datasets(db: Path, folder: Path) -> Path:
    log = folder / "hostile.csv"
    write_log(log)
    ingest(log, "other", db=db)
    ingest(log, HOSTILE_NAME, db=db)
    return db


@pytest.fixture(scope="module")
def store_with_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the same log as 'other' and under a hostile name (tests only read it)."""
    folder = tmp_path_factory.mktemp("injection")
    return _two_datasets(folder / "store.duckdb", folder)


def test_hostile_dataset_name_and_column_are_stored_literally(store_with_logs: Path) -> None:
    con = connect(store_with_logs)
    names = [r[0] for r in con.execute("SELECT name FROM datasets ORDER BY name").fetchall()]
    assert names == sorted(["other", HOSTILE_NAME])
    counts = con.execute(
        "SELECT count(*) FILTER (WHERE dataset = ?), count(*) FILTER (WHERE dataset = 'other')"
        " FROM events",
        [HOSTILE_NAME],
    ).fetchone()
    assert counts == (18, 18)
    activities = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT activity FROM events WHERE dataset = ?", [HOSTILE_NAME]
        ).fetchall()
    }
    assert set(INJECTIONS[:6]) <= activities
    attribute_names = con.execute(
        "SELECT DISTINCT unnest(json_keys(attributes)) FROM cases WHERE dataset = ?",
        [HOSTILE_NAME],
    ).fetchall()
    assert (HOSTILE_COLUMN,) in attribute_names
    con.close()


@pytest.mark.parametrize("analysis", ANALYSES, ids=lambda f: f.__name__)
def test_hostile_dataset_name_analyses_like_any_other(store_with_logs: Path, analysis: Any) -> None:
    con = connect(store_with_logs)
    assert _comparable(analysis(con, HOSTILE_NAME, Filters())) == _comparable(
        analysis(con, "other", Filters())
    )
    con.close()


def _comparable(result: Any) -> Any:
    """A result with the dataset's name taken out, so two datasets' results compare."""
    if isinstance(result, pd.DataFrame):
        frame = result.drop(columns=[c for c in ("dataset",) if c in result]).astype(object)
        return frame.where(frame.notna(), None).to_dict("list")
    if hasattr(result, "to_json"):
        data = result.to_json()
        data.pop("dataset", None)
        return data
    if hasattr(result, "__dataclass_fields__"):
        from dataclasses import asdict

        data = asdict(result)
        data.pop("dataset", None)
        return repr(data)
    return repr(result)


@pytest.mark.parametrize("injection", INJECTIONS)
@pytest.mark.parametrize("analysis", ANALYSES, ids=lambda f: f.__name__)
def test_injection_as_unknown_dataset_is_a_clear_error(
    store_with_logs: Path, analysis: Any, injection: str
) -> None:
    con = connect(store_with_logs)
    before = fingerprint(con)
    with pytest.raises(UnknownDatasetError):
        analysis(con, injection, Filters())
    assert fingerprint(con) == before
    con.close()


def hostile_filters(injection: str) -> list[Filters]:
    return [
        Filters(products=(injection,)),
        Filters(branches=(injection,)),
        Filters(channels=(injection,)),
        Filters(outcomes=(injection,)),
        Filters(departments=(injection,)),
        Filters(variant=(injection, "放款")),
        Filters(attributes=((injection, "b0"),)),
        Filters(attributes=((HOSTILE_COLUMN, injection),)),
        Filters(attributes=(("amount", injection),)),
    ]


@pytest.mark.parametrize("injection", INJECTIONS)
def test_injection_in_filters_selects_nothing_and_harms_nothing(
    store_with_logs: Path, injection: str
) -> None:
    con = connect(store_with_logs)
    before = fingerprint(con)
    for filters in hostile_filters(injection):
        metrics = case_metrics(con, HOSTILE_NAME, filters)
        assert len(metrics) == 0, filters
        assert kpis(con, HOSTILE_NAME, filters).cases == 0
    assert fingerprint(con) == before
    con.close()


def test_filters_match_hostile_values_literally(store_with_logs: Path) -> None:
    """A hostile string that IS a value selects exactly the cases holding it."""
    con = connect(store_with_logs)
    for case, injection in enumerate(INJECTIONS[:6]):
        chosen = Filters(variant=("申請", injection, "放款"))
        assert list(case_metrics(con, HOSTILE_NAME, chosen)["case_id"]) == [f"c{case}"]
    by_column = Filters(attributes=((HOSTILE_COLUMN, "b1"),))
    assert sorted(case_metrics(con, HOSTILE_NAME, by_column)["case_id"]) == ["c1", "c3", "c5"]
    con.close()


@pytest.mark.parametrize("injection", INJECTIONS)
def test_injection_in_profile_column_mapping_is_a_clear_error(
    store_with_logs: Path, tmp_path: Path, injection: str
) -> None:
    log = tmp_path / "again.csv"
    write_log(log)
    con = connect(store_with_logs)
    before = fingerprint(con)
    con.close()
    with pytest.raises(LoanFlowError):
        ingest(
            log,
            "third",
            db=store_with_logs,
            profile={"columns": {"case_id": injection, "department": injection}},
        )
    con = connect(store_with_logs)
    assert fingerprint(con) == before
    con.close()


def test_injection_in_profile_costs_outcomes_and_departments(db_path: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    write_log(log)
    hostile = INJECTIONS[0]
    profile = {
        "costs": {hostile: 100.0, "信貸部": 200.0},
        "outcomes": {"放款": "approved", hostile: "rejected"},
        "departments": {"by_activity": {hostile: hostile}},
        "case_attributes": {"branch": HOSTILE_COLUMN},
        "sla": {"cycle_time_hours": 72},
    }
    ingest(log, "costed", db=db_path, profile=profile)
    con = connect(db_path)
    result = kpis(con, "costed", Filters())
    assert result.cases == 6
    assert result.outcome_share["approved"] == pytest.approx(1.0)
    assert con.execute("SELECT count(*) FROM events").fetchone() == (18,)
    con.close()


def test_injection_in_timezone_is_refused_by_the_profile(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    write_log(log)
    with pytest.raises(LoanFlowError, match="time zone"):
        ingest(
            log,
            "tz",
            db=tmp_path / "s.duckdb",
            profile={"timezone": "UTC'; DROP TABLE events; --"},
        )


@pytest.mark.parametrize("injection", INJECTIONS)
def test_cli_with_hostile_dataset_names(store_with_logs: Path, injection: str) -> None:
    runner = CliRunner()
    con = connect(store_with_logs)
    before = fingerprint(con)
    con.close()
    result = runner.invoke(main, ["kpis", injection, "--db", str(store_with_logs), "--json"])
    assert result.exit_code == 2, result.output
    assert "No dataset named" in result.output
    assert "Traceback" not in result.output
    con = connect(store_with_logs)
    assert fingerprint(con) == before
    con.close()


def test_dropping_the_hostile_dataset_leaves_the_other(db_path: Path, tmp_path: Path) -> None:
    con = connect(_two_datasets(db_path, tmp_path))
    drop_dataset(con, HOSTILE_NAME)
    assert [r[0] for r in con.execute("SELECT name FROM datasets").fetchall()] == ["other"]
    assert con.execute("SELECT count(*) FROM events").fetchone() == (18,)
    assert con.execute("SELECT count(*) FROM cases").fetchone() == (6,)
    con.close()
