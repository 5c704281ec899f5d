"""Every page over HTTP through the Flask test client: the page, its layout, its callbacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from dashboard.app import create_app
from etl.store import close_shared
from tests.test_dashboard_fixtures import load_store

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


@pytest.mark.parametrize("path", PAGES)
def test_page_is_served(client: Any, path: str) -> None:
    page = client.get(path + QUERY)
    assert page.status_code == 200
    assert b"_dash-renderer" in page.data or b"dash-renderer" in page.data


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


@pytest.mark.parametrize(
    ("output", "extra"),
    [
        ("overview-body.children", []),
        ("bottlenecks-body.children", []),
        (
            "handoffs-body.children",
            [{"id": "handoffs-measure", "property": "value", "value": "count"}],
        ),
        ("variants-body.children", [{"id": "variants-top", "property": "value", "value": 10}]),
        ("map-body.children", []),
    ],
)
def test_page_callback_over_http(client: Any, output: str, extra: list[dict[str, Any]]) -> None:
    page = output.split("-", 1)[0]
    body = update(client, output, [_query_input(page), *extra])
    text = json.dumps(body, ensure_ascii=False)
    assert "lf-error" not in text
    assert "信貸部" in text or "客戶經理部" in text or "受理" in text


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
        [{"id": "cases-query", "property": "children", "value": QUERY}],
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


def test_any_table_exports_its_rows_as_safe_csv(client: Any) -> None:
    deps = client.get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if "table-csv-file" in d["output"])
    grid = {"type": "table", "grid": "compare-edges"}
    rows = [{"from": "=1+1", "to": "信貸部", "cases": "3 → 1"}]
    payload = {
        "output": spec["output"],
        "outputs": {"id": {"type": "table-csv-file", "grid": "compare-edges"}, "property": "data"},
        "inputs": [
            {
                "id": {"type": "table-csv", "grid": "compare-edges"},
                "property": "n_clicks",
                "value": 1,
            }
        ],
        "state": [{"id": grid, "property": "rowData", "value": rows}],
        "changedPropIds": ['{"grid":"compare-edges","type":"table-csv"}.n_clicks'],
    }
    answer = client.post(
        "/_dash-update-component", data=json.dumps(payload), content_type="application/json"
    )
    assert answer.status_code == 200, answer.data[:300]
    download = next(iter(answer.get_json()["response"].values()))["data"]
    assert download["filename"] == "compare-edges.csv"
    import base64

    text = base64.b64decode(download["content"]).decode("utf-8-sig")
    assert text.splitlines() == ["from,to,cases", "'=1+1,信貸部,3 → 1"]
