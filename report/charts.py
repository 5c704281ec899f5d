"""Charts of a before/after comparison, as plotly figures.

The HTML report embeds them; the dashboard's Compare page can show the same figures:
:func:`ecdf_figure`, :func:`forest_figure`, :func:`handoff_delta_figure` and
:func:`mix_figure` each take an :class:`analysis.compare.Comparison` and a language;
:func:`cause_change_figure` takes :func:`analysis.waits.report.cause_changes`'s output.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.compare import Comparison, Metric
from vocabulary import cause_label, metric_label, normalise_language, style, t
from vocabulary.style import (
    AFTER_COLOUR,
    BEFORE_COLOUR,
    BETTER_COLOUR,
    CAUSE_COLOURS,
    CAUSES,
    NEUTRAL_COLOUR,
    WORSE_COLOUR,
)

MAX_POINTS = 2000


def _layout(figure: go.Figure, title: str, height: int = 420) -> go.Figure:
    """The figure in LoanFlow's one chart style (:func:`vocabulary.style.layout`)."""
    figure.update_layout(style.layout(title, height))
    return figure


def _ecdf_points(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted values and their cumulative shares, thinned to at most MAX_POINTS steps."""
    x = np.sort(values[np.isfinite(values)])
    if len(x) == 0:
        return x, x
    y = np.arange(1, len(x) + 1) / len(x)
    if len(x) > MAX_POINTS:
        keep = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).astype(int))
        x, y = x[keep], y[keep]
    return x, y


def ecdf_figure(comparison: Comparison, lang: str = "en") -> go.Figure:
    """Empirical cumulative distribution of cycle time (hours), before and after.

    A curve further left means cases finish sooner; the horizontal gap at 50% is the change
    of the median.
    """
    lang = normalise_language(lang, strict=True)
    figure = go.Figure()
    sides = (
        (comparison.cycle_times_before, t("compare.before", lang), BEFORE_COLOUR),
        (comparison.cycle_times_after, t("compare.after", lang), AFTER_COLOUR),
    )
    for values, name, colour in sides:
        x, y = _ecdf_points(np.asarray(values, dtype=np.float64))
        figure.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line={"shape": "hv", "color": colour, "width": 2},
                name=f"{name} (n = {len(values):,})",
                hovertemplate="%{x:,.1f} h: %{y:.0%}<extra>" + name + "</extra>",
            )
        )
    figure.add_hline(y=0.5, line={"dash": "dot", "color": "#999999", "width": 1})
    figure.update_xaxes(title=t("report.ecdf_x", lang), rangemode="tozero")
    figure.update_yaxes(title=t("report.ecdf_y", lang), tickformat=".0%", range=[0, 1.02])
    return _layout(figure, t("report.ecdf_title", lang))


def _colour(metric: Metric) -> str:
    if metric.worsened():
        return WORSE_COLOUR
    if metric.improved():
        return BETTER_COLOUR
    return NEUTRAL_COLOUR


def _finite(interval: tuple[float, float]) -> bool:
    return all(math.isfinite(v) for v in interval)


def forest_metrics(comparison: Comparison) -> list[Metric]:
    """The metrics a forest plot can show: shares with a finite interval for their change
    in points, the others with a finite interval for their relative change."""
    shown = []
    for m in comparison.metrics:
        if m.unit == "share":
            if math.isfinite(m.change_abs) and _finite(m.ci95_abs):
                shown.append(m)
        elif math.isfinite(m.change) and _finite(m.ci95):
            shown.append(m)
    return shown


def _forest_trace(metrics: list[Metric], lang: str, *, absolute: bool) -> go.Scatter:
    values = [m.change_abs if absolute else m.change for m in metrics]
    intervals = [m.ci95_abs if absolute else m.ci95 for m in metrics]
    unit = t("unit.points_short", lang) if absolute else "%"
    scale = 100.0 if absolute else 1.0
    number = "%{x:+.1f}" if absolute else "%{x:+.1%}"
    bounds = (
        "[%{customdata[0]:+.1f}, %{customdata[1]:+.1f}]"
        if absolute
        else "[%{customdata[0]:+.1%}, %{customdata[1]:+.1%}]"
    )
    return go.Scatter(
        x=[v * scale for v in values],
        y=[metric_label(m.name, lang) for m in metrics],
        mode="markers",
        marker={"color": [_colour(m) for m in metrics], "size": 9, "symbol": "diamond"},
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [(i[1] - v) * scale for v, i in zip(values, intervals, strict=True)],
            "arrayminus": [(v - i[0]) * scale for v, i in zip(values, intervals, strict=True)],
            "color": "#888888",
            "thickness": 1.5,
        },
        customdata=[
            [i[0] * scale, i[1] * scale, m.p_adjusted]
            for m, i in zip(metrics, intervals, strict=True)
        ],
        hovertemplate=f"%{{y}}: {number} {bounds} {unit}"
        + "<br>p = %{customdata[2]:.3g}<extra></extra>",
        showlegend=False,
    )


def forest_figure(comparison: Comparison, lang: str = "en") -> go.Figure:
    """The change of every metric with its 95% interval (a forest plot), in two panels:
    relative change for durations and per-case figures, change in percentage points for
    shares (a relative change of a small share, 4% -> 78%, would dwarf everything else).

    Green: significantly better; red: significantly worse; grey: not significant or
    neither direction is better. A dotted line marks no change.
    """
    lang = normalise_language(lang, strict=True)
    metrics = forest_metrics(comparison)
    relative = list(reversed([m for m in metrics if m.unit != "share"]))
    points = list(reversed([m for m in metrics if m.unit == "share"]))
    rows = [group for group in (relative, points) if group]
    figure = make_subplots(
        rows=max(len(rows), 1),
        cols=1,
        row_heights=[len(group) for group in rows] or [1],
        vertical_spacing=0.12 if len(rows) > 1 else 0.0,
    )
    row = 0
    for group, absolute in ((relative, False), (points, True)):
        if not group:
            continue
        row += 1
        figure.add_trace(_forest_trace(group, lang, absolute=absolute), row=row, col=1)
        figure.add_vline(x=0, line={"dash": "dot", "color": "#999999"}, row=row, col=1)
        figure.update_xaxes(
            title=t("report.forest_points_x" if absolute else "report.forest_x", lang),
            # points on the ticks in English; the axis title says it in Chinese
            ticksuffix=" pp" if absolute and lang == "en" else "",
            tickformat="+.0f" if absolute else "+.0%",
            zeroline=False,
            row=row,
            col=1,
        )
    return _layout(
        figure,
        t("report.forest_title", lang),
        height=max(320, 28 * len(metrics) + 90 * len(rows) + 80),
    )


def handoff_delta_figure(
    comparison: Comparison, lang: str = "en", value: str = "per_case"
) -> go.Figure:
    """Heatmap of the change of handoffs between departments (rows: from, columns: to).

    Blue cells: fewer handoffs (or shorter waits) after; red: more (or longer).
    """
    lang = normalise_language(lang, strict=True)
    departments, matrix = comparison.handoff_matrix(value)
    digits = 2 if value == "per_case" else 1
    labels = [["" if math.isnan(v) else f"{v:+.{digits}f}" for v in row] for row in matrix]
    limit = float(np.nanmax(np.abs(matrix))) if np.isfinite(matrix).any() else 1.0
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=departments,
            y=departments,
            text=labels,
            texttemplate="%{text}",
            colorscale="RdBu_r",
            zmid=0,
            zmin=-limit,
            zmax=limit,
            hoverongaps=False,
            hovertemplate="%{y} → %{x}: %{z:+.2f}<extra></extra>",
        )
    )
    figure.update_xaxes(title=t("handoffs.to_dept", lang), side="bottom")
    figure.update_yaxes(title=t("handoffs.from_dept", lang), autorange="reversed")
    title = t("report.heatmap_title" if value == "per_case" else "report.heatmap_wait_title", lang)
    return _layout(figure, title, height=max(360, 60 * len(departments) + 140))


def mix_figure(comparison: Comparison, lang: str = "en") -> go.Figure:
    """Share of cases per stratum (amount band x product), before and after."""
    lang = normalise_language(lang, strict=True)
    strata = comparison.mix.strata
    labels = [f"{s.amount_band} · {s.product}" for s in strata]
    figure = go.Figure(
        [
            go.Bar(
                x=labels,
                y=[s.share_before for s in strata],
                name=t("compare.before", lang),
                marker_color=BEFORE_COLOUR,
            ),
            go.Bar(
                x=labels,
                y=[s.share_after for s in strata],
                name=t("compare.after", lang),
                marker_color=AFTER_COLOUR,
            ),
        ]
    )
    figure.update_layout(barmode="group")
    figure.update_yaxes(tickformat=".0%")
    return _layout(figure, t("report.mix_title", lang), height=380)


def cause_change_figure(
    changes: Sequence[Mapping[str, Any]], lang: str = "en", top: int = 8
) -> go.Figure:
    """How each handoff's causes of waiting changed: per handoff (most waiting first, at
    most ``top``), a bar before and a bar after, each stacked by cause (hours per case).

    ``changes`` is :func:`analysis.waits.report.cause_changes`'s output.
    """
    lang = normalise_language(lang, strict=True)
    shown = list(changes[:top])
    sides = (("before", t("compare.before", lang)), ("after", t("compare.after", lang)))
    # first handoff on top; within a handoff, before above after
    labels = [
        f"{c['from']} → {c['to']} · {name}" for c in reversed(shown) for _, name in sides[::-1]
    ]
    figure = go.Figure()
    for cause in CAUSES:
        figure.add_trace(
            go.Bar(
                y=labels,
                x=[float(c[side][cause]) for c in reversed(shown) for side, _ in sides[::-1]],
                name=cause_label(cause, lang),
                orientation="h",
                marker_color=CAUSE_COLOURS[cause],
                hovertemplate="%{y}: %{x:,.2f} h<extra>" + cause_label(cause, lang) + "</extra>",
            )
        )
    figure.update_xaxes(title=t("waits.per_case", lang), rangemode="tozero")
    _layout(figure, t("report.waits_chart_title", lang), height=max(320, 26 * len(labels) + 140))
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})  # causes in precedence
    return figure
