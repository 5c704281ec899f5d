"""The Handoffs page's content: the department matrix, the flows, and ping-pong per pair."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd

from analysis.handoffs import handoff_matrix, handoffs
from dashboard import data, figures
from dashboard.components import chart, column, empty_state, error_alert, grid, section
from dashboard.exports import export_tools, register_export
from etl.errors import LoanFlowError
from vocabulary import t

PAGE = "handoffs"
MEASURES = tuple(figures.HANDOFF_MEASURES)


def handoff_table(query: str | None, *, full: bool = False) -> pd.DataFrame:
    """The handoff pairs of the view, ranked by total waiting. The page shows no
    working-time median; it is computed only for a download (``full``)."""
    state = data.state_from_query(query)
    if not state.dataset:
        return pd.DataFrame()
    return data.cached("handoffs", handoffs, state.dataset, state.filters(), working=full)


PAIRS_EXPORT = register_export(
    f"{PAGE}-pairs", lambda args: handoff_table(args.get("query"), full=True), "handoffs"
)


def table_columns(lang: str) -> list[dict[str, Any]]:
    """The handoff table's columns."""
    return [
        column("from", t("handoffs.from_dept", lang)),
        column("to", t("handoffs.to_dept", lang)),
        column("count", t("handoffs.count", lang), number=",d"),
        column("median_wait_hours", t("handoffs.median", lang), number=",.1f"),
        column("p90_wait_hours", t("handoffs.p90", lang), number=",.1f"),
        column("total_wait_hours", t("handoffs.total", lang), number=",.0f"),
        column("pingpong_cases", t("handoffs.pingpong", lang), number=",d"),
    ]


def handoffs_body(query: str | None, measure: str | None) -> list[Any]:
    """Heatmap of the chosen measure, Sankey, ping-pong pairs and the table."""
    state = data.state_from_query(query)
    lang = state.lang
    if not state.dataset:
        return empty_state(lang)
    measure = measure if measure in MEASURES else "total_wait_hours"
    try:
        table = handoff_table(query)
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    matrix = handoff_matrix(table, measure) if not table.empty else pd.DataFrame()
    return [
        dbc.Row(
            [
                dbc.Col(
                    section(
                        t("handoffs.matrix", lang),
                        chart(
                            f"{PAGE}-heatmap", figures.handoff_heatmap(matrix, measure, lang), 460
                        ),
                    ),
                    lg=6,
                ),
                dbc.Col(
                    section(
                        t("handoffs.sankey", lang),
                        chart(
                            f"{PAGE}-sankey",
                            figures.handoff_sankey(
                                table, lang, data.dataset_colours(state.dataset)
                            ),
                            460,
                        ),
                    ),
                    lg=6,
                ),
            ]
        ),
        section(
            t("handoffs.pingpong", lang),
            chart(f"{PAGE}-pingpong", figures.pingpong_bars(table, lang), 320),
        ),
        section(
            t("handoffs.table", lang),
            grid(f"{PAGE}-grid", table, table_columns(lang)),
            tools=[export_tools(PAIRS_EXPORT, lang, {"query": query})],
        ),
    ]
