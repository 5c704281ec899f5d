"""Conformance: fitness against a reference BPMN (chosen or uploaded), deviations, loan rules."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboard import data
from dashboard.components import (
    failure_alert,
    failure_message,
    file_chooser,
    page_frame,
    radio,
)
from dashboard.views.conformance import PAGE, conformance_body, model_options
from vocabulary import t

dash.register_page(
    __name__, path="/conformance", order=7, label_key="nav.conformance", title="LoanFlow"
)


def layout(**query: Any) -> html.Div:
    """The page: the model, the replay method, and Check conformance."""
    state = data.state_from_query(query)
    lang = state.lang
    options: list[Any] = model_options(lang)
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label(t("conformance.model", lang)),
                    dcc.Dropdown(
                        id=f"{PAGE}-model",
                        options=options,
                        value=options[0]["value"] if options else None,
                    ),
                ],
                md=4,
            ),
            dbc.Col(
                [
                    dbc.Label(t("conformance.upload", lang)),
                    file_chooser(PAGE, ".bpmn", lang),
                    dbc.Progress(
                        id=f"{PAGE}-upload-progress",
                        value=0,
                        style={"height": "6px"},
                        className="mt-1",
                    ),
                    dcc.Store(id=f"{PAGE}-upload-result"),
                    html.Div(id=f"{PAGE}-upload-status", className="mt-1"),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label(t("conformance.method", lang)),
                    radio(
                        f"{PAGE}-method",
                        [(m, t(f"conformance.{m}", lang)) for m in ("token_replay", "alignments")],
                        "token_replay",
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                dbc.Button(t("conformance.run", lang), id=f"{PAGE}-run", color="primary"),
                md=2,
                className="d-flex align-items-end",
            ),
        ],
        className="g-2",
    )
    return page_frame(PAGE, t("conformance.title", lang), state.to_query(), lang, controls)


@callback(
    Output(f"{PAGE}-model", "options"),
    Output(f"{PAGE}-model", "value"),
    Output(f"{PAGE}-upload-status", "children"),
    Input(f"{PAGE}-upload-result", "data"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def offer_uploaded_model(
    uploaded: dict[str, Any] | None, query: str | None
) -> tuple[Any, Any, Any]:
    """Add the uploaded BPMN to the models and choose it; a refused upload says why."""
    lang = data.state_from_query(query).lang
    options = model_options(lang, uploaded)
    if uploaded and uploaded.get("error"):
        return options, dash.no_update, failure_alert(failure_message(uploaded, lang), lang)
    if not uploaded:
        return options, dash.no_update, None
    return options, options[-1]["value"], None


@callback(
    Output(f"{PAGE}-body", "children"),
    Input(f"{PAGE}-run", "n_clicks"),
    Input(f"{PAGE}-query", "data"),
    State(f"{PAGE}-model", "value"),
    State(f"{PAGE}-method", "value"),
)
def update_conformance(
    run: int | None, query: str | None, model: str | None, method: str | None
) -> list[Any]:
    """The rules for the view; the model check when asked."""
    return conformance_body(query, run, model, method)
