"""The lake through the real CLI: ``ingest --engine spark --to``, ``--engine spark`` on the
analysis commands (the same JSON as the store path), and clear refusals and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analysis.lake.engine import EngineUnavailableError, check_java
from analysis.lake.files import partition_dir
from loanflow.cli import main
from sample_logs.bpmn import model_signature
from tests.lake_parity import assert_same
from vocabulary import t

pytestmark = pytest.mark.xdist_group("spark")

SAMPLES = Path(__file__).resolve().parent.parent / "sample_logs"


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> tuple[str, Path]:
    """The sample ``before`` log loaded into a store and, by the CLI, into a lake."""
    folder = tmp_path_factory.mktemp("lake_cli")
    db, lake = str(folder / "store.duckdb"), folder / "lake"
    source, profile = str(SAMPLES / "before.csv"), str(SAMPLES / "before.profile.yaml")
    stored = invoke("ingest", source, "-d", "before", "-p", profile, "--db", db, "--json")
    assert stored.exit_code == 0, stored.output
    result = invoke(
        "ingest", source, "-d", "before", "-p", profile, "--engine", "spark", "--to", str(lake),
        "--json", "--db", db,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    # Spark read back every row written, by the dataset partition column.
    assert summary["spark_rows"] == summary["lake_rows"]
    assert summary["lake_rows"]["events"] == json.loads(stored.output)["events"]
    assert summary["lake_rows"]["cases"] == 2000
    return db, lake


@pytest.mark.parametrize(
    "command",
    ["kpis", "kpis --vs-previous", "handoffs", "variants", "bottlenecks", "map", "waits"],
)
def test_spark_prints_the_store_paths_json(loaded: tuple[str, Path], command: str) -> None:
    db, lake = loaded
    name, *options = command.split()
    store = invoke(name, "before", *options, "--db", db, "--json")
    on_spark = invoke(
        name, "before", *options, "--engine", "spark", "--json", env={"LOANFLOW_LAKE": str(lake)}
    )
    assert store.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    assert_same(json.loads(store.output), json.loads(on_spark.output), command)


def _visible(page: str) -> str:
    """A report's text without its charts' scripts, their random element ids and the time
    it was made."""
    page = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)
    page = re.sub(r'<p class="generated">.*?</p>', "", page)
    return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "id", page)


def test_compare_and_maps_on_spark_print_the_store_paths(
    loaded: tuple[str, Path], tmp_path: Path
) -> None:
    """compare (split by date, with its report), map --order start and map --format bpmn on
    Spark: the store path's output (the BPMN's elements and flows: pm4py names them by
    random ids)."""
    db, lake = loaded
    env = {"LOANFLOW_LAKE": str(lake)}
    split = ["compare", "before", "--split-at", "2025-05-01", "--resamples", "50", "--json"]
    reports = {where: tmp_path / f"{where}.html" for where in ("store", "spark")}
    store = invoke(*split, "--db", db, "--report", str(reports["store"]))
    on_spark = invoke(*split, "--engine", "spark", "--report", str(reports["spark"]), env=env)
    assert store.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    assert_same(json.loads(store.output), json.loads(on_spark.output), "compare")
    # The report: its tables and the causes of waiting before and after, charts aside.
    pages = {k: _visible(p.read_text(encoding="utf-8")) for k, p in reports.items()}
    assert pages["spark"].count("data-cause=") >= 5 and pages["spark"] == pages["store"]
    start = ["map", "before", "--order", "start", "--json"]
    store, on_spark = invoke(*start, "--db", db), invoke(*start, "--engine", "spark", env=env)
    assert json.loads(store.output)["order"] == "start"
    assert_same(json.loads(store.output), json.loads(on_spark.output), "map --order start")
    files = {path: tmp_path / f"{path}.bpmn" for path in ("store", "spark")}
    invoke("map", "before", "--format", "bpmn", "--db", db, "-o", str(files["store"]))
    bpmn = ["map", "before", "--format", "bpmn", "--engine", "spark", "-o", str(files["spark"])]
    assert invoke(*bpmn, env=env).exit_code == 0
    texts = {k: p.read_text(encoding="utf-8") for k, p in files.items()}
    assert model_signature(texts["store"]) == model_signature(texts["spark"])
    assert "資料審核" in texts["spark"]


def test_compare_text_on_the_lake_by_duckdb(loaded: tuple[str, Path]) -> None:
    """The text table of a filtered split, in Chinese, on DuckDB reading the lake: the same
    lines as the store path's."""
    db, lake = loaded
    args = ["compare", "before", "--split-at", "2025-05-01", "--channel", "手機App",
            "--resamples", "100", "--lang", "zh"]  # fmt: skip
    store = invoke(*args, "--db", db)
    on_lake = invoke(*args, "--lake", str(lake))
    assert store.exit_code == 0 and on_lake.exit_code == 0, on_lake.output
    assert on_lake.output == store.output
    assert t("compare.before", "zh") in on_lake.output


def test_compare_report_with_a_prediction_on_the_lake(
    loaded: tuple[str, Path], tmp_path: Path
) -> None:
    """compare --report --prediction on DuckDB reading the lake: the same report as the
    store path's (its tables, the waiting causes, the prediction checked against the
    figures measured on AFTER), charts aside."""
    db, lake = loaded
    saved = tmp_path / "prediction.json"
    metrics = [
        {"name": "median_cycle_time_hours", "baseline": 300.0, "scenario": 120.0,
         "baseline_ci95": [280.0, 320.0], "scenario_ci95": [110.0, 130.0], "clipped": []},
        {"name": "p90_cycle_time_hours", "baseline": 900.0, "scenario": 400.0,
         "baseline_ci95": [850.0, 950.0], "scenario_ci95": [380.0, 420.0], "clipped": []},
        {"name": "approved_share", "baseline": 0.6, "scenario": 0.62,
         "baseline_ci95": [0.55, 0.65], "scenario_ci95": [0.57, 0.67], "clipped": []},
    ]  # fmt: skip
    saved.write_text(json.dumps({"dataset": "before", "runs": 2, "metrics": metrics}))
    pages = {}
    for where, source in (("store", ["--db", db]), ("lake", ["--lake", str(lake)])):
        page = tmp_path / f"{where}.html"
        args = ["compare", "before", "before", "--resamples", "50", "--report", str(page),
                "--prediction", str(saved), "--product", "流動資金貸款", *source]  # fmt: skip
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        pages[where] = _visible(page.read_text(encoding="utf-8"))
    assert 'id="prediction"' in pages["lake"] and pages["lake"].count("data-cause=") >= 5
    assert pages["lake"] == pages["store"]


def test_duckdb_reads_the_lake_by_cli(loaded: tuple[str, Path]) -> None:
    db, lake = loaded
    store = json.loads(invoke("kpis", "before", "--db", db, "--json").output)
    on_lake = invoke("kpis", "before", "--lake", str(lake), "--json")
    assert on_lake.exit_code == 0, on_lake.output
    assert_same(store, json.loads(on_lake.output), "kpis")


def test_a_lake_dataset_is_replaced_only_when_asked(loaded: tuple[str, Path]) -> None:
    db, lake = loaded
    again = [str(SAMPLES / "before.csv"), "-d", "before", "-p",
             str(SAMPLES / "before.profile.yaml"), "--to", str(lake), "--db", db]  # fmt: skip
    refused = invoke("ingest", *again)
    assert refused.exit_code != 0 and "--replace" in refused.output
    stamp = partition_dir(lake, "cases", "before").stat().st_mtime_ns
    replaced = invoke("ingest", *again, "--replace", "--json")
    assert replaced.exit_code == 0, replaced.output
    assert json.loads(replaced.output)["mode"] == "replace"
    assert partition_dir(lake, "cases", "before").stat().st_mtime_ns != stamp


def test_an_unknown_lake_dataset_is_a_clear_error(loaded: tuple[str, Path]) -> None:
    _, lake = loaded
    missing = invoke("kpis", "nope", "--engine", "spark", "--lake", str(lake))
    assert missing.exit_code == 2 and "has no dataset 'nope'" in missing.output
    assert "before" in missing.output  # it names what the lake has


def test_no_lake_to_write_to_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke(
        "ingest", str(SAMPLES / "before.csv"), "-d", "x", "--engine", "spark",
        "--db", str(tmp_path / "store.duckdb"), env={"LOANFLOW_LAKE": ""},
    )  # fmt: skip
    assert result.exit_code == 2 and "--to PATH, or set LOANFLOW_LAKE" in result.output


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java"))
    with pytest.raises(EngineUnavailableError, match="needs Java 17 or later"):
        check_java()
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineUnavailableError, match="apt-get install openjdk-17-jre-headless"):
        check_java()


def test_spark_without_a_lake_reads_the_stores_dataset(
    loaded: tuple[str, Path], tmp_path: Path
) -> None:
    """No lake set: the store's dataset is copied to Parquet in the cache folder once, and
    Spark computes on that copy."""
    db, _ = loaded
    env = {"LOANFLOW_LAKE": "", "LOANFLOW_CACHE_DIR": str(tmp_path / "cache")}
    on_spark = invoke("kpis", "before", "--engine", "spark", "--db", db, "--json", env=env)
    assert on_spark.exit_code == 0, on_spark.output
    store = json.loads(invoke("kpis", "before", "--db", db, "--json").output)
    assert_same(store, json.loads(on_spark.output), "kpis")
    copies = list((tmp_path / "cache" / "lake").glob("*/cases/dataset=before"))
    assert len(copies) == 1
