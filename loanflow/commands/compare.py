"""``loanflow compare``: before against after, with intervals, significance and guardrails."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from loanflow.commands.analyze import engine_options, lake_run_for
from loanflow.commands.common import (
    db_option,
    echo_json,
    filter_options,
    json_option,
    pop_filters,
    read_store,
)
from vocabulary.languages import LANGUAGE_CODES

KEPT_ID = re.compile(r"p-[0-9a-f]{12}")  # a prediction kept in the store (analysis.whatif.kept)


def _row(cells: list[str], widths: list[int]) -> str:
    """One table line: the first cell left-aligned, the others right-aligned (by display width)."""
    padded = []
    for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        gap = " " * (width - _width(cell))
        padded.append(cell + gap if i == 0 else gap + cell)
    return "  ".join(padded).rstrip()


def _print_table(comparison: Any, lang: str) -> None:
    """The comparison as readable text: sides, summary, metrics, guardrails."""
    from report.build import metric_rows, note_sentence, side_label, summary_sentences
    from vocabulary import normalise_language, t

    for key, side in (("before", comparison.before), ("after", comparison.after)):
        # the side's own words in English (as --json has them), the catalogue's otherwise;
        # a label that only repeats the side (two datasets) is left out
        label = side.label if normalise_language(lang) == "en" else side_label(side.label, lang)
        shown = side.dataset if side.label == key else f"{side.dataset}: {label}"
        cases = t("compare.side_cases", lang, cases=f"{side.cases:,}")
        click.echo(
            f"{t(f'compare.{key}', lang):<7} {shown}, {cases}, {(side.first_ts or '')[:10]} – "
            f"{(side.last_ts or '')[:10]}"
        )
    click.echo("")
    for sentence in summary_sentences(comparison, lang):
        click.echo(f"* {sentence}")
    click.echo("")
    header = [
        t("compare.metric", lang),
        t("compare.before", lang),
        t("compare.after", lang),
        t("compare.change", lang),
        t("report.ci95", lang),
        t("report.p_adjusted", lang),
        "",
    ]
    rows = [
        [
            r["name"],
            r["before"],
            r["after"],
            r["change"],
            r["interval"],
            r["p_adjusted"],
            "*" if r["significant"] == t("report.yes", lang) else "",
        ]
        for r in metric_rows(comparison, lang)
    ]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    click.echo(_row(header, widths))
    for row in rows:
        click.echo(_row(row, widths))
    click.echo(t("report.significance_footnote", lang, alpha=comparison.alpha))
    for metric in comparison.metrics:
        if metric.note:
            click.echo(f"  ! {metric.name}: {metric.note}")
    guard = comparison.guardrails
    click.echo("")
    click.echo(t("report.guardrails_weakened" if guard.weakened else "report.guardrails_ok", lang))
    for note in guard.reasons:
        click.echo(f"  ! {note_sentence(note, lang)}")
    for note in guard.notes:
        click.echo(f"  - {note_sentence(note, lang)}")


def _width(cell: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in cell)


@click.command("compare")
@click.argument("before")
@click.argument("after", required=False)
@click.option(
    "--split-at",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Go-live date: compare the cases of BEFORE that started before it with those that "
    "started on or after it (give no AFTER).",
)
@filter_options
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Also write a self-contained HTML report to this file.",
)
@click.option(
    "--prediction",
    "prediction_path",
    default=None,
    help="A what-if prediction: the id of one kept in the store (`loanflow simulate BEFORE "
    "--keep`, the What if page; `loanflow predictions` lists them) or a file saved with "
    "`loanflow simulate BEFORE --scenario FILE --json`: the report gains a section of "
    "predicted vs actual (measured on AFTER).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGE_CODES, case_sensitive=False),
    default="en",
    show_default=True,
    help="Language of the report and the text output (zh = Traditional Chinese).",
)
@click.option(
    "--alpha", type=click.FloatRange(0.0, 0.5, min_open=True), default=0.05, show_default=True
)
@click.option(
    "--resamples",
    type=click.IntRange(0, 100_000),
    default=2000,
    show_default=True,
    help="Bootstrap resamples per interval (0: no intervals).",
)
@click.option("--seed", type=int, default=20240101, show_default=True, help="Bootstrap seed.")
@db_option
@json_option
@engine_options
def compare_command(
    before: str,
    after: str | None,
    split_at: datetime | None,
    report_path: str | None,
    prediction_path: str | None,
    lang: str,
    alpha: float,
    resamples: int,
    seed: int,
    db: str | None,
    as_json: bool,
    engine: str,
    lake: str | None,
    **filter_kwargs: Any,
) -> None:
    """Compare two datasets (BEFORE AFTER), or one dataset split at a go-live date
    (BEFORE --split-at DATE).

    Every KPI side by side with relative and absolute change, 95% intervals, p-values
    corrected for multiple testing (Benjamini-Hochberg), the mix-adjusted change of the
    median cycle time, process and handoff changes, and risk guardrails. The filters apply
    to both sides.
    """
    from report.build import write_report
    from vocabulary import normalise_language, t

    if (after is None) == (split_at is None):
        raise click.UsageError("Give either two datasets (BEFORE AFTER) or one with --split-at.")
    filters = pop_filters(filter_kwargs)
    if prediction_path and (after is None or not report_path):
        raise click.UsageError(
            "--prediction needs two datasets (BEFORE AFTER) and --report FILE: the prediction "
            "is checked against what AFTER measured, in the report."
        )
    options: dict[str, Any] = {"alpha": alpha, "n_resamples": resamples, "seed": seed}
    day = split_at.date() if split_at is not None else None
    if engine != "duckdb" or lake:
        comparison, prediction, changes = _on_lake(
            engine, lake, db, (before, after, day), filters, options, prediction_path, report_path
        )
    else:
        comparison, prediction, changes = _on_store(
            db, (before, after, day), filters, options, prediction_path, report_path
        )
    if report_path:
        write_report(comparison, report_path, lang, prediction, changes)
    if as_json:
        echo_json(comparison.to_json())
        return
    _print_table(comparison, normalise_language(lang))
    if report_path:
        click.echo("\n" + t("report.written", normalise_language(lang), path=report_path))


def _saved_prediction(con: Any, prediction_path: str) -> dict[str, Any]:
    """The prediction named by ``--prediction``: a saved file, or the id of one kept in the
    store (``con``: a store connection, or a callable opening one)."""
    from analysis.whatif.kept import kept_prediction
    from analysis.whatif.whatif import check_prediction, load_prediction

    if Path(prediction_path).exists() or not KEPT_ID.fullmatch(prediction_path):
        return load_prediction(prediction_path)
    if callable(con):
        with con() as store:
            return check_prediction(kept_prediction(store, prediction_path), prediction_path)
    return check_prediction(kept_prediction(con, prediction_path), prediction_path)


def _on_store(
    db: str | None,
    sides: tuple[str, str | None, Any],
    filters: Any,
    options: dict[str, Any],
    prediction_path: str | None,
    report_path: str | None,
) -> tuple[Any, Any, Any]:
    """The comparison, the checked prediction and the causes' changes, on the store."""
    from analysis.compare import compare, compare_split
    from etl.errors import LoanFlowError
    from etl.settings import db_path
    from etl.store import connect, store_exists

    before, after, day = sides
    if not store_exists(db):
        raise LoanFlowError(
            f"No LoanFlow store at {db_path(db)}. Load the logs first with "
            "`loanflow ingest FILE --dataset NAME`, or point --db / LOANFLOW_DB at your store.",
            code="store_missing_compare",
            path=db_path(db),
        )
    con = connect(db)  # writable: the analysis keeps its derivations in the store
    prediction = None
    try:
        if prediction_path:
            from analysis.whatif.whatif import with_actual

            assert after is not None
            prediction = with_actual(_saved_prediction(con, prediction_path), con, after)
        if day is not None:
            comparison = compare_split(con, before, day, filters, **options)
        else:
            assert after is not None
            comparison = compare(con, (before, filters), (after, filters), **options)
        changes = _cause_changes(con, before, after, day, filters) if report_path else None
    finally:
        con.close()
    return comparison, prediction, changes


def _on_lake(
    engine: str,
    lake: str | None,
    db: str | None,
    sides: tuple[str, str | None, Any],
    filters: Any,
    options: dict[str, Any],
    prediction_path: str | None,
    report_path: str | None,
) -> tuple[Any, Any, Any]:
    """The comparison, the checked prediction and the causes' changes, on the lake: each
    side's per-case table computed on the engine, the statistics here (docs/scale.md)."""
    from analysis.lake import compare as lake_compare
    from analysis.whatif.whatif import with_actual_metrics

    before, after, day = sides
    run_b = lake_run_for(engine, lake, before, db)
    run_a = lake_run_for(engine, lake, after, db) if after is not None else run_b
    changes = None
    if report_path:
        changes = _lake_cause_changes(run_b, run_a, day, filters)
    prediction = None
    if prediction_path:
        assert after is not None
        saved = _saved_prediction(lambda: read_store(db), prediction_path)
        prediction = with_actual_metrics(saved, after, lake_compare.actual_metrics(run_a))
    if day is not None:
        comparison = lake_compare.compare_split(run_b, day, filters, **options)
    else:
        comparison = lake_compare.compare((run_b, filters), (run_a, filters), **options)
    return comparison, prediction, changes


def _lake_cause_changes(run_b: Any, run_a: Any, day: date | None, filters: Any) -> Any:
    """The report's waiting causes before and after, on the lake (the same figures as
    `loanflow waits BEFORE --compare AFTER --engine ...`)."""
    from analysis.compare.comparison import split_filters
    from analysis.lake.waits import cause_changes

    if day is not None:
        until, since = split_filters(filters, day)
        return cause_changes((run_b, until), (run_b, since))
    return cause_changes((run_b, filters), (run_a, filters))


def _cause_changes(
    con: Any, before: str, after: str | None, split_at: date | None, filters: Any
) -> list[dict[str, Any]]:
    """How each handoff's causes of waiting changed, on the comparison's two selections
    (the report's section; the same figures as `loanflow waits BEFORE --compare AFTER`)."""
    from analysis.compare.comparison import split_filters
    from analysis.waits.report import cause_changes

    if split_at is not None:
        until, since = split_filters(filters, split_at)
        return cause_changes(con, (before, until), (before, since))
    assert after is not None
    return cause_changes(con, (before, filters), (after, filters))


COMMANDS = [compare_command]
