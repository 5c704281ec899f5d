"""Parse chunks of an XES document into Parquet files, in this process or a worker.

rustxes holds the GIL while it parses, so a second thread cannot parse at the same time;
a second interpreter can. :mod:`etl.xes` starts this module as
``python -m etl.xes_worker`` before it scans a large log, so the imports happen while the
parent is still busy, and then sends the job as one JSON line on standard input::

    {"document": "<log.xes>", "header": "<header.xml>", "folder": "<work folder>",
     "chunks": [[start, stop, ending, head], ...]}

Both processes then walk the chunks in order and parse each one they claim first (a
claim is a file created exclusively in the folder), writing its events to
``events-<n>.parquet``; so the work is shared as it goes, whichever process is faster.
An empty standard input means there is no job (the log turned out small) and the worker
exits at once. An early worker (``python -m etl.xes_worker --early LOG FOLDER gz|plain
MAX_BYTES LEAST_CHUNK MOST_CHUNK``, :func:`etl.xes.start_early`) is started before the
loading process has imported its libraries: it scans and cuts the log itself, prints the
plan as one JSON line and parses chunks at once. For use by hand, ``python -m
etl.xes_worker SOURCE TARGET`` parses SOURCE into the Parquet file TARGET straight away.

Exit status: 0 when every chunk it claimed was written (or there was no job), 1 when one
could not be parsed or written (the parent parses it again, for the message), 2 for a
malformed job.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PART_COLUMN = "__part"
"""The chunk number of an event in the Parquet files (with :data:`INDEX_COLUMN`, its index
within the chunk): the event's ordinal in the document follows from both."""
INDEX_COLUMN = "__ri"

Parse = Callable[[Path], Any]


def write_events(frame: Any, part: int, target: Path) -> int:
    """Write a chunk's events (a polars frame) to the Parquet file ``target``, with its
    chunk number and each event's index in it; columns without a single value (typed
    Null) are left out. Returns the number of events (0: nothing is written)."""
    import polars

    if frame.height == 0:
        return 0
    empty = [name for name, dtype in frame.schema.items() if dtype == polars.Null]
    frame = frame.drop(empty).with_row_index(INDEX_COLUMN)
    frame = frame.with_columns(polars.lit(part, dtype=polars.Int32).alias(PART_COLUMN))
    partial = target.with_suffix(".partial")
    frame.write_parquet(partial, compression="uncompressed", statistics=False)
    partial.rename(target)
    return int(frame.height)


def _events_file(job: dict[str, Any], index: int) -> Path:
    return Path(job["folder"]) / f"events-{index}.parquet"


def _empty_mark(job: dict[str, Any], index: int) -> Path:
    return Path(job["folder"]) / f"events-{index}.none"


def chunk_result(job: dict[str, Any], index: int) -> tuple[Path | None, int] | None:
    """A parsed chunk's Parquet file (None when it has no events) and its number of
    events; None when the chunk has not been parsed."""
    target = _events_file(job, index)
    if target.exists():
        import polars

        return target, int(polars.scan_parquet(target).select(polars.len()).collect().item())
    if _empty_mark(job, index).exists():
        return None, 0
    return None


def parse_chunk(job: dict[str, Any], index: int, parse: Parse) -> None:
    """Write chunk ``index`` of the job as a document, parse it with ``parse`` (which
    raises for a document it refuses) and write its events."""
    from etl.xes import Chunk, write_chunk

    source = Path(job["folder"]) / f"chunk-{index}.xes"
    try:
        chunk = Chunk.from_json(job["chunks"][index])
        write_chunk(Path(job["document"]), Path(job["header"]), chunk, source)
        frame = parse(source)
    finally:
        source.unlink(missing_ok=True)
    if write_events(frame, index, _events_file(job, index)) == 0:
        _empty_mark(job, index).touch()


def _claim(job: dict[str, Any], index: int) -> bool:
    """Whether this process is the first to claim chunk ``index``."""
    try:
        os.close(os.open(Path(job["folder"]) / f"claim-{index}", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


def parse_chunks(job: dict[str, Any], parse: Parse) -> None:
    """Parse every chunk of the job that this process claims first, in order."""
    for index in range(len(job["chunks"])):
        if _claim(job, index):
            parse_chunk(job, index, parse)


def _rustxes_parse(source: Path) -> Any:
    import rustxes

    frame, _meta = rustxes.import_xes(str(source))
    return frame


def parse_to_parquet(source: str, target: str) -> int:
    """Parse ``source`` with rustxes and write the events to ``target`` (Parquet).

    Returns the exit status: 0 on success, 1 when rustxes refuses the document or the
    target cannot be written. The parent reports errors itself (it parses the chunk
    again for the message), so nothing is printed here.
    """
    try:
        write_events(_rustxes_parse(Path(source)), 0, Path(target))
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # rustxes reports bad XML as a Rust panic
        return 1
    return 0


def _job_from_stdin() -> dict[str, Any] | None:
    """The job sent on standard input, or None when the parent sent none."""
    line = sys.stdin.readline()
    if not line.strip():
        return None
    job = json.loads(line)
    for key in ("document", "header", "folder", "chunks"):
        if key not in job:
            raise KeyError(key)
    return dict(job)


def early(path: str, folder: str, flag: str, max_bytes: str, least: str, most: str) -> int:
    """An early worker (:func:`etl.xes.start_early`): scan and cut the log into ``folder``
    (:func:`etl.xes.plan_read`), print the plan as one JSON line, then parse the chunks
    it claims first. A scan that fails prints ``{"failed": ...}`` and ends the worker
    (status 1): the loading process scans again and reports the problem itself."""
    from etl.xes import chunks_job, plan_read

    try:
        plan = plan_read(
            Path(path),
            Path(folder),
            compressed=flag == "gz",
            max_bytes=int(max_bytes),
            chunk_bounds=(int(least), int(most)),
        )
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as exc:
        _say({"failed": type(exc).__name__})
        return 1
    _say(plan)
    if plan["chunks"] is None:
        return 0
    return _parse_claimed(chunks_job(Path(plan["plain"]), Path(folder), plan["chunks"]))


def _parse_claimed(job: dict[str, Any]) -> int:
    """Parse the job's chunks this worker claims first; the exit status (1: a chunk was
    refused, and the parent parses it again for the message)."""
    try:
        parse_chunks(job, _rustxes_parse)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # rustxes reports bad XML as a Rust panic
        return 1
    return 0


def _say(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    """Run one job (from the arguments, or else from standard input); the exit status."""
    if len(argv) == 7 and argv[0] == "--early":
        return early(*argv[1:])
    if len(argv) == 2:
        return parse_to_parquet(argv[0], argv[1])
    if argv:
        return 2
    import polars  # noqa: F401  (imported now, while the parent scans the log)
    import rustxes  # noqa: F401

    try:
        job = _job_from_stdin()
    except (ValueError, KeyError, TypeError):
        return 2
    if job is None:
        return 0
    return _parse_claimed(job)


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    # The events are written and closed; skip the interpreter's teardown (freeing the
    # frame, stopping thread pools: about 0.2 s the parent would wait for).
    os._exit(status)
