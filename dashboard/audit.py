"""The audit trail of the dashboard's changes and exports (when sign-in is on)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask import current_app, has_request_context, request

from dashboard.data import cursor


def auth_enabled() -> bool:
    """Whether the running app was created with sign-in on."""
    try:
        return bool(current_app.config.get("LOANFLOW_AUTH", False))
    except RuntimeError:
        return False


def current_user() -> tuple[str, str] | None:
    """``(username, role)`` of the signed-in user, or None (sign-in off, or no request)."""
    if not auth_enabled() or not has_request_context():
        return None
    try:
        auth: Any = importlib.import_module("dashboard.auth")
    except ImportError:
        return None
    user = auth.current_user()
    return (str(user[0]), str(user[1])) if user else None


def record(action: str, target: str | None, detail: str = "") -> None:
    """Write an audit line for ``action`` when sign-in is on (no-op otherwise)."""
    if not auth_enabled():
        return
    from accounts import audit

    user = current_user()
    remote = request.remote_addr if has_request_context() else None
    with cursor() as con:
        audit(con, user[0] if user else None, action, target, detail, remote_addr=remote)


def outcome_recorder(action: str, target: str | None, detail: str = "") -> Callable[[Any], None]:
    """For a background job started by this request: a function that writes the job's audit
    line when it ends, saying whether it worked (``done``, ``failed: why``, ``cancelled``).

    Who asked and from where are taken now, while the request is at hand.
    """
    enabled = auth_enabled()
    user = current_user()
    remote = request.remote_addr if has_request_context() else None

    def write(job: Any) -> None:
        if not enabled:
            return
        from accounts import audit

        state = str(getattr(job, "state", "done"))
        outcome = f"failed: {job.error}" if state == "failed" else state
        events = getattr(getattr(job, "result", None), "events", None)
        if state == "done" and isinstance(events, int):
            outcome += f": {events:,} events"
        with cursor() as con:
            audit(
                con,
                user[0] if user else None,
                action,
                target,
                f"{detail}: {outcome}"[:500] if detail else outcome[:500],
                remote_addr=remote,
            )

    return write
