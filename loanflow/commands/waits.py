"""``loanflow waits NAME``: why applications wait, per activity and per handoff."""

from __future__ import annotations

from typing import Any

import click

from loanflow.commands.analyze import _analysis_command, _store, echo_table
from loanflow.commands.common import echo_json, pop_filters

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
def waits_command(
    dataset: str,
    db: str | None,
    as_json: bool,
    with_instances: bool,
    kronos: bool,
    top: int,
    **kwargs: Any,
) -> None:
    from analysis.waits.report import waiting_causes

    filters = pop_filters(kwargs)
    with _store(db) as con:
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
