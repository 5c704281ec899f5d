"""The analysis preparation joins by hash, never row by row.

Its statements once held a LEFT JOIN whose ON clause carried a flag of one side (``c.handoff
AND ...``): DuckDB could not hash it and joined block by block, quadratic in the size of
the dataset (48,310 cases took 243 s). Here DuckDB's own plan of every preparation
statement, on a store loaded from the sample log, is read for joins that compare every
row with every row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from analysis.cache import STORED
from analysis.prepared_tables import preparation_statements, prepare
from analysis.scope import make_scope
from etl.load import ingest
from etl.store import connect

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"

# Operators that pair every row of one side with every row of the other.
QUADRATIC = {"NESTED_LOOP_JOIN", "BLOCKWISE_NL_JOIN", "CROSS_PRODUCT"}

# (statement, operator, text of its condition) of quadratic joins known to be tiny, each
# with the reason it stays tiny whatever the dataset's size. None today: every join of the
# preparation is a hash join or the predecessor's ASOF join.
TINY: dict[tuple[str, str, str], str] = {}


def _profile(variant: str) -> dict[str, Any]:
    """The sample's own profile (a zone without daylight saving, holidays, costs), or one
    that takes the other branches of the SQL (a zone with daylight saving, no holidays,
    no costs)."""
    profile: dict[str, Any] = yaml.safe_load(
        (SAMPLES / "after.profile.yaml").read_text(encoding="utf-8")
    )
    if variant == "dst":
        profile["timezone"] = "Europe/Berlin"
        profile["calendar"]["holidays"] = []
        profile.pop("costs")
    return profile


@pytest.fixture(scope="module", params=["sample", "dst"])
def prepared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[tuple[str, str, list[Any]]]]]:
    """A store holding the sample log 'after', prepared, with the preparation's statements."""
    con = connect(tmp_path_factory.mktemp("plans") / "store.duckdb")
    ingest(SAMPLES / "after.xes.gz", "after", con=con, profile=_profile(request.param))
    prepare(con, "after")
    yield con, preparation_statements(con, make_scope(con, "after"), STORED)
    con.close()


def plan_joins(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]
) -> list[tuple[str, str]]:
    """(operator, condition) of every join and cross product in DuckDB's plan of ``sql``."""
    rows = con.execute(f"EXPLAIN (FORMAT json) {sql}", params).fetchall()
    found: list[tuple[str, str]] = []
    pending: list[dict[str, Any]] = list(json.loads(rows[0][1]))
    while pending:
        node = pending.pop()
        name = str(node.get("name", ""))
        if "JOIN" in name or name == "CROSS_PRODUCT":
            info = node.get("extra_info", {})
            found.append((name, str(info.get("Condition", info.get("Conditions", "")))))
        pending.extend(node.get("children", []))
    return found


def quadratic_joins(
    con: duckdb.DuckDBPyConnection, statement: str, sql: str, params: list[Any]
) -> list[tuple[str, str]]:
    """The joins of ``sql`` that compare row by row and are not known to be tiny."""
    return [
        (name, condition)
        for name, condition in plan_joins(con, sql, params)
        if name in QUADRATIC and (statement, name, condition) not in TINY
    ]


def _name(table: str) -> str:
    return table.rsplit(".", 1)[1]


def test_every_preparation_join_is_hashed(
    prepared: tuple[duckdb.DuckDBPyConnection, list[tuple[str, str, list[Any]]]],
) -> None:
    con, statements = prepared
    assert [_name(table) for table, _, _ in statements] == [
        "analysis_instances",
        "analysis_pingpong",
        "analysis_cases",
    ]
    for table, sql, params in statements:
        joins = plan_joins(con, sql, params)
        assert any(name == "HASH_JOIN" for name, _ in joins), (table, joins)  # the plan was read
        assert quadratic_joins(con, _name(table), sql, params) == [], table
    instances_plan = plan_joins(con, *statements[0][1:])
    assert [name for name, _ in instances_plan].count("ASOF_JOIN") == 1  # the predecessor


def test_the_guard_sees_the_join_that_once_was_quadratic(
    prepared: tuple[duckdb.DuckDBPyConnection, list[tuple[str, str, list[Any]]]],
) -> None:
    con, statements = prepared
    _, sql, params = statements[0]
    join = "LEFT JOIN fh ON fh.case_no = c.case_no"
    assert join in sql
    regressed = sql.replace(join, "LEFT JOIN fh ON c.handoff AND fh.case_no = c.case_no")
    found = quadratic_joins(con, "analysis_instances", regressed, params)
    assert [name for name, _ in found] == ["BLOCKWISE_NL_JOIN"]
    assert "handoff" in found[0][1]
