"""Why applications wait: every waiting time split into its causes (DESIGN.md).

Public API: :func:`analysis.waits.report.waiting_causes`, the decomposition per activity,
per handoff and per instance. The working calendars it uses (per resource, discovered
from the log or taken from the profile) are :mod:`analysis.calendar.discover`'s, shared
with the what-if model.
"""
