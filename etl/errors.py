"""The one exception base class for failures a user can cause and fix."""

from __future__ import annotations


class LoanFlowError(Exception):
    """An expected failure: a bad file, an unknown dataset, a bad profile.

    The message is written for the user: it says what was wrong and how to fix it.
    The CLI prints it and exits non-zero; the dashboard shows it as an alert.
    """

    exit_code: int = 2


class UnknownDatasetError(LoanFlowError):
    """A dataset name that is not in the store."""


class BadInputError(LoanFlowError):
    """A file or value that cannot be read as given."""


class ProfileError(LoanFlowError):
    """A profile (YAML) that does not validate."""


def too_many_rows(
    name: str, limit: int, *, unit: str = "rows", source: str = "file"
) -> BadInputError:
    """The error for a source over the ``LOANFLOW_MAX_ROWS`` limit, worded the same everywhere."""
    return BadInputError(
        f"{name} has more than {limit:,} {unit}, the limit set by LOANFLOW_MAX_ROWS. "
        f"Raise the limit or split the {source}."
    )
