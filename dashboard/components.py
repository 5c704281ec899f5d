"""Small building blocks every page uses: sections, charts with PNG export, tables, alerts."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from etl.errors import LoanFlowError, Phrase, Phrases
from vocabulary import MESSAGES, t


def graph_config(filename: str) -> Any:
    """Plotly config: the modebar's camera saves the chart as a PNG named ``filename``."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def chart(
    component_id: str, figure: go.Figure | None = None, height: int | None = None
) -> dcc.Graph:
    """A chart whose modebar exports a PNG; as tall as ``height``, else as the figure asks
    (its layout height), else 380 px, so a long chart is never cut off."""
    figure = figure if figure is not None else go.Figure()
    asked = figure.layout.height if figure.layout.height else None
    tall = max(height or 0, int(asked or 0)) or 380
    return dcc.Graph(
        id=component_id,
        figure=figure,
        config=graph_config(component_id),
        style={"height": f"{tall}px"},
        className="lf-chart",
    )


def section(
    title: str, *children: Any, tools: Sequence[Any] = (), title_id: str | None = None
) -> dbc.Card:
    """A titled card; ``tools`` (buttons) sit right of the title and are hidden in print;
    ``title_id`` lets a callback rewrite the title."""
    heading = (
        html.H5(title, className="mb-0", id=title_id)
        if title_id
        else html.H5(title, className="mb-0")
    )
    header = html.Div(
        [heading, html.Div(list(tools), className="d-print-none")],
        className="d-flex justify-content-between align-items-center",
    )
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(list(children))], className="mb-3")


# An absolute path on the server (/srv/loanflow/.loanflow-cache/uploads/1f2e.../log.bpmn):
# shown as its file name only. Not a URL's path (https://host/a) nor a relative one.
_SERVER_PATH = re.compile(r"(?<![\w:/.~-])/(?:[^\s/:'\"<>]+/)+([^\s/:'\"<>]+)")


def without_server_paths(message: str) -> str:
    """A message with every absolute server path cut to its file name (a reader of the
    dashboard learns nothing of the server's folders, cache or store location)."""
    return _SERVER_PATH.sub(r"\1", message)


def _worded(value: object, lang: str) -> object:
    """A message's value in ``lang``: a phrase from the catalogue, parts each so."""
    if isinstance(value, Phrase):
        return coded_message(value.code, value.values, lang, str(value))
    if isinstance(value, Phrases):  # a list's ", " is the language's (、 in Chinese)
        separator = t("report.list_separator", lang) if value.separator == ", " else value.separator
        return separator.join(str(_worded(part, lang)) for part in value.parts)
    return value


def coded_message(code: str | None, values: dict[str, Any], lang: str, english: str) -> str:
    """The catalogue's ``error.<code>`` in ``lang`` with ``values`` filled in (phrases among
    them worded too), or ``english`` when the code is unknown; without server paths."""
    if code and f"error.{code}" in MESSAGES:
        worded = {name: _worded(value, lang) for name, value in values.items()}
        return without_server_paths(t(f"error.{code}", lang, **worded))
    return without_server_paths(english)


def error_message(exc: Exception, lang: str) -> str:
    """A failure in the reader's language: a coded LoanFlowError from the catalogue
    (``error.<code>``), else its English message (without server paths); anything else
    named."""
    if isinstance(exc, LoanFlowError):
        return coded_message(exc.code, exc.values, lang, str(exc))
    return without_server_paths(f"{type(exc).__name__}: {exc}")


def failure_message(payload: dict[str, Any], lang: str) -> str:
    """A failure sent as JSON (:meth:`LoanFlowError.to_json`: the upload route's answer, a
    load's worker) in ``lang``."""
    return error_message(LoanFlowError.from_json(payload), lang)


def error_alert(exc: Exception, lang: str) -> dbc.Alert:
    """A user-facing failure under "Something went wrong", in the reader's language."""
    return failure_alert(error_message(exc, lang), lang)


def with_code(message: str) -> list[Any]:
    """A message whose `backquoted` parts (a command, a profile's YAML) show as code."""
    parts = message.split("`")
    if len(parts) % 2 == 0:  # an unpaired backquote: all text
        return [message]
    return [html.Code(part) if i % 2 else part for i, part in enumerate(parts) if part]


def failure_alert(message: str, lang: str) -> dbc.Alert:
    """A failure's message (already in ``lang``) under "Something went wrong"."""
    return dbc.Alert(
        [
            html.Strong(t("common.error", lang) + ": "),
            html.Span(with_code(message), className="lf-message"),
        ],
        color="danger",
        className="lf-error",
    )


def file_chooser(page: str, accept: str, lang: str) -> html.Div:
    """Where ``assets/upload.js`` puts the file input that streams to POST /upload: the
    browser's own control (its "Choose File" in the browser's language) hidden behind a
    button and the chosen file's name in ``lang``. The input is ``<page>-file``; progress
    goes to ``<page>-upload-progress``, the server's answer to ``<page>-upload-result``."""
    slot: dict[str, Any] = {
        "data-input-id": f"{page}-file",
        "data-accept": accept,
        "data-progress": f"{page}-upload-progress",
        "data-result": f"{page}-upload-result",
        "data-button": t("upload.choose", lang),
        "data-empty": t("upload.none", lang),
        "data-network-error": t("upload.network_error", lang),
    }
    return html.Div(className="lf-upload-slot", **slot)


def info(message: str) -> dbc.Alert:
    """A neutral notice."""
    return dbc.Alert(message, color="secondary", className="lf-info")


# AG Grid's own words (pager, "No Rows To Show", filter menus) in the page's language
# (assets/locale.js answers from the vocabulary's grid.* words).
GRID_LOCALE: dict[str, Any] = {"getLocaleText": {"function": "loanflowLocaleText(params)"}}

# Headers wrap rather than end in "…" ("Median processing (h)" in full at any width).
DEFAULT_COLUMN: dict[str, Any] = {
    "sortable": True,
    "resizable": True,
    "filter": True,
    "minWidth": 90,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
}


HEADER_CHAR_PX = 8.0  # a header's letter, bold at the grid's size, with room to spare
HEADER_ICONS_PX = 52  # the sort and filter icons and the cell's padding


def header_min_width(header: str) -> int:
    """The narrowest a column may get so that its header wraps between words, never inside
    one ("Unavaila / bility"): its longest run of Latin letters and digits, plus the icons.
    Chinese headers may wrap between any two characters, so only Latin words count."""
    words = re.findall(r"[A-Za-z0-9%()'.,:-]+", header)
    longest = max((len(w) for w in words), default=0)
    return max(int(DEFAULT_COLUMN["minWidth"]), round(longest * HEADER_CHAR_PX + HEADER_ICONS_PX))


CELL_WIDTH_CAP_PX = 220  # a long text cell ends in "…" beyond this; its tooltip is the cell


def _text_px(text: str) -> int:
    """About how wide a cell's text is drawn (a Chinese character twice a Latin one)."""
    return round(sum(13 if ord(ch) >= 0x2E80 else 7.5 for ch in text)) + 24


def fit_text_columns(
    frame: pd.DataFrame, columns: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The columns with each text column at least as wide as its longest value (up to
    :data:`CELL_WIDTH_CAP_PX`), so a short word such as a cause's name is not cut."""
    fitted = []
    for spec in columns:
        name = spec.get("field")
        if name in frame.columns and frame[name].dtype == object and len(frame):
            widest = max((_text_px(str(v)) for v in frame[name].dropna()), default=0)
            spec = {
                **spec,
                "minWidth": max(spec.get("minWidth", 0), min(widest, CELL_WIDTH_CAP_PX)),
            }
        fitted.append(spec)
    return fitted


def grid(
    component_id: str | dict[str, str],
    frame: pd.DataFrame,
    columns: Sequence[dict[str, Any]],
    *,
    height: int = 360,
    row_selection: bool = False,
) -> dag.AgGrid:
    """A client-side AG Grid for a small table (a few hundred rows at most)."""
    options: dict[str, Any] = {
        "pagination": len(frame) > 50,
        "paginationPageSize": 50,
        **GRID_LOCALE,
    }
    if row_selection:
        options["rowSelection"] = {"mode": "singleRow", "enableClickSelection": True}
    return dag.AgGrid(
        id=component_id,
        rowData=frame.to_dict("records"),
        columnDefs=fit_text_columns(frame, columns),
        defaultColDef=DEFAULT_COLUMN,
        columnSize="responsiveSizeToFit",
        dashGridOptions=options,
        style={"height": f"{height}px"},
        className="ag-theme-alpine lf-grid",
    )


def column(
    field: str,
    header: str,
    *,
    number: str | None = None,
    missing: str = "–",
    **extra: Any,
) -> dict[str, Any]:
    """An AG Grid column; ``number`` is a d3 format for numbers (',.1f', '.1%'); an empty
    number cell shows ``missing`` (a dash, or words such as "not checked"), never 0."""
    spec: dict[str, Any] = {"field": field, "headerName": header, **extra}
    spec.setdefault("minWidth", header_min_width(header))
    if number is not None:
        spec["valueFormatter"] = {
            "function": f"params.value == null ? {json.dumps(missing, ensure_ascii=False)}"
            f" : d3.format('{number}')(params.value)"
        }
        spec["type"] = "rightAligned"
        spec.setdefault("filter", "agNumberColumnFilter")
    return spec


def page_header(title: str, lang: str, page: str) -> html.Div:
    """The page title with the Print button (prints the page as a report)."""
    return html.Div(
        [
            html.H3(title, className="mb-0"),
            dbc.Button(
                t("action.print", lang),
                id={"type": "print-button", "page": page},
                color="secondary",
                outline=True,
                size="sm",
                className="d-print-none lf-print",
            ),
        ],
        className="d-flex justify-content-between align-items-center mb-3",
    )


def page_frame(
    page: str,
    title: str,
    query: str,
    lang: str,
    *controls: Any,
    body: Any = None,
    after: Sequence[Any] = (),
) -> html.Div:
    """A page: title with Print, the view's query (``<page>-query``, a dcc.Store), controls,
    and the body (``<page>-body``): filled by the page's callback, or given as ``body``
    when the page draws it at once (a table that pages itself on the server). ``after``:
    parts drawn at once below the body that callbacks of their own fill (the cases behind
    a clicked map element, one case's waits), so redrawing the body leaves them be."""
    content = (
        html.Div(body, id=f"{page}-body")
        if body is not None
        else dcc.Loading(html.Div(id=f"{page}-body"), delay_show=300)
    )
    return html.Div(
        [
            page_header(title, lang, page),
            dcc.Store(id=f"{page}-query", data=query),
            html.Div(list(controls), className="d-print-none mb-2") if controls else None,
            content,
            *after,
        ],
        className=f"lf-page-{page}",
    )


def radio(component_id: str, options: Sequence[tuple[Any, str]], value: Any) -> dbc.RadioItems:
    """Inline radio buttons whose choice survives re-rendering (session persistence)."""
    return dbc.RadioItems(
        id=component_id,
        options=[{"label": text, "value": val} for val, text in options],
        value=value,
        inline=True,
        persistence=True,
        persistence_type="session",
    )


def empty_state(lang: str) -> list[Any]:
    """What a page shows when no dataset is chosen."""
    return [info(t("common.choose_dataset", lang))]
