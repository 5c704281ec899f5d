"""The outcomes of a case, declared once.

A closed case is approved, rejected or withdrawn (a profile's ``outcomes`` maps the
activities or attribute values that end a case to these); a case with no mapped outcome
is open. The loader, the analysis, the CLI's ``--outcome``, the dashboard's filter and
the vocabulary's names (``outcome.*``) all read these constants.
"""

from __future__ import annotations

from typing import Literal, get_args

Outcome = Literal["approved", "rejected", "withdrawn"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)  # the closed outcomes
OPEN = "open"
OUTCOME_KEYS: tuple[str, ...] = (*OUTCOMES, OPEN)  # every outcome a case can have
