"""The Overview page's content: KPI cards with their change, weekly trends, costly handoffs
and the open cases nearest their SLA."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from analysis.bottlenecks import open_cases_waiting
from analysis.filters import Filters
from analysis.handoffs import handoffs
from analysis.kpis import Kpis, kpis
from analysis.trends import weekly_trend
from dashboard import data, figures
from dashboard.components import (
    chart,
    column,
    csv_button,
    error_alert,
    grid,
    info,
    section,
)
from etl.errors import LoanFlowError
from vocabulary import fmt_change, fmt_count, fmt_hours, fmt_points, fmt_share, t

PAGE = "overview"


@dataclass(frozen=True)
class KpiCard:
    """One KPI card: its label, how to read it from Kpis, format, and which way is better."""

    key: str
    value: Callable[[Kpis], float | None]
    kind: str  # hours, share, count, number
    lower_is_better: bool


CARDS = (
    KpiCard("overview.kpi.cases", lambda k: float(k.cases), "count", False),
    KpiCard("overview.kpi.median_cycle", lambda k: k.cycle_time_hours.median, "hours", True),
    KpiCard("overview.kpi.p90_cycle", lambda k: k.cycle_time_hours.p90, "hours", True),
    KpiCard("overview.kpi.approved", lambda k: k.outcome_share.get("approved"), "share", False),
    KpiCard("overview.kpi.rejected", lambda k: k.outcome_share.get("rejected"), "share", True),
    KpiCard("overview.kpi.withdrawn", lambda k: k.outcome_share.get("withdrawn"), "share", True),
    KpiCard("overview.kpi.sla", lambda k: k.sla_compliance, "share", False),
    KpiCard("overview.kpi.rework", lambda k: k.rework_share, "share", True),
    KpiCard("overview.kpi.pingpong", lambda k: k.pingpong_share, "share", True),
    KpiCard("overview.kpi.handoffs", lambda k: k.handoffs_per_case, "number", True),
)


def fmt_value(value: float | None, kind: str, lang: str) -> str:
    """A KPI value written for its kind."""
    if kind == "hours":
        return fmt_hours(value, lang)
    if kind == "share":
        return fmt_share(value, lang)
    if kind == "count":
        return fmt_count(value, lang)
    return "–" if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class Comparison:
    """The windows the cards' changes compare: current against previous."""

    current: Filters
    previous: Filters
    basis_key: str
    previous_key: str


def comparison_windows(filters: Filters, last_day: date | None) -> Comparison | None:
    """The period compared and the one before it.

    With a chosen period: that period against the period of equal length before it.
    Without one: the last 4 weeks of data against the 4 weeks before (cases that ended then,
    so that cycle times are complete).
    """
    if filters.date_from is not None and filters.date_to is not None:
        start, end = _as_day(filters.date_from), _as_day(filters.date_to)
        length = (end - start).days + 1
        previous = filters.model_copy(
            update={
                "date_from": start - timedelta(days=length),
                "date_to": start - timedelta(days=1),
            }
        )
        return Comparison(
            filters, previous, "overview.change_basis_period", "overview.previous_period"
        )
    if last_day is None:
        return None
    current = filters.model_copy(
        update={
            "date_from": last_day - timedelta(days=27),
            "date_to": last_day,
            "period_basis": "ended",
        }
    )
    previous = filters.model_copy(
        update={
            "date_from": last_day - timedelta(days=55),
            "date_to": last_day - timedelta(days=28),
            "period_basis": "ended",
        }
    )
    return Comparison(current, previous, "overview.change_basis_last4w", "overview.previous_4w")


def _as_day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def card_change(kind: str, current: float | None, previous: float | None) -> float | None:
    """The change a card shows: shares as a difference (points), others relative.

    None when either value is missing, or a relative change from zero.
    """
    if current is None or previous is None:
        return None
    if kind == "share":
        return current - previous
    if previous == 0:
        return None
    return (current - previous) / abs(previous)


def kpi_card(
    card: KpiCard, value: float | None, change: float | None, previous_label: str, lang: str
) -> dbc.Col:
    """One card: the value, and its change coloured good (green) or bad (red)."""
    if change is None:
        delta = html.Small(t("overview.no_previous", lang), className="text-muted")
    else:
        good = (change < 0) == card.lower_is_better if change != 0 else True
        written = fmt_points(change, lang) if card.kind == "share" else fmt_change(change, lang)
        delta = html.Small(
            t("overview.change", lang, change=written, previous=previous_label),
            className="text-success" if good else "text-danger",
        )
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(t(card.key, lang), className="small text-muted"),
                    html.Div(
                        fmt_value(value, card.kind, lang), className="fs-4 fw-bold lf-kpi-value"
                    ),
                    delta,
                ]
            ),
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
    window = comparison_windows(filters, data.filter_choices(dataset).last_day)
    now = then = None
    if window is not None:
        now = data.cached("kpis", kpis, dataset, window.current)
        then = data.cached("kpis", kpis, dataset, window.previous)
    cards = []
    for card in CARDS:
        change = None
        if now is not None and then is not None and then.cases > 0:
            change = card_change(card.kind, card.value(now), card.value(then))
        value = card.value(current_all)
        if card.key == "overview.kpi.sla" and current_all.sla_hours is None:
            value = None
        previous_label = t(window.previous_key, lang) if window else ""
        cards.append(kpi_card(card, value, change, previous_label, lang))
    basis = html.P(t(window.basis_key, lang), className="small text-muted") if window else None
    working = html.P(
        f"{t('overview.kpi.median_cycle', lang)} ({t('common.working_time', lang)}): "
        f"{fmt_hours(current_all.cycle_time_working_hours.median, lang)}",
        className="small text-muted mb-0",
    )
    return [dbc.Row(cards, className="g-2"), basis, working]


def top_handoffs(dataset: str, filters: Filters, lang: str) -> Any:
    """The three handoffs that cost the most waiting in total."""
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
                        median=fmt_hours(row["median_wait_hours"], lang),
                        total=fmt_hours(row["total_wait_hours"], lang),
                    )
                ),
            ]
        )
        for _, row in table.iterrows()
    ]
    return dbc.ListGroup(items, numbered=True)


SLA_RISK_COLUMNS = (
    "case_id",
    "last_activity",
    "last_department",
    "age_hours",
    "waiting_hours",
    "sla_hours_left",
)


def sla_risk_table(dataset: str, filters: Filters) -> pd.DataFrame:
    """Open cases closest to breaching the SLA (least time left first; oldest without SLA)."""
    frame = data.cached("open_cases_waiting", open_cases_waiting, dataset, filters, limit=200)
    if frame.empty:
        return frame
    by = ["sla_hours_left"] if frame["sla_hours_left"].notna().any() else ["age_hours"]
    ascending = by == ["sla_hours_left"]
    return frame.sort_values(by, ascending=ascending).head(10).loc[:, list(SLA_RISK_COLUMNS)]


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
        data.Call(
            "open_cases_waiting", open_cases_waiting, state.dataset, filters, (("limit", 200),)
        ),
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
                tools=[csv_button(f"{PAGE}-sla-csv", lang)],
            ),
        ]
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
