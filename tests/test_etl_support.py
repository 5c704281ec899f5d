"""Helpers for the ETL tests: writing real files and an independent pairing reference.

This module holds no tests; the ETL test modules import from it.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """Write a CSV file in the given encoding (``utf-8-sig`` writes a BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def fifo_pairing(
    events: Iterable[tuple[str, str, Any, str | None, str | None]],
) -> list[tuple[str, str, Any, Any, str | None, int]]:
    """Activity instances by the DESIGN.md rule, computed plainly in Python.

    ``events`` are (case, activity, time, lifecycle, resource) in source order; their
    ids are 1, 2, ... in that order. A complete (or an event without lifecycle) closes
    the earliest open start of the same activity in the same case; without one it is an
    instance with start = end; starts left open are open instances; other transitions
    are ignored. Same instant: starts first. Returns (case, activity, start, end,
    resource, first event id): a closed instance takes its complete's resource when it
    has one, else its start's.
    """
    numbered = sorted(
        (
            (case, act, ts, (lc or "complete").lower(), resource, event_id)
            for event_id, (case, act, ts, lc, resource) in enumerate(events, start=1)
        ),
        key=lambda e: (e[0], e[1], e[2], e[3] != "start", e[5]),
    )
    open_starts: dict[tuple[str, str], deque[tuple[int, Any, str | None]]] = defaultdict(deque)
    result: list[tuple[str, str, Any, Any, str | None, int]] = []
    for case, act, ts, lifecycle, resource, event_id in numbered:
        key = (case, act)
        if lifecycle == "start":
            open_starts[key].append((event_id, ts, resource))
        elif lifecycle == "complete":
            if open_starts[key]:
                first, start, start_resource = open_starts[key].popleft()
                result.append((case, act, start, ts, resource or start_resource, first))
            else:
                result.append((case, act, ts, ts, resource, event_id))
    for (case, act), starts in open_starts.items():
        result.extend((case, act, start, None, res, first) for first, start, res in starts)
    return result


def fifo_instances(
    events: Iterable[tuple[str, str, datetime, str | None]],
) -> list[tuple[str, str, datetime, datetime | None]]:
    """(case, activity, start, end) of :func:`fifo_pairing`, for events without a
    resource, sorted like :func:`stored_instances`."""
    pairs = fifo_pairing((case, act, ts, lc, None) for case, act, ts, lc in events)
    return sorted([row[:4] for row in pairs], key=_instance_key)


def _instance_key(row: tuple[str, str, datetime, datetime | None]) -> tuple[Any, ...]:
    return (row[0], row[1], row[2], row[3] is None, row[3] or row[2])


def stored_instances(
    con: duckdb.DuckDBPyConnection, dataset: str
) -> list[tuple[str, str, datetime, datetime | None]]:
    """The dataset's activity instances as (case, activity, start, end), sorted alike."""
    rows = con.execute(
        "SELECT case_id, activity, start_ts, end_ts FROM activity_instances WHERE dataset = ?",
        [dataset],
    ).fetchall()
    return sorted(
        [(r[0], r[1], _naive_utc(r[2]), _naive_utc(r[3]) if r[3] else None) for r in rows],
        key=_instance_key,
    )


def _naive_utc(value: datetime) -> datetime:
    from datetime import UTC

    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def store_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of every store table (to prove a failed load wrote nothing)."""
    tables = ("datasets", "events", "activity_instances", "cases", "rejects")
    return {
        t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
        for t in tables
    }
