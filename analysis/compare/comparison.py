"""The comparison itself: :func:`compare`, :func:`compare_split` and the correction for
testing many metrics at once."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import duckdb
import pandas as pd

from analysis import stats
from analysis.case_metrics import case_metrics
from analysis.compare.guardrails import (
    default_attribute,
    default_flags,
    default_rate_comparison,
    guardrail_report,
    rule_breach_comparison,
)
from analysis.compare.metrics import case_metric_comparisons, per_case_values
from analysis.compare.paths import path_changes, path_occurrences
from analysis.compare.results import MIN_CASES, Comparison, Metric, Note, Side
from analysis.compare.variants import variant_comparison, variant_counts
from analysis.filters import Filters
from analysis.kpis import kpis
from analysis.mix import MixAdjustment, mix_adjusted_change
from analysis.rules import rule_flags
from etl.errors import LoanFlowError, Phrase
from etl.store import require_dataset

# --- the comparison ------------------------------------------------------------------------


_STARTED = re.compile(r"started (before|on or after) (\S+)")


def side_phrase(label: str) -> str | Phrase:
    """A side's label inside a message, worded in the catalogue where LoanFlow wrote it
    (``before``, ``after``, a split's ``started before <day>``); any other as given."""
    if label == "before":
        return Phrase("before", code="side_before")
    if label == "after":
        return Phrase("after", code="side_after")
    found = _STARTED.fullmatch(label)
    if found is None:
        return label
    day = found[2]
    if found[1] == "before":
        return Phrase(f"started before {day}", code="side_started_before", day=day)
    return Phrase(f"started on or after {day}", code="side_started_from", day=day)


def _side(selection: Selection, label: str, frame: pd.DataFrame) -> Side:
    dataset, filters = selection.dataset, selection.filters
    if len(frame) < MIN_CASES:
        side = side_phrase(label)
        count = len(frame)
        raise LoanFlowError(
            f"The {side} period of {dataset!r} holds {count} case(s) under these "
            f"filters; a comparison needs at least {MIN_CASES} on each side. Widen the "
            "filters or pick another split date.",
            code="compare_too_few_cases",
            side=side,
            dataset=dataset,
            count=count,
            least=MIN_CASES,
        )
    first = frame["first_ts"].min() if len(frame) else None
    last = frame["last_ts"].max() if len(frame) else None
    return Side(
        dataset=dataset,
        filters=filters,
        label=label,
        cases=len(frame),
        first_ts=None if first is None else pd.Timestamp(first).isoformat(),
        last_ts=None if last is None else pd.Timestamp(last).isoformat(),
    )


def apply_correction(metrics: list[Metric], alpha: float) -> None:
    """Benjamini-Hochberg over the metrics, then each metric's intervals at the confidence
    that matches it (:func:`analysis.stats.fcr_confidence`), and a note where the test and
    the corrected interval still disagree."""
    adjusted = stats.benjamini_hochberg([m.p_value for m in metrics])
    for metric, value in zip(metrics, adjusted, strict=True):
        metric.p_adjusted = value
        metric.significant = stats.significant(value, alpha)
    tested = sum(1 for m in metrics if math.isfinite(m.p_adjusted))
    level = stats.fcr_confidence(sum(m.significant for m in metrics), tested, alpha)
    for metric in metrics:
        if metric.interval_at is None or not math.isfinite(metric.p_adjusted):
            continue
        metric.ci_adjusted, metric.ci_adjusted_abs = metric.interval_at(level)
        metric.ci_adjusted_level = level
        metric.note = disagreement_note(metric)


def excludes_zero(interval: stats.Interval) -> bool | None:
    """Whether an interval lies wholly on one side of zero (None when it is missing)."""
    low, high = interval
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    return low > 0 or high < 0


def disagreement_note(metric: Metric) -> str | None:
    """Why a metric's verdict and its corrected interval disagree (None when they agree).

    The corrected interval and the corrected test agree by construction where the test is
    the interval's dual (the bootstrap test of the p90); elsewhere they are two methods:
    Mood's median test or Welch's t against a bootstrap interval, the two-proportion z-test
    against Newcombe's score interval. Near the threshold they can fall either side."""
    interval = metric.ci_adjusted_abs
    if excludes_zero(interval) is None:
        interval = metric.ci_adjusted
    outside = excludes_zero(interval)
    if outside is None or outside == metric.significant:
        return None
    level = f"{metric.ci_adjusted_level:.1%}"
    if metric.significant:
        return (
            f"The {metric.test} test is significant after the correction (p "
            f"{metric.p_adjusted:.3g}), but the {level} interval, corrected the same way, "
            "includes no change: the two methods disagree near the threshold, so read the "
            "change as uncertain."
        )
    return (
        f"The {level} interval, corrected for testing many metrics, excludes no change, but "
        f"the {metric.test} test is not significant after the correction (p "
        f"{metric.p_adjusted:.3g}): the test and the interval are different methods and "
        "disagree near the threshold, so read the change as uncertain."
    )


def _notes(metrics: dict[str, Metric], mix: MixAdjustment) -> list[Note]:
    notes = []
    open_share = metrics.get("open_share")
    if open_share is not None and open_share.significant and open_share.change_abs > 0:
        notes.append(
            Note(
                "open_cases",
                f"More cases are still open after ({open_share.after:.0%}) than before "
                f"({open_share.before:.0%}); open cases' cycle times are cut short, which "
                "flatters the after period. Rerun with --outcome approved --outcome rejected "
                "--outcome withdrawn to compare closed cases only.",
                {"before": open_share.before, "after": open_share.after},
            )
        )
    raw_excludes_zero = mix.raw_ci95[1] < 0 or mix.raw_ci95[0] > 0
    adjusted_includes_zero = mix.adjusted_ci95[0] <= 0 <= mix.adjusted_ci95[1]
    if raw_excludes_zero and adjusted_includes_zero:
        notes.append(
            Note(
                "mix_explains",
                "The raw change of the median cycle time disappears once the after cases are "
                "reweighted to the before mix of amount bands and products: the change comes "
                "from a different case mix, not (provably) from the process.",
            )
        )
    if mix.coverage < 0.9:
        notes.append(
            Note(
                "mix_coverage",
                f"Only {mix.coverage:.0%} of the before cases fall in strata that also occur "
                "after; the mix-adjusted figure describes those cases only.",
                {"coverage": mix.coverage},
            )
        )
    return notes


class Selection(Protocol):
    """One side of a comparison: a selection of cases, and what the comparison reads of it.

    :class:`StoreSelection` reads the store (DuckDB); :class:`analysis.lake.compare.
    LakeSelection` computes the same inputs on the lake (Spark, or DuckDB over Parquet). The
    statistics (:func:`compare_selections`) are the same code for both."""

    @property
    def dataset(self) -> str:
        """The dataset's name."""
        ...

    @property
    def filters(self) -> Filters:
        """The filters selecting the cases."""
        ...

    def case_metrics(self) -> pd.DataFrame:
        """One row per selected case (:func:`analysis.case_metrics.case_metrics`)."""
        ...

    def variant_counts(self) -> pd.Series:
        """Cases per variant (:func:`analysis.compare.variants.variant_counts`)."""
        ...

    def default_attribute(self) -> str | None:
        """The dataset's default attribute (:func:`.guardrails.default_attribute`)."""
        ...

    def default_flags(self, attribute: str) -> pd.Series:
        """Per approved case, whether it defaulted (:func:`.guardrails.default_flags`)."""
        ...

    def rule_flags(self) -> tuple[pd.DataFrame, list[str]]:
        """The loan rules' per-case checks (:func:`analysis.rules.rule_flags`)."""
        ...

    def kpis(self) -> dict[str, Any]:
        """The KPIs' JSON (:func:`analysis.kpis.kpis`)."""
        ...

    def path_occurrences(self, *, handoffs: bool) -> pd.DataFrame:
        """Edges or handoffs with their waits (:func:`.paths.path_occurrences`)."""
        ...


@dataclass(frozen=True)
class StoreSelection:
    """A selection of cases in the store (the DuckDB store path)."""

    con: duckdb.DuckDBPyConnection
    dataset: str
    filters: Filters

    def case_metrics(self) -> pd.DataFrame:
        """One row per selected case, ordered by case_id."""
        return case_metrics(self.con, self.dataset, self.filters)

    def variant_counts(self) -> pd.Series:
        """Cases per variant, most frequent first."""
        return variant_counts(self.con, self.dataset, self.filters)

    def default_attribute(self) -> str | None:
        """The case attribute holding a default flag, if any."""
        return default_attribute(self.con, self.dataset)

    def default_flags(self, attribute: str) -> pd.Series:
        """Per selected approved case: whether the loan defaulted."""
        return default_flags(self.con, self.dataset, self.filters, attribute)

    def rule_flags(self) -> tuple[pd.DataFrame, list[str]]:
        """Per selected decided case, each checked rule's flag."""
        return rule_flags(self.con, self.dataset, self.filters)

    def kpis(self) -> dict[str, Any]:
        """The KPIs of the selection, as JSON."""
        return kpis(self.con, self.dataset, self.filters).to_json()

    def path_occurrences(self, *, handoffs: bool) -> pd.DataFrame:
        """Per edge (or department pair): count, cases, waiting hours."""
        return path_occurrences(self.con, self.dataset, self.filters, handoffs=handoffs)


def compare(
    con: duckdb.DuckDBPyConnection,
    before: tuple[str, Filters | None],
    after: tuple[str, Filters | None],
    *,
    alpha: float = stats.ALPHA,
    n_resamples: int = stats.N_RESAMPLES,
    seed: int = stats.SEED,
    labels: tuple[str, str] = ("before", "after"),
) -> Comparison:
    """Compare two selections of cases, each ``(dataset, filters)``.

    Every per-case metric, the variant distribution, the default rate and the loan-rule
    breach shares are tested and corrected together (Benjamini-Hochberg at ``alpha``); the
    process-map edges and the handoff pairs form a family of their own. Bootstrap intervals
    use ``n_resamples`` resamples drawn with ``seed``. Raises :class:`LoanFlowError` when a
    dataset is unknown or a side has fewer than two cases.
    """
    b_sel = StoreSelection(con, before[0], before[1] or Filters())
    a_sel = StoreSelection(con, after[0], after[1] or Filters())
    require_dataset(con, b_sel.dataset)
    require_dataset(con, a_sel.dataset)
    return compare_selections(
        b_sel, a_sel, alpha=alpha, n_resamples=n_resamples, seed=seed, labels=labels
    )


def compare_selections(
    before: Selection,
    after: Selection,
    *,
    alpha: float = stats.ALPHA,
    n_resamples: int = stats.N_RESAMPLES,
    seed: int = stats.SEED,
    labels: tuple[str, str] = ("before", "after"),
) -> Comparison:
    """The comparison of two selections, whichever engine computed their inputs (see
    :func:`compare`). Only per-case rows, variant counts, rule and default flags, the KPIs
    and each edge's waits are read from the selections; every statistic is computed here."""
    frame_b, frame_a = before.case_metrics(), after.case_metrics()
    side_b = _side(before, labels[0], frame_b)
    side_a = _side(after, labels[1], frame_a)
    metrics = case_metric_comparisons(frame_b, frame_a, n_resamples=n_resamples, seed=seed)
    variant_metric, variant_details = variant_comparison(
        before.variant_counts(), after.variant_counts()
    )
    metrics.append(variant_metric)
    default, attribute = default_rate_comparison(before, after)
    if default is not None:
        metrics.append(default)
    rule_metrics, rules = rule_breach_comparison(before.rule_flags(), after.rule_flags())
    metrics += rule_metrics
    apply_correction(metrics, alpha)
    mix = mix_adjusted_change(frame_b, frame_a, n_resamples=min(n_resamples, 1000), seed=seed)
    by_name = {m.name: m for m in metrics}
    return Comparison(
        before=side_b,
        after=side_a,
        metrics=metrics,
        kpis_before=before.kpis(),
        kpis_after=after.kpis(),
        mix=mix,
        edges=path_changes(
            before.path_occurrences(handoffs=False),
            after.path_occurrences(handoffs=False),
            len(frame_b),
            len(frame_a),
            alpha,
        ),
        handoffs=path_changes(
            before.path_occurrences(handoffs=True),
            after.path_occurrences(handoffs=True),
            len(frame_b),
            len(frame_a),
            alpha,
        ),
        variants=variant_details,
        guardrails=guardrail_report(metrics, attribute, rules),
        notes=_notes(by_name, mix),
        alpha=alpha,
        cycle_times_before=per_case_values(frame_b, "cycle_time_hours"),
        cycle_times_after=per_case_values(frame_a, "cycle_time_hours"),
    )


def _as_date(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def split_filters(filters: Filters | None, split_at: date) -> tuple[Filters, Filters]:
    """The filters of the two sides of a split: cases started before / on or after the date."""
    base = filters or Filters()
    if base.period_basis == "ended" and (base.date_from or base.date_to):
        raise LoanFlowError(
            "A split at a go-live date selects cases by the day they started; drop "
            "--period-basis ended, or compare two filtered selections instead.",
            code="split_period_basis",
        )
    date_from, date_to = _as_date(base.date_from), _as_date(base.date_to)
    last_before = split_at - timedelta(days=1)
    before = base.model_copy(
        update={
            "period_basis": "started",
            "date_to": min(date_to, last_before) if date_to else last_before,
            "date_from": date_from,
        }
    )
    after = base.model_copy(
        update={
            "period_basis": "started",
            "date_from": max(date_from, split_at) if date_from else split_at,
            "date_to": date_to,
        }
    )
    return before, after


def compare_split(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    split_at: date,
    filters: Filters | None = None,
    **options: Any,
) -> Comparison:
    """Compare the cases of ``dataset`` that started before ``split_at`` with those that
    started on or after it (a go-live date), under the same ``filters``.

    ``options`` are passed to :func:`compare` (alpha, n_resamples, seed).
    """
    before, after = split_filters(filters, split_at)
    return compare(
        con, (dataset, before), (dataset, after), labels=split_labels(split_at), **options
    )


def split_labels(split_at: date) -> tuple[str, str]:
    """The two sides' labels of a split at ``split_at``."""
    day = split_at.isoformat()
    return f"started before {day}", f"started on or after {day}"
