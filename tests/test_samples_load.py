"""The shipped sample logs load through the ETL: no rejects, the expected counts, and the
stored cases agree with what the simulator knows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from etl.load import ingest
from etl.profile import load_profile
from sample_logs import AFTER_LOG, AFTER_PROFILE, BEFORE_LOG, BEFORE_PROFILE, GROUND_TRUTH
from sample_logs.generate import generate_log
from sample_logs.profiles import build_profile

SAMPLES = {"before": (BEFORE_LOG, BEFORE_PROFILE), "after": (AFTER_LOG, AFTER_PROFILE)}


@pytest.mark.parametrize("scenario", ["before", "after"])
def test_sample_log_loads_without_rejects(store: duckdb.DuckDBPyConnection, scenario: str) -> None:
    log, profile = SAMPLES[scenario]
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))[scenario]
    summary = ingest(log, scenario, con=store, profile=profile)
    assert summary.rejected == 0
    assert summary.duplicates == 0
    assert summary.cases == truth["cases"] == 2000
    assert summary.events == truth["events"]
    assert summary.activity_instances == truth["activity_instances"]
    assert summary.mapping["guessed"] == []

    shares = dict(
        store.execute(
            "SELECT outcome, count(*) / sum(count(*)) OVER () FROM cases "
            "WHERE dataset = ? GROUP BY outcome",
            [scenario],
        ).fetchall()
    )
    for outcome, share in truth["outcome_share"].items():
        assert shares.get(outcome, 0.0) == pytest.approx(share, abs=1e-4)
    assert "open" not in shares

    median_hours, with_amount = store.execute(
        "SELECT median(epoch(last_ts - first_ts) / 3600), count(amount) FROM cases "
        "WHERE dataset = ?",
        [scenario],
    ).fetchone()
    assert median_hours == pytest.approx(truth["cycle_time_hours"]["median"], abs=0.01)
    assert with_amount == 2000


@pytest.mark.parametrize("scenario", ["before", "after"])
def test_profile_carries_calendar_rules_and_costs(scenario: str) -> None:
    profile = load_profile(SAMPLES[scenario][1])
    assert profile.timezone == "Asia/Shanghai"
    assert profile.outcomes == {"放款": "approved", "拒絕通知": "rejected", "客戶撤回": "withdrawn"}
    assert set(profile.case_attributes) == {"amount", "product", "branch", "channel"}
    assert profile.rules.compliance_amount_threshold == 3_000_000
    assert "風險評估" in profile.rules.risk_activities
    assert set(profile.costs) == {
        "客戶經理部",
        "信貸部",
        "風險管理部",
        "法務合規部",
        "審批委員會",
        "運營部",
    }
    assert profile.sla.cycle_time_hours is not None


@pytest.mark.parametrize(
    ("name", "layout", "lang", "encoding"),
    [
        ("en.csv", "events", "en", "utf-8"),
        ("zh.parquet", "instances", "zh", "utf-8"),
        ("gb.csv", "events", "zh", "gb18030"),
    ],
)
def test_generated_logs_load_with_their_profile(
    store: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    name: str,
    layout: str,
    lang: str,
    encoding: str,
) -> None:
    out = tmp_path / name
    summary = generate_log(out, "after", 150, seed=8, layout=layout, lang=lang, encoding=encoding)
    profile = build_profile(
        summary.format, layout, lang, encoding, date(2025, 1, 1), date(2025, 12, 31)
    )
    loaded = ingest(out, "generated", con=store, profile=profile)
    assert loaded.rejected == 0
    assert loaded.cases == 150
    assert loaded.events == summary.events
    decided = store.execute(
        "SELECT count(*) FROM cases WHERE dataset = 'generated' AND outcome <> 'open'"
    ).fetchone()
    assert decided == (150,)
