"""The scope of an analysis: one dataset, its profile, and the cases the filters select.

Every analysis function starts from a :class:`Scope`. It checks the dataset exists, reads
the profile stored with it (calendar, SLA, costs, outcomes, guardrail rules) and gives the
SQL selecting the filtered cases, so each figure is computed over the same cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from analysis.filters import Filters, case_where
from etl.profile import Profile, profile_from_store
from etl.sqltext import run
from etl.store import require_dataset


@dataclass(frozen=True)
class Scope:
    """A dataset, its profile and the filters selecting its cases."""

    dataset: str
    filters: Filters
    profile: Profile

    def cases_sql(self) -> tuple[str, list[Any]]:
        """SELECT of the selected ``cases`` rows (alias ``c``, all columns) and its params."""
        where, params = case_where(self.filters, self.dataset, zone=self.profile.timezone)
        return f"SELECT c.* FROM cases c WHERE {where}", params


def dataset_profile(con: duckdb.DuckDBPyConnection, dataset: str) -> Profile:
    """The profile stored with ``dataset`` (raises UnknownDatasetError when there is none)."""
    row = run(con, "SELECT profile FROM datasets WHERE name = ?", [dataset]).fetchone()
    if row is None:
        require_dataset(con, dataset)  # raises UnknownDatasetError with the known names
    return profile_from_store(row[0] if row else None)


def make_scope(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> Scope:
    """The scope for ``dataset`` under ``filters`` (no filters: every case)."""
    return Scope(dataset, filters or Filters(), dataset_profile(con, dataset))
