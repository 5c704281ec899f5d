"""What the browser needs to speak the reader's language where the page cannot (plotly's
dates and modebar, the data grid's pager, the date picker's calendar).

:func:`browser_locales` is sent once to the page (a ``dcc.Store``); the dashboard's
``assets/locale.js`` applies the chosen language's part whenever the language changes:
plotly's locale (month and weekday names on date axes, the modebar), the date picker's
month caption and weekday header, and AG Grid's words (through ``getLocaleText``).
"""

from __future__ import annotations

from typing import Any

from vocabulary.catalogue import MESSAGES
from vocabulary.languages import LANGUAGES
from vocabulary.messages.browser import MONTHS, PLOTLY_WORDS, SHORT_WEEKDAYS, WEEKDAYS

PLOTLY_LOCALES = {"en": "en", "zh-Hant": "zh-TW", "zh-Hans": "zh-CN"}


def plotly_locale(lang: str) -> dict[str, Any] | None:
    """plotly's locale module for ``lang`` (toolbar titles, month and weekday names), for
    ``Plotly.register``; None in English (plotly's own)."""
    if lang == "en":
        return None
    index = 0 if lang == "zh-Hant" else 1
    return {
        "moduleType": "locale",
        "name": PLOTLY_LOCALES[lang],
        "dictionary": {english: words[index] for english, words in PLOTLY_WORDS.items()},
        "format": {
            "days": list(WEEKDAYS[lang]),
            "shortDays": list(SHORT_WEEKDAYS[lang]),
            "months": list(MONTHS),
            "shortMonths": list(MONTHS),
            "date": "%Y-%m-%d",
            "decimal": ".",
            "thousands": ",",
        },
    }


def browser_locale(lang: str) -> dict[str, Any]:
    """The browser's words in one language (``lang`` a supported code)."""
    grid = {
        key.removeprefix("grid."): entry[lang]
        for key, entry in MESSAGES.items()
        if key.startswith("grid.")
    }
    return {
        "lang": lang,
        "plotly": plotly_locale(lang),
        "plotly_locale": PLOTLY_LOCALES[lang],
        "grid": grid if lang != "en" else {},
        "short_weekdays": list(SHORT_WEEKDAYS.get(lang, ())),
        "month_caption": MESSAGES["date.month_caption"][lang],
        # react-dates' English guidance -> the reader's words
        "screen_reader": {
            MESSAGES[key]["en"]: MESSAGES[key][lang]
            for key in ("date.screen_reader_forward", "date.screen_reader_backward")
        },
    }


def browser_locales() -> dict[str, dict[str, Any]]:
    """:func:`browser_locale` for every language, by language code."""
    return {lang: browser_locale(lang) for lang in LANGUAGES}
