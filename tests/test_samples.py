"""The sample-log generator: reproducible files, the before/after story, the calendar.

Figures are recomputed here with pandas straight from the written files, independently
of the simulator's records, and compared with what the simulator says it did.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import date, time, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from sample_logs import (
    AFTER_LOG,
    AFTER_PROFILE,
    BEFORE_LOG,
    BEFORE_PROFILE,
    GROUND_TRUTH,
    TO_BE_BPMN,
)
from sample_logs.bpmn import model_signature
from sample_logs.engine import simulate
from sample_logs.generate import generate_log
from sample_logs.ground_truth import ground_truth
from sample_logs.names import ACTIVITIES, DEPARTMENTS
from sample_logs.scenarios import AFTER, BEFORE

XES = "{http://www.xes-standard.org/}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- reading the files back, independently of the generator ----------------------------


def read_xes_instances(path: Path) -> pd.DataFrame:
    """Pair start/complete events of an XES file into instances (stdlib XML parser)."""
    rows = []
    with gzip.open(path, "rb") as handle:
        root = ET.parse(handle).getroot()
    for trace in root.iter(f"{XES}trace"):
        attrs = {a.get("key"): a.get("value") for a in trace if a.tag != f"{XES}event"}
        open_starts: dict[str, list[dict[str, str]]] = {}
        for event in trace.iter(f"{XES}event"):
            values = {a.get("key"): a.get("value") for a in event}
            activity = values["concept:name"]
            if values["lifecycle:transition"] == "start":
                open_starts.setdefault(activity, []).append(values)
                continue
            start = open_starts[activity].pop(0)
            rows.append(
                {
                    "case_id": attrs["concept:name"],
                    "activity": activity,
                    "start": start["time:timestamp"],
                    "end": values["time:timestamp"],
                    "resource": values["org:resource"],
                    "department": values["org:group"],
                    "amount": int(attrs["貸款金額"]),
                }
            )
    frame = pd.DataFrame(rows)
    frame["start"] = pd.to_datetime(frame["start"], format="ISO8601")
    frame["end"] = pd.to_datetime(frame["end"], format="ISO8601")
    return frame


def read_before_instances(path: Path) -> pd.DataFrame:
    """The GB18030 instance-layout CSV, renamed to neutral column names."""
    frame = pd.read_csv(path, encoding="gb18030")
    frame = frame.rename(
        columns={
            "申請編號": "case_id",
            "活動": "activity",
            "開始時間": "start",
            "結束時間": "end",
            "經辦人": "resource",
            "部門": "department",
            "貸款金額": "amount",
        }
    )
    frame["start"] = pd.to_datetime(frame["start"], format="ISO8601")
    frame["end"] = pd.to_datetime(frame["end"], format="ISO8601")
    return frame


@pytest.fixture(scope="module")
def before_instances() -> pd.DataFrame:
    return read_before_instances(BEFORE_LOG)


@pytest.fixture(scope="module")
def after_instances() -> pd.DataFrame:
    return read_xes_instances(AFTER_LOG)


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))


def per_case(instances: pd.DataFrame) -> pd.DataFrame:
    """Cycle time, outcome, rework, ping-pong and re-verification per case (pandas)."""
    ordered = instances.sort_values(["case_id", "start", "end"], kind="stable")
    grouped = ordered.groupby("case_id", sort=True)
    cycle = (grouped["end"].max() - grouped["start"].min()).dt.total_seconds() / 3600
    last = grouped["activity"].agg(lambda acts: [a for a in acts if a in OUTCOME][-1])

    def pingpong(departments: pd.Series) -> bool:
        runs = [d for i, d in enumerate(departments) if i == 0 or d != departments.iloc[i - 1]]
        return any(runs[i] == runs[i + 2] for i in range(len(runs) - 2))

    return pd.DataFrame(
        {
            "cycle_hours": cycle,
            "outcome": last.map(OUTCOME),
            "rework": grouped["activity"].agg(lambda a: a.duplicated().any()),
            "pingpong": grouped["department"].agg(pingpong),
            "reverified": grouped["activity"].agg(lambda a: (a == "風險複核").any()),
        }
    )


OUTCOME = {"放款": "approved", "拒絕通知": "rejected", "客戶撤回": "withdrawn"}


# -- the committed logs tell the story ----------------------------------------------------


def test_committed_logs_have_about_two_thousand_cases(before_instances, after_instances) -> None:
    assert before_instances["case_id"].nunique() == 2000
    assert after_instances["case_id"].nunique() == 2000
    assert BEFORE_LOG.stat().st_size < 3_500_000
    assert AFTER_LOG.stat().st_size < 2_000_000


def test_after_is_much_faster_with_less_rework_and_similar_approval(
    before_instances, after_instances
) -> None:
    before, after = per_case(before_instances), per_case(after_instances)
    assert after["cycle_hours"].median() < 0.4 * before["cycle_hours"].median()
    assert after["reverified"].mean() < 0.3 * before["reverified"].mean()
    assert after["pingpong"].mean() < 0.5 * before["pingpong"].mean()
    assert after["rework"].mean() < 0.5 * before["rework"].mean()

    def approval(cases: pd.DataFrame) -> float:
        decided = cases[cases["outcome"].isin(["approved", "rejected"])]
        return float((decided["outcome"] == "approved").mean())

    assert abs(approval(after) - approval(before)) < 0.05
    assert 0.55 < approval(before) < 0.8


@pytest.mark.parametrize("scenario", ["before", "after"])
def test_ground_truth_matches_the_written_log(
    scenario: str, truth: dict, before_instances, after_instances
) -> None:
    instances = before_instances if scenario == "before" else after_instances
    cases = per_case(instances)
    figures = truth[scenario]
    assert figures["cases"] == len(cases)
    assert figures["activity_instances"] == len(instances)
    assert figures["cycle_time_hours"]["median"] == pytest.approx(
        cases["cycle_hours"].median(), abs=0.01
    )
    assert figures["rework_share"] == pytest.approx(cases["rework"].mean(), abs=1e-4)
    assert figures["pingpong_share"] == pytest.approx(cases["pingpong"].mean(), abs=0.005)
    assert figures["reverification_share"] == pytest.approx(cases["reverified"].mean(), abs=1e-4)
    shares = cases["outcome"].value_counts(normalize=True)
    for outcome, share in figures["outcome_share"].items():
        assert share == pytest.approx(shares.get(outcome, 0.0), abs=1e-4)


def test_default_rate_is_realistic_and_not_worse_after(truth: dict) -> None:
    before, after = truth["before"], truth["after"]
    assert 0.005 < before["default_rate_of_approved"] < 0.06
    assert after["expected_default_rate_of_approved"] <= before["expected_default_rate_of_approved"]


# -- guardrails: a few breaches before, none after ----------------------------------------


def guardrail_breaches(instances: pd.DataFrame) -> dict[str, int]:
    """Breaches of the three loan guardrails, counted from the log alone."""
    counts = {"risk": 0, "compliance": 0, "four_eyes": 0}
    for _, case in instances.groupby("case_id"):
        decisions = case[case["activity"].isin(["審批會議", "自動審批"])]
        if decisions.empty:
            continue
        decided_at = decisions["start"].min()
        risk = case[case["activity"].isin(["風險評估", "自動評分"])]
        if risk.empty or risk["end"].min() > decided_at:
            counts["risk"] += 1
        if case["amount"].iloc[0] > 3_000_000 and not (case["activity"] == "合規審查").any():
            counts["compliance"] += 1
        investigators = set(case.loc[case["activity"] == "信貸調查", "resource"])
        approvers = set(case.loc[case["activity"] == "審批會議", "resource"])
        if investigators & approvers:
            counts["four_eyes"] += 1
    return counts


def test_guardrails_hold_after_and_break_rarely_before(
    before_instances, after_instances, truth: dict
) -> None:
    before = guardrail_breaches(before_instances)
    after = guardrail_breaches(after_instances)
    assert after == {"risk": 0, "compliance": 0, "four_eyes": 0}
    assert all(0 < count < 60 for count in before.values()), before
    breaches = truth["before"]["guardrail_breaches"]
    assert breaches["decided_without_risk_assessment"] == before["risk"]
    assert breaches["large_loan_without_compliance"] == before["compliance"]
    assert breaches["approver_is_investigator"] == before["four_eyes"]


# -- nobody works outside the calendar -----------------------------------------------------


def _holidays(profile_path: Path) -> set[date]:
    profile = yaml.safe_load(profile_path.read_text(encoding="utf-8"))
    return set(profile["calendar"]["holidays"])


def assert_inside_working_hours(moments: pd.Series, holidays: set[date]) -> None:
    local = moments.dt.tz_convert("Asia/Shanghai")
    assert (local.dt.weekday < 5).all(), "work on a weekend"
    assert not local.dt.date.isin(holidays).any(), "work on a public holiday"
    clock = local.dt.time
    assert ((clock >= time(9, 0)) & (clock <= time(17, 30))).all(), "work outside 09:00-17:30"


@pytest.mark.parametrize("which", ["before", "after"])
def test_committed_logs_respect_the_calendar(which: str, before_instances, after_instances) -> None:
    instances = before_instances if which == "before" else after_instances
    holidays = _holidays(BEFORE_PROFILE if which == "before" else AFTER_PROFILE)
    # The logs span the Qingming and Labour Day holidays of 2025: the check can bite.
    assert {date(2025, 4, 4), date(2025, 5, 1), date(2025, 5, 5)} <= holidays
    span = instances["start"].dt.tz_convert("Asia/Shanghai").dt.date
    assert span.min() < date(2025, 4, 4) and span.max() > date(2025, 5, 5)
    assert_inside_working_hours(instances["start"], holidays)
    assert_inside_working_hours(instances["end"], holidays)
    assert (instances["end"] >= instances["start"]).all()
    assert instances["start"].dt.tz.utcoffset(None) == timedelta(hours=8)  # written as +08:00


def test_generated_parquet_respects_the_calendar_over_national_day(tmp_path: Path) -> None:
    out = tmp_path / "autumn.parquet"
    generate_log(out, "before", 400, seed=11, layout="instances", start=date(2025, 9, 15))
    frame = pq.read_table(out).to_pandas()
    assert str(frame["開始時間"].dt.tz) == "Asia/Shanghai"
    national_day = {date(2025, 10, d) for d in range(1, 9)}
    holidays = national_day | {date(2026, 1, 1)}
    days = frame["開始時間"].dt.date
    assert days.min() < date(2025, 10, 1) < date(2025, 10, 8) < days.max()
    assert_inside_working_hours(frame["開始時間"], holidays)
    assert_inside_working_hours(frame["結束時間"], holidays)


# -- reproducible, in every format ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("log.csv", {"layout": "events"}),
        ("log-gb.csv", {"layout": "instances", "encoding": "gb18030"}),
        ("log.xes.gz", {}),
        ("log.xes", {"lang": "en"}),
        ("log.parquet", {"layout": "instances"}),
    ],
)
def test_same_seed_gives_identical_bytes(tmp_path: Path, name: str, options: dict) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for folder in (first, second, other):
        folder.mkdir()
    generate_log(first / name, "after", 120, seed=5, **options)
    generate_log(second / name, "after", 120, seed=5, **options)
    generate_log(other / name, "after", 120, seed=6, **options)
    assert _digest(first / name) == _digest(second / name)
    assert _digest(first / name) != _digest(other / name)


def test_committed_files_are_what_the_build_writes(tmp_path: Path) -> None:
    from sample_logs.build import build

    build(tmp_path)
    for committed in (BEFORE_LOG, AFTER_LOG, BEFORE_PROFILE, AFTER_PROFILE, GROUND_TRUTH):
        assert _digest(tmp_path / committed.name) == _digest(committed), committed.name
    fresh = model_signature((tmp_path / "to_be.bpmn").read_text(encoding="utf-8"))
    assert fresh == model_signature(TO_BE_BPMN.read_text(encoding="utf-8"))


# -- formats, layouts, languages -------------------------------------------------------------


def test_gb18030_csv_has_chinese_headers_and_english_lang_translates(tmp_path: Path) -> None:
    zh = tmp_path / "zh.csv"
    en = tmp_path / "en.csv"
    generate_log(zh, "before", 60, seed=2, layout="instances", encoding="gb18030")
    generate_log(en, "before", 60, seed=2, layout="events", lang="en")
    with pytest.raises(UnicodeDecodeError):
        zh.read_bytes().decode("utf-8")
    chinese = pd.read_csv(zh, encoding="gb18030")
    assert list(chinese.columns[:6]) == [
        "申請編號",
        "活動",
        "開始時間",
        "結束時間",
        "經辦人",
        "部門",
    ]
    english = pd.read_csv(en, encoding="utf-8")
    assert list(english.columns[:6]) == [
        "case_id", "activity", "timestamp", "lifecycle", "resource", "department"
    ]  # fmt: skip
    assert set(english["activity"]) <= set(ACTIVITIES.values())
    assert set(english["department"]) <= set(DEPARTMENTS.values())
    assert set(english["lifecycle"]) == {"start", "complete"}
    # The same simulation in both languages: one event per instance end and start.
    assert len(english) == 2 * len(chinese)
    translated = chinese["活動"].map(ACTIVITIES).value_counts().sort_index()
    assert translated.to_dict() == (english["activity"].value_counts() // 2).sort_index().to_dict()


def test_xes_is_well_formed_and_escaped(tmp_path: Path) -> None:
    out = tmp_path / "en.xes"
    generate_log(out, "before", 150, seed=4, lang="en")
    root = ET.parse(out).getroot()  # a strict XML parser: bad escaping would fail here
    groups = {
        a.get("value")
        for a in root.iter(f"{XES}string")
        if a.get("key") in ("org:group", "industry")
    }
    assert "Legal & Compliance" in groups or "Wholesale & retail" in groups
    assert b"&amp;" in out.read_bytes()
    traces = list(root.iter(f"{XES}trace"))
    assert len(traces) == 150


def test_to_be_bpmn_describes_the_redesign() -> None:
    import pm4py

    model = pm4py.read_bpmn(str(TO_BE_BPMN))
    names = {node.get_name() for node in model.get_nodes()}
    assert {"自動評分", "自動審批", "信貸調查", "風險評估", "合規審查", "審批會議", "放款"} <= names
    assert "風險複核" not in names  # re-verification is not part of the intended flow


def test_after_conforms_to_the_to_be_model_and_before_does_not(
    before_instances: pd.DataFrame, after_instances: pd.DataFrame
) -> None:
    import pm4py

    net, initial, final = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(TO_BE_BPMN)))

    def fitness(instances: pd.DataFrame) -> dict:
        log = instances.rename(
            columns={
                "case_id": "case:concept:name",
                "activity": "concept:name",
                "end": "time:timestamp",
            }
        )[["case:concept:name", "concept:name", "time:timestamp"]]
        return pm4py.fitness_token_based_replay(log, net, initial, final)

    after, before = fitness(after_instances), fitness(before_instances)
    assert after["percentage_of_fitting_traces"] > 90
    assert before["percentage_of_fitting_traces"] < 10
    assert after["log_fitness"] > before["log_fitness"] + 0.1


def test_readme_quotes_the_current_ground_truth(truth: dict) -> None:
    readme = (GROUND_TRUTH.parent / "README.md").read_text(encoding="utf-8")
    for scenario in ("before", "after"):
        figures = truth[scenario]
        assert f"{figures['cycle_time_hours']['median']:.1f}" in readme
        assert f"{figures['events']:,}" in readme
        assert f"{figures['pingpong_share']:.1%}" in readme
        assert f"{figures['approval_rate_of_decided']:.1%}" in readme
        dominant = figures["dominant_handoff"]
        assert f"**{dominant['from']} → {dominant['to']}**" in readme


# -- the engine's parameters ------------------------------------------------------------------


def test_more_applications_with_the_same_staff_wait_longer() -> None:
    normal = ground_truth(simulate(BEFORE, 600, seed=3))
    doubled = ground_truth(simulate(BEFORE, 600, seed=3, volume=1.6))
    assert doubled["cycle_time_hours"]["median"] > 1.2 * normal["cycle_time_hours"]["median"]


def test_more_credit_staff_shortens_credit_queues() -> None:
    normal = ground_truth(simulate(BEFORE, 600, seed=3))
    staffed = ground_truth(simulate(BEFORE.with_staff({"信貸部": 30}), 600, seed=3))
    queue = "mean_queue_working_hours"
    assert staffed["departments"]["信貸部"][queue] < 0.5 * normal["departments"]["信貸部"][queue]
    assert staffed["departments"]["信貸部"]["staff"] == 30


def test_scenarios_share_applicants_under_one_seed() -> None:
    before = simulate(BEFORE, 200, seed=9)
    after = simulate(AFTER, 200, seed=9)
    assert (before.cases.attributes.amount == after.cases.attributes.amount).all()
    assert (before.cases.arrival_local == after.cases.arrival_local).all()
