"""Compare: two datasets, or one split at a go-live date; deltas with intervals, ECDF, map
difference, guardrails, and the HTML report."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboard import data
from dashboard.audit import record
from dashboard.components import page_frame, radio
from dashboard.views.compare import (
    PAGE,
    compare_body,
    compare_intro,
    report_html,
)
from dashboard.views.whatif import chosen_prediction, prediction_choices
from vocabulary import t

dash.register_page(__name__, path="/compare", order=6, label_key="nav.compare", title="LoanFlow")

CONTROLS = [
    State(f"{PAGE}-query", "data"),
    State(f"{PAGE}-mode", "value"),
    State(f"{PAGE}-before", "value"),
    State(f"{PAGE}-after", "value"),
    State(f"{PAGE}-split", "date"),
]


def layout(**query: Any) -> html.Div:
    """The page: choose what to compare, then Compare."""
    state = data.state_from_query(query)
    lang = state.lang
    names = data.dataset_names()
    options: list[Any] = [{"label": n, "value": n} for n in names]
    before = "before" if "before" in names else (names[0] if names else None)
    after = "after" if "after" in names else (names[-1] if names else None)
    controls = dbc.Row(
        [
            dbc.Col(
                radio(
                    f"{PAGE}-mode",
                    [
                        ("datasets", t("compare.mode_datasets", lang)),
                        ("split", t("compare.mode_split", lang)),
                    ],
                    "datasets",
                ),
                md=12,
            ),
            dbc.Col(
                [
                    dbc.Label(t("compare.before", lang)),
                    dcc.Dropdown(
                        id=f"{PAGE}-before", options=options, value=before, clearable=False
                    ),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label(t("compare.after", lang)),
                    dcc.Dropdown(id=f"{PAGE}-after", options=options, value=after, clearable=False),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label(t("compare.split_at", lang)),
                    dcc.DatePickerSingle(
                        id=f"{PAGE}-split",
                        display_format="YYYY-MM-DD",
                        placeholder=t("compare.split_at", lang),
                    ),
                ],
                md=2,
            ),
            dbc.Col(
                [
                    dbc.Button(
                        t("compare.run", lang), id=f"{PAGE}-run", color="primary", className="me-2"
                    ),
                    dbc.Button(
                        t("compare.report", lang),
                        id=f"{PAGE}-report",
                        color="secondary",
                        outline=True,
                    ),
                    dcc.Download(id=f"{PAGE}-report-file"),
                ],
                md=4,
                className="d-flex align-items-end",
            ),
            dbc.Col(
                [
                    dbc.Label(t("compare.prediction", lang)),
                    dcc.Dropdown(
                        id=f"{PAGE}-prediction",
                        placeholder=t("compare.prediction_none", lang),
                    ),
                ],
                md=6,
            ),
        ],
        className="g-2",
    )
    return page_frame(PAGE, t("compare.title", lang), state.to_query(), lang, controls)


@callback(
    Output(f"{PAGE}-body", "children"),
    Input(f"{PAGE}-run", "n_clicks"),
    *CONTROLS,
)
def update_compare(
    clicks: int | None,
    query: str | None,
    mode: str | None,
    before: str | None,
    after: str | None,
    split: str | None,
) -> list[Any]:
    """Compare as the controls say, when Compare is pressed (it takes seconds on big logs)."""
    if not clicks:
        return compare_intro(query)
    return compare_body(query, mode, before, after, split)


@callback(
    Output(f"{PAGE}-prediction", "options"),
    Output(f"{PAGE}-prediction", "value"),
    Input(f"{PAGE}-before", "value"),
    State(f"{PAGE}-query", "data"),
)
def list_predictions(before: str | None, query: str | None) -> tuple[list[Any], str | None]:
    """The predictions kept in the store for the before dataset (made on the What if page
    or by `loanflow simulate --keep`), the newest chosen."""
    options = prediction_choices(before, data.state_from_query(query).lang)
    return options, options[0]["value"] if options else None


@callback(
    Output(f"{PAGE}-report-file", "data"),
    Input(f"{PAGE}-report", "n_clicks"),
    *CONTROLS,
    State(f"{PAGE}-prediction", "value"),
    prevent_initial_call=True,
)
def download_report(
    _clicks: int | None,
    query: str | None,
    mode: str | None,
    before: str | None,
    after: str | None,
    split: str | None,
    chosen: str | None = None,
) -> Any:
    """The comparison as one self-contained HTML file; with a prediction chosen (one kept
    for the before dataset), its predicted-vs-actual section."""
    prediction = chosen_prediction(chosen)
    html_text = report_html(query, mode, before, after, split, prediction)
    if html_text is None:
        return dash.no_update
    record("export", "loanflow-comparison.html", f"comparison report ({mode or 'datasets'})")
    return dcc.send_string(html_text, "loanflow-comparison.html", type="text/html")
