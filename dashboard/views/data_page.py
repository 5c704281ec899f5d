"""The Data page's work: preview an upload, load it in the background, report, manage datasets."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import yaml
from dash import dcc, html

from analysis.dataset_facts import rejected_rows as analysis_rejected_rows
from dashboard import data
from dashboard.audit import outcome_recorder
from dashboard.components import (
    column,
    error_alert,
    failure_alert,
    failure_message,
    file_chooser,
    grid,
    section,
)
from dashboard.exports import export_tools, register_export
from dashboard.jobs import RUNNER, Job
from dashboard.uploads import remove_upload, upload_path
from dashboard.warm import warm_in_background
from etl import store
from etl.errors import BadInputError, DatasetExistsError, LoanFlowError
from etl.load import LoadSummary, drop_dataset, list_datasets, preview
from etl.load_worker import load_in_child
from etl.profile import CANONICAL_FIELDS, Profile
from vocabulary import fmt_bytes, fmt_count, t

PAGE = "data"
NONE = "__none__"
ACCEPT = ".csv,.tsv,.txt,.xlsx,.xes,.gz,.zip,.parquet"
SUFFIXES = (
    ".xes.gz",
    ".csv.gz",
    ".tsv.gz",
    ".csv",
    ".tsv",
    ".txt",
    ".xlsx",
    ".xes",
    ".parquet",
    ".gz",
    ".zip",
)


def default_name(filename: str) -> str:
    """A dataset name from a file name: its stem without the log-format suffixes."""
    lowered = filename.lower()
    for suffix in SUFFIXES:
        if lowered.endswith(suffix):
            return filename[: -len(suffix)] or "log"
    return filename or "log"


def parse_profile_text(text: str | None) -> dict[str, Any]:
    """The optional profile typed on the page (YAML), as a dict; empty text is no profile."""
    if not text or not text.strip():
        return {}
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadInputError(
            f"The profile is not valid YAML: {exc}. Fix it or clear it.",
            code="profile_text_not_yaml",
            reason=exc,
        ) from exc
    if not isinstance(parsed, dict):
        raise BadInputError(
            "The profile must be a YAML mapping (key: value lines).",
            code="profile_text_not_mapping",
        )
    return parsed


def with_mapping(profile: dict[str, Any], mapping: dict[str, str | None]) -> dict[str, Any]:
    """The profile with the page's column choices (the page wins over the profile text)."""
    columns = dict(profile.get("columns") or {})
    for field, source in mapping.items():
        if source and source != NONE:
            columns[field] = source
        else:
            columns.pop(field, None)
    return (
        {**profile, "columns": columns}
        if columns
        else {k: v for k, v in profile.items() if k != "columns"}
    )


def mapping_from_controls(
    values: list[str | None], ids: list[dict[str, str]]
) -> dict[str, str | None]:
    """The mapping dropdowns' values by canonical field."""
    return {item["field"]: value for item, value in zip(ids, values, strict=True)}


# --- preview -----------------------------------------------------------------------------


def upload_message(result: dict[str, Any] | None, lang: str) -> Any:
    """What the page says about the upload just finished."""
    if not result:
        return None
    if result.get("error"):
        return failure_alert(failure_message(result, lang), lang)
    return dbc.Alert(
        t(
            "data.uploaded",
            lang,
            name=result.get("filename", ""),
            size=fmt_bytes(int(result.get("size", 0)), lang),
        ),
        color="success",
    )


DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


def detected_line(
    file_format: str | None,
    layout: str | None,
    encoding: str | None,
    delimiter: str | None,
    lang: str,
) -> str:
    """What the reader found in the file, in the reader's language: the format, the layout
    (one row per event or per activity instance), the encoding and the delimiter."""
    parts = []
    if file_format:
        parts.append(t("data.detected.format", lang, value=str(file_format).upper()))
    if layout in ("events", "instances"):
        parts.append(t(f"data.detected.layout_{layout}", lang))
    if encoding:
        parts.append(t("data.detected.encoding", lang, value=str(encoding).upper()))
    if delimiter:
        name = DELIMITERS.get(delimiter)
        shown = t(f"data.delimiter.{name}", lang) if name else repr(delimiter)
        parts.append(t("data.detected.delimiter", lang, value=shown))
    return t("report.list_separator", lang).join(parts)


def mapping_form(result: dict[str, Any] | None, lang: str) -> list[Any]:
    """The guessed mapping as one dropdown per canonical field, for the uploaded file."""
    if not result or result.get("error"):
        return []
    try:
        found = preview(upload_path(result.get("upload_id")), rows=10)
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    options: list[Any] = [{"label": t("data.field.none", lang), "value": NONE}] + [
        {"label": c, "value": c} for c in found.columns
    ]
    guessed = found.mapping.get("columns", {})
    rows = [
        dbc.Row(
            [
                dbc.Col(dbc.Label(t(f"data.field.{field}", lang)), md=4),
                dbc.Col(
                    dcc.Dropdown(
                        id={"type": "data-map", "field": field},
                        options=options,
                        value=guessed.get(field) or NONE,
                        clearable=False,
                    ),
                    md=8,
                ),
            ],
            className="mb-1",
        )
        for field in CANONICAL_FIELDS
    ]
    detected = detected_line(found.format, found.layout, found.encoding, found.delimiter, lang)
    return [
        html.P(t("data.mapping_help", lang), className="small"),
        html.P(detected, className="small text-muted"),
        *rows,
    ]


PREVIEW_HEADERS = {
    "source_row": "data.col.source_row",
    "case_id": "data.field.case_id",
    "activity": "data.field.activity",
    "start_ts": "data.field.start_timestamp",
    "ts": "data.field.timestamp",
    "lifecycle": "data.field.lifecycle",
    "resource": "data.field.resource",
    "department": "data.field.department",
    "reason": "data.reason",
}


def preview_header(name: str, lang: str) -> str:
    """The first-rows table's header for a canonical column."""
    key = PREVIEW_HEADERS.get(name)
    return t(key, lang) if key else name


def preview_rows(
    result: dict[str, Any] | None,
    mapping: dict[str, str | None],
    profile_text: str | None,
    lang: str,
) -> list[Any]:
    """The first rows as they would load under the chosen mapping."""
    if not result or result.get("error"):
        return []
    try:
        profile = with_mapping(parse_profile_text(profile_text), mapping)
        found = preview(upload_path(result.get("upload_id")), profile=profile, rows=10)
    except LoanFlowError as exc:
        return [error_alert(exc, lang)]
    frame = pd.DataFrame(found.rows).map(plain_timestamp)
    columns = [column(c, preview_header(c, lang)) for c in frame.columns]
    return [
        html.H6(t("data.first_rows", lang)),
        grid(f"{PAGE}-preview-grid", frame, columns, height=300),
    ]


_ISO_UTC = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d(?::\d\d)?)(?:\.\d+)?(Z|\+00:00)$")


def plain_timestamp(value: Any) -> Any:
    """An ISO timestamp in UTC as people write it (2025-01-06 09:00:00 UTC); else as is."""
    if isinstance(value, str):
        match = _ISO_UTC.match(value)
        if match:
            return f"{match.group(1)} {match.group(2)} UTC"
    return value


# --- loading -----------------------------------------------------------------------------


def load_work(
    path: Path, name: str, profile: dict[str, Any], mode: str
) -> Callable[[Job], LoadSummary]:
    """The background work of one load: ingest in a child process, watched (its memory
    capped, stopped on cancel), so that a hostile or huge file cannot take the dashboard
    down (:func:`etl.load_worker.load_in_child`). The dashboard holds no lease meanwhile:
    the child takes the store, and requests wait for it (see docs/security.md)."""

    def work(job: Job) -> LoadSummary:
        fields = load_in_child(
            path,
            name,
            db=data.STORE.path,
            profile=profile or None,
            mode=mode,
            progress=lambda fraction, message: job.report(fraction, message),
            cancel=lambda: job.cancelled,
        )
        summary = LoadSummary(**fields)
        data.store_changed()
        warm_in_background([summary.dataset])
        return summary

    return work


def start_load(
    result: dict[str, Any] | None,
    mapping: dict[str, str | None],
    profile_text: str | None,
    name: str | None,
    mode: str | None,
    *,
    profile: Profile | None = None,
) -> Job:
    """Start loading the upload as dataset ``name``; raises LoanFlowError on bad input.

    ``profile``, when given, is the profile the mapping step made (it already holds the
    mapping and the profile text); else the profile text under the mapping is used."""
    if not result or result.get("error") or not result.get("upload_id"):
        raise BadInputError("Upload a file first.", code="no_upload")
    if not name or not name.strip():
        raise BadInputError("Give the dataset a name.", code="name_required")
    path = upload_path(result["upload_id"])
    settings = (
        profile.to_json_dict()
        if profile is not None
        else with_mapping(parse_profile_text(profile_text), mapping)
    )
    chosen = mode if mode in ("create", "replace", "append") else "create"
    if chosen == "create" and name.strip() in data.dataset_names():
        raise DatasetExistsError(name.strip())  # before the job: the upload stays, ask the user
    audit_outcome = outcome_recorder("load", name.strip(), chosen)  # says whether it worked
    upload_id = str(result["upload_id"])

    def finished(job: Job) -> None:
        try:
            audit_outcome(job)
        finally:
            remove_upload(upload_id)  # raw data: not kept once loaded or refused

    return RUNNER.submit(
        "load", name.strip(), load_work(path, name.strip(), settings, chosen), finished
    )


# The load's steps (etl.load reports them in English, the words its timings keep) as the
# catalogue's ``load.step.*``; "reading <file>" names its file.
LOAD_STEPS = {
    "mapping and validating rows": "load.step.mapping",
    "pseudonymising identities": "load.step.pseudonymising",
    "writing rejects": "load.step.rejects",
    "writing events": "load.step.events",
    "pairing activity instances": "load.step.pairing",
    "deriving cases": "load.step.cases",
    "committing": "load.step.committing",
    "preparing the analysis": "load.step.preparing",
    "done": "load.step.done",
}


def load_step(message: str, lang: str) -> str:
    """A load's progress message in ``lang`` (a step LoanFlow does not know: as given)."""
    if message in LOAD_STEPS:
        return t(LOAD_STEPS[message], lang)
    if message.startswith("reading "):
        return t("load.step.reading", lang, file=message.removeprefix("reading "))
    return message


def job_view(job_id: str | None, lang: str) -> tuple[float, str, bool, list[Any], bool]:
    """(progress %, label, finished, report, succeeded) for the job being polled."""
    job = RUNNER.get(job_id)
    if job is None:
        return 0.0, "", True, [], False
    pct = round(job.progress * 100, 1)
    if job.state == "running":
        shown = load_step(job.message, lang) if job.message else ""
        return pct, shown or t("data.loading", lang, name=job.label), False, [], False
    if job.state == "cancelled":
        return pct, "", True, [dbc.Alert(t("data.cancelled", lang), color="warning")], False
    if job.state == "failed":
        return (
            pct,
            "",
            True,
            [
                error_alert(job.failure, lang)
                if job.failure is not None
                else dbc.Alert(job.error or "", color="danger", className="lf-error")
            ],
            False,
        )
    return 100.0, "100%", True, load_report(job.result, lang), True


def _rejected(args: Mapping[str, Any]) -> pd.DataFrame | None:
    dataset = args.get("dataset")
    return rejected_rows(str(dataset)) if dataset else None


REJECTS_EXPORT = register_export(
    f"{PAGE}-rejects", _rejected, lambda args: f"{args.get('dataset')}-rejected"
)


def load_report(summary: LoadSummary, lang: str) -> list[Any]:
    """The validation report of a finished load."""
    headline = t(
        "data.loaded",
        lang,
        name=summary.dataset,
        events=fmt_count(summary.events, lang),
        cases=fmt_count(summary.cases, lang),
        rejected=fmt_count(summary.rejected, lang),
        seconds=f"{summary.seconds:.1f}",
    )
    reasons = pd.DataFrame(
        [
            {"reason": r, "rows": n}
            for r, n in sorted(summary.rejects_by_reason.items(), key=lambda x: -x[1])
        ]
    )
    parts: list[Any] = [dbc.Alert(headline, color="success", className="lf-loaded")]
    if not reasons.empty:
        parts.append(
            section(
                t("data.report", lang),
                grid(
                    f"{PAGE}-rejects-grid",
                    reasons,
                    [
                        column("reason", t("data.reason", lang)),
                        column("rows", t("data.rows", lang), number=",d"),
                    ],
                    height=220,
                ),
                tools=[export_tools(REJECTS_EXPORT, lang, {"dataset": summary.dataset})],
            )
        )
    parts.append(dcc.Store(id=f"{PAGE}-loaded-name", data=summary.dataset))
    return parts


def finish_upload(result: dict[str, Any] | None) -> None:
    """Delete the uploaded file once it was loaded."""
    if result and result.get("upload_id"):
        remove_upload(str(result["upload_id"]))


def rejected_rows(dataset: str) -> pd.DataFrame:
    """The rejected rows of a dataset (source row, raw row, reason)."""
    with data.cursor() as con:
        return analysis_rejected_rows(con, dataset)


# --- datasets ----------------------------------------------------------------------------


def datasets_frame() -> pd.DataFrame:
    """The datasets in the store with their counts; ``source`` is the loaded file's name
    (an upload's name as chosen, not the server's cache path). On the lake (engine spark
    with ``LOANFLOW_LAKE``), the lake's datasets too, a dataset in both as the lake has it."""
    with data.cursor() as con:
        rows = list_datasets(con)
    if data.lake_datasets():
        from analysis.lake import lake_root
        from analysis.lake.files import lake_dataset_rows

        in_lake = lake_dataset_rows(lake_root())  # type: ignore[arg-type]
        named = {str(r["name"]) for r in in_lake}
        rows = sorted(
            [r for r in rows if str(r["name"]) not in named] + in_lake, key=lambda r: r["name"]
        )
    frame = pd.DataFrame(rows)
    if not frame.empty and "source" in frame:
        frame["source"] = frame["source"].map(source_name, na_action="ignore")
    if not frame.empty and "loaded_at" in frame:  # the same in every language: 2025-03-01 09:30
        stamps = pd.to_datetime(frame["loaded_at"], utc=True, errors="coerce")
        frame["loaded_at"] = stamps.dt.strftime("%Y-%m-%d %H:%M UTC")
    return frame


def source_name(source: str) -> str:
    """The file name of a dataset's source path (either kind of slash)."""
    return str(source).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def datasets_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the datasets table."""
    return [
        column("name", t("data.col.name", lang)),
        column("cases", t("data.col.cases", lang), number=",d"),
        column("events", t("data.col.events", lang), number=",d"),
        column("rejected", t("data.col.rejected", lang), number=",d"),
        column("source", t("data.col.source", lang)),
        column("loaded_at", t("data.col.loaded_at", lang)),
    ]


def dataset_places(name: str) -> tuple[str, ...]:
    """Where the dashboard holds a dataset: ``store``, and on the lake (engine spark with
    ``LOANFLOW_LAKE``) ``lake`` too; the Data page's table shows a dataset in both as the
    lake has it."""
    with data.cursor() as con:
        places: tuple[str, ...] = ("store",) if store.has_dataset(con, name) else ()
    if name in data.lake_datasets():
        places += ("lake",)
    return places


def delete_dataset(name: str) -> tuple[str, ...]:
    """Delete a dataset (and everything derived from it) from every place the dashboard
    holds it (:func:`dataset_places`); those places. A lake loses the dataset's partition
    of every table (:func:`analysis.lake.files.drop_lake_dataset`), the other datasets'
    left as they are."""
    places = dataset_places(name)
    if "store" in places or not places:  # (none: the store's own clear error)
        with data.cursor() as con:
            drop_dataset(con, name)
    if "lake" in places:
        from analysis.lake import lake_root
        from analysis.lake.files import drop_lake_dataset

        root = lake_root()
        assert root is not None  # on_lake() with a lake listed
        drop_lake_dataset(root, name)
    data.store_changed()
    return places


def upload_box(lang: str) -> html.Div:
    """The file chooser that streams to POST /upload, with its progress bar."""
    return html.Div(
        [
            html.P(t("data.upload_help", lang), className="small text-muted"),
            file_chooser(PAGE, ACCEPT, lang),
            dbc.Progress(
                id=f"{PAGE}-upload-progress", value=0, className="mt-2", style={"height": "18px"}
            ),
            dcc.Store(id=f"{PAGE}-upload-result"),
            html.Div(id=f"{PAGE}-upload-status", className="mt-2"),
        ]
    )
