"""The URL's view state: parsing, writing back, and the case filters it selects."""

from __future__ import annotations

from datetime import date

from analysis.dataset_facts import amount_bands_from_quartiles
from analysis.filters import Filters
from dashboard import data


def test_query_round_trip_keeps_every_filter() -> None:
    state = data.ViewState(
        dataset="前後 before",
        date_from=date(2025, 1, 1),
        date_to=date(2025, 3, 31),
        products=("個人經營貸", "A&B"),
        amount="100000-500000",
        outcomes=("approved", "open"),
        departments=("信貸部",),
        lang="zh-Hant",
    )
    assert data.state_from_query(state.to_query()) == state


def test_filters_from_query_maps_each_key() -> None:
    filters = data.filters_from_query(
        "?dataset=x&from=2025-01-01&to=2025-01-31&product=A&product=B&amount=-100000"
        "&outcome=rejected&dept=%E4%BF%A1%E8%B2%B8%E9%83%A8"
    )
    assert filters == Filters(
        date_from=date(2025, 1, 1),
        date_to=date(2025, 1, 31),
        products=("A", "B"),
        amount_max=100000.0,
        outcomes=("rejected",),
        departments=("信貸部",),
    )


def test_dash_parsed_query_dict_is_accepted() -> None:
    # Dash passes the page layout {key: value or [values]}.
    state = data.state_from_query({"dataset": "d", "product": ["A", "B"], "lang": "zh-Hans"})
    assert state.products == ("A", "B")
    assert state.lang == "zh-Hans"


def test_malformed_values_are_ignored_not_fatal() -> None:
    state = data.state_from_query("?from=yesterday&amount=lots&outcome=maybe&lang=fr")
    assert state.date_from is None
    assert state.amount is None
    assert state.outcomes == ()
    assert state.lang == "en"
    assert state.filters() == Filters()


def test_unknown_keys_survive_in_extra() -> None:
    state = data.state_from_query("?dataset=d&case=C1")
    assert state.extra == (("case", "C1"),)
    assert "case=C1" in state.to_query()


def test_amount_bands() -> None:
    assert data.parse_amount_band("100000-500000") == (100000.0, 500000.0)
    assert data.parse_amount_band("500000-") == (500000.0, None)
    assert data.parse_amount_band("-") == (None, None)
    assert data.amount_band(None, 1e5) == "-100000"
    # quartiles 123,456 / 250,000 / 987,654 round to two significant digits
    bands = amount_bands_from_quartiles([123456.0, 250000.0, 987654.0])
    assert bands == ((None, 120000.0), (120000.0, 250000.0), (250000.0, 990000.0), (990000.0, None))
    assert amount_bands_from_quartiles(None) == ()


def test_cache_forgets_everything_when_the_store_changes() -> None:
    cache = data.ResultCache(max_entries=2)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute(("k",), compute) == 1
    assert cache.get_or_compute(("k",), compute) == 1
    cache.bump()
    assert cache.get_or_compute(("k",), compute) == 2
    cache.get_or_compute(("a",), compute)
    cache.get_or_compute(("b",), compute)  # evicts the least recently used ("k")
    assert cache.get_or_compute(("k",), compute) == 5
    assert cache.hits == 1
