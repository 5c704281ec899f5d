"""A failure's English message, as the audit log and other records keep it, read back in
another language by the catalogue entry (``error.<code>``) it was made from.

Every LoanFlow failure's English is its catalogue template with the values filled in
(``tests/test_error_codes.py`` holds every raise to that), so a kept message can be matched
against the templates and its values taken back out: ``No dataset named 'x' in the store.
Datasets: a, b. Load one ...`` reads in Traditional Chinese as 儲存庫中沒有名為「x」的資料集。
A value that is itself a whole message LoanFlow words (a phrase: ``none yet``) is read back
the same way; a message no template matches stays as written.
"""

from __future__ import annotations

import ast
import re
import string
from functools import cache

from vocabulary.catalogue import MESSAGES
from vocabulary.languages import normalise_language

_FIELD = "[A-Za-z_][A-Za-z0-9_]*"
# Values that are code, kept as written (a profile's YAML key in its example line).
_CODE_VALUES = {"error.profile_example_column": {"field"}}


def _pattern(template: str) -> tuple[re.Pattern[str], int] | None:
    """The regular expression a template's messages match, and how much literal text it
    holds (the more, the more specific); None for a template that is one value only."""
    parts: list[str] = []
    literal = 0
    seen: set[str] = set()
    for text, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(text))
        literal += len(text.strip())
        if name is None:
            continue
        if not re.fullmatch(_FIELD, name):
            return None
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
    if literal < 8:
        return None
    return re.compile("".join(parts), re.S), literal


@cache
def _patterns() -> list[tuple[str, re.Pattern[str], int]]:
    found = []
    for key, entry in MESSAGES.items():
        if key.startswith("error."):
            made = _pattern(entry["en"])
            if made is not None:
                found.append((key, made[0], made[1]))
    return sorted(found, key=lambda item: -item[2])


def _unquoted(value: str) -> str:
    """A value the English wrote with ``!r`` ('x'), as the value itself."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        try:
            read = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return read if isinstance(read, str) else value
    return value


def _fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each value put in as matched (its format spec was applied when the
    English was written)."""
    out = []
    for text, name, _spec, _conversion in string.Formatter().parse(template):
        out.append(text)
        if name is not None:
            out.append(values.get(name, "{" + name + "}"))
    return "".join(out)


@cache
def _constants() -> dict[str, str]:
    """The catalogue's failures and phrases that hold no value, by their English."""
    return {
        entry["en"]: key
        for key, entry in MESSAGES.items()
        if key.startswith("error.")
        and not any(name for _, name, _, _ in string.Formatter().parse(entry["en"]))
    }


def _value(value: str, lang: str, depth: int) -> str:
    """A value taken out of a message, in ``lang``: a phrase, a list of phrases (one a
    line, or ", " between them), or as written."""
    for separator in ("\n", ", "):
        parts = value.split(separator)
        if len(parts) > 1:
            worded = [reworded(part, lang, depth=depth) for part in parts]
            if all(w != part for w, part in zip(worded, parts, strict=True)):
                joiner = MESSAGES["report.list_separator"][lang] if separator == ", " else "\n"
                return joiner.join(worded)
    return reworded(value, lang, depth=depth)


def reworded(message: str, lang: str, *, depth: int = 0) -> str:
    """``message`` (a failure's English as LoanFlow wrote it) in ``lang``; as written when
    it is English already wanted, or no catalogue template matches it."""
    lang = normalise_language(lang)
    if lang == "en" or depth > 3:
        return message
    if message in _constants():
        return MESSAGES[_constants()[message]][lang]
    for key, pattern, _ in _patterns():
        found = pattern.fullmatch(message)
        if found is None:
            continue
        code = _CODE_VALUES.get(key, set())
        values = {
            name: _unquoted(value) if name in code else _value(_unquoted(value), lang, depth + 1)
            for name, value in found.groupdict().items()
        }
        return _fill(MESSAGES[key][lang], values)
    return message
