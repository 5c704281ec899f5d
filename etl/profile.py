"""The profile: how one bank's export maps onto LoanFlow, and the rules its numbers follow.

A profile is YAML (see DESIGN.md, "Loading a log"). It is validated here with clear
messages; the profile in force for a dataset is stored with it (``datasets.profile``), so
every analysis reads the calendar, SLA, costs, outcomes and guardrail rules from the store.
"""

from __future__ import annotations

import itertools
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from etl.errors import Phrase, Phrases, ProfileError
from etl.outcomes import Outcome

CANONICAL_FIELDS = (
    "case_id",
    "activity",
    "timestamp",
    "start_timestamp",
    "lifecycle",
    "resource",
    "department",
)
Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(_Strict):
    """Canonical field -> source column. Fields left out are guessed."""

    case_id: str | None = None
    activity: str | None = None
    timestamp: str | None = Field(None, description="Event time, or the end of an instance.")
    start_timestamp: str | None = Field(None, description="Start of an instance (layout 2).")
    lifecycle: str | None = None
    resource: str | None = None
    department: str | None = None


class Departments(_Strict):
    """Departments for logs without a department column."""

    by_activity: dict[str, str] = Field(default_factory=dict)
    by_resource: dict[str, str] = Field(default_factory=dict)


class Calendar(_Strict):
    """The business calendar for working-time durations."""

    workdays: tuple[Weekday, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")
    hours: tuple[time, time] = (time(9, 0), time(17, 30))
    holidays: tuple[date, ...] = ()

    @field_validator("hours")
    @classmethod
    def _start_before_end(cls, value: tuple[time, time]) -> tuple[time, time]:
        if value[0] >= value[1]:
            raise ValueError(
                Phrase(
                    "working hours must start before they end, e.g. ['09:00', '17:30']",
                    code="profile_hours_start_end",
                )
            )
        return value


class WorkingCalendarSpec(_Strict):
    """The working calendar of one resource or department (profile key ``calendars``).

    ``hours`` holds one or more spans a day as start, end pairs in local wall-clock time,
    e.g. ``["10:00", "12:00", "12:30", "20:00"]`` (a lunch break from 12:00 to 12:30).
    """

    workdays: tuple[Weekday, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri")
    hours: tuple[time, ...] = (time(9, 0), time(17, 30))
    holidays: tuple[date, ...] = ()

    @field_validator("hours")
    @classmethod
    def _spans(cls, value: tuple[time, ...]) -> tuple[time, ...]:
        if not value or len(value) % 2:
            raise ValueError(
                Phrase(
                    "hours must be start, end pairs, e.g. ['09:00', '12:00', '13:00', '17:30']",
                    code="profile_hours_pairs",
                )
            )
        if any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError(
                Phrase(
                    "the times in hours must increase: each span starts after the last",
                    code="profile_hours_increase",
                )
            )
        return value


class Sla(_Strict):
    """Service levels."""

    cycle_time_hours: float | None = Field(None, gt=0)


class Rules(_Strict):
    """Loan guardrails checked on every case (see analysis.rules)."""

    risk_activities: tuple[str, ...] = Field(
        (), description="Activities that count as the risk assessment."
    )
    decision_activities: tuple[str, ...] = Field(
        (), description="Activities that decide the case (approval or rejection)."
    )
    compliance_activities: tuple[str, ...] = Field(
        (), description="Activities that count as the legal/compliance review."
    )
    compliance_amount_threshold: float | None = Field(
        None, description="Loans above this amount need a compliance review."
    )
    investigation_activities: tuple[str, ...] = Field(
        (), description="Activities whose resource must differ from the approver (four eyes)."
    )
    approval_activities: tuple[str, ...] = Field(
        (), description="Activities performed by the approver (four eyes)."
    )


class Pseudonymise(_Strict):
    """Identities replaced by a keyed hash at load."""

    case_id: bool = False
    resource: bool = False
    attributes: tuple[str, ...] = ()


class Profile(_Strict):
    """A validated profile. Every key is optional; an empty profile means 'guess it all'."""

    columns: Columns = Field(default_factory=Columns)
    encoding: str = "auto"
    delimiter: str = "auto"
    timestamp_format: str = "auto"
    timezone: str = "UTC"
    departments: Departments = Field(default_factory=Departments)
    outcomes: dict[str, Outcome] = Field(default_factory=dict)
    outcome_attribute: str | None = Field(
        None, description="A case attribute holding the outcome, used when no activity is mapped."
    )
    case_attributes: dict[str, str] = Field(
        default_factory=dict,
        description="Canonical case attribute (amount, product, branch, channel) -> source name.",
    )
    calendar: Calendar = Field(default_factory=Calendar)
    calendars: dict[str, WorkingCalendarSpec] = Field(
        default_factory=dict,
        description="Working calendars of some resources or departments (waiting causes).",
    )
    sla: Sla = Field(default_factory=Sla)
    costs: dict[str, float] = Field(default_factory=dict)
    currency: str | None = Field(
        None, description="Currency of the cost rates (e.g. CNY, TWD), shown with every cost."
    )
    rules: Rules = Field(default_factory=Rules)
    pseudonymise: Pseudonymise = Field(default_factory=Pseudonymise)
    normalise_whitespace: bool = Field(
        True,
        description="Collapse runs of whitespace in activity, resource and department names "
        "to one space and strip both ends (see etl.names).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                Phrase(
                    f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai or UTC",
                    code="profile_unknown_timezone",
                    value=value,
                )
            ) from exc
        return value

    def to_json_dict(self) -> dict[str, Any]:
        """The profile as plain JSON-ready data (for the store and the CLI)."""
        return self.model_dump(mode="json")


def _describe(error: ValidationError) -> Phrases:
    lines: list[str | Phrase] = []
    for item in error.errors():
        where: str | Phrase = ".".join(str(p) for p in item["loc"]) or Phrase(
            "(top level)", code="profile_top_level"
        )
        if item["type"] == "extra_forbidden":
            lines.append(
                Phrase(
                    f"- {where}: unknown key; check its spelling against DESIGN.md",
                    code="profile_unknown_key",
                    where=where,
                )
            )
            continue
        raised = (item.get("ctx") or {}).get("error")
        said = raised.args[0] if isinstance(raised, ValueError) and raised.args else None
        if item["type"] == "value_error" and isinstance(said, Phrase):
            lines.append(
                Phrase(
                    f"- {where}: Value error, {said}",
                    code="profile_value_error",
                    where=where,
                    said=said,
                )
            )
            continue
        gt = (item.get("ctx") or {}).get("gt")
        limit = f"{gt:g}" if isinstance(gt, int | float) else gt
        if (
            item["type"] == "greater_than"
            and item["msg"] == f"Input should be greater than {limit}"
        ):
            lines.append(
                Phrase(
                    f"- {where}: Input should be greater than {limit}",
                    code="profile_greater_than",
                    where=where,
                    limit=limit,
                )
            )
            continue
        problem = item["msg"]
        lines.append(
            Phrase(f"- {where}: {problem}", code="profile_problem", where=where, problem=problem)
        )
    return Phrases(lines)


# Where a profile came from, as its messages name it.
PROFILE = Phrase("profile", code="source_profile")


def parse_profile(data: Any, source: str | Phrase = PROFILE) -> Profile:
    """Validate already-parsed profile data; raise :class:`ProfileError` saying what is wrong."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProfileError(
            f"{source} must be a mapping of keys (columns:, timezone:, ...).",
            code="profile_not_mapping",
            source=source,
        )
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = _describe(exc)
        raise ProfileError(
            f"{source} is not valid:\n{problems}",
            code="profile_invalid",
            source=source,
            problems=problems,
        ) from None


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile YAML file."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(
            f"Profile {target} not found.", code="profile_not_found", target=target
        ) from None
    except UnicodeDecodeError:
        raise ProfileError(
            f"Profile {target} is not UTF-8 text; save it as UTF-8.",
            code="profile_not_utf8",
            target=target,
        ) from None
    import yaml  # only a profile file needs it (0.03-0.04 CPU s of every ingest otherwise)

    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: e.g. a date 2025-13-01
        raise ProfileError(
            f"Profile {target} is not valid YAML: {exc}",
            code="profile_not_yaml",
            target=target,
            reason=exc,
        ) from None
    return parse_profile(
        data, source=Phrase(f"Profile {target}", code="source_profile_file", target=target)
    )


def profile_from_store(data: Any) -> Profile:
    """The profile stored with a dataset (``datasets.profile``, JSON text or dict)."""
    import json

    if isinstance(data, str):
        data = json.loads(data)
    return parse_profile(data or {}, source=Phrase("stored profile", code="source_profile_stored"))
