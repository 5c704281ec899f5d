"""Counting sign-in attempts atomically, so that a burst cannot outrun the limit.

A sign-in is checked against the failures recorded in the audit log. Checking and then
verifying a password (argon2 takes a while on purpose) and only then recording the
failure let fifteen wrong passwords sent at once all be checked. The gate counts the
attempts being verified too: the check and the reservation happen under one lock, the
failure is recorded before the reservation is returned, so at most the limit is ever
checked within the window. (One process serves the dashboard; the gate is per process.)
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import duckdb

from accounts.audit import recent_failures


@dataclass(frozen=True)
class Limits:
    """Failed sign-ins allowed within the window, per user name and per client address."""

    per_name: int
    per_address: int
    window_seconds: int


class SignInGate:
    """Admits a sign-in attempt only while the failures and the attempts in flight allow."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: Counter[str] = Counter()
        self._addresses: Counter[str | None] = Counter()

    @contextmanager
    def attempt(
        self,
        store: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]],
        username: str,
        address: str | None,
        limits: Limits,
    ) -> Iterator[bool]:
        """Yield whether this attempt may be checked; record its failure inside the block."""
        with self._lock:
            with store() as con:
                by_name = recent_failures(con, username=username, seconds=limits.window_seconds)
                by_address = recent_failures(
                    con, remote_addr=address, seconds=limits.window_seconds
                )
            allowed = (
                by_name + self._names[username] < limits.per_name
                and by_address + self._addresses[address] < limits.per_address
            )
            if allowed:
                self._names[username] += 1
                self._addresses[address] += 1
        try:
            yield allowed
        finally:
            if allowed:
                with self._lock:
                    self._names[username] -= 1
                    self._addresses[address] -= 1
                    self._names += Counter()  # drop zero counts
                    self._addresses += Counter()
