"""The process map: a directly-follows graph over activity instances, with performance.

An edge A -> B counts the instances of B whose **predecessor** (see analysis.predecessors) is
an instance of A; its performance is the waiting time of those instances (median, mean,
p90). Ordering by predecessor rather than by start keeps parallel branches apart (an
instance follows what had finished when it started) and makes the waiting on an edge the
same waiting time the handoff and bottleneck views show. ``order="start"`` gives the
classic directly-follows relation of the instances in case order (start, end, activity name, id),
the one pm4py computes on a log sorted by timestamp; its "wait" can be negative where
instances overlap.

Virtual nodes: :data:`START` -> an instance without predecessor (the first in case order
for ``order="start"``); the case's last instance (latest end, then the later in case
order; the last in case order for ``order="start"``) -> :data:`END`. Nodes carry frequency and
processing time (end - start of completed instances).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pandas as pd

from analysis.filters import Filters
from analysis.prepared_tables import instance_rows_sql, main_department_sql, selected_case_count
from analysis.quantiles import duration_quantiles, optional_median
from analysis.scope import Scope, make_scope

START = "▶ start"
END = "■ end"
Order = Literal["predecessor", "start"]

NODE_COLUMNS = (
    "activity",
    "department",
    "count",
    "cases",
    "median_processing_hours",
    "mean_processing_hours",
    "p90_processing_hours",
    "median_processing_working_hours",
    "starts",
    "ends",
)
EDGE_COLUMNS = (
    "from",
    "to",
    "count",
    "cases",
    "median_hours",
    "mean_hours",
    "p90_hours",
    "median_working_hours",
)


@dataclass(frozen=True)
class ProcessMap:
    """Nodes (:data:`NODE_COLUMNS`) and edges (:data:`EDGE_COLUMNS`) of a process map."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    cases: int
    order: Order = "predecessor"
    hidden_activities: int = 0
    hidden_paths: int = 0

    def to_json(self) -> dict[str, Any]:
        """The ``loanflow map --json`` document: ``nodes``, ``edges`` (and ``cases``, and
        what :func:`simplify` hid: ``hidden_activities``, ``hidden_paths``)."""
        return {
            "cases": self.cases,
            "order": self.order,
            "hidden_activities": self.hidden_activities,
            "hidden_paths": self.hidden_paths,
            "nodes": _records(self.nodes),
            "edges": _records(self.edges),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): (None if isinstance(v, float) and math.isnan(v) else _plain(v))
                for k, v in row.items()
            }
        )
    return out


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _edges_sql(order: Order, working: bool = True) -> str:
    cases = "count(*) FILTER (WHERE first)" if order == "predecessor" else "count(DISTINCT case_id)"
    wait_median, wait_p90 = duration_quantiles("wait_s", (0.5, 0.9))
    stats = (
        f"count(*) AS count, {cases} AS cases,"
        f" {wait_median} / 3600.0 AS median_hours,"
        " avg(wait_s) / 3600.0 AS mean_hours,"
        f" {wait_p90} / 3600.0 AS p90_hours,"
        f" {optional_median('wait_work_s', working)} / 3600.0 AS median_working_hours"
    )
    if order == "predecessor":
        source = (
            "SELECT case_id, pred_activity AS a, activity AS b, wait_s, wait_work_s,"
            " first_of_edge AS first, pred_activity_no AS a_no, activity_no AS b_no FROM di"
        )
        last = "is_last"
    else:
        source = (
            "SELECT case_id, lag(activity) OVER w AS a, activity AS b,"
            " epoch(start_ts) - epoch(lag(end_ts) OVER w) AS wait_s,"
            " CAST(NULL AS DOUBLE) AS wait_work_s"
            " FROM di WINDOW w AS (PARTITION BY case_id ORDER BY seq)"
        )
        last = "seq = max(seq) OVER (PARTITION BY case_id)"
    if order == "predecessor":
        # Grouped by the activities' integer codes (no code: from start); the edges to end
        # are the nodes' ``ends`` (see _with_end_edges).
        return f"""
    SELECT coalesce(any_value(a), '{START}') AS "from", any_value(b) AS "to", {stats}
    FROM ({source}) GROUP BY a_no, b_no
    """
    edges = f"""
    SELECT coalesce(a, '{START}') AS "from", b AS "to", {stats}
    FROM ({source}) GROUP BY 1, 2
    """
    return f"""{edges}
    UNION ALL
    SELECT activity, '{END}', count(*), count(*), NULL, NULL, NULL, NULL
    FROM (SELECT case_id, activity, {last} AS last FROM di) WHERE last GROUP BY 1
    """


def _with_end_edges(edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """The edges plus activity -> end, one per case's last instance: the nodes' ``ends``
    (counted in the nodes' scan, so the instances are read once more, not twice), ordered
    by count (largest first), then from and to, as the SQL orders the other edges."""
    last = nodes[nodes["ends"] > 0]
    end = pd.DataFrame(
        {
            "from": last["activity"].to_numpy(),
            "to": END,
            "count": last["ends"].to_numpy(dtype="int64"),
            "cases": last["ends"].to_numpy(dtype="int64"),
            **{c: float("nan") for c in EDGE_COLUMNS[4:]},
        }
    )
    both = pd.concat([edges, end], ignore_index=True) if len(edges) else end
    return both.sort_values(
        ["count", "from", "to"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def process_map_from_scope(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    order: Order = "predecessor",
    *,
    working: bool = True,
) -> ProcessMap:
    """The process map of a scope (see :func:`process_map`)."""
    derived, params = instance_rows_sql(con, scope)
    proc_median, proc_p90 = duration_quantiles("proc_s", (0.5, 0.9))
    nodes = con.execute(
        f"""
        WITH di AS NOT MATERIALIZED ({derived}),
        main AS ({main_department_sql("di", "activity")}),
        per_activity AS (
            SELECT activity_no, any_value(activity) AS activity, count(*) AS count,
                count(*) FILTER (WHERE first_of_activity) AS cases,
                {proc_median} / 3600.0 AS median_processing_hours,
                avg(proc_s) / 3600.0 AS mean_processing_hours,
                {proc_p90} / 3600.0 AS p90_processing_hours,
                {optional_median("proc_work_s", working)} / 3600.0
                    AS median_processing_working_hours,
                count(*) FILTER (WHERE pred_id IS NULL) AS starts,
                count(*) FILTER (WHERE is_last) AS ends
            FROM di GROUP BY activity_no
        )
        SELECT a.activity, main.department, a.count, a.cases, a.median_processing_hours,
            a.mean_processing_hours, a.p90_processing_hours,
            a.median_processing_working_hours, a.starts, a.ends
        FROM per_activity a LEFT JOIN main USING (activity_no)
        ORDER BY a.count DESC, a.activity
        """,
        params,
    ).fetchdf()
    edges = con.execute(
        f"WITH di AS ({derived}) SELECT * FROM ({_edges_sql(order, working)})"
        ' ORDER BY count DESC, "from", "to"',
        params,
    ).fetchdf()
    if order == "predecessor":
        edges = _with_end_edges(edges, nodes)
    if order == "start":
        nodes = with_start_order_ends(nodes, edges)
    return ProcessMap(nodes, edges, selected_case_count(con, scope), order)


def with_start_order_ends(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """The nodes' ``starts`` and ``ends`` of the map by start order: its edges from
    :data:`START` and to :data:`END` (the first and the last instance in case order)."""
    firsts = edges[edges["from"] == START].set_index("to")["count"]
    nodes["starts"] = nodes["activity"].map(firsts).fillna(0).astype("int64")
    lasts = edges[edges["to"] == END].set_index("from")["count"]
    nodes["ends"] = nodes["activity"].map(lasts).fillna(0).astype("int64")
    return nodes


def process_map(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    order: Order = "predecessor",
    *,
    working: bool = True,
) -> ProcessMap:
    """The directly-follows process map of the selected cases, with frequency and performance.

    Node figures: instances, cases, processing hours (median, mean, p90), how often the
    activity starts or ends a case. Edge figures: instances, cases, waiting hours (median,
    mean, p90). Edges from :data:`START` and to :data:`END` carry no waiting time.
    ``working=False`` leaves the working-time medians NULL (faster; the dashboard does not
    show them).
    """
    return process_map_from_scope(con, make_scope(con, dataset, filters), order, working=working)


def simplify(pmap: ProcessMap, activities: float = 1.0, paths: float = 1.0) -> ProcessMap:
    """Keep the most frequent activities and paths, like Disco's two sliders.

    ``activities`` is the share of activities kept (most frequent first, at least one);
    ``paths`` the share of the edges between kept activities kept (most frequent first).
    So that the map still reads from start to end, every kept activity brings the
    activities of its most frequent path (the widest: largest smallest count) from start
    to it and from it to end, and that path is drawn: at the lowest setting the map is
    the most frequent path through the most frequent activity, never start and end
    alone. (An activity that reaches no end in the full map, the tail of a parallel
    branch, needs no path to end.) The result's ``hidden_activities`` and
    ``hidden_paths`` count what the full map has and this one does not show.
    """
    if not 0.0 <= activities <= 1.0 or not 0.0 <= paths <= 1.0:
        raise ValueError("activities and paths are shares between 0 and 1")
    if pmap.nodes.empty:
        return pmap
    ranked = pmap.nodes.sort_values(["count", "activity"], ascending=[False, True])
    keep = set(ranked["activity"].head(max(1, math.ceil(activities * len(ranked)))))
    # A parallel branch may end nowhere in the full map; only connections the full map
    # has are required of the simplified one.
    to_end = _reach(pmap.edges, END, forward=False)
    keep |= _path_activities(pmap.edges, keep, to_end)
    candidates = _edges_between(pmap.edges, keep)
    ordered = candidates.sort_values(["count", "from", "to"], ascending=[False, True, True])
    chosen = set(ordered.index[: math.ceil(paths * len(ordered))])
    weights = _weights(candidates)
    for target in keep:
        chosen |= _widest_path(weights, START, target)
        if target in to_end:
            chosen |= _widest_path(_reversed(weights), END, target)
    nodes = pmap.nodes[pmap.nodes["activity"].isin(keep)].reset_index(drop=True)
    edges = pmap.edges.loc[sorted(chosen)].reset_index(drop=True)
    return ProcessMap(
        nodes,
        edges,
        pmap.cases,
        pmap.order,
        hidden_activities=len(pmap.nodes) - len(nodes),
        hidden_paths=len(pmap.edges) - len(edges),
    )


def _weights(edges: pd.DataFrame) -> dict[tuple[str, str], tuple[int, Any]]:
    """Edge (from, to) -> (count, row id), for :func:`_widest_path`."""
    return {(r["from"], r["to"]): (int(r["count"]), i) for i, r in edges.iterrows()}


def _reversed(
    weights: dict[tuple[str, str], tuple[int, Any]],
) -> dict[tuple[str, str], tuple[int, Any]]:
    return {(b, a): w for (a, b), w in weights.items()}


def _path_activities(edges: pd.DataFrame, keep: set[str], to_end: set[str]) -> set[str]:
    """The activities on the most frequent paths of the full map from start to each kept
    activity and from it to end (when it reaches one)."""
    weights = _weights(edges)
    backwards = _reversed(weights)
    ids: set[Any] = set()
    for target in keep:
        ids |= _widest_path(weights, START, target)
        if target in to_end:
            ids |= _widest_path(backwards, END, target)
    chosen = edges.loc[sorted(ids)]
    return (set(chosen["from"]) | set(chosen["to"])) - {START, END}


def _edges_between(edges: pd.DataFrame, keep: set[str]) -> pd.DataFrame:
    sources = keep | {START}
    targets = keep | {END}
    return edges[edges["from"].isin(sources) & edges["to"].isin(targets)]


def _reach(edges: pd.DataFrame, origin: str, forward: bool) -> set[str]:
    step: dict[str, list[str]] = {}
    pairs = zip(edges["from"], edges["to"], strict=True)
    for a, b in pairs:
        if forward:
            step.setdefault(a, []).append(b)
        else:
            step.setdefault(b, []).append(a)
    seen, todo = {origin}, [origin]
    while todo:
        for nxt in step.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _widest_path(
    weights: dict[tuple[str, str], tuple[int, Any]], origin: str, target: str
) -> set[Any]:
    """Edge ids of the path from origin to target whose smallest count is largest."""
    best: dict[str, float] = {origin: math.inf}
    parent: dict[str, tuple[str, Any]] = {}
    out: dict[str, list[tuple[str, int, Any]]] = {}
    for (a, b), (count, edge_id) in weights.items():
        out.setdefault(a, []).append((b, count, edge_id))
    heap: list[tuple[float, str]] = [(-math.inf, origin)]
    done: set[str] = set()
    while heap:
        _, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        if node == target:
            break
        for nxt, count, edge_id in out.get(node, []):
            width = min(best[node], count)
            if nxt not in done and width > best.get(nxt, -1):
                best[nxt] = width
                parent[nxt] = (node, edge_id)
                heapq.heappush(heap, (-width, nxt))
    path: set[Any] = set()
    node = target
    while node in parent:
        node, edge_id = parent[node]
        path.add(edge_id)
    return path


def element_condition(
    activity: str | None, source: str | None, target: str | None
) -> tuple[str, list[str]]:
    """The condition on instance rows (and its parameters) picking one element of the map:
    a node (``activity``), or an edge (``source``, ``target``; :data:`START`: without
    predecessor, :data:`END`: the case's last instance)."""
    if source is not None and target is not None:
        if source == START:
            return "pred_id IS NULL AND activity = ?", [target]
        if target == END:
            return "is_last AND activity = ?", [source]
        return "pred_activity = ? AND activity = ?", [source, target]
    if activity is not None:
        return "activity = ?", [activity]
    raise ValueError("give an activity, or a source and a target")


def element_cases(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    filters: Filters | None = None,
    *,
    activity: str | None = None,
    source: str | None = None,
    target: str | None = None,
    limit: int = 200,
) -> pd.DataFrame:
    """The cases behind one element of the (predecessor) map, longest cycle time first.

    A node (``activity``): cases with an instance of it. An edge (``source``, ``target``):
    cases with an instance of ``target`` whose predecessor is an instance of ``source``
    (:data:`START`: without predecessor; :data:`END`: the case's last instance). Columns:
    case_id, outcome, first_ts, last_ts, cycle_time_hours, times (instances matching),
    wait_hours (their total waiting).
    """
    scope = make_scope(con, dataset, filters)
    rows, params = instance_rows_sql(con, scope)
    where, extra = element_condition(activity, source, target)
    sql = f"""
    WITH hits AS (
        SELECT case_id, count(*) AS times, coalesce(sum(wait_s), 0) / 3600.0 AS wait_hours
        FROM ({rows}) WHERE {where} GROUP BY case_id
    )
    SELECT c.case_id, c.outcome, c.first_ts, c.last_ts,
        (epoch(c.last_ts) - epoch(c.first_ts)) / 3600.0 AS cycle_time_hours,
        h.times, h.wait_hours
    FROM hits h JOIN cases c ON c.dataset = ? AND c.case_id = h.case_id
    ORDER BY cycle_time_hours DESC, c.case_id LIMIT {int(limit)}
    """
    return con.execute(sql, [*params, *extra, scope.dataset]).fetchdf()
