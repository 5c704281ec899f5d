"""``loanflow settings``: every setting, its value and where the value came from."""

from __future__ import annotations

import click

from loanflow.commands.common import echo_json, json_option


@click.command("settings")
@json_option
def settings_command(as_json: bool) -> None:
    """List every setting (declared in etl/settings.py): its value, and whether it came
    from its environment variable or is the default."""
    from etl.settings import SETTINGS

    rows = [s.to_json() for s in SETTINGS.values()]
    if as_json:
        echo_json({"settings": rows})
        return
    width = max(len(r["name"]) for r in rows)
    env_width = max(len(r["env"]) for r in rows)
    for row in rows:
        value = row["value"] if row["value"] != "" else "(empty)"
        click.echo(
            f"{row['name']:<{width}}  {row['env']:<{env_width}}  {row['source']:<11}  {value}"
        )
    click.echo("\nSet a value with its environment variable; `--help` of each command says more.")


COMMANDS = [settings_command]
