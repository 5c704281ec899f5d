"""The Conformance page's content: fitness against a reference BPMN, the deviations found,
and the loan rules with the cases breaking them (analysis.conformance, analysis.rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from analysis.conformance import Conformance, conformance
from analysis.rules import RuleResult, rule_results
from dashboard import data, figures
from dashboard.components import (
    chart,
    column,
    empty_state,
    error_alert,
    grid,
    info,
    section,
)
from dashboard.exports import export_tools, register_export, shown_rows, shown_table_tools
from dashboard.uploads import upload_path
from etl.errors import BadInputError, LoanFlowError
from vocabulary import fmt_count, fmt_share, t

PAGE = "conformance"
SAMPLES = Path(__file__).resolve().parents[2] / "sample_logs"
METHODS = ("token_replay", "alignments")


def model_options(lang: str, uploaded: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """The reference models on offer: the shipped to-be models and the one uploaded."""
    options = [
        {
            "label": t("conformance.sample_model", lang, name=path.name),
            "value": f"sample:{path.name}",
        }
        for path in sorted(SAMPLES.glob("*.bpmn"))
    ]
    if uploaded and uploaded.get("upload_id") and not uploaded.get("error"):
        name = str(uploaded.get("filename", ""))
        options.append(
            {
                "label": t("conformance.uploaded_model", lang, name=name),
                "value": f"upload:{uploaded['upload_id']}",
            }
        )
    return options


def model_path(choice: str | None) -> Path:
    """The file behind a model choice (only shipped samples and uploads, never a typed path)."""
    kind, _, name = (choice or "").partition(":")
    if kind == "sample":
        path = SAMPLES / Path(name).name
        if path.suffix == ".bpmn" and path.exists():
            return path
    if kind == "upload":
        path = upload_path(name)
        if path.suffix.lower() in (".bpmn", ".pnml"):
            return path
        raise BadInputError(
            f"{path.name} is not a BPMN model; upload a .bpmn file.",
            code="conformance_not_bpmn",
            file=path.name,
        )
    raise BadInputError(
        "Choose a reference model or upload a BPMN file.", code="conformance_no_model"
    )


def check(query: str | None, choice: str | None, method: str | None) -> Conformance:
    """Conformance of the view's cases against the chosen model (cached)."""
    state = data.state_from_query(query)
    path = model_path(choice)
    chosen = method if method in METHODS else "token_replay"
    return data.cached(
        "conformance", conformance, str(state.dataset), state.filters(), str(path), chosen
    )


def rules(query: str | None) -> list[RuleResult]:
    """The loan rules over the view's decided cases (cached)."""
    state = data.state_from_query(query)
    return data.cached("rules", rule_results, str(state.dataset), state.filters())


# What each deviation kind of analysis.conformance means, in a manager's words.
DEVIATION_KEYS = {
    "forced without tokens": "conformance.kind.out_of_order",
    "not in the model": "conformance.kind.not_in_model",
    "stops before the model's end": "conformance.kind.unfinished",
    "log move (not allowed here)": "conformance.kind.out_of_order",
    "model move (skipped)": "conformance.kind.skipped",
}


def deviation_kind(kind: str, lang: str) -> str:
    """A deviation kind in plain words (an unknown kind as it is)."""
    key = DEVIATION_KEYS.get(kind)
    return t(key, lang) if key else kind


def deviation_text(deviation: str, lang: str) -> str:
    """A case's deviation ("kind: activity") with its kind in plain words."""
    kind, sep, activity = str(deviation).partition(": ")
    return f"{deviation_kind(kind, lang)}: {activity}" if sep else str(deviation)


def _words(key: str, lang: str, fallback: str) -> str:
    try:
        return t(key, lang)
    except KeyError:
        return fallback


def rule_name(rule: str, lang: str) -> str:
    """A loan rule's name in plain words (its id when the catalogue has none)."""
    return _words(f"conformance.rule.{rule}", lang, rule)


def rules_table(results: list[RuleResult], lang: str) -> pd.DataFrame:
    """One row per rule, named in plain words; a rule the profile cannot check has no
    figures (empty cells, shown as "not checked"), not zeros."""
    return pd.DataFrame(
        [
            {
                "rule": rule_name(r.rule, lang),
                "description": _words(f"conformance.rule_desc.{r.rule}", lang, r.description)
                if r.checked
                else t("conformance.not_checked", lang),
                "decided_cases": r.decided_cases,
                "breaking_cases": r.breaking_cases if r.checked else None,
                "share": r.share if r.checked else None,
            }
            for r in results
        ],
        columns=["rule", "description", "decided_cases", "breaking_cases", "share"],
    )


def breach_cases(query: str | None) -> pd.DataFrame:
    """Every (rule, case) breach of the view, for CSV."""
    return pd.DataFrame(
        [
            {"rule": r.rule, "rule_name": rule_name(r.rule, "en"), "case_id": case}
            for r in rules(query)
            for case in r.cases
        ],
        columns=["rule", "rule_name", "case_id"],
    )


BREACHES_EXPORT = register_export(
    f"{PAGE}-breaches", lambda args: breach_cases(args.get("query")), "rule-breaches"
)
DEVIATIONS_EXPORT = register_export(f"{PAGE}-deviations", shown_rows)
CASES_EXPORT = register_export(f"{PAGE}-cases", shown_rows)


def rules_section(query: str | None, lang: str) -> Any:
    """The loan rules with the cases breaking each."""
    results = rules(query)
    columns = [
        column("rule", t("conformance.rule", lang)),
        column(
            "description",
            t("conformance.description", lang),
            flex=3,
            wrapText=True,
            autoHeight=True,
        ),
        column(
            "breaking_cases",
            t("conformance.breaches", lang),
            number=",d",
            missing=t("conformance.not_checked_short", lang),
        ),
        column(
            "share",
            t("variants.share", lang),
            number=".1%",
            missing=t("conformance.not_checked_short", lang),
        ),
    ]
    cases = [
        dbc.AccordionItem(
            html.P(
                ", ".join(r.cases[:500]) + (" …" if len(r.cases) > 500 else ""), className="small"
            ),
            title=t("conformance.breach_cases", lang, rule=rule_name(r.rule, lang))
            + f" ({fmt_count(r.breaking_cases, lang)})",
        )
        for r in results
        if r.checked and r.cases
    ]
    return section(
        t("conformance.rules", lang),
        grid(f"{PAGE}-rules", rules_table(results, lang), columns, height=240),
        dbc.Accordion(cases, start_collapsed=True, className="mt-2") if cases else None,
        tools=[export_tools(BREACHES_EXPORT, lang, {"query": query})],
    )


def conformance_section(
    query: str | None, choice: str | None, method: str | None, lang: str
) -> list[Any]:
    """Fitness, its distribution, the deviations and the least fitting cases."""
    result = check(query, choice, method)
    worst = result.least_fitting(200)
    worst = worst.assign(
        deviations=worst["deviations"].map(lambda d: "; ".join(deviation_text(x, lang) for x in d))
    )
    deviations = result.deviations.assign(
        kind=result.deviations["kind"].map(lambda k: deviation_kind(str(k), lang))
    )
    headline = dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(t("conformance.fitness", lang), className="small text-muted"),
                            html.Div(
                                fmt_share(result.fitness, lang),
                                className="fs-4 fw-bold",
                                id=f"{PAGE}-fitness",
                            ),
                        ]
                    )
                ),
                md=3,
            ),
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(
                                t("conformance.fitting_share", lang), className="small text-muted"
                            ),
                            html.Div(
                                fmt_share(result.fit_case_share, lang), className="fs-4 fw-bold"
                            ),
                        ]
                    )
                ),
                md=3,
            ),
        ],
        className="g-2 mb-3",
    )
    return [
        headline,
        dbc.Row(
            [
                dbc.Col(
                    section(
                        t("conformance.fitness_hist", lang),
                        chart(
                            f"{PAGE}-hist",
                            figures.fitness_histogram(result.per_case["fitness"].tolist(), lang),
                            320,
                        ),
                    ),
                    lg=5,
                ),
                dbc.Col(
                    section(
                        t("conformance.deviations", lang),
                        grid(
                            DEVIATIONS_EXPORT,
                            deviations,
                            [
                                column("activity", t("common.activity", lang)),
                                column(
                                    "kind",
                                    t("conformance.kind", lang),
                                    flex=2,
                                    wrapText=True,
                                    autoHeight=True,
                                ),
                                column("cases", t("variants.cases", lang), number=",d"),
                                column("share", t("variants.share", lang), number=".1%"),
                            ],
                            height=320,
                        ),
                        tools=[shown_table_tools(DEVIATIONS_EXPORT, lang, deviations)],
                    ),
                    lg=7,
                ),
            ]
        ),
        section(
            t("conformance.least_fitting", lang),
            grid(
                CASES_EXPORT,
                worst,
                [
                    column("case_id", t("common.case_id", lang)),
                    column("fitness", t("conformance.fitness", lang), number=".3f"),
                    column("deviations", t("conformance.deviations", lang), flex=3),
                ],
                height=300,
            ),
            tools=[shown_table_tools(CASES_EXPORT, lang, worst)],
        ),
    ]


def conformance_body(
    query: str | None, run: int | None, choice: str | None, method: str | None
) -> list[Any]:
    """The rules always; the model check once Check conformance was pressed."""
    state = data.state_from_query(query)
    lang = state.lang
    if not state.dataset:
        return empty_state(lang)
    parts: list[Any] = []
    try:
        if run:
            parts += conformance_section(query, choice, method, lang)
        else:
            parts.append(info(t("conformance.choose_model", lang)))
        parts.append(rules_section(query, lang))
    except LoanFlowError as exc:
        parts.append(error_alert(exc, lang))
    return parts
