"""The Process map page's content: the simplified map, its legend, and the cases behind a
node or a path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
import pandas as pd
from dash import html

from analysis.process_map import END, START, ProcessMap, process_map, simplify
from analysis.process_map import element_cases as analysis_element_cases
from dashboard import data, figures
from dashboard.components import (
    column,
    empty_state,
    error_alert,
    grid,
    info,
)
from dashboard.exports import register_export, shown_rows, shown_table_tools
from dashboard.views.cases import shown_case_rows, time_header
from etl.errors import LoanFlowError
from vocabulary import fmt_number, t

PAGE = "map"
MODES = ("frequency", "performance")
CASES_EXPORT = register_export(f"{PAGE}-cases", shown_rows)


@dataclass(frozen=True)
class MapView:
    """The map's own settings, kept in the URL beside the filters
    (``?mode=performance&activities=40&paths=20``): mode, and the sliders in percent."""

    mode: str = "frequency"
    activities: int = 100
    paths: int = 50

    def pairs(self) -> tuple[tuple[str, str], ...]:
        """The settings as query pairs (the defaults left out)."""
        default = MapView()
        return tuple(
            (name, str(value))
            for name, value in (
                ("mode", self.mode),
                ("activities", self.activities),
                ("paths", self.paths),
            )
            if value != getattr(default, name)
        )


def _percent(values: tuple[str, ...], default: int) -> int:
    try:
        value = round(float(values[0])) if values else default
    except ValueError:
        return default
    return max(0, min(100, value))


def map_view(query: str | Mapping[str, Any] | None) -> MapView:
    """The map settings a URL query holds (defaults for what it lacks or gets wrong)."""
    extra = data.state_from_query(query).extra
    found = lambda name: tuple(v for k, v in extra if k == name)  # noqa: E731
    mode = next(iter(found("mode")), "frequency")
    return MapView(
        mode=mode if mode in MODES else "frequency",
        activities=_percent(found("activities"), MapView.activities),
        paths=_percent(found("paths"), MapView.paths),
    )


def query_with_map_view(
    query: str | None, mode: str | None, activities: float | None, paths: float | None
) -> str:
    """The URL query with the map settings replaced by the controls' values."""
    state = data.state_from_query(query)
    wanted = MapView(
        mode=mode if mode in MODES else "frequency",
        activities=_percent((str(activities),), 100) if activities is not None else 100,
        paths=_percent((str(paths),), 50) if paths is not None else 50,
    )
    others = tuple((k, v) for k, v in state.extra if k not in ("mode", "activities", "paths"))
    # Round trip, so the query is in the order the frame writes it (no URL ping-pong).
    written = state.with_changes(extra=others + wanted.pairs()).to_query()
    return data.state_from_query(written).to_query()


CASE_LIST_LIMIT = 500


def full_map(query: str | None) -> ProcessMap | None:
    """The view's unsimplified process map (cached)."""
    state = data.state_from_query(query)
    if not state.dataset:
        return None
    return data.cached("process_map", process_map, state.dataset, state.filters(), working=False)


def simplified_map(
    query: str | None, activities: float | None, paths: float | None
) -> ProcessMap | None:
    """The view's map at the sliders' levels (percentages), or None without data."""
    pmap = full_map(query)
    if pmap is None or pmap.nodes.empty:
        return None
    return simplify(pmap, _share(activities), _share(paths))


def map_elements(
    query: str | None, mode: str | None, activities: float | None, paths: float | None
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Cytoscape elements and legend of the view's map at the sliders' levels."""
    state = data.state_from_query(query)
    kept = simplified_map(query, activities, paths)
    pmap = full_map(query)
    if kept is None or pmap is None:
        return [], []
    mode = mode if mode in ("frequency", "performance") else "frequency"
    colours = data.dataset_colours(state.dataset)
    elements = figures.process_map_elements(
        kept.nodes, kept.edges, mode, state.lang, START, END, colours
    )
    return elements, figures.map_legend_items(pmap.nodes, colours)


def hidden_note(query: str | None, activities: float | None, paths: float | None) -> str | None:
    """What the sliders hide ("3 activities and 12 paths hidden ..."), or None."""
    kept = simplified_map(query, activities, paths)
    if kept is None or not (kept.hidden_activities or kept.hidden_paths):
        return None
    lang = data.state_from_query(query).lang
    return t(
        "map.hidden",
        lang,
        activities=fmt_number(kept.hidden_activities, lang),
        paths=fmt_number(kept.hidden_paths, lang),
    )


def _share(value: float | None) -> float:
    if value is None:
        return 1.0
    return max(0.0, min(1.0, float(value) / 100.0))


def map_body(
    query: str | None, mode: str | None, activities: float | None, paths: float | None
) -> list[Any]:
    """The map with its legend, or a notice."""
    state = data.state_from_query(query)
    lang = state.lang
    if not state.dataset:
        return empty_state(lang)
    try:
        elements, legend = map_elements(query, mode, activities, paths)
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    if not elements:
        return [info(t("common.no_data", lang))]
    swatches = [
        html.Span(
            [html.Span(className="lf-legend-swatch", style={"background": colour}), name],
            className="me-3",
        )
        for name, colour in legend
    ]
    hidden = hidden_note(query, activities, paths)
    return [
        html.Div(
            [html.Small(t("map.legend", lang) + ": ", className="me-2"), *swatches],
            className="mb-2",
        ),
        html.Div(hidden, id=f"{PAGE}-hidden", className="small text-muted mb-1")
        if hidden
        else None,
        cyto.Cytoscape(
            id=f"{PAGE}-graph",
            elements=elements,
            layout={
                "name": "dagre",
                "rankDir": "LR",
                "nodeSep": 25,
                "rankSep": 80,
                "animate": False,
            },
            stylesheet=figures.MAP_STYLESHEET,
            className="lf-map",
            style={"width": "100%", "height": "620px"},
            minZoom=0.1,
            maxZoom=3,
            wheelSensitivity=0.2,
        ),
        html.Small(t("map.click_hint", lang), className="text-muted"),
    ]


def element_cases(query: str | None, element: dict[str, Any] | None) -> pd.DataFrame:
    """The cases behind a clicked node (cases with an instance of the activity) or path
    (cases with an instance of B whose predecessor is an instance of A), as in the map."""
    state = data.state_from_query(query)
    if not state.dataset or not element:
        return pd.DataFrame()
    source, target = element.get("source"), element.get("target")
    where = (
        {"source": source, "target": target}
        if source and target
        else {"activity": element.get("id")}
    )
    return data.cached(
        "element_cases",
        analysis_element_cases,
        state.dataset,
        state.filters(),
        **where,
        limit=CASE_LIST_LIMIT,
    )


def with_zone_times(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """The cases for download: their times on the dataset's clock with the offset written
    (``2025-03-03T09:00:00+08:00``), so a file read elsewhere names its zone."""
    out = frame.copy()
    for name in ("first_ts", "last_ts"):
        if name in out.columns:
            stamps = pd.to_datetime(out[name], utc=True).dt.tz_convert(zone)
            out[name] = [None if pd.isna(v) else v.isoformat() for v in stamps]
    return out


def element_cases_view(query: str | None, element: dict[str, Any] | None) -> list[Any]:
    """The list of cases behind the clicked element."""
    state = data.state_from_query(query)
    lang = state.lang
    if not element:
        return []
    try:
        frame = element_cases(query, element)
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    name = (
        element.get("id")
        if not element.get("source")
        else f"{element['source']} → {element['target']}"
    )
    zone = data.dataset_time_zone(state.dataset)
    download = with_zone_times(frame, zone.name)
    frame = pd.DataFrame(shown_case_rows(frame, lang, zone), columns=frame.columns)
    columns = [
        column("case_id", t("common.case_id", lang)),
        column("outcome", t("cases.col.outcome", lang)),
        column("first_ts", time_header("cases.col.first_ts", lang, zone)),
        column("last_ts", time_header("cases.col.last_ts", lang, zone)),
        column("cycle_time_hours", t("cases.col.cycle", lang), number=",.1f"),
        column("times", t("map.times", lang), number=",d"),
    ]
    return [
        dbc.Card(
            [
                dbc.CardHeader(
                    html.Div(
                        [
                            t("map.cases_of", lang, what=str(name)),
                            shown_table_tools(CASES_EXPORT, lang, download),
                        ],
                        className="d-flex justify-content-between align-items-center",
                    )
                ),
                dbc.CardBody(grid(CASES_EXPORT, frame, columns, height=320)),
            ],
            className="mt-3",
        )
    ]
