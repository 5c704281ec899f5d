"""The shared figures on the shipped sample logs, loaded by the real loader, against the
generator's ground truth (computed from its own simulation) and against pm4py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from analysis.case_metrics import case_metrics
from analysis.conformance import conformance, load_model
from analysis.handoffs import handoffs
from analysis.kpis import kpis
from analysis.process_map import END, START, process_map
from analysis.rules import rule_results
from analysis.variants import variants
from etl.load import ingest
from etl.store import connect

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
TRUTH = json.loads((SAMPLES / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("samples") / "store.duckdb")
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    ingest(SAMPLES / "after.xes.gz", "after", con=con, profile=SAMPLES / "after.profile.yaml")
    yield con
    con.close()


@pytest.mark.parametrize("name", ["before", "after"])
def test_kpis_match_the_generator(samples: duckdb.DuckDBPyConnection, name: str) -> None:
    truth = TRUTH[name]
    k = kpis(samples, name).to_json()
    assert (k["cases"], k["events"], k["activity_instances"]) == (
        truth["cases"],
        truth["events"],
        truth["activity_instances"],
    )
    for key in ("cycle_time_hours", "cycle_time_working_hours"):
        for stat in ("median", "mean", "p90"):
            assert k[key][stat] == pytest.approx(truth[key][stat], abs=0.01), (key, stat)
    for outcome, share in truth["outcome_share"].items():
        assert k["outcome_share"][outcome] == pytest.approx(share, abs=1e-4)
    assert k["rework_share"] == pytest.approx(truth["rework_share"], abs=1e-4)
    # "by start" leaves simultaneous starts unordered: the store breaks ties by end and
    # instance id, the generator by creation order; only cases with such ties may differ.
    tied = samples.execute(
        "SELECT count(DISTINCT a.case_id) FROM activity_instances a JOIN activity_instances b"
        " ON a.dataset = b.dataset AND a.case_id = b.case_id AND a.start_ts = b.start_ts"
        " AND a.instance_id < b.instance_id AND a.department <> b.department"
        " WHERE a.dataset = ?",
        [name],
    ).fetchone()
    assert tied is not None
    bound = tied[0] / truth["cases"] + 1e-4
    assert abs(k["pingpong_share"] - truth["pingpong_share"]) <= bound


@pytest.mark.parametrize("name", ["before", "after"])
def test_guardrails_match_the_generator(samples: duckdb.DuckDBPyConnection, name: str) -> None:
    found = {r.rule: r.breaking_cases for r in rule_results(samples, name)}
    assert found == TRUTH[name]["guardrail_breaches"]


@pytest.mark.parametrize("name", ["before", "after"])
def test_handoffs_match_the_generator(samples: duckdb.DuckDBPyConnection, name: str) -> None:
    table = handoffs(samples, name)
    truth = TRUTH[name]["handoffs_by_predecessor"]  # the top pairs by total waiting
    mine = table.head(len(truth)).to_dict(orient="records")
    assert [(r["from"], r["to"]) for r in mine] == [(h["from"], h["to"]) for h in truth]
    for ours, expected in zip(mine, truth, strict=True):
        assert (ours["count"], ours["cases"]) == (expected["count"], expected["cases"])
        assert ours["median_wait_hours"] == pytest.approx(expected["median_wait_hours"], abs=0.01)
        assert ours["total_wait_hours"] == pytest.approx(expected["total_wait_hours"], abs=0.1)


def _pm4py_frame(name: str) -> pd.DataFrame:
    """The sample log read independently of LoanFlow's loader, as pm4py columns."""
    import pm4py

    if name == "before":
        raw = pd.read_csv(SAMPLES / "before.csv", encoding="gb18030")
        frame = pd.DataFrame(
            {
                "case:concept:name": raw["申請編號"].astype(str),
                "concept:name": raw["活動"],
                "start_timestamp": pd.to_datetime(raw["開始時間"], utc=True),
                "time:timestamp": pd.to_datetime(raw["結束時間"], utc=True),
            }
        )
    else:
        log = pm4py.read_xes(str(SAMPLES / "after.xes.gz"))
        frame = _intervals(log)
    return frame


def _intervals(log: pd.DataFrame) -> pd.DataFrame:
    """Pair start/complete events of an event log into instances (first open start)."""
    log = log.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    rows: list[dict[str, Any]] = []
    open_starts: dict[tuple[str, str], list[Any]] = {}
    for case, activity, ts, life in zip(
        log["case:concept:name"],
        log["concept:name"],
        log["time:timestamp"],
        log["lifecycle:transition"],
        strict=True,
    ):
        key = (str(case), str(activity))
        if str(life).lower() == "start":
            open_starts.setdefault(key, []).append(ts)
        elif str(life).lower() == "complete":
            starts = open_starts.get(key)
            start = starts.pop(0) if starts else ts
            rows.append(
                {
                    "case:concept:name": key[0],
                    "concept:name": key[1],
                    "start_timestamp": start,
                    "time:timestamp": ts,
                }
            )
    for (case, activity), starts in open_starts.items():
        for start in starts:
            rows.append(
                {
                    "case:concept:name": case,
                    "concept:name": activity,
                    "start_timestamp": start,
                    "time:timestamp": pd.NaT,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", ["before", "after"])
def test_start_order_map_and_variants_match_pm4py(
    samples: duckdb.DuckDBPyConnection, name: str
) -> None:
    import pm4py

    frame = _pm4py_frame(name)
    # instances by start, ties by end then activity (the store numbers instances so)
    frame = frame.sort_values(
        ["case:concept:name", "start_timestamp", "time:timestamp", "concept:name"], kind="stable"
    )
    dfg, starts, ends = pm4py.discover_dfg(
        frame,
        activity_key="concept:name",
        case_id_key="case:concept:name",
        timestamp_key="start_timestamp",
    )
    edges = process_map(samples, name, order="start").edges
    mine = {(r["from"], r["to"]): int(r["count"]) for r in edges.to_dict(orient="records")}
    assert {k: v for k, v in mine.items() if START not in k and END not in k} == dict(dfg)
    assert {b: v for (a, b), v in mine.items() if a == START} == dict(starts)
    assert {a: v for (a, b), v in mine.items() if b == END} == dict(ends)
    pm_variants = pm4py.get_variants(
        frame,
        activity_key="concept:name",
        case_id_key="case:concept:name",
        timestamp_key="start_timestamp",
    )
    ours = variants(samples, name, top=None).top
    assert {tuple(r.activities): int(r.cases) for r in ours.itertuples()} == {
        tuple(k): int(v) for k, v in pm_variants.items()
    }


@pytest.mark.parametrize("name", ["before", "after"])
def test_case_durations_match_pm4py(samples: duckdb.DuckDBPyConnection, name: str) -> None:
    import pm4py

    frame = _pm4py_frame(name)
    events = pd.concat(
        [
            frame.drop(columns="time:timestamp").rename(
                columns={"start_timestamp": "time:timestamp"}
            ),
            frame.drop(columns="start_timestamp").dropna(subset=["time:timestamp"]),
        ]
    )
    durations = pm4py.get_all_case_durations(
        events,
        activity_key="concept:name",
        case_id_key="case:concept:name",
        timestamp_key="time:timestamp",
    )
    ours = case_metrics(samples, name)["cycle_time_hours"] * 3600
    assert sorted(ours) == pytest.approx(sorted(durations), abs=1e-3)


def test_conformance_fitness_matches_pm4py(samples: duckdb.DuckDBPyConnection) -> None:
    import pm4py

    frame = _pm4py_frame("before").sort_values(
        ["case:concept:name", "start_timestamp", "time:timestamp", "concept:name"], kind="stable"
    )
    net, im, fm = load_model(SAMPLES / "to_be.bpmn")
    expected = pm4py.fitness_token_based_replay(
        frame,
        net,
        im,
        fm,
        activity_key="concept:name",
        case_id_key="case:concept:name",
        timestamp_key="start_timestamp",
    )
    result = conformance(samples, "before", None, SAMPLES / "to_be.bpmn")
    assert result.cases == TRUTH["before"]["cases"]
    assert result.fitness == pytest.approx(expected["log_fitness"], abs=1e-9)
    assert result.fit_case_share == pytest.approx(expected["perc_fit_traces"] / 100, abs=1e-9)
    after = conformance(samples, "after", None, SAMPLES / "to_be.bpmn")
    assert after.fitness is not None and after.fitness > result.fitness  # the to-be process
