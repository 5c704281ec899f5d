"""Whitespace in activity, resource and department names, normalised at load.

Exports spell one name several ways: Prosimos writes "Check  application  form
completeness" with doubled spaces where another export of the same process has single
ones, a hand-typed department carries a trailing space or a no-break space. Unless the
profile says ``normalise_whitespace: false``, a load collapses every run of whitespace
inside a name to one space and strips it from both ends, so those spellings are one name.
Whitespace is what Python's ``str.split()`` splits on: spaces, tabs, line breaks, the
no-break space, the ideographic (full-width) space and the other Unicode spaces.

The work is done on the distinct names of a column, not on every row: a log of a million
events names a few dozen activities and a few thousand resources.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from etl.profile import Departments, Profile, Rules
from etl.readers import quote, temp_name
from etl.sqltext import literal

NAME_FIELDS = ("activity", "resource", "department")


def normalise_name(name: str) -> str:
    """The name with each run of whitespace made one space and none at either end."""
    return " ".join(name.split())


@dataclass
class NameMaps:
    """Temporary tables mapping each changed spelling (``raw``) to its normalised name
    (``name``, NULL when it was only whitespace), per canonical field."""

    tables: dict[str, str] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(NAME_FIELDS, 0))

    def drop(self, con: duckdb.DuckDBPyConnection) -> None:
        """Drop the map tables."""
        for table in self.tables.values():
            con.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        self.tables = {}


def name_maps(
    con: duckdb.DuckDBPyConnection, source_table: str, expressions: dict[str, str]
) -> NameMaps:
    """The spellings that normalisation changes, for each field's SQL ``expressions`` (over
    the source rows, alias ``src``); a map table only for fields with such spellings."""
    maps = NameMaps()
    for name, expression in expressions.items():
        values = con.execute(
            f"SELECT DISTINCT {expression} AS v FROM {quote(source_table)} AS src "
            "WHERE v IS NOT NULL"
        ).fetchall()
        normal = [(str(raw), normalise_name(str(raw))) for (raw,) in values]
        changed = [(raw, new or None) for raw, new in normal if raw != new]
        maps.changed[name] = len(changed)
        if not changed:
            continue
        table = temp_name(f"names_{name}")
        con.execute(f"CREATE TEMP TABLE {quote(table)} (raw VARCHAR, name VARCHAR)")
        rows = ", ".join(f"({literal(raw)}, {literal(new)})" for raw, new in changed)
        con.execute(f"INSERT INTO {quote(table)} VALUES {rows}")
        maps.tables[name] = table
    return maps


def _names(values: dict[str, str]) -> dict[str, str]:
    return {normalise_name(k): normalise_name(v) for k, v in values.items()}


def normalised_profile(profile: Profile) -> Profile:
    """The profile with the activity, resource and department names it matches against
    the log normalised the same way (outcomes, department maps, costs, guardrail rules), so
    a name copied from the raw export still matches; unchanged when normalisation is off."""
    if not profile.normalise_whitespace:
        return profile
    rules = profile.rules
    activity_lists = {
        key: tuple(normalise_name(a) for a in getattr(rules, key))
        for key in type(rules).model_fields
        if key.endswith("_activities")
    }
    return profile.model_copy(
        update={
            "outcomes": {normalise_name(k): v for k, v in profile.outcomes.items()},
            "departments": Departments(
                by_activity=_names(profile.departments.by_activity),
                by_resource=_names(profile.departments.by_resource),
            ),
            "costs": {normalise_name(k): v for k, v in profile.costs.items()},
            "rules": Rules.model_validate({**rules.model_dump(), **activity_lists}),
        }
    )
