"""Why applications wait: every waiting time split into its causes (DESIGN.md).

Public API:

- :func:`discover_calendars` / :class:`WorkingCalendar`: working calendars per resource or
  department, discovered from the log and overridden by the profile.
- :func:`waiting_causes`: the decomposition per activity, per handoff and per instance.
"""

from analysis.waits.calendars import (
    WorkingCalendar,
    calendar_of_resources,
    discover_calendars,
)

__all__ = ["WorkingCalendar", "calendar_of_resources", "discover_calendars"]
