"""The "Why waiting" page as plain functions, on a store holding Kronos's hand-worked log 4
(tests/test_waits_kronos.py works its figures out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
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
from vocabulary.style import CAUSES

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


def _ms(text: str) -> float:
    return pd.Timestamp(text).value / 1e6


def test_case_timeline_places_each_wait_in_time_by_cause() -> None:
    """Worked by hand: enabled 08:00, started 14:00 (6 h): batching 2 h, prioritization 1 h,
    unavailability 2.5 h, extraneous 0.5 h lie end to end in precedence order,
    08:00-10:00-11:00-13:30-14:00; an instance without a wait has only its start mark."""
    from dashboard.figures import case_wait_timeline

    instances = [
        {
            "activity": "A", "resource": "Anya", "wait_hours": 0.0,
            "enabled": "2024-01-01T07:00:00+00:00", "start": "2024-01-01T07:00:00+00:00",
            "causes": dict.fromkeys(CAUSES, 0.0),
        },
        {
            "activity": "B", "resource": None, "wait_hours": 6.0,
            "enabled": "2024-01-01T08:00:00+00:00", "start": "2024-01-01T14:00:00+00:00",
            "causes": {"batching": 2.0, "contention": 0.0, "prioritization": 1.0,
                       "unavailability": 2.5, "extraneous": 0.5},
        },
    ]  # fmt: skip
    figure = case_wait_timeline(instances, "en")
    bars = {trace.name.lower(): trace for trace in figure.data if trace.type == "bar"}
    assert list(bars) == list(CAUSES)  # the legend in precedence order
    expected = {
        "batching": ("08:00", "10:00"),
        "prioritization": ("10:00", "11:00"),
        "unavailability": ("11:00", "13:30"),
        "extraneous": ("13:30", "14:00"),
    }
    for cause, trace in bars.items():
        if cause not in expected:
            assert len(trace.x) == 0
            continue
        begin, end = (_ms(f"2024-01-01T{h}:00+00:00") for h in expected[cause])
        assert list(trace.y) == ["2. B (-)"]
        assert _ms(trace.base[0]) == begin and trace.x[0] == end - begin
    starts = next(trace for trace in figure.data if trace.type == "scatter")
    assert list(starts.y) == ["1. A (Anya)", "2. B (-)"]
    assert figure.layout.xaxis.type == "date"
    chinese = case_wait_timeline(instances, "zh")
    assert [trace.name for trace in chinese.data][:1] == ["批次等待"]
    assert case_wait_timeline(instances, "zh-Hans").data[-1].name == "开始处理"


def test_case_timeline_of_a_real_case_ends_each_wait_at_its_start() -> None:
    """On Kronos's log 4: every instance's segments run from its enablement to its start
    (the instance's own timestamps), and their lengths are its causes."""
    from analysis.waits.report import case_waits
    from dashboard.figures import case_wait_timeline, cause_segments

    with data.cursor() as con:
        instances = case_waits(con, "manual4", "0")
    waiting = [i for i in instances if i["wait_hours"] > 0]
    assert waiting
    for instance in waiting:
        segments = cause_segments(instance)
        assert segments[0][1] == pd.Timestamp(instance["enabled"])
        end = segments[-1][2]
        assert abs((end - pd.Timestamp(instance["start"])).total_seconds()) <= 1  # rounding
        for cause, begin, stop in segments:
            assert (stop - begin).total_seconds() / 3600 == pytest.approx(instance["causes"][cause])
    figure = case_wait_timeline(instances, "en")
    drawn = sum(len(trace.x) for trace in figure.data if trace.type == "bar")
    assert drawn == sum(len(cause_segments(i)) for i in instances)


def test_cause_names_are_capitalised_where_they_stand_alone_in_english() -> None:
    """Headers, legends and table cells write a cause as a name (Batching); sentences keep
    it in lower case (mostly batching); the CSV's and the JSON's keys stay as they are;
    Chinese names are the same in both places."""
    from dashboard.figures import case_wait_timeline, cause_bars
    from dashboard.views.waits import table, table_columns
    from report.build import cause_change_heads
    from report.charts import cause_change_figure

    names = ["Batching", "Contention", "Prioritization", "Unavailability", "Extraneous"]
    rows = ranked("dataset=manual4", "activities")
    headers = [c["headerName"] for c in table_columns("activities", "en")]
    assert headers[4:9] == names
    frame = table(rows, "activities", "en")
    assert list(frame.columns[4:9]) == list(CAUSES)  # the CSV keeps its keys
    assert frame.loc[0, "main_cause"] == "Batching"  # B: batching 27 h of 36 h
    assert [b.name for b in cause_bars(rows, ["B"] * len(rows), "en").data] == names
    with data.cursor() as con:
        from analysis.waits.report import case_waits

        instances = case_waits(con, "manual4", "0")
    legend = [tr.name for tr in case_wait_timeline(instances, "en").data if tr.type == "bar"]
    assert legend == names
    assert cause_change_heads("en")[1:] == names
    change = {"from": "A", "to": "B", "before": dict.fromkeys(CAUSES, 1.0)}
    change["after"] = change["before"]
    assert [b.name for b in cause_change_figure([change], "en").data] == names
    assert "mostly batching (75%)" in reading(rows, "activities", "en")[0]
    assert [c["headerName"] for c in table_columns("activities", "zh")][4] == "批次等待"
    assert table(rows, "activities", "zh-Hans").loc[0, "main_cause"] == "批次等待"
