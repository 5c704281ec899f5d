"""The one exception base class for failures a user can cause and fix."""

from __future__ import annotations

from etl.settings import decompressed_cap_reason


class LoanFlowError(Exception):
    """An expected failure: a bad file, an unknown dataset, a bad profile.

    The message is written for the user: it says what was wrong and how to fix it.
    The CLI prints it and exits non-zero; the dashboard shows it as an alert.
    """

    exit_code: int = 2

    def __init__(self, message: str = "", *, code: str | None = None, **values: object) -> None:
        """``message`` in English (the CLI prints it); ``code`` and ``values`` let the
        dashboard say the same in the reader's language (the catalogue's ``error.<code>``
        with ``values`` filled in)."""
        super().__init__(message)
        self.code = code
        self.values = values


class UnknownDatasetError(LoanFlowError):
    """A dataset name that is not in the store."""


class BadInputError(LoanFlowError):
    """A file or value that cannot be read as given."""


class DatasetExistsError(BadInputError):
    """Loading under a dataset name that is taken, without saying replace or append."""

    def __init__(self, dataset: str) -> None:
        super().__init__(
            f"A dataset named {dataset!r} already exists. Use --replace to swap it whole, "
            "--append to add the new events, or choose another name.",
            code="dataset_exists",
            name=dataset,
        )
        self.dataset = dataset


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


def inflated_too_large(label: str, max_bytes: int, *, declared: int | None = None) -> BadInputError:
    """The error for a compressed log (or a zip member) that inflates past the cap
    ``max_bytes``, naming what set the cap (the setting, or the machine's memory).
    ``declared`` is the inflated size an archive states, when it was refused on that."""
    cap = f"{max_bytes // (1 << 20)} MB"
    size = (
        f"decompresses to {declared // (1 << 20):,} MB, more than {cap}"
        if declared is not None
        else f"decompresses to more than {cap}"
    )
    return BadInputError(
        f"{label} {size}, {decompressed_cap_reason(max_bytes)}. Raise the limit if the log "
        "is genuine."
    )
