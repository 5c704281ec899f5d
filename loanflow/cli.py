"""The ``loanflow`` console script: a click group over the command modules."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from typing import Any

import click

import loanflow.commands
from etl.errors import LoanFlowError

_exit_at_once = [False]


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


def _register_commands() -> None:
    for module_info in sorted(pkgutil.iter_modules(loanflow.commands.__path__)):
        module = importlib.import_module(f"loanflow.commands.{module_info.name}")
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)


_register_commands()
