"""The report's "prediction" section: a what-if prediction from the sample `before` log,
checked in the report against the `after` log's figures measured straight from the store.

Kept small (few cases and replications): the section must show the simulate result's
numbers and the after dataset's KPIs, not predict well (tests/test_whatif_prediction.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner

from analysis.whatif.discover import discover_model
from analysis.whatif.whatif import what_if
from etl.load import ingest
from etl.store import connect
from loanflow.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"
NAMES = ("median_cycle_time_hours", "p90_cycle_time_hours", "approved_share")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("whatif_report") / "store.duckdb"
    con = connect(path)
    ingest(SAMPLES / "before.csv", "before", con=con, profile=SAMPLES / "before.profile.yaml")
    ingest(SAMPLES / "after.xes.gz", "after", con=con, profile=SAMPLES / "after.profile.yaml")
    con.close()
    yield path


@pytest.fixture(scope="module")
def prediction(store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        model = discover_model(con, "before", calibration_rounds=0)
        return what_if(
            con,
            "before",
            scenario_file=str(SAMPLES / "redesign.scenario.yaml"),
            model=model,
            runs=2,
            cases=150,
        )
    finally:
        con.close()


def _measured_after(store: Path) -> dict[str, float]:
    """The after log's median and p90 cycle time and approved share, from the store."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        spans = con.execute(
            """
            SELECT i.case_id, epoch(max(i.end_ts)) - epoch(min(i.start_ts)) AS seconds,
                   any_value(c.outcome) AS outcome
            FROM activity_instances i LEFT JOIN cases c
              ON c.dataset = i.dataset AND c.case_id = i.case_id
            WHERE i.dataset = 'after' GROUP BY i.case_id
            """
        ).fetchall()
    finally:
        con.close()
    hours = np.array([s for _, s, _ in spans]) / 3600.0
    return {
        "median_cycle_time_hours": float(np.median(hours)),
        "p90_cycle_time_hours": float(np.quantile(hours, 0.9)),
        "approved_share": sum(o == "approved" for _, _, o in spans) / len(spans),
    }


def _section(page: str) -> str:
    match = re.search(r'<section id="prediction">(.*?)</section>', page, re.S)
    assert match, "the report has no prediction section"
    return match.group(1)


def _cell(section: str, metric: str, cls: str) -> tuple[str, str]:
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', section, re.S)
    assert row, f"no row for {metric}"
    cell = re.search(rf'<td class="num {cls}" ([^>]*)>([^<]*)</td>', row.group(1))
    assert cell, f"no {cls} cell for {metric}"
    return cell.group(1), cell.group(2)


def _value(attrs: str, name: str = "data-value") -> float:
    found = re.search(rf'{name}="([^"]*)"', attrs)
    assert found
    return float(found.group(1))


def test_the_report_shows_predicted_against_measured(
    store: Path, prediction: dict[str, Any], tmp_path: Path
) -> None:
    saved = tmp_path / "simulate.json"
    saved.write_text(json.dumps(prediction), encoding="utf-8")
    measured = _measured_after(store)
    predicted = {m["name"]: m for m in prediction["metrics"]}
    cut = {"en": "is cut there", "zh-Hant": "已在界限處截斷", "zh-Hans": "已在界限处截断"}
    any_cut = any("scenario_ci95" in predicted[n]["clipped"] for n in NAMES)
    for lang, label in (("en", "Predicted"), ("zh-Hant", "預測"), ("zh-Hans", "预测")):
        report = tmp_path / f"report-{lang}.html"
        args = ["compare", "before", "after", "--db", str(store), "--resamples", "0"]
        args += ["--report", str(report), "--prediction", str(saved), "--lang", lang]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        section = _section(report.read_text(encoding="utf-8"))
        assert label in section
        assert (cut[lang] in section) == any_cut  # the footnote of intervals cut at a limit
        for name in NAMES:
            row = predicted[name]
            attrs, text = _cell(section, name, "predicted")
            assert _value(attrs) == row["scenario"]  # the scenario's prediction, not baseline
            low, high = row["scenario_ci95"]
            attrs, interval_text = _cell(section, name, "interval")
            assert (_value(attrs, "data-low"), _value(attrs, "data-high")) == (low, high)
            assert interval_text.endswith(" *") == ("scenario_ci95" in row["clipped"])
            assert low <= row["scenario"] <= high
            attrs, actual_text = _cell(section, name, "actual")
            assert _value(attrs) == pytest.approx(measured[name], rel=1e-9)
            attrs, error_text = _cell(section, name, "error")
            if name.endswith("_share"):
                error = row["scenario"] - measured[name]
                assert text == f"{row['scenario'] * 100:.1f}%"
                assert actual_text == f"{measured[name] * 100:.1f}%"
                assert error_text.replace("−", "-").startswith(f"{error * 100:+.1f}")
            else:
                error = (row["scenario"] - measured[name]) / measured[name]
                assert f"{row['scenario']:,.1f}" in text
                assert f"{measured[name]:,.1f}" in actual_text
                assert error_text.replace("−", "-") == f"{error * 100:+.1f}%"
            assert _value(attrs) == pytest.approx(error, rel=1e-9, abs=1e-12)


def test_an_interval_cut_at_its_limit_is_marked() -> None:
    """Two replications: the approved share's interval reached past 100% and was cut."""
    from report.build import prediction_rows

    row = {"name": "approved_share", "baseline": 0.6, "scenario": 0.9, "actual": 0.88}
    row |= {"baseline_ci95": [0.5, 0.7], "scenario_ci95": [0.4, 1.0], "error": 0.02}
    for clipped, mark in ((["scenario_ci95"], True), ([], False)):
        shown = prediction_rows({"metrics": [row | {"clipped": clipped}]}, "en")[0]
        assert shown["interval"] == "40.0% … 100.0%" + (" *" if mark else "")
        assert shown["clipped"] is mark


def test_a_report_without_a_prediction_has_no_section(store: Path, tmp_path: Path) -> None:
    report = tmp_path / "plain.html"
    args = ["compare", "before", "after", "--db", str(store), "--resamples", "0"]
    result = CliRunner().invoke(main, [*args, "--report", str(report)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert 'id="prediction"' not in report.read_text(encoding="utf-8")


def test_a_bad_prediction_file_is_refused_with_a_clear_message(store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"metrics": []}', encoding="utf-8")
    base = ["compare", "before", "after", "--db", str(store), "--resamples", "0"]
    result = CliRunner().invoke(
        main, [*base, "--report", str(tmp_path / "r.html"), "--prediction", str(bad)]
    )
    assert result.exit_code != 0
    assert "not a prediction" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, [*base, "--prediction", str(bad)])
    assert result.exit_code != 0 and "--report" in result.output


def _assert_checked(section: str, prediction: dict[str, Any], measured: dict[str, float]) -> None:
    """The section shows the prediction's scenario figures and the after log's measures."""
    predicted = {m["name"]: m for m in prediction["metrics"]}
    for name in NAMES:
        attrs, _ = _cell(section, name, "predicted")
        assert _value(attrs) == predicted[name]["scenario"]
        attrs, _ = _cell(section, name, "actual")
        assert _value(attrs) == pytest.approx(measured[name], rel=1e-9)


def test_the_compare_pages_report_checks_a_kept_prediction(
    store: Path, prediction: dict[str, Any]
) -> None:
    """The What-if page keeps a finished simulation's prediction in the store (once per
    job); the Compare page lists those of the before dataset and its report download
    carries the prediction section, in the page's language, with the after dataset's
    figures."""
    from dashboard.app import create_app
    from dashboard.jobs import RUNNER
    from dashboard.views.whatif import keep_finished
    from etl.store import close_shared

    job = RUNNER.submit("whatif", "what if before", lambda _job: prediction)
    assert job.ended.wait(60) and job.state == "done"
    # measured before the app opens the store: DuckDB refuses a read-only connection to a
    # file this process already holds with the app's configuration
    measured = _measured_after(store)
    create_app(store, auth=False)  # the pages register with the app
    from dashboard import data
    from dashboard.pages.compare import download_report, list_predictions

    try:
        kept = keep_finished(job.id)
        assert kept is not None and kept.startswith("p-")
        assert keep_finished(job.id) == kept  # kept once: the same job, the same id
        with data.cursor() as con:
            rows = con.execute("SELECT id, trained_on, runs FROM predictions").fetchall()
        assert rows == [(kept, "before", prediction["runs"])]
        options, chosen = list_predictions("before", "lang=zh-Hant")
        assert chosen == kept and len(options) == 1
        assert "次模擬" in options[0]["label"] and kept in options[0]["label"]
        assert list_predictions("after", "lang=zh-Hant") == ([], None)
        args = ("lang=zh-Hant", "datasets", "before", "after", None)
        sent = download_report(1, *args, chosen)
        section = _section(sent["content"])
        assert "預測" in section and "Predicted" not in section
        _assert_checked(section, prediction, measured)
        # no prediction chosen, one no longer kept, or one split dataset: no section
        plain = download_report(1, *args, None)["content"]
        assert 'id="prediction"' not in plain
        gone = download_report(1, *args, "p-000000000000")["content"]
        assert 'id="prediction"' not in gone
        split = download_report(1, "lang=en", "split", "before", None, "2025-04-01", chosen)
        assert 'id="prediction"' not in split["content"]
        with data.cursor() as con:
            con.execute("DELETE FROM predictions")
    finally:
        close_shared(store)


def test_a_prediction_kept_from_the_command_line_is_checked_by_its_id(
    store: Path, tmp_path: Path
) -> None:
    """`simulate --keep` keeps the prediction, `predictions` lists it, `compare
    --prediction ID` checks it in the report against the after dataset's figures."""
    db = ["--db", str(store)]
    scenario = str(SAMPLES / "redesign.scenario.yaml")
    simulate = ["simulate", "before", "--scenario", scenario, "--runs", "2", "--cases", "120"]
    result = CliRunner().invoke(main, [*simulate, "--no-validate", "--keep", "--json", *db])
    assert result.exit_code == 0, result.output
    made = json.loads(result.output[result.output.index("{") :])
    ident = made["kept_as"]
    assert re.fullmatch(r"p-[0-9a-f]{12}", ident)
    listed = CliRunner().invoke(main, ["predictions", "before", "--json", *db])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)["predictions"]
    assert [(r["id"], r["trained_on"], r["scenario"], r["runs"]) for r in rows] == [
        (ident, "before", made["scenario"], 2)
    ]
    assert rows[0]["made_by"].endswith("@cli")
    assert json.loads(CliRunner().invoke(main, ["predictions", "after", "--json", *db]).output) == {
        "predictions": []
    }
    report = tmp_path / "checked.html"
    args = ["compare", "before", "after", *db, "--resamples", "0", "--report", str(report)]
    result = CliRunner().invoke(main, [*args, "--prediction", ident], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    section = _section(report.read_text(encoding="utf-8"))
    _assert_checked(section, made, _measured_after(store))
    # an id not kept: a clear message naming the kept ones
    missing = CliRunner().invoke(main, [*args, "--prediction", "p-0123456789ab"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
    assert "No kept prediction 'p-0123456789ab'" in missing.output and ident in missing.output
