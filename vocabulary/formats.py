"""How LoanFlow writes numbers, shares, changes, durations and dates, in every language.

One set of rules for the dashboard, the HTML report and the CLI's text output:

- counts are whole numbers with thousands separators (``2,000``);
- shares are percentages (``67.9%``); a change of a share is in percentage points
  (``+1.6 pp`` / ``+1.6 個百分點``), never a percent of a percent;
- other changes are relative, with their sign (``-30.0%``);
- durations in hours, always (:func:`fmt_in_hours`), as the CLI's JSON keys give them; a
  headline may add a hint in days (:func:`fmt_days_hint`);
- the report writes a true minus sign (``−``), the dashboard and the CLI ASCII ``-``.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from vocabulary.catalogue import t
from vocabulary.languages import normalise_language


def missing(value: Any) -> bool:
    """Whether a value is absent (None or NaN)."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return False


def fmt_number(value: Any, lang: str, digits: int = 0) -> str:
    """A number with thousands separators (the same for all three languages), or a dash."""
    if missing(value):
        return "–"
    return f"{float(value):,.{digits}f}"


def fmt_count(value: Any, lang: str) -> str:
    """A whole count."""
    return fmt_number(value, lang, 0)


def fmt_share(value: Any, lang: str, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage."""
    if missing(value):
        return "–"
    return f"{float(value) * 100:.{digits}f}%"


def fmt_in_hours(value: Any, lang: str) -> str:
    """A duration given in hours, in hours whatever its size: every duration LoanFlow shows
    (cycle time, waiting, processing, working time) is in hours, as the command line's JSON
    gives it, so one figure reads the same on every page, in the report and the CLI (a day
    of working time is not 24 hours: 60 working hours in days would read as 2.5)."""
    if missing(value):
        return "–"
    return t("unit.h", lang, value=f"{float(value):,.1f}")


DAYS_HINT_FROM_HOURS = 48.0


def fmt_days_hint(value: Any, lang: str) -> str:
    """A secondary reading of a calendar duration of two days or more in days of 24 hours
    (``≈ 7.7 d``), shown beside its hours on a headline; empty below two days or for
    working time (whose days are not 24 hours), which callers do not pass."""
    if missing(value) or abs(float(value)) < DAYS_HINT_FROM_HOURS:
        return ""
    return "≈ " + t("unit.d", lang, value=f"{float(value) / 24:,.1f}")


def fmt_change(value: Any, lang: str) -> str:
    """A relative change (-0.3 = 30% lower) with its sign."""
    if missing(value):
        return "–"
    return f"{float(value) * 100:+.1f}%"


def fmt_points(value: Any, lang: str) -> str:
    """A difference of two shares, in percentage points with its sign."""
    if missing(value):
        return "–"
    return t("unit.pp", lang, value=f"{float(value) * 100:+.1f}")


def fmt_date(value: date | datetime | None, lang: str) -> str:
    """A date in the reader's convention: 28 Nov 2026 / 2026年11月28日."""
    if value is None:
        return "–"
    if normalise_language(lang) == "en":
        return f"{value.day} {value:%b %Y}"
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_datetime(value: datetime | None, lang: str) -> str:
    """A date and time (minutes) in the reader's convention."""
    if value is None:
        return "–"
    return f"{fmt_date(value, lang)} {value:%H:%M}"


def fmt_bytes(size: int, lang: str) -> str:
    """A file size in KB, MB or GB."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GB"


# --- the report's typography (true minus signs) -------------------------------------------


def percent(value: Any, digits: int = 0, sign: bool = False) -> str:
    """A fraction as a percentage ('−66%'), with a true minus sign."""
    if missing(value):
        return "–"
    number_ = float(value) * 100
    formatted = f"{number_:+.{digits}f}%" if sign else f"{number_:.{digits}f}%"
    return formatted.replace("-", "−")


def number(value: Any, digits: int = 1, sign: bool = False) -> str:
    """A number with thousands separators and a true minus sign."""
    if missing(value):
        return "–"
    formatted = f"{float(value):+,.{digits}f}" if sign else f"{float(value):,.{digits}f}"
    return formatted.replace("-", "−")


def points(value: Any, lang: str, digits: int = 1) -> str:
    """A change of a share (a fraction) in percentage points, signed, true minus sign."""
    if missing(value):
        return "–"
    return t("unit.pp", lang, value=number(float(value) * 100, digits, sign=True))


def duration(hours: Any, lang: str) -> str:
    """A duration in hours (as everywhere: :func:`fmt_in_hours`), with a true minus sign."""
    if missing(hours):
        return "–"
    return t("report.hours", lang, value=number(hours, 1))


def p_text(p: Any) -> str:
    """'p < 0.001' or 'p = 0.012'."""
    if missing(p):
        return "p –"
    if float(p) < 0.001:
        return "p < 0.001"
    return f"p = {float(p):.3f}" if float(p) < 0.1 else f"p = {float(p):.2f}"
