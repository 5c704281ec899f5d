"""Settings as data: `loanflow settings` lists every declared one, the README table matches."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.settings import SETTINGS
from loanflow.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_settings() -> list[tuple[str, str, str, str]]:
    """(name, variable, default, help) of each row of the README's settings table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        match = re.match(r"^\| ([a-z0-9_]+) \| `([A-Z0-9_]+)` \| `([^`]*)` \| (.*) \|$", line)
        if match:
            rows.append((match[1], match[2], match[3], match[4]))
    return rows


def test_readme_table_matches_the_declared_settings() -> None:
    declared = [(s.name, s.env, s.default, s.help) for s in SETTINGS.values()]
    assert readme_settings() == declared


def test_settings_command_lists_values_and_their_source(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in SETTINGS.values():
        monkeypatch.delenv(setting.env, raising=False)
    monkeypatch.setenv("LOANFLOW_PORT", "9123")
    result = CliRunner().invoke(main, ["settings", "--json"])
    assert result.exit_code == 0, result.output
    listed = {row["name"]: row for row in json.loads(result.output)["settings"]}
    assert list(listed) == list(SETTINGS)
    assert listed["port"]["value"] == "9123" and listed["port"]["source"] == "environment"
    assert listed["host"] == {
        "name": "host",
        "env": "LOANFLOW_HOST",
        "value": "127.0.0.1",
        "source": "default",
        "default": "127.0.0.1",
        "help": SETTINGS["host"].help,
    }
    text = CliRunner().invoke(main, ["settings"])
    assert text.exit_code == 0
    port_line = next(line for line in text.output.splitlines() if line.startswith("port "))
    assert port_line.split() == ["port", "LOANFLOW_PORT", "environment", "9123"]
