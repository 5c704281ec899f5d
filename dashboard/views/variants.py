"""The Variants page's content: the most frequent activity sequences, share and duration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from dash import html

from analysis.variants import Variants, variants
from dashboard import data, figures
from dashboard.components import chart, column, empty_state, error_alert, grid, section
from dashboard.exports import export_tools, register_export
from etl.errors import LoanFlowError
from vocabulary import fmt_share, t

PAGE = "variants"
TOP_CHOICES = (5, 10, 20, 50)


def top_variants(query: str | None, top: int) -> Variants | None:
    """The view's ``top`` variants (None without a dataset)."""
    state = data.state_from_query(query)
    if not state.dataset:
        return None
    return data.cached("variants", variants, state.dataset, state.filters(), top=top)


def variants_table(result: Variants) -> pd.DataFrame:
    """The variants as a table with the sequence written out."""
    frame = result.top.copy()
    if frame.empty:
        return frame
    frame["steps"] = frame["activities"].map(len)
    frame["sequence"] = frame["activities"].map(lambda acts: " → ".join(acts))
    return frame.loc[:, ["rank", "sequence", "steps", "cases", "share", "median_cycle_time_hours"]]


def _variant_rows(args: Mapping[str, Any]) -> pd.DataFrame | None:
    top = args.get("top")
    result = top_variants(args.get("query"), top if top in TOP_CHOICES else 10)
    return None if result is None else variants_table(result)


VARIANTS_EXPORT = register_export(f"{PAGE}-top", _variant_rows, "variants")


def variants_body(query: str | None, top: int | None) -> list[Any]:
    """The chart and the table of the top variants, with their coverage."""
    state = data.state_from_query(query)
    lang = state.lang
    if not state.dataset:
        return empty_state(lang)
    top = top if top in TOP_CHOICES else 10
    try:
        result = top_variants(query, top)
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    assert result is not None
    table = variants_table(result)
    columns = [
        column("rank", "#", maxWidth=70),
        column(
            "sequence",
            t("variants.sequence", lang),
            flex=4,
            wrapText=True,
            autoHeight=True,
            cellClass="lf-sequence",
        ),
        column("steps", t("variants.steps", lang), number=",d", maxWidth=110),
        column("cases", t("variants.cases", lang), number=",d", maxWidth=120),
        column("share", t("variants.share", lang), number=".1%", maxWidth=110),
        column("median_cycle_time_hours", t("variants.median", lang), number=",.1f", maxWidth=170),
    ]
    coverage = t("variants.coverage", lang, n=len(table), share=fmt_share(result.coverage, lang))
    return [
        html.P(coverage, className="text-muted"),
        section(
            t("variants.title", lang),
            chart(f"{PAGE}-chart", figures.variants_figure(result.top, lang), 420),
        ),
        section(
            t("variants.sequence", lang),
            grid(f"{PAGE}-grid", table, columns, height=520),
            tools=[export_tools(VARIANTS_EXPORT, lang, {"query": query, "top": top})],
        ),
    ]
