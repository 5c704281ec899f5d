"""Every chart of the dashboard, built from the data the analysis functions return.

Pure functions: data in, a plotly figure (or cytoscape elements) out; no store access.
Labels come from :mod:`vocabulary` in the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analysis.dataset_facts import DatasetTimeZone
from analysis.handoffs import pingpong_pairs
from vocabulary import cause_label, style, t
from vocabulary.style import PALETTE, department_colours

Colours = Mapping[str, str]  # department -> colour (see vocabulary.style.department_colours)


def _colours(colours: Colours | None, departments: Sequence[Any]) -> Colours:
    """The given department colours (a dataset's, the same under every filter), or those of
    the departments in the figure."""
    return colours if colours is not None else department_colours(departments)


def _base(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """The figure with LoanFlow's chart style (:func:`vocabulary.style.layout`).

    The figure is rebuilt from its layout as plain data rather than updated in place:
    ``update_layout`` validates the template anew on every chart, several milliseconds
    each, and a page draws several charts per filter change."""
    spec = fig.layout.to_plotly_json()
    spec.update(style.layout(title, height))
    return go.Figure(data=fig.data, layout=spec, _validate=False)


def plain_names(values: Iterable[Any]) -> list[str]:
    """Names from the log as plain text in a chart: plotly reads ``<a href=...>``, ``<b>``
    and the like in labels as markup (a live link in an activity or resource name), so
    ``<`` and ``>`` are written as entities, which plotly shows as the characters."""
    return [str(v).replace("<", "&lt;").replace(">", "&gt;") for v in values]


def _figure(data: Any = None, **layout: Any) -> go.Figure:
    """A figure built without plotly's per-property validation (the inputs are ours, and
    validation costs tens of milliseconds per chart)."""
    return go.Figure(data=data, layout=layout, _validate=False)


# Date axes in numbers (2025-03-09, 2025-03, 2025), the same in every language: plotly's
# own labels ("Mar 9 2025") are English. Plotly takes the first stop whose range holds the
# tick step, ends included: times of day only for steps shorter than a day.
DATE_TICKS = [
    {"dtickrange": [None, 86_399_999], "value": "%m-%d %H:%M"},
    {"dtickrange": [86_400_000, "M1"], "value": "%Y-%m-%d"},
    {"dtickrange": ["M1", "M12"], "value": "%Y-%m"},
    {"dtickrange": ["M12", None], "value": "%Y"},
]


def _date_axis(fig: go.Figure) -> None:
    fig.update_xaxes(type="date", tickformatstops=DATE_TICKS, hoverformat="%Y-%m-%d %H:%M")


UTC_ZONE = DatasetTimeZone("UTC")


def wall_clock(values: Any, zone: DatasetTimeZone | None = None) -> pd.Series:
    """Instants (aware, or naive UTC) as the clock of the dataset's zone reads them, without
    a zone: plotly and the tables show a time as written (plotly drops an offset), so
    converting first is what puts the bank's 09:00 at 09:00."""
    stamps = pd.to_datetime(pd.Series(values), utc=True)
    return stamps.dt.tz_convert((zone or UTC_ZONE).name).dt.tz_localize(None)


def _time_axis(fig: go.Figure, lang: str, zone: DatasetTimeZone | None) -> None:
    """A date axis of times of day, titled with the zone they are in."""
    _date_axis(fig)
    fig.update_xaxes(title_text=t("common.time_in_zone", lang, zone=(zone or UTC_ZONE).label))


def empty_figure(message: str) -> go.Figure:
    """A blank chart carrying a message (no data for the selection)."""
    fig = _figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base(fig)


# --- overview ----------------------------------------------------------------------------


def weekly_trends_figure(weekly: pd.DataFrame, lang: str) -> go.Figure:
    """Cases started and closed per week (bars) and the median cycle time of closed cases.

    ``weekly`` has columns week, started, closed, median_cycle_time_hours.
    """
    if weekly.empty:
        return empty_figure(t("common.no_data", lang))
    # weeks the extract covers only in part (analysis.trends: ``complete``) are drawn pale
    complete = weekly["complete"].tolist() if "complete" in weekly else [True] * len(weekly)
    opacity = [1.0 if whole else 0.35 for whole in complete]
    fig = _figure()
    fig.add_trace(
        go.Bar(
            x=weekly["week"],
            y=weekly["started"],
            name=t("overview.trend.started", lang),
            marker={"color": PALETTE[0], "opacity": opacity},
        )
    )
    fig.add_trace(
        go.Bar(
            x=weekly["week"],
            y=weekly["closed"],
            name=t("overview.trend.closed", lang),
            marker={"color": PALETTE[2], "opacity": opacity},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=weekly["week"],
            y=weekly["median_cycle_time_hours"],
            name=t("overview.trend.median", lang),
            mode="lines+markers",
            line={"color": PALETTE[3]},
            marker={"symbol": ["circle" if whole else "circle-open" for whole in complete]},
            yaxis="y2",
        )
    )
    if not all(complete):
        fig.add_annotation(
            text=t("overview.trend.incomplete", lang),
            xref="paper",
            yref="paper",
            x=1,
            y=-0.1,
            showarrow=False,
            xanchor="right",
            yanchor="top",
            font={"size": 11, "color": "#6c757d"},
        )
    fig.update_layout(
        barmode="group",
        yaxis={"title": {"text": t("common.cases", lang)}},
        yaxis2={
            "title": {"text": t("common.hours", lang)},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
    )
    _date_axis(fig)
    _week_ticks(fig, weekly["week"])
    fig = _base(fig)
    if not all(complete):  # the note on pale weeks sits under the axis, right, clear of the legend
        fig.layout.margin.b = 64
    return fig


WEEK_LABELS = 12  # the most week labels a weekly chart's axis carries


def _week_ticks(fig: go.Figure, weeks: Iterable[Any]) -> None:
    """Label a weekly chart's x axis at the weeks' first days (Mondays), every week or
    every k-th, at most :data:`WEEK_LABELS`: plotly's own ticks fall between the weeks (on
    Sundays, every 2-3 days) and, on a log of a week or so, repeat one date at hourly
    steps."""
    days = sorted({pd.Timestamp(week) for week in weeks})
    shown = days[:: math.ceil(len(days) / WEEK_LABELS)] if days else []
    fig.update_xaxes(
        tickmode="array",
        tickvals=shown,
        ticktext=[day.strftime("%Y-%m-%d") for day in shown],
        hoverformat="%Y-%m-%d",
    )


# --- handoffs ----------------------------------------------------------------------------

HANDOFF_MEASURES = {
    "count": "handoffs.count",
    "median_wait_hours": "handoffs.median",
    "p90_wait_hours": "handoffs.p90",
    "total_wait_hours": "handoffs.total",
    "pingpong_cases": "handoffs.pingpong",
}


def handoff_heatmap(matrix: pd.DataFrame, measure: str, lang: str) -> go.Figure:
    """The department x department matrix (rows: from, columns: to) as a heatmap."""
    if matrix.empty:
        return empty_figure(t("common.no_data", lang))
    values = matrix.to_numpy(dtype=float)
    text = [
        ["" if math.isnan(v) else f"{v:,.0f}" if v >= 10 else f"{v:,.1f}" for v in row]
        for row in values
    ]
    fig = _figure(
        go.Heatmap(
            z=values,
            x=list(matrix.columns),
            y=list(matrix.index),
            text=text,
            texttemplate="%{text}",
            colorscale="Reds",
            hoverongaps=False,
            colorbar={"title": {"text": t(HANDOFF_MEASURES[measure], lang)}},
            hovertemplate=t("handoffs.from_dept", lang)
            + ": %{y}<br>"
            + t("handoffs.to_dept", lang)
            + ": %{x}<br>%{z:,.1f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=t("handoffs.to_dept", lang), side="bottom")
    fig.update_yaxes(title_text=t("handoffs.from_dept", lang), autorange="reversed")
    return _base(fig)


def handoff_sankey(table: pd.DataFrame, lang: str, colours: Colours | None = None) -> go.Figure:
    """Flows between departments: link width = handoffs, hover = median and total wait.

    Departments appear twice (as source on the left, as target on the right) so that
    back-and-forth flows do not form cycles, which a Sankey cannot draw.
    """
    if table.empty:
        return empty_figure(t("common.no_data", lang))
    sources = sorted(set(table["from"]))
    targets = sorted(set(table["to"]))
    colours = _colours(colours, [*sources, *targets])
    labels = [*sources, *targets]
    index_from = {d: i for i, d in enumerate(sources)}
    index_to = {d: len(sources) + i for i, d in enumerate(targets)}
    fig = _figure(
        go.Sankey(
            node={
                "label": labels,
                "color": [colours.get(d, style.department_colour(d)) for d in labels],
                "pad": 18,
                "thickness": 16,
            },
            link={
                "source": [index_from[d] for d in table["from"]],
                "target": [index_to[d] for d in table["to"]],
                "value": table["count"].tolist(),
                "customdata": np.stack(
                    [table["median_wait_hours"].to_numpy(), table["total_wait_hours"].to_numpy()],
                    axis=1,
                ),
                "hovertemplate": "%{source.label} → %{target.label}<br>"
                + t("handoffs.count", lang)
                + ": %{value:,}<br>"
                + t("handoffs.median", lang)
                + ": %{customdata[0]:,.1f}<br>"
                + t("handoffs.total", lang)
                + ": %{customdata[1]:,.0f}<extra></extra>",
            },
        )
    )
    return _base(fig)


def pingpong_bars(table: pd.DataFrame, lang: str) -> go.Figure:
    """Ping-pong cases per department pair, each unordered pair once (X ⇄ Y), largest
    first; ``table`` is a handoff table (see :func:`analysis.handoffs.pingpong_pairs`)."""
    pairs = pingpong_pairs(table)
    if pairs.empty:
        return empty_figure(t("common.no_data", lang))
    rows = pairs.iloc[::-1]
    fig = _figure(
        go.Bar(
            x=rows["pingpong_cases"],
            y=rows["department_a"] + " ⇄ " + rows["department_b"],
            orientation="h",
            marker_color=PALETTE[3],
        )
    )
    fig.update_xaxes(title_text=t("handoffs.pingpong", lang))
    return _base(fig, height=max(260, 28 * len(rows) + 80))


# --- bottlenecks -------------------------------------------------------------------------


def wait_vs_processing(frame: pd.DataFrame, name_column: str, lang: str) -> go.Figure:
    """Stacked horizontal bars: median waiting and median processing per activity/department.

    ``frame`` has ``name_column``, median_wait_hours, median_processing_hours and is shown
    in the given order (the most waiting first).
    """
    if frame.empty:
        return empty_figure(t("common.no_data", lang))
    rows = frame.iloc[::-1]
    names = plain_names(rows[name_column])
    fig = _figure(
        [
            go.Bar(
                y=names,
                x=rows["median_wait_hours"],
                name=t("bottlenecks.waiting", lang),
                orientation="h",
                marker_color=style.WAIT_COLOUR,
            ),
            go.Bar(
                y=names,
                x=rows["median_processing_hours"],
                name=t("bottlenecks.processing", lang),
                orientation="h",
                marker_color=style.PROCESSING_COLOUR,
            ),
        ]
    )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=t("common.hours", lang))
    return _base(fig, height=max(300, 24 * len(rows) + 100))


def workload_bars(
    frame: pd.DataFrame, lang: str, top: int = 25, colours: Colours | None = None
) -> go.Figure:
    """Activity instances per resource (the busiest ``top``), one colour and one legend
    entry per department."""
    if frame.empty:
        return empty_figure(t("common.no_data", lang))
    rows = frame.head(top).iloc[::-1].copy()
    rows["department"] = [d if isinstance(d, str) and d else "–" for d in rows["department"]]
    colours = _colours(colours, rows["department"].tolist())
    rows["label"] = plain_names(rows["resource"])
    order = rows["label"].tolist()
    traces = [
        go.Bar(
            x=group["instances"],
            y=group["label"],
            orientation="h",
            name=plain_names([department])[0],
            marker_color=colours.get(str(department), style.department_colour(None)),
        )
        for department, group in rows.groupby("department", sort=True)
    ]
    fig = _figure(traces)
    fig.update_yaxes(categoryorder="array", categoryarray=order)
    fig.update_xaxes(title_text=t("bottlenecks.instances", lang))
    fig.update_layout(showlegend=True)
    figure = _base(fig, height=max(300, 20 * len(rows) + 130))
    figure.layout.legend = {
        "title": {"text": t("common.department", lang)},
        "orientation": "h",
        "yanchor": "bottom",
        "y": 1.0,
        "x": 0,
    }
    return figure


def wip_figure(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Open cases over time (columns ts/day/week and wip)."""
    if frame.empty:
        return empty_figure(t("common.no_data", lang))
    x_column = next(c for c in frame.columns if c != "wip")
    fig = _figure(
        go.Scatter(
            x=frame[x_column],
            y=frame["wip"],
            mode="lines",
            fill="tozeroy",
            line={"color": PALETTE[4]},
        )
    )
    fig.update_yaxes(title_text=t("bottlenecks.wip_axis", lang), rangemode="tozero")
    _date_axis(fig)
    return _base(fig)


# --- variants ----------------------------------------------------------------------------


def variant_label(rank: int, activities: Sequence[str], per_line: int = 5) -> str:
    """A variant's axis label: its rank and its whole sequence, ``per_line`` activities to
    a line ("#3 受理 → 審核 → 放款")."""
    names = list(activities)
    lines = [" → ".join(names[i : i + per_line]) for i in range(0, len(names), per_line)]
    return f"#{rank} " + "<br>→ ".join(lines)


def variants_figure(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Share of cases per variant, every bar labelled with its rank and sequence; the
    whole sequence, cases and median cycle time in the hover."""
    if frame.empty:
        return empty_figure(t("common.no_data", lang))
    rows = frame.iloc[::-1]
    ranks = rows["rank"] if "rank" in rows else pd.Series(range(len(rows), 0, -1))
    names = [
        variant_label(int(rank), acts) for rank, acts in zip(ranks, rows["activities"], strict=True)
    ]
    sequences = [" → ".join(acts) for acts in rows["activities"]]
    fig = _figure(
        go.Bar(
            x=rows["share"],
            y=names,
            orientation="h",
            marker_color=PALETTE[0],
            customdata=np.stack(
                [rows["cases"], rows["median_cycle_time_hours"], sequences], axis=1
            ),
            hovertemplate="%{customdata[2]}<br>"
            + t("variants.cases", lang)
            + ": %{customdata[0]:,}<br>"
            + t("variants.median", lang)
            + ": %{customdata[1]:,.1f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=t("variants.share", lang), tickformat=".0%")
    fig.update_yaxes(tickmode="array", tickvals=names, ticktext=names, automargin=True)
    lines = sum(name.count("<br>") + 1 for name in names)
    return _base(fig, height=max(300, 22 * lines + 16 * len(rows) + 120))


# --- cases -------------------------------------------------------------------------------


def gantt_labels(rows: pd.DataFrame, span_seconds: float, room: float = 0.05) -> list[str]:
    """The activity names written beside one department's bars (sorted by start): a bar
    whose next bar starts within ``room`` of the case's time span keeps its name for the
    hover only, so that names do not print over each other."""
    starts = rows["start_ts"].tolist()
    names = rows["activity"].astype(str).tolist()
    labels = []
    for i, name in enumerate(names):
        gap = (starts[i + 1] - starts[i]).total_seconds() if i + 1 < len(starts) else None
        crowded = gap is not None and span_seconds > 0 and gap < room * span_seconds
        labels.append("" if crowded else name)
    return labels


def case_gantt(
    instances: pd.DataFrame,
    lang: str,
    colours: Colours | None = None,
    zone: DatasetTimeZone | None = None,
) -> go.Figure:
    """One case's activity instances as bars on a time axis, one row per department, in the
    dataset's time zone (``zone``, UTC when not given), which the axis names.

    ``instances`` has activity, department, resource, start_ts, end_ts (NaT: open).
    """
    if instances.empty:
        return empty_figure(t("common.no_data", lang))
    frame = instances.copy()
    frame["start_ts"] = wall_clock(frame["start_ts"], zone).to_numpy()
    frame["end_ts"] = wall_clock(frame["end_ts"], zone).to_numpy()
    frame["department"] = frame["department"].fillna("–")
    open_end = frame["end_ts"].isna()
    frame.loc[open_end, "end_ts"] = frame["start_ts"].max()
    colours = _colours(colours, frame["department"].tolist())
    span = (frame["end_ts"].max() - frame["start_ts"].min()).total_seconds()
    fig = _figure()
    for department, rows in frame.sort_values("start_ts").groupby("department", sort=True):
        duration_ms = (rows["end_ts"] - rows["start_ts"]).dt.total_seconds() * 1000
        fig.add_trace(
            go.Bar(
                base=rows["start_ts"],
                x=duration_ms.clip(lower=60_000),
                y=[department] * len(rows),
                orientation="h",
                name=str(department),
                marker_color=colours.get(str(department), style.department_colour(None)),
                text=gantt_labels(rows, span),
                textposition="outside",
                textangle=0,
                cliponaxis=False,
                textfont={"size": 11},
                customdata=np.stack([rows["activity"], rows["resource"].fillna("–")], axis=1),
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>"
                "%{base|%Y-%m-%d %H:%M}<extra></extra>",
            )
        )
    _time_axis(fig, lang, zone)
    fig.update_layout(barmode="overlay", showlegend=False)
    return _base(fig, height=min(470, max(260, 60 * frame["department"].nunique() + 100)))


# --- conformance -------------------------------------------------------------------------


def fitness_histogram(fitness: Sequence[float], lang: str) -> go.Figure:
    """Distribution of the per-case fitness (0..1)."""
    values = [v for v in fitness if v is not None and not math.isnan(v)]
    if not values:
        return empty_figure(t("common.no_data", lang))
    fig = _figure(
        go.Histogram(
            x=values, xbins={"start": 0, "end": 1.0001, "size": 0.05}, marker_color=PALETTE[0]
        )
    )
    fig.update_xaxes(title_text=t("conformance.fitness", lang), range=[0, 1.02])
    fig.update_yaxes(title_text=t("common.cases", lang))
    return _base(fig)


def figure_payload(fig: go.Figure) -> dict[str, Any]:
    """A figure as the plain dict a dcc.Graph accepts."""
    return fig.to_plotly_json()


# --- process map (dash-cytoscape) --------------------------------------------------------


def _edge_width(count: float, largest: float) -> float:
    return 1.0 + 9.0 * math.sqrt(count / largest) if largest > 0 else 1.0


def process_map_elements(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    mode: str,
    lang: str,
    start: str,
    end: str,
    colours: Colours | None = None,
) -> list[dict[str, Any]]:
    """Cytoscape elements of a process map.

    ``mode`` "frequency": labels and widths by count; "performance": edge labels are the
    median waiting time, edge colour grows with it, node labels the median processing time.
    Nodes are coloured by department; the virtual start and end nodes are round and grey.
    """
    colours = _colours(colours, nodes["department"].tolist() if not nodes.empty else [])
    elements: list[dict[str, Any]] = []
    for virtual, name in ((start, t("map.start", lang)), (end, t("map.end", lang))):
        elements.append(
            {"data": {"id": virtual, "label": name, "kind": "virtual"}, "classes": "virtual"}
        )
    for _, node in nodes.iterrows():
        if mode == "performance":
            figure = fmt_hours_short(node["median_processing_hours"])
        else:
            figure = f"{int(node['count']):,}"
        elements.append(
            {
                "data": {
                    "id": str(node["activity"]),
                    "label": f"{node['activity']}\n{figure}",
                    "department": node["department"] if isinstance(node["department"], str) else "",
                    "colour": colours.get(node["department"], style.department_colour(None))
                    if isinstance(node["department"], str)
                    else style.department_colour(None),
                    "count": int(node["count"]),
                    "kind": "activity",
                },
            }
        )
    largest = float(edges["count"].max()) if not edges.empty else 0.0
    slowest = (
        float(edges["median_hours"].max())
        if not edges.empty and edges["median_hours"].notna().any()
        else 0.0
    )
    for _, edge in edges.iterrows():
        median = edge["median_hours"]
        has_wait = median is not None and not (isinstance(median, float) and math.isnan(median))
        if mode == "performance":
            label = fmt_hours_short(median) if has_wait else ""
            heat = float(median) / slowest if has_wait and slowest > 0 else 0.0
        else:
            label = f"{int(edge['count']):,}"
            heat = 0.0
        elements.append(
            {
                "data": {
                    "id": f"{edge['from']}→{edge['to']}",
                    "source": str(edge["from"]),
                    "target": str(edge["to"]),
                    "label": label,
                    "count": int(edge["count"]),
                    "width": round(_edge_width(float(edge["count"]), largest), 2),
                    "colour": _heat_colour(heat),
                    "kind": "path",
                }
            }
        )
    return elements


def fmt_hours_short(hours: Any) -> str:
    """A compact duration for map labels, in hours as every duration is shown (the Handoffs
    and Bottlenecks tables give the same medians): 0.5h, 4.2h, 75.0h; language-neutral."""
    if hours is None or (isinstance(hours, float) and math.isnan(hours)):
        return "–"
    return f"{float(hours):,.1f}h"


def _heat_colour(heat: float) -> str:
    """Grey (no wait) to dark red (the slowest path)."""
    heat = max(0.0, min(1.0, heat))
    low, high = (150, 150, 150), (180, 20, 20)
    r, g, b = (round(lo + (hi - lo) * heat) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


MAP_STYLESHEET: list[dict[str, Any]] = [
    {
        "selector": "node",
        "style": {
            "label": "data(label)",
            "text-wrap": "wrap",
            "text-valign": "center",
            "text-halign": "center",
            "shape": "round-rectangle",
            "width": "label",
            "height": "label",
            "padding": "10px",
            "background-color": "data(colour)",
            "color": "#fff",
            "font-size": "12px",
            "font-family": style.FONT,
        },
    },
    {
        "selector": ".virtual",
        "style": {
            "shape": "ellipse",
            "background-color": "#555",
            "width": "46px",
            "height": "46px",
            "font-size": "10px",
        },
    },
    {
        "selector": "edge",
        "style": {
            "curve-style": "bezier",
            "target-arrow-shape": "triangle",
            "width": "data(width)",
            "line-color": "data(colour)",
            "target-arrow-color": "data(colour)",
            "label": "data(label)",
            "font-size": "10px",
            "text-background-color": "#fff",
            "text-background-opacity": 0.85,
            "text-background-padding": "2px",
        },
    },
    {"selector": ":selected", "style": {"overlay-color": "#0d6efd", "overlay-opacity": 0.25}},
]


def map_legend_items(nodes: pd.DataFrame, colours: Colours | None = None) -> list[tuple[str, str]]:
    """(department, colour) pairs for the map's legend (the departments on the map)."""
    if nodes.empty:
        return []
    shown = {d for d in nodes["department"] if isinstance(d, str) and d}
    colours = _colours(colours, list(shown))
    return sorted((d, colours.get(d, style.department_colour(d))) for d in shown)


# --- why waiting -------------------------------------------------------------------------

CAUSES = style.CAUSES
CAUSE_COLOURS = style.CAUSE_COLOURS


def cause_bars(
    rows: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    lang: str,
    share: bool = False,
    per_case: bool = False,
) -> go.Figure:
    """Stacked horizontal bars of the five causes per row (hours, hours per case or
    shares), first row on top; ``names`` label the rows."""
    if not rows:
        return empty_figure(t("waits.none", lang))
    order = list(range(len(rows)))[::-1]
    bars = []
    for cause in CAUSES:
        values = [
            float(rows[k]["shares" if share else "causes"][cause]) * (100 if share else 1)
            for k in order
        ]
        bars.append(
            go.Bar(
                y=[names[k] for k in order],
                x=values,
                name=cause_label(cause, lang),
                orientation="h",
                marker_color=CAUSE_COLOURS[cause],
                hovertemplate="%{y}: %{x:,.1f}" + ("%" if share else " h") + "<extra></extra>",
            )
        )
    fig = _figure(bars, barmode="stack")
    axis = "waits.share" if share else ("waits.per_case" if per_case else "waits.wait_hours")
    fig.update_xaxes(title_text=t(axis, lang))
    fig = _base(fig, height=max(300, 34 * len(rows) + 120))
    fig.update_layout(legend={"orientation": "h", "traceorder": "normal", "y": -0.2})
    return fig


def calendar_heatmap(calendars: Mapping[str, Mapping[str, Any]], lang: str) -> go.Figure:
    """Week heat-map per department: the share of each weekday hour that is working time."""
    if not calendars:
        return empty_figure(t("common.no_data", lang))
    days = [t(f"weekday.{d}", lang) for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]
    labels = [f"{d} {h:02d}" for d in days for h in range(24)]
    names = sorted(calendars)
    z = [[v for day in calendars[n]["hour_grid"] for v in day] for n in names]
    fig = _figure(
        go.Heatmap(
            z=z, x=labels, y=names, colorscale="Blues", zmin=0, zmax=1, showscale=False,
            hovertemplate="%{y} %{x}:00 %{z:.0%}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(title_text=t("waits.weekday_hour", lang), tickvals=labels[::12])
    return _base(fig, height=max(260, 30 * len(names) + 120))


def cause_segments(instance: Mapping[str, Any]) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """An instance's wait as consecutive (cause, from, to) segments from its enablement, in
    precedence order (batching first), each as long as the hours of its cause; causes
    without hours are left out. The last segment ends at the instance's start (up to the
    rounding of the hours)."""
    at = pd.Timestamp(instance["enabled"])
    segments = []
    for cause in CAUSES:
        hours = float(instance["causes"][cause])
        if hours <= 0:
            continue
        end = at + pd.Timedelta(hours=hours)
        segments.append((cause, at, end))
        at = end
    return segments


def _on_clock(moment: pd.Timestamp, zone: DatasetTimeZone | None) -> str:
    return str(wall_clock([moment], zone).iloc[0].isoformat())


def case_wait_timeline(
    instances: Sequence[Mapping[str, Any]], lang: str, zone: DatasetTimeZone | None = None
) -> go.Figure:
    """One case's waits on a time axis: a row per activity instance (in order, first on
    top), its wait drawn from enablement to start as segments coloured by cause in
    precedence order (:func:`cause_segments`), and a mark where its work started; in the
    dataset's time zone (``zone``, UTC when not given), which the axis names."""
    if not instances:
        return empty_figure(t("waits.none", lang))
    names = [f"{k + 1}. {i['activity']} ({i['resource'] or '-'})" for k, i in enumerate(instances)]
    traces: list[Any] = []
    for cause in CAUSES:
        rows, bases, lengths, hours = [], [], [], []
        for name, instance in zip(names, instances, strict=True):
            for found, begin, end in cause_segments(instance):
                if found == cause:
                    rows.append(name)
                    bases.append(_on_clock(begin, zone))
                    lengths.append((end - begin).total_seconds() * 1000)  # ms on a date axis
                    hours.append(float(instance["causes"][cause]))
        traces.append(
            go.Bar(
                y=rows, x=lengths, base=bases, orientation="h", customdata=hours,
                name=cause_label(cause, lang), marker_color=CAUSE_COLOURS[cause],
                hovertemplate="%{y}: %{customdata:,.1f} h<extra>"
                + cause_label(cause, lang) + "</extra>",
            )
        )  # fmt: skip
    traces.append(
        go.Scatter(
            y=names, x=[_on_clock(pd.Timestamp(i["start"]), zone) for i in instances],
            mode="markers", name=t("waits.work_starts", lang),
            marker={"symbol": "line-ns-open", "size": 14, "color": "#222222"},
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )  # fmt: skip
    fig = _figure(traces, barmode="overlay")
    _time_axis(fig, lang, zone)
    fig.update_yaxes(categoryorder="array", categoryarray=names[::-1])
    fig = _base(fig, height=max(260, 30 * len(names) + 140))
    fig.update_layout(legend={"orientation": "h", "traceorder": "normal", "y": -0.2})
    return fig


# --- what if -----------------------------------------------------------------------------


def _error_bar(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, Any]:
    """Asymmetric error bars from each row's ``key`` interval around its mean."""
    mean = "baseline" if key == "baseline_ci95" else "scenario"
    upper = [(r[key][1] - r[mean]) if r.get(key) and r[key][1] is not None else 0 for r in rows]
    lower = [(r[mean] - r[key][0]) if r.get(key) and r[key][0] is not None else 0 for r in rows]
    return {"type": "data", "array": upper, "arrayminus": lower, "visible": True}


def _whatif_bars(
    rows: Sequence[Mapping[str, Any]], labels: list[str], lang: str, horizontal: bool
) -> list[go.Bar]:
    bars = []
    for key, colour, name in (
        ("baseline", PALETTE[0], t("whatif.baseline", lang)),
        ("scenario", PALETTE[1], t("whatif.scenario", lang)),
        ("actual", PALETTE[2], t("whatif.actual_value", lang)),
    ):
        values = [r.get(key) for r in rows]
        if all(v is None for v in values):
            continue
        interval = f"{key}_ci95" if key != "actual" else None
        spec: dict[str, Any] = {"name": name, "marker_color": colour}
        if interval:
            spec["error_x" if horizontal else "error_y"] = _error_bar(rows, interval)
        if horizontal:
            bars.append(go.Bar(x=values, y=labels, orientation="h", **spec))
        else:
            bars.append(go.Bar(x=labels, y=values, **spec))
    return bars


def whatif_cycle_bars(report: Mapping[str, Any], lang: str) -> go.Figure:
    """Median and p90 cycle time: baseline and scenario with 95% intervals, and actual."""
    names = {"median_cycle_time_hours": "whatif.median", "p90_cycle_time_hours": "whatif.p90"}
    rows = [m for m in report["metrics"] if m["name"] in names]
    labels = [t(names[r["name"]], lang) for r in rows]
    fig = _figure(_whatif_bars(rows, labels, lang, horizontal=False), barmode="group")
    fig.update_yaxes(title_text=t("whatif.hours", lang))
    return _base(fig, height=360)


def whatif_metric_bars(report: Mapping[str, Any], prefix: str, lang: str) -> go.Figure:
    """Every metric starting with ``prefix`` (handoff waits, utilisation), as grouped bars."""
    rows = [m for m in report["metrics"] if m["name"].startswith(prefix)]
    if not rows:
        return empty_figure(t("common.no_data", lang))
    labels = plain_names(r["name"][len(prefix) :].replace("->", " → ") for r in rows)
    fig = _figure(_whatif_bars(rows, labels, lang, horizontal=True), barmode="group")
    if prefix.startswith("utilisation"):
        fig.update_xaxes(tickformat=".0%")
    else:
        fig.update_xaxes(title_text=t("whatif.hours", lang))
    return _base(fig, height=max(300, 34 * len(rows) + 120))
