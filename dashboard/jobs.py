"""Long work (loading a large log) run in a background thread of the dashboard's process.

DuckDB lets one process hold the store for writing, so loads run in-process on a cursor of
the shared connection rather than in a separate worker. A job reports progress (0..1 and a
message) and can be cancelled; the page polls :func:`JobRunner.status` with a dcc.Interval.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from etl.errors import LoanFlowError


class JobCancelled(LoanFlowError):
    """Raised inside a job's work when its cancel button was pressed."""


@dataclass
class Job:
    """One background job: its progress, its outcome, and its cancel flag."""

    id: str
    kind: str
    label: str
    started: float = field(default_factory=time.time)
    progress: float = 0.0
    message: str = ""
    state: str = "running"  # running, done, failed, cancelled
    result: Any = None
    error: str | None = None
    failure: Exception | None = None  # the expected failure itself (worded per language)
    cancel_event: threading.Event = field(default_factory=threading.Event)
    finished: float | None = None
    ended: threading.Event = field(default_factory=threading.Event)  # after on_finish too

    def report(self, progress: float | None = None, message: str | None = None) -> None:
        """Record progress; raise :class:`JobCancelled` if the job was cancelled."""
        if progress is not None:
            self.progress = max(0.0, min(1.0, float(progress)))
        if message is not None:
            self.message = message
        if self.cancel_event.is_set():
            raise JobCancelled("The job was cancelled.", code="job_cancelled")

    @property
    def cancelled(self) -> bool:
        """Whether cancel was asked for."""
        return self.cancel_event.is_set()

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view of the job for a dcc.Store."""
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "progress": self.progress,
            "message": self.message,
            "state": self.state,
            "error": self.error,
            "seconds": round((self.finished or time.time()) - self.started, 2),
        }


class JobRunner:
    """Runs jobs in daemon threads; at most one job of a kind at a time."""

    def __init__(self, keep: int = 50) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def submit(
        self,
        kind: str,
        label: str,
        work: Callable[[Job], Any],
        on_finish: Callable[[Job], None] | None = None,
    ) -> Job:
        """Start ``work(job)`` in a thread; refuse when a job of this kind is running.

        ``on_finish(job)`` runs in that thread once the job has ended, however it ended
        (the audit log records there whether a load worked).
        """
        with self._lock:
            if any(j.kind == kind and j.state == "running" for j in self._jobs.values()):
                raise LoanFlowError(
                    "Another job of this kind is running; wait for it to finish or cancel it.",
                    code="job_busy",
                )
            job = Job(id=uuid.uuid4().hex, kind=kind, label=label)
            self._jobs[job.id] = job
            self._forget_old()
        thread = threading.Thread(target=self._run, args=(job, work, on_finish), daemon=True)
        thread.start()
        return job

    def _run(
        self, job: Job, work: Callable[[Job], Any], on_finish: Callable[[Job], None] | None
    ) -> None:
        try:
            job.result = work(job)
            job.state = "cancelled" if job.cancelled else "done"
            job.progress = 1.0 if job.state == "done" else job.progress
        except JobCancelled:
            job.state = "cancelled"
        except LoanFlowError as exc:
            job.state = "cancelled" if job.cancelled else "failed"
            job.error = str(exc)
            job.failure = exc
        except Exception as exc:  # an unexpected failure is reported, not swallowed silently
            job.state = "failed"
            job.error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        finally:
            job.finished = time.time()
            if on_finish is not None:
                try:
                    on_finish(job)
                except Exception:  # the job's own outcome stands; say what went wrong
                    traceback.print_exc()
            job.ended.set()

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state != "running"]
        for job in sorted(finished, key=lambda j: j.started)[: max(0, len(finished) - self._keep)]:
            del self._jobs[job.id]

    def get(self, job_id: str | None) -> Job | None:
        """The job with this id, if known."""
        return self._jobs.get(job_id) if job_id else None

    def jobs(self, kind: str | None = None) -> list[Job]:
        """The jobs kept (running and recently ended), of one kind when given, oldest first."""
        with self._lock:
            kept = list(self._jobs.values())
        return sorted((j for j in kept if kind is None or j.kind == kind), key=lambda j: j.started)

    def cancel(self, job_id: str | None) -> bool:
        """Ask a running job to stop; returns whether there was one."""
        job = self.get(job_id)
        if job is None or job.state != "running":
            return False
        job.cancel_event.set()
        return True

    def wait(self, job_id: str, timeout: float = 60.0) -> Job | None:
        """Block until the job finishes (for tests and scripts)."""
        job = self.get(job_id)
        if job is not None:
            job.ended.wait(timeout)
        return job


RUNNER = JobRunner()
