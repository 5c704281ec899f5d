"""Profiles for the written logs, following :mod:`etl.profile` exactly.

A profile says how the file's columns map onto LoanFlow's fields and carries what the
simulator knows about the bank: the calendar (with the same holidays the simulation
used), the SLA, the cost of a working hour per department and the guardrail rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sample_logs import names
from sample_logs.activities import OUTCOME_ACTIVITIES
from sample_logs.calendar import CLOSES, OPENS, TIMEZONE, WORKDAYS, holidays_for_years
from sample_logs.scenarios import COMPLIANCE_THRESHOLD

SLA_CYCLE_TIME_HOURS = 120.0  # five calendar days from application to disbursement
COST_CURRENCY = "CNY"
COST_PER_WORKING_HOUR: dict[str, float] = {  # CNY, fully loaded
    "客戶經理部": 260.0,
    "信貸部": 320.0,
    "風險管理部": 350.0,
    "法務合規部": 420.0,
    "審批委員會": 900.0,
    "運營部": 220.0,
}
RULES: dict[str, list[str]] = {
    "risk_activities": ["風險評估", "自動評分"],
    "decision_activities": ["審批會議", "自動審批"],
    "compliance_activities": ["合規審查"],
    "investigation_activities": ["信貸調查"],
    "approval_activities": ["審批會議", "自動審批"],
}
XES_COLUMNS = {
    "case_id": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "lifecycle": "lifecycle:transition",
    "resource": "org:resource",
    "department": "org:group",
}


def _columns(fmt: str, layout: str, lang: names.Lang) -> dict[str, str]:
    if fmt == "xes":
        return dict(XES_COLUMNS)
    keys = ["case_id", "activity"]
    keys += ["timestamp", "lifecycle"] if layout == "events" else ["end_timestamp"]
    keys += ["start_timestamp"] if layout == "instances" else []
    keys += ["resource", "department"]
    columns = {key: names.column(key, lang) for key in keys}
    if "end_timestamp" in columns:
        columns["timestamp"] = columns.pop("end_timestamp")
    return columns


def build_profile(
    fmt: str,
    layout: str,
    lang: names.Lang,
    encoding: str,
    first_day: date,
    last_day: date,
) -> dict[str, Any]:
    """The profile (as YAML-ready data) for a log written with these options.

    ``first_day``/``last_day`` bound the log; the calendar lists the holidays of those
    years, exactly as the simulator used them.
    """
    attribute = "case:{}" if fmt == "xes" else "{}"
    english = lang == "en"

    def term(name: str, table: dict[str, str]) -> str:
        return table[name] if english else name

    profile: dict[str, Any] = {
        "columns": _columns(fmt, layout, lang),
        "encoding": encoding if fmt == "csv" else "auto",
        "delimiter": "," if fmt == "csv" else "auto",
        "timestamp_format": "auto",
        "timezone": TIMEZONE,
        "outcomes": {term(a, names.ACTIVITIES): o for a, o in OUTCOME_ACTIVITIES.items()},
        "case_attributes": {
            key: attribute.format(names.column(key, lang))
            for key in ("amount", "product", "branch", "channel")
        },
        "calendar": {
            "workdays": list(WORKDAYS),
            "hours": [OPENS.strftime("%H:%M"), CLOSES.strftime("%H:%M")],
            "holidays": holidays_for_years(first_day.year, last_day.year),
        },
        "sla": {"cycle_time_hours": SLA_CYCLE_TIME_HOURS},
        "costs": {term(d, names.DEPARTMENTS): c for d, c in COST_PER_WORKING_HOUR.items()},
        "currency": COST_CURRENCY,
        "rules": {
            **{
                key: [term(a, names.ACTIVITIES) for a in activities]
                for key, activities in RULES.items()
            },
            "compliance_amount_threshold": float(COMPLIANCE_THRESHOLD),
        },
    }
    return profile
