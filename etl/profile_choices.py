"""A profile from the choices made while mapping an upload, before it is loaded.

The Data page's mapping step sets what a profile sets: the columns, the case attributes
(amount, product, branch, channel), the outcomes by end activity, departments by
activity, the working calendar and the SLA. This module proposes what it can from the
staged file (its activities, the ones that end cases, a first guess of their outcome),
builds a validated :class:`~etl.profile.Profile` from the choices, and writes it as YAML
that ``loanflow ingest --profile`` reads back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import time
from typing import Any

import yaml

from etl.errors import Phrase, ProfileError
from etl.load import staged_rows
from etl.outcomes import OUTCOMES
from etl.profile import Calendar, Profile, parse_profile

ROW_LIMIT = 200_000
"""Rows read to propose activities and end activities (a bigger file: its first rows)."""

END_SHARE = 0.5
"""An activity is proposed as an end activity when it ends at least this share of the
cases it occurs in: the rule of ``analysis.open_cases.end_activity_candidates``."""

OUTCOME_WORDS: dict[str, tuple[str, ...]] = {
    # checked in this order: "approval withdrawn" is withdrawn, "approval rejected" rejected
    "withdrawn": ("withdr", "cancel", "abandon", "撤回", "撤銷", "撤销", "取消"),
    "rejected": ("reject", "declin", "denied", "deny", "refus", "拒絕", "拒绝", "否決",
                 "否决", "駁回", "驳回"),
    "approved": ("approv", "accept", "grant", "disburs", "放款", "核准", "批准", "核貸",
                 "核贷", "撥款", "拨款"),
}  # fmt: skip


class ChoiceError(ProfileError):
    """A choice on the mapping step that cannot go into a profile; ``code`` names it for
    the dashboard's translated message (the catalogue's ``error.<code>``)."""

    def __init__(self, message: str = "", *, code: str | None = None, **values: object) -> None:
        """As :class:`LoanFlowError` (a choice's failure always names its ``code``)."""
        super().__init__(message, code=code, **values)


@dataclass(frozen=True)
class ActivityFacts:
    """One activity of a staged log: the cases it occurs in, and the cases it ends (one of
    its events is at the case's latest time)."""

    activity: str
    cases_with: int
    cases_ending: int

    @property
    def share_ending(self) -> float:
        """Share of the cases it occurs in that it ends."""
        return self.cases_ending / self.cases_with if self.cases_with else 0.0

    @property
    def ends_cases(self) -> bool:
        """Whether it is proposed as an end activity (ends at least END_SHARE of its cases)."""
        return self.cases_ending > 0 and self.share_ending >= END_SHARE


@dataclass(frozen=True)
class LogActivities:
    """The activities of a staged log: end activities first (most cases ended first), then
    the others (most cases first)."""

    activities: tuple[ActivityFacts, ...]
    cases: int
    rows_read: int
    complete: bool
    columns: tuple[str, ...] = ()
    """The file's columns."""
    case_attributes: dict[str, str] = field(default_factory=dict)
    """Canonical case attribute -> source column, as guessed (or set by the profile)."""

    def end_activities(self) -> list[ActivityFacts]:
        """The proposed end activities."""
        return [a for a in self.activities if a.ends_cases]


def _ordered(facts: list[ActivityFacts]) -> tuple[ActivityFacts, ...]:
    ends = sorted((a for a in facts if a.ends_cases), key=lambda a: (-a.cases_ending, a.activity))
    rest = sorted((a for a in facts if not a.ends_cases), key=lambda a: (-a.cases_with, a.activity))
    return (*ends, *rest)


def log_activities(
    source: str | os.PathLike[str],
    profile: Profile | dict[str, Any] | None = None,
    limit: int = ROW_LIMIT,
    member: str | None = None,
) -> LogActivities:
    """The activities of a file as it would load under ``profile``, and which end cases.

    A case's last activities are those of its events (or instances, by their end) at its
    latest time; rows that would be rejected are left out. Only the first ``limit`` rows
    are read (``complete`` says whether that was the whole file).
    """
    with staged_rows(source, profile, limit=limit, member=member) as (con, table, mapping, columns):
        rows = con.execute(
            f"""
            WITH ok AS (
                SELECT case_id, activity, ts,
                    max(ts) OVER (PARTITION BY case_id) AS last_ts
                FROM "{table}" WHERE reason IS NULL
            )
            SELECT activity, count(DISTINCT case_id) AS cases_with,
                count(DISTINCT case_id) FILTER (WHERE ts = last_ts) AS cases_ending
            FROM ok GROUP BY activity
            """
        ).fetchall()
        counts = con.execute(
            f'SELECT count(*), count(DISTINCT case_id) FILTER (WHERE reason IS NULL) FROM "{table}"'
        ).fetchone()
    read, cases = (int(counts[0]), int(counts[1])) if counts else (0, 0)
    facts = [ActivityFacts(str(a), int(w), int(e)) for a, w, e in rows]
    return LogActivities(
        _ordered(facts),
        cases,
        read,
        complete=read < limit,
        columns=tuple(columns),
        case_attributes=dict(mapping.case_attributes),
    )


def guess_outcome(activity: str) -> str | None:
    """A first guess of the outcome an end activity records, from its name (English and
    Chinese words: approve/放款/核准, reject/拒絕, withdraw/撤回, ...), or None."""
    name = activity.casefold()
    for outcome, words in OUTCOME_WORDS.items():
        if any(word in name for word in words):
            return outcome
    return None


def propose_outcomes(activities: LogActivities) -> dict[str, str]:
    """End activity -> guessed outcome, for the end activities whose name says it."""
    proposed = {a.activity: guess_outcome(a.activity) for a in activities.end_activities()}
    return {activity: outcome for activity, outcome in proposed.items() if outcome}


@dataclass(frozen=True)
class ProfileChoices:
    """What the mapping step chose. Empty values (None, "") mean "not set here"."""

    columns: dict[str, str | None]
    case_attributes: dict[str, str | None]
    outcomes: dict[str, str | None]
    departments: dict[str, str | None]
    workdays: tuple[str, ...] | None = None
    hours: tuple[str | None, str | None] = (None, None)
    sla_hours: float | str | None = None
    timezone: str | None = None


def _set(values: dict[str, str | None]) -> dict[str, str]:
    return {k: str(v).strip() for k, v in values.items() if v is not None and str(v).strip()}


def _sla(value: float | str | None) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        hours = float(value)
    except (TypeError, ValueError):
        hours = float("nan")
    if not hours > 0 or hours == float("inf"):
        raise ChoiceError(
            code="profile_sla",
            message=f"The SLA must be a positive number of hours, e.g. 72 (got {value!r}).",
            value=value,
        )
    return hours


def _timezone(value: str | None) -> str | None:
    """The chosen time zone for times without an offset (an IANA name), or None."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zone = (value or "").strip()
    if not zone:
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ChoiceError(
            code="profile_timezone",
            message=f"Unknown time zone {zone!r}: use an IANA name such as Asia/Shanghai or UTC.",
            value=zone,
        ) from None
    return zone


def _calendar(base: dict[str, Any], choices: ProfileChoices) -> dict[str, Any]:
    """The calendar: the base profile's, with the page's workdays and hours where they
    differ from the defaults (so that untouched controls keep a typed calendar)."""
    calendar = dict(base.get("calendar") or {})
    default = Calendar()
    if choices.workdays is not None:
        if not choices.workdays:
            raise ChoiceError(code="profile_workdays", message="Choose at least one working day.")
        if tuple(choices.workdays) != default.workdays:
            calendar["workdays"] = list(choices.workdays)
    start, end = choices.hours
    if start or end:
        if not (start and end):
            raise ChoiceError(
                code="profile_hours_both",
                message="Give both the start and the end of the working hours.",
            )
        try:
            first, last = time.fromisoformat(start), time.fromisoformat(end)
        except ValueError:
            raise ChoiceError(
                code="profile_hours_format",
                message=f"Working hours are times such as 09:00 (got {start} to {end}).",
                start=start,
                end=end,
            ) from None
        if first >= last:
            raise ChoiceError(
                code="profile_hours_order",
                message=f"The working hours must start before they end (got {start} to {end}).",
                start=start,
                end=end,
            )
        if [start, end] != [h.strftime("%H:%M") for h in default.hours]:
            calendar["hours"] = [start, end]
    return calendar


def profile_from_choices(choices: ProfileChoices, base: dict[str, Any] | None = None) -> Profile:
    """The profile the mapping step's choices make, over a ``base`` profile (typed YAML).

    The page's choices win where they are set: chosen columns (a field set to nothing is
    left to the guess), case attributes, outcomes and departments by activity are added
    to the base's; the calendar's workdays and hours where they differ from the defaults;
    the SLA when given. Raises :class:`ProfileError` (:class:`ChoiceError` for a choice)
    saying what to fix.
    """
    data = dict(base or {})
    columns = {**(data.get("columns") or {}), **_set(choices.columns)}
    for name, value in choices.columns.items():
        if not (value and str(value).strip()):
            columns.pop(name, None)
    outcomes = _set(choices.outcomes)
    unknown = sorted(o for o in outcomes.values() if o not in OUTCOMES)
    if unknown:
        raise ChoiceError(
            code="profile_outcome",
            message=f"Unknown outcome {unknown[0]!r}: use one of {', '.join(OUTCOMES)}.",
            value=unknown[0],
            outcomes=", ".join(OUTCOMES),
        )
    updates: dict[str, Any] = {
        "columns": columns,
        "case_attributes": {**(data.get("case_attributes") or {}), **_set(choices.case_attributes)},
        "outcomes": {**(data.get("outcomes") or {}), **outcomes},
        "calendar": _calendar(data, choices),
    }
    by_activity = _set(choices.departments)
    if by_activity:
        departments = dict(data.get("departments") or {})
        departments["by_activity"] = {**(departments.get("by_activity") or {}), **by_activity}
        updates["departments"] = departments
    zone = _timezone(choices.timezone)
    if zone:
        updates["timezone"] = zone
    sla = _sla(choices.sla_hours)
    if sla is not None:
        updates["sla"] = {**(data.get("sla") or {}), "cycle_time_hours": sla}
    data.update({k: v for k, v in updates.items() if v})
    if not columns:
        data.pop("columns", None)
    return parse_profile(
        data,
        source=Phrase("The profile from the mapping step", code="source_profile_mapping"),
    )


def _short_times(hours: list[str]) -> list[str]:
    """Times as "HH:MM" where their seconds are zero."""
    return [h[:5] if len(h) == 8 and h.endswith(":00") else h for h in hours]


def profile_yaml(profile: Profile) -> str:
    """The profile as YAML for ``loanflow ingest --profile``: only what differs from the
    defaults, in the order of DESIGN.md, Chinese names as they are."""
    data = profile.model_dump(mode="json", exclude_defaults=True)
    if "hours" in data.get("calendar", {}):
        data["calendar"]["hours"] = _short_times(data["calendar"]["hours"])
    for spec in data.get("calendars", {}).values():
        if "hours" in spec:
            spec["hours"] = _short_times(spec["hours"])
    header = "# LoanFlow profile: loanflow ingest FILE --dataset NAME --profile THIS_FILE\n"
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return header + ("{}\n" if not data else body)
