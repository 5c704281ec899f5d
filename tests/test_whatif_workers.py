"""Replications in worker processes: a worker that dies, and a cancel, end the call.

multiprocessing.Pool waits forever for the result of a task whose worker died (killed,
out of memory); the dashboard's What if job then never ends. The replications must fail
with a clear message instead. Each call runs in a thread with a bounded wait, so a
regression fails the test rather than hanging it.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from analysis.whatif import run
from etl.errors import LoanFlowError

WAIT_SECONDS = 120


def _dying_one(args: tuple[Any, ...]) -> dict[str, float]:
    """A replication that kills its worker process for seed 2 (as the OOM killer would)."""
    seed = args[1]
    if seed == 2:
        os._exit(9)
    return {"seed": float(seed)}


def _bounded(call: Any) -> dict[str, Any]:
    """Run ``call`` in a thread; fail the test if it has not returned in WAIT_SECONDS."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive(), f"replicate did not return within {WAIT_SECONDS} s"
    return outcome


@pytest.mark.parametrize("start_method", ["fork", "forkserver"])
def test_a_dead_worker_fails_clearly_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch, start_method: str
) -> None:
    monkeypatch.setattr(run, "_one", _dying_one)
    outcome = _bounded(
        lambda: run.replicate({}, runs=4, start=0.0, cases=1, workers=2, start_method=start_method)
    )
    error = outcome.get("error")
    assert isinstance(error, LoanFlowError), outcome
    assert "worker process stopped unexpectedly" in str(error)


def test_replications_in_workers_return_in_seed_order_and_cancel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(run, "_one", _healthy_one)
    outcome = _bounded(lambda: run.replicate({}, runs=5, start=0.0, cases=1, seed=10, workers=2))
    assert [m["seed"] for m in outcome["value"]] == [10.0, 11.0, 12.0, 13.0, 14.0]
    seen: list[int] = []

    def cancel_after_two(done: int, _total: int) -> None:
        seen.append(done)
        if done == 2:
            raise KeyboardInterrupt("cancelled")

    outcome = _bounded(
        lambda: run.replicate({}, runs=40, start=0.0, cases=1, workers=2, progress=cancel_after_two)
    )
    assert isinstance(outcome.get("error"), KeyboardInterrupt) and seen == [1, 2]


def _healthy_one(args: tuple[Any, ...]) -> dict[str, float]:
    return {"seed": float(args[1])}
