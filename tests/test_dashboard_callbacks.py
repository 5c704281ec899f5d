"""The dashboard's callbacks as plain functions, on a real store holding a log worked out by
hand (tests/test_dashboard_fixtures.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import dash
import pytest

from analysis.filters import Filters
from dashboard import data
from dashboard.shell import SYNC_OUTPUTS, sync_filter_state, translate_frame
from dashboard.views import admin, cases, conformance, handoffs, overview, process_map, variants
from tests.test_dashboard_fixtures import CYCLE_HOURS, OUTCOMES, app_store
from vocabulary import fmt_count, fmt_in_hours, fmt_share, t


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield from app_store(tmp_path_factory.mktemp("dash"))


@pytest.fixture(autouse=True)
def this_store(store_path: Path) -> None:
    data.configure(store_path)


def walk_components(component: Any) -> list[Any]:
    """Every Dash component inside a tree (the tree's root included)."""
    found: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for item in node:
                walk(item)
        elif hasattr(node, "to_plotly_json"):
            found.append(node)
            walk(getattr(node, "children", None))

    walk(component)
    return found


def find(body: Any, component_id: Any) -> Any:
    """The one component with ``component_id`` in a tree."""
    found = [c for c in walk_components(body) if getattr(c, "id", None) == component_id]
    assert len(found) == 1, component_id
    return found[0]


def reachable(arrows: set[tuple[str, str]], origin: str) -> set[str]:
    """Every node reachable from ``origin`` along ``arrows``."""
    seen, todo = {origin}, [origin]
    while todo:
        node = todo.pop()
        for a, b in arrows:
            if a == node and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def conformance_columns(body: Any) -> list[dict[str, Any]]:
    """The column definitions of the loan rules grid in a conformance body."""
    grids = [g for g in walk_components(body) if getattr(g, "id", None) == "conformance-rules"]
    return list(grids[0].columnDefs)


def texts(component: Any) -> list[str]:
    """Every string inside a Dash component tree, in order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)
        elif hasattr(node, "children"):
            walk(node.children)

    walk(component)
    return found


# --- the frame -----------------------------------------------------------------------------


def test_first_visit_picks_the_dataset_and_remembered_language(store_path: Path) -> None:
    out = sync_filter_state(None, "", [None] * 7, None, "zh-Hant")
    assert out.url == "?dataset=loans&lang=zh-Hant"
    assert out.bar.dataset == "loans"
    named = out.outputs()
    assert named["lang"] == named["lang_store"] == "zh-Hant"
    assert [o["value"] for o in out.bar.product_options] == ["A", "B"]  # the dataset's products
    assert [o["value"] for o in out.bar.department_options] == ["信貸部", "客戶經理部", "運營部"]
    assert (out.bar.min_date, out.bar.max_date) == ("2025-01-06", "2025-01-14")
    # every output of the callback is named, and each name is one of its outputs
    assert set(named) == set(SYNC_OUTPUTS)


def test_changing_a_filter_writes_the_url(store_path: Path) -> None:
    controls = ["loans", "2025-01-06", None, ["B"], None, ["approved"], []]
    out = sync_filter_state("filter-product", "?dataset=loans", controls, "en", None)
    assert out.url == "?dataset=loans&from=2025-01-06&product=B&outcome=approved"
    assert data.filters_from_query(out.url) == Filters(
        date_from=date(2025, 1, 6), products=("B",), outcomes=("approved",)
    )


def test_the_url_sets_the_filter_bar(store_path: Path) -> None:
    out = sync_filter_state(
        "url", "?dataset=loans&dept=%E4%BF%A1%E8%B2%B8%E9%83%A8", [None] * 7, "en", None
    )
    assert out.url is dash.no_update
    assert out.bar.departments == ["信貸部"]


def test_language_switch_and_reset(store_path: Path) -> None:
    out = sync_filter_state("lang-switch", "?dataset=loans&product=A", [None] * 7, "zh-Hans", "en")
    assert out.url == "?dataset=loans&product=A&lang=zh-Hans"
    out = sync_filter_state(
        "filter-reset", "?dataset=loans&product=A&lang=zh-Hans", [None] * 7, None, None
    )
    assert out.url == "?dataset=loans&lang=zh-Hans"


def test_frame_labels_follow_the_language(store_path: Path) -> None:
    labels, links, *_ = translate_frame(
        "?dataset=loans&lang=zh-Hant",
        [{"type": "i18n", "key": "nav.handoffs"}],
        [{"type": "nav-link", "path": "/map"}],
    )
    assert labels == ["部門交接"]
    assert links == ["/map?dataset=loans&lang=zh-Hant"]


# --- overview ------------------------------------------------------------------------------


def test_overview_cards_show_the_hand_computed_kpis(store_path: Path) -> None:
    body = overview.overview_body("?dataset=loans")
    words = texts(body)
    median = sorted(CYCLE_HOURS.values())[1:3]
    assert fmt_in_hours(sum(median) / 2, "en") in words  # 24.75 h
    assert fmt_share(0.5, "en") in words  # approved
    assert fmt_share(2 / 3, "en") in words  # SLA 48 h: C1, C4 in; C2 out (closed cases)
    assert fmt_count(4, "en") in words


def test_overview_gives_the_working_time_median_in_hours(store_path: Path) -> None:
    # by hand, Mon-Fri 09:00-17:30 (the default calendar): C1 Mon 9:00 - Tue 10:00 = 8.5 + 1,
    # C2 Mon 10:00 - Wed 11:30 = 7.5 + 8.5 + 2.5, C3 3, C4 Tue 9:00 - Wed 9:30 = 8.5 + 0.5
    median = (9.0 + 9.5) / 2
    words = texts(overview.overview_body("?dataset=loans"))
    assert f"Median cycle time (working time): {median:.1f} h" in words
    # 60 working hours are 60 h (seven working days), never "2.5 d" of 24 hours
    assert overview.working_median_line(60.0, "en").endswith(": 60.0 h")
    assert (
        overview.working_median_line(1234.5, "zh-Hant")
        == "週期時間中位數（工作時間）：1,234.5 小時"
    )


def test_overview_lists_the_three_costliest_handoffs(store_path: Path) -> None:
    words = texts(overview.top_handoffs("loans", Filters(), "en"))
    pairs = [w for w in words if "→" in w]
    assert pairs == ["客戶經理部 → 信貸部", "客戶經理部 → 運營部", "信貸部 → 運營部"]
    line = t(
        "overview.handoff_line",
        "en",
        count="4",
        median="3.0 h",  # median and total stay in hours, as on the Handoffs page
        total="28.5 h",
    )
    assert line in words
    # 客戶經理部 → 運營部: C4 waited 23 h; 信貸部 → 運營部: C1 waited 20 h
    assert any("total 23.0 h" in w for w in words) and any("total 20.0 h" in w for w in words)


def test_sla_risk_lists_open_cases_with_time_left(store_path: Path) -> None:
    frame = overview.sla_risk_table("loans", Filters())
    assert list(frame["case_id"]) == [c for c, o in OUTCOMES.items() if o == "open"]
    # as of the dataset's last timestamp (15 Jan 09:30), C3 (13 Jan 09:00) is 48.5 h old
    assert frame["age_hours"].iloc[0] == pytest.approx(48.5)
    assert frame["sla_hours_left"].iloc[0] == pytest.approx(-0.5)


def test_kpi_cards_say_outcome_not_mapped_and_unchanged_in_grey() -> None:
    from analysis.kpi_changes import KpiChange

    approved = overview.CARDS[3]
    same = KpiChange("approved_share", "share", 0.5, 0.5, 0.0, "unchanged", False)
    card = overview.kpi_card(approved, None, same, "4 weeks before", None, "en", False)
    assert t("overview.outcome_not_mapped", "en") in texts(card)
    assert "0.0%" not in " ".join(texts(card))
    shown = overview.kpi_card(approved, 0.5, same, "4 weeks before", None, "en", True)
    delta = shown.children.children.children[2]
    assert delta.className == "text-muted"  # +0.0 pp is not a worsening
    withheld = KpiChange("approved_share", "share", 0.5, 0.4, None, None, False)
    partial = overview.kpi_card(approved, 0.5, withheld, "", "partial_previous_period", "en")
    assert t("overview.partial_previous", "en") in texts(partial)


@pytest.mark.parametrize(
    ("lang", "value", "hint"),
    [("en", "185.3 h", "≈ 7.7 d"), ("zh-Hant", "185.3 小時", "≈ 7.7 天"),
     ("zh-Hans", "185.3 小时", "≈ 7.7 天")],
)  # fmt: skip
def test_cycle_time_cards_are_in_hours_as_on_every_page(lang: str, value: str, hint: str) -> None:
    """The median and P90 cycle time in hours, as Cases, Variants, the trend, the report
    and the CLI give them (the cards read 7.7 d above 48 h); the days only as a hint."""
    from analysis.kpi_changes import KpiChange

    for card in overview.CARDS[1:3]:
        change = KpiChange(card.name, "hours", 185.3, 150.0, 0.235, "worse", True)
        shown = overview.kpi_card(card, 185.3, change, "", None, lang)
        values = [
            c for c in walk_components(shown) if "lf-kpi-value" in str(getattr(c, "className", ""))
        ]
        assert [v.children for v in values] == [value]
        hints = [
            c for c in walk_components(shown) if "lf-kpi-hint" in str(getattr(c, "className", ""))
        ]
        assert [h.children for h in hints] == [hint]
    short = KpiChange("median_cycle_time_hours", "hours", 24.75, None, None, None, True)
    below = overview.kpi_card(overview.CARDS[1], 24.75, short, "", None, lang)
    assert not [
        c for c in walk_components(below) if "lf-kpi-hint" in str(getattr(c, "className", ""))
    ]


def test_overview_without_dataset_asks_for_one(store_path: Path) -> None:
    assert t("common.choose_dataset", "zh-Hans") in texts(overview.overview_body("?lang=zh-Hans"))


def test_overview_reports_unknown_dataset_as_alert(store_path: Path) -> None:
    body = overview.overview_body("?dataset=missing")
    assert any("No dataset named 'missing'" in w for w in texts(body))


# --- other pages ---------------------------------------------------------------------------


def test_handoff_table_and_heatmap_follow_the_filters(store_path: Path) -> None:
    table = handoffs.handoff_table("?dataset=loans&product=A")
    # product A: C1 (客→信 2 h, 信→運 20 h) and C3 (客→信 0.5 h)
    got = {(r["from"], r["to"]): (r["count"], r["total_wait_hours"]) for _, r in table.iterrows()}
    assert got == {("客戶經理部", "信貸部"): (2, 2.5), ("信貸部", "運營部"): (1, 20.0)}
    body = handoffs.handoffs_body("?dataset=loans", "count")
    heat = find(body, "handoffs-heatmap").figure.data[0]
    # all four cases: 客→信 4 handoffs (C1, C2 twice, C3), 信→客 1 (C2), 客→運 1 (C4)
    counts = {
        (y, x): z
        for y, row in zip(heat.y, heat.z, strict=True)
        for x, z in zip(heat.x, row, strict=True)
        if z == z  # not NaN
    }
    assert counts == {
        ("客戶經理部", "信貸部"): 4,
        ("信貸部", "客戶經理部"): 1,
        ("信貸部", "運營部"): 1,
        ("客戶經理部", "運營部"): 1,
    }


def test_case_rows_are_sorted_and_paged_on_the_server(store_path: Path) -> None:
    request = {
        "startRow": 1,
        "endRow": 3,
        "sortModel": [{"colId": "cycle_time_hours", "sort": "desc"}],
    }
    answer = cases.rows_page("?dataset=loans", request)
    ranked = sorted(CYCLE_HOURS, key=CYCLE_HOURS.__getitem__, reverse=True)
    assert answer["rowCount"] == 4
    assert [r["case_id"] for r in answer["rowData"]] == ranked[1:3]
    assert json.dumps(answer)  # JSON-ready (no NaN, no timestamps)
    only_open = cases.rows_page("?dataset=loans&outcome=open", {"startRow": 0, "endRow": 100})
    assert [r["case_id"] for r in only_open["rowData"]] == ["C3"]


def test_case_rows_without_dataset_are_empty(store_path: Path) -> None:
    assert cases.rows_page("", {"startRow": 0, "endRow": 100}) == {"rowData": [], "rowCount": 0}


def test_case_timeline_has_one_bar_per_instance_by_department(store_path: Path) -> None:
    fig = cases.case_timeline("?dataset=loans", "C2")
    bars = {trace.name: [a for a, _ in trace.customdata] for trace in fig.data}
    assert bars == {"信貸部": ["審核", "審核", "拒絕"], "客戶經理部": ["受理", "補件"]}
    # C2 spans 06 Jan 10:00 - 08 Jan 11:30 (49.5 h): 拒絕 starts 2 h (4%) after the second
    # 審核, whose name is left to the hover so the two do not print over each other
    labels = {trace.name: list(trace.text) for trace in fig.data}
    assert labels == {"信貸部": ["審核", "", "拒絕"], "客戶經理部": ["受理", "補件"]}


def test_clicking_a_path_lists_its_cases(store_path: Path) -> None:
    edge = {"source": "受理", "target": "審核", "id": "受理→審核"}
    frame = process_map.element_cases("?dataset=loans", edge)
    assert sorted(frame["case_id"]) == ["C1", "C2", "C3"]
    node = process_map.element_cases("?dataset=loans", {"id": "審核"})
    assert dict(zip(node["case_id"], node["times"], strict=True)) == {"C1": 1, "C2": 2, "C3": 1}
    first = process_map.element_cases(
        "?dataset=loans", {"source": "▶ start", "target": "受理", "id": "s"}
    )
    assert sorted(first["case_id"]) == ["C1", "C2", "C3", "C4"]


def test_the_cases_of_a_clicked_activity_read_as_on_the_cases_page(store_path: Path) -> None:
    shown = process_map.element_cases_view("?dataset=loans&lang=zh-Hant", {"id": "審核"})
    table = find(shown, process_map.CASES_EXPORT)
    rows = {r["case_id"]: r for r in table.rowData}
    # outcomes in the reader's words, times as the Cases table writes them (UTC, to the minute)
    assert {c: r["outcome"] for c, r in rows.items()} == {
        "C1": "核准",
        "C2": "拒絕",
        "C3": "處理中",
    }
    assert (rows["C2"]["first_ts"], rows["C2"]["last_ts"]) == (
        "2025-01-06 10:00",
        "2025-01-08 11:30",
    )
    headers = [c["headerName"] for c in table.columnDefs]
    assert headers[-1] == "經過次數" and rows["C2"]["times"] == 2
    assert t("map.times", "en") == "Times through it"


def test_map_elements_keep_every_activity_at_full_sliders(store_path: Path) -> None:
    elements, legend = process_map.map_elements("?dataset=loans", "frequency", 100, 100)
    nodes = {
        e["data"]["id"]
        for e in elements
        if "source" not in e["data"] and e["data"].get("kind") != "virtual"
    }
    assert nodes == {"受理", "審核", "補件", "放款", "拒絕"}
    assert [name for name, _ in legend] == ["信貸部", "客戶經理部", "運營部"]
    # 20% keeps 受理 (4 instances, first by name of the two with 4) and its paths to end
    reduced, _ = process_map.map_elements("?dataset=loans", "frequency", 20, 0)
    arrows = {(e["data"]["source"], e["data"]["target"]) for e in reduced if "source" in e["data"]}
    kept = {a for pair in arrows for a in pair} - {"▶ start", "■ end"}
    assert "受理" in kept and len(kept) < 5
    assert (
        reachable(arrows, "▶ start") >= kept
        and reachable({(b, a) for a, b in arrows}, "■ end") >= kept
    )


def test_map_says_what_the_sliders_hide(store_path: Path) -> None:
    # By hand: 5 activities (受理 4, 審核 4, 放款 2, 補件 1, 拒絕 1) and 10 paths (start->受理,
    # 受理->審核, 受理->放款, 審核->放款, 審核->補件, 補件->審核, 審核->拒絕, and to end from
    # 放款 (C1, C4), 拒絕 (C2) and 審核 (C3, open)).
    assert process_map.hidden_note("?dataset=loans", 100, 100) is None
    elements, _ = process_map.map_elements("?dataset=loans", "frequency", 0, 0)
    edges = [e for e in elements if "source" in e["data"]]
    activities = [
        e for e in elements if "source" not in e["data"] and e["data"].get("kind") != "virtual"
    ]
    assert edges and {e["data"]["source"] for e in edges} >= {"▶ start"}
    assert "■ end" in {e["data"]["target"] for e in edges}  # still connected start to end
    note = process_map.hidden_note("?dataset=loans", 0, 0)
    assert note == t(
        "map.hidden", "en", activities=str(5 - len(activities)), paths=str(10 - len(edges))
    )
    body = process_map.map_body("?dataset=loans&lang=zh-Hans", "frequency", 0, 0)
    assert t(
        "map.hidden", "zh-Hans", activities=str(5 - len(activities)), paths=str(10 - len(edges))
    ) in texts(body)


def test_variants_body_states_coverage(store_path: Path) -> None:
    body = variants.variants_body("?dataset=loans", 5)
    assert t("variants.coverage", "en", n=4, share=fmt_share(1.0, "en")) in texts(body)
    rows = find(body, "variants-grid").rowData
    # each case its own variant (C1 受理 審核 放款, C2 with 補件 and 拒絕, C3 open, C4)
    assert sorted(r["sequence"] for r in rows) == sorted(
        [
            "受理 → 審核 → 放款",
            "受理 → 審核 → 補件 → 審核 → 拒絕",
            "受理 → 審核",
            "受理 → 放款",
        ]
    )
    assert [r["cases"] for r in rows] == [1, 1, 1, 1]


def test_conformance_shows_what_the_analysis_computed(store_path: Path) -> None:
    from analysis.conformance import conformance as check

    choice = conformance.model_options("en")[0]["value"]
    body = conformance.conformance_body("?dataset=loans", 1, choice, "token_replay")
    with data.cursor() as con:
        expected = check(con, "loans", Filters(), conformance.model_path(choice))
    assert fmt_share(expected.fitness, "en") in texts(body)
    # the hand log's profile names no rule activities: every rule says it was not checked
    table = conformance.rules_table(conformance.rules("?dataset=loans"), "en")
    assert set(table["description"]) == {t("conformance.not_checked", "en")}
    # ... and has no figures (shown as "not checked"), not 0 cases and 0.0%
    assert table["breaking_cases"].isna().all() and table["share"].isna().all()
    columns = {c["field"]: c for c in conformance_columns(body)}
    assert "not checked" in columns["share"]["valueFormatter"]["function"]
    # rules and deviations in plain words, not ids or replay jargon
    assert list(table["rule"]) == [
        "Risk assessed before the decision",
        "Compliance review for large loans",
        "Four eyes",
    ]
    kinds = set(expected.deviations["kind"])
    shown = texts(body)
    assert not any("forced without tokens" in str(s) for s in shown)
    grids = [g for g in walk_components(body) if getattr(g, "id", None) == "conformance-deviations"]
    assert {r["kind"] for r in grids[0].rowData} == {
        conformance.deviation_kind(k, "en") for k in kinds
    }
    assert "forced without tokens" not in {r["kind"] for r in grids[0].rowData}


def test_conformance_models_are_only_samples_or_uploads() -> None:
    from etl.errors import LoanFlowError

    for choice in ("sample:../../etc/passwd", "file:/tmp/x.bpmn", None, "upload:../x"):
        with pytest.raises(LoanFlowError):
            conformance.model_path(choice)


def test_pages_skip_unshown_medians_but_downloads_carry_them(store_path: Path) -> None:
    from dashboard.views import bottlenecks

    query = "?dataset=loans"
    shown = bottlenecks.bottleneck_table(query, "activities")
    assert shown["median_wait_working_hours"].isna().all()
    assert bottlenecks.bottleneck_table(query, "workload")["median_processing_hours"].isna().all()
    assert handoffs.handoff_table(query)["median_wait_working_hours"].isna().all()
    # What the download buttons send (the pages' CSV callbacks ask for ``full`` tables).
    activities = bottlenecks.bottleneck_table(query, "activities", full=True)
    assert activities["median_wait_working_hours"].notna().any()
    assert list(activities["activity"]) == list(shown["activity"])
    workload = bottlenecks.bottleneck_table(query, "workload", full=True)
    assert workload["median_processing_hours"].notna().all()
    pairs = handoffs.handoff_table(query, full=True)
    assert pairs["median_wait_working_hours"].notna().all()


def test_bottleneck_headers_say_what_their_columns_hold(store_path: Path) -> None:
    from dashboard.views import bottlenecks

    query = "?dataset=loans"
    # u1 by hand: 受理 C1 1 h, 受理 C2 1 h, 補件 C2 1 h, 受理 C3 0.5 h: total 3.5 h, median 1 h.
    workload = bottlenecks.bottleneck_table(query, "workload").set_index("resource")
    headers = {c["field"]: c["headerName"] for c in bottlenecks.workload_columns("en")}
    assert workload.loc["u1", "processing_hours"] == pytest.approx(3.5)
    assert headers["processing_hours"] == "Total processing (h)"
    assert "median" not in headers["processing_hours"].lower()
    for lang in ("zh-Hant", "zh-Hans"):
        header = {c["field"]: c["headerName"] for c in bottlenecks.workload_columns(lang)}
        assert "中位" not in header["processing_hours"] and "合計" in header[
            "processing_hours"
        ].replace("合计", "合計")
    # The activity table's median column holds the median: 審核 took 1, 1, 1 and 2 h.
    activities = bottlenecks.bottleneck_table(query, "activities").set_index("activity")
    columns = {c["field"]: c["headerName"] for c in bottlenecks.activity_columns("en", True)}
    assert columns["median_processing_hours"] == "Median processing (h)"
    assert activities.loc["審核", "median_processing_hours"] == pytest.approx(1.0)


def test_map_settings_round_trip_through_the_url(store_path: Path) -> None:
    view = process_map.map_view("?dataset=loans&mode=performance&activities=30&paths=0")
    assert view == process_map.MapView(mode="performance", activities=30, paths=0)
    # what the URL gets wrong falls back to the defaults, levels stay within 0-100 %
    odd = process_map.map_view("?dataset=loans&mode=rainbow&activities=lots&paths=250")
    assert odd == process_map.MapView(mode="frequency", activities=100, paths=100)
    query = process_map.query_with_map_view("?dataset=loans&lang=zh-Hant", "performance", 40, 50)
    assert query == "?dataset=loans&lang=zh-Hant&activities=40&mode=performance"
    assert process_map.map_view(query) == process_map.MapView("performance", 40, 50)
    # the filters survive, and the defaults leave the URL as the frame writes it
    plain = process_map.query_with_map_view(query, "frequency", 100, 50)
    assert plain == "?dataset=loans&lang=zh-Hant"


def test_an_empty_filter_says_no_cases_match(store_path: Path) -> None:
    body = overview.overview_body("?dataset=loans&from=2030-01-01&lang=zh-Hant")
    cards = [c for c in walk_components(body) if getattr(c, "className", None) == "h-100 lf-kpi"]
    values = [
        c.children
        for c in walk_components(body)
        if "lf-kpi-value" in str(getattr(c, "className", ""))
    ]
    assert len(cards) == 10
    assert values == ["0"] + ["–"] * 9  # no figure, not 0% and not "outcome not mapped"
    words = texts(body)
    assert words.count(t("overview.no_cases_match", "zh-Hant")) >= 10  # every card says why
    assert not any("較前" in w for w in words)  # and no change against an earlier period


def test_admin_page_filters_the_audit_log_and_lists_the_users(store_path: Path) -> None:
    import accounts

    with data.cursor() as con:
        accounts.add_user(con, "ana", "a long enough password", "analyst")
        accounts.audit(con, "ana", "export", "variants.csv")
        accounts.audit(con, "root", "delete", "loans")
    body = admin.admin_body("zh-Hant")
    options = find(body, "admin-action").options
    assert [o["value"] for o in options] == [admin.ALL_ACTIONS, "delete", "export"]
    assert [o["label"] for o in options] == ["全部操作", "刪除資料集", "下載"]
    assert "loanflow users add | remove | role | passwd" in texts(body)
    assert not any("`" in w for w in texts(body))  # the command is set as code, not quoted

    def audit_rows(action: str, user: str | None) -> list[tuple[str, str]]:
        tables = admin.admin_tables("?lang=zh-Hant", "all", action, user)
        assert tables.outputs().keys() == admin.ADMIN_OUTPUTS.keys()
        headers = [c["headerName"] for c in tables.audit.columnDefs]
        assert headers[:3] == ["時間 (UTC)", "用戶", "操作"]
        return [(r["username"], r["action"]) for r in tables.audit.rowData]

    assert sorted(audit_rows(admin.ALL_ACTIONS, None)) == [("ana", "下載"), ("root", "刪除資料集")]
    assert audit_rows("delete", None) == [("root", "刪除資料集")]
    assert audit_rows(admin.ALL_ACTIONS, " ana ") == [("ana", "下載")]
    assert audit_rows("delete", "ana") == []
    users = admin.admin_tables("", "week", None, None).users
    assert [(u["username"], u["role"]) for u in users.rowData] == [("ana", "Analyst")]
    assert "password_hash" not in users.rowData[0]
    # times in UTC to the second, as the headers say, not ISO text with microseconds
    audit = admin.admin_tables("", "all", "delete", None).audit.rowData[0]
    second = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    assert second.fullmatch(audit["ts"]) and second.fullmatch(users.rowData[0]["created_at"])
    assert audit["last_ts"] is None  # never repeated


@pytest.mark.parametrize(
    ("lang", "role", "actions", "details"),
    [
        ("en", "Evaluator", ["Role changed", "Refused (role too low)", "Signed in"],
         ["Role: Admin", "Needs: Analyst, Evaluator", "Evaluator"]),
        ("zh-Hant", "評估者", ["變更角色", "遭拒（權限不足）", "登入"],
         ["角色：管理員", "需要：分析師、評估者", "評估者"]),
        ("zh-Hans", "评估者", ["更改角色", "被拒（权限不足）", "登录"],
         ["角色：管理员", "需要：分析师、评估者", "评估者"]),
    ],
)  # fmt: skip
def test_admin_page_names_roles_and_actions_in_the_readers_language(
    store_path: Path, lang: str, role: str, actions: list[str], details: list[str]
) -> None:
    """Roles and audit actions are codes in the store (``evaluator``, ``sign-in``) and
    names on the page; the details that name roles read in the reader's words too."""
    import accounts

    with data.cursor() as con:
        con.execute("DELETE FROM audit_log")
        accounts.add_user(con, f"eva-{lang}", "a long enough password", "evaluator")
        accounts.audit(con, "eva", "sign-in", "eva", "evaluator")
        accounts.audit(con, "eva", "refused", "/upload", "needs analyst, evaluator")
        accounts.audit(con, "root", "user-role", "eva", "role=admin")
    tables = admin.admin_tables(f"?lang={lang}", "all", None, None)
    roles = {u["username"]: u["role"] for u in tables.users.rowData}
    assert roles[f"eva-{lang}"] == role
    assert [r["action"] for r in tables.audit.rowData] == actions
    assert [r["detail"] for r in tables.audit.rowData] == details
    stored = admin.audit_frame("all")  # the codes stay as written
    assert list(stored["action"]) == ["user-role", "refused", "sign-in"]
    # the signed-in user's role in the top bar, re-translated with the language
    from dashboard.shell import account_menu

    ids = [getattr(c, "id", None) for c in walk_components(account_menu(("eva", "evaluator")))]
    assert {"type": "i18n", "key": "role.evaluator"} in ids


def test_the_screenshot_script_photographs_every_page_the_docs_show(store_path: Path) -> None:
    """Why waiting, What if and Admin had no screenshot: every page has one, and the
    docs' page table links it."""
    from dashboard.screenshots import SHOTS

    pages = {p["path"] for p in dash.page_registry.values() if p["path"] != "/404"}
    assert {path for _, path, _ in SHOTS} == pages
    docs = (Path(__file__).resolve().parent.parent / "docs" / "dashboard.md").read_text("utf-8")
    assert [name for name, _, _ in SHOTS if f"(screenshots/{name}.png)" not in docs] == []


def test_every_page_draws_inside_the_shared_frame(store_path: Path) -> None:
    """Every page's layout is the frame (title, query store, controls, body, and the parts
    below it); outside it at most stores and timers, which draw nothing."""
    import sys

    from dash import dcc

    pages = [p for p in dash.page_registry.values() if p["path"] != "/404"]
    assert {p["path"] for p in pages} >= {"/", "/map", "/waits", "/admin", "/cases", "/data"}
    for page in pages:
        tree = sys.modules[page["module"]].layout(dataset="loans", lang="zh-Hant")
        everything = walk_components(tree)
        frames = [c for c in everything if str(getattr(c, "className", "")).startswith("lf-page-")]
        assert len(frames) == 1, page["path"]
        inside = {id(c) for c in walk_components(frames[0])}
        outside = [c for c in everything if id(c) not in inside and c is not tree]
        assert all(isinstance(c, dcc.Store | dcc.Interval) for c in outside), (
            page["path"],
            [getattr(c, "id", type(c).__name__) for c in outside],
        )
        if page["path"] == "/waits":  # one case's waits, below the body
            find(frames[0], "waits-case-id")  # (find asserts there is exactly one)
            find(frames[0], "waits-case")
        if page["path"] == "/map":  # the cases behind a clicked node or path
            find(frames[0], "map-cases")
