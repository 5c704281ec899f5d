"""``loanflow waits NAME``: why applications wait, per activity and per handoff."""

from __future__ import annotations

from typing import Any

import click

from loanflow.commands.analyze import _analysis_command, echo_table, engine_options, lake_run_for
from loanflow.commands.common import echo_json, pop_filters, read_store

_CAUSE_COLUMNS = [
    ("batching", "batching h"),
    ("contention", "contention h"),
    ("prioritization", "priority h"),
    ("unavailability", "unavail. h"),
    ("extraneous", "extraneous h"),
]


def _flat(rows: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    flat = []
    for row in rows[:limit]:
        item = {k: v for k, v in row.items() if not isinstance(v, dict)}
        item.update(row["causes"])
        item["all_busy"] = f"{100 * row['department_all_busy_share']:.0f}%"
        flat.append(item)
    return flat


@_analysis_command("waits", "Why applications wait: each wait split into its five causes.")
@click.option("--instances", "with_instances", is_flag=True, help="List every instance (JSON).")
@click.option(
    "--kronos",
    is_flag=True,
    help="Kronos's batching definition (waiting for the batch to fill), for comparison.",
)
@click.option("--top", default=15, show_default=True, help="Rows per table in the text output.")
@click.option(
    "--compare",
    "other",
    default=None,
    metavar="AFTER",
    help="How each handoff's causes changed from this dataset to AFTER (hours per case).",
)
@engine_options
def waits_command(
    dataset: str,
    db: str | None,
    as_json: bool,
    with_instances: bool,
    kronos: bool,
    top: int,
    other: str | None,
    engine: str,
    lake: str | None,
    **kwargs: Any,
) -> None:
    from analysis.waits.report import cause_changes, waiting_causes

    filters = pop_filters(kwargs)
    run = lake_run_for(engine, lake, dataset, db)
    if other is not None:
        if run is not None:
            from analysis.lake import waits as lake_waits

            after = lake_run_for(engine, lake, other, db)
            changes = lake_waits.cause_changes((run, filters), (after, filters))
        else:
            with read_store(db) as con:
                changes = cause_changes(con, (dataset, filters), (other, filters))
        if as_json:
            echo_json({"before": dataset, "after": other, "handoffs": changes})
            return
        rows = []
        for row in changes[:top]:
            item = {"from": row["from"], "to": row["to"]}
            item["before"] = row["before_wait_hours_per_case"]
            item["after"] = row["after_wait_hours_per_case"]
            item.update(row["change"])
            rows.append(item)
        click.echo(f"Waiting hours per case, {dataset} -> {other}; change by cause:")
        echo_table(
            rows,
            [("from", "from"), ("to", "to"), ("before", "before h"), ("after", "after h"),
             *_CAUSE_COLUMNS],
        )  # fmt: skip
        return
    if run is not None:
        from analysis.lake import waits as lake_waits

        report = lake_waits.waiting_causes(run, filters, instances=with_instances, kronos=kronos)
    else:
        with read_store(db) as con:
            report = waiting_causes(con, dataset, filters, instances=with_instances, kronos=kronos)
    if as_json:
        echo_json(report.to_json())
        return
    for note in report.notes:
        click.echo(f"Note: {note}")
    click.echo("Handoffs (calendar hours of waiting, by cause):")
    echo_table(
        _flat(report.handoffs, top),
        [("from", "from"), ("to", "to"), ("instances", "handoffs"), ("wait_hours", "wait h"),
         *_CAUSE_COLUMNS, ("main_cause", "main cause"), ("all_busy", "dept all busy")],
    )  # fmt: skip
    click.echo("")
    click.echo("Activities:")
    echo_table(
        _flat(report.activities, top),
        [("activity", "activity"), ("department", "department"), ("instances", "instances"),
         ("wait_hours", "wait h"), *_CAUSE_COLUMNS, ("main_cause", "main cause"),
         ("all_busy", "dept all busy")],
    )  # fmt: skip
    if report.batches:
        click.echo("")
        click.echo("Batches:")
        echo_table(
            report.batches,
            [("activity", "activity"), ("batches", "batches"), ("mean_size", "mean size"),
             ("max_size", "max size"), ("batches_per_week", "per week")],
        )  # fmt: skip


COMMANDS: list[click.Command] = [waits_command]
