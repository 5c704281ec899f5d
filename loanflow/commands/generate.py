"""``loanflow generate``: write a simulated loan-approval log (before or after the redesign)."""

from __future__ import annotations

from datetime import datetime

import click

DEFAULT_START = "2025-03-03"


@click.command("generate")
@click.option(
    "--scenario",
    type=click.Choice(["before", "after"]),
    default="before",
    show_default=True,
    help="The as-is process (before) or the redesign (after).",
)
@click.option(
    "--cases",
    type=click.IntRange(min=1),
    default=2000,
    show_default=True,
    help="Applications in the log.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed; the same seed gives a byte-identical file.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xes", "parquet"]),
    default=None,
    help="Output format (default: from the file name, else csv).",
)
@click.option(
    "--layout",
    type=click.Choice(["events", "instances"]),
    default="events",
    show_default=True,
    help="One row per event (lifecycle start/complete) or per activity instance.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Names and headers in Traditional Chinese or English.",
)
@click.option(
    "--encoding",
    type=click.Choice(["utf-8", "gb18030"]),
    default="utf-8",
    show_default=True,
    help="Text encoding (CSV only).",
)
@click.option(
    "--staff",
    multiple=True,
    metavar="DEPT=N",
    help="Head count of a department, e.g. --staff 信貸部=20 (repeatable).",
)
@click.option(
    "--volume",
    type=float,
    default=1.0,
    show_default=True,
    help="Arrival volume multiplier (2.0: twice the applications, same staff).",
)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=DEFAULT_START,
    show_default=True,
    help="First application date of the log.",
)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="File to write.")
def generate(
    scenario: str,
    cases: int,
    seed: int,
    fmt: str | None,
    layout: str,
    lang: str,
    encoding: str,
    staff: tuple[str, ...],
    volume: float,
    start: datetime,
    out: str,
) -> None:
    """Simulate loan approvals and write the event log to OUT.

    A discrete-event simulation of micro- and small-business loan approval across six
    departments, with queues, working hours and public holidays. Prints one line:
    cases, events, seconds and events per second.
    """
    from sample_logs.generate import generate_log, parse_staff

    summary = generate_log(
        out,
        scenario,
        cases,
        seed,
        fmt=fmt,
        layout=layout,
        lang=lang,
        encoding=encoding,
        staff=parse_staff(staff),
        volume=volume,
        start=start.date(),
    )
    click.echo(summary.line())


COMMANDS: list[click.Command] = [generate]
