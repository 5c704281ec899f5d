"""Our engine against Prosimos, the field's simulator, on the same exported model.

A model discovered from the sample `before` log, reduced to what Prosimos's format
carries (one set of branch probabilities per activity, shared queues, no extraneous
delays, sessions, holidays or parallel groups; arrivals at one rate in the hours they
happen), is exported as BPMN + Prosimos JSON and simulated by both engines from an empty
bank. Tolerance: the median and p90 cycle time of 300 cases agree within 15% (each engine
the pool of three replications, Prosimos seeded through the global random generators it
draws from; the two differ by 1-2% when measured). One run of 300 cases is not enough:
with credit and risk near full use, single Prosimos runs' medians range from 69 h to 98 h.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.whatif.discover import discover_model
from analysis.whatif.export import prosimos_comparable, write_prosimos
from analysis.whatif.run import instance_frame, simulate_once
from etl.load import ingest
from etl.store import connect

pytestmark = pytest.mark.slow
SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def test_cycle_times_agree_with_prosimos(tmp_path: Path) -> None:
    from prosimos.simulation_engine import run_simulation

    con = connect(tmp_path / "store.duckdb")
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    model = prosimos_comparable(discover_model(con, "before", calibration_rounds=0))
    con.close()
    bpmn, params, log = tmp_path / "m.bpmn", tmp_path / "m.json", tmp_path / "prosimos.csv"
    write_prosimos(model, str(bpmn), str(params))
    runs = []
    for seed in (1, 2, 3):
        random.seed(seed)
        np.random.seed(seed)  # Prosimos draws from the global generators
        run_simulation(
            str(bpmn),
            str(params),
            300,
            log_out_path=str(log),
            starting_at="2025-03-03T00:00:00+00:00",
        )
        runs.append(pd.read_csv(log, parse_dates=["start_time", "end_time"]))
    theirs = pd.concat(runs, keys=range(3), names=["run"]).reset_index(level="run")
    spans = theirs.groupby(["run", "case_id"]).agg(a=("start_time", "min"), b=("end_time", "max"))
    prosimos = (spans["b"] - spans["a"]).dt.total_seconds() / 3600
    assert len(prosimos) == 900
    start = (pd.Timestamp("2025-03-03") - pd.Timestamp(0)).total_seconds()
    ours, instances = [], 0
    for seed in (1, 2, 3):
        frame = instance_frame(simulate_once(model, seed=seed, start=start, cases=300, warmup=0))
        instances += len(frame)
        case = frame.groupby("case").agg(a=("start", "min"), b=("end", "max"))
        ours.append((case["b"] - case["a"]) / 3600)
    pooled = pd.concat(ours)
    assert pooled.median() == pytest.approx(prosimos.median(), rel=0.15)
    assert pooled.quantile(0.9) == pytest.approx(prosimos.quantile(0.9), rel=0.15)
    # the same activities, in about the same numbers per case
    assert set(theirs["activity"]) <= set(model["activities"])
    per_case = len(theirs) / 900
    assert instances / 900 == pytest.approx(per_case, rel=0.15)


def test_the_model_command_exports_bpmn_and_prosimos_files(tmp_path: Path) -> None:
    """`loanflow model --bpmn --prosimos`: a BPMN with one task per activity and Prosimos's
    parameters for it (every gateway's branches adding up to one, a calendar and staff per
    department), which Prosimos runs as they are; --prosimos alone is refused."""
    import json
    import xml.etree.ElementTree as ET

    from click.testing import CliRunner
    from prosimos.simulation_engine import run_simulation

    from loanflow.cli import main

    db = tmp_path / "store.duckdb"
    con = connect(db)
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    con.close()
    model_json, bpmn, params = tmp_path / "m.json", tmp_path / "m.bpmn", tmp_path / "p.json"
    args = ["model", "before", "--db", str(db), "--out", str(model_json), "--no-validate"]
    result = CliRunner().invoke(
        main, [*args, "--bpmn", str(bpmn), "--prosimos", str(params), "--json"]
    )
    assert result.exit_code == 0, result.output
    model = json.loads(model_json.read_text(encoding="utf-8"))
    tasks = {
        e.get("name"): e.get("id")
        for e in ET.parse(bpmn).getroot().iter()
        if e.tag.endswith("}task")
    }
    assert set(tasks) == set(model["activities"])
    spec = json.loads(params.read_text(encoding="utf-8"))
    for gateway in spec["gateway_branching_probabilities"]:
        assert sum(p["value"] for p in gateway["probabilities"]) == pytest.approx(1.0, abs=1e-6)
    calendars = {c["id"] for c in spec["resource_calendars"]}
    assert {f"cal_{pool}" for pool in model["pools"]} <= calendars
    staffed = {r["id"] for p in spec["resource_profiles"] for r in p["resource_list"]}
    for pool, detail in model["pools"].items():
        assert {f"{pool}_{k}" for k in range(1, detail["size"] + 1)} <= staffed
    log = tmp_path / "prosimos.csv"
    run_simulation(
        str(bpmn), str(params), 20, log_out_path=str(log), starting_at="2025-03-03T00:00:00+00:00"
    )
    assert set(pd.read_csv(log)["activity"]) <= set(model["activities"])
    refused = CliRunner().invoke(main, [*args, "--prosimos", str(params)])
    assert refused.exit_code != 0 and "--prosimos needs --bpmn" in refused.output
