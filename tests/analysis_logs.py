"""Hand-made logs for the analysis tests, written straight into a real store.

``make_log`` inserts one dataset consistently into ``datasets``, ``events``,
``activity_instances`` and ``cases``: every instance gives a start and a complete event
(an open one only a start), cases get first/last timestamps over their events and the
outcome of their last instance whose activity the profile maps.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from etl.profile import parse_profile


@dataclass(frozen=True)
class Inst:
    """One activity instance of a hand-made log (times 'YYYY-MM-DD HH:MM[:SS]', UTC)."""

    case_id: str
    activity: str
    start: str
    end: str | None
    department: str | None = None
    resource: str | None = None


@dataclass(frozen=True)
class CaseAttrs:
    """Case attributes of a hand-made log."""

    amount: float | None = None
    product: str | None = None
    branch: str | None = None
    channel: str | None = None
    other: dict[str, Any] = field(default_factory=dict)


def ts(text: str) -> datetime:
    """A UTC timestamp from 'YYYY-MM-DD HH:MM[:SS]' (or with an explicit offset)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def make_log(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    rows: Iterable[Inst | tuple[Any, ...]],
    profile: Mapping[str, Any] | None = None,
    cases: Mapping[str, CaseAttrs] | None = None,
    extra_events: Iterable[tuple[str, str, str, str]] = (),
) -> None:
    """Insert a dataset made of the given activity instances.

    ``rows`` are :class:`Inst` or tuples in its field order. ``extra_events`` are events
    that form no instance (case_id, activity, time, lifecycle), e.g. 'schedule'.
    """
    checked = parse_profile(dict(profile or {}))
    instances = [r if isinstance(r, Inst) else Inst(*r) for r in rows]
    events: list[tuple[Any, ...]] = []
    for inst in instances:
        events.append((inst.case_id, inst.activity, ts(inst.start), "start", inst))
        if inst.end is not None:
            events.append((inst.case_id, inst.activity, ts(inst.end), "complete", inst))
    for case_id, activity, when, lifecycle in extra_events:
        events.append((case_id, activity, ts(when), lifecycle, None))
    con.execute(
        "INSERT INTO datasets (name, source, source_format, layout, profile, loaded_at,"
        " rows_read, events, activity_instances, cases, rejected, duplicates)"
        " VALUES (?, 'hand-made', 'test', 'instances', ?, now(), ?, ?, ?, ?, 0, 0)",
        [
            dataset,
            json.dumps(checked.to_json_dict()),
            len(events),
            len(events),
            len(instances),
            len({i.case_id for i in instances} | {e[0] for e in events}),
        ],
    )
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [
            [dataset, n, e[0], e[1], e[2], e[3], e[4] and e[4].resource, e[4] and e[4].department]
            for n, e in enumerate(events)
        ],
    )
    con.executemany(
        "INSERT INTO activity_instances VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                dataset,
                n,
                i.case_id,
                i.activity,
                i.department,
                i.resource,
                ts(i.start),
                ts(i.end) if i.end else None,
            ]
            for n, i in enumerate(instances)
        ],
    )
    _insert_cases(con, dataset, instances, events, checked.outcomes, cases or {})


def _insert_cases(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    instances: list[Inst],
    events: list[tuple[Any, ...]],
    outcomes: Mapping[str, str],
    attrs: Mapping[str, CaseAttrs],
) -> None:
    case_ids = sorted({e[0] for e in events})
    for case_id in case_ids:
        times = [e[2] for e in events if e[0] == case_id]
        mine = sorted(
            (i for i in instances if i.case_id == case_id and i.activity in outcomes),
            key=lambda i: (ts(i.start), ts(i.end) if i.end else ts("9999-01-01 00:00")),
        )
        outcome = outcomes[mine[-1].activity] if mine else "open"
        a = attrs.get(case_id, CaseAttrs())
        payload = {
            k: v
            for k, v in {
                "amount": a.amount,
                "product": a.product,
                "branch": a.branch,
                "channel": a.channel,
                **a.other,
            }.items()
            if v is not None
        }
        con.execute(
            "INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                dataset,
                case_id,
                outcome,
                min(times),
                max(times),
                a.amount,
                a.product,
                a.branch,
                a.channel,
                json.dumps(payload, ensure_ascii=False),
            ],
        )
