"""The "Why waiting" page's content: the causes per handoff or activity, a plain reading,
the discovered calendars, the batches, and one case's waits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from dash import html

from analysis.waits.report import (
    addressable_hours,
    cause_changes,
    department_calendars,
    selected_case_waits,
    waiting_causes,
)
from dashboard import data, figures
from dashboard.components import chart, column, empty_state, error_alert, grid, info, section
from dashboard.exports import export_tools, register_export
from etl.errors import LoanFlowError
from vocabulary import cause_label, t

PAGE = "waits"
TOP = 12


def report(query: str | None) -> Any:
    """The waiting-cause report of the view (cached per dataset and filters)."""
    state = data.state_from_query(query)
    return data.cached("waits", waiting_causes, state.dataset or "", state.filters())


def _name(row: dict[str, Any], by: str) -> str:
    return f"{row['from']} → {row['to']}" if by == "handoffs" else str(row["activity"])


def ranked(query: str | None, by: str) -> list[dict[str, Any]]:
    """Handoffs or activities with waiting, ranked by the hours a remedy could save."""
    rows = [r for r in getattr(report(query), by) if r["wait_hours"] > 0]
    return sorted(rows, key=addressable_hours, reverse=True)


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def reading(rows: list[dict[str, Any]], by: str, lang: str) -> list[str]:
    """Plain sentences for the top rows: total, the two largest causes, the remedy."""
    sentences = []
    for row in rows[:3]:
        causes = sorted(figures.CAUSES, key=lambda c: row["shares"][c], reverse=True)
        text = t(
            "waits.sentence",
            lang,
            name=_name(row, by),
            hours=f"{row['wait_hours']:,.0f}",
            cause=t(f"cause.{causes[0]}", lang),
            share=_pct(row["shares"][causes[0]]),
            cause2=t(f"cause.{causes[1]}", lang),
            share2=_pct(row["shares"][causes[1]]),
            remedy=t(f"remedy.{causes[0]}", lang),
        )
        department = row.get("to") if by == "handoffs" else row.get("department")
        if row["department_all_busy_share"] >= 0.2 and department:
            share = _pct(row["department_all_busy_share"])
            text += " " + t("waits.sentence_busy", lang, department=department, share=share)
        sentences.append(text)
    return sentences


def table(rows: list[dict[str, Any]], by: str, lang: str = "en") -> pd.DataFrame:
    """The rows flattened for the grid and the CSV (the main cause named in ``lang``)."""
    flat = []
    for row in rows:
        item = {"name": _name(row, by), "instances": row["instances"]}
        item["wait_hours"] = row["wait_hours"]
        item["addressable_hours"] = addressable_hours(row)
        item.update({c: row["causes"][c] for c in figures.CAUSES})
        item["main_cause"] = cause_label(row["main_cause"], lang) if row["main_cause"] else None
        item["all_busy"] = row["department_all_busy_share"]
        flat.append(item)
    return pd.DataFrame(flat)


def table_columns(by: str, lang: str) -> list[dict[str, Any]]:
    """The grid's columns."""
    name = t("waits.pair" if by == "handoffs" else "waits.activity", lang)
    return [
        column("name", name, minWidth=220),
        column("instances", t("waits.instances", lang), number=",d"),
        column("wait_hours", t("waits.wait_hours", lang), number=",.0f"),
        column("addressable_hours", t("waits.addressable", lang), number=",.0f"),
        *[column(c, cause_label(c, lang), number=",.0f") for c in figures.CAUSES],
        column("main_cause", t("waits.main_cause", lang)),
        column("all_busy", t("waits.all_busy", lang), number=".0%"),
    ]


def _batches(batches: list[dict[str, Any]], lang: str) -> Any:
    frame = pd.DataFrame(batches)
    if frame.empty:
        return info(t("waits.none", lang))
    columns = [
        column("activity", t("waits.activity", lang)),
        column("batches", t("waits.batch_count", lang), number=",d"),
        column("mean_size", t("waits.batch_mean", lang), number=",.1f"),
        column("max_size", t("waits.batch_max", lang), number=",d"),
        column("batches_per_week", t("waits.batch_week", lang), number=",.1f"),
    ]
    return grid(f"{PAGE}-batches", frame, columns, height=200)


def _cause_rows(args: Mapping[str, Any]) -> pd.DataFrame:
    by = str(args.get("by")) if args.get("by") in ("handoffs", "activities") else "handoffs"
    query = args.get("query")
    return table(ranked(query, by), by, data.state_from_query(query).lang)


CAUSES_EXPORT = register_export(
    f"{PAGE}-causes", _cause_rows, lambda args: f"waits-{args.get('by') or 'handoffs'}"
)


def waits_body(query: str | None, by: str | None, unit: str | None) -> list[Any]:
    """The page for the view: reading, stacked causes, table, calendars, batches."""
    state = data.state_from_query(query)
    lang = state.lang
    if not state.dataset:
        return empty_state(lang)
    by = by if by in ("handoffs", "activities") else "handoffs"
    try:
        rows = ranked(query, by)
        result = report(query)
        calendars = data.cached(
            "waits-calendars", department_calendars, state.dataset, state.filters()
        )
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    names = [_name(r, by) for r in rows[:TOP]]
    notes = [info(note) for note in result.notes if "batches" not in note]
    return [
        *notes,
        section(
            t("waits.reading", lang),
            html.Ul([html.Li(s) for s in reading(rows, by, lang)], className="mb-0"),
        ),
        section(
            t("waits.causes_chart", lang),
            chart(
                f"{PAGE}-bars",
                figures.cause_bars(rows[:TOP], names, lang, share=unit == "share"),
            ),
        ),
        section(
            t("waits.table", lang),
            grid(f"{PAGE}-grid", table(rows, by, lang), table_columns(by, lang)),
            tools=[export_tools(CAUSES_EXPORT, lang, {"query": query, "by": by})],
        ),
        section(
            t("waits.calendars", lang),
            chart(f"{PAGE}-calendars", figures.calendar_heatmap(calendars, lang)),
        ),
        section(t("waits.batches", lang), _batches(result.batches, lang)),
    ]


def handoff_main_causes(query: str | None, pairs: list[tuple[str, ...]]) -> list[str]:
    """For each (from, to) pair: "main cause: X (share)" in the view's language, or ""."""
    state = data.state_from_query(query)
    if not state.dataset or not pairs:
        return ["" for _ in pairs]
    try:
        rows: dict[tuple[str, ...], dict[str, Any]] = {
            (r["from"], r["to"]): r for r in report(query).handoffs
        }
    except LoanFlowError:
        return ["" for _ in pairs]
    lines = []
    for pair in pairs:
        row = rows.get(tuple(pair))
        if row is None or not row["main_cause"]:
            lines.append("")
            continue
        cause = row["main_cause"]
        text = t("waits.main_cause_short", state.lang, cause=t(f"cause.{cause}", state.lang))
        lines.append(f"{text} ({_pct(row['shares'][cause])})")
    return lines


def case_body(query: str | None, case_id: str | None) -> Any:
    """One case's waits, each split by cause."""
    state = data.state_from_query(query)
    lang = state.lang
    if not state.dataset or not case_id:
        return info(t("waits.case_none", lang))
    try:
        rows = data.cached(
            "waits-case", selected_case_waits, state.dataset, state.filters(), case_id.strip()
        )
    except LoanFlowError as exc:
        return error_alert(exc, lang)
    if not rows:
        return info(t("waits.case_unknown", lang, case=case_id.strip()))
    zone = data.dataset_time_zone(state.dataset)
    return chart(f"{PAGE}-case-chart", figures.case_wait_timeline(rows, lang, zone))


def cached_cause_changes(before: tuple[str, Any], after: tuple[str, Any]) -> list[dict[str, Any]]:
    """:func:`analysis.waits.report.cause_changes` on two selections, cached (the Compare
    page's section and its downloadable report share it)."""
    key = (
        "waits-compare", before[0], before[1].cache_key(), after[0], after[1].cache_key(),
        data.computed_where(before[0]), data.computed_where(after[0]),
    )  # fmt: skip

    def compute() -> list[dict[str, Any]]:
        if data.on_lake():
            from analysis.lake.waits import cause_changes as lake_cause_changes

            sides = (
                (data.lake_run_for(before[0]), before[1]),
                (data.lake_run_for(after[0]), after[1]),
            )
            return lake_cause_changes(*sides)
        with data.cursor() as con:
            return cause_changes(con, before, after)

    result: list[dict[str, Any]] = data.CACHE.get_or_compute(key, compute)
    return result


def cause_change_section(before: tuple[str, Any], after: tuple[str, Any], lang: str) -> Any:
    """Compare: how each handoff's causes of waiting changed (hours per case)."""
    try:
        changes = cached_cause_changes(before, after)
    except LoanFlowError as exc:
        return section(t("waits.compare_title", lang), error_alert(exc, lang))
    rows, names = [], []
    for change in changes[:6]:
        pair = f"{change['from']} → {change['to']}"
        for side in ("before", "after"):
            rows.append({"causes": change[side], "shares": change[side]})
            names.append(f"{pair} · {t(f'compare.{side}', lang)}")
    return section(
        t("waits.compare_title", lang),
        html.P(t("waits.compare_note", lang), className="text-muted"),
        chart(f"{PAGE}-compare-bars", figures.cause_bars(rows, names, lang, per_case=True)),
    )
