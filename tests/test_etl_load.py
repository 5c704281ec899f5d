"""Loading behaviour: rejects, duplicates, append, replace, dry run, atomicity, cancel."""

from __future__ import annotations

import json
import os

import pytest

import etl.load
from etl.errors import LoanFlowError
from etl.load import drop_dataset, ingest, list_datasets
from tests.test_etl_support import store_counts, write_csv

HEADER = ["case_id", "activity", "timestamp", "lifecycle", "resource"]


def test_bad_rows_go_to_rejects_with_reason_row_and_raw_row(store, tmp_path):
    rows = [
        ["1", "Submit", "2025-01-01 09:00", "complete", "u1"],  # row 1: good
        ["", "Submit", "2025-01-01 09:00", "complete", "u1"],  # row 2: no case id
        ["2", "", "2025-01-01 09:00", "complete", "u1"],  # row 3: no activity
        ["3", "Submit", "", "complete", "u1"],  # row 4: no timestamp
        ["4", "Submit", "2025-13-45 99:00", "complete", "u1"],  # row 5: unparseable
        ["5", "Check", "2025-01-02 10:00", "start", "u2"],  # row 6: good
        ["5", "Check", "2025-01-02 11:00", "complete", "u2"],  # row 7: good
    ]
    path = write_csv(tmp_path / "mixed.csv", HEADER, rows)
    summary = ingest(path, "mixed", con=store)
    assert summary.rows_read == 7
    assert summary.rejected == 4
    assert summary.rejects_by_reason == {
        "no activity": 1,
        "no case id": 1,
        "no timestamp": 1,
        "unparseable timestamp": 1,
    }
    assert (summary.events, summary.cases, summary.activity_instances) == (3, 2, 2)
    rejects = store.execute(
        "SELECT source_row, reason, raw_row FROM rejects ORDER BY source_row"
    ).fetchall()
    assert [(r[0], r[1]) for r in rejects] == [
        (2, "no case id"),
        (3, "no activity"),
        (4, "no timestamp"),
        (5, "unparseable timestamp"),
    ]
    assert json.loads(rejects[3][2])["timestamp"] == "2025-13-45 99:00"
    stored = store.execute("SELECT rejected FROM datasets WHERE name = 'mixed'").fetchone()
    assert stored == (4,)


def test_end_before_start_is_rejected_in_instance_layout(store, tmp_path):
    path = write_csv(
        tmp_path / "inst.csv",
        ["case", "activity", "start_time", "end_time"],
        [
            ["1", "A", "2025-01-01 10:00", "2025-01-01 09:00"],
            ["1", "B", "2025-01-01 10:00", "2025-01-01 11:00"],
            ["2", "A", "2025-01-01 10:00", ""],
            ["3", "A", "", "2025-01-01 12:00"],
            ["4", "A", "yesterday", "2025-01-01 12:00"],
        ],
    )
    summary = ingest(path, "inst", con=store)
    assert summary.rejects_by_reason == {"end before start": 1, "unparseable start timestamp": 1}
    got = store.execute(
        "SELECT case_id, activity, start_ts = end_ts, end_ts IS NULL FROM activity_instances "
        "ORDER BY case_id"
    ).fetchall()
    # An end without a start is an instant instance; a start without an end is open.
    assert got == [("1", "B", False, False), ("2", "A", None, True), ("3", "A", True, False)]


def test_malformed_csv_lines_are_rejected_and_later_rows_keep_their_numbers(store, tmp_path):
    text = (
        "case_id,activity,timestamp\n"
        "1,a,2025-01-01 09:00\n"  # row 1
        "1,b,2025-01-01 10:00,surplus,fields\n"  # row 2: too many columns
        "2,a,2025-01-01 11:00\n"  # row 3
        "2,,2025-01-01 12:00\n"  # row 4: no activity
    )
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    summary = ingest(path, "ragged", con=store)
    assert summary.rows_read == 4
    assert summary.events == 2
    rejects = store.execute("SELECT source_row, reason FROM rejects ORDER BY 1").fetchall()
    assert rejects[0][0] == 2 and rejects[0][1].startswith("malformed line")
    assert rejects[1] == (4, "no activity")


def test_exact_duplicate_rows_are_dropped_and_counted(store, tmp_path):
    row = ["1", "Submit", "2025-01-01 09:00", "complete", "u1"]
    near = ["1", "Submit", "2025-01-01 09:00", "complete", "u2"]  # differs: kept
    path = write_csv(tmp_path / "dups.csv", HEADER, [row, row, near, row])
    summary = ingest(path, "dups", con=store)
    assert summary.duplicates == 2
    assert summary.events == 2
    assert store.execute("SELECT duplicates FROM datasets").fetchone() == (2,)
    assert store.execute("SELECT min(event_id) FROM events").fetchone() == (1,)


def _day(day: int, extra: list[list[str]] | None = None) -> list[list[str]]:
    rows = [
        [f"c{day}", "Submit", f"2025-01-0{day} 09:00", "complete", "u1"],
        [f"c{day}", "Check", f"2025-01-0{day} 10:00", "start", "u2"],
    ]
    return rows + (extra or [])


def test_append_same_extract_twice_adds_nothing(store, tmp_path):
    path = write_csv(tmp_path / "day1.csv", HEADER, _day(1))
    first = ingest(path, "daily", con=store)
    before = store_counts(store)
    again = ingest(path, "daily", con=store, mode="append")
    assert again.events == 0
    assert again.already_loaded == first.events
    assert store_counts(store) == before


def test_append_adds_new_events_and_rederives_touched_cases(store, tmp_path):
    ingest(write_csv(tmp_path / "d1.csv", HEADER, _day(1)), "daily", con=store)
    # Day 2 repeats day 1, completes c1's open Check, and brings a new case c2.
    day2 = _day(1, [["c1", "Check", "2025-01-01 15:00", "complete", "u2"]]) + _day(2)
    summary = ingest(
        write_csv(tmp_path / "d2.csv", HEADER, day2), "daily", con=store, mode="append"
    )
    assert summary.events == 3
    assert summary.already_loaded == 2
    assert summary.cases == 2
    instances = store.execute(
        "SELECT case_id, activity, start_ts, end_ts FROM activity_instances "
        "ORDER BY case_id, activity"
    ).fetchall()
    assert len(instances) == 4
    check = [i for i in instances if i[:2] == ("c1", "Check")]
    assert len(check) == 1 and check[0][3] is not None
    assert (check[0][3] - check[0][2]).total_seconds() == 5 * 3600
    last = store.execute("SELECT last_ts FROM cases WHERE case_id = 'c1'").fetchone()[0]
    assert last == check[0][3]
    totals = store.execute(
        "SELECT events, activity_instances, cases FROM datasets WHERE name = 'daily'"
    ).fetchone()
    assert totals == (5, 4, 2)
    ids = store.execute("SELECT count(DISTINCT event_id), count(*) FROM events").fetchone()
    assert ids[0] == ids[1]


def test_append_to_a_new_name_creates_it(store, tmp_path):
    summary = ingest(
        write_csv(tmp_path / "d.csv", HEADER, _day(1)), "fresh", con=store, mode="append"
    )
    assert summary.events == 2
    assert [d["name"] for d in list_datasets(store)] == ["fresh"]


def test_append_instance_layout_is_idempotent(store, tmp_path):
    rows = [["1", "A", "2025-01-01 09:00", "2025-01-01 10:00"]]
    header = ["case", "activity", "start_time", "end_time"]
    ingest(write_csv(tmp_path / "a.csv", header, rows), "inst", con=store)
    more = [*rows, ["1", "B", "2025-01-01 11:00", "2025-01-01 12:00"]]
    summary = ingest(write_csv(tmp_path / "b.csv", header, more), "inst", con=store, mode="append")
    assert (summary.activity_instances, summary.events, summary.already_loaded) == (1, 2, 1)
    assert store_counts(store)["activity_instances"] == 2


def test_replace_swaps_the_dataset_whole(store, tmp_path):
    ingest(write_csv(tmp_path / "a.csv", HEADER, _day(1) + _day(2)), "ds", con=store)
    ingest(write_csv(tmp_path / "other.csv", HEADER, _day(3)), "other", con=store)
    summary = ingest(
        write_csv(tmp_path / "b.csv", HEADER, _day(4)), "ds", con=store, mode="replace"
    )
    assert summary.cases == 1
    cases = store.execute("SELECT case_id FROM cases WHERE dataset = 'ds'").fetchall()
    assert cases == [("c4",)]
    assert store.execute("SELECT count(*) FROM events WHERE dataset = 'other'").fetchone() == (2,)


def test_dry_run_writes_nothing_and_counts_exactly(store, tmp_path):
    path = write_csv(tmp_path / "a.csv", HEADER, [*_day(1), ["", "x", "2025-01-01", "", ""]])
    before = store_counts(store)
    dry = ingest(path, "ds", con=store, dry_run=True)
    assert store_counts(store) == before
    real = ingest(path, "ds", con=store)
    assert dry.dry_run and not real.dry_run
    keys = ("rows_read", "events", "activity_instances", "cases", "rejected", "rejects_by_reason")
    assert {k: getattr(dry, k) for k in keys} == {k: getattr(real, k) for k in keys}


def test_failure_mid_load_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    ingest(write_csv(tmp_path / "a.csv", HEADER, _day(1)), "ds", con=store)
    before = store_counts(store)
    snapshot = store.execute("SELECT * FROM events ORDER BY event_id").fetchall()

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    # Events and instances are already written inside the transaction when this fails.
    monkeypatch.setattr(etl.load, "_write_cases", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest(write_csv(tmp_path / "b.csv", HEADER, _day(2)), "ds", con=store, mode="replace")
    assert store_counts(store) == before
    assert store.execute("SELECT * FROM events ORDER BY event_id").fetchall() == snapshot
    temp = store.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()
    assert temp == (0,)


def test_cancel_rolls_back(store, tmp_path):
    seen: list[str] = []

    def cancel() -> bool:
        return any("pairing" in m for m in seen)

    before = store_counts(store)
    with pytest.raises(LoanFlowError, match="load cancelled"):
        ingest(
            write_csv(tmp_path / "a.csv", HEADER, _day(1)),
            "ds",
            con=store,
            progress=lambda fraction, message: seen.append(message),
            cancel=cancel,
        )
    assert store_counts(store) == before


def test_progress_reports_rise_to_one(store, tmp_path):
    fractions: list[float] = []
    ingest(
        write_csv(tmp_path / "a.csv", HEADER, _day(1)),
        "ds",
        con=store,
        progress=lambda f, m: fractions.append(f),
    )
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0


def test_list_and_drop(store, tmp_path):
    ingest(write_csv(tmp_path / "a.csv", HEADER, _day(1)), "one", con=store)
    ingest(write_csv(tmp_path / "b.csv", HEADER, _day(2) + _day(3)), "two", con=store)
    listed = {d["name"]: d for d in list_datasets(store)}
    assert listed["two"]["cases"] == 2 and listed["two"]["events"] == 4
    assert listed["one"]["source"].endswith("a.csv")
    drop_dataset(store, "two")
    assert [d["name"] for d in list_datasets(store)] == ["one"]
    assert store.execute("SELECT count(*) FROM events WHERE dataset = 'two'").fetchone() == (0,)
    with pytest.raises(LoanFlowError, match="No dataset named"):
        drop_dataset(store, "two")


def test_ingest_opens_and_closes_its_own_store(db_path, tmp_path):
    summary = ingest(write_csv(tmp_path / "a.csv", HEADER, _day(1)), "ds", db=db_path)
    assert summary.cases == 1
    from etl.store import connect

    con = connect(db_path, read_only=True)
    try:
        assert [d["name"] for d in list_datasets(con)] == ["ds"]
    finally:
        con.close()


def test_pseudonymised_identities(store, tmp_path, monkeypatch):
    key = tmp_path / "key"
    key.write_text("ab" * 32, encoding="ascii")
    os.chmod(key, 0o600)
    monkeypatch.setenv("LOANFLOW_PSEUDONYM_KEY_FILE", str(key))
    path = write_csv(tmp_path / "a.csv", HEADER, _day(1) + _day(2))
    profile = {
        "pseudonymise": {"case_id": True, "resource": True},
        "departments": {"by_resource": {"u2": "信貸部"}},
    }
    summary = ingest(path, "ds", con=store, profile=profile)
    assert summary.cases == 2
    ids = {r[0] for r in store.execute("SELECT case_id FROM cases").fetchall()}
    assert ids.isdisjoint({"c1", "c2"}) and len(ids) == 2
    resources = {r[0] for r in store.execute("SELECT resource FROM events").fetchall()}
    assert resources.isdisjoint({"u1", "u2"})
    # Departments come from the clear resource, before pseudonymisation.
    assert store.execute("SELECT count(*) FROM events WHERE department = '信貸部'").fetchone() == (
        2,
    )
    raw = " ".join(
        r[0] for r in store.execute("SELECT CAST(profile AS VARCHAR) FROM datasets").fetchall()
    )
    assert "pseudonymise" in raw
    again = ingest(path, "ds", con=store, profile=profile, mode="append")
    assert again.events == 0


def test_process_killed_mid_load_leaves_the_store_as_it_was(db_path, tmp_path):
    import subprocess
    import sys

    ingest(write_csv(tmp_path / "a.csv", HEADER, _day(1)), "kept", db=db_path)
    second = write_csv(tmp_path / "b.csv", HEADER, _day(2) + _day(3))
    # The child kills itself (SIGKILL, no cleanup) once events and instances are written
    # inside the load's transaction.
    script = (
        "import os, signal, sys\n"
        "from etl.load import ingest\n"
        "def progress(fraction, message):\n"
        "    if message == 'deriving cases':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        f"ingest({str(second)!r}, 'lost', db={str(db_path)!r}, progress=progress)\n"
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert child.returncode == -9
    from etl.store import connect

    con = connect(db_path)
    try:
        assert [d["name"] for d in list_datasets(con)] == ["kept"]
        assert store_counts(con) == {
            "datasets": 1,
            "events": 2,
            "activity_instances": 2,
            "cases": 1,
            "rejects": 0,
        }
    finally:
        con.close()


def _numbered_instances(store, dataset):
    return store.execute(
        "SELECT instance_id, case_id, activity, strftime(start_ts AT TIME ZONE 'UTC', '%H:%M'), "
        "strftime(end_ts AT TIME ZONE 'UTC', '%H:%M') FROM activity_instances "
        "WHERE dataset = ? ORDER BY instance_id",
        [dataset],
    ).fetchall()


def test_instance_ids_are_the_ids_of_their_first_events(store, tmp_path):
    rows = [
        ["c2", "A", "2025-01-01 09:00", "complete", "u1"],  # row 1
        ["c1", "B", "2025-01-01 09:10", "start", "u1"],  # row 2: B 09:10-09:20
        ["c1", "A", "2025-01-01 09:10", "complete", "u1"],  # row 3: instant 09:10
        ["c1", "C", "2025-01-01 09:10", "complete", "u1"],  # row 4: instant 09:10
        ["c1", "B", "2025-01-01 09:20", "complete", "u1"],  # row 5
        ["c1", "D", "2025-01-01 09:05", "start", "u1"],  # row 6: open from 09:05
    ]
    path = write_csv(tmp_path / "order.csv", HEADER, rows)
    ingest(path, "first", con=store)
    # By hand: an event's id is its source row; an instance's id is its first event's.
    expected = [
        (1, "c2", "A", "09:00", "09:00"),
        (2, "c1", "B", "09:10", "09:20"),
        (3, "c1", "A", "09:10", "09:10"),
        (4, "c1", "C", "09:10", "09:10"),
        (6, "c1", "D", "09:05", None),
    ]
    assert _numbered_instances(store, "first") == expected
    # Within a case the analysis orders by start, end (open last), then id: source order.
    in_case = store.execute(
        "SELECT list(activity ORDER BY start_ts, end_ts NULLS LAST, instance_id) "
        "FROM activity_instances WHERE dataset = 'first' AND case_id = 'c1'"
    ).fetchone()
    assert in_case == (["D", "A", "C", "B"],)
    ingest(path, "second", con=store)  # the same file numbers its instances the same way
    assert _numbered_instances(store, "second") == expected
    # An append pairs c1 again: D closes and keeps its id, the others keep theirs.
    later = write_csv(
        tmp_path / "later.csv", HEADER, [["c1", "D", "2025-01-01 09:30", "complete", "u1"]]
    )
    ingest(later, "first", con=store, mode="append")
    assert _numbered_instances(store, "first") == [*expected[:4], (6, "c1", "D", "09:05", "09:30")]
    assert store.execute("SELECT max(event_id) FROM events WHERE dataset = 'first'").fetchone() == (
        7,
    )


def test_append_to_a_dataset_with_old_dense_instance_ids_renumbers_it(store, tmp_path):
    """Before instance ids were first-event ids they were numbered 1, 2, ... by case; an
    append then gives the cases it touches first-event ids, which can equal an old id of
    another case. The append then derives every instance of the dataset again."""
    rows = [
        ["c2", "A", "2025-01-01 09:00", "complete", "u1"],  # row 1: c2's lone complete
        ["c1", "A", "2025-01-01 09:05", "start", "u1"],  # row 2: c1's open start
    ]
    ingest(write_csv(tmp_path / "old.csv", HEADER, rows), "old", con=store)
    assert [r[0] for r in _numbered_instances(store, "old")] == [1, 2]
    # Number the instances as the old loader did, by case: c1 gets 1, c2 gets 2.
    store.execute(
        "UPDATE activity_instances SET instance_id = CASE case_id WHEN 'c1' THEN 1 ELSE 2 END "
        "WHERE dataset = 'old'"
    )
    # Closing c1 gives it the id of its start (event 2): c2's old id.
    later = write_csv(
        tmp_path / "later.csv", HEADER, [["c1", "A", "2025-01-01 09:30", "complete", "u1"]]
    )
    ingest(later, "old", con=store, mode="append")
    assert _numbered_instances(store, "old") == [
        (1, "c2", "A", "09:00", "09:00"),
        (2, "c1", "A", "09:05", "09:30"),
    ]


def test_instance_ids_of_instance_rows_are_their_first_events(store, tmp_path):
    rows = [
        ["k1", "Approve", "2025-01-01 11:00", "2025-01-01 12:00"],  # events 1 (start), 2
        ["k1", "Review", "2025-01-01 09:00", "2025-01-01 10:00"],  # events 3, 4
        ["k0", "Review", "2025-01-01 10:00", ""],  # event 5, still open
    ]
    path = write_csv(tmp_path / "inst.csv", ["case", "activity", "start_time", "end_time"], rows)
    ingest(path, "rows", con=store)
    assert _numbered_instances(store, "rows") == [
        (1, "k1", "Approve", "11:00", "12:00"),
        (3, "k1", "Review", "09:00", "10:00"),
        (5, "k0", "Review", "10:00", None),
    ]
    events = store.execute(
        "SELECT event_id, lifecycle FROM events WHERE dataset = 'rows' ORDER BY event_id"
    ).fetchall()
    assert [e[1] for e in events] == ["start", "complete", "start", "complete", "start"]


DERIVED = ("analysis_instances", "analysis_cases", "analysis_pingpong", "analysis_state")


def _derived_rows(store, dataset):
    return {
        table: int(
            store.execute(f"SELECT count(*) FROM {table} WHERE dataset = ?", [dataset]).fetchone()[
                0
            ]
        )
        for table in DERIVED
        if store.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
        ).fetchone()[0]
    }


def test_drop_deletes_the_analysis_derivations_of_that_dataset_only(store, tmp_path):
    from analysis.prepared_tables import prepare

    rows = [
        ["1", "Submit", "2025-01-01 09:00", "complete", "u1"],
        ["1", "Check", "2025-01-01 10:00", "start", "u2"],
        ["1", "Check", "2025-01-01 11:00", "complete", "u2"],
        ["2", "Submit", "2025-01-02 09:00", "complete", "u1"],
    ]
    path = write_csv(tmp_path / "log.csv", HEADER, rows)
    for name in ("gone", "kept"):
        ingest(path, name, con=store)
        prepare(store, name)
    before = _derived_rows(store, "kept")
    assert before["analysis_cases"] == 2 and before["analysis_instances"] == 3
    assert _derived_rows(store, "gone") == before
    drop_dataset(store, "gone")
    assert set(_derived_rows(store, "gone").values()) == {0}
    assert _derived_rows(store, "kept") == before


def test_drop_works_when_a_derivation_table_is_absent(store, tmp_path):
    from analysis.prepared_tables import prepare

    path = write_csv(
        tmp_path / "log.csv", HEADER, [["1", "Submit", "2025-01-01 09:00", "complete", "u1"]]
    )
    ingest(path, "one", con=store)
    prepare(store, "one")
    store.execute("DROP TABLE analysis_pingpong")
    drop_dataset(store, "one")
    assert list_datasets(store) == []
    assert set(_derived_rows(store, "one").values()) == {0}
    assert "analysis_pingpong" not in _derived_rows(store, "one")


def test_summary_says_where_the_time_went(store, tmp_path):
    rows = [["1", "Submit", "2025-01-01 09:00", "complete", "u1"]]
    summary = ingest(write_csv(tmp_path / "log.csv", HEADER, rows), "t", con=store)
    assert list(summary.timings) == [
        "opening the store",
        "reading the file",
        "mapping and validating rows",
        "writing rejects",
        "writing events",
        "pairing activity instances",
        "deriving cases",
        "committing",
    ]
    assert all(seconds >= 0 for seconds in summary.timings.values())
    assert sum(summary.timings.values()) <= summary.seconds + 0.01
    assert summary.to_json()["timings"] == summary.timings


def test_a_csv_load_does_not_import_pandas(tmp_path):
    """Statements run with their values written in, not as parameters: a parameter makes
    DuckDB's client import pandas (0.45 CPU s) into a process that needs none of it."""
    import subprocess
    import sys

    rows = [["1", "Submit", "2025-01-01 09:00", "complete", "u'1?"]]
    path = write_csv(tmp_path / "it's?.csv", HEADER, rows)
    code = (
        "import sys\nfrom etl.load import ingest\n"
        f's = ingest({str(path)!r}, "o\'brien?$1", db={str(tmp_path / "s.duckdb")!r}, '
        "profile={'outcomes': {'Submit': 'approved'}, "
        "'departments': {'by_resource': {\"u'1?\": \"D'1\"}}})\n"
        "print(s.events, s.cases, 'pandas' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=os.getcwd()
    )
    assert out.stdout.split() == ["1", "1", "False"]
    import duckdb

    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT name, source FROM datasets").fetchall() == [
            ("o'brien?$1", str(path))
        ]
        assert con.execute("SELECT outcome FROM cases").fetchall() == [("approved",)]
        assert con.execute("SELECT resource, department FROM events").fetchall() == [
            ("u'1?", "D'1")
        ]
    finally:
        con.close()


def test_an_xes_load_does_not_import_pandas_or_pyarrow(tmp_path):
    """The parsed events reach DuckDB as a Parquet file, not an Arrow table (whose
    hand-over makes DuckDB's client import pandas)."""
    import subprocess
    import sys

    log = tmp_path / "log.xes"
    log.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0"><trace>'
        '<string key="concept:name" value="c1"/><event><string key="concept:name" '
        'value="Submit"/><date key="time:timestamp" value="2025-01-01T09:00:00+00:00"/>'
        "</event></trace></log>",
        encoding="utf-8",
    )
    code = (
        "import sys\nfrom etl.load import ingest\n"
        f"s = ingest({str(log)!r}, 'x', db={str(tmp_path / 's.duckdb')!r})\n"
        "print(s.events, 'pandas' in sys.modules, 'pyarrow' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=os.getcwd()
    )
    assert out.stdout.split() == ["1", "False", "False"]
