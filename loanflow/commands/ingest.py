"""``loanflow ingest``, ``loanflow datasets`` and ``loanflow drop``: loading and managing logs."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from analysis.lake.location import Lake

from loanflow.commands.common import audit_cli, cli_actor, db_option, echo_json, json_option

PROGRESS_BAR_BYTES = 5 << 20


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Any]:
    """A progress callback drawing a bar on stderr (a no-op when disabled)."""
    if not enabled:
        yield None
        return
    with click.progressbar(length=100, label="Loading", file=sys.stderr, show_eta=False) as bar:
        done = [0]

        def report(fraction: float, message: str) -> None:
            target = int(fraction * 100)
            bar.label = f"Loading: {message:<28}"
            if target > done[0]:
                bar.update(target - done[0])
                done[0] = target

        yield report


def _print_summary(summary: dict[str, Any]) -> None:
    verb = "Would load" if summary["dry_run"] else "Loaded"
    inside = f"{summary['member']} in " if summary.get("member") else ""
    click.echo(
        f"{verb} {inside}{summary['source']} into dataset {summary['dataset']!r} "
        f"({summary['format']}, one row per "
        f"{'event' if summary['layout'] == 'events' else 'activity instance'})."
    )
    click.echo(f"  rows read            {summary['rows_read']:>12,}")
    click.echo(f"  exact duplicates     {summary['duplicates']:>12,}  (dropped)")
    if summary["mode"] == "append":
        click.echo(f"  already in the store {summary['already_loaded']:>12,}  (skipped)")
    click.echo(f"  rejected             {summary['rejected']:>12,}")
    for reason, count in summary["rejects_by_reason"].items():
        click.echo(f"    {reason:<30} {count:>8,}")
    _print_names(summary.get("names_normalised") or {})
    click.echo(f"  events               {summary['events']:>12,}")
    click.echo(f"  activity instances   {summary['activity_instances']:>12,}")
    click.echo(f"  cases                {summary['cases']:>12,}")
    click.echo(f"  seconds              {summary['seconds']:>12.2f}")
    if summary.get("prepare_seconds") is not None:
        click.echo(f"  analysis prepared in {summary['prepare_seconds']:>12.2f}  seconds")
    if summary["rejected"] and not summary["dry_run"]:
        click.echo(
            "  The rejected rows are kept in the store's rejects table with their reason "
            "and source row number."
        )


def _print_names(changed: dict[str, int]) -> None:
    """The line saying how many names had their whitespace normalised (none: no line)."""
    if not any(changed.values()):
        return
    parts = ", ".join(
        f"{count:,} {name} name{'s' if count != 1 else ''}"
        for name, count in changed.items()
        if count
    )
    click.echo(f"  whitespace normalised in {parts} (runs collapsed, ends stripped)")


class _AnalysisPreparation:
    """The step the CLI runs after a load commits (``ingest(after_load=...)``): build the
    analysis's stored derivations of the dataset, so the first view of it is fast. The
    loader does not know the analysis; this hook, in the CLI above both, joins them."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.seconds: float | None = None

    def __call__(self, con: Any, dataset: str) -> None:
        from analysis.prepared_tables import prepare
        from etl.errors import LoanFlowError

        if not self.quiet:
            click.echo(f"Preparing the analysis tables of {dataset!r} ...", err=True)
        started = time.perf_counter()
        try:
            prepare(con, dataset)
        except LoanFlowError:
            raise
        except Exception as exc:  # the data is loaded; say so rather than show a traceback
            raise LoanFlowError(
                f"The dataset {dataset!r} is loaded, but building its analysis tables failed "
                f"({exc}). The first analysis of it will build them again.",
                code="analysis_tables_failed",
                dataset=dataset,
                reason=exc,
            ) from exc
        self.seconds = time.perf_counter() - started


def _prepare_in_background(db: str | None, dataset: str, *, quiet: bool) -> int:
    """Start the analysis preparation as a background job; its pid."""
    from analysis.cache import prepare_in_background
    from etl.settings import db_path

    pid = prepare_in_background(db_path(db), dataset)
    if not quiet:
        click.echo(
            f"Preparing the analysis tables of {dataset!r} in the background (pid {pid}); "
            "commands on this store wait for it to finish.",
            err=True,
        )
    return pid


def _print_preview(preview: dict[str, Any]) -> None:
    detected = ", ".join(
        f"{k} {preview[k]!r}" for k in ("format", "encoding", "delimiter") if preview.get(k)
    )
    click.echo(f"Detected: {detected}; layout: {preview['layout']}.")
    click.echo("Mapping (copy into a profile to fix it):")
    click.echo("columns:")
    for name, column in preview["mapping"]["columns"].items():
        guessed = "   # guessed" if name in preview["mapping"]["guessed"] else ""
        click.echo(f"  {name}: {column}{guessed}")
    if preview["mapping"]["case_attributes"]:
        click.echo("case_attributes:")
        for name, column in preview["mapping"]["case_attributes"].items():
            click.echo(f"  {name}: {column}")
    click.echo("First rows as they would load:")
    for row in preview["rows"]:
        cells = "  ".join(f"{k}={v}" for k, v in row.items() if v is not None)
        click.echo(f"  {cells}")


@click.command("ingest")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dataset", "-d", required=True, help="Name of the dataset in the store.")
@click.option(
    "--profile",
    "-p",
    type=click.Path(dir_okay=False),
    default=None,
    help="Profile YAML: column mapping, time zone, outcomes, calendar, ...",
)
@click.option("--replace", is_flag=True, help="Swap an existing dataset of this name whole.")
@click.option(
    "--append",
    is_flag=True,
    help="Add only the events not already in the dataset (same file twice adds nothing).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the mapping, the first rows and what would load; write nothing.",
)
@click.option(
    "--member",
    default=None,
    metavar="NAME",
    help="The log to load from a zip archive that holds several (its name in the archive).",
)
@click.option(
    "--prepare",
    "prepare_mode",
    type=click.Choice(["now", "background", "later"]),
    default="now",
    show_default=True,
    help="Build the analysis tables after the load: now (before the command returns), in "
    "the background (the command returns once the data is loaded; commands on the store "
    "wait for the job), or later (the first view builds them).",
)
@click.option(
    "--no-prepare",
    is_flag=True,
    help="The same as --prepare later.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="spark: write the dataset into the lake (--to, or LOANFLOW_LAKE) as Parquet "
    "partitioned by dataset, and check that Spark reads it back whole.",
)
@click.option(
    "--to",
    "to",
    type=click.Path(file_okay=False),
    default=None,
    help="The lake to write the dataset into: a folder, a file-system URI Spark reaches "
    "(hdfs://, s3a://...) or catalog:DATABASE (tables of Spark's catalog).",
)
@db_option
@json_option
def ingest_command(file: Path, **options: Any) -> None:
    """Load an event log FILE (CSV/TSV, Excel .xlsx, Parquet, XES; also compressed as
    .gz or .zip) into the store, or with --engine spark / --to into the lake."""
    # A large XES log is scanned and parsed by a worker from now on, while this process
    # imports the loader and opens the store (etl.xes.start_early).
    from etl.xes import early_worker

    with early_worker(file):
        _ingest(file, **options)


def _ingest(
    file: Path,
    dataset: str,
    profile: str | None,
    replace: bool,
    append: bool,
    dry_run: bool,
    member: str | None,
    prepare_mode: str,
    no_prepare: bool,
    engine: str,
    to: str | None,
    db: str | None,
    as_json: bool,
) -> None:
    from etl.archives import ArchiveMembersError
    from etl.errors import BadInputError, LoanFlowError
    from etl.load import Mode, ingest, preview

    if replace and append:
        raise BadInputError(
            "Choose one of --replace and --append, not both.", code="replace_and_append"
        )
    if engine == "spark" or to:
        into = f"{'replace' if replace else 'create'} into the lake"
        try:
            summary = _ingest_to_lake(
                file, dataset, profile, replace, append, dry_run, member, engine, to
            )
        except LoanFlowError as exc:
            _audit_load(db, dataset, f"{into} {to or '(LOANFLOW_LAKE)'}", dry_run, f"failed: {exc}")
            raise
        _audit_load(db, dataset, f"{into} {summary['lake']}", dry_run, _loaded(summary))
        if as_json:
            echo_json(summary)
        else:
            _print_summary(summary)
            click.echo(f"  written to the lake  {summary['lake']}")
        return
    mode: Mode = "replace" if replace else "append" if append else "create"
    mode_of_preparation = "later" if no_prepare or dry_run else prepare_mode
    preparation = _AnalysisPreparation(quiet=as_json) if mode_of_preparation == "now" else None
    try:
        shown = preview(file, profile=profile, member=member) if dry_run else None
        large = file.exists() and file.stat().st_size >= PROGRESS_BAR_BYTES
        with _progress_bar(large and not as_json) as report:
            summary = ingest(
                file,
                dataset,
                db=db,
                profile=profile,
                mode=mode,
                dry_run=dry_run,
                progress=report,
                member=member,
                after_load=preparation,
            ).to_json()
    except ArchiveMembersError as exc:
        error = BadInputError(
            f"{exc} Choose it with --member NAME.", code="choose_member", problem=exc
        )
        _audit_load(db, dataset, mode, dry_run, f"failed: {error}")
        raise error from None
    except LoanFlowError as exc:
        if not str(exc).startswith("Could not write to the store"):
            # (a store that cannot be written, a full disk, cannot take the audit line either)
            _audit_load(db, dataset, mode, dry_run, f"failed: {exc}")
        raise
    _audit_load(db, dataset, mode, dry_run, _loaded(summary))
    seconds = preparation.seconds if preparation is not None else None
    summary["prepare_seconds"] = None if seconds is None else round(seconds, 3)
    summary["prepare"] = mode_of_preparation
    if mode_of_preparation == "background":
        summary["prepare_pid"] = _prepare_in_background(db, summary["dataset"], quiet=as_json)
    # Everything the load opened is closed (the store, its temporary files, the XES worker;
    # a background preparation runs in a session of its own): the process may end at once.
    from loanflow.cli import exit_without_teardown

    exit_without_teardown()
    if as_json:
        if shown is not None:
            summary["preview"] = shown.to_json()
        echo_json(summary)
        return
    if shown is not None:
        _print_preview(shown.to_json())
    _print_summary(summary)


def _ingest_to_lake(
    file: Path,
    dataset: str,
    profile: str | None,
    replace: bool,
    append: bool,
    dry_run: bool,
    member: str | None,
    engine: str,
    to: str | None,
) -> dict[str, Any]:
    """Load FILE with the store's loader into a private staging store (reading, validation,
    pairing, rejects: the same as a store load), write the dataset's canonical tables into
    the lake as Parquet, and with ``engine`` spark count them back on Spark."""
    import shutil
    import tempfile

    from analysis.lake import lake_root
    from analysis.lake.files import lake_has_dataset, write_dataset
    from analysis.lake.location import RemoteLake, parse_lake
    from etl.errors import BadInputError
    from etl.load import ingest

    root = parse_lake(to) if to else lake_root()
    if root is None:
        raise BadInputError(
            "Say which lake to write to: --to PATH, or set LOANFLOW_LAKE (loanflow settings).",
            code="lake_not_named",
        )
    if append:
        raise BadInputError(
            "--append is not supported for the lake: load the whole log again.",
            code="lake_no_append",
        )
    if isinstance(root, RemoteLake) and engine != "spark":
        raise BadInputError(
            f"{root} is written through Spark: add --engine spark.",
            code="lake_write_needs_spark",
            lake=root,
        )
    exists = lake_has_dataset(root, dataset)
    if exists and not replace and not dry_run:
        raise BadInputError(
            f"The lake at {root} already has dataset {dataset!r}: --replace swaps it whole.",
            code="lake_dataset_exists",
            root=root,
            dataset=dataset,
        )
    staging = Path(tempfile.mkdtemp(prefix="loanflow-lake-"))
    try:
        summary = ingest(
            file,
            dataset,
            db=str(staging / "staging.duckdb"),
            profile=profile,
            mode="create",
            dry_run=dry_run,
            member=member,
        ).to_json()
        summary["lake"] = str(root)
        summary["engine"] = engine
        summary["mode"] = "replace" if exists else "create"
        if dry_run:
            return summary
        from etl.store import connect

        con = connect(staging / "staging.duckdb")
        try:
            local = staging / "lake" if isinstance(root, RemoteLake) else root
            summary["lake_rows"] = write_dataset(con, dataset, local)
        finally:
            con.close()
        if isinstance(root, RemoteLake):
            from analysis.lake.location import write_remote

            write_remote(local, dataset, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if engine == "spark":
        summary["spark_rows"] = _spark_counts(root, dataset)
        if summary["spark_rows"] != summary["lake_rows"]:
            read, written = summary["spark_rows"], summary["lake_rows"]
            raise BadInputError(
                f"Spark read back {read} rows, not the {written} written to {root}: check the "
                "lake's file system.",
                code="lake_read_back",
                read=read,
                written=written,
                root=root,
            )
    return summary


def _spark_counts(root: Lake, dataset: str) -> dict[str, int]:
    """The rows of each table of one dataset of the lake, as Spark reads them (by the
    ``dataset`` partition column, the way a cluster's jobs select it; a folder through its
    ``file://`` address)."""
    from analysis.lake.location import RemoteLake, remote_counts

    remote = root if isinstance(root, RemoteLake) else RemoteLake(root.resolve().as_uri())
    return remote_counts(remote, dataset)


def _loaded(summary: dict[str, Any]) -> str:
    return (
        f"done: {summary.get('events', 0):,} events, {summary.get('cases', 0):,} cases, "
        f"{summary.get('rejected', 0):,} rejected"
    )


def _audit_load(db: str | None, dataset: str, mode: str, dry_run: bool, outcome: str) -> None:
    """The audit row of a load from the command line: its mode and whether it worked."""
    if not dry_run:
        audit_cli(db, "load", dataset, f"{mode} (cli): {outcome}"[:500])


@click.command("datasets")
@db_option
@json_option
def datasets_command(db: str | None, as_json: bool) -> None:
    """List the datasets in the store."""
    from etl.load import list_datasets
    from etl.store import connect, store_exists

    if not store_exists(db):
        rows: list[dict[str, Any]] = []
    else:
        from analysis.cache import preparation_state
        from etl.settings import db_path

        con = connect(db, read_only=True)
        try:
            rows = list_datasets(con)
            for row in rows:
                row["analysis"] = preparation_state(con, row["name"], db_path(db))
        finally:
            con.close()
    if as_json:
        echo_json({"datasets": rows})
        return
    if not rows:
        click.echo("No datasets yet. Load one with `loanflow ingest FILE --dataset NAME`.")
        return
    click.echo(
        f"{'name':<24} {'cases':>9} {'events':>11} {'rejected':>9}  loaded at (UTC)       "
        "analysis      source"
    )
    for row in rows:
        click.echo(
            f"{row['name']:<24} {row['cases']:>9,} {row['events']:>11,} "
            f"{row['rejected'] or 0:>9,}  {row['loaded_at']:<21} {row['analysis']:<13} "
            f"{row['source']}"
        )


@click.command("drop")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--lake",
    "lake",
    default=None,
    help="Delete the dataset from this lake instead of the store: a folder, or with "
    "--engine spark a file-system URI (hdfs://, s3a://...) or catalog:DATABASE.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="spark: reach a lake only Spark reaches (a URI, tables of Spark's catalog).",
)
@db_option
def drop_command(name: str, yes: bool, lake: str | None, engine: str, db: str | None) -> None:
    """Delete the dataset NAME and everything derived from it (from the store, or with
    --lake from a lake: its partition of every table, the other datasets left as they
    are)."""
    if lake:
        _drop_from_lake(name, yes, lake, engine, db)
        return
    import accounts
    from etl.load import drop_dataset
    from etl.store import connect, require_dataset

    con = connect(db)
    try:
        require_dataset(con, name)
        if not yes:
            click.confirm(f"Delete the dataset {name!r} from the store?", abort=True)
        drop_dataset(con, name)
        accounts.audit(con, cli_actor(), "delete", name, "cli")
    finally:
        con.close()
    click.echo(f"Dropped dataset {name!r}.")


def _drop_from_lake(name: str, yes: bool, lake: str, engine: str, db: str | None) -> None:
    from analysis.lake.files import drop_lake_dataset, require_lake_dataset
    from analysis.lake.location import needs_spark, parse_lake

    root = parse_lake(lake)
    if engine != "spark":
        needs_spark(root)
    require_lake_dataset(root, name)
    if not yes:
        click.confirm(f"Delete the dataset {name!r} from the lake at {root}?", abort=True)
    drop_lake_dataset(root, name)
    audit_cli(db, "delete", name, f"lake {root} (cli)"[:500])
    click.echo(f"Dropped dataset {name!r} from the lake at {root}.")


COMMANDS: list[click.Command] = [ingest_command, datasets_command, drop_command]
