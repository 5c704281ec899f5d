"""Every page over HTTP through the Flask test client: the page, its layout, its callbacks."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from dashboard.app import create_app
from etl.store import close_shared
from tests.test_dashboard_fixtures import load_store
from vocabulary import fmt_in_hours, fmt_share

PAGES = [
    "/",
    "/map",
    "/handoffs",
    "/bottlenecks",
    "/waits",
    "/variants",
    "/cases",
    "/compare",
    "/conformance",
    "/data",
]
QUERY = "?dataset=loans&lang=zh-Hant"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("http")
    db = folder / "store.duckdb"
    load_store(db, folder)
    load_store(db, folder, dataset="loans2")
    app = create_app(db, auth=False)
    yield app.server.test_client()
    close_shared(db)


def update(
    client: Any,
    output: str,
    inputs: list[dict[str, Any]],
    state: list[dict[str, Any]] | None = None,
) -> Any:
    """POST one callback the way the Dash renderer does."""
    component, prop = output.rsplit(".", 1)
    payload = {
        "output": output,
        "outputs": {"id": component, "property": prop},
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    answer = client.post(
        "/_dash-update-component", data=json.dumps(payload), content_type="application/json"
    )
    assert answer.status_code == 200, answer.data[:500]
    return answer.get_json()["response"][component][prop]


TITLES = {
    "/": "總覽",
    "/map": "流程圖",
    "/handoffs": "部門間交接",
    "/bottlenecks": "瓶頸",
    "/waits": "申請為何等待",
    "/variants": "流程變體",
    "/cases": "案件",
    "/compare": "前後比較",
    "/conformance": "合規檢查",
    "/data": "資料",
}


def page_layout(client: Any, path: str, search: str = QUERY) -> Any:
    """What the pages router draws for ``path`` (the renderer's own request)."""
    deps = client.get("/_dash-dependencies").get_json()
    router = next(d for d in deps if "_pages_content.children" in d["output"])
    payload = {
        "output": router["output"],
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }
    answer = client.post(
        "/_dash-update-component", data=json.dumps(payload), content_type="application/json"
    )
    assert answer.status_code == 200, answer.data[:300]
    return answer.get_json()["response"]["_pages_content"]["children"]


def headings(layout: Any) -> list[str]:
    """The texts of every H3 in a layout (the page titles)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if node.get("type") == "H3" and isinstance(props.get("children"), str):
                found.append(props["children"])
            walk(props.get("children"))

    walk(layout)
    return found


@pytest.mark.parametrize("path", PAGES)
def test_page_is_served_with_its_own_content(client: Any, path: str) -> None:
    page = client.get(path + QUERY)
    assert page.status_code == 200
    assert b"_dash-renderer" in page.data or b"dash-renderer" in page.data
    # the router draws this page, titled in the URL's language, not some other page
    assert TITLES[path] in headings(page_layout(client, path))


@pytest.mark.parametrize("path", ["/no-such-page", "/map/extra", "/handoff"])
def test_an_unknown_address_is_a_404_page(client: Any, path: str) -> None:
    answer = client.get(path + QUERY)
    assert answer.status_code == 404
    assert headings(page_layout(client, path)) == ["找不到此頁"]
    english = page_layout(client, path, "?dataset=loans")
    assert headings(english) == ["Page not found"]


def test_layout_and_dependencies(client: Any) -> None:
    layout = client.get("/_dash-layout").get_json()
    text = json.dumps(layout, ensure_ascii=False)
    for component in ("filter-dataset", "filter-period", "filter-product", "lang-switch", "url"):
        assert component in text
    deps = client.get("/_dash-dependencies").get_json()
    outputs = {d["output"] for d in deps}
    assert "overview-body.children" in outputs
    assert "cases-grid.getRowsResponse" in outputs
    assert "waits-body.children" in outputs


def _query_input(page: str) -> dict[str, Any]:
    return {"id": f"{page}-query", "property": "data", "value": QUERY}


def component(layout: Any, component_id: Any) -> dict[str, Any]:
    """The props of the component with ``component_id`` in a JSON layout."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if props.get("id") == component_id:
                found.append(props)
            for value in props.values():
                if isinstance(value, list | dict):
                    walk(value)

    walk(layout)
    assert len(found) == 1, component_id
    return found[0]


def array(value: Any) -> np.ndarray:
    """A plotly array as sent over the wire (a list, or base64 typed data) as numpy."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(n) for n in shape.split(",")]
        return flat.reshape(shape) if shape else flat
    return np.asarray(value)


def rows_by(grid: dict[str, Any], *keys: str) -> dict[Any, dict[str, Any]]:
    """A grid's rows keyed by the values of ``keys``."""
    key = (lambda r: r[keys[0]]) if len(keys) == 1 else (lambda r: tuple(r[k] for k in keys))
    return {key(row): row for row in grid["rowData"]}


# The figures below are the hand-worked ones of tests/test_dashboard_fixtures.py.


def test_overview_over_http(client: Any) -> None:
    body = update(client, "overview-body.children", [_query_input("overview")])
    text = json.dumps(body, ensure_ascii=False)
    assert "lf-error" not in text
    cards = kpi_values(body)
    assert cards[0] == "4"  # cases
    assert cards[1] == fmt_in_hours(24.75, "zh-Hant")  # median cycle time of 3, 24.5, 25, 49.5
    assert cards[3] == fmt_share(0.5, "zh-Hant")  # approved: C1, C4


def kpi_values(layout: Any) -> list[str]:
    """The values of the KPI cards, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if "lf-kpi-value" in str(props.get("className", "")):
                found.append(props["children"])
            for value in props.values():
                if isinstance(value, list | dict):
                    walk(value)

    walk(layout)
    return found


def test_handoffs_over_http(client: Any) -> None:
    measure = [{"id": "handoffs-measure", "property": "value", "value": "count"}]
    body = update(client, "handoffs-body.children", [_query_input("handoffs"), *measure])
    pairs = rows_by(component(body, "handoffs-grid"), "from", "to")
    assert pairs[("客戶經理部", "信貸部")]["count"] == 4
    assert pairs[("客戶經理部", "信貸部")]["total_wait_hours"] == pytest.approx(28.5)
    assert pairs[("信貸部", "運營部")]["total_wait_hours"] == pytest.approx(20.0)
    heat = component(body, "handoffs-heatmap")["figure"]["data"][0]
    cell = array(heat["z"])[heat["y"].index("客戶經理部")][heat["x"].index("信貸部")]
    assert cell == 4  # the matrix shows the chosen measure


def test_bottlenecks_over_http(client: Any) -> None:
    body = update(client, "bottlenecks-body.children", [_query_input("bottlenecks")])
    activities = rows_by(component(body, "bottlenecks-grid"), "activity")
    assert activities["審核"]["instances"] == 4
    assert activities["審核"]["median_processing_hours"] == pytest.approx(1.0)  # 1, 1, 1, 2
    workload = rows_by(component(body, "bottlenecks-workload-grid"), "resource")
    assert workload["u1"]["processing_hours"] == pytest.approx(3.5)  # 1 + 1 + 1 + 0.5


def test_variants_over_http(client: Any) -> None:
    top = [{"id": "variants-top", "property": "value", "value": 10}]
    body = update(client, "variants-body.children", [_query_input("variants"), *top])
    rows = component(body, "variants-grid")["rowData"]
    # every case is its own variant: C1 受理 審核 放款, C2 with 補件, C3 open, C4 without 審核
    assert sorted(r["cases"] for r in rows) == [1, 1, 1, 1]
    assert "受理 → 放款" in {r["sequence"] for r in rows}


def test_map_over_http(client: Any) -> None:
    query = {"id": "map-query", "property": "data", "value": QUERY + "&activities=100&paths=100"}
    body = update(client, "map-body.children", [query])
    elements = component(body, "map-graph")["elements"]
    nodes = {e["data"]["id"]: e["data"] for e in elements if "source" not in e["data"]}
    edges = {(e["data"]["source"], e["data"]["target"]) for e in elements if "source" in e["data"]}
    assert nodes["受理"]["label"].split("\n")[-1] == "4"
    assert ("受理", "審核") in edges and ("審核", "補件") in edges and ("補件", "審核") in edges
    assert len(edges) == 10  # by hand: see test_dashboard_callbacks


def test_cases_rows_over_http(client: Any) -> None:
    rows = update(
        client,
        "cases-grid.getRowsResponse",
        [
            {
                "id": "cases-grid",
                "property": "getRowsRequest",
                "value": {"startRow": 0, "endRow": 2, "sortModel": []},
            }
        ],
        [{"id": "cases-query", "property": "data", "value": QUERY}],
    )
    assert rows["rowCount"] == 4
    assert len(rows["rowData"]) == 2


def test_compare_over_http(client: Any) -> None:
    state = [
        _query_input("compare"),
        {"id": "compare-mode", "property": "value", "value": "datasets"},
        {"id": "compare-before", "property": "value", "value": "loans"},
        {"id": "compare-after", "property": "value", "value": "loans2"},
        {"id": "compare-split", "property": "date", "value": None},
    ]
    run = [{"id": "compare-run", "property": "n_clicks", "value": 1}]
    body = update(client, "compare-body.children", run, state)
    text = json.dumps(body, ensure_ascii=False)
    assert "lf-error" not in text
    assert "compare-forest" in text  # the metrics chart is there
    idle = update(client, "compare-body.children", [{**run[0], "value": None}], state)
    assert "Compare" in json.dumps(idle) or "比較" in json.dumps(idle, ensure_ascii=False)


def test_filter_sync_over_http(client: Any) -> None:
    payload = {
        "output": "",
        "outputs": [],
        "inputs": [
            {"id": "url", "property": "search", "value": "?dataset=loans"},
            {"id": "filter-dataset", "property": "value", "value": "loans"},
            {"id": "filter-period", "property": "start_date", "value": None},
            {"id": "filter-period", "property": "end_date", "value": None},
            {"id": "filter-product", "property": "value", "value": ["A"]},
            {"id": "filter-amount", "property": "value", "value": None},
            {"id": "filter-outcome", "property": "value", "value": []},
            {"id": "filter-department", "property": "value", "value": []},
            {"id": "lang-switch", "property": "value", "value": "en"},
            {"id": "filter-reset", "property": "n_clicks", "value": None},
        ],
        "state": [{"id": "lang-store", "property": "data", "value": None}],
        "changedPropIds": ["filter-product.value"],
    }
    # ask for every output of the app's sync callback, as the renderer does
    deps = client.get("/_dash-dependencies").get_json()
    sync = next(d for d in deps if d["output"].startswith("..url.search"))
    payload["output"] = sync["output"]
    payload["outputs"] = [
        {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
        for part in sync["output"].strip(".").split("...")
    ]
    answer = client.post(
        "/_dash-update-component", data=json.dumps(payload), content_type="application/json"
    )
    assert answer.status_code == 200
    response = answer.get_json()["response"]
    assert response["url"]["search"] == "?dataset=loans&product=A"


def download(client: Any, name: str, fmt: str, args: dict[str, Any]) -> Any:
    """Press a table's CSV or Excel button (dashboard.exports) and return the download."""
    button = {"type": "export", "name": name, "format": fmt}
    payload = {
        "output": '{"name":["MATCH"],"type":"export-file"}.data',
        "outputs": {"id": {"type": "export-file", "name": name}, "property": "data"},
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "state": [{"id": {"type": "export-args", "name": name}, "property": "data", "value": args}],
        "changedPropIds": [json.dumps(button, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
    }
    answer = client.post(
        "/_dash-update-component", data=json.dumps(payload), content_type="application/json"
    )
    assert answer.status_code == 200, answer.data[:300]
    return next(iter(answer.get_json()["response"].values()))["data"]


def test_one_export_callback_serves_every_table(client: Any) -> None:
    deps = client.get("/_dash-dependencies").get_json()
    downloads = [
        d["output"] for d in deps if "csv-file" in d["output"] or "export-file" in d["output"]
    ]
    assert downloads == ['{"name":["MATCH"],"type":"export-file"}.data']


def test_a_shown_table_exports_its_rows_as_safe_csv(client: Any) -> None:
    rows = [{"from": "=1+1", "to": "信貸部", "cases": "3 → 1"}]
    got = download(client, "compare-edges", "csv", {"rows": rows})
    assert got["filename"] == "compare-edges.csv"
    text = base64.b64decode(got["content"]).decode("utf-8-sig")
    assert text.splitlines() == ["from,to,cases", "'=1+1,信貸部,3 → 1"]
    # the same rows as Excel: the cell is text, not a formula the workbook would run
    import openpyxl

    book = download(client, "compare-edges", "xlsx", {"rows": rows})
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(book["content"]))).active
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "信貸部"


def test_a_table_downloads_as_excel_with_the_pages_figures(client: Any) -> None:
    import openpyxl

    got = download(client, "handoffs-pairs", "xlsx", {"query": QUERY})
    assert got["filename"] == "handoffs.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(got["content"])))
    header, *rows = list(book.active.iter_rows(values_only=True))
    table = {(r[header.index("from")], r[header.index("to")]): r for r in rows}
    pair = table[("客戶經理部", "信貸部")]
    assert pair[header.index("count")] == 4
    assert pair[header.index("total_wait_hours")] == pytest.approx(28.5)  # by hand
    # the CSV of the same table holds the same rows
    csv = download(client, "handoffs-pairs", "csv", {"query": QUERY})
    assert base64.b64decode(csv["content"]).decode("utf-8-sig").count("\n") == len(rows) + 1


def test_the_cases_table_downloads_every_selected_case(client: Any) -> None:
    got = download(client, "cases-all", "csv", {"query": QUERY + "&outcome=approved"})
    lines = base64.b64decode(got["content"]).decode("utf-8-sig").splitlines()
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["C1", "C4"]


def test_compare_report_download_has_the_cause_changes(client: Any) -> None:
    """The Compare page's report carries the waiting-causes section, with the page's
    figures (the same cached cause_changes on the same two selections)."""
    from analysis.filters import Filters
    from dashboard.views.compare import report_html
    from dashboard.views.waits import cached_cause_changes

    page = report_html("?lang=zh", "datasets", "loans", "loans2", None)
    assert page is not None and '<h3 id="waits">' in page and "申請為何等待" in page
    changes = cached_cause_changes(("loans", Filters()), ("loans2", Filters()))
    first = changes[0]
    assert f'data-from="{first["from"]}" data-to="{first["to"]}"' in page
