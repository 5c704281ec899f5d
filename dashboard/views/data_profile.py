"""The Data page's mapping step beyond the columns: what a profile sets (case attributes,
outcomes and departments by activity, calendar, SLA), proposed from the uploaded file,
and the profile those choices make (used for the load, offered as YAML)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, State, dcc, html

from dashboard.components import error_alert
from dashboard.uploads import upload_path
from dashboard.views.data_page import NONE, PAGE, parse_profile_text, with_mapping
from etl.errors import LoanFlowError
from etl.outcomes import OUTCOMES
from etl.profile import Calendar, Profile
from etl.profile_choices import (
    ROW_LIMIT,
    ActivityFacts,
    LogActivities,
    ProfileChoices,
    guess_outcome,
    log_activities,
    profile_from_choices,
    profile_yaml,
)
from vocabulary import fmt_count, outcome_label, t

ATTRIBUTES = ("amount", "product", "branch", "channel")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TIMEZONES = (
    "Asia/Shanghai",
    "Asia/Taipei",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Singapore",
    "UTC",
)
"""Offered for the time zone (any IANA name is accepted)."""
MAX_ACTIVITIES = 60
"""Activities listed with an outcome and a department control (the rest: profile text)."""


def choices_form(
    result: dict[str, Any] | None,
    mapping: dict[str, str | None],
    profile_text: str | None,
    lang: str,
) -> tuple[list[Any], list[str]]:
    """The controls for what a profile sets, proposed from the upload under the mapping,
    and the activities listed (in the order of their controls)."""
    if not result or result.get("error"):
        return [], []
    try:
        profile = with_mapping(parse_profile_text(profile_text), mapping)
        found = log_activities(upload_path(result.get("upload_id")), profile)
    except LoanFlowError as exc:
        return [error_alert(exc, lang)], []
    form = [
        html.H6(t("mapping.title", lang), className="mt-3"),
        html.P(t("mapping.help", lang), className="small"),
        _attributes(found, lang),
        *_activities(found, profile, lang),
    ]
    return form, [f.activity for f in found.activities[:MAX_ACTIVITIES]]


def _attributes(found: LogActivities, lang: str) -> Any:
    options: list[Any] = [{"label": t("data.field.none", lang), "value": NONE}] + [
        {"label": c, "value": c} for c in found.columns
    ]
    cells = [
        dbc.Col(
            [
                dbc.Label(t(f"mapping.attr.{name}", lang), className="small mb-0"),
                dcc.Dropdown(
                    id={"type": "data-attr", "field": name},
                    options=options,
                    value=found.case_attributes.get(name) or NONE,
                    clearable=False,
                ),
            ],
            md=3,
        )
        for name in ATTRIBUTES
    ]
    return html.Div(
        [html.Div(t("mapping.attributes", lang), className="fw-semibold small"), dbc.Row(cells)],
        className="mb-3",
    )


def _activities(found: LogActivities, typed: dict[str, Any], lang: str) -> list[Any]:
    """One row per activity: its outcome (the typed profile's, else a guess for an end
    activity) and its department (the typed profile's)."""
    typed_outcomes = typed.get("outcomes") or {}
    typed_departments = (typed.get("departments") or {}).get("by_activity") or {}

    def outcome(facts: ActivityFacts) -> str:
        if facts.activity in typed_outcomes:
            return str(typed_outcomes[facts.activity])
        return (guess_outcome(facts.activity) if facts.ends_cases else None) or NONE

    outcomes: list[Any] = [{"label": t("mapping.not_outcome", lang), "value": NONE}] + [
        {"label": outcome_label(o, lang), "value": o} for o in OUTCOMES
    ]
    shown = found.activities[:MAX_ACTIVITIES]
    header = html.Tr(
        [
            html.Th(t(f"mapping.col.{name}", lang))
            for name in ("activity", "ends", "outcome", "department")
        ]
    )
    rows = [
        html.Tr(
            [
                html.Td(facts.activity, className="lf-choice-activity"),
                html.Td(
                    t(
                        "mapping.ends",
                        lang,
                        ending=fmt_count(facts.cases_ending, lang),
                        cases=fmt_count(facts.cases_with, lang),
                    ),
                    className="small" + ("" if facts.ends_cases else " text-muted"),
                ),
                html.Td(
                    dcc.Dropdown(
                        id={"type": "data-outcome", "index": i},
                        options=outcomes,
                        value=outcome(facts),
                        clearable=False,
                        style={"minWidth": "11rem"},
                    )
                ),
                html.Td(
                    dbc.Input(
                        id={"type": "data-dept", "index": i},
                        type="text",
                        size="sm",
                        value=str(typed_departments.get(facts.activity, "")),
                    )
                ),
            ]
        )
        for i, facts in enumerate(shown)
    ]
    notes = []
    if not found.complete:
        notes.append(t("mapping.first_rows", lang, rows=fmt_count(ROW_LIMIT, lang)))
    if len(found.activities) > len(shown):
        notes.append(t("mapping.more", lang, count=len(found.activities) - len(shown)))
    return [
        html.Div(t("mapping.activities", lang), className="fw-semibold small"),
        html.P(t("mapping.activities_help", lang), className="small text-muted mb-1"),
        *[html.P(note, className="small text-muted mb-1") for note in notes],
        dbc.Table(
            [html.Thead(header), html.Tbody(rows)],
            size="sm",
            className="lf-choices align-middle",
            id=f"{PAGE}-choice-table",
        ),
    ]


CHOICE_STATES = [
    State({"type": "data-map", "field": ALL}, "value"),
    State({"type": "data-map", "field": ALL}, "id"),
    State({"type": "data-attr", "field": ALL}, "value"),
    State({"type": "data-attr", "field": ALL}, "id"),
    State(f"{PAGE}-choice-activities", "data"),
    State({"type": "data-outcome", "index": ALL}, "value"),
    State({"type": "data-dept", "index": ALL}, "value"),
    State(f"{PAGE}-workdays", "value"),
    State(f"{PAGE}-hours-start", "value"),
    State(f"{PAGE}-hours-end", "value"),
    State(f"{PAGE}-sla", "value"),
    State(f"{PAGE}-timezone", "value"),
]
"""The controls of the mapping step, in the order :func:`profile_from_states` takes them."""


def profile_from_states(profile_text: str | None, *states: Any) -> Profile:
    """The profile the mapping step's controls (:data:`CHOICE_STATES`) make over the
    typed profile text; raises ProfileError saying what to fix."""
    (map_values, map_ids, attr_values, attr_ids, activities, outcomes, departments,
     workdays, start, end, sla, timezone) = states  # fmt: skip
    choices = choices_from_controls(
        {i["field"]: v for i, v in zip(map_ids, map_values, strict=True)},
        {i["field"]: v for i, v in zip(attr_ids, attr_values, strict=True)},
        activities,
        outcomes,
        departments,
        workdays,
        (start, end),
        sla,
        timezone,
    )
    return page_profile(choices, profile_text)


def calendar_controls(lang: str) -> Any:
    """Working days, hours and the SLA (always on the page; the load reads them)."""
    default = Calendar()
    days = [{"label": t(f"weekday.{d.lower()}", lang), "value": d} for d in WEEKDAYS]
    start, end = (h.strftime("%H:%M") for h in default.hours)
    return html.Div(
        [
            html.Div(t("mapping.calendar", lang), className="fw-semibold small"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(t("mapping.workdays", lang), className="small mb-0"),
                            dbc.Checklist(
                                id=f"{PAGE}-workdays",
                                options=days,
                                value=list(default.workdays),
                                inline=True,
                            ),
                        ],
                        md=5,
                    ),
                    dbc.Col(
                        _labelled("mapping.hours_from", f"{PAGE}-hours-start", start, lang), md=2
                    ),
                    dbc.Col(_labelled("mapping.hours_to", f"{PAGE}-hours-end", end, lang), md=2),
                    dbc.Col(
                        [
                            dbc.Label(t("mapping.sla", lang), className="small mb-0"),
                            dbc.Input(
                                id=f"{PAGE}-sla", type="number", min=0, step="any", size="sm"
                            ),
                        ],
                        md=3,
                    ),
                ]
            ),
            dbc.Row(
                dbc.Col(
                    [
                        dbc.Label(t("mapping.timezone", lang), className="small mb-0"),
                        dbc.Input(
                            id=f"{PAGE}-timezone",
                            type="text",
                            placeholder="UTC",
                            list=f"{PAGE}-timezones",
                            size="sm",
                        ),
                        html.Datalist(
                            [html.Option(value=zone) for zone in TIMEZONES],
                            id=f"{PAGE}-timezones",
                        ),
                    ],
                    md=4,
                ),
                className="mt-1",
            ),
        ],
        className="mb-2",
    )


def _labelled(key: str, component_id: str, value: str, lang: str) -> list[Any]:
    return [
        dbc.Label(t(key, lang), className="small mb-0"),
        # text, not type="time": the browser would show 05:30 PM in every language
        dbc.Input(
            id=component_id, type="text", value=value, placeholder=value, size="sm", maxLength=8
        ),
    ]


def choices_from_controls(
    mapping: dict[str, str | None],
    attributes: dict[str, str | None],
    activities: list[str] | None,
    outcomes: list[str | None],
    departments: list[str | None],
    workdays: list[str] | None,
    hours: tuple[str | None, str | None],
    sla: float | str | None,
    timezone: str | None = None,
) -> ProfileChoices:
    """The page's controls as :class:`ProfileChoices` ("(none)" is not set)."""
    names = list(activities or [])

    def chosen(value: str | None) -> str | None:
        return None if value in (None, NONE) else value

    return ProfileChoices(
        columns={k: chosen(v) for k, v in mapping.items()},
        case_attributes={k: chosen(v) for k, v in attributes.items()},
        outcomes={a: chosen(v) for a, v in zip(names, outcomes, strict=False)},
        departments={a: v for a, v in zip(names, departments, strict=False)},
        workdays=None if workdays is None else tuple(workdays),
        hours=hours,
        sla_hours=sla,
        timezone=timezone,
    )


def page_profile(choices: ProfileChoices, profile_text: str | None) -> Profile:
    """The profile for the load: the typed profile text under the page's choices."""
    return profile_from_choices(choices, parse_profile_text(profile_text))


def profile_download(profile: Profile, name: str | None) -> dict[str, Any]:
    """The profile as a YAML file for ``dcc.Download``."""
    stem = (name or "").strip() or "loanflow"
    return {
        "content": profile_yaml(profile),
        "filename": f"{stem}.profile.yaml",
        "type": "application/x-yaml",
    }
