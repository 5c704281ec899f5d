"""The Overview page's content: KPI cards with their change, weekly trends, costly handoffs
and the open cases nearest their SLA."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from analysis.bottlenecks import sla_risk as sla_risk_ranking
from analysis.filters import Filters
from analysis.handoffs import handoffs
from analysis.kpi_changes import (
    NO_CASES_MATCH,
    NO_EARLIER_DATA,
    NO_PREVIOUS_CASES,
    PARTIAL_PREVIOUS,
    KpiChange,
    kpi_changes,
)
from analysis.kpis import Kpis, kpis
from analysis.trends import weekly_trend
from dashboard import data, figures
from dashboard.components import (
    chart,
    column,
    error_alert,
    grid,
    info,
    section,
)
from dashboard.exports import export_tools, register_export
from etl.errors import LoanFlowError
from vocabulary import (
    fmt_change,
    fmt_count,
    fmt_date,
    fmt_days_hint,
    fmt_in_hours,
    fmt_points,
    fmt_share,
    t,
)

PAGE = "overview"


@dataclass(frozen=True)
class KpiCard:
    """One KPI card: its label, how to read it from Kpis, and its name in
    :data:`analysis.kpi_changes.KPI_DEFINITIONS` (kind and better side)."""

    key: str
    value: Callable[[Kpis], float | None]
    name: str


CARDS = (
    KpiCard("overview.kpi.cases", lambda k: float(k.cases), "cases"),
    KpiCard(
        "overview.kpi.median_cycle", lambda k: k.cycle_time_hours.median, "median_cycle_time_hours"
    ),
    KpiCard("overview.kpi.p90_cycle", lambda k: k.cycle_time_hours.p90, "p90_cycle_time_hours"),
    KpiCard("overview.kpi.approved", lambda k: k.outcome_share.get("approved"), "approved_share"),
    KpiCard("overview.kpi.rejected", lambda k: k.outcome_share.get("rejected"), "rejected_share"),
    KpiCard(
        "overview.kpi.withdrawn", lambda k: k.outcome_share.get("withdrawn"), "withdrawn_share"
    ),
    KpiCard("overview.kpi.sla", lambda k: k.sla_compliance, "sla_compliance"),
    KpiCard("overview.kpi.rework", lambda k: k.rework_share, "rework_share"),
    KpiCard("overview.kpi.pingpong", lambda k: k.pingpong_share, "pingpong_share"),
    KpiCard("overview.kpi.handoffs", lambda k: k.handoffs_per_case, "handoffs_per_case"),
)
OUTCOME_CARDS = ("approved_share", "rejected_share", "withdrawn_share")
BASIS_KEYS = {
    "period": "overview.change_basis_period",
    "last_4_weeks": "overview.change_basis_last4w",
}
PREVIOUS_KEYS = {"period": "overview.previous_period", "last_4_weeks": "overview.previous_4w"}
REASON_KEYS = {
    NO_CASES_MATCH: "overview.no_cases_match",
    NO_EARLIER_DATA: "overview.no_previous",
    PARTIAL_PREVIOUS: "overview.partial_previous",
    NO_PREVIOUS_CASES: "overview.no_previous_cases",
}


def fmt_value(value: float | None, kind: str, lang: str) -> str:
    """A KPI value written for its kind (a duration in hours, as on every page)."""
    if kind == "hours":
        return fmt_in_hours(value, lang)
    if kind == "share":
        return fmt_share(value, lang)
    if kind == "count":
        return fmt_count(value, lang)
    return "–" if value is None else f"{value:.2f}"


def days_hint(value: float | None, kind: str, lang: str) -> Any:
    """Under a cycle time of two days or more, the same in days (``≈ 7.7 d``); the figure
    itself stays in hours, as everywhere else."""
    hint = fmt_days_hint(value, lang) if kind == "hours" else ""
    return html.Div(hint, className="small text-muted lf-kpi-hint") if hint else None


DIRECTION_CLASSES = {"better": "text-success", "worse": "text-danger", "unchanged": "text-muted"}


def kpi_card(
    card: KpiCard,
    value: float | None,
    change: KpiChange,
    previous_label: str,
    reason: str | None,
    lang: str,
    outcome_mapped: bool = True,
) -> dbc.Col:
    """One card: the value, and its change coloured better (green), worse (red) or
    unchanged (grey); where the change is withheld, why."""
    not_mapped = not outcome_mapped and card.name in OUTCOME_CARDS
    if not_mapped or (change.change is None and reason is None):
        delta = html.Small("")  # nothing to compare (no value), not "no earlier data"
    elif change.change is None:
        why = REASON_KEYS.get(reason or "", "overview.no_previous")
        delta = html.Small(t(why, lang), className="text-muted")
    else:
        written = (
            fmt_points(change.change, lang)
            if change.kind == "share"
            else fmt_change(change.change, lang)
        )
        delta = html.Small(
            t("overview.change", lang, change=written, previous=previous_label),
            className=DIRECTION_CLASSES[change.direction or "unchanged"],
        )
    shown = (
        t("overview.outcome_not_mapped", lang)
        if not_mapped
        else fmt_value(value, change.kind, lang)
    )
    parts = [
        html.Div(t(card.key, lang), className="small text-muted"),
        html.Div(
            shown,
            className=("fs-6 text-muted" if not_mapped else "fs-4 fw-bold") + " lf-kpi-value",
        ),
        days_hint(value, change.kind, lang),
        delta,
    ]
    return dbc.Col(
        dbc.Card(
            dbc.CardBody([part for part in parts if part is not None]),
            className="h-100 lf-kpi",
        ),
        xs=6,
        md=4,
        lg=True,
        className="mb-2",
    )


def kpi_cards(dataset: str, filters: Filters, lang: str) -> list[Any]:
    """The row of KPI cards with the basis of their changes."""
    current_all = data.cached("kpis", kpis, dataset, filters)
    period = data.cached("kpi_changes", kpi_changes, dataset, filters)
    changes = period.by_name()
    previous_label = t(PREVIOUS_KEYS[period.basis], lang) if period.basis else ""
    no_cases = current_all.cases == 0
    reason = NO_CASES_MATCH if no_cases else period.reason
    cards = []
    for card in CARDS:
        value = card.value(current_all)
        if card.key == "overview.kpi.sla" and current_all.sla_hours is None:
            value = None
        change = changes.get(card.name) or KpiChange(
            card.name, "number", None, None, None, None, True
        )
        if no_cases:  # nothing selected: no figure and no change, and the card says why
            value = 0.0 if card.name == "cases" else None
            change = replace(change, change=None, direction=None)
        mapped = current_all.outcome_mapped or no_cases
        cards.append(kpi_card(card, value, change, previous_label, reason, lang, mapped))
    basis_text = t(BASIS_KEYS[period.basis], lang) if period.basis and not no_cases else ""
    if period.reason == PARTIAL_PREVIOUS and period.data_first_day:
        day = fmt_date(period.data_first_day, lang)
        basis_text += " " + t("overview.partial_explained", lang, day=day)
    basis = html.P(basis_text, className="small text-muted") if basis_text else None
    working = html.P(
        working_median_line(current_all.cycle_time_working_hours.median, lang),
        className="small text-muted mb-0",
    )
    return [dbc.Row(cards, className="g-2"), basis, working]


def working_median_line(hours: float | None, lang: str) -> str:
    """The median cycle time in working time, in hours as everywhere working time is shown
    (the Cases table, the command line), never in days."""
    return t("overview.median_working", lang, hours=fmt_in_hours(hours, lang))


HANDOFF_CAUSE = f"{PAGE}-handoff-cause"


def top_handoffs(dataset: str, filters: Filters, lang: str) -> Any:
    """The three handoffs that cost the most waiting in total (median and total in hours,
    as the Handoffs page shows them)."""
    table = data.cached("handoffs", handoffs, dataset, filters, working=False).head(3)
    if table.empty:
        return info(t("common.no_data", lang))
    items = [
        dbc.ListGroupItem(
            [
                html.Div(f"{row['from']} → {row['to']}", className="fw-bold"),
                html.Small(
                    t(
                        "overview.handoff_line",
                        lang,
                        count=fmt_count(row["count"], lang),
                        median=fmt_in_hours(row["median_wait_hours"], lang),
                        total=fmt_in_hours(row["total_wait_hours"], lang),
                    )
                ),
                # Its main cause, filled in by its own callback (the waiting-cause
                # decomposition takes longer than the rest of the page on a new dataset).
                html.Div(
                    html.Small(id={"type": HANDOFF_CAUSE, "index": f"{row['from']}|{row['to']}"}),
                    className="text-muted",
                ),
            ]
        )
        for _, row in table.iterrows()
    ]
    return dbc.ListGroup(items, numbered=True)


def sla_risk_table(dataset: str, filters: Filters) -> pd.DataFrame:
    """Credibly open cases closest to breaching the SLA (:func:`analysis.bottlenecks.sla_risk`)."""
    return data.cached("sla_risk", sla_risk_ranking, dataset, filters, limit=10)


def _sla_rows(args: Mapping[str, Any]) -> pd.DataFrame | None:
    state = data.state_from_query(args.get("query"))
    return sla_risk_table(state.dataset, state.filters()) if state.dataset else None


SLA_EXPORT = register_export(f"{PAGE}-sla", _sla_rows, "sla-risk")


def sla_risk(dataset: str, filters: Filters, lang: str) -> Any:
    """The SLA early-warning table."""
    frame = sla_risk_table(dataset, filters)
    if frame.empty:
        return info(t("overview.sla_none", lang))
    columns = [
        column("case_id", t("common.case_id", lang)),
        column("last_activity", t("overview.col.last_activity", lang)),
        column("last_department", t("common.department", lang)),
        column("age_hours", t("overview.col.age", lang), number=",.1f"),
        column("waiting_hours", t("overview.col.waiting", lang), number=",.1f"),
        column("sla_hours_left", t("overview.col.remaining", lang), number=",.1f"),
    ]
    return grid(f"{PAGE}-sla-grid", frame, columns, height=300)


def overview_body(query: str | None) -> list[Any]:
    """Everything below the title, for the view in ``query``."""
    state = data.state_from_query(query)
    lang = state.lang
    if not state.dataset:
        return [info(t("common.choose_dataset", lang))]
    filters = state.filters()
    data.prefetch(
        data.Call("kpis", kpis, state.dataset, filters),
        data.Call("handoffs", handoffs, state.dataset, filters, (("working", False),)),
        data.Call("weekly_trend", weekly_trend, state.dataset, filters),
        data.Call("kpi_changes", kpi_changes, state.dataset, filters),
        data.Call("sla_risk", sla_risk_ranking, state.dataset, filters, (("limit", 10),)),
    )
    try:
        weekly = data.cached("weekly_trend", weekly_trend, state.dataset, filters)
        return [
            *kpi_cards(state.dataset, filters, lang),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            t("overview.trends", lang),
                            chart(f"{PAGE}-trends", figures.weekly_trends_figure(weekly, lang)),
                        ),
                        lg=8,
                    ),
                    dbc.Col(
                        section(
                            t("overview.top_handoffs", lang),
                            top_handoffs(state.dataset, filters, lang),
                        ),
                        lg=4,
                    ),
                ],
                className="mt-2",
            ),
            section(
                t("overview.sla_risk", lang),
                sla_risk(state.dataset, filters, lang),
                tools=[export_tools(SLA_EXPORT, lang, {"query": query})],
            ),
        ]
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
