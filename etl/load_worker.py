"""One load in a child process, watched, so that a hostile or huge file cannot take the
process that asked for it (the dashboard) down.

:func:`load_in_child` starts ``python -m etl.load_worker``, sends it the job as one JSON
line, relays its progress, and watches the memory of the child and of the processes it
starts (the XES parser): past the ``load_memory_mb`` cap (default: half the machine's
memory) it stops the child and says so. A load that is stopped, cancelled or killed never
commits, so the store stays as it was (see docs/security.md, crash safety). The child
opens the store itself; the dashboard lets it in (:mod:`etl.store`, the queue).

The child prints JSON lines: ``{"progress": 0.4, "message": "..."}`` while it works, then
``{"summary": {...}}`` or ``{"error": "..."}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from etl import settings
from etl.errors import LoanFlowError


class LoadStopped(LoanFlowError):
    """The load was cancelled (its child process stopped; nothing was written)."""


def memory_cap_bytes() -> int:
    """The most memory one load may take (setting ``load_memory_mb``; ``auto``: half of
    the machine's memory)."""
    value = settings.get("load_memory_mb").strip().lower()
    if value not in ("", "auto"):
        try:
            return int(float(value) * 1024 * 1024)
        except ValueError:
            pass
    return settings.machine_memory_bytes() // 2


def tree_rss(pid: int) -> int:
    """Resident memory of a process and its descendants, in bytes (0 once it is gone)."""
    total = 0
    pending = [pid]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
                break
        with contextlib.suppress(OSError, ValueError):
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
    return total


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Stop the child and everything it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=30)


def load_in_child(
    source: Path,
    dataset: str,
    *,
    db: str | os.PathLike[str],
    profile: dict[str, Any] | None,
    mode: str,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Run :func:`etl.load.ingest` in a child process; its summary as JSON-ready data.

    Raises :class:`LoanFlowError` with the child's message when the load fails, when it
    needs more memory than the cap, and :class:`LoadStopped` when ``cancel()`` says so.
    """
    cap = memory_cap_bytes()
    job = {"source": str(source), "dataset": dataset, "db": str(db), "profile": profile}
    job["mode"] = mode
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", "etl.load_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            start_new_session=True,  # its own process group: stopped with what it starts
        )
        assert child.stdin is not None and child.stdout is not None
        messages: list[dict[str, Any]] = []
        reader = threading.Thread(target=_read_lines, args=(child.stdout, messages), daemon=True)
        reader.start()
        child.stdin.write((json.dumps(job, ensure_ascii=False) + "\n").encode("utf-8"))
        child.stdin.close()
        try:
            relayed = _watch(child, messages, cap, progress, cancel)
        finally:
            if child.poll() is None:
                _stop(child)
        reader.join(timeout=10)
        _relay(messages, relayed, progress)  # what the child said in its last moments
        return _outcome(child, messages, errors)


def _read_lines(stream: Any, messages: list[dict[str, Any]]) -> None:
    for line in stream:
        with contextlib.suppress(ValueError):
            messages.append(json.loads(line))


def _watch(
    child: subprocess.Popen[bytes],
    messages: list[dict[str, Any]],
    cap: int,
    progress: Callable[[float, str], None] | None,
    cancel: Callable[[], bool] | None,
) -> int:
    """Relay progress and enforce the memory cap and the cancel until the child exits;
    how many of ``messages`` were relayed."""
    relayed = 0
    while child.poll() is None:
        if cancel is not None and cancel():
            _stop(child)
            raise LoadStopped(
                "The load was cancelled; nothing was written.",
                code="load_cancelled_nothing_written",
            )
        used = tree_rss(child.pid)
        if used > cap:
            _stop(child)
            raise LoanFlowError(
                f"The load needed more than {cap >> 20:,} MB of memory (the cap set by "
                "LOANFLOW_LOAD_MEMORY_MB, by default half of this machine's memory) and was "
                "stopped; nothing was written. A small compressed file that inflates to "
                "gigabytes does this: check the file, or load it with `loanflow ingest` on "
                "a machine with more memory.",
                code="load_out_of_memory_cap",
                megabytes=cap >> 20,
            )
        relayed = _relay(messages, relayed, progress)
        time.sleep(0.1)
    return relayed


def _relay(
    messages: list[dict[str, Any]],
    relayed: int,
    progress: Callable[[float, str], None] | None,
) -> int:
    """Pass the progress messages after the first ``relayed`` on; the new count."""
    arrived = len(messages)
    for message in messages[relayed:arrived]:
        if "progress" in message and progress is not None:
            progress(float(message["progress"]), str(message.get("message", "")))
    return arrived


def _outcome(
    child: subprocess.Popen[bytes], messages: list[dict[str, Any]], errors: Any
) -> dict[str, Any]:
    for message in reversed(messages):
        if "summary" in message:
            summary: dict[str, Any] = message["summary"]
            return summary
        if "error" in message:  # the child's failure, with its code for the dashboard's words
            raise LoanFlowError.from_json(message)
    errors.seek(0)
    tail = errors.read()[-2000:].decode("utf-8", errors="replace").strip().splitlines()
    last = tail[-1] if tail else f"exit status {child.returncode}"
    raise LoanFlowError(
        f"The load stopped unexpectedly ({last}); nothing was written. Try the file with "
        "`loanflow ingest --dry-run` to see what goes wrong.",
        code="load_stopped_unexpectedly",
        last=last,
    )


def main() -> int:
    """The child: read the job, load, print progress and the outcome as JSON lines."""
    from etl.xes import early_worker

    job = json.loads(sys.stdin.readline())
    with early_worker(Path(job["source"])):  # a large XES log: scanned while loader imports
        return _load(job)


def _load(job: dict[str, Any]) -> int:
    from etl.load import ingest

    def say(payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()

    try:
        summary = ingest(
            Path(job["source"]),
            job["dataset"],
            db=job["db"],
            profile=job.get("profile") or None,
            mode=job["mode"],
            progress=lambda fraction, message: say({"progress": fraction, "message": message}),
        )
    except LoanFlowError as exc:
        say(exc.to_json())
        return 2
    except MemoryError:
        say(
            LoanFlowError(
                "The load ran out of memory; nothing was written.", code="load_out_of_memory"
            ).to_json()
        )
        return 3
    say({"summary": summary.to_json()})
    return 0


if __name__ == "__main__":
    os.umask(os.umask(0o077) | 0o077)
    sys.exit(main())
