"""LoanFlow beyond one machine: the figures computed on Apache Spark (or DuckDB) over the
lake, the store's canonical tables as Parquet partitioned by dataset.

- :mod:`analysis.lake.dialect`: the few spellings the two engines differ in;
- :mod:`analysis.lake.derive`: the derivations (instances, predecessors, waits, handoffs,
  ping-pong, per-case figures) as SQL steps, each materialised on the engine;
- :mod:`analysis.lake.figures`: the figures over them, returning the store path's types;
- :mod:`analysis.lake.waits`: the waiting causes (``loanflow waits``), the per-resource
  sweep run where the rows are;
- :mod:`analysis.lake.engine`: the engines (a DuckDB connection, a Spark session);
- :mod:`analysis.lake.files`: the lake's layout, and writing a dataset into it.

:func:`lake_run` is the front door: the derivations of one dataset on one engine, built
once per process and reused by every figure (docs/scale.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import threading
from pathlib import Path
from typing import Any

from analysis.lake.engine import ENGINES, DuckDBEngine, Engine, SparkEngine, spark_session
from analysis.lake.location import (
    Lake,
    RemoteLake,
    needs_spark,
    parse_lake,
    remote_dataset_facts,
    remote_stamp,
)
from analysis.lake.run import LakeRun
from etl.errors import LoanFlowError
from etl.profile import profile_from_store
from etl.settings import SETTINGS

_runs: dict[tuple[str, ...], LakeRun] = {}
_runs_guard = threading.Lock()


def lake_root() -> Lake | None:
    """The lake named by ``LOANFLOW_LAKE`` (None when unset): a folder, a file-system URI
    or catalog tables (:func:`analysis.lake.location.parse_lake`)."""
    value = SETTINGS["lake"].value()
    return parse_lake(value) if value else None


def check_engine(name: str) -> str:
    """The engine's name, or a clear error for an unknown one."""
    if name not in ENGINES:
        known = ", ".join(ENGINES)
        raise LoanFlowError(
            f"Unknown engine {name!r}: choose one of {known}.",
            code="engine_unknown",
            name=name,
            known=known,
        )
    return name


def _store_facts(con: Any, dataset: str) -> tuple[str | None, str]:
    """The profile stored with a dataset of the store, and the dataset's fingerprint."""
    from analysis.prepared_tables import fingerprint
    from analysis.scope import make_scope

    make_scope(con, dataset)  # a clear error for an unknown dataset
    row = con.execute(
        "SELECT CAST(profile AS VARCHAR) FROM datasets WHERE name = ?", [dataset]
    ).fetchone()
    return (None if row is None else row[0]), fingerprint(con, dataset) or ""


def _store_lake(con: Any, dataset: str, version: str) -> Path:
    """A lake copy of one dataset of the store, in the cache folder, written once per
    version of the dataset (its fingerprint), for Spark to read when no lake is set."""
    from analysis.lake.files import partition_dir, write_dataset

    folder = Path(SETTINGS["cache_dir"].value()).resolve() / "lake"
    root = folder / version[:24]
    if not partition_dir(root, "cases", dataset).exists():
        write_dataset(con, dataset, root)
        # Copies of the dataset's earlier versions (replaced, appended, re-profiled) go.
        for other in folder.iterdir():
            if other != root and partition_dir(other, "cases", dataset).exists():
                shutil.rmtree(other, ignore_errors=True)
    return root


def lake_run(
    engine: str,
    dataset: str,
    *,
    db: str | None = None,
    lake: Lake | None = None,
    con: Any = None,
    from_store: bool = False,
) -> LakeRun:
    """The derivations of ``dataset`` on ``engine`` (``duckdb`` or ``spark``), built on first
    use and kept for the process. Data comes from the lake at ``lake`` (or, for Spark,
    ``LOANFLOW_LAKE``); without one, or with ``from_store``, from the store (``con``, or
    ``db`` opened read-only), the dataset copied once to Parquet in the cache folder."""
    from analysis.lake.files import read_profile_json, require_lake_dataset

    check_engine(engine)
    root = None if from_store else lake or (lake_root() if engine == "spark" else None)
    if engine == "duckdb":
        needs_spark(root)
    profile_text: str | None = None
    in_folder = isinstance(root, Path)  # its profile is read only to build a new run
    if isinstance(root, RemoteLake):
        # One read of the dataset's row (a Spark job): whether the lake holds the dataset,
        # its version and its profile.
        facts = remote_dataset_facts(root, dataset)
        if facts is None:
            require_lake_dataset(root, dataset)  # raises, naming the datasets it holds
        assert facts is not None
        profile_text, stamp = facts
    elif root is not None:
        require_lake_dataset(root, dataset)
        stamp = lake_stamp(root, dataset)
    else:
        from etl.store import connect

        own = con is None
        con = connect(db, read_only=True) if own else con
        try:
            profile_text, stamp = _store_facts(con, dataset)
            root = _store_lake(con, dataset, stamp)
        finally:
            if own:
                con.close()
    key = (engine, str(root), dataset, stamp)
    with _runs_guard:
        run = _runs.get(key)
        if run is not None:
            return run
        if in_folder:
            profile_text = read_profile_json(root, dataset)
        tag = hashlib.sha256("|".join(key).encode()).hexdigest()[:12]
        made: Engine
        if engine == "spark":
            made = SparkEngine(spark_session(), root)
        else:
            import duckdb

            assert not isinstance(root, RemoteLake)  # needs_spark refused it above
            made = DuckDBEngine(duckdb.connect(), root)
        run = LakeRun(made, dataset, profile_from_store(profile_text), tag)
        run.prepare()
        _runs[key] = run
        return run


def lake_stamp(root: Lake, dataset: str) -> str:
    """A version of one dataset in the lake: in a folder, its ``cases`` partition's
    modification time (a load swaps the partition in whole, so a reload changes it; loading
    another dataset does not); elsewhere, a digest of its ``datasets`` row."""
    from analysis.lake.files import partition_dir

    if isinstance(root, RemoteLake):
        return remote_stamp(root, dataset)

    folder = partition_dir(root, "cases", dataset)
    return str(folder.stat().st_mtime_ns) if folder.exists() else ""


def forget_runs() -> None:
    """Drop every kept derivation (tests; a dashboard after a reload)."""
    with _runs_guard:
        for run in _runs.values():
            with contextlib.suppress(Exception):  # the engine may be gone already
                run.drop()
        _runs.clear()


def run_for(engine: str, dataset: str, db: str | None = None, lake: str | None = None) -> Any:
    """:func:`lake_run` with a lake given as text (the CLI's ``--lake``: a folder, a
    file-system URI or ``catalog:DATABASE``)."""
    return lake_run(engine, dataset, db=db, lake=parse_lake(lake) if lake else None)


def lake_equivalent(function: Any, options: dict[str, Any], args: tuple[Any, ...] = ()) -> Any:
    """The lake figure computing what the store path's ``function(con, dataset, filters,
    *args, **options)`` computes, as a callable ``(run, filters)``; None when the figure (or
    the option asked for) is not computed on the lake. The options that only skip work on
    the store path (``working``, ``median``) are dropped: the lake computes every column."""
    from analysis.lake import figures, pages, waits

    name = f"{getattr(function, '__module__', '')}.{getattr(function, '__name__', '')}"
    table: dict[str, tuple[Any, tuple[str, ...]]] = {
        "analysis.kpis.kpis": (figures.kpis, ()),
        "analysis.kpi_changes.kpi_changes": (figures.kpi_changes, ()),
        "analysis.handoffs.handoffs": (figures.handoffs, ("working",)),
        "analysis.variants.variants": (figures.variants, ("top",)),
        "analysis.process_map.process_map": (figures.process_map, ("working", "order")),
        "analysis.bottlenecks.bottleneck_tables": (figures.bottleneck_tables, ("working",)),
        "analysis.bottlenecks.resource_workload": (figures.resource_workload, ("median",)),
        "analysis.bottlenecks.open_cases_waiting": (figures.open_cases_waiting, ("limit",)),
        "analysis.waits.report.waiting_causes": (
            waits.waiting_causes,
            ("instances", "kronos", "transitions"),
        ),
        # The dashboard's other pages (analysis.lake.pages).
        "analysis.trends.weekly_trend": (pages.weekly_trend, ()),
        "analysis.trends.wip_over_time": (pages.wip_over_time, ()),
        "analysis.bottlenecks.sla_risk": (pages.sla_risk, ("limit",)),
        "analysis.case_metrics.case_metrics": (pages.case_metrics, ()),
        "analysis.case_metrics.case_page": (pages.case_page, ("order", "offset", "limit")),
        "analysis.process_map.element_cases": (
            pages.element_cases,
            ("activity", "source", "target", "limit"),
        ),
        "analysis.rules.rule_results": (pages.rule_results, ()),
        "analysis.conformance.conformance": (pages.conformance, ("max_alignment_variants",)),
        "analysis.waits.report.department_calendars": (pages.department_calendars, ()),
        "analysis.waits.report.selected_case_waits": (_case_waits, ()),
    }
    positional = {"analysis.conformance.conformance", "analysis.waits.report.selected_case_waits"}
    if name not in table or (args and name not in positional):
        return None
    figure, accepted = table[name]
    if set(options) - set(accepted):
        return None
    passed = {k: v for k, v in options.items() if k not in ("working", "median")}

    def compute(run: LakeRun, filters: Any) -> Any:
        return figure(run, filters, *args, **passed)

    return compute


def _case_waits(run: LakeRun, _filters: Any, case_id: str) -> Any:
    """One case's waits (a case's waits do not depend on the selection)."""
    from analysis.lake.pages import case_waits

    return case_waits(run, case_id)
