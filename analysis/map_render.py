"""Process maps as documents: Graphviz SVG, and a BPMN model by pm4py's inductive miner."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Literal

import duckdb

from analysis.filters import Filters
from analysis.prepared_tables import case_rows_sql
from analysis.process_map import END, START, ProcessMap
from analysis.scope import make_scope
from vocabulary.style import department_colours

Mode = Literal["frequency", "performance"]


def _hours(value: float | None) -> str:
    """A median in hours, as every duration is shown (never days: the handoff and
    bottleneck tables give the same figures in hours)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:,.1f} h"


def to_dot(pmap: ProcessMap, mode: Mode = "frequency") -> str:
    """The map as Graphviz DOT: activities coloured by department, edges labelled with
    their case count (frequency) or median waiting time (performance)."""
    import graphviz

    graph = graphviz.Digraph(
        "process_map", graph_attr={"rankdir": "TB", "fontname": "Noto Sans CJK TC"}
    )
    graph.attr("node", fontname="Noto Sans CJK TC", shape="box", style="rounded,filled")
    graph.attr("edge", fontname="Noto Sans CJK TC")
    colour = department_colours(pmap.nodes["department"].dropna().astype(str))
    ids = {START: "n_start", END: "n_end"}
    graph.node("n_start", "start", shape="circle", style="filled", fillcolor="#dddddd")
    graph.node("n_end", "end", shape="doublecircle", style="filled", fillcolor="#dddddd")
    top = max([int(c) for c in pmap.edges["count"]] or [1])
    for number, row in enumerate(pmap.nodes.to_dict(orient="records")):
        ids[str(row["activity"])] = f"n{number}"
        detail = (
            f"{int(row['count'])}"
            if mode == "frequency"
            else _hours(row["median_processing_hours"])
        )
        department = row["department"] if isinstance(row["department"], str) else ""
        graph.node(
            f"n{number}",
            f"{row['activity']}\n{department}\n{detail}",
            fillcolor=colour.get(department, "#ffffff") + "55",
        )
    for row in pmap.edges.to_dict(orient="records"):
        a, b = ids.get(str(row["from"])), ids.get(str(row["to"]))
        if a is None or b is None:
            continue
        label = str(int(row["count"])) if mode == "frequency" else _hours(row["median_hours"])
        width = 0.8 + 4.0 * int(row["count"]) / top
        graph.edge(a, b, label=label, penwidth=f"{width:.2f}")
    return str(graph.source)


def to_svg(pmap: ProcessMap, mode: Mode = "frequency") -> str:
    """The map drawn by Graphviz ``dot`` as SVG text."""
    import graphviz

    return graphviz.Source(to_dot(pmap, mode)).pipe(format="svg").decode("utf-8")


def discover_bpmn(
    con: duckdb.DuckDBPyConnection, dataset: str, filters: Filters | None = None
) -> str:
    """A BPMN 2.0 model of the selected cases by pm4py's inductive miner, as XML text.

    The miner runs on one trace per variant (its result does not depend on how often a
    variant occurs when the noise threshold is 0), so it stays fast on large logs.
    """
    scope = make_scope(con, dataset, filters)
    rows, params = case_rows_sql(con, scope)
    variants = con.execute(
        f"SELECT DISTINCT variant FROM ({rows}) WHERE len(variant) > 0", params
    ).fetchall()
    return bpmn_from_variants([list(activities) for (activities,) in variants])


def bpmn_from_variants(variants: list[list[str]]) -> str:
    """A BPMN 2.0 model, as XML text, by pm4py's inductive miner on one trace per variant
    (each a list of activities in case order), the variants taken in sorted order whichever
    engine listed them (:func:`discover_bpmn`; the lake's ``map --format bpmn``)."""
    import pm4py
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog()
    for number, activities in enumerate(sorted({tuple(v) for v in variants if v})):
        trace = Trace(attributes={"concept:name": f"variant {number}"})
        for activity in activities:
            trace.append(Event({"concept:name": activity}))
        log.append(trace)
    bpmn = pm4py.discover_bpmn_inductive(log)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "model.bpmn"
        pm4py.write_bpmn(bpmn, str(target))
        return target.read_text(encoding="utf-8")
