"""Properties of every simulated log, whatever the seed, start date, volume and staffing."""

from __future__ import annotations

from datetime import date, time

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sample_logs.engine import simulate
from sample_logs.scenarios import SCENARIOS
from sample_logs.tables import log_table

TERMINAL = {"放款", "拒絕通知", "客戶撤回"}
PREFIX = {
    "客戶經理部": "CM",
    "信貸部": "CR",
    "風險管理部": "RM",
    "法務合規部": "LC",
    "運營部": "OP",
}
# Days off in the holiday table (a few, checked independently of the simulator's code).
KNOWN_HOLIDAYS = {
    date(2025, 1, 1), date(2025, 1, 28), date(2025, 2, 4), date(2025, 4, 4), date(2025, 5, 1),
    date(2025, 5, 5), date(2025, 6, 2), date(2025, 10, 1), date(2025, 10, 8), date(2026, 1, 2),
    date(2026, 2, 16), date(2026, 2, 23), date(2026, 5, 4), date(2026, 6, 19), date(2026, 9, 25),
    date(2026, 10, 7),
}  # fmt: skip


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(["before", "after"]),
    seed=st.integers(0, 2**32 - 1),
    start=st.dates(date(2025, 1, 1), date(2026, 11, 30)),
    volume=st.floats(0.5, 1.5),
    credit=st.integers(8, 24),
)
def test_every_log_is_well_formed(
    scenario: str, seed: int, start: date, volume: float, credit: int
) -> None:
    staffed = SCENARIOS[scenario].with_staff({"信貸部": credit})
    sim = simulate(staffed, 60, seed, volume=volume, start=start)
    frame = log_table(sim, "instances", "zh", typed_timestamps=True).to_pandas()
    starts, ends = frame["開始時間"], frame["結束時間"]
    assert len(frame.groupby("申請編號")) == 60
    assert (ends > starts).all()
    for moments in (starts, ends):
        assert (moments.dt.weekday < 5).all()
        assert not moments.dt.date.isin(KNOWN_HOLIDAYS).any()
        clock = moments.dt.time
        assert ((clock >= time(9, 0)) & (clock <= time(17, 30))).all()
    assert starts.dt.date.min() >= start  # the extract starts with the first application

    ordered = frame.sort_values(["申請編號", "結束時間", "開始時間"], kind="stable")
    last = ordered.groupby("申請編號")["活動"].last()
    assert last.isin(TERMINAL).all()
    terminal_counts = frame[frame["活動"].isin(TERMINAL)].groupby("申請編號").size()
    assert (terminal_counts == 1).all() and len(terminal_counts) == 60

    for department, prefix in PREFIX.items():
        people = frame.loc[frame["部門"] == department, "經辦人"]
        assert people.str.match(rf"^({prefix}\d\d|SYS01)$").all(), department
    assert frame.loc[frame["部門"] == "信貸部", "經辦人"].str.match(r"^(CR\d\d|SYS01)$").all()
    credit_staff = frame.loc[frame["經辦人"].str.startswith("CR"), "經辦人"]
    assert credit_staff.str[2:].astype(int).max() <= credit

    if scenario == "after":
        assert_guardrails_hold(frame)


def assert_guardrails_hold(frame: pd.DataFrame) -> None:
    """Risk before every decision, compliance for large loans, four eyes."""
    for _, case in frame.groupby("申請編號"):
        decisions = case[case["活動"].isin(["審批會議", "自動審批"])]
        if decisions.empty:
            continue
        risk = case[case["活動"].isin(["風險評估", "自動評分"])]
        assert risk["結束時間"].min() <= decisions["開始時間"].min()
        if case["貸款金額"].iloc[0] > 3_000_000:
            assert (case["活動"] == "合規審查").any()
        investigators = set(case.loc[case["活動"] == "信貸調查", "經辦人"])
        approvers = set(case.loc[case["活動"] == "審批會議", "經辦人"])
        assert not investigators & approvers
