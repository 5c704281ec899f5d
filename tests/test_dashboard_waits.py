"""The "Why waiting" page as plain functions, on a store holding Kronos's hand-worked log 4
(tests/test_waits_kronos.py works its figures out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dashboard import data
from dashboard.app import create_app
from dashboard.views.overview import HANDOFF_CAUSE, overview_body
from dashboard.views.waits import case_body, handoff_main_causes, ranked, reading, waits_body
from etl.load import ingest
from etl.store import close_shared, connect
from loanflow.cli import main
from tests.test_waits_kronos import ASSETS, PROFILE

PROFILE_WITH_DEPARTMENTS = {
    **PROFILE,
    "departments": {"by_resource": {"Anya": "Front", "Carmine": "Back"}},
}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    db = tmp_path_factory.mktemp("waits-dash") / "store.duckdb"
    con = connect(db)
    ingest(ASSETS / "manual_log_4.csv", "manual4", con=con, profile=PROFILE)
    con.close()
    create_app(db, auth=False)
    yield db
    close_shared(db)


@pytest.fixture(autouse=True)
def this_store(store_path: Path) -> None:
    data.configure(store_path)


def _text(component: Any) -> str:
    def plain(value: Any) -> Any:
        return value.to_plotly_json() if hasattr(value, "to_plotly_json") else str(value)

    return json.dumps(component, default=plain, ensure_ascii=False)


def test_activities_ranked_and_read_in_three_languages() -> None:
    rows = ranked("dataset=manual4", "activities")
    assert [r["activity"] for r in rows][:1] == ["B"]
    # B waits 36 h: batching 27 h (75%), prioritization 9 h (25%) (worked by hand).
    english = reading(rows, "activities", "en")[0]
    assert english.startswith("B: 36 h of waiting, mostly batching (75%); then prioritization")
    assert "more meetings" in english
    assert "批次等待（75%）" in reading(rows, "activities", "zh")[0]
    assert "批次等待（75%）" in reading(rows, "activities", "zh-Hans")[0]


def test_body_has_chart_table_calendars_and_batches() -> None:
    body = _text(waits_body("dataset=manual4", "activities", "hours"))
    for part in ("waits-bars", "waits-grid", "waits-calendars", "waits-batches"):
        assert part in body
    assert "Choose" not in body
    shares = _text(waits_body("dataset=manual4&lang=zh", "handoffs", "share"))
    assert "等待原因" in shares


def test_case_drill_down() -> None:
    assert "waits-case-chart" in _text(case_body("dataset=manual4", "0"))
    assert "No case nope" in _text(case_body("dataset=manual4", "nope"))
    assert "Enter a case id" in _text(case_body("dataset=manual4", None))


def test_overview_handoff_causes_in_three_languages(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The Overview's top-handoffs card names each handoff's main cause."""
    db = tmp_path_factory.mktemp("waits-overview") / "store.duckdb"
    con = connect(db)
    ingest(ASSETS / "manual_log_4.csv", "m4", con=con, profile=PROFILE_WITH_DEPARTMENTS)
    con.close()
    data.configure(db)
    # A is Anya's (Front), B and E/F Carmine's (Back), G Anya's: Front -> Back is A -> B
    # (batching 27 h of 36 h, worked by hand in tests/test_waits_kronos.py).
    pairs = [("Front", "Back"), ("Nowhere", "Else")]
    assert handoff_main_causes("dataset=m4", pairs) == ["main cause: batching (75%)", ""]
    assert handoff_main_causes("dataset=m4&lang=zh", pairs)[0] == "主因：批次等待 (75%)"
    assert handoff_main_causes("dataset=m4&lang=zh-Hans", pairs)[0] == "主因：批次等待 (75%)"
    body = _text(overview_body("dataset=m4"))
    assert HANDOFF_CAUSE in body
    close_shared(db)


def test_cli_compare_per_case(tmp_path: Path) -> None:
    """Log 4 loaded twice: Front -> Back is A -> B, 36 h over 15 cases (batching 27 h,
    prioritization 9 h): 1.8 h and 0.6 h per case on both sides, no change."""
    db = tmp_path / "store.duckdb"
    con = connect(db)
    for name in ("a", "b"):
        ingest(ASSETS / "manual_log_4.csv", name, con=con, profile=PROFILE_WITH_DEPARTMENTS)
    con.close()
    args = ["waits", "a", "--compare", "b", "--db", str(db)]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    row = next(h for h in doc["handoffs"] if (h["from"], h["to"]) == ("Front", "Back"))
    assert row["before"]["batching"] == pytest.approx(1.8)
    assert row["before"]["prioritization"] == pytest.approx(0.6)
    assert row["change"] == pytest.approx(dict.fromkeys(row["change"], 0.0))
    assert "Front" in CliRunner().invoke(main, args).output


def test_compare_section_in_the_compare_page(store_path: Path) -> None:
    from analysis.filters import Filters
    from dashboard.views.waits import cause_change_section

    section_ = cause_change_section(("manual4", Filters()), ("manual4", Filters()), "zh")
    assert "等待原因的變化" in _text(section_)
