"""The one exception base class for failures a user can cause and fix."""

from __future__ import annotations

from etl import settings


class Phrase:
    """A part of a message that is worded in the catalogue too (``error.<code>``), for a
    value that is words rather than data (what set a limit, which kind of name). It reads
    as its English ``message`` (``str()`` and f-strings); the dashboard words it in the
    reader's language. ``message`` and ``values`` follow :class:`LoanFlowError`'s rule."""

    def __init__(self, message: str, *, code: str, **values: object) -> None:
        """``message`` in English, ``code`` its catalogue entry, ``values`` its data."""
        self.message = message
        self.code = code
        self.values = values

    def __str__(self) -> str:
        return self.message

    def __format__(self, spec: str) -> str:
        return format(self.message, spec)

    def __repr__(self) -> str:
        return f"Phrase({self.message!r}, code={self.code!r})"


class Phrases:
    """Several parts (text or :class:`Phrase`) joined by ``separator``: a list of problems,
    each worded in the catalogue where LoanFlow writes it."""

    def __init__(self, parts: list[str | Phrase], separator: str = "\n") -> None:
        """The parts in order, read as their English joined by ``separator``."""
        self.parts = parts
        self.separator = separator

    def __str__(self) -> str:
        return self.separator.join(str(part) for part in self.parts)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _json_value(value: object) -> object:
    if isinstance(value, Phrase):
        return {"phrase": value.code, "text": value.message, "values": _json_values(value.values)}
    if isinstance(value, Phrases):
        return {"parts": [_json_value(p) for p in value.parts], "separator": value.separator}
    if isinstance(value, int | float | bool) or value is None:
        return value
    return str(value)


def _json_values(values: dict[str, object]) -> dict[str, object]:
    return {name: _json_value(value) for name, value in values.items()}


def _from_json_value(value: object) -> object:
    if isinstance(value, dict) and "phrase" in value:
        values = {str(k): _from_json_value(v) for k, v in dict(value.get("values") or {}).items()}
        return Phrase(str(value.get("text", "")), code=str(value["phrase"]), **values)
    if isinstance(value, dict) and "parts" in value:
        parts = [_from_json_value(p) for p in value["parts"]]
        return Phrases(
            [p if isinstance(p, Phrase) else str(p) for p in parts],
            str(value.get("separator", "\n")),
        )
    return value


class LoanFlowError(Exception):
    """An expected failure: a bad file, an unknown dataset, a bad profile.

    The message is written for the user: it says what was wrong and how to fix it.
    The CLI prints it and exits non-zero; the dashboard shows it as an alert, in the
    reader's language: every raise names its ``code`` (the catalogue's ``error.<code>``,
    whose English is the message with ``{name}`` for each value) and passes the values its
    message shows by name. ``tests/test_error_codes.py`` holds every raise to this.
    """

    exit_code: int = 2

    def __init__(self, message: str = "", *, code: str | None = None, **values: object) -> None:
        """``message`` in English (the CLI prints it); ``code`` and ``values`` let the
        dashboard say the same in the reader's language (the catalogue's ``error.<code>``
        with ``values`` filled in)."""
        super().__init__(message)
        self.code = code
        self.values = values

    def to_json(self) -> dict[str, object]:
        """The failure as JSON-ready data (a load's worker process sends it back):
        ``error`` (the English message), ``code`` and ``values``."""
        return {"error": str(self), "code": self.code, "values": _json_values(self.values)}

    @classmethod
    def from_json(cls, payload: dict[str, object]) -> LoanFlowError:
        """The failure :meth:`to_json` wrote, rebuilt (its values' phrases too)."""
        raw = payload.get("values")
        values = {
            str(k): _from_json_value(v) for k, v in (raw if isinstance(raw, dict) else {}).items()
        }
        code = payload.get("code")
        error = cls(str(payload.get("error", "")))
        error.code = str(code) if code else None
        error.values = values
        return error


# An empty store's list of datasets, as a message names it.
NO_DATASETS = Phrase("none yet", code="no_datasets_yet")


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
    """The error for a source over the ``LOANFLOW_MAX_ROWS`` limit, worded the same everywhere
    (``unit`` rows or events, ``source`` a file, workbook or log)."""
    if unit == "events":
        return BadInputError(
            f"{name} has more than {limit:,} events, the limit set by LOANFLOW_MAX_ROWS. "
            "Raise the limit or split the log.",
            code="too_many_events",
            name=name,
            limit=limit,
        )
    if source == "workbook":
        return BadInputError(
            f"{name} has more than {limit:,} rows, the limit set by LOANFLOW_MAX_ROWS. "
            "Raise the limit or split the workbook.",
            code="too_many_rows_workbook",
            name=name,
            limit=limit,
        )
    return BadInputError(
        f"{name} has more than {limit:,} rows, the limit set by LOANFLOW_MAX_ROWS. "
        "Raise the limit or split the file.",
        code="too_many_rows",
        name=name,
        limit=limit,
    )


def decompressed_cap_reason(max_bytes: int) -> Phrase:
    """What set an inflate cap of ``max_bytes``, for the message refusing a log over it:
    the setting ``LOANFLOW_MAX_DECOMPRESSED_MB``, or the machine's memory when that is the
    lower of the two."""
    setting = settings.setting_cap_bytes() >> 20
    if max_bytes == settings.setting_cap_bytes():
        return Phrase("the limit set by LOANFLOW_MAX_DECOMPRESSED_MB", code="cap_by_setting")
    memory = settings.machine_memory_bytes()
    if max_bytes == memory // 16:
        gigabytes = memory / (1 << 30)
        return Phrase(
            f"the limit set by this machine's memory (a sixteenth of its {gigabytes:.1f} GB; "
            f"LOANFLOW_MAX_DECOMPRESSED_MB is {setting} MB)",
            code="cap_by_memory",
            gigabytes=gigabytes,
            setting=setting,
        )
    return Phrase("the limit of this load", code="cap_of_load")


def gzip_failure(name: str, exc: BaseException) -> BadInputError:
    """The error for a .gz that cannot be inflated: cut short (``EOFError``) or not gzip
    at all (anything else the inflater raised), naming the file."""
    if isinstance(exc, EOFError):
        return BadInputError(
            f"{name} is a truncated gzip file (it ends before the compressed data "
            "does). Download or copy it again.",
            code="gzip_truncated",
            file=name,
        )
    return BadInputError(
        f"{name} is not a valid gzip file ({exc}).",
        code="gzip_invalid",
        file=name,
        reason=exc,
    )


def inflated_too_large(
    label: str | Phrase, max_bytes: int, *, declared: int | None = None
) -> BadInputError:
    """The error for a compressed log (or a zip member) that inflates past the cap
    ``max_bytes``, naming what set the cap (the setting, or the machine's memory).
    ``declared`` is the inflated size an archive states, when it was refused on that."""
    cap = max_bytes // (1 << 20)
    reason = decompressed_cap_reason(max_bytes)
    if declared is not None:
        size = declared // (1 << 20)
        return BadInputError(
            f"{label} decompresses to {size:,} MB, more than {cap} MB, {reason}. Raise the "
            "limit if the log is genuine.",
            code="inflated_declared",
            label=label,
            size=size,
            cap=cap,
            reason=reason,
        )
    return BadInputError(
        f"{label} decompresses to more than {cap} MB, {reason}. Raise the limit if the log "
        "is genuine.",
        code="inflated_too_large",
        label=label,
        cap=cap,
        reason=reason,
    )
