"""The audit log's details in the reader's words.

The store keeps each row's detail as its writer wrote it, in English and the command
line's codes (``role=admin``, ``1234 bytes``, ``replace (cli): done: 24 events, 4 cases,
0 rejected``), which ``loanflow audit`` prints. The Admin page reads the details LoanFlow
writes itself by their patterns, one per writer, and says them in the reader's language;
a failure's message is read back by the catalogue template it was made from
(:func:`vocabulary.reworded.reworded`); any detail no pattern knows stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import accounts
from vocabulary import fmt_bytes, role_label, t
from vocabulary.reworded import reworded

Reading = Callable[[re.Match[str], str], str]


def _roles(found: re.Match[str], lang: str) -> str:
    roles = [role_label(r, lang) for r in found.group(1).split(", ")]
    return t("admin.detail_needs", lang, roles=t("admin.list_sep", lang).join(roles))


def _count(key: str) -> Reading:
    return lambda found, lang: t(key, lang, n=found.group(1))


def _load(found: re.Match[str], lang: str) -> str:
    """A load's mode, where it was made, and its outcome (a failure's message read back in
    the reader's language where the catalogue knows it)."""
    mode, cli, outcome = found.group(1), found.group(2), found.group(3)
    where = t("admin.detail_by_cli", lang) if cli else ""
    return t("admin.detail_load", lang, mode=t(f"admin.load_{mode}", lang), where=where) + (
        _outcome(outcome, lang)
    )


_DONE = re.compile(r"^done(?:: ([\d,]+) events(?:, ([\d,]+) cases, ([\d,]+) rejected)?)?$")


def _outcome(outcome: str, lang: str) -> str:
    done = _DONE.match(outcome)
    if done and done.group(2):
        events, cases, rejected = done.groups()
        return t("admin.detail_loaded_cli", lang, events=events, cases=cases, rejected=rejected)
    if done and done.group(1):
        return t("admin.detail_loaded", lang, events=done.group(1))
    if done:
        return t("admin.detail_done", lang)
    if outcome == "cancelled":
        return t("admin.detail_cancelled", lang)
    if outcome.startswith("failed: "):
        why = reworded(outcome.removeprefix("failed: "), lang)
        return t("admin.detail_failed", lang, why=why)
    return outcome


# (the actions it is written for, its pattern, how it reads); the first that matches wins.
DETAILS: tuple[tuple[frozenset[str], re.Pattern[str], Reading], ...] = (
    (
        frozenset({"sign-in"}),
        re.compile(rf"^({'|'.join(accounts.ROLES)})$"),
        lambda found, lang: role_label(found.group(1), lang),
    ),
    (
        frozenset({"user-add", "user-role"}),
        re.compile(r"^role=(\w+)$"),
        lambda found, lang: t("admin.detail_role", lang, role=role_label(found.group(1), lang)),
    ),
    (frozenset({"refused"}), re.compile(r"^needs (\w+(?:, \w+)*)$"), _roles),
    (
        frozenset({"sign-in-refused"}),
        re.compile(r"^rate limit$"),
        lambda found, lang: t("admin.detail_rate_limit", lang),
    ),
    (
        frozenset({"upload"}),
        re.compile(r"^(\d+) bytes$"),
        lambda found, lang: fmt_bytes(int(found.group(1)), lang),
    ),
    (frozenset({"export"}), re.compile(r"^([\d,]+) rows$"), _count("admin.detail_rows")),
    (
        frozenset({"export"}),
        re.compile(r"^comparison report \((datasets|split)\)$"),
        lambda found, lang: t(
            "admin.detail_report", lang, mode=t(f"compare.mode_{found.group(1)}", lang)
        ),
    ),
    (
        frozenset({"user-signout"}),
        re.compile(r"^([\d,]+) sessions$"),
        _count("admin.detail_sessions"),
    ),
    (
        frozenset({"delete"}),
        re.compile(r"^cli$"),
        lambda found, lang: t("admin.detail_cli", lang),
    ),
    (
        frozenset({"load"}),
        re.compile(r"^(create|replace|append)( \(cli\))?: (.*)$", re.DOTALL),
        _load,
    ),
)


def shown_detail(action: str, detail: str | None, lang: str) -> str | None:
    """An audit row's detail in ``lang`` (as written when no pattern of its action fits)."""
    if not detail:
        return detail
    for actions, pattern, reading in DETAILS:
        if action in actions and (found := pattern.match(detail)):
            return reading(found, lang)
    return detail
