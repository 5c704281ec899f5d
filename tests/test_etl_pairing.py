"""Activity instances from lifecycle events, checked on tiny hand-made logs.

Each expected instance list is worked out by hand from the DESIGN.md rule; a property
test compares the SQL pairing with a plain Python FIFO on random logs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from etl.instances import paired_instances
from etl.load import ingest
from tests.test_etl_support import fifo_instances, fifo_pairing, stored_instances, write_csv

T0 = datetime(2025, 3, 3, 9, 0)


def t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def load_events(
    store: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    rows: list[tuple[str, str, int, str | None]],
) -> list[tuple[str, str, datetime, datetime | None]]:
    """Load (case, activity, minute, lifecycle) rows as a CSV; return the instances."""
    path = write_csv(
        tmp_path / "log.csv",
        ["case_id", "activity", "timestamp", "lifecycle"],
        [(c, a, t(m).isoformat(sep=" "), lc) for c, a, m, lc in rows],
    )
    ingest(path, "log", con=store)
    return stored_instances(store, "log")


def test_nested_starts_close_first_in_first_out(store, tmp_path):
    got = load_events(
        store,
        tmp_path,
        [
            ("c1", "Review", 0, "start"),
            ("c1", "Review", 10, "start"),
            ("c1", "Review", 20, "complete"),
            ("c1", "Review", 30, "complete"),
        ],
    )
    assert got == [("c1", "Review", t(0), t(20)), ("c1", "Review", t(10), t(30))]


def test_complete_without_start_is_an_instant_instance(store, tmp_path):
    got = load_events(store, tmp_path, [("c1", "Submit", 5, "complete")])
    assert got == [("c1", "Submit", t(5), t(5))]


def test_start_never_completed_is_open(store, tmp_path):
    got = load_events(
        store,
        tmp_path,
        [
            ("c1", "Review", 0, "start"),
            ("c1", "Review", 5, "complete"),
            ("c1", "Review", 9, "start"),
        ],
    )
    assert got == [("c1", "Review", t(0), t(5)), ("c1", "Review", t(9), None)]
    open_count = store.execute(
        "SELECT count(*) FROM activity_instances WHERE end_ts IS NULL"
    ).fetchone()[0]
    assert open_count == 1


def test_complete_before_any_start_does_not_close_a_later_start(store, tmp_path):
    got = load_events(
        store,
        tmp_path,
        [
            ("c1", "Check", 0, "complete"),
            ("c1", "Check", 10, "start"),
            ("c1", "Check", 20, "complete"),
        ],
    )
    assert got == [("c1", "Check", t(0), t(0)), ("c1", "Check", t(10), t(20))]


def test_second_complete_after_one_start_stands_alone(store, tmp_path):
    got = load_events(
        store,
        tmp_path,
        [
            ("c1", "Check", 0, "start"),
            ("c1", "Check", 10, "complete"),
            ("c1", "Check", 20, "complete"),
        ],
    )
    assert got == [("c1", "Check", t(0), t(10)), ("c1", "Check", t(20), t(20))]


def test_start_and_complete_at_the_same_instant_pair(store, tmp_path):
    # Listed complete first in the file: the tie rule still takes the start first.
    got = load_events(store, tmp_path, [("c1", "Sign", 7, "complete"), ("c1", "Sign", 7, "start")])
    assert got == [("c1", "Sign", t(7), t(7))]
    assert store.execute("SELECT count(*) FROM activity_instances").fetchone()[0] == 1


def test_other_transitions_stay_events_only_and_missing_lifecycle_is_complete(store, tmp_path):
    got = load_events(
        store,
        tmp_path,
        [
            ("c1", "Review", 0, "schedule"),
            ("c1", "Review", 1, "START"),
            ("c1", "Review", 2, "suspend"),
            ("c1", "Review", 3, "COMPLETE"),
            ("c1", "Archive", 4, None),
        ],
    )
    assert got == [("c1", "Archive", t(4), t(4)), ("c1", "Review", t(1), t(3))]
    assert store.execute("SELECT count(*) FROM events").fetchone()[0] == 5
    lifecycles = {r[0] for r in store.execute("SELECT lifecycle FROM events").fetchall()}
    assert lifecycles == {"schedule", "start", "suspend", "complete", None}


def test_pairing_never_crosses_cases_or_activities(store, tmp_path):
    got = load_events(
        store,
        tmp_path,
        [
            ("c1", "A", 0, "start"),
            ("c2", "A", 1, "complete"),
            ("c1", "B", 2, "complete"),
            ("c1", "A", 3, "complete"),
        ],
    )
    assert got == [
        ("c1", "A", t(0), t(3)),
        ("c1", "B", t(2), t(2)),
        ("c2", "A", t(1), t(1)),
    ]


_event = st.tuples(
    st.sampled_from(["c1", "c2"]),
    st.sampled_from(["A", "B"]),
    st.integers(min_value=0, max_value=12),
    st.sampled_from(["start", "complete", "complete", None, "schedule"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_event, min_size=1, max_size=25))
def test_sql_pairing_matches_python_fifo(rows):
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE ev (event_id BIGINT, case_id VARCHAR, activity VARCHAR, "
        "ts TIMESTAMPTZ, lifecycle VARCHAR, resource VARCHAR, department VARCHAR)"
    )
    con.executemany(
        "INSERT INTO ev VALUES (?, ?, ?, ?::TIMESTAMP::TIMESTAMPTZ, ?, NULL, NULL)",
        [(i + 1, c, a, t(m), lc) for i, (c, a, m, lc) in enumerate(rows)],
    )
    con.execute("SET TimeZone = 'UTC'")
    with paired_instances(con, "ev") as (sql, params):
        got = con.execute(
            f"SELECT case_id, activity, start_ts, end_ts FROM ({sql})", params
        ).fetchall()
    normalised = sorted(
        [
            (c, a, s.replace(tzinfo=None), e.replace(tzinfo=None) if e else None)
            for c, a, s, e in got
        ],
        key=lambda r: (r[0], r[1], r[2], r[3] is None, r[3] or r[2]),
    )
    assert normalised == fifo_instances([(c, a, t(m), lc) for c, a, m, lc in rows])


@pytest.mark.parametrize("layout_rows", [1, 3])
def test_instances_layout_rows_are_instances(store, tmp_path, layout_rows):
    rows = [
        ("k1", "Review", t(10 * i).isoformat(), t(10 * i + 5).isoformat())
        for i in range(layout_rows)
    ]
    path = write_csv(tmp_path / "inst.csv", ["case", "activity", "start_time", "end_time"], rows)
    summary = ingest(path, "inst", con=store)
    assert summary.layout == "instances"
    assert summary.activity_instances == layout_rows
    assert summary.events == 2 * layout_rows
    got = stored_instances(store, "inst")
    assert got == [("k1", "Review", t(10 * i), t(10 * i + 5)) for i in range(layout_rows)]


def _sql_pairing(
    events: list[tuple[str, str, int, str | None, str | None]],
) -> list[tuple[str, str, int, int | None, str | None, int]]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE ev (event_id BIGINT, case_id VARCHAR, activity VARCHAR, "
        "ts TIMESTAMPTZ, lifecycle VARCHAR, resource VARCHAR, department VARCHAR)"
    )
    con.execute("SET TimeZone = 'UTC'")
    con.executemany(
        "INSERT INTO ev VALUES (?, ?, ?, TIMESTAMPTZ '2025-03-03 09:00:00+00' "
        "+ to_minutes(CAST(? AS BIGINT)), ?, ?, ?)",
        [
            (i, c, a, m, lc, r, f"dep-{r}" if r else None)
            for i, (c, a, m, lc, r) in enumerate(events, 1)
        ],
    )
    with paired_instances(con, "ev") as (sql, params):
        got = con.execute(
            "SELECT case_id, activity, "
            "CAST(epoch(start_ts - TIMESTAMPTZ '2025-03-03 09:00:00+00') / 60 AS INTEGER), "
            "CAST(epoch(end_ts - TIMESTAMPTZ '2025-03-03 09:00:00+00') / 60 AS INTEGER), "
            f"resource, first_event, department FROM ({sql}) ORDER BY first_event",
            params,
        ).fetchall()
    for row in got:  # the department travels with the resource it came from
        assert row[6] == (f"dep-{row[4]}" if row[4] else None)
    return [row[:6] for row in got]


_resource = st.sampled_from([None, "u1", "u2"])
_random_event = st.tuples(
    st.sampled_from(["c1", "c2"]),
    st.sampled_from(["A", "B"]),
    st.integers(min_value=0, max_value=12),
    st.sampled_from(["start", "complete", None, "schedule"]),
    _resource,
)


@st.composite
def _mostly_alternating(draw: st.DrawFn) -> list[tuple[str, str, int, str | None, str | None]]:
    """Logs as systems write them: per case and activity, start/complete pairs one after
    another (in any source order), now and then an extra start or a lone complete."""
    events = []
    for case in ("c1", "c2", "c3"):
        for act in ("A", "B"):
            minute = 0
            for _ in range(draw(st.integers(0, 4))):
                minute += draw(st.integers(0, 3))
                length = draw(st.integers(0, 3))
                events.append((case, act, minute, "start", draw(_resource)))
                if draw(st.integers(0, 9)):  # now and then left open
                    events.append((case, act, minute + length, "complete", draw(_resource)))
                minute += length
            if draw(st.booleans()) and draw(st.booleans()):
                events.append((case, act, draw(st.integers(0, 15)), "complete", draw(_resource)))
    return draw(st.permutations(events))


@settings(max_examples=200, deadline=None)
@given(st.one_of(_mostly_alternating(), st.lists(_random_event, min_size=1, max_size=25)))
def test_sql_pairing_ids_and_resources_match_python_fifo(events):
    assume(events)
    assert _sql_pairing(events) == sorted(fifo_pairing(events), key=lambda r: r[5])
