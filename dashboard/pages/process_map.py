"""Process map: interactive directly-follows map, frequency or performance, with sliders."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboard import data
from dashboard.components import page_frame
from dashboard.views.process_map import (
    PAGE,
    element_cases_view,
    map_body,
    map_view,
    query_with_map_view,
)
from vocabulary import t

cyto.load_extra_layouts()

dash.register_page(__name__, path="/map", order=1, label_key="nav.process_map", title="LoanFlow")


def _slider(component_id: str, value: int) -> dcc.Slider:
    return dcc.Slider(
        id=component_id,
        min=0,
        max=100,
        step=5,
        value=value,
        marks={0: "0%", 50: "50%", 100: "100%"},
        tooltip={"placement": "bottom", "template": "{value}%"},
    )


def layout(**query: Any) -> html.Div:
    """The page for the view in the URL."""
    state = data.state_from_query(query)
    lang = state.lang
    view = map_view(state.to_query())
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    html.Label(t("map.mode", lang), className="small"),
                    dbc.RadioItems(
                        id=f"{PAGE}-mode",
                        options=[
                            {"label": t("map.frequency", lang), "value": "frequency"},
                            {"label": t("map.performance", lang), "value": "performance"},
                        ],
                        value=view.mode,
                        inline=True,
                    ),
                ],
                md=4,
            ),
            dbc.Col(
                [
                    html.Label(t("map.activities", lang), className="small"),
                    _slider(f"{PAGE}-activities", view.activities),
                ],
                md=3,
            ),
            dbc.Col(
                [
                    html.Label(t("map.paths", lang), className="small"),
                    _slider(f"{PAGE}-paths", view.paths),
                ],
                md=3,
            ),
            dbc.Col(
                dbc.Button(
                    t("action.download_png", lang),
                    id=f"{PAGE}-png",
                    size="sm",
                    color="secondary",
                    outline=True,
                ),
                md=2,
                className="d-flex align-items-end justify-content-end",
            ),
        ],
        className="g-3",
    )
    cases = html.Div(id=f"{PAGE}-cases")
    return page_frame(PAGE, t("map.title", lang), state.to_query(), lang, controls, after=[cases])


@callback(Output(f"{PAGE}-body", "children"), Input(f"{PAGE}-query", "data"))
def update_map(query: str | None) -> list[Any]:
    """Draw the map for the view in the URL (filters, mode and slider levels)."""
    view = map_view(query)
    return map_body(query, view.mode, view.activities, view.paths)


@callback(
    Output("url", "search", allow_duplicate=True),
    Input(f"{PAGE}-mode", "value"),
    Input(f"{PAGE}-activities", "value"),
    Input(f"{PAGE}-paths", "value"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def remember_map_view(
    mode: str | None, activities: float | None, paths: float | None, query: str | None
) -> Any:
    """Write the chosen mode and slider levels into the URL (the page redraws from it)."""
    wanted = query_with_map_view(query, mode, activities, paths)
    return wanted if wanted != data.state_from_query(query).to_query() else dash.no_update


@callback(
    Output(f"{PAGE}-cases", "children"),
    Input(f"{PAGE}-graph", "tapNodeData"),
    Input(f"{PAGE}-graph", "tapEdgeData"),
    State(f"{PAGE}-query", "data"),
    prevent_initial_call=True,
)
def show_element_cases(
    node: dict[str, Any] | None, edge: dict[str, Any] | None, query: str | None
) -> list[Any]:
    """List the cases behind the node or path just clicked."""
    element = edge if ctx.triggered_id and "tapEdgeData" in ctx.triggered[0]["prop_id"] else node
    if element and element.get("kind") == "virtual":
        return []
    return element_cases_view(query, element)


@callback(
    Output(f"{PAGE}-graph", "generateImage"),
    Input(f"{PAGE}-png", "n_clicks"),
    prevent_initial_call=True,
)
def export_map_png(_clicks: int | None) -> dict[str, Any]:
    """Download the map as a PNG."""
    return {"type": "png", "action": "download", "filename": "process-map"}
