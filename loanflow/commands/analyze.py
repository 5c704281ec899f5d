"""Analysis commands: kpis, handoffs, bottlenecks, variants, map, conformance, rules, network.

Each parses its options, opens the store read-only, calls one function of ``analysis`` and
prints its result as a readable table or, with ``--json``, as the JSON of DESIGN.md.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, cast

import click

from loanflow.commands.common import (
    db_option,
    echo_json,
    filter_options,
    json_option,
    pop_filters,
    read_store,
)


def _plain(value: Any) -> Any:
    """JSON-ready scalars: numpy to Python, NaN to None, timestamps to ISO text."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        with suppress(ValueError, AttributeError):
            value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _records(frame: Any, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    keep = list(columns) if columns is not None else list(frame.columns)
    return [{k: _plain(r[k]) for k in keep} for r in frame[keep].to_dict(orient="records")]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return " > ".join(str(v) for v in value)
    return str(value)


def echo_table(rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> None:
    """Print rows as an aligned text table; ``columns`` are (key, heading) pairs."""
    if not rows:
        click.echo("(none)")
        return
    cells = [[_cell(r.get(k)) for k, _ in columns] for r in rows]
    widths = [
        max(_width(h), *(_width(line[i]) for line in cells)) for i, (_, h) in enumerate(columns)
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True))

    click.echo(line([h for _, h in columns]).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for values in cells:
        click.echo(line(values).rstrip())


def echo_rows(
    as_json: bool,
    document: dict[str, Any],
    rows: list[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
) -> None:
    """Print ``document`` as JSON, or ``rows`` as a text table of ``columns``."""
    if as_json:
        echo_json(document)
    else:
        echo_table(rows, columns)


def _analysis_command(name: str, help_text: str) -> Callable[[Callable[..., Any]], click.Command]:
    def wrap(func: Callable[..., Any]) -> click.Command:
        func = filter_options(func)
        func = json_option(func)
        func = db_option(func)
        func = click.argument("dataset")(func)
        return click.command(name, help=help_text)(func)

    return wrap


def engine_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--engine`` and ``--lake`` to an analysis command (docs/scale.md)."""
    func = click.option(
        "--lake",
        type=click.Path(file_okay=False),
        default=None,
        help="Read the dataset from this lake instead of the store: a folder of Parquet "
        "partitioned by dataset, or (--engine spark) a file-system URI (hdfs://, s3a://...) or "
        "catalog:DATABASE; with --engine spark the default is LOANFLOW_LAKE.",
    )(func)
    return click.option(
        "--engine",
        type=click.Choice(["duckdb", "spark"]),
        default="duckdb",
        envvar="LOANFLOW_ENGINE",
        show_envvar=True,
        show_default=True,
        help="Compute on DuckDB (the store) or on Spark (LOANFLOW_SPARK_MASTER) over the lake.",
    )(func)


def lake_run_for(engine: str, lake: str | None, dataset: str, db: str | None) -> Any:
    """The lake derivations to compute on, or None for the store path (DuckDB, no lake)."""
    if engine == "duckdb" and not lake:
        return None
    from analysis.lake import run_for

    return run_for(engine, dataset, db=db, lake=lake)


@_analysis_command("kpis", "Headline KPIs of a dataset: cycle time, outcomes, rework, SLA.")
@click.option(
    "--vs-previous",
    is_flag=True,
    help="Add each KPI's change against the previous period (key vs_previous): the chosen "
    "--from/--to period against the one of equal length before it, or the last 4 weeks "
    "against the 4 weeks before.",
)
@engine_options
def kpis_command(
    dataset: str,
    db: str | None,
    as_json: bool,
    vs_previous: bool,
    engine: str,
    lake: str | None,
    **kwargs: Any,
) -> None:
    from analysis.kpi_changes import kpi_changes
    from analysis.kpis import kpis

    filters = pop_filters(kwargs)
    run = lake_run_for(engine, lake, dataset, db)
    if run is not None:
        from analysis.lake import figures

        result = figures.kpis(run, filters)
        changes = figures.kpi_changes(run, filters) if vs_previous else None
    else:
        with read_store(db) as con:
            result = kpis(con, dataset, filters)
            changes = kpi_changes(con, dataset, filters) if vs_previous else None
    doc = result.to_json()
    if changes is not None:
        doc["vs_previous"] = changes.to_json()
    if as_json:
        echo_json(doc)
        return
    if not doc["outcome_mapped"]:
        click.echo("Outcome not mapped: the profile names no outcome activities or attribute.")
    click.echo(
        f"Dataset {dataset}: {doc['cases']:,} cases, {doc['events']:,} events, "
        f"{doc['activity_instances']:,} activity instances"
    )
    rows = []
    for key, label in (
        ("cycle_time_hours", "cycle time (h)"),
        ("cycle_time_working_hours", "cycle time (working h)"),
    ):
        stats = doc[key]
        rows.append(
            {"figure": label, "median": stats["median"], "mean": stats["mean"], "p90": stats["p90"]}
        )
    echo_table(rows, [("figure", "figure"), ("median", "median"), ("mean", "mean"), ("p90", "p90")])
    click.echo("")
    shares = [{"figure": f"{k} share", "value": v} for k, v in doc["outcome_share"].items()]
    for key in (
        "rework_share",
        "pingpong_share",
        "first_time_right_share",
        "handoffs_per_case",
        "touches_per_case",
        "sla_compliance",
        "cost_per_case",
    ):
        shares.append({"figure": key.replace("_", " "), "value": doc[key]})
    echo_table(shares, [("figure", "figure"), ("value", "value")])
    if changes is not None:
        click.echo("")
        _echo_changes(changes.to_json())


def _echo_changes(doc: dict[str, Any]) -> None:
    click.echo(
        f"Against the previous period ({doc['previous_from']} to {doc['previous_to']}; "
        f"{doc['previous_cases']:,} cases then, {doc['current_cases']:,} now):"
    )
    if doc["reason"]:
        click.echo(f"changes withheld: {doc['reason'].replace('_', ' ')}")
    echo_table(
        doc["changes"],
        [
            ("name", "figure"),
            ("current", "now"),
            ("previous", "before"),
            ("change", "change"),
            ("direction", "direction"),
        ],
    )


@_analysis_command("handoffs", "Department handoffs ranked by total waiting time.")
@engine_options
def handoffs_command(
    dataset: str, db: str | None, as_json: bool, engine: str, lake: str | None, **kwargs: Any
) -> None:
    from analysis.handoffs import handoffs

    filters = pop_filters(kwargs)
    run = lake_run_for(engine, lake, dataset, db)
    if run is not None:
        from analysis.lake import figures

        table = figures.handoffs(run, filters)
    else:
        with read_store(db) as con:
            table = handoffs(con, dataset, filters)
    rows = _records(table)
    echo_rows(
        as_json,
        {"dataset": dataset, "handoffs": rows},
        rows,
        [
            ("from", "from"),
            ("to", "to"),
            ("count", "handoffs"),
            ("median_wait_hours", "median wait h"),
            ("p90_wait_hours", "p90 wait h"),
            ("total_wait_hours", "total wait h"),
            ("pingpong_cases", "ping-pong"),
        ],
    )


@_analysis_command("bottlenecks", "Where cases wait: activities, departments, resources.")
@click.option(
    "--open-cases",
    default=10,
    show_default=True,
    help="How many of the longest-waiting open cases to list.",
)
@engine_options
def bottlenecks_command(
    dataset: str,
    db: str | None,
    as_json: bool,
    open_cases: int,
    engine: str,
    lake: str | None,
    **kwargs: Any,
) -> None:
    from analysis.bottlenecks import bottleneck_tables, open_cases_waiting, resource_workload

    filters = pop_filters(kwargs)
    run = lake_run_for(engine, lake, dataset, db)
    if run is not None:
        from analysis.lake import figures

        by_activity, by_department = figures.bottleneck_tables(run, filters)
        activities = _records(by_activity)
        departments = _records(by_department)
        resources = _records(figures.resource_workload(run, filters))
        waiting = _records(figures.open_cases_waiting(run, filters, limit=open_cases))
    else:
        with read_store(db) as con:
            by_activity, by_department = bottleneck_tables(con, dataset, filters)
            activities = _records(by_activity)
            departments = _records(by_department)
            resources = _records(resource_workload(con, dataset, filters))
            waiting = _records(open_cases_waiting(con, dataset, filters, limit=open_cases))
    if as_json:
        echo_json(
            {
                "dataset": dataset,
                "activities": activities,
                "departments": departments,
                "resources": resources,
                "open_cases": waiting,
            }
        )
        return
    common = [
        ("instances", "instances"),
        ("median_wait_hours", "median wait h"),
        ("median_processing_hours", "median work h"),
        ("total_wait_hours", "total wait h"),
        ("share_of_cycle_time", "share of cycle"),
    ]
    echo_table(activities, [("activity", "activity"), ("department", "department"), *common])
    click.echo("")
    echo_table(departments, [("department", "department"), *common])
    click.echo("")
    click.echo("Open cases waiting longest:")
    echo_table(
        waiting,
        [
            ("case_id", "case"),
            ("last_activity", "last activity"),
            ("waiting_hours", "waiting h"),
            ("age_hours", "age h"),
            ("sla_hours_left", "SLA h left"),
        ],
    )


@_analysis_command("sla-risk", "Credibly open cases nearest to breaching the SLA.")
@click.option("--top", default=10, show_default=True, help="How many cases to list.")
def sla_risk_command(dataset: str, db: str | None, as_json: bool, top: int, **kwargs: Any) -> None:
    from analysis.bottlenecks import sla_risk
    from analysis.open_cases import open_case_rule
    from analysis.scope import make_scope

    filters = pop_filters(kwargs)
    with read_store(db) as con:
        rows = _records(sla_risk(con, dataset, filters, limit=top))
        rule = open_case_rule(con, make_scope(con, dataset, filters)).to_json()
    if as_json:
        echo_json({"dataset": dataset, "open_case_rule": rule, "cases": rows})
        return
    click.echo(
        f"Open cases as of {rule['as_of']} (idle at most {_cell(rule['idle_limit_hours'])} h, "
        f"last activity not an end activity):"
    )
    echo_table(
        rows,
        [
            ("case_id", "case"),
            ("last_activity", "last activity"),
            ("last_department", "department"),
            ("age_hours", "age h"),
            ("waiting_hours", "waiting h"),
            ("sla_hours_left", "SLA h left"),
        ],
    )


@click.command(
    "end-activities",
    help="Activities that end cases: outcome candidates for a log without outcomes.",
)
@click.argument("dataset")
@db_option
@json_option
@click.option(
    "--min-share",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Least share of the cases an activity occurs in that it ends.",
)
def end_activities_command(dataset: str, db: str | None, as_json: bool, min_share: float) -> None:
    from analysis.open_cases import end_activity_candidates

    with read_store(db) as con:
        rows = _records(end_activity_candidates(con, dataset, min_share))
    echo_rows(
        as_json,
        {"dataset": dataset, "end_activities": rows},
        rows,
        [
            ("activity", "activity"),
            ("cases_ending", "cases ending"),
            ("cases_with", "cases with it"),
            ("share_ending", "share ending"),
            ("share_of_cases", "share of cases"),
        ],
    )


@click.command("filter-choices", help="The values the filters offer for a dataset.")
@click.argument("dataset")
@db_option
@json_option
def filter_choices_command(dataset: str, db: str | None, as_json: bool) -> None:
    from analysis.dataset_facts import filter_choices

    with read_store(db) as con:
        doc = filter_choices(con, dataset).to_json()
    if as_json:
        echo_json({"dataset": dataset, **doc})
        return
    click.echo(f"Cases started from {doc['first_day']} to {doc['last_day']}")
    click.echo("Products: " + (", ".join(doc["products"]) or "-"))
    click.echo("Departments: " + (", ".join(doc["departments"]) or "-"))
    bands = [f"{_cell(low)} to {_cell(high)}" for low, high in doc["amount_bands"]]
    click.echo("Amount bands: " + ("; ".join(bands) or "-"))


@click.command("case", help="One case's activity instances in case order (its timeline).")
@click.argument("dataset")
@click.argument("case_id")
@db_option
@json_option
def case_command(dataset: str, case_id: str, db: str | None, as_json: bool) -> None:
    from analysis.dataset_facts import case_timeline

    with read_store(db) as con:
        rows = _records(case_timeline(con, dataset, case_id))
    echo_rows(
        as_json,
        {"dataset": dataset, "case_id": case_id, "instances": rows},
        rows,
        [
            ("activity", "activity"),
            ("department", "department"),
            ("resource", "resource"),
            ("start_ts", "start"),
            ("end_ts", "end"),
        ],
    )


@click.command("rejects", help="The rows a load rejected, with the reason of each.")
@click.argument("dataset")
@db_option
@json_option
@click.option("--limit", type=int, default=None, help="List at most this many rows.")
def rejects_command(dataset: str, db: str | None, as_json: bool, limit: int | None) -> None:
    from analysis.dataset_facts import rejected_rows

    with read_store(db) as con:
        rows = _records(rejected_rows(con, dataset, limit))
    columns = [("source_row", "row"), ("reason", "reason"), ("raw_row", "raw row")]
    echo_rows(as_json, {"dataset": dataset, "rejects": rows}, rows, columns)


@_analysis_command("variants", "The most frequent variants (activity sequences).")
@click.option("--top", default=10, show_default=True, help="How many variants to list.")
@engine_options
def variants_command(
    dataset: str,
    db: str | None,
    as_json: bool,
    top: int,
    engine: str,
    lake: str | None,
    **kwargs: Any,
) -> None:
    from analysis.variants import variants

    filters = pop_filters(kwargs)
    run = lake_run_for(engine, lake, dataset, db)
    if run is not None:
        from analysis.lake import figures

        result = figures.variants(run, filters, top=top)
    else:
        with read_store(db) as con:
            result = variants(con, dataset, filters, top=top)
    doc = result.to_json()
    if as_json:
        echo_json({"dataset": dataset, **doc})
        return
    coverage = doc["coverage"]
    click.echo(
        f"{doc['variant_count']:,} variants over {doc['cases']:,} cases; the top "
        f"{len(doc['variants'])} cover {_cell(coverage * 100 if coverage is not None else None)}%."
    )
    echo_table(
        doc["variants"],
        [
            ("cases", "cases"),
            ("share", "share"),
            ("median_cycle_time_hours", "median cycle h"),
            ("activities", "activities"),
        ],
    )


@_analysis_command("map", "The process map (directly-follows graph with performance).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "svg", "bpmn"]),
    default="json",
    show_default=True,
    help="json: nodes and edges; svg: drawn by Graphviz; bpmn: a model by pm4py's inductive miner.",
)
@click.option(
    "--mode",
    type=click.Choice(["frequency", "performance"]),
    default="frequency",
    show_default=True,
    help="What the SVG labels show.",
)
@click.option(
    "--activities",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Share of activities kept, most frequent first.",
)
@click.option(
    "--paths",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Share of paths kept, most frequent first.",
)
@click.option(
    "--order",
    type=click.Choice(["predecessor", "start"]),
    default="predecessor",
    show_default=True,
    help="Edges by predecessor (default) or by start order.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write to this file instead of standard output.",
)
@engine_options
def map_command(
    dataset: str,
    db: str | None,
    as_json: bool,
    fmt: str,
    mode: str,
    activities: float,
    paths: float,
    order: str,
    output: str | None,
    engine: str,
    lake: str | None,
    **kwargs: Any,
) -> None:
    from analysis.map_render import Mode, discover_bpmn, to_svg
    from analysis.process_map import Order, process_map, simplify

    filters = pop_filters(kwargs)
    run = lake_run_for(engine, lake, dataset, db)
    if run is not None:
        from analysis.lake import figures

        if fmt == "bpmn":
            _emit(figures.bpmn(run, filters), output)
            return
        full = figures.process_map(run, filters, order=cast("Order", order))
    else:
        with read_store(db) as con:
            if fmt == "bpmn":
                _emit(discover_bpmn(con, dataset, filters), output)
                return
            full = process_map(con, dataset, filters, order=cast("Order", order))
    pmap = simplify(full, activities, paths)
    if fmt == "svg":
        _emit(to_svg(pmap, cast("Mode", mode)), output)
        return
    doc = {"dataset": dataset, **pmap.to_json()}
    if output or as_json:
        import json

        _emit(json.dumps(doc, ensure_ascii=False, indent=2), output)
        return
    echo_table(
        doc["edges"],
        [
            ("from", "from"),
            ("to", "to"),
            ("count", "count"),
            ("cases", "cases"),
            ("median_hours", "median wait h"),
            ("p90_hours", "p90 wait h"),
        ],
    )


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text)


@_analysis_command("conformance", "Fitness and deviations against a reference model.")
@click.option(
    "--model",
    "model",
    required=True,
    type=click.Path(dir_okay=False),
    help="The reference model: BPMN (.bpmn) or PNML (.pnml).",
)
@click.option(
    "--method",
    type=click.Choice(["token_replay", "alignments"]),
    default="token_replay",
    show_default=True,
    help="pm4py's token-based replay (fast) or alignments (exact, slower).",
)
@click.option(
    "--cases",
    "max_cases",
    default=20,
    show_default=True,
    help="How many of the least fitting cases to list.",
)
def conformance_command(
    dataset: str,
    db: str | None,
    as_json: bool,
    model: str,
    method: str,
    max_cases: int,
    **kwargs: Any,
) -> None:
    from analysis.conformance import Method, conformance

    filters = pop_filters(kwargs)
    with read_store(db) as con:
        result = conformance(con, dataset, filters, model, cast("Method", method))
    doc = result.to_json(max_cases=max_cases)
    if as_json:
        echo_json({"dataset": dataset, **doc})
        return
    click.echo(
        f"{doc['cases']:,} cases ({doc['variants']:,} variants) against {model}: "
        f"fitness {_cell(doc['fitness'])}, fitting cases {_cell(doc['fit_case_share'])}"
    )
    echo_table(
        doc["deviations"],
        [("activity", "activity"), ("kind", "deviation"), ("cases", "cases"), ("share", "share")],
    )
    click.echo("")
    worst = [{**r, "deviations": "; ".join(r["deviations"])} for r in doc["least_fitting_cases"]]
    echo_table(worst, [("case_id", "case"), ("fitness", "fitness"), ("deviations", "deviations")])


@_analysis_command("rules", "Loan guardrails from the profile, with the cases breaking them.")
def rules_command(dataset: str, db: str | None, as_json: bool, **kwargs: Any) -> None:
    from analysis.rules import rule_results

    filters = pop_filters(kwargs)
    with read_store(db) as con:
        results = [r.to_json() for r in rule_results(con, dataset, filters)]
    if as_json:
        echo_json({"dataset": dataset, "rules": results})
        return
    for r in results:
        r["status"] = "checked" if r["checked"] else "not configured in the profile"
        r["examples"] = ", ".join(r["cases"][:5]) + (" ..." if len(r["cases"]) > 5 else "")
    echo_table(
        results,
        [
            ("rule", "rule"),
            ("status", "status"),
            ("decided_cases", "decided"),
            ("breaking_cases", "breaking"),
            ("share", "share"),
            ("examples", "cases"),
        ],
    )


@_analysis_command("network", "Handover-of-work network between departments or resources.")
@click.option(
    "--level",
    type=click.Choice(["department", "resource"]),
    default="department",
    show_default=True,
    help="Between departments or between resources.",
)
@click.option("--no-self", is_flag=True, help="Leave out handovers to oneself.")
def network_command(
    dataset: str, db: str | None, as_json: bool, level: str, no_self: bool, **kwargs: Any
) -> None:
    from analysis.network import Level, handover_network

    filters = pop_filters(kwargs)
    with read_store(db) as con:
        table = handover_network(
            con,
            dataset,
            filters,
            level=cast("Level", level),
            include_self=not no_self,
        )
    rows = _records(table)
    echo_rows(
        as_json,
        {"dataset": dataset, "level": level, "handovers": rows},
        rows,
        [
            ("from", "from"),
            ("to", "to"),
            ("count", "count"),
            ("cases", "cases"),
            ("share", "share"),
            ("median_wait_hours", "median wait h"),
        ],
    )


COMMANDS: list[click.Command] = [
    kpis_command,
    handoffs_command,
    bottlenecks_command,
    sla_risk_command,
    end_activities_command,
    filter_choices_command,
    case_command,
    rejects_command,
    variants_command,
    map_command,
    conformance_command,
    rules_command,
    network_command,
]
