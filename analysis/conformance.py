"""Conformance against a reference model (the to-be process) through pm4py.

The model is a BPMN file (or PNML), converted to a Petri net by pm4py. Cases are replayed
per variant (one trace per distinct activity sequence, weighted by its cases), which keeps
conformance checking fast on large logs: pm4py's token-based replay by default, or its
alignments (exact, slower; meant for small logs or few variants).

- Fitness of a case: pm4py's trace fitness of its variant.
- Log fitness: pm4py's formula over all cases,
  ``1/2 (1 - missing/consumed) + 1/2 (1 - remaining/produced)`` for token replay, the
  case-weighted mean alignment fitness for alignments.
- Deviations: activities the model does not know; for token replay the activities whose
  transition had to fire without its tokens; for alignments the log moves (done but not
  allowed there) and model moves (required but skipped).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.prepared_tables import case_rows_sql
from analysis.scope import make_scope
from etl.errors import BadInputError

Method = Literal["token_replay", "alignments"]


@dataclass(frozen=True)
class Conformance:
    """Conformance of the selected cases against a model."""

    model: str
    method: Method
    cases: int
    variants: int
    fitness: float | None
    fit_case_share: float | None
    per_case: pd.DataFrame  # case_id, fitness, is_fit, deviations (list of text)
    deviations: pd.DataFrame  # activity, kind, cases, share

    def least_fitting(self, max_cases: int = 100) -> pd.DataFrame:
        """The least fitting cases, lowest fitness first (ties: by case id): ``per_case``'s
        columns, at most ``max_cases`` rows (the Conformance page and ``least_fitting_cases``
        of the JSON)."""
        return (
            self.per_case.sort_values(["fitness", "case_id"], kind="stable")
            .head(max_cases)
            .reset_index(drop=True)
        )

    def to_json(self, max_cases: int = 100) -> dict[str, Any]:
        """Plain data for ``loanflow conformance --json`` (the least fitting cases first)."""
        worst = self.least_fitting(max_cases)
        return {
            "model": self.model,
            "method": self.method,
            "cases": self.cases,
            "variants": self.variants,
            "fitness": self.fitness,
            "fit_case_share": self.fit_case_share,
            "deviations": [
                {
                    "activity": r["activity"],
                    "kind": r["kind"],
                    "cases": int(r["cases"]),
                    "share": float(r["share"]),
                }
                for r in self.deviations.to_dict(orient="records")
            ],
            "least_fitting_cases": [
                {
                    "case_id": r["case_id"],
                    "fitness": float(r["fitness"]),
                    "is_fit": bool(r["is_fit"]),
                    "deviations": list(r["deviations"]),
                }
                for r in worst.to_dict(orient="records")
            ],
        }


def load_model(path: str | Path) -> tuple[Any, Any, Any]:
    """A Petri net (net, initial marking, final marking) from a BPMN or PNML file."""
    import pm4py

    target = Path(path)
    if not target.exists():
        raise BadInputError(
            f"No model file at {target}. Give the path of a BPMN (.bpmn) or PNML (.pnml) "
            "file, e.g. sample_logs/to_be.bpmn.",
            code="model_not_found",
            path=target,
        )
    try:
        if target.suffix.lower() == ".pnml":
            return pm4py.read_pnml(str(target))
        bpmn = pm4py.read_bpmn(str(target))
        return pm4py.convert_to_petri_net(bpmn)
    except Exception as exc:  # pm4py raises many kinds on a malformed file
        raise BadInputError(
            f"Cannot read the model {target}: {exc}. Save it as BPMN 2.0 XML (.bpmn) or "
            "PNML (.pnml).",
            code="model_unreadable",
            path=target,
            reason=exc,
        ) from exc


def _variant_log(variants: list[list[str]]) -> Any:
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog()
    for number, activities in enumerate(variants):
        trace = Trace(attributes={"concept:name": f"variant {number}"})
        for activity in activities:
            trace.append(Event({"concept:name": activity}))
        log.append(trace)
    return log


def _token_replay(log: Any, net: Any, im: Any, fm: Any) -> list[dict[str, Any]]:
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

    parameters = {"show_progress_bar": False}
    results = token_replay.apply(log, net, im, fm, parameters=parameters)
    out = []
    for result in results:
        problems = [t.label for t in result["transitions_with_problems"] if t.label]
        if int(result["remaining_tokens"]) and not problems:
            problems_end = [("stops before the model's end", "(end)")]
        else:
            problems_end = []
        out.append(
            {
                "fitness": float(result["trace_fitness"]),
                "is_fit": bool(result["trace_is_fit"]),
                "missing": int(result["missing_tokens"]),
                "consumed": int(result["consumed_tokens"]),
                "remaining": int(result["remaining_tokens"]),
                "produced": int(result["produced_tokens"]),
                "deviations": [("forced without tokens", a) for a in problems] + problems_end,
            }
        )
    return out


def _alignments(log: Any, net: Any, im: Any, fm: Any) -> list[dict[str, Any]]:
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    results = alignments.apply(log, net, im, fm, parameters={"show_progress_bar": False})
    out = []
    for result in results:
        moves = []
        for log_move, model_move in result["alignment"]:
            if model_move == ">>":
                moves.append(("log move (not allowed here)", log_move))
            elif log_move == ">>" and model_move is not None:
                moves.append(("model move (skipped)", model_move))
        fitness = float(result["fitness"])
        out.append({"fitness": fitness, "is_fit": fitness >= 1.0, "deviations": moves})
    return out


def conformance(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None,
    model_path: str | Path,
    method: Method = "token_replay",
    max_alignment_variants: int = 2000,
) -> Conformance:
    """Check the selected cases against the model at ``model_path`` (BPMN or PNML).

    Alignments are exact but costly per variant; with more than
    ``max_alignment_variants`` distinct variants they are refused with a clear message
    (use token replay, or filter the cases).
    """
    if method not in ("token_replay", "alignments"):
        raise BadInputError("method is token_replay or alignments", code="conformance_method")
    scope = make_scope(con, dataset, filters)
    rows, params = case_rows_sql(con, scope)
    grouped = con.execute(
        f"SELECT any_value(variant) AS variant, list(case_id ORDER BY case_id) AS cases"
        f" FROM ({rows}) GROUP BY variant_key ORDER BY len(cases) DESC, variant",
        params,
    ).fetchall()
    variants = [list(v) for v, _ in grouped]
    case_lists = [list(c) for _, c in grouped]
    return check_variants(model_path, method, variants, case_lists, max_alignment_variants)


def check_variants(
    model_path: str | Path,
    method: Method,
    variants: list[list[str]],
    case_lists: list[list[str]],
    max_alignment_variants: int = 2000,
) -> Conformance:
    """:func:`conformance` over the distinct variants already found (most cases first),
    with each one's cases (the store path's, or the lake's,
    :func:`analysis.lake.pages.conformance`)."""
    if method not in ("token_replay", "alignments"):
        raise BadInputError("method is token_replay or alignments", code="conformance_method")
    net, im, fm = load_model(model_path)
    if method == "alignments" and len(variants) > max_alignment_variants:
        raise BadInputError(
            f"The selection has {len(variants):,} variants; alignments are meant for at most "
            f"{max_alignment_variants:,}. Use --method token_replay, or filter the cases "
            "(period, product, outcome) first.",
            code="alignments_too_many",
            count=len(variants),
            most=max_alignment_variants,
        )
    log = _variant_log(variants)
    replay = _token_replay if method == "token_replay" else _alignments
    results = replay(log, net, im, fm) if variants else []
    labels = {t.label for t in net.transitions if t.label}
    for result, activities in zip(results, variants, strict=True):
        unknown = sorted({a for a in activities if a not in labels})
        result["deviations"] = [("not in the model", a) for a in unknown] + result["deviations"]
    return _summarise(str(model_path), method, variants, case_lists, results)


def _summarise(
    model: str,
    method: Method,
    variants: list[list[str]],
    case_lists: list[list[str]],
    results: list[dict[str, Any]],
) -> Conformance:
    weights = [len(c) for c in case_lists]
    total = sum(weights)
    per_case = pd.DataFrame(
        [
            {
                "case_id": case_id,
                "fitness": r["fitness"],
                "is_fit": r["is_fit"],
                "deviations": [f"{kind}: {activity}" for kind, activity in r["deviations"]],
            }
            for r, cases in zip(results, case_lists, strict=True)
            for case_id in cases
        ],
        columns=["case_id", "fitness", "is_fit", "deviations"],
    )
    if total == 0:
        fitness = None
    elif method == "token_replay":
        missing = sum(w * r["missing"] for w, r in zip(weights, results, strict=True))
        consumed = sum(w * r["consumed"] for w, r in zip(weights, results, strict=True))
        remaining = sum(w * r["remaining"] for w, r in zip(weights, results, strict=True))
        produced = sum(w * r["produced"] for w, r in zip(weights, results, strict=True))
        fitness = 0.5 * (1 - missing / consumed if consumed else 1.0) + 0.5 * (
            1 - remaining / produced if produced else 1.0
        )
    else:
        fitness = sum(w * r["fitness"] for w, r in zip(weights, results, strict=True)) / total
    counts: Counter[tuple[str, str]] = Counter()
    for w, r in zip(weights, results, strict=True):
        for kind, activity in set(r["deviations"]):
            counts[(activity, kind)] += w
    deviations = pd.DataFrame(
        [
            {"activity": a, "kind": k, "cases": n, "share": n / total}
            for (a, k), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ],
        columns=["activity", "kind", "cases", "share"],
    )
    fit = sum(w for w, r in zip(weights, results, strict=True) if r["is_fit"])
    return Conformance(
        model=model,
        method=method,
        cases=total,
        variants=len(variants),
        fitness=fitness,
        fit_case_share=fit / total if total else None,
        per_case=per_case,
        deviations=deviations,
    )
