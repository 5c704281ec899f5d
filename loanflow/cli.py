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


class _Group(click.Group):
    """A click group that turns LoanFlow's expected errors into a message and an exit code."""

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
