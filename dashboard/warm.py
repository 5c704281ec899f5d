"""Warming the result cache: the default view of each dataset is computed in the background
when the dashboard starts (the dataset it opens first; on the lake only that one) and after
a load, so a reader's first visit is answered at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from dashboard import data
from etl.errors import LoanFlowError

log = logging.getLogger(__name__)


def warm_views(datasets: Iterable[str]) -> None:
    """Compute every page's default view (no filters) of these datasets into the cache."""
    from dashboard.views import bottlenecks, cases, handoffs, overview, process_map, variants

    for dataset in datasets:
        query = data.ViewState(dataset=dataset).to_query()
        try:
            overview.overview_body(query)
            process_map.map_body(query, "frequency", 100, 50)
            handoffs.handoff_table(query)
            bottlenecks.bottlenecks_body(query)
            variants.top_variants(query, 10)
            cases.rows_page(query, {"startRow": 0, "endRow": 100})
        except (
            LoanFlowError
        ) as exc:  # a dataset the analysis cannot read is shown as an alert later
            log.warning("could not warm the views of %s: %s", dataset, exc)
        except Exception as exc:  # the store closed or changed under the warming thread
            log.warning("stopped warming the views of %s: %s", dataset, exc)
            return


def datasets_to_warm(names: list[str]) -> list[str]:
    """The datasets to warm when the dashboard starts, in order: the one it opens when the
    URL names none (the most recently loaded) first, then the others. On the lake (engine
    spark) that one only: there every view is a set of Spark jobs on the bank's cluster,
    minutes for a lake of many datasets, so the others are computed when someone opens
    them."""
    if not names:
        return []
    latest = data.latest_dataset()
    first = latest if latest in names else names[0]
    if data.on_lake():
        return [first]
    return [first, *(name for name in names if name != first)]


def warm_at_start() -> threading.Thread:
    """Warm :func:`datasets_to_warm` of the dashboard's datasets in a daemon thread (the
    list itself is found there too: on a remote lake it is a Spark job)."""
    return _in_background(lambda: warm_views(datasets_to_warm(data.dataset_names())))


def warm_in_background(datasets: Iterable[str]) -> threading.Thread:
    """Run :func:`warm_views` on these datasets in a daemon thread (after a load)."""
    chosen = list(datasets)
    return _in_background(lambda: warm_views(chosen))


def _in_background(work: Callable[[], None]) -> threading.Thread:
    def guarded() -> None:
        try:
            work()
        except Exception as exc:  # the store closed or the lake is unreachable at start
            log.warning("could not warm the views: %s", exc)

    thread = threading.Thread(target=guarded, daemon=True, name="warm-views")
    thread.start()
    return thread
