"""LoanFlow's one chart style: fonts, colours, the plotly template, and department colours.

The dashboard's figures (:mod:`dashboard.figures`), the HTML report's charts
(:mod:`report.charts`) and the CLI's SVG map (:mod:`analysis.map_render`) draw with these.

A department keeps one colour everywhere: :func:`department_colour` derives it from the
department's name (a CRC-32 of its UTF-8 bytes picks a colour of
:data:`DEPARTMENT_PALETTE`), so it is the same in every page, filter, figure and run.
:func:`department_colours` colours a set of departments that way, moving a department
whose colour another one of the set already has to the next free colour (in name order);
given the same set (a dataset's departments, not a filtered selection's) it gives the
same colours.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

# Fonts that hold the CJK characters of departments and activities, Traditional first.
FONT = "Noto Sans CJK TC, Noto Sans CJK SC, PingFang TC, Microsoft JhengHei, sans-serif"
FONT_SIZE = 12

# Categorical colours for series that are not departments (trend bars, wait vs processing).
PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
WAIT_COLOUR = "#d62728"
PROCESSING_COLOUR = "#1f77b4"
BEFORE_COLOUR = "#7f8c8d"
AFTER_COLOUR = "#1f77b4"
BETTER_COLOUR = "#2ca02c"
WORSE_COLOUR = "#d62728"
NEUTRAL_COLOUR = "#555555"
# The five causes of waiting, in precedence order, each with one colour (the Why waiting
# page, the case timeline and the report's before/after section).
CAUSES: tuple[str, ...] = (
    "batching",
    "contention",
    "prioritization",
    "unavailability",
    "extraneous",
)
CAUSE_COLOURS: dict[str, str] = {
    "batching": "#7b3294",
    "contention": "#d7301f",
    "prioritization": "#fc8d59",
    "unavailability": "#636363",
    "extraneous": "#9ecae1",
}
UNKNOWN_DEPARTMENT_COLOUR = "#9e9e9e"  # no department recorded; virtual start/end nodes
GRID = "#e5e9f0"

# Department colours: dark enough for white labels, no greys (grey means "unknown").
DEPARTMENT_PALETTE: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#393b79", "#637939", "#8c6d31",
    "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1",
)  # fmt: skip

# A small plotly template as plain data (plotly's named templates take ~0.1 s to
# validate on every figure).
TEMPLATE: dict[str, Any] = {
    "layout": {
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "colorway": list(PALETTE),
        "font": {"family": FONT, "size": FONT_SIZE},
        "xaxis": {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID, "automargin": True},
        "yaxis": {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID, "automargin": True},
    }
}


def layout(title: str | None = None, height: int | None = None) -> dict[str, Any]:
    """The layout every LoanFlow chart starts from: template, font, margins, legend.

    The legend sits above the plot, left-aligned, so it never covers axis labels
    (rotated category labels included) nor sits under the modebar (the chart's toolbar,
    top right); a title sits above it.
    """
    spec: dict[str, Any] = {
        "template": TEMPLATE,
        "font": {"family": FONT, "size": FONT_SIZE},
        "margin": {"l": 50, "r": 20, "t": 80 if title else 40, "b": 40},
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.02,
            "yanchor": "bottom",
        },
    }
    if title:
        spec["title"] = {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}}
    if height:
        spec["height"] = height
    return spec


def department_colour(department: str | None) -> str:
    """The colour of a department, derived from its name alone (grey when unknown)."""
    if not isinstance(department, str) or not department:
        return UNKNOWN_DEPARTMENT_COLOUR
    return DEPARTMENT_PALETTE[_slot(department)]


def _slot(department: str) -> int:
    return zlib.crc32(department.encode("utf-8")) % len(DEPARTMENT_PALETTE)


def department_colours(departments: Iterable[str | None]) -> dict[str, str]:
    """Colours of a set of departments: each its own :func:`department_colour`, unless a
    department earlier in name order took it, then the next free one."""
    names = sorted({d for d in departments if isinstance(d, str) and d})
    taken: set[int] = set()
    colours: dict[str, str] = {}
    for name in names:
        slot = _slot(name)
        if len(taken) < len(DEPARTMENT_PALETTE):
            while slot in taken:
                slot = (slot + 1) % len(DEPARTMENT_PALETTE)
        taken.add(slot)
        colours[name] = DEPARTMENT_PALETTE[slot]
    return colours
