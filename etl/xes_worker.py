"""Parse one XES document in a separate process and write its events as Arrow IPC.

rustxes holds the GIL while it parses, so a second thread cannot parse at the same time;
a second interpreter can. :mod:`etl.xes` starts this module as
``python -m etl.xes_worker`` before it scans a large log, so the imports happen while the
parent is still busy, and then sends the job as one JSON line on standard input:
``{"source": "<part.xes>", "target": "<events.arrow>"}``. An empty standard input means
there is no job (the log turned out small) and the worker exits at once. For use by hand,
``python -m etl.xes_worker SOURCE TARGET`` parses SOURCE straight away.

Exit status: 0 when the target was written (or there was no job), 1 when the source could
not be parsed or the target not written, 2 for a malformed job.
"""

from __future__ import annotations

import json
import os
import sys


def parse_to_ipc(source: str, target: str) -> int:
    """Parse ``source`` with rustxes and write the events to ``target`` (Arrow IPC).

    Returns the exit status: 0 on success, 1 when rustxes refuses the document or the
    target cannot be written. The parent reports errors itself (it parses the whole log
    again for the message), so nothing is printed here.
    """
    import rustxes

    try:
        frame, _meta = rustxes.import_xes(source)
        frame.write_ipc(target)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # rustxes reports bad XML as a Rust panic
        return 1
    return 0


def _job_from_stdin() -> tuple[str, str] | None:
    """The job sent on standard input, or None when the parent sent none."""
    line = sys.stdin.readline()
    if not line.strip():
        return None
    job = json.loads(line)
    return str(job["source"]), str(job["target"])


def main(argv: list[str]) -> int:
    """Run one job (from the arguments, or else from standard input); the exit status."""
    if len(argv) == 2:
        return parse_to_ipc(argv[0], argv[1])
    if argv:
        return 2
    import polars  # noqa: F401  (imported now, while the parent scans the log)
    import rustxes  # noqa: F401

    try:
        job = _job_from_stdin()
    except (ValueError, KeyError, TypeError):
        return 2
    return 0 if job is None else parse_to_ipc(*job)


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    # The events are written and closed; skip the interpreter's teardown (freeing the
    # frame, stopping thread pools: about 0.2 s the parent would wait for).
    os._exit(status)
