"""The one catalogue of words LoanFlow shows, and how to look them up.

:data:`MESSAGES` joins the parts in :mod:`vocabulary.messages` (dashboard, report,
domain names, sign-in and admin, failures); a key declared twice is an error at import. Look a key
up with :func:`t`; the domain's names (outcomes, comparison metrics, loan rules) with
:func:`outcome_label`, :func:`metric_name`, :func:`metric_label`, :func:`cause_label`,
:func:`role_label`, :func:`audit_action_label`, :func:`test_label` and
:func:`effect_size_label` (names as headers and legends show them:
:func:`display_name`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vocabulary.languages import DEFAULT_LANGUAGE, normalise_language
from vocabulary.messages.access import ACCESS
from vocabulary.messages.browser import BROWSER
from vocabulary.messages.dashboard import DASHBOARD
from vocabulary.messages.domain import DOMAIN
from vocabulary.messages.errors import ERRORS
from vocabulary.messages.mapping import MAPPING
from vocabulary.messages.report import REPORT
from vocabulary.messages.waits import WAITS
from vocabulary.messages.whatif import WHATIF

RULE_PREFIX = "rule_"


def _joined(*parts: Mapping[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    joined: dict[str, dict[str, str]] = {}
    for part in parts:
        repeated = sorted(set(joined) & set(part))
        if repeated:
            raise RuntimeError(f"catalogue keys declared twice: {', '.join(repeated)}")
        joined.update(part)
    return joined


MESSAGES: dict[str, dict[str, str]] = _joined(
    DASHBOARD, REPORT, DOMAIN, ACCESS, WAITS, BROWSER, MAPPING, WHATIF, ERRORS
)


def t(key: str, lang: str | None, **values: Any) -> str:
    """The text ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``."""
    entry = MESSAGES[key]
    text = entry.get(normalise_language(lang), entry[DEFAULT_LANGUAGE])
    return text.format(**values) if values else text


def labels(keys: Mapping[str, str], lang: str) -> dict[str, str]:
    """Several labels at once: ``{name: key}`` -> ``{name: text}``."""
    return {name: t(key, lang) for name, key in keys.items()}


def outcome_label(outcome: str, lang: str) -> str:
    """The outcome's name in ``lang`` (unknown outcomes are shown as stored)."""
    key = f"outcome.{outcome}"
    return t(key, lang) if key in MESSAGES else outcome


def role_label(role: str, lang: str) -> str:
    """A role's name in ``lang`` (``admin`` -> 管理員; an unknown role as stored)."""
    key = f"role.{role}"
    return t(key, lang) if key in MESSAGES else role


def audit_action_label(action: str, lang: str) -> str:
    """An audit log action's name in ``lang`` (``sign-in`` -> 登入; unknown as stored)."""
    key = f"audit.{action}"
    return t(key, lang) if key in MESSAGES else action


def test_label(test: str, lang: str) -> str:
    """A statistical test's name in ``lang`` (``chi-square`` -> 卡方檢定; ``Metric.test``);
    an unknown name as written."""
    key = f"stat.test.{test}"
    return t(key, lang) if key in MESSAGES else test


def effect_size_label(name: str, lang: str) -> str:
    """An effect size's name in ``lang`` (``Cohen's d`` -> Cohen d 值); unknown as written."""
    key = f"stat.effect.{name}"
    return t(key, lang) if key in MESSAGES else name


def metric_name(name: str, lang: str) -> str:
    """The name of a comparison metric in a sentence (its own words when none is defined)."""
    if f"metric.{name}" in MESSAGES:
        return t(f"metric.{name}", lang)
    if name.startswith(RULE_PREFIX):
        rule = name[len(RULE_PREFIX) :].removesuffix("_share")
        if f"rule.{rule}" in MESSAGES:
            return t(f"rule.{rule}", lang)
        return t("rule.other", lang, rule=rule.replace("_", " "))
    return name.replace("_", " ")


def display_name(text: str, lang: str) -> str:
    """A name as a table header, chart legend or table cell shows it: capitalised in English
    (the catalogue writes names as they read inside a sentence), as written in Chinese."""
    return text[:1].upper() + text[1:] if normalise_language(lang) == "en" else text


def metric_label(name: str, lang: str) -> str:
    """A metric's name as a table or chart label (capitalised in English)."""
    return display_name(metric_name(name, lang), lang)


def cause_label(cause: str, lang: str) -> str:
    """A cause of waiting (``batching``, ...) as a table header, legend or cell shows it
    (``Batching``); ``t("cause.<name>", lang)`` is its name inside a sentence."""
    return display_name(t(f"cause.{cause}", lang), lang)
