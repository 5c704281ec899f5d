"""LoanFlow's one vocabulary: the words it shows, in English, 繁體中文 and 简体中文, and
how it writes numbers and draws charts.

Used by the dashboard, the HTML report and the CLI alike, and by ``analysis`` for the
department colours of its SVG map: it sits just above ``etl`` (whose outcome names it
reads) and below everything else.

- :mod:`vocabulary.languages`: the languages and :func:`normalise_language`, the one rule
  that reads a language code (``zh`` means Traditional Chinese);
- :mod:`vocabulary.catalogue`: every label and message, looked up with :func:`t`;
- :mod:`vocabulary.formats`: numbers, shares, points, durations, dates;
- :mod:`vocabulary.style`: the chart style and the department colours.
"""

from __future__ import annotations

from vocabulary.catalogue import (
    MESSAGES,
    audit_action_label,
    cause_label,
    display_name,
    effect_size_label,
    labels,
    metric_label,
    metric_name,
    outcome_label,
    role_label,
    t,
    test_label,
)
from vocabulary.formats import (
    fmt_bytes,
    fmt_change,
    fmt_count,
    fmt_date,
    fmt_datetime,
    fmt_days_hint,
    fmt_in_hours,
    fmt_number,
    fmt_points,
    fmt_share,
)
from vocabulary.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_CODES,
    LANGUAGE_NAMES,
    LANGUAGES,
    UnknownLanguage,
    normalise_language,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_CODES",
    "LANGUAGE_NAMES",
    "MESSAGES",
    "UnknownLanguage",
    "audit_action_label",
    "cause_label",
    "display_name",
    "effect_size_label",
    "fmt_bytes",
    "fmt_change",
    "fmt_count",
    "fmt_date",
    "fmt_datetime",
    "fmt_days_hint",
    "fmt_in_hours",
    "fmt_number",
    "fmt_points",
    "fmt_share",
    "labels",
    "metric_label",
    "metric_name",
    "normalise_language",
    "outcome_label",
    "role_label",
    "t",
    "test_label",
]
