"""Data: upload a log (streamed), check the guessed mapping, load it with progress, manage
the datasets in the store."""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from analysis.lake import lake_root
from dashboard import data
from dashboard.audit import record
from dashboard.components import GRID_LOCALE, error_alert, page_frame, section
from dashboard.jobs import RUNNER
from dashboard.views.data_page import (
    PAGE,
    dataset_places,
    datasets_columns,
    datasets_frame,
    default_name,
    delete_dataset,
    finish_upload,
    job_view,
    mapping_form,
    mapping_from_controls,
    preview_rows,
    start_load,
    upload_box,
    upload_message,
)
from dashboard.views.data_profile import (
    CHOICE_STATES,
    calendar_controls,
    choices_form,
    profile_download,
    profile_from_states,
)
from etl.errors import DatasetExistsError, LoanFlowError
from vocabulary import t

dash.register_page(__name__, path="/data", order=8, label_key="nav.data", title="LoanFlow")


def layout(**query: Any) -> html.Div:
    """The page (the dataset filter does not apply here)."""
    state = data.state_from_query(query)
    lang = state.lang
    allowed = may_change_data()
    modes = [
        {"label": t("data.mode_new", lang), "value": "create"},
        {"label": t("data.mode_replace", lang), "value": "replace"},
        {"label": t("data.mode_append", lang), "value": "append"},
    ]
    load_form = html.Div(
        [
            html.Div(id=f"{PAGE}-mapping"),
            html.Div(id=f"{PAGE}-preview"),
            html.Div(id=f"{PAGE}-choices"),
            dcc.Store(id=f"{PAGE}-choice-activities", data=[]),
            calendar_controls(lang),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(t("data.dataset_name", lang)),
                            dbc.Input(id=f"{PAGE}-name", type="text"),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            dbc.Label(t("data.mode", lang)),
                            dbc.RadioItems(
                                id=f"{PAGE}-mode", options=modes, value="create", inline=True
                            ),
                        ],
                        md=8,
                    ),
                ],
                className="mt-3",
            ),
            dbc.Label(t("data.profile", lang), className="mt-2"),
            dbc.Textarea(id=f"{PAGE}-profile", rows=4, placeholder="sla:\n  cycle_time_hours: 72"),
            html.Div(
                [
                    dbc.Button(
                        t("data.load", lang), id=f"{PAGE}-load", color="primary", className="me-2"
                    ),
                    dbc.Button(
                        t("data.cancel", lang), id=f"{PAGE}-cancel", color="secondary", outline=True
                    ),
                    dbc.Button(
                        t("mapping.download", lang),
                        id=f"{PAGE}-profile-download",
                        color="secondary",
                        outline=True,
                        className="ms-2",
                    ),
                    dcc.Download(id=f"{PAGE}-profile-file"),
                ],
                className="mt-3",
            ),
            html.Div(id=f"{PAGE}-profile-status", className="mt-2"),
            # the dataset name is taken: the choice as buttons (the CLI's --replace/--append)
            html.Div(
                [
                    html.Div(id=f"{PAGE}-exists-text", className="mb-2"),
                    *(
                        dbc.Button(
                            t(key, lang),
                            id=f"{PAGE}-exists-{choice}",
                            color=colour,
                            size="sm",
                            className="me-2",
                        )
                        for choice, key, colour in EXISTS_BUTTONS
                    ),
                ],
                id=f"{PAGE}-exists",
                hidden=True,
                className="alert alert-warning mt-2 mb-0",
            ),
            dbc.Progress(
                id=f"{PAGE}-load-progress", value=0, className="mt-2", style={"height": "22px"}
            ),
            html.Div(id=f"{PAGE}-load-status", className="mt-2"),
            html.Div(id=f"{PAGE}-report", className="mt-2"),
        ]
    )
    datasets = section(
        t("data.datasets_lake", lang, lake=str(lake_root()))
        if data.lake_datasets()
        else t("data.datasets", lang),
        dag.AgGrid(
            id=f"{PAGE}-datasets",
            rowData=datasets_frame().to_dict("records"),
            columnDefs=datasets_columns(lang),
            defaultColDef={"sortable": True, "resizable": True},
            columnSize="responsiveSizeToFit",
            dashGridOptions={
                "rowSelection": {"mode": "singleRow", "enableClickSelection": True},
                **GRID_LOCALE,
            },
            style={"height": "260px"},
            className="ag-theme-alpine",
        ),
        html.Div(id=f"{PAGE}-delete-status", className="mt-2"),
        tools=[
            dbc.Button(
                t("data.delete", lang),
                id=f"{PAGE}-delete",
                color="danger",
                outline=True,
                size="sm",
                style=None if allowed else {"display": "none"},
            )
        ],
    )
    confirm = dbc.Modal(
        [
            dbc.ModalBody(id=f"{PAGE}-confirm-text"),
            dbc.ModalFooter(
                [
                    dbc.Button(t("data.cancel", lang), id=f"{PAGE}-confirm-no", color="secondary"),
                    dbc.Button(t("data.delete", lang), id=f"{PAGE}-confirm-yes", color="danger"),
                ]
            ),
        ],
        id=f"{PAGE}-confirm",
        is_open=False,
    )
    upload = section(t("data.upload", lang), upload_box(lang), load_form)
    notice: list[Any] = []
    if not allowed:
        # The server refuses these actions anyway; a viewer is told so instead of shown them.
        upload.style = {"display": "none"}
        notice = [dbc.Alert(t("data.analyst_only", lang), color="info", id=f"{PAGE}-readonly")]
    body = [
        *notice,
        dcc.Store(id=f"{PAGE}-job"),
        dcc.Interval(id=f"{PAGE}-poll", interval=500, disabled=True),
        upload,
        datasets,
        confirm,
    ]
    return page_frame(PAGE, t("data.title", lang), state.to_query(), lang, body=body)


def may_change_data() -> bool:
    """Whether the visitor may load, replace or delete datasets (sign-in off: yes)."""
    from accounts import has_role
    from dashboard.audit import auth_enabled, current_user

    if not auth_enabled():
        return True
    user = current_user()
    return user is not None and has_role(user[1], "analyst")


def _lang(query: str | None) -> str:
    return data.state_from_query(query).lang


@callback(
    Output(f"{PAGE}-upload-status", "children"),
    Output(f"{PAGE}-mapping", "children"),
    Output(f"{PAGE}-name", "value"),
    Input(f"{PAGE}-upload-result", "data"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def show_upload(result: dict[str, Any] | None, query: str | None) -> tuple[Any, list[Any], Any]:
    """After an upload: say so, and show the guessed mapping."""
    lang = _lang(query)
    name = (
        default_name(str(result.get("filename", "")))
        if result and not result.get("error")
        else dash.no_update
    )
    return upload_message(result, lang), mapping_form(result, lang), name


@callback(
    Output(f"{PAGE}-preview", "children"),
    Input({"type": "data-map", "field": ALL}, "value"),
    Input(f"{PAGE}-profile", "value"),
    State({"type": "data-map", "field": ALL}, "id"),
    State(f"{PAGE}-upload-result", "data"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def show_preview(
    values: list[str | None],
    profile: str | None,
    ids: list[dict[str, str]],
    result: dict[str, Any] | None,
    query: str | None,
) -> list[Any]:
    """The first rows as they would load under the chosen mapping."""
    if not ids:
        return []
    return preview_rows(result, mapping_from_controls(values, ids), profile, _lang(query))


@callback(
    Output(f"{PAGE}-choices", "children"),
    Output(f"{PAGE}-choice-activities", "data"),
    Input({"type": "data-map", "field": ALL}, "value"),
    State({"type": "data-map", "field": ALL}, "id"),
    State(f"{PAGE}-upload-result", "data"),
    State(f"{PAGE}-profile", "value"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def show_choices(
    values: list[str | None],
    ids: list[dict[str, str]],
    result: dict[str, Any] | None,
    profile: str | None,
    query: str | None,
) -> tuple[list[Any], list[str]]:
    """What the profile sets (outcomes by end activity, departments, case attributes),
    proposed from the upload under the chosen columns."""
    if not ids:
        return [], []
    return choices_form(result, mapping_from_controls(values, ids), profile, _lang(query))


@callback(
    Output(f"{PAGE}-profile-file", "data"),
    Output(f"{PAGE}-profile-status", "children"),
    Input(f"{PAGE}-profile-download", "n_clicks"),
    State(f"{PAGE}-profile", "value"),
    State(f"{PAGE}-name", "value"),
    *CHOICE_STATES,
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def download_profile(
    _clicks: int | None, profile: str | None, name: str | None, *states: Any
) -> tuple[Any, Any]:
    """The profile the mapping step makes, as YAML for ``loanflow ingest --profile``."""
    *choices, query = states
    try:
        made = profile_from_states(profile, *choices)
    except LoanFlowError as exc:
        return dash.no_update, error_alert(exc, _lang(query))
    return profile_download(made, name), None


@callback(
    Output(f"{PAGE}-job", "data"),
    Output(f"{PAGE}-poll", "disabled"),
    Output(f"{PAGE}-load-status", "children"),
    Output(f"{PAGE}-exists", "hidden"),
    Output(f"{PAGE}-exists-text", "children"),
    Output(f"{PAGE}-mode", "value"),
    Input(f"{PAGE}-load", "n_clicks"),
    Input(f"{PAGE}-exists-replace", "n_clicks"),
    Input(f"{PAGE}-exists-append", "n_clicks"),
    State(f"{PAGE}-upload-result", "data"),
    State(f"{PAGE}-profile", "value"),
    State(f"{PAGE}-name", "value"),
    State(f"{PAGE}-mode", "value"),
    State(f"{PAGE}-query", "data"),
    *CHOICE_STATES,
    prevent_initial_call=True,
)
def load(
    _clicks: int | None,
    _replace: int | None,
    _append: int | None,
    result: dict[str, Any] | None,
    profile: str | None,
    name: str | None,
    mode: str | None,
    query: str | None,
    *choices: Any,
) -> tuple[Any, ...]:
    """Start loading the upload in the background; a taken name asks Replace / Append /
    Cancel (the buttons load again with that mode)."""
    lang = _lang(query)
    chosen = EXISTS_CHOICES.get(str(dash.ctx.triggered_id), mode)
    keep = dash.no_update
    try:
        made = profile_from_states(profile, *choices)
        job = start_load(result, {}, profile, name, chosen, profile=made)
    except DatasetExistsError as exc:
        return keep, True, None, False, t("data.exists_choice", lang, name=exc.dataset), keep
    except LoanFlowError as exc:
        return keep, True, error_alert(exc, lang), True, keep, keep
    return job.id, False, None, True, keep, chosen  # the audit line is written when it ends


EXISTS_CHOICES = {f"{PAGE}-exists-replace": "replace", f"{PAGE}-exists-append": "append"}
# the buttons of the question a taken dataset name asks: (id suffix, label, colour)
EXISTS_BUTTONS = (
    ("replace", "data.mode_replace", "danger"),
    ("append", "data.mode_append", "primary"),
    ("cancel", "data.cancel", "secondary"),
)


@callback(
    Output(f"{PAGE}-exists", "hidden", allow_duplicate=True),
    Input(f"{PAGE}-exists-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def cancel_exists(_clicks: int | None) -> bool:
    """Cancel: keep the upload, hide the question (the user picks another name)."""
    return True


@callback(
    Output(f"{PAGE}-load-progress", "value"),
    Output(f"{PAGE}-load-progress", "label"),
    Output(f"{PAGE}-poll", "disabled", allow_duplicate=True),
    Output(f"{PAGE}-report", "children"),
    Output(f"{PAGE}-datasets", "rowData"),
    Input(f"{PAGE}-poll", "n_intervals"),
    State(f"{PAGE}-job", "data"),
    State(f"{PAGE}-upload-result", "data"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def poll_load(
    _n: int | None, job_id: str | None, result: dict[str, Any] | None, query: str | None
) -> tuple[Any, ...]:
    """Show the load's progress; when it ends, its report and the refreshed datasets."""
    pct, label, finished, report, succeeded = job_view(job_id, _lang(query))
    if not finished:
        return pct, label, False, dash.no_update, dash.no_update
    if succeeded:
        finish_upload(result)
    return pct, label, True, report, datasets_frame().to_dict("records")


@callback(
    Output(f"{PAGE}-load-status", "children", allow_duplicate=True),
    Input(f"{PAGE}-cancel", "n_clicks"),
    State(f"{PAGE}-job", "data"),
    prevent_initial_call=True,
)
def cancel_load(_clicks: int | None, job_id: str | None) -> Any:
    """Ask the running load to stop (it rolls back)."""
    RUNNER.cancel(job_id)
    return dash.no_update


@callback(
    Output(f"{PAGE}-confirm", "is_open"),
    Output(f"{PAGE}-confirm-text", "children"),
    Input(f"{PAGE}-delete", "n_clicks"),
    Input(f"{PAGE}-confirm-no", "n_clicks"),
    State(f"{PAGE}-datasets", "selectedRows"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def ask_delete(
    _delete: int | None, _no: int | None, rows: list[dict[str, Any]] | None, query: str | None
) -> tuple[bool, Any]:
    """Ask before deleting the selected dataset (saying so when it goes from a lake)."""
    if dash.ctx.triggered_id != f"{PAGE}-delete" or not rows:
        return False, dash.no_update
    name = str(rows[0]["name"])
    places = dataset_places(name)
    key = {("lake",): "data.confirm_delete_lake", ("store", "lake"): "data.confirm_delete_both"}
    message = key.get(places, "data.confirm_delete")
    return True, t(message, _lang(query), name=name, lake=str(lake_root()))


@callback(
    Output(f"{PAGE}-confirm", "is_open", allow_duplicate=True),
    Output(f"{PAGE}-delete-status", "children"),
    Output(f"{PAGE}-datasets", "rowData", allow_duplicate=True),
    Input(f"{PAGE}-confirm-yes", "n_clicks"),
    State(f"{PAGE}-datasets", "selectedRows"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def confirm_delete(
    _clicks: int | None, rows: list[dict[str, Any]] | None, query: str | None
) -> tuple[bool, Any, Any]:
    """Delete the selected dataset."""
    lang = _lang(query)
    if not rows:
        return False, dash.no_update, dash.no_update
    name = str(rows[0]["name"])
    try:
        places = delete_dataset(name)
    except LoanFlowError as exc:
        return False, error_alert(exc, lang), dash.no_update
    record("delete", name, f"lake {lake_root()}" if "lake" in places else "")
    return (
        False,
        dbc.Alert(t("data.deleted", lang, name=name), color="success"),
        datasets_frame().to_dict("records"),
    )
