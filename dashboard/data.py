"""The dashboard's access to the store: cursors, the result cache and the URL's filter state.

The view state (dataset, period, product, amount band, outcome, department, language)
lives in the URL query string, so a view can be bookmarked and shared. Results of analysis
functions are cached by (store, dataset, filters, store version); the version is bumped
whenever a dataset is loaded, replaced or deleted through the dashboard.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

import duckdb
import pandas as pd

from analysis.dataset_facts import DatasetTimeZone, FilterChoices, case_timeline, time_zone
from analysis.dataset_facts import filter_choices as analysis_filter_choices
from analysis.filters import Filters
from etl import store
from etl.errors import UnknownDatasetError
from etl.outcomes import OUTCOME_KEYS
from etl.settings import db_path
from vocabulary import normalise_language
from vocabulary.style import department_colours

T = TypeVar("T")

_KEYS = {
    "dataset": "dataset",
    "date_from": "from",
    "date_to": "to",
    "products": "product",
    "amount": "amount",
    "outcomes": "outcome",
    "departments": "dept",
    "lang": "lang",
}


@dataclass(frozen=True)
class ViewState:
    """What the URL says the reader is looking at."""

    dataset: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    products: tuple[str, ...] = ()
    amount: str | None = None
    outcomes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    lang: str = "en"
    extra: tuple[tuple[str, str], ...] = field(default=())

    def filters(self) -> Filters:
        """The case filters this view applies."""
        low, high = parse_amount_band(self.amount)
        return Filters(
            date_from=self.date_from,
            date_to=self.date_to,
            products=self.products,
            amount_min=low,
            amount_max=high,
            outcomes=tuple(o for o in self.outcomes if o in OUTCOME_KEYS),
            departments=self.departments,
        )

    def to_query(self) -> str:
        """The URL query string (with the leading ``?``) for this view."""
        pairs: list[tuple[str, str]] = []
        if self.dataset:
            pairs.append(("dataset", self.dataset))
        if self.date_from:
            pairs.append(("from", self.date_from.isoformat()))
        if self.date_to:
            pairs.append(("to", self.date_to.isoformat()))
        pairs += [("product", p) for p in self.products]
        if self.amount:
            pairs.append(("amount", self.amount))
        pairs += [("outcome", o) for o in self.outcomes]
        pairs += [("dept", d) for d in self.departments]
        if self.lang != "en":
            pairs.append(("lang", self.lang))
        pairs += list(self.extra)
        return "?" + urlencode(pairs) if pairs else ""

    def with_changes(self, **changes: Any) -> ViewState:
        """A copy with some fields changed."""
        return replace(self, **changes)


def parse_query(query: str | Mapping[str, Any] | None) -> dict[str, list[str]]:
    """A query string (``?a=1&a=2``) or Dash's parsed query dict as ``{key: [values]}``."""
    if query is None:
        return {}
    if isinstance(query, str):
        return parse_qs(query.lstrip("?"), keep_blank_values=False)
    parsed: dict[str, list[str]] = {}
    for key, value in query.items():
        if value is None or value == "":
            continue
        values = value if isinstance(value, list | tuple) else [value]
        parsed[key] = [str(v) for v in values if str(v) != ""]
    return parsed


def _one(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _as_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def state_from_query(query: str | Mapping[str, Any] | None) -> ViewState:
    """The view state a URL query describes (unknown or malformed parts are ignored)."""
    parsed = parse_query(query)
    known = set(_KEYS.values())
    extra = tuple((k, v) for k, vs in sorted(parsed.items()) if k not in known for v in vs)
    amount = _one(parsed.get("amount"))
    return ViewState(
        dataset=_one(parsed.get("dataset")),
        date_from=_as_date(_one(parsed.get("from"))),
        date_to=_as_date(_one(parsed.get("to"))),
        products=tuple(parsed.get("product", ())),
        amount=amount if amount and _valid_band(amount) else None,
        outcomes=tuple(o for o in parsed.get("outcome", ()) if o in OUTCOME_KEYS),
        departments=tuple(parsed.get("dept", ())),
        lang=normalise_language(_one(parsed.get("lang"))),
        extra=extra,
    )


def filters_from_query(query: str | Mapping[str, Any] | None) -> Filters:
    """The :class:`analysis.filters.Filters` a URL query describes."""
    return state_from_query(query).filters()


def parse_amount_band(band: str | None) -> tuple[float | None, float | None]:
    """``"100000-500000"`` -> (100000, 500000); ``"-100000"`` and ``"500000-"`` are open."""
    if not band or not _valid_band(band):
        return None, None
    low, _, high = band.partition("-")
    return (float(low) if low else None, float(high) if high else None)


def _valid_band(band: str) -> bool:
    low, sep, high = band.partition("-")
    if not sep or (not low and not high):
        return False
    try:
        _ = [float(x) for x in (low, high) if x]
    except ValueError:
        return False
    return True


def amount_band(low: float | None, high: float | None) -> str:
    """The URL form of an amount band."""

    def part(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    return f"{part(low)}-{part(high)}"


# --- the store ---------------------------------------------------------------------------


class _StoreConfig:
    """Where this process's dashboard finds its store (set once by the app factory)."""

    def __init__(self) -> None:
        self.path: Path = db_path(None)

    def set(self, path: str | Path | None) -> None:
        self.path = db_path(path).resolve()


STORE = _StoreConfig()


def configure(path: str | Path | None) -> Path:
    """Point the dashboard at a store file; returns its resolved path."""
    STORE.set(path)
    return STORE.path


@contextmanager
def cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the process's shared store connection, leased for the block: the
    dashboard holds the store only while it works (see :class:`etl.store.SharedStore`)."""
    with store.using(STORE.path) as cur:
        yield cur


# --- the result cache --------------------------------------------------------------------


class ResultCache:
    """A bounded, thread-safe LRU cache of analysis results keyed by view and store version."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[tuple[Any, ...], threading.Lock] = {}
        self._version = 0
        self.hits = 0
        self.misses = 0

    @property
    def version(self) -> int:
        """The store version: bumped on every load, replace or delete."""
        return self._version

    def bump(self) -> None:
        """Forget every result: the store changed."""
        with self._lock:
            self._version += 1
            self._entries.clear()

    def get_or_compute(
        self, key: tuple[Any, ...], compute: Callable[[], T], path: Path | None = None
    ) -> T:
        """The cached value for ``key`` in the store at ``path`` (default: the configured
        one), computing and storing it on a miss.

        Concurrent requests for the same key wait for the one computation in flight.
        """
        target = path or STORE.path
        # The store's generation counts loads made by other processes (the command line).
        full_key = (str(target), self._version, store.generation(target), *key)
        with self._lock:
            if full_key in self._entries:
                self._entries.move_to_end(full_key)
                self.hits += 1
                return self._entries[full_key]
            flight = self._flights.setdefault(full_key, threading.Lock())
        with flight:
            with self._lock:
                if full_key in self._entries:
                    self.hits += 1
                    return self._entries[full_key]
                self.misses += 1
            try:
                value = compute()
                with self._lock:
                    if self._version == full_key[1] and store.generation(target) == full_key[2]:
                        self._entries[full_key] = value
                        while len(self._entries) > self.max_entries:
                            self._entries.popitem(last=False)
            finally:
                with self._lock:
                    self._flights.pop(full_key, None)
        return value


CACHE = ResultCache()


def cached(
    name: str,
    function: Callable[..., T],
    dataset: str,
    filters: Filters,
    *args: Any,
    **kwargs: Any,
) -> T:
    """``function(con, dataset, filters, *args, **kwargs)``, cached by its inputs.

    With the engine setting (``LOANFLOW_ENGINE``) at ``spark``, the figure's lake
    equivalent (:func:`analysis.lake.lake_equivalent`; every figure of the pages has one) is
    computed on Spark over the dataset's lake (:func:`lake_run_for`); only its result comes
    back. A figure without one (none of the pages' today) reads the store."""
    engine = dashboard_engine()
    on_lake = None
    if engine != "duckdb":
        from analysis.lake import lake_equivalent

        on_lake = lake_equivalent(function, kwargs, args)
    key = (
        name,
        dataset,
        filters.cache_key(),
        repr(args),
        repr(sorted(kwargs.items())),
        engine if on_lake is not None else "duckdb",
        lake_stamp(dataset) if on_lake is not None else "",
    )
    path = STORE.path

    def compute() -> T:
        if on_lake is not None:
            return on_lake(lake_run_for(dataset), filters)
        with store.using(path) as con:
            return function(con, dataset, filters, *args, **kwargs)

    return CACHE.get_or_compute(key, compute, path)


def on_lake() -> bool:
    """Whether the dashboard computes its figures on the lake (the engine is not duckdb)."""
    return dashboard_engine() != "duckdb"


# A lake only Spark reaches (a URI, catalog tables) answers "which datasets, which version"
# with a Spark job: its answers are kept this long, a folder's are read every time.
REMOTE_LOOKUP_SECONDS = 30.0
_remote_lookups: dict[tuple[str, ...], tuple[float, Any]] = {}


def _remote_lookup(key: tuple[str, ...], compute: Callable[[], T]) -> T:
    now = time.monotonic()
    hit = _remote_lookups.get(key)
    if hit is not None and now - hit[0] < REMOTE_LOOKUP_SECONDS:
        value: T = hit[1]
        return value
    value = compute()
    _remote_lookups[key] = (now, value)
    return value


def lake_datasets() -> list[str]:
    """The datasets of the lake ``LOANFLOW_LAKE`` names, where the dashboard computes on
    the lake (none when the engine is duckdb or no lake is named)."""
    from analysis.lake import lake_root
    from analysis.lake.files import lake_datasets as in_lake
    from analysis.lake.location import RemoteLake

    root = lake_root() if on_lake() else None
    if root is None:
        return []
    if isinstance(root, RemoteLake):
        return _remote_lookup(("datasets", str(root)), lambda: in_lake(root))
    return in_lake(root)


def lake_stamp(dataset: str) -> str:
    """A version of a dataset's lake partitions (so a reload of the lake is seen)."""
    from analysis.lake import lake_root
    from analysis.lake import lake_stamp as stamp_of
    from analysis.lake.location import RemoteLake

    root = lake_root()
    if root is None:
        return ""
    if isinstance(root, RemoteLake):
        return _remote_lookup(("stamp", str(root), dataset), lambda: stamp_of(root, dataset))
    return stamp_of(root, dataset)


def computed_where(dataset: str) -> tuple[str, str]:
    """Where a dataset's figures are computed, for the keys of cached results: the lake and
    the dataset's version there, or the store (whose changes clear the cache anyway)."""
    return ("lake", lake_stamp(dataset)) if on_lake() else ("store", "")


def lake_run_for(dataset: str) -> Any:
    """The derivations of ``dataset`` on the dashboard's engine: from the lake
    (``LOANFLOW_LAKE``) when it holds the dataset (the lake is authoritative, whether or
    not the store holds it too), else from the store's dataset copied to Parquet once (a
    dataset loaded through the Data page)."""
    from analysis.lake import lake_root, lake_run

    engine = dashboard_engine()
    root = lake_root()
    if root is not None and dataset in lake_datasets():
        return lake_run(engine, dataset, lake=root)
    with store.using(STORE.path) as con:
        return lake_run(engine, dataset, con=con, from_store=True)


def dashboard_engine() -> str:
    """The engine computing the dashboard's figures (the ``engine`` setting)."""
    from analysis.lake import check_engine
    from etl.settings import SETTINGS

    return check_engine(SETTINGS["engine"].value() or "duckdb")


_PREFETCH = ThreadPoolExecutor(max_workers=2, thread_name_prefix="loanflow-prefetch")


@dataclass(frozen=True)
class Call:
    """One cached analysis call of a page: :func:`cached`'s arguments."""

    name: str
    function: Callable[..., Any]
    dataset: str
    filters: Filters
    options: tuple[tuple[str, Any], ...] = ()


def prefetch(*calls: Call) -> None:
    """Start a page's analysis calls on two worker threads, so they run side by side
    (DuckDB releases the GIL; one query's single-threaded phases and the page's Python
    work overlap another's). The page then asks :func:`cached` as usual: it gets the
    result, or waits for the computation in flight; an error is raised to the page when
    it asks, not here."""
    for call in calls:
        _PREFETCH.submit(_run, call)


def _run(call: Call) -> Any:
    return cached(call.name, call.function, call.dataset, call.filters, **dict(call.options))


def store_changed() -> None:
    """Call after a load, replace or delete (of the store or the lake): cached results, and
    what a remote lake was last seen to hold, are stale."""
    CACHE.bump()
    _remote_lookups.clear()


# --- what the filter bar offers (computed by analysis.dataset_facts) ----------------------


def dataset_names() -> list[str]:
    """The datasets in the store, sorted (cached until the store changes); on the lake
    (engine spark), those of the lake too."""

    def compute() -> list[str]:
        with cursor() as con:
            names = store.dataset_names(con)
        in_lake = lake_datasets()
        return sorted(set(names) | set(in_lake)) if in_lake else names

    return CACHE.get_or_compute(("dataset_names", on_lake(), _lake_folder_stamp()), compute)


def _lake_folder_stamp() -> str:
    """A version of the lake's list of datasets (empty when not on the lake)."""
    from analysis.lake import lake_root

    root = lake_root() if on_lake() else None
    if root is None:
        return ""
    if not isinstance(root, Path):  # a remote lake: its list, kept a while
        return ",".join(lake_datasets())
    folder = root / "datasets"
    return str(folder.stat().st_mtime_ns) if folder.exists() else ""


def latest_dataset() -> str | None:
    """The dataset shown when the URL names none: the most recently loaded (of the store,
    and on the lake of the lake too)."""
    from analysis.dataset_facts import latest_dataset as latest_in_store

    with cursor() as con:
        if not lake_datasets():
            return latest_in_store(con)
        loaded = con.execute("SELECT name, loaded_at FROM datasets").fetchall()
    from analysis.lake import lake_root
    from analysis.lake.files import lake_dataset_rows

    root = lake_root()
    assert root is not None
    times = {str(n): t for n, t in loaded}
    times.update({str(r["name"]): r["loaded_at"] for r in lake_dataset_rows(root)})
    if not times:
        return None
    return min(times, key=lambda n: (-_timestamp(times[n]), n))


def _timestamp(value: Any) -> float:
    try:
        return float(pd.Timestamp(value).timestamp())
    except (TypeError, ValueError):
        return float("-inf")


def filter_choices(dataset: str | None) -> FilterChoices:
    """Products, departments, amount bands and the date span of a dataset."""
    if not dataset:
        return FilterChoices()
    key = ("filter_choices", dataset, computed_where(dataset))
    return CACHE.get_or_compute(key, lambda: _filter_choices(dataset))


def dataset_colours(dataset: str | None) -> dict[str, str]:
    """The colour of each department of a dataset (all of them, whatever the filters), so a
    department looks the same in every page, figure and selection."""
    return department_colours(filter_choices(dataset).departments)


def _filter_choices(dataset: str) -> FilterChoices:
    try:
        if on_lake():
            from analysis.lake.pages import filter_choices as lake_filter_choices

            return lake_filter_choices(lake_run_for(dataset))
        with cursor() as con:
            return analysis_filter_choices(con, dataset)
    except UnknownDatasetError:
        return FilterChoices()


def dataset_time_zone(dataset: str | None) -> DatasetTimeZone:
    """The time zone of a dataset's clock, in which every page shows its times of day
    (UTC without a dataset, or for one the store (or the lake) does not hold)."""
    if not dataset:
        return DatasetTimeZone("UTC")

    def compute() -> DatasetTimeZone:
        try:
            if on_lake():
                from analysis.lake.pages import time_zone as lake_time_zone

                return lake_time_zone(lake_run_for(dataset))
            with cursor() as con:
                return time_zone(con, dataset)
        except UnknownDatasetError:
            return DatasetTimeZone("UTC")

    key = ("time_zone", dataset, computed_where(dataset))
    return CACHE.get_or_compute(key, compute)


def case_instances(dataset: str, case_id: str) -> Any:
    """The activity instances of one case, by start (for its timeline)."""
    if on_lake():
        from analysis.lake.pages import case_timeline as lake_case_timeline

        key = ("case_timeline", dataset, case_id, lake_stamp(dataset))
        return CACHE.get_or_compute(key, lambda: lake_case_timeline(lake_run_for(dataset), case_id))
    with cursor() as con:
        return case_timeline(con, dataset, case_id)
