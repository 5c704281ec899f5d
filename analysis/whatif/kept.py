"""What-if predictions kept in the store (its ``predictions`` table), to be checked later.

A manager shapes a redesign on the What if page (or runs ``loanflow simulate --keep``);
weeks later, once the redesign is live and its log loaded, an evaluator opens the Compare
page, or runs ``loanflow compare BEFORE AFTER --report F --prediction ID``, and reads the
prediction against what was measured. Keeping it in the store rather than in one browser
lets anyone who may read the store check it, from anywhere.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from etl.errors import BadInputError


@dataclass(frozen=True)
class KeptPrediction:
    """One kept prediction, without its report (:func:`kept_prediction` reads that)."""

    id: str
    trained_on: str
    scenario: str | None
    runs: int
    made_at: datetime
    made_by: str | None

    def to_json(self) -> dict[str, Any]:
        """Plain data (``loanflow predictions --json``)."""
        return {
            "id": self.id,
            "trained_on": self.trained_on,
            "scenario": self.scenario,
            "runs": self.runs,
            "made_at": self.made_at.isoformat(),
            "made_by": self.made_by,
        }


def keep_prediction(
    con: duckdb.DuckDBPyConnection,
    report: dict[str, Any],
    *,
    made_by: str | None = None,
    key: str | None = None,
) -> str:
    """Keep ``report`` (``what_if``'s JSON) and return its id (``p-`` and 12 hex digits).
    ``key`` (from a dashboard job's id, in the same form) makes keeping idempotent: the
    same key is kept once."""
    from analysis.whatif.whatif import check_prediction

    check_prediction(report, "the prediction")
    ident = key or f"p-{secrets.token_hex(6)}"
    con.execute(
        "INSERT OR IGNORE INTO predictions (id, trained_on, scenario, runs, made_by, report)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            ident,
            str(report["dataset"]),
            report.get("scenario"),
            int(report.get("runs") or 0),
            made_by,
            json.dumps(report, ensure_ascii=False, default=str),
        ],
    )
    return ident


def prediction_key(job_id: str) -> str:
    """The id a dashboard job's prediction is kept under (the same job, the same id)."""
    return f"p-{job_id[:12]}"


def kept_predictions(
    con: duckdb.DuckDBPyConnection, trained_on: str | None = None
) -> list[KeptPrediction]:
    """The kept predictions (of models discovered from ``trained_on``), newest first."""
    rows = con.execute(
        "SELECT id, trained_on, scenario, runs, made_at, made_by FROM predictions"
        " WHERE ? IS NULL OR trained_on = ? ORDER BY made_at DESC, id",
        [trained_on, trained_on],
    ).fetchall()
    return [KeptPrediction(*row) for row in rows]


def kept_prediction(con: duckdb.DuckDBPyConnection, ident: str) -> dict[str, Any]:
    """The report of the kept prediction ``ident``; a clear message naming the kept ones
    when there is none by that id."""
    row = con.execute("SELECT report FROM predictions WHERE id = ?", [ident]).fetchone()
    if row is None:
        known = [p.id for p in kept_predictions(con)][:10]
        listed = ", ".join(known) if known else "–"
        raise BadInputError(
            f"No kept prediction {ident!r} in the store (kept: {listed}). List them with "
            "`loanflow predictions`, or give a file saved from `loanflow simulate --json`.",
            code="prediction_not_kept",
            ident=ident,
            known=listed,
        )
    report: dict[str, Any] = json.loads(row[0])
    return report
