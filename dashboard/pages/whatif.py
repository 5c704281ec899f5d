"""What if: shape a scenario, simulate it in the background against the process as it is,
and compare with what actually happened in another dataset."""

from __future__ import annotations

import base64
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import data
from dashboard.components import error_message, info, page_frame, section
from dashboard.jobs import RUNNER
from dashboard.views.whatif import (
    PAGE,
    WEEKDAYS,
    engine_note,
    keep_finished,
    results_body,
    saved_options,
    scenario_choices,
    scenario_yaml,
    start_job,
    status,
)
from etl.errors import LoanFlowError
from vocabulary import t

dash.register_page(__name__, path="/whatif", order=6.5, label_key="nav.whatif", title="LoanFlow")


def _number(component_id: str, **options: Any) -> dcc.Input:
    return dcc.Input(
        id=component_id, type="number", className="form-control form-control-sm", **options
    )


def _weekdays(lang: str) -> Any:
    return [{"label": t(f"weekday.{d.lower()}", lang), "value": d} for d in WEEKDAYS[:5]]


def _labelled(label: str, control: Any, width: int = 3) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-1"), control], md=width)


def _text(component_id: str, value: str) -> dcc.Input:
    return dcc.Input(
        id=component_id, type="text", value=value, className="form-control form-control-sm"
    )


def _controls(dataset: str | None, lang: str) -> dbc.Card:
    departments, activities = scenario_choices(dataset)
    others = [d for d in data.dataset_names() if d != dataset]
    none: list[Any] = [{"label": t("whatif.none", lang), "value": ""}]
    choose = t("whatif.choose", lang)
    skip = "審批會議" if "審批會議" in activities else None
    first = dbc.Row(
        [
            _labelled(
                t("whatif.department", lang),
                dcc.Dropdown(departments, id=f"{PAGE}-staff-dept", placeholder=choose),
            ),
            _labelled(t("whatif.staff", lang), _number(f"{PAGE}-staff", value=0, step=1), 2),
            _labelled(
                t("whatif.meetings", lang),
                dcc.Dropdown(departments, id=f"{PAGE}-meet-dept", placeholder=choose),
            ),
            _labelled(
                " ",
                dcc.Checklist(
                    _weekdays(lang),
                    [],
                    id=f"{PAGE}-meet-days",
                    inline=True,
                    inputClassName="me-1",
                    labelClassName="me-2",
                ),
                2,
            ),
            _labelled(t("whatif.meeting_from", lang), _text(f"{PAGE}-meet-from", "14:00"), 1),
            _labelled(t("whatif.meeting_to", lang), _text(f"{PAGE}-meet-to", "17:30"), 1),
        ],
        className="g-2 mb-2",
    )
    second = dbc.Row(
        [
            _labelled(
                t("whatif.fast_track_activity", lang),
                dcc.Dropdown(activities, skip, id=f"{PAGE}-skip", placeholder=choose),
                2,
            ),
            _labelled(t("whatif.fast_track", lang), _number(f"{PAGE}-fast", min=0), 2),
            _labelled(
                t("whatif.parallel", lang),
                dcc.Input(
                    id=f"{PAGE}-parallel", type="text", className="form-control form-control-sm"
                ),
            ),
            _labelled(
                t("whatif.arrivals", lang),
                _number(f"{PAGE}-arrivals", value=1.0, min=0.1, step=0.1),
                2,
            ),
            _labelled(
                t("whatif.runs", lang),
                _number(f"{PAGE}-runs", value=5, min=1, max=50, step=1),
                1,
            ),
            _labelled(
                t("whatif.actual", lang),
                dcc.Dropdown(
                    none + [{"label": d, "value": d} for d in others], "", id=f"{PAGE}-actual"
                ),
                2,
            ),
        ],
        className="g-2 mb-2",
    )

    def pick(key: str, names: list[str], width: int = 3, **options: Any) -> dbc.Col:
        dropdown = dcc.Dropdown(names, id=f"{PAGE}-{key}", placeholder=choose, **options)
        return _labelled(t(f"whatif.{key.replace('-', '_')}", lang), dropdown, width)

    def factor(key: str, low: float) -> dbc.Col:
        field = _number(f"{PAGE}-{key}", value=1.0, min=low, step=0.05)
        return _labelled(t(f"whatif.{key.replace('-', '_')}", lang), field, 1)

    third = dbc.Row(
        [
            pick("dur-activity", activities),
            factor("dur-factor", 0.05),
            pick("route-after", activities, 2),
            pick("route-to", activities, 2),
            factor("route-scale", 0.0),
            pick("pooled", departments, multi=True),
        ],
        className="g-2 mb-2",
    )
    editor = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Button(
                        t("whatif.write", lang),
                        id=f"{PAGE}-write",
                        size="sm",
                        color="secondary",
                        className="mb-2",
                    ),
                    dbc.Label(t("whatif.yaml", lang), className="small d-block"),
                    dcc.Textarea(
                        id=f"{PAGE}-yaml",
                        style={"width": "100%", "height": "9rem", "fontFamily": "monospace"},
                    ),
                ],
                md=8,
            ),
            dbc.Col(
                [
                    dcc.Upload(
                        dbc.Button(t("whatif.upload", lang), size="sm", color="secondary"),
                        id=f"{PAGE}-upload",
                        className="mb-2",
                    ),
                    dbc.Label(t("whatif.saved", lang), className="small d-block"),
                    dcc.Dropdown(id=f"{PAGE}-saved-pick", className="mb-2", placeholder=choose),
                    dbc.InputGroup(
                        [
                            dbc.Input(
                                id=f"{PAGE}-save-name",
                                placeholder=t("whatif.save_name", lang),
                                size="sm",
                            ),
                            dbc.Button(t("whatif.save", lang), id=f"{PAGE}-save", size="sm"),
                        ],
                        size="sm",
                    ),
                ],
                md=4,
            ),
        ],
        className="g-2",
    )
    run = html.Div(
        [
            dbc.Button(t("whatif.run", lang), id=f"{PAGE}-run", color="primary", className="me-2"),
            dbc.Button(
                t("whatif.cancel", lang),
                id=f"{PAGE}-cancel",
                color="outline-secondary",
                className="me-3",
            ),
            dbc.Progress(
                id=f"{PAGE}-progress",
                value=0,
                style={"width": "14rem", "height": "1rem"},
                className="me-3",
            ),
            html.Span(id=f"{PAGE}-status", className="small"),
        ],
        className="d-flex align-items-center mt-3",
    )
    return section(t("whatif.controls", lang), first, second, third, editor, run)


def layout(**query: Any) -> html.Div:
    """The page for the view in the URL."""
    state = data.state_from_query(query)
    lang = state.lang
    stores = [
        dcc.Store(id=f"{PAGE}-job"),
        dcc.Store(id=f"{PAGE}-lang", data=lang),
        dcc.Store(id=f"{PAGE}-scenarios", storage_type="local"),
        dcc.Interval(id=f"{PAGE}-tick", interval=1000, disabled=True),
    ]
    note = engine_note(state.dataset, lang)
    controls = _controls(state.dataset, lang)
    if note:
        controls = html.Div([html.Div(info(note), id=f"{PAGE}-engine-note"), controls])
    frame = page_frame(PAGE, t("whatif.title", lang), state.to_query(), lang, controls)
    return html.Div([*stores, frame])


@callback(
    Output(f"{PAGE}-yaml", "value"),
    Input(f"{PAGE}-write", "n_clicks"),
    Input(f"{PAGE}-upload", "contents"),
    Input(f"{PAGE}-saved-pick", "value"),
    State(f"{PAGE}-staff-dept", "value"),
    State(f"{PAGE}-staff", "value"),
    State(f"{PAGE}-meet-dept", "value"),
    State(f"{PAGE}-meet-days", "value"),
    State(f"{PAGE}-fast", "value"),
    State(f"{PAGE}-parallel", "value"),
    State(f"{PAGE}-arrivals", "value"),
    State(f"{PAGE}-scenarios", "data"),
    State(f"{PAGE}-meet-from", "value"),
    State(f"{PAGE}-meet-to", "value"),
    State(f"{PAGE}-skip", "value"),
    State(f"{PAGE}-dur-activity", "value"),
    State(f"{PAGE}-dur-factor", "value"),
    State(f"{PAGE}-route-after", "value"),
    State(f"{PAGE}-route-to", "value"),
    State(f"{PAGE}-route-scale", "value"),
    State(f"{PAGE}-pooled", "value"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def write_scenario(
    _clicks: int | None,
    upload: str | None,
    picked: str | None,
    staff_dept: str | None,
    staff: float | None,
    meet_dept: str | None,
    days: list[str] | None,
    fast: float | None,
    parallel: str | None,
    arrivals: float | None,
    saved: dict[str, str] | None,
    meet_from: str | None = None,
    meet_to: str | None = None,
    skip: str | None = None,
    dur_activity: str | None = None,
    dur_factor: float | None = None,
    route_after: str | None = None,
    route_to: str | None = None,
    route_scale: float | None = None,
    pooled: list[str] | None = None,
    query: str | None = None,
) -> Any:
    """The scenario file: written from the controls (named in the reader's language),
    uploaded, or a saved one."""
    trigger = dash.ctx.triggered_id
    if trigger == f"{PAGE}-upload" and upload:
        return base64.b64decode(upload.split(",", 1)[-1]).decode("utf-8", errors="replace")
    if trigger == f"{PAGE}-saved-pick":
        chosen = (saved or {}).get(picked or "")
        return chosen if chosen is not None else no_update
    return scenario_yaml(
        staff_department=staff_dept,
        staff_change=staff,
        meeting_department=meet_dept,
        meeting_days=days,
        fast_track=fast,
        parallel=parallel,
        arrivals=arrivals,
        skip_activity=skip,
        meeting_hours=(meet_from, meet_to),
        duration_activity=dur_activity,
        duration_factor=dur_factor,
        route_after=route_after,
        route_to=route_to,
        route_scale=route_scale,
        pooled=pooled,
        name=t("whatif.default_name", data.state_from_query(query).lang),
    )


@callback(
    Output(f"{PAGE}-scenarios", "data"),
    Input(f"{PAGE}-save", "n_clicks"),
    State(f"{PAGE}-save-name", "value"),
    State(f"{PAGE}-yaml", "value"),
    State(f"{PAGE}-scenarios", "data"),
    prevent_initial_call=True,
)
def save_scenario(
    _clicks: int | None, name: str | None, text: str | None, saved: dict[str, str] | None
) -> Any:
    """Keep the scenario file in the browser under a name."""
    if not name or not text:
        return no_update
    return {**(saved or {}), name.strip(): text}


@callback(Output(f"{PAGE}-saved-pick", "options"), Input(f"{PAGE}-scenarios", "data"))
def list_saved(saved: dict[str, str] | None) -> list[dict[str, str]]:
    """The saved scenarios to pick from."""
    return saved_options(saved)


@callback(
    Output(f"{PAGE}-job", "data"),
    Output(f"{PAGE}-tick", "disabled"),
    Output(f"{PAGE}-status", "children", allow_duplicate=True),
    Input(f"{PAGE}-run", "n_clicks"),
    State(f"{PAGE}-query", "data"),
    State(f"{PAGE}-yaml", "value"),
    State(f"{PAGE}-runs", "value"),
    State(f"{PAGE}-actual", "value"),
    State(f"{PAGE}-lang", "data"),
    prevent_initial_call=True,
)
def run_simulation(
    _clicks: int | None,
    query: str | None,
    text: str | None,
    runs: int | None,
    actual: str | None,
    lang: str | None,
) -> tuple[Any, bool, str]:
    """Start the simulation job."""
    try:
        job = start_job(query, text, int(runs or 5), actual, lang or "en")
    except LoanFlowError as exc:
        return no_update, True, error_message(exc, lang or "en")
    return job.id, False, ""


@callback(
    Output(f"{PAGE}-cancel", "n_clicks"),
    Input(f"{PAGE}-cancel", "n_clicks"),
    State(f"{PAGE}-job", "data"),
    prevent_initial_call=True,
)
def cancel_simulation(clicks: int | None, job_id: str | None) -> int | None:
    """Ask the running job to stop."""
    RUNNER.cancel(job_id)
    return clicks


@callback(
    Output(f"{PAGE}-progress", "value"),
    Output(f"{PAGE}-status", "children"),
    Output(f"{PAGE}-tick", "disabled", allow_duplicate=True),
    Output(f"{PAGE}-body", "children"),
    Input(f"{PAGE}-tick", "n_intervals"),
    Input(f"{PAGE}-job", "data"),
    State(f"{PAGE}-lang", "data"),
    prevent_initial_call="initial_duplicate",
)
def follow_job(
    _n: int | None, job_id: str | None, lang: str | None
) -> tuple[float, str, bool, Any]:
    """Progress while the job runs; the results once it has ended, its prediction kept in
    the store for the Compare page's report (and said so above the results)."""
    lang = lang or "en"
    progress, message, finished = status(job_id, lang)
    if not finished:
        return progress, message, finished, no_update
    body = results_body(job_id, lang)
    kept = keep_finished(job_id)
    if kept is not None:
        body = [info(t("whatif.kept_as", lang, ident=kept)), *body]
    return progress, message, finished, body
