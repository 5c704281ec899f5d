"""Warming the result cache: the default view of each dataset is computed in the background
when the dashboard starts and after a load, so a reader's first visit is answered at once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

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


def warm_in_background(datasets: Iterable[str]) -> threading.Thread:
    """Run :func:`warm_views` in a daemon thread."""
    thread = threading.Thread(
        target=warm_views, args=(list(datasets),), daemon=True, name="warm-views"
    )
    thread.start()
    return thread
