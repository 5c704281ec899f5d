"""Options shared by the commands: the store and the case filters."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

import click

from etl.outcomes import OUTCOME_KEYS

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    "db",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="LOANFLOW_DB",
    show_envvar=True,
    help="The store file (default ./loanflow.duckdb).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


def filter_options(func: F) -> F:
    """Add the shared case filters to an analysis command."""
    options = [
        click.option(
            "--from",
            "date_from",
            type=click.DateTime(["%Y-%m-%d"]),
            default=None,
            help="Cases that started on or after this date (YYYY-MM-DD).",
        ),
        click.option(
            "--to",
            "date_to",
            type=click.DateTime(["%Y-%m-%d"]),
            default=None,
            help="Cases that started on or before this date (YYYY-MM-DD).",
        ),
        click.option(
            "--period-basis",
            type=click.Choice(["started", "ended"]),
            default="started",
            help="Whether --from/--to select cases that started or ended then.",
        ),
        click.option(
            "--outcome",
            "outcomes",
            multiple=True,
            type=click.Choice(OUTCOME_KEYS),
            help="Keep cases with this outcome (repeatable).",
        ),
        click.option("--amount-min", type=float, default=None, help="Smallest loan amount."),
        click.option("--amount-max", type=float, default=None, help="Largest loan amount."),
        click.option("--product", "products", multiple=True, help="Loan product (repeatable)."),
        click.option("--branch", "branches", multiple=True, help="Branch (repeatable)."),
        click.option("--channel", "channels", multiple=True, help="Channel (repeatable)."),
        click.option(
            "--department",
            "departments",
            multiple=True,
            help="Cases that passed through this department (repeatable).",
        ),
        click.option(
            "--attr",
            "attributes",
            multiple=True,
            metavar="NAME=VALUE",
            help="A case attribute that must equal a value (repeatable).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_filters(**kwargs: Any) -> Any:
    """Turn the shared filter options into :class:`analysis.filters.Filters`."""
    from analysis.filters import Filters

    attributes = []
    for pair in kwargs.get("attributes", ()):
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--attr")
        attributes.append((name, value))

    def as_date(value: Any) -> date | None:
        return value.date() if value is not None else None

    return Filters(
        date_from=as_date(kwargs.get("date_from")),
        date_to=as_date(kwargs.get("date_to")),
        period_basis=kwargs.get("period_basis", "started"),
        outcomes=tuple(kwargs.get("outcomes", ())),
        amount_min=kwargs.get("amount_min"),
        amount_max=kwargs.get("amount_max"),
        products=tuple(kwargs.get("products", ())),
        branches=tuple(kwargs.get("branches", ())),
        channels=tuple(kwargs.get("channels", ())),
        departments=tuple(kwargs.get("departments", ())),
        attributes=tuple(attributes),
    )


FILTER_KEYS = (
    "date_from",
    "date_to",
    "period_basis",
    "outcomes",
    "amount_min",
    "amount_max",
    "products",
    "branches",
    "channels",
    "departments",
    "attributes",
)


def pop_filters(kwargs: dict[str, Any]) -> Any:
    """Remove the shared filter options from a command's kwargs and build the Filters."""
    return build_filters(**{k: kwargs.pop(k) for k in FILTER_KEYS if k in kwargs})


@contextmanager
def read_store(db: str | None) -> Iterator[Any]:
    """The store opened read-only for one command, closed when the command is done."""
    from etl.store import connect

    con = connect(db, read_only=True)
    try:
        yield con
    finally:
        con.close()


def echo_json(payload: Any) -> None:
    """Print a JSON document (UTF-8, non-ASCII kept readable)."""
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def cli_actor() -> str:
    """Who runs the command, as the audit log records it (``alice@cli``)."""
    import getpass
    import os

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"{name}@cli"


def audit_cli(db: str | None, action: str, target: str, detail: str) -> None:
    """Write a command's change of the store to the audit log (when the store exists)."""
    import contextlib

    import duckdb

    import accounts
    from etl.errors import LoanFlowError
    from etl.store import connect, store_exists

    if not store_exists(db):
        return
    try:
        con = connect(db)
    except (LoanFlowError, duckdb.Error, OSError):
        return  # the store is held, full or unreadable; the command's own message says so
    try:
        accounts.audit(con, cli_actor(), action, target, detail)
    except (duckdb.Error, OSError):
        pass  # a full disk or a read-only store: the load's own outcome is what counts
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()
