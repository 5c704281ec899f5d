"""What-if commands: ``loanflow model`` (discover a simulation model) and ``loanflow simulate``.

Both parse options and call one function of :mod:`analysis.whatif`; see docs/whatif.md.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from loanflow.commands.common import db_option, echo_json, json_option, read_store


def _progress(message: str) -> None:
    click.echo(f"... {message}", err=True)


@click.command("model")
@click.argument("dataset")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    required=True,
    help="Where to write the model (JSON).",
)
@click.option(
    "--bpmn",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the model as BPMN (for Prosimos and other tools).",
)
@click.option(
    "--prosimos",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write Prosimos's simulation parameters (JSON); needs --bpmn.",
)
@click.option(
    "--activities",
    default=None,
    help="Keep only these activities: a glob (W_*) or a comma-separated list.",
)
@click.option("--no-validate", is_flag=True, help="Skip the hold-out validation (faster).")
@db_option
@json_option
def model_command(
    dataset: str,
    out: str,
    bpmn: str | None,
    prosimos: str | None,
    activities: str | None,
    no_validate: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Discover a simulation model of DATASET and save it (JSON, optionally BPMN + Prosimos)."""
    from analysis.whatif.model import save_model
    from analysis.whatif.whatif import build_model
    from etl.errors import BadInputError

    if prosimos and not bpmn:
        raise BadInputError(
            "--prosimos needs --bpmn too: Prosimos reads both files", code="prosimos_needs_bpmn"
        )
    with read_store(db) as con:
        model = build_model(
            con,
            dataset,
            activities=activities,
            validate_model=not no_validate,
            progress=None if as_json else _progress,
        )
    save_model(model, out)
    if bpmn:
        from analysis.whatif.export import write_prosimos

        write_prosimos(model, bpmn, prosimos)
    summary = {
        "dataset": dataset,
        "out": out,
        "cases": model["trained"]["cases"],
        "activities": len(model["activities"]),
        "departments": {k: v["size"] for k, v in model["pools"].items()},
        "parallel": model.get("parallel", []),
        "batching": model.get("batching", []),
        "quality": model.get("quality"),
    }
    if as_json:
        echo_json(summary)
        return
    click.echo(f"Model of {dataset} ({summary['cases']:,} cases) written to {out}")
    click.echo(
        "Departments (head count): "
        + ", ".join(f"{k} {v}" for k, v in summary["departments"].items())
    )
    if summary["batching"]:
        click.echo("Done in sessions (batching): " + ", ".join(summary["batching"]))
    quality = summary["quality"]
    if quality:
        click.echo(
            f"Quality on the last 20% of cases: cycle-time distance "
            f"{quality['cycle_time_distance_hours']:.1f} h, 3-gram distance "
            f"{quality['ngram_distance']:.3f}; {quality['verdict']}"
        )


@click.command("simulate")
@click.argument("dataset")
@click.option(
    "--scenario",
    "scenario",
    type=click.Path(dir_okay=False),
    default=None,
    help="A scenario file (YAML) with the changes to try.",
)
@click.option(
    "--model",
    "model_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="A model saved by 'loanflow model' (default: discover it now).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=1000),
    default=5,
    show_default=True,
    help="Replications (on all cores).",
)
@click.option(
    "--cases",
    type=click.IntRange(min=1),
    default=None,
    help="Cases per replication (default: as many as the log).",
)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="When the simulated cases start arriving (default: the log's start).",
)
@click.option("--actual", default=None, help="Another dataset with what really happened.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write one replication's log (CSV) that 'loanflow ingest' loads.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@click.option("--activities", default=None, help="Keep only these activities (glob or list).")
@click.option("--no-validate", is_flag=True, help="Skip the model's hold-out validation.")
@click.option(
    "--keep",
    is_flag=True,
    help="Keep the prediction in the store, to check it later against what happened "
    "(`loanflow compare BEFORE AFTER --report F --prediction ID`, or the Compare page).",
)
@db_option
@json_option
def simulate_command(
    dataset: str,
    scenario: str | None,
    model_file: str | None,
    runs: int,
    cases: int | None,
    start: Any,
    actual: str | None,
    out: str | None,
    seed: int,
    activities: str | None,
    no_validate: bool,
    keep: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """Simulate DATASET's process as it is and with a scenario's changes."""
    from analysis.whatif.whatif import what_if

    with read_store(db) as con:
        report = what_if(
            con,
            dataset,
            scenario_file=scenario,
            model_file=model_file,
            runs=runs,
            cases=cases,
            start=start,
            actual=actual,
            seed=seed,
            out=out,
            validate_model=not no_validate,
            activities=activities,
            progress=None if as_json else _progress,
        )
    if keep:
        report["kept_as"] = _keep(db, report)
    if as_json:
        echo_json(report)
        return
    _print_report(report)
    if keep:
        click.echo(
            f"Kept as {report['kept_as']}: check it later with `loanflow compare "
            f"{dataset} AFTER --report FILE --prediction {report['kept_as']}`."
        )


def _keep(db: str | None, report: dict[str, Any]) -> str:
    """Keep the prediction in the store (a writable connection of its own) and audit it."""
    from analysis.whatif.kept import keep_prediction
    from etl.store import connect
    from loanflow.commands.common import audit_cli, cli_actor

    con = connect(db)
    try:
        ident = keep_prediction(con, report, made_by=cli_actor())
    finally:
        con.close()
    audit_cli(db, "keep-prediction", ident, str(report["dataset"]))
    return ident


@click.command("predictions")
@click.argument("dataset", required=False)
@db_option
@json_option
def predictions_command(dataset: str | None, db: str | None, as_json: bool) -> None:
    """The what-if predictions kept in the store (of models discovered from DATASET),
    newest first."""
    from analysis.whatif.kept import kept_predictions

    with read_store(db) as con:
        kept = kept_predictions(con, dataset)
    if as_json:
        echo_json({"predictions": [p.to_json() for p in kept]})
        return
    if not kept:
        click.echo("No kept predictions. Keep one with `loanflow simulate NAME --keep`.")
        return
    for p in kept:
        click.echo(
            f"{p.id}  {p.trained_on}  {p.scenario or '(as is)'}  {p.runs} runs  "
            f"{p.made_at:%Y-%m-%d %H:%M}  {p.made_by or ''}".rstrip()
        )


def _fmt(value: Any, share: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:.1%}" if share else f"{value:,.1f}"


def _print_report(report: dict[str, Any]) -> None:
    quality = report["model"].get("quality")
    if quality:
        click.echo(f"Model quality: {quality['verdict']}")
    title = f"{report['runs']} replication(s) of {report['cases']:,} cases from {report['start']}"
    click.echo(title + (f"; scenario: {report['scenario']}" if report["scenario"] else ""))
    head = ["metric", "baseline", "scenario", "change", "95% interval"]
    if report.get("actual_dataset"):
        head += ["actual", "error"]
    rows = [head]
    for m in report["metrics"]:
        share = m["name"].endswith("_share") or m["name"].startswith("utilisation:")
        lo, hi = m["ci95"]
        cut = " *" if "ci95" in m.get("clipped", []) else ""
        row = [
            m["name"],
            _fmt(m["baseline"], share),
            _fmt(m["scenario"], share),
            _fmt(m["change"], share),
            f"{_fmt(lo, share)} .. {_fmt(hi, share)}{cut}" if lo is not None else "-",
        ]
        if report.get("actual_dataset"):
            error = m.get("error")
            row += [
                _fmt(m.get("actual"), share),
                "-" if error is None else (f"{error * 100:+.1f} pp" if share else f"{error:+.1%}"),
            ]
        rows.append(row)
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    for r in rows:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if any("ci95" in m.get("clipped", []) for m in report["metrics"]):
        click.echo(
            "* the interval reached past what the quantity can be (below 0 h or 0%, above "
            "100%) and is cut there: more replications (--runs) give a narrower one"
        )
    sys.stdout.flush()


COMMANDS: list[click.Command] = [model_command, simulate_command, predictions_command]
