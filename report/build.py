"""The before/after report: one self-contained HTML file an evaluator can mail.

:func:`build_report` renders a :class:`analysis.compare.Comparison` with the Jinja2
template ``templates/report.html.j2``: the plain-language summary first, then the evidence
(charts, the metrics with their intervals, the mix adjustment, the guardrails, what changed
in the process). Plotly's JavaScript is embedded once, so the file works offline.
:func:`summary_sentences` gives the summary alone (the CLI and the dashboard reuse it).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, FileSystemLoader, select_autoescape

from analysis.compare import Comparison, Metric, Note
from analysis.process_map import END, START
from report import charts
from vocabulary import (
    MESSAGES,
    cause_label,
    effect_size_label,
    metric_label,
    metric_name,
    normalise_language,
    t,
    test_label,
)
from vocabulary.browser import PLOTLY_LOCALES, plotly_locale
from vocabulary.formats import duration, missing, number, p_text, percent, points
from vocabulary.style import CAUSES

TEMPLATES = Path(__file__).resolve().parent / "templates"
_SUMMARY_EXTRAS = 4  # how many further improvements or deteriorations the summary names
_KIND_ORDER = {"share": 0, "per_case": 1, "duration": 2, "distribution": 3}


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


# --- the summary ---------------------------------------------------------------------------


def _capitalised(sentence: str, lang: str) -> str:
    return sentence[:1].upper() + sentence[1:] if lang == "en" else sentence


def metric_sentence(metric: Metric, lang: str, currency: str | None = None) -> str:
    """One plain-language sentence on one metric (without the final full stop).

    A significant change names its direction, size, interval and adjusted p; otherwise the
    metric is called unchanged.
    """
    lang = normalise_language(lang, strict=True)
    name = metric_name(metric.name, lang)
    if metric.unit == "share":
        before, after = percent(metric.before), percent(metric.after)
        change = points(metric.change_abs, lang)
        low, high = points(metric.ci95_abs[0], lang), points(metric.ci95_abs[1], lang)
    elif metric.unit == "hours":
        before, after = duration(metric.before, lang), duration(metric.after, lang)
        change = percent(metric.change, sign=False)
        low, high = percent(metric.ci95[0]), percent(metric.ci95[1])
    else:
        before = _value(metric, metric.before, lang, _currency(currency))
        after = _value(metric, metric.after, lang, _currency(currency))
        change = percent(metric.change)
        low, high = percent(metric.ci95[0]), percent(metric.ci95[1])
    if not metric.significant:
        return _capitalised(
            t("report.unchanged_sentence", lang, name=name, before=before, after=after), lang
        )
    verb = t("report.fell" if metric.change_abs < 0 else "report.rose", lang)
    key = "report.share_sentence" if metric.unit == "share" else "report.duration_sentence"
    sentence = t(
        key,
        lang,
        name=name,
        verb=verb,
        before=before,
        after=after,
        change=change,
        low=low,
        high=high,
        p=p_text(metric.p_adjusted),
    )
    return _capitalised(sentence, lang)


def note_sentence(note: Note, lang: str) -> str:
    """A note (guardrail finding or caveat) in the report's language."""
    lang = normalise_language(lang, strict=True)
    v = note.values
    metric = metric_name(str(v.get("metric", "")), lang)
    before, after = percent(v.get("before"), 1), percent(v.get("after"), 1)
    if lang == "en":
        if note.code == "guardrail_worse":
            return _capitalised(
                f"{metric} rose from {before} to {after} "
                f"(adjusted p = {v.get('p_adjusted', 0):.3g})",
                lang,
            )
        if note.code == "guardrail_watch":
            return _capitalised(
                f"{metric} rose from {before} to {after}, not significant; watch it", lang
            )
        return _capitalised(note.message, lang)
    hant = lang == "zh-Hant"
    sentences = {
        "guardrail_worse": (
            f"{metric}由 {before} 升至 {after}（校正後 p = {v.get('p_adjusted', 0):.3g}）"
            if hant
            else f"{metric}由 {before} 升至 {after}（校正后 p = {v.get('p_adjusted', 0):.3g}）"
        ),
        "guardrail_watch": (
            f"{metric}由 {before} 升至 {after}，不顯著，但需持續觀察"
            if hant
            else f"{metric}由 {before} 升至 {after}，不显著，但需持续观察"
        ),
        "approval_changed": (
            f"核准率由 {before} 變為 {after}（顯著）：請確認授信標準未被放寬"
            if hant
            else f"核准率由 {before} 变为 {after}（显著）：请确认授信标准未被放宽"
        ),
        "no_default_attribute": (
            "日誌不含違約欄位，未比較違約率" if hant else "日志不含违约字段，未比较违约率"
        ),
        "default_maturity": (
            "較新的貸款違約的時間較短：請比較相同帳齡貸款的違約率"
            if hant
            else "较新的贷款违约的时间较短：请比较相同账龄贷款的违约率"
        ),
        "no_rules": (
            "設定檔未定義貸款規則，未比較違規比例"
            if hant
            else "配置文件未定义贷款规则，未比较违规比例"
        ),
        "open_cases": (
            f"改造後仍未結案的案件（{percent(v.get('after'))}）"
            f"多於改造前（{percent(v.get('before'))}）；"
            "未結案案件的週期時間被截短，使改造後看起來較快。請只比較已結案案件"
            "（--outcome approved --outcome rejected --outcome withdrawn）。"
            if hant
            else f"改造后仍未结案的案件（{percent(v.get('after'))}）"
            f"多于改造前（{percent(v.get('before'))}）；"
            "未结案案件的周期时间被截短，使改造后看起来较快。请只比较已结案案件"
            "（--outcome approved --outcome rejected --outcome withdrawn）。"
        ),
        "mix_explains": (
            "按改造前的案件組合重新加權後，週期時間中位數的變化消失：變化來自案件組合不同，"
            "而非（可證明地）來自流程。"
            if hant
            else "按改造前的案件组合重新加权后，周期时间中位数的变化消失：变化来自案件组合不同，"
            "而非（可证明地）来自流程。"
        ),
        "mix_coverage": (
            f"僅 {percent(v.get('coverage'))} 的改造前案件落在改造後也出現的組合中；"
            "組合調整後的數字只代表這些案件。"
            if hant
            else f"仅 {percent(v.get('coverage'))} 的改造前案件落在改造后也出现的组合中；"
            "组合调整后的数字只代表这些案件。"
        ),
    }
    return sentences.get(note.code, note.message)


def _mix_sentence(comparison: Comparison, lang: str) -> str:
    mix = comparison.mix
    return t(
        "report.mix_sentence",
        lang,
        change=percent(mix.adjusted_change),
        low=percent(mix.adjusted_ci95[0]),
        high=percent(mix.adjusted_ci95[1]),
        raw=percent(mix.raw_change),
    )


def _listed(metrics: list[Metric], lang: str) -> str:
    items = []
    for m in metrics[:_SUMMARY_EXTRAS]:
        change = points(m.change_abs, lang) if m.unit == "share" else percent(m.change, sign=True)
        items.append(
            f"{metric_name(m.name, lang)} ({change})"
            if lang == "en"
            else f"{metric_name(m.name, lang)}（{change}）"
        )
    return t("report.list_separator", lang).join(items)


def summary_sentences(comparison: Comparison, lang: str = "en") -> list[str]:
    """The plain-language summary, sentence by sentence, most important first.

    The headline (median cycle time), the approval rate, the guardrail verdict, the
    mix-adjusted change, other significant improvements and deteriorations, and caveats.
    """
    lang = normalise_language(lang, strict=True)
    end = t("report.sentence_end", lang)
    by_name = {m.name: m for m in comparison.metrics}
    first = metric_sentence(comparison.headline, lang)
    approval = by_name.get("approval_rate")
    if approval is not None:
        clause = metric_sentence(approval, lang)
        first += "; " + clause[:1].lower() + clause[1:] if lang == "en" else "；" + clause
    sentences = [first + end]
    guard = comparison.guardrails
    if guard.weakened:
        reasons = t("report.list_separator", lang).join(
            note_sentence(r, lang) for r in guard.reasons
        )
        sentences.append(f"{t('report.guardrails_weakened', lang)} {reasons}{end}")
    else:
        sentences.append(t("report.guardrails_ok", lang))
    if all(math.isfinite(v) for v in comparison.mix.adjusted_ci95):
        sentences.append(_mix_sentence(comparison, lang))
    others = sorted(
        (m for m in comparison.metrics if "cycle_time" not in m.name and m.name != "approval_rate"),
        key=lambda m: _KIND_ORDER.get(m.kind, 9),
    )
    improved = [m for m in others if m.improved()]
    worsened = [m for m in others if m.worsened()]
    if improved:
        sentences.append(t("report.improved_list", lang, items=_listed(improved, lang)))
    if worsened:
        sentences.append(t("report.worsened_list", lang, items=_listed(worsened, lang)))
    sentences += [_terminated(note_sentence(n, lang), end) for n in comparison.notes]
    return sentences


def _terminated(sentence: str, end: str) -> str:
    return sentence if sentence.endswith((".", "。")) else sentence + end


# --- tables --------------------------------------------------------------------------------


def _currency(code: str | None) -> str:
    return f" {code}" if code else ""


def _value(metric: Metric, value: float, lang: str, currency: str = "") -> str:
    """A metric's value as shown: shares in %, durations in hours, counts (the
    number of variants) whole, costs with the profile's currency."""
    if metric.unit == "share":
        return percent(value, 1)
    if metric.unit == "hours":
        return duration(value, lang)
    if metric.unit == "variants":
        return number(value, 0)
    if metric.unit == "currency":
        return number(value, 2) + currency
    return number(value, 2)


def _interval(metric: Metric, lang: str) -> str:
    """The interval shown beside the verdict: corrected like the test (the metric's
    ``ci_adjusted``), so "significant" and "excludes no change" agree; the 95% interval
    where no corrected one exists."""
    corrected = not missing(metric.ci_adjusted_abs[0]) or not missing(metric.ci_adjusted[0])
    if metric.unit == "share":
        low, high = metric.ci_adjusted_abs if corrected else metric.ci95_abs
        if missing(low):
            return "–"
        return f"{number(low * 100, 1, sign=True)} … {points(high, lang)}"
    low, high = metric.ci_adjusted if corrected else metric.ci95
    if missing(low):
        return "–"
    return f"{percent(low, 1, sign=True)} … {percent(high, 1, sign=True)}"


def comparison_currency(comparison: Comparison) -> str | None:
    """The currency of the costs (the profile's ``currency``; None when it names none)."""
    return comparison.kpis_before.get("currency") or comparison.kpis_after.get("currency")


def metric_rows(comparison: Comparison, lang: str = "en") -> list[dict[str, Any]]:
    """The metrics as display rows (text cells), for the report and the dashboard.

    Shares change in percentage points; the other metrics by a relative change."""
    lang = normalise_language(lang, strict=True)
    currency = _currency(comparison_currency(comparison))
    rows = []
    for m in comparison.metrics:
        change = points(m.change_abs, lang) if m.unit == "share" else percent(m.change, 1, True)
        rows.append(
            {
                "name": metric_label(m.name, lang),
                "key": m.name,
                "before": _value(m, m.before, lang, currency),
                "after": _value(m, m.after, lang, currency),
                "change": change,
                "interval": _interval(m, lang),
                "p": p_text(m.p_value).removeprefix("p ").removeprefix("= "),
                "p_adjusted": p_text(m.p_adjusted).removeprefix("p ").removeprefix("= "),
                "significant": t("report.yes" if m.significant else "report.no", lang),
                "effect": "–"
                if missing(m.effect_size)
                else f"{effect_size_label(m.effect_size_name, lang)} "
                f"{number(m.effect_size, 2, sign=True)}",
                "test": test_label(m.test, lang) if m.test else "–",
                "tone": "worse" if m.worsened() else "better" if m.improved() else "",
            }
        )
    return rows


def guardrail_rows(comparison: Comparison, lang: str = "en") -> list[dict[str, Any]]:
    """The guardrail metrics (approval, default rate, rule breaches) as display rows."""
    names = {"approval_rate", *comparison.guardrails.metrics}
    return [row for row in metric_rows(comparison, lang) if row["key"] in names]


def node_label(name: str, lang: str) -> str:
    """A process-map node as shown: the virtual start and end in the reader's language."""
    if name == START:
        return "▶ " + t("map.start", lang)
    if name == END:
        return "■ " + t("map.end", lang)
    return name


def path_rows(changes: list[Any], lang: str, *, only_changed: bool = True) -> list[dict[str, Any]]:
    """Edges or handoffs as display rows (by default only those added, removed or changed)."""
    lang = normalise_language(lang, strict=True)
    rows = []
    for c in changes:
        if only_changed and c.status == "unchanged":
            continue
        rows.append(
            {
                "from": node_label(c.source, lang),
                "to": node_label(c.target, lang),
                "status": t(f"report.{c.status}", lang),
                "tone": c.status,
                "cases": f"{c.cases_before:,} → {c.cases_after:,}",
                "per_case": f"{number(c.per_case_before, 2)} → {number(c.per_case_after, 2)}",
                "wait": f"{duration(c.median_wait_hours_before, lang)} → "
                f"{duration(c.median_wait_hours_after, lang)}",
                "p": f"{p_text(c.p_frequency_adjusted)} / {p_text(c.p_wait_adjusted)}",
            }
        )
    return rows


_COUNT_KPIS = ("cases", "events", "activity_instances", "closed_cases")
_PER_CASE_KPIS = ("handoffs_per_case", "touches_per_case")


def _kpi_kind(key: str) -> str:
    """How a KPI (a ``loanflow kpis`` key, nested keys joined by a dot) is written."""
    if key in _COUNT_KPIS:
        return "count"
    if key.startswith("outcome_share.") or key.endswith("_share") or key == "sla_compliance":
        return "share"
    if key.startswith("cycle_time") or key == "sla_hours":
        return "hours"
    if key == "cost_per_case":
        return "currency"
    return "number"


# KPIs that are also comparison metrics are named as the metric (one name, declared once).
KPI_METRICS = {
    "rework_share": "rework_share",
    "pingpong_share": "pingpong_share",
    "first_time_right_share": "first_time_right_share",
    "handoffs_per_case": "handoffs_per_case",
    "touches_per_case": "steps_per_case",
    "sla_compliance": "sla_compliance",
    "cost_per_case": "cost_per_case",
    "cycle_time_hours.median": "median_cycle_time_hours",
    "cycle_time_hours.mean": "mean_cycle_time_hours",
    "cycle_time_hours.p90": "p90_cycle_time_hours",
    "cycle_time_working_hours.median": "median_cycle_time_working_hours",
    "cycle_time_working_hours.mean": "mean_cycle_time_working_hours",
}


def kpi_label(key: str, lang: str) -> str:
    """A KPI's name in ``lang``: its metric's name, else its own (``kpi.*``), else the key
    spelled out."""
    if key in KPI_METRICS:
        return metric_label(KPI_METRICS[key], lang)
    return t(f"kpi.{key}", lang) if f"kpi.{key}" in MESSAGES else key.replace("_", " ")


def _kpi_values(kind: str, row: dict[str, Any], lang: str, currency: str) -> dict[str, str]:
    before, after, delta = row["before"], row["after"], row["change_abs"]
    if kind == "count":
        shown = [number(before, 0), number(after, 0), number(delta, 0, sign=True)]
    elif kind == "share":
        shown = [percent(before, 1), percent(after, 1), points(delta, lang)]
    elif kind == "hours":
        sign = "+" if not missing(delta) and delta >= 0 else ""
        shown = [duration(before, lang), duration(after, lang), sign + duration(delta, lang)]
    elif kind == "currency":
        shown = [number(v, 2, sign=v is delta) + currency for v in (before, after, delta)]
    else:
        shown = [number(before, 2), number(after, 2), number(delta, 2, sign=True)]
    relative = "–" if kind == "share" else percent(row["change"], 1, sign=True)
    return dict(zip(("before", "after", "change_abs"), shown, strict=True)) | {"change": relative}


def kpi_rows(comparison: Comparison, lang: str) -> list[dict[str, str]]:
    """Every KPI side by side, named and written by its kind: counts whole, shares in %
    with their change in points (no relative change of a share), durations in hours,
    costs with their currency."""
    currency = _currency(comparison_currency(comparison))
    rows = []
    for row in comparison.kpi_table():
        if isinstance(comparison.kpis_before.get(row["kpi"]), bool):
            continue  # a flag (outcome_mapped), not a figure
        kind = _kpi_kind(row["kpi"])
        rows.append({"kpi": kpi_label(row["kpi"], lang)} | _kpi_values(kind, row, lang, currency))
    return rows


def _mix_rows(comparison: Comparison, lang: str) -> list[dict[str, str]]:
    return [
        {
            "band": s.amount_band,
            "product": s.product,
            "cases": f"{s.n_before:,} → {s.n_after:,}",
            "share_before": percent(s.share_before, 1),
            "share_after": percent(s.share_after, 1),
            "median_before": duration(s.median_before, lang),
            "median_after": duration(s.median_after, lang),
            "weight": number(s.weight, 2),
        }
        for s in comparison.mix.strata
    ]


def _variant_rows(comparison: Comparison) -> list[dict[str, str]]:
    return [
        {
            "activities": " → ".join(v["activities"]),
            "before": f"{v['cases_before']:,} ({percent(v['share_before'], 1)})",
            "after": f"{v['cases_after']:,} ({percent(v['share_after'], 1)})",
        }
        for v in comparison.variants.get("top", [])
    ]


def _variant_sentence(comparison: Comparison, lang: str) -> str:
    v = comparison.variants
    metric = comparison.metric("variant_distribution")
    return t(
        "report.variants_sentence",
        lang,
        before=f"{v['variants_before']:,}",
        after=f"{v['variants_after']:,}",
        verdict=t("report.verdict_changed" if metric.significant else "report.verdict_same", lang),
        pooled=f"{v['rare_variants_pooled']:,}",
        v=number(v["cramers_v"], 2),
    )


# --- the prediction (what if) ------------------------------------------------------------

PREDICTION_METRICS = ("median_cycle_time_hours", "p90_cycle_time_hours", "approved_share")


def _predicted(row: dict[str, Any]) -> tuple[Any, list[Any], bool]:
    """The predicted value, its 95% interval (the scenario's, else the baseline's), and
    whether that interval was cut at the quantity's range."""
    key = "scenario" if row.get("scenario") is not None else "baseline"
    bounds = list(row.get(f"{key}_ci95") or [None, None])
    return row.get(key), bounds, f"{key}_ci95" in (row.get("clipped") or [])


def prediction_rows(prediction: dict[str, Any], lang: str = "en") -> list[dict[str, Any]]:
    """Predicted vs actual for the median and p90 cycle time and the approved share.

    ``prediction`` is ``what_if``'s JSON with ``actual`` and ``error`` per metric
    (``analysis.whatif.whatif.with_actual``). Each row has the text cells and, under
    ``values``, the numbers they show."""
    lang = normalise_language(lang, strict=True)
    by_name = {m["name"]: m for m in prediction.get("metrics", [])}
    rows = []
    for name in PREDICTION_METRICS:
        row = by_name.get(name)
        if row is None:
            continue
        value, (low, high), clipped = _predicted(row)
        actual, error = row.get("actual"), row.get("error")
        share = name.endswith("_share")

        def shown(v: Any, share: bool = share) -> str:
            return percent(v, 1) if share else duration(v, lang)

        rows.append(
            {
                "key": name,
                "name": t(f"whatif.m.{name}", lang),
                "predicted": shown(value),
                "interval": "–"
                if missing(low)
                else f"{shown(low)} … {shown(high)}" + (" *" if clipped else ""),
                "clipped": clipped,
                "actual": shown(actual),
                "error": points(error, lang) if share else percent(error, 1, sign=True),
                "values": {
                    "predicted": value,
                    "low": low,
                    "high": high,
                    "actual": actual,
                    "error": error,
                },
            }
        )
    return rows


def prediction_intro(prediction: dict[str, Any], lang: str = "en") -> str:
    """The sentence above the prediction table: which model, how many runs, which scenario."""
    lang = normalise_language(lang, strict=True)
    scenario = prediction.get("scenario")
    return t(
        "report.prediction_text",
        lang,
        dataset=prediction.get("dataset", "–"),
        runs=prediction.get("runs", "–"),
        cases=f"{int(prediction.get('cases') or 0):,}",
        scenario=t("report.prediction_scenario", lang, name=scenario) if scenario else "",
        actual=prediction.get("actual_dataset") or "–",
    )


# --- why applications waited ---------------------------------------------------------------


def cause_change_rows(changes: list[dict[str, Any]], lang: str = "en") -> list[dict[str, Any]]:
    """Each handoff's waiting per case, before and after, in total and per cause, as display
    rows (``changes`` is :func:`analysis.waits.report.cause_changes`'s output, in its order).

    Each cell keeps the numbers it shows under ``values``."""
    lang = normalise_language(lang, strict=True)
    rows = []
    for c in changes:
        cells = [
            _cause_cell(
                "total", c["before_wait_hours_per_case"], c["after_wait_hours_per_case"], lang
            )
        ]
        cells += [
            _cause_cell(cause, c["before"][cause], c["after"][cause], lang) for cause in CAUSES
        ]
        rows.append({"from": c["from"], "to": c["to"], "cells": cells})
    return rows


def _cause_cell(cause: str, before: float, after: float, lang: str) -> dict[str, Any]:
    change = after - before
    return {
        "cause": cause,
        "text": f"{number(before, 2)} → {number(after, 2)}",
        "change": number(change if abs(change) >= 0.005 else 0.0, 2, sign=True),
        "tone": "better" if change < -0.005 else "worse" if change > 0.005 else "",
        "values": {"before": before, "after": after, "change": change},
    }


def cause_change_heads(lang: str = "en") -> list[str]:
    """The column heads of the cause-change table after "from" and "to"."""
    lang = normalise_language(lang, strict=True)
    return [t("report.waits_total", lang)] + [cause_label(c, lang) for c in CAUSES]


# --- the page ------------------------------------------------------------------------------


def _plotly_script(lang: str) -> str:
    """plotly.js itself, and in Chinese its words (toolbar titles, month names) registered
    before any chart is drawn."""
    from plotly.offline import get_plotlyjs

    script = (  # as plotly's own include_plotlyjs=True writes it
        "<script type=\"text/javascript\">window.PlotlyConfig = {MathJaxConfig: 'local'};"
        f'</script><script type="text/javascript">{get_plotlyjs()}</script>'
    )
    locale = plotly_locale(lang)
    if locale is not None:
        words = json.dumps(locale, ensure_ascii=False).replace("</", "<\\/")
        script += f'<script type="text/javascript">Plotly.register({words});</script>'
    return script


def _figure_html(figure: go.Figure, *, first: bool, lang: str = "en") -> str:
    config: dict[str, Any] = {"displaylogo": False, "responsive": True}
    if plotly_locale(lang) is not None:
        config["locale"] = PLOTLY_LOCALES[lang]
    chart = str(figure.to_html(full_html=False, include_plotlyjs=False, config=config))
    return _plotly_script(lang) + chart if first else chart


_STARTED = re.compile(r"started (before|on or after) (\d{4}-\d{2}-\d{2})")


def side_label(label: str, lang: str) -> str:
    """A side's label (:class:`analysis.compare.Side`, English as the CLI prints it) in
    ``lang``: ``before`` / ``after``, or a split's ``started before <day>`` /
    ``started on or after <day>``; any other label as written."""
    if label in ("before", "after"):
        return t(f"compare.{label}", lang)
    found = _STARTED.fullmatch(label)
    if found:
        key = "report.started_before" if found[1] == "before" else "report.started_from"
        return t(key, lang, day=found[2])
    return label


def _side_rows(comparison: Comparison, lang: str) -> list[dict[str, str]]:
    rows = []
    for key, side in (("before", comparison.before), ("after", comparison.after)):
        rows.append(
            {
                "name": t(f"compare.{key}", lang),
                "dataset": side.dataset,
                "label": side_label(side.label, lang),
                "cases": f"{side.cases:,}",
                "period": f"{(side.first_ts or '')[:10]} – {(side.last_ts or '')[:10]}",
            }
        )
    return rows


def build_report(
    comparison: Comparison,
    lang: str = "en",
    prediction: dict[str, Any] | None = None,
    cause_changes: list[dict[str, Any]] | None = None,
) -> str:
    """The report as one self-contained HTML document (charts embedded, works offline).

    With ``prediction`` (``what_if``'s JSON with ``actual`` and ``error``, see
    ``analysis.whatif.whatif.with_actual``) it gains a "prediction" section; with
    ``cause_changes`` (:func:`analysis.waits.report.cause_changes` on the same two
    selections) a section on how each handoff's causes of waiting changed."""
    lang = normalise_language(lang, strict=True)
    figures = [
        charts.ecdf_figure(comparison, lang),
        charts.forest_figure(comparison, lang),
        charts.mix_figure(comparison, lang),
    ]
    if comparison.handoffs:
        figures.append(charts.handoff_delta_figure(comparison, lang, "per_case"))
        figures.append(charts.handoff_delta_figure(comparison, lang, "median_wait"))
    if cause_changes:
        figures.append(charts.cause_change_figure(cause_changes, lang))
    charts_html = [_figure_html(f, first=i == 0, lang=lang) for i, f in enumerate(figures)]
    template = _environment().get_template("report.html.j2")
    return template.render(
        lang=lang,
        html_lang={"en": "en", "zh-Hant": "zh-Hant", "zh-Hans": "zh-Hans"}[lang],
        t=lambda key, **values: t(key if "." in key else f"report.{key}", lang, **values),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        sides=_side_rows(comparison, lang),
        summary=summary_sentences(comparison, lang),
        weakened=comparison.guardrails.weakened,
        guardrail_reasons=[note_sentence(n, lang) for n in comparison.guardrails.reasons],
        guardrail_notes=[note_sentence(n, lang) for n in comparison.guardrails.notes],
        guardrails=guardrail_rows(comparison, lang),
        metrics=metric_rows(comparison, lang),
        mix_sentence=_mix_sentence(comparison, lang),
        mix_rows=_mix_rows(comparison, lang),
        handoffs=path_rows(comparison.handoffs, lang),
        edges=path_rows(comparison.edges, lang),
        variant_sentence=_variant_sentence(comparison, lang),
        variants=_variant_rows(comparison),
        kpis=kpi_rows(comparison, lang),
        charts=charts_html,
        has_handoffs=bool(comparison.handoffs),
        alpha=comparison.alpha,
        prediction=prediction_rows(prediction, lang) if prediction else [],
        prediction_intro=prediction_intro(prediction, lang) if prediction else "",
        waits=cause_change_rows(cause_changes, lang) if cause_changes else [],
        waits_heads=cause_change_heads(lang),
    )


def write_report(
    comparison: Comparison,
    path: str | Path,
    lang: str = "en",
    prediction: dict[str, Any] | None = None,
    cause_changes: list[dict[str, Any]] | None = None,
) -> Path:
    """Write the report to ``path`` (UTF-8) and return the path."""
    target = Path(path)
    target.write_text(build_report(comparison, lang, prediction, cause_changes), encoding="utf-8")
    return target
