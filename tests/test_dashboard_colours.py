"""One colour per department everywhere: every page's figures, under any filter, the case
Gantt, and the CLI's SVG map, on the hand-worked log of tests/test_dashboard_fixtures.py
(客戶經理部, 信貸部, 運營部; 運營部 only in the approved cases C1 and C4)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard import data
from dashboard.views import bottlenecks, cases, handoffs, process_map
from tests.test_dashboard_fixtures import app_store
from vocabulary import style

DEPARTMENTS = ("信貸部", "客戶經理部", "運營部")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from app_store(tmp_path_factory.mktemp("colours"))


@pytest.fixture(autouse=True)
def this_store(store_path: Path) -> None:
    data.configure(store_path)


def _figure(component: Any, graph_id: str) -> dict[str, Any]:
    """The figure of the dcc.Graph ``graph_id`` inside a page body."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
            return
        if getattr(node, "id", None) == graph_id:
            found.append(node.figure)
        walk(getattr(node, "children", None) or [])

    walk(component)
    assert found, graph_id
    figure = found[0]
    return figure if isinstance(figure, dict) else figure.to_plotly_json()


def _map_colours(query: str) -> dict[str, str]:
    elements, legend = process_map.map_elements(query, "frequency", 100, 100)
    nodes = {
        e["data"]["department"]: e["data"]["colour"]
        for e in elements
        if e["data"].get("kind") == "activity" and e["data"]["department"]
    }
    assert dict(legend) == nodes  # the legend says what the nodes show
    return nodes


def _gantt_colours(case_id: str) -> dict[str, str]:
    figure = cases.case_timeline("?dataset=loans", case_id)
    return {trace.name: trace.marker.color for trace in figure.data}


def _workload_colours(query: str) -> dict[str, str]:
    figure = _figure(bottlenecks.bottlenecks_body(query), "bottlenecks-workload")
    return {trace["name"]: trace["marker"]["color"] for trace in figure["data"]}


def _sankey_colours(query: str) -> dict[str, str]:
    figure = _figure(handoffs.handoffs_body(query, "count"), "handoffs-sankey")
    node = figure["data"][0]["node"]
    return dict(zip(node["label"], node["color"], strict=True))


def test_a_department_keeps_its_colour_under_every_filter_and_in_every_figure(
    store_path: Path,
) -> None:
    everything = _map_colours("?dataset=loans")
    assert set(everything) == set(DEPARTMENTS)
    assert len(set(everything.values())) == 3  # three departments, three colours
    seen = [
        _map_colours("?dataset=loans&outcome=approved"),
        _map_colours("?dataset=loans&outcome=rejected"),  # 運營部 absent
        _map_colours("?dataset=loans&product=B"),
        _gantt_colours("C4"),  # 客戶經理部 and 運營部 only
        _gantt_colours("C2"),  # 客戶經理部 and 信貸部 only
        _workload_colours("?dataset=loans"),
        _workload_colours("?dataset=loans&outcome=approved"),
        _sankey_colours("?dataset=loans&product=B"),
    ]
    for colours in seen:
        assert colours, "a figure without departments"
        for department, colour in colours.items():
            assert colour == everything[department], (department, colours)


def test_the_cli_map_colours_departments_the_same_way(store_path: Path) -> None:
    from analysis.map_render import to_dot
    from analysis.process_map import process_map as build_map

    with data.cursor() as con:
        dot = to_dot(build_map(con, "loans"))
    # a node: label="ACTIVITY<newline>DEPARTMENT<newline>COUNT" fillcolor="#rrggbb55"
    node = re.compile(r'label="[^"\n]*\n([^"\n]+)\n[^"]*" fillcolor="(#[0-9a-f]{6})55"')
    drawn = dict(node.findall(dot))
    assert drawn == _map_colours("?dataset=loans")


def test_the_colour_is_derived_from_the_name() -> None:
    for name in DEPARTMENTS:
        slot = zlib.crc32(name.encode("utf-8")) % len(style.DEPARTMENT_PALETTE)
        assert style.department_colour(name) == style.DEPARTMENT_PALETTE[slot]
    assert style.department_colour(None) == style.UNKNOWN_DEPARTMENT_COLOUR
    assert style.UNKNOWN_DEPARTMENT_COLOUR not in style.DEPARTMENT_PALETTE


def test_two_departments_with_the_same_derived_colour_get_different_ones() -> None:
    size = len(style.DEPARTMENT_PALETTE)
    by_slot: dict[int, str] = {}
    pair: tuple[str, str] | None = None
    for i in range(1000):  # find two names whose CRC-32 picks the same colour
        name = f"部門{i}"
        slot = zlib.crc32(name.encode("utf-8")) % size
        if slot in by_slot:
            pair = (by_slot[slot], name)
            break
        by_slot[slot] = name
    assert pair is not None
    first, second = sorted(pair)
    colours = style.department_colours([second, first, None])
    assert colours[first] == style.department_colour(first)  # the first in name order keeps it
    assert colours[second] != colours[first]
    assert style.department_colours([first, second]) == colours  # same set, same colours
