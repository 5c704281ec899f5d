"""Guardrail rules, handover networks, conformance and the derived tables, by hand and
against pm4py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.conformance import conformance
from analysis.kpis import kpis
from analysis.network import handover_network
from analysis.prepared_tables import ensure_derived, fingerprint
from analysis.rules import rule_results
from analysis.scope import make_scope
from etl.errors import BadInputError
from etl.store import connect
from tests.analysis_logs import CaseAttrs, Inst, make_log

RULES = {
    "risk_activities": ["風險評估"],
    "decision_activities": ["審批會議"],
    "compliance_activities": ["合規審查"],
    "compliance_amount_threshold": 1_000_000,
    "investigation_activities": ["信貸調查"],
    "approval_activities": ["審批會議"],
}
# R1 complies with everything. R2 is decided before any risk assessment (the one after
# does not count) and its approver investigated it. R3 is a large loan without compliance
# review. R4 is not decided: no rule applies.
RULE_ROWS = [
    Inst("R1", "信貸調查", "2025-01-06 09:00", "2025-01-06 10:00", "信貸部", "u1"),
    Inst("R1", "風險評估", "2025-01-06 11:00", "2025-01-06 12:00", "風險管理部", "u2"),
    Inst("R1", "合規審查", "2025-01-06 13:00", "2025-01-06 14:00", "法務合規部", "u3"),
    Inst("R1", "審批會議", "2025-01-06 15:00", "2025-01-06 16:00", "審批委員會", "u4"),
    Inst("R2", "信貸調查", "2025-01-06 09:00", "2025-01-06 10:00", "信貸部", "u1"),
    Inst("R2", "審批會議", "2025-01-06 11:00", "2025-01-06 12:00", "審批委員會", "u1"),
    Inst("R2", "風險評估", "2025-01-06 13:00", "2025-01-06 14:00", "風險管理部", "u2"),
    Inst("R3", "信貸調查", "2025-01-06 09:00", "2025-01-06 10:00", "信貸部", "u1"),
    Inst("R3", "風險評估", "2025-01-06 11:00", "2025-01-06 12:00", "風險管理部", "u2"),
    Inst("R3", "審批會議", "2025-01-06 15:00", "2025-01-06 16:00", "審批委員會", "u4"),
    Inst("R4", "信貸調查", "2025-01-06 09:00", "2025-01-06 10:00", "信貸部", "u1"),
]
ATTRS = {
    "R1": CaseAttrs(amount=2_000_000),
    "R2": CaseAttrs(amount=500_000),
    "R3": CaseAttrs(amount=3_000_000),
    "R4": CaseAttrs(amount=5_000_000),
}


def test_rules_by_hand(store: duckdb.DuckDBPyConnection) -> None:
    make_log(store, "r", RULE_ROWS, {"rules": RULES}, ATTRS)
    results = {r.rule: r for r in rule_results(store, "r")}
    risk = results["decided_without_risk_assessment"]
    assert (risk.checked, risk.decided_cases, risk.cases) == (True, 3, ["R2"])
    assert risk.share == pytest.approx(1 / 3)
    assert results["large_loan_without_compliance"].cases == ["R3"]
    assert results["approver_is_investigator"].cases == ["R2"]


def test_rules_not_configured(store: duckdb.DuckDBPyConnection) -> None:
    make_log(store, "r", RULE_ROWS, {"rules": {"decision_activities": ["審批會議"]}}, ATTRS)
    results = rule_results(store, "r")
    assert [r.checked for r in results] == [False, False, False]
    assert all(r.decided_cases == 3 and r.share is None for r in results)


def test_handover_network_matches_pm4py(store: duckdb.DuckDBPyConnection) -> None:
    import pm4py

    make_log(store, "r", RULE_ROWS, {"rules": RULES}, ATTRS)
    frame = pd.DataFrame(
        {
            "case:concept:name": [i.case_id for i in RULE_ROWS],
            "concept:name": [i.activity for i in RULE_ROWS],
            "org:resource": [i.resource for i in RULE_ROWS],
            "time:timestamp": pd.to_datetime([i.start for i in RULE_ROWS], utc=True),
        }
    )
    expected = pm4py.discover_handover_of_work_network(frame, beta=0).connections
    table = handover_network(store, "r", level="resource")
    ours = {(r["from"], r["to"]): r["share"] for r in table.to_dict(orient="records")}
    assert ours == pytest.approx(dict(expected))
    # by hand: 7 successions; u1 -> u2 in R1, R2 (審批會議 by u1, then u2) and R3
    assert table.set_index(["from", "to"]).loc[("u1", "u2"), "count"] == 3
    departments = handover_network(store, "r", level="department", include_self=False)
    assert int(departments["count"].sum()) == 7
    assert departments.iloc[0]["share"] == pytest.approx(2 / 7)


def _model(folder: Path) -> Path:
    import pm4py

    frame = pd.DataFrame(
        {
            "case:concept:name": ["1", "1", "1", "1"],
            "concept:name": ["信貸調查", "風險評估", "合規審查", "審批會議"],
            "time:timestamp": pd.date_range("2025-01-01", periods=4, freq="h"),
        }
    )
    target = folder / "model.bpmn"
    pm4py.write_bpmn(pm4py.discover_bpmn_inductive(frame), str(target))
    return target


def test_conformance_by_hand(store: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    make_log(store, "r", RULE_ROWS, {"rules": RULES}, ATTRS)
    model = _model(tmp_path)
    result = conformance(store, "r", None, model)
    per_case = result.per_case.set_index("case_id")
    assert per_case.loc["R1", "fitness"] == 1.0 and per_case.loc["R1", "is_fit"]
    assert not per_case.loc["R3", "is_fit"]  # skipped 合規審查
    assert result.fit_case_share == pytest.approx(1 / 4)
    exact = conformance(store, "r", None, model, method="alignments")
    moves = exact.per_case.set_index("case_id")["deviations"]
    assert list(moves["R3"]) == ["model move (skipped): 合規審查"]
    assert list(moves["R1"]) == []
    assert set(moves["R4"]) == {
        "model move (skipped): 風險評估",
        "model move (skipped): 合規審查",
        "model move (skipped): 審批會議",
    }
    # the least fitting cases: lowest fitness first, ties by case id (sorted here in Python)
    ranked = sorted(zip(exact.per_case["fitness"], exact.per_case["case_id"], strict=True))
    assert list(exact.least_fitting(3)["case_id"]) == [c for _, c in ranked[:3]]
    assert ranked[-1] == (1.0, "R1")
    listed = exact.to_json(max_cases=2)["least_fitting_cases"]
    assert [c["case_id"] for c in listed] == [c for _, c in ranked[:2]]
    with pytest.raises(BadInputError, match="No model file"):
        conformance(store, "r", None, tmp_path / "missing.bpmn")


def test_derived_tables_follow_a_replaced_dataset(store: duckdb.DuckDBPyConnection) -> None:
    from analysis.prepared_tables import prepare

    make_log(store, "r", RULE_ROWS[:4])
    assert prepare(store, "r").instances == "main.analysis_instances"
    assert store.execute("SELECT count(*) FROM analysis_state").fetchone() == (1,)
    assert kpis(store, "r").activity_instances == 4
    first = fingerprint(store, "r")
    stored = store.execute("SELECT count(*) FROM analysis_instances WHERE dataset = 'r'").fetchone()
    assert stored == (4,)
    # replace the dataset: a new load time and counts give a new fingerprint
    for table in ("datasets", "events", "activity_instances", "cases"):
        column = "name" if table == "datasets" else "dataset"
        store.execute(f"DELETE FROM {table} WHERE {column} = 'r'")
    make_log(store, "r", RULE_ROWS)
    assert fingerprint(store, "r") != first
    assert kpis(store, "r").activity_instances == len(RULE_ROWS)
    assert store.execute(
        "SELECT count(*), count(DISTINCT case_id) FROM analysis_instances WHERE dataset = 'r'"
    ).fetchone() == (len(RULE_ROWS), 4)


def test_read_only_store_builds_private_tables(db_path: Path) -> None:
    con = connect(db_path)
    make_log(con, "r", RULE_ROWS, {"rules": RULES}, ATTRS)
    writable = kpis(con, "r")
    con.execute("DELETE FROM analysis_state")  # as if never built
    con.close()
    reader = connect(db_path, read_only=True)
    try:
        tables = ensure_derived(reader, make_scope(reader, "r"))
        assert tables.instances.startswith("temp.")
        assert kpis(reader, "r") == writable
    finally:
        reader.close()


def test_alignments_refuse_too_many_variants(
    store: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    make_log(store, "r", RULE_ROWS, {"rules": RULES}, ATTRS)
    with pytest.raises(BadInputError, match="4 variants; alignments are meant for at most 2"):
        conformance(store, "r", None, _model(tmp_path), "alignments", max_alignment_variants=2)


def test_concurrent_first_views_build_once(store: duckdb.DuckDBPyConnection) -> None:
    from concurrent.futures import ThreadPoolExecutor

    make_log(store, "r", RULE_ROWS, {"rules": RULES}, ATTRS)

    def view(_: int) -> object:
        cursor = store.cursor()
        try:
            return kpis(cursor, "r")
        finally:
            cursor.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(view, range(4)))
    assert all(r == results[0] for r in results)
    assert store.execute("SELECT count(*) FROM analysis_state WHERE dataset = 'r'").fetchone() == (
        1,
    )
