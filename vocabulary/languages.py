"""The three interface languages and the one rule that reads a language code.

LoanFlow speaks English (``en``), Traditional Chinese (``zh-Hant``) and Simplified
Chinese (``zh-Hans``). Codes are read by :func:`normalise_language` everywhere (the
dashboard, its sign-in page, the HTML report, the CLI's ``--lang``):

- ``zh-Hant``, ``zh-TW``, ``zh-HK``, ``zh-MO`` and a bare ``zh`` mean Traditional
  Chinese: the sample logs, and the banks LoanFlow was first written for, write their
  departments and activities in Traditional characters;
- ``zh-Hans``, ``zh-CN``, ``zh-SG`` and ``zh-MY`` mean Simplified Chinese;
- anything else (``en``, ``en-GB``, ``de``, nothing) means English, or, with
  ``strict=True``, is refused with a message naming the codes that work.

Case does not matter, and ``_`` may stand for ``-`` (``zh_cn``).
"""

from __future__ import annotations

from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "zh-Hant", "zh-Hans")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}
# The codes a user may type (the CLI's --lang offers these), besides any browser tag.
LANGUAGE_CODES: tuple[str, ...] = ("en", "zh", "zh-Hant", "zh-Hans")

_SIMPLIFIED_REGIONS = ("cn", "sg", "my")


class UnknownLanguage(ValueError):
    """A language code that names none of LoanFlow's languages (strict reading only)."""


def normalise_language(value: Any, *, strict: bool = False) -> str:
    """The supported language code for ``value`` (a code, a browser tag, or nothing).

    A list or tuple is read by its first element (a query string's repeated value).
    Unknown codes mean English, or raise :class:`UnknownLanguage` when ``strict``.
    """
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return DEFAULT_LANGUAGE
    if value in LANGUAGES:
        return value
    parts = value.strip().lower().replace("_", "-").split("-")
    if parts[0] == "zh":
        rest = parts[1:]
        if "hans" in rest or any(region in rest for region in _SIMPLIFIED_REGIONS):
            return "zh-Hans"
        return "zh-Hant"
    if parts[0] == "en" or not strict:
        return DEFAULT_LANGUAGE
    raise UnknownLanguage(
        f"unknown language {value!r}; use en, zh (Traditional), zh-Hant or zh-Hans"
    )
