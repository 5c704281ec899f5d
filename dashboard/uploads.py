"""``POST /upload``: a file streamed to disk, never held whole in memory or sent as base64.

The browser sends the file itself as the request body (``assets/upload.js``); the route
copies the body to ``<cache_dir>/uploads/<id>/<name>`` (folder 0700, file 0600) in 1 MB
chunks, stops at the ``max_upload_mb`` setting, and answers with the upload's id. The file
is deleted when its load ends, whether it worked or not, and an upload never loaded is
deleted after ``upload_keep_hours``. Pages refer to the upload by
that id only, so no path chosen by the browser is ever opened.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import unicodedata
import uuid
from pathlib import Path
from typing import IO
from urllib.parse import unquote

from flask import Flask, Response, request

from etl.errors import BadInputError, LoanFlowError
from etl.settings import get

CHUNK = 1 << 20
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
ALLOWED_SUFFIXES = (
    ".csv",
    ".tsv",
    ".txt",
    ".xlsx",
    ".xes",
    ".xes.gz",
    ".parquet",
    ".gz",
    ".zip",
    ".bpmn",
    ".yaml",
    ".yml",
)


def upload_root() -> Path:
    """The folder holding uploads (``<cache_dir>/uploads``)."""
    return Path(get("cache_dir")) / "uploads"


def max_upload_bytes() -> int:
    """The largest upload accepted, from the ``max_upload_mb`` setting."""
    return int(float(get("max_upload_mb")) * 1024 * 1024)


def safe_filename(name: str) -> str:
    """A file name with no folders, control characters or leading dots (CJK kept)."""
    base = unicodedata.normalize("NFC", unquote(name)).replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip()
    cleaned = cleaned.lstrip(".") or "upload"
    return cleaned[:200]


def check_suffix(name: str) -> None:
    """Refuse a file whose extension LoanFlow cannot read."""
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise BadInputError(
            f"{name!r} is not a file LoanFlow reads. Upload CSV/TSV, Excel (.xlsx), "
            "XES, Parquet, compressed as .gz or .zip (or a .bpmn model, a .yaml profile).",
            code="upload_unreadable_type",
            name=name,
        )


def too_large(limit: int) -> BadInputError:
    """The refusal of an upload over ``limit`` bytes (setting ``max_upload_mb``)."""
    megabytes = limit // (1024 * 1024)
    return BadInputError(
        f"The file is larger than the {megabytes} MB upload limit (setting "
        "LOANFLOW_MAX_UPLOAD_MB); load it with `loanflow ingest` or raise the limit.",
        code="upload_too_large",
        megabytes=megabytes,
    )


def save_stream(stream: IO[bytes], name: str, limit: int | None = None) -> tuple[str, Path, int]:
    """Copy ``stream`` to a new upload folder; returns (upload id, path, bytes written)."""
    filename = safe_filename(name)
    check_suffix(filename)
    limit = max_upload_bytes() if limit is None else limit
    upload_id = uuid.uuid4().hex
    folder = upload_root() / upload_id
    upload_root().mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.mkdir(mode=0o700)
    target = folder / filename
    written = 0
    try:
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > limit:
                    raise too_large(limit)
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if written == 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise BadInputError(
            f"{filename!r} is empty; choose a file with data in it.",
            code="upload_empty",
            filename=filename,
        )
    return upload_id, target, written


def upload_path(upload_id: str | None) -> Path:
    """The file of an upload, by its id; a clear error when it is unknown or gone."""
    if not upload_id or not _UPLOAD_ID.match(upload_id):
        raise BadInputError("No such upload; upload the file again.", code="upload_unknown")
    folder = upload_root() / upload_id
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    if not files:
        raise BadInputError("The uploaded file is gone; upload it again.", code="upload_gone")
    return files[0]


def remove_upload(upload_id: str | None) -> None:
    """Delete an upload's folder (once its load has ended, however it ended)."""
    if upload_id and _UPLOAD_ID.match(upload_id):
        shutil.rmtree(upload_root() / upload_id, ignore_errors=True)


def keep_seconds() -> float:
    """How long an upload that was never loaded is kept (setting ``upload_keep_hours``)."""
    try:
        return max(0.0, float(get("upload_keep_hours")) * 3600.0)
    except ValueError:
        return 7200.0


def sweep_uploads(max_age: float | None = None, now: float | None = None) -> list[str]:
    """Delete uploads older than ``max_age`` seconds (default: the setting); their ids.

    An upload is raw data (names, ids) that may be meant to be pseudonymised at load: one
    left behind by an abandoned page or a failed load must not stay on disk.
    """
    root = upload_root()
    if not root.is_dir():
        return []
    limit = keep_seconds() if max_age is None else max_age
    moment = time.time() if now is None else now
    removed = []
    for folder in root.iterdir():
        try:
            old = moment - folder.stat().st_mtime > limit
        except OSError:
            continue
        if old and _UPLOAD_ID.match(folder.name):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def start_sweeping(every: float = 600.0) -> threading.Thread:
    """Sweep old uploads now and then every ``every`` seconds, in a daemon thread."""

    def loop() -> None:
        while True:
            sweep_uploads()
            time.sleep(every)

    thread = threading.Thread(target=loop, daemon=True, name="sweep-uploads")
    thread.start()
    return thread


def _json(payload: dict[str, object], status: int) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json"
    )


def register_upload_route(server: Flask) -> None:
    """Add ``POST /upload`` to the Flask server."""

    @server.route("/upload", methods=["POST"])
    def upload() -> Response:
        name = request.headers.get("X-Filename") or request.args.get("name") or ""
        if request.content_length is not None and request.content_length > max_upload_bytes():
            return _json(too_large(max_upload_bytes()).to_json(), 413)
        sweep_uploads()
        try:
            upload_id, path, size = save_stream(request.stream, name)
        except LoanFlowError as exc:
            return _json(exc.to_json(), 400)
        from dashboard.audit import record

        record("upload", path.name, f"{size} bytes")
        return _json({"upload_id": upload_id, "filename": path.name, "size": size}, 200)
