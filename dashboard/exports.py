"""Table downloads: one generic CSV and Excel export for every table of the dashboard.

A page registers each table it offers once, by name (``<page>-<table>``), with the function
that makes its rows from plain arguments (the view's query, a control's value, or the rows a
small table shows), and puts :func:`export_tools` beside the table. One callback
(:func:`register_export_callback`) answers every *CSV* and *Excel* button: it looks the
table up, makes it from the arguments stored beside the buttons, and sends it neutralised
(no spreadsheet formula runs from a cell) and audited. With sign-in on, the export's name
carries its page prefix, so the server checks roles as for the page's other callbacks.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import MATCH, Input, Output, State, ctx, dcc, html

from dashboard.audit import record
from dashboard.uploads import safe_filename
from etl.errors import BadInputError
from etl.exports import neutralise, to_safe_csv
from vocabulary import t

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Rows = Callable[[Mapping[str, Any]], pd.DataFrame | None]
FileName = str | Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class TableExport:
    """A downloadable table: its name (``<page>-<table>``), the file name without suffix
    (or how it follows from the arguments), and how its rows are made from the arguments
    stored beside its buttons (None: nothing to send, e.g. no dataset chosen)."""

    name: str
    filename: FileName
    rows: Rows


EXPORTS: dict[str, TableExport] = {}


def register_export(name: str, rows: Rows, filename: FileName | None = None) -> str:
    """Offer the table ``name`` for download; returns the name (for :func:`export_tools`)."""
    EXPORTS[name] = TableExport(name, filename or name, rows)
    return name


def shown_rows(args: Mapping[str, Any]) -> pd.DataFrame:
    """The rows a small table shows, as stored beside its buttons (``{"rows": [...]}``)."""
    return pd.DataFrame(list(args.get("rows") or []))


def export_tools(name: str, lang: str, args: Mapping[str, Any] | None = None) -> html.Div:
    """The *CSV* and *Excel* buttons of table ``name``, with the arguments its rows are
    made from and the download they fill."""
    if name not in EXPORTS:
        raise KeyError(f"no table export named {name!r}")
    buttons = [
        dbc.Button(
            t(f"action.download_{fmt}", lang),
            id={"type": "export", "name": name, "format": fmt},
            size="sm",
            color="secondary",
            outline=True,
            className="ms-1",
        )
        for fmt in FORMATS
    ]
    return html.Div(
        [
            *buttons,
            dcc.Store(id={"type": "export-args", "name": name}, data=dict(args or {})),
            dcc.Download(id={"type": "export-file", "name": name}),
        ],
        className="d-inline-block lf-export",
    )


def shown_table_tools(name: str, lang: str, frame: pd.DataFrame) -> html.Div:
    """:func:`export_tools` for a small table whose rows the page already shows: the rows
    themselves are the arguments (registered with :func:`shown_rows`)."""
    return export_tools(name, lang, {"rows": frame.to_dict("records")})


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """``frame`` as a safe CSV (UTF-8 with BOM) or Excel workbook: formula injection
    neutralised in both; times without their zone in Excel (it has none)."""
    if fmt == "csv":
        return to_safe_csv(frame)
    safe = neutralise(frame)
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            safe.isetitem(position, column.dt.tz_localize(None))
    out = io.BytesIO()
    safe.to_excel(out, index=False, engine="openpyxl")
    return out.getvalue()


def export_file(name: str, fmt: str, args: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The download of table ``name`` as ``fmt`` (csv or xlsx), or None when there is
    nothing to send; raises BadInputError for an unknown table or format."""
    export = EXPORTS.get(name)
    if export is None or fmt not in FORMATS:
        raise BadInputError(
            f"There is no {fmt!r} download of a table named {name!r}.",
            code="export_unknown",
            fmt=fmt,
            name=name,
        )
    frame = export.rows(args or {})
    if frame is None:
        return None
    stem = export.filename(args or {}) if callable(export.filename) else export.filename
    filename = f"{safe_filename(stem)}.{fmt}"
    record("export", filename, f"{len(frame)} rows")
    return dcc.send_bytes(table_bytes(frame, fmt), filename, type=MEDIA_TYPES[fmt])


def send_export(_clicks: list[int | None], args: Mapping[str, Any] | None) -> Any:
    """The export callback: the table of the button pressed, in its format."""
    trigger = ctx.triggered_id
    target = ctx.outputs_list
    name = target.get("id", {}).get("name") if isinstance(target, Mapping) else None
    # the table is the one the download is for (its name is what sign-in checked)
    if not isinstance(trigger, Mapping) or trigger.get("name") != name or not any(_clicks or []):
        return dash.no_update
    payload = export_file(str(name), str(trigger.get("format")), args)
    return dash.no_update if payload is None else payload


def register_export_callback(app: dash.Dash) -> None:
    """The one callback behind every table's CSV and Excel buttons."""
    app.callback(
        Output({"type": "export-file", "name": MATCH}, "data"),
        Input({"type": "export", "name": MATCH, "format": dash.ALL}, "n_clicks"),
        State({"type": "export-args", "name": MATCH}, "data"),
        prevent_initial_call=True,
    )(send_export)
