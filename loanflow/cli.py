"""The ``loanflow`` console script: a click group over the command modules."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from etl.errors import LoanFlowError

_exit_at_once = [False]

# Which module of :mod:`loanflow.commands` defines each command (its ``COMMANDS``). A
# command's module is imported when the command runs or help lists it, not at start-up:
# a ``loanflow ingest`` process imported every command module (0.03-0.04 CPU s).
# tests/test_etl_cli.py checks this table against the modules.
COMMAND_MODULES: dict[str, str] = {
    "audit": "users",
    "bottlenecks": "analyze",
    "case": "analyze",
    "compare": "compare",
    "conformance": "analyze",
    "datasets": "ingest",
    "demo": "serve",
    "drop": "ingest",
    "end-activities": "analyze",
    "filter-choices": "analyze",
    "generate": "generate",
    "handoffs": "analyze",
    "ingest": "ingest",
    "keygen": "users",
    "kpis": "analyze",
    "map": "analyze",
    "model": "whatif",
    "network": "analyze",
    "predictions": "whatif",
    "rejects": "analyze",
    "rules": "analyze",
    "serve": "serve",
    "settings": "settings",
    "simulate": "whatif",
    "sla-risk": "analyze",
    "users": "users",
    "variants": "analyze",
    "waits": "waits",
}


def exit_without_teardown() -> None:
    """Ask the console script to end the process at once when the command has finished
    (its output flushed), skipping the interpreter's teardown: freeing the modules and
    stopping the thread pools of polars and DuckDB took 0.1-0.3 s after a load, as long
    as some of its steps. For a command that has closed everything it opened (its store
    connection, temporary files, worker processes) and needs nothing run at exit."""
    _exit_at_once[0] = True


class _Group(click.Group):
    """A click group that turns LoanFlow's expected errors into a message and an exit code."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The console script's entry (tests call :meth:`main` instead): click's main, then,
        after a command that asked for it (:func:`exit_without_teardown`), ``os._exit``."""
        _exit_at_once[0] = False
        try:
            return self.main(*args, **kwargs)
        except SystemExit as exc:
            if not _exit_at_once[0] or not isinstance(exc.code, int | None):
                raise
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except (OSError, ValueError):
                raise exc from None
            os._exit(exc.code or 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name (none of their modules imported)."""
        return sorted({*COMMAND_MODULES, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported on first use."""
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            module = importlib.import_module(f"loanflow.commands.{COMMAND_MODULES[cmd_name]}")
            for command in getattr(module, "COMMANDS", []):
                if command.name is not None and command.name not in self.commands:
                    self.add_command(command)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LoanFlowError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="loanflow")
def main() -> None:
    """LoanFlow: process mining for loan approval.

    Load a bank's event log, see how applications flow between departments, where they
    wait, and whether a redesign made approval faster without weakening risk control.
    The store is ./loanflow.duckdb unless --db or LOANFLOW_DB says otherwise.
    """
    # Loan logs hold personal data: every file LoanFlow creates (the store and its log,
    # uploads, caches, outputs) is readable by its owner only.
    os.umask(os.umask(0o077) | 0o077)
