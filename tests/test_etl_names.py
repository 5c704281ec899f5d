"""Whitespace in activity, resource and department names: normalised at load by default."""

from __future__ import annotations

import json

from click.testing import CliRunner

from etl.load import ingest
from loanflow.cli import main
from tests.test_etl_support import write_csv

# A Prosimos-style export: the same activities written with doubled inner spaces in some
# rows and single ones in others, a trailing space on a resource, a tab in a department.
HEADER = ["case_id", "activity", "start_time", "end_time", "resource", "department"]
ROWS = [
    ["1", "Check  application  form completeness", "2025-01-01 09:00", "2025-01-01 10:00",
     "Clerk-1 ", "Back\toffice"],
    ["1", "Check application form completeness", "2025-01-01 11:00", "2025-01-01 12:00",
     "Clerk-1", "Back office"],
    ["1", "Appraise  property", "2025-01-01 13:00", "2025-01-01 14:00", "Appraiser-1",
     "Valuation"],
    ["2", "Check application form completeness", "2025-01-02 09:00", "2025-01-02 09:30",
     "Clerk-2", "Back office"],
    ["2", "Approve\u3000 application", "2025-01-02 10:00", "2025-01-02 11:00", "Manager",
     "Credit  committee"],
]  # fmt: skip


def _activities(store, dataset):
    rows = store.execute(
        "SELECT activity, count(*) FROM activity_instances WHERE dataset = ? GROUP BY 1 ORDER BY 1",
        [dataset],
    ).fetchall()
    return dict(rows)


def test_doubled_spaces_are_one_activity_and_the_summary_counts_the_names(store, tmp_path):
    path = write_csv(tmp_path / "prosimos.csv", HEADER, ROWS)
    summary = ingest(path, "p", con=store)
    # Worked by hand: "Check application form completeness" three times (two spellings),
    # "Appraise property" once, "Approve application" (ideographic space + space) once.
    assert _activities(store, "p") == {
        "Appraise property": 1,
        "Approve application": 1,
        "Check application form completeness": 3,
    }
    resources = {r[0] for r in store.execute("SELECT DISTINCT resource FROM events").fetchall()}
    assert resources == {"Clerk-1", "Clerk-2", "Appraiser-1", "Manager"}
    departments = {r[0] for r in store.execute("SELECT DISTINCT department FROM events").fetchall()}
    assert departments == {"Back office", "Valuation", "Credit committee"}
    # Distinct spellings changed: three activities; "Clerk-1 " is stripped by the CSV
    # reader's trim before normalisation, so no resource; "Back\toffice" and
    # "Credit  committee" are two departments.
    assert summary.names_normalised == {"activity": 3, "resource": 0, "department": 2}
    assert summary.to_json()["names_normalised"] == summary.names_normalised


def test_normalisation_can_be_switched_off(store, tmp_path):
    path = write_csv(tmp_path / "prosimos.csv", HEADER, ROWS)
    summary = ingest(path, "raw", con=store, profile={"normalise_whitespace": False})
    assert _activities(store, "raw")["Check  application  form completeness"] == 1
    assert len(_activities(store, "raw")) == 4  # four spellings of three activities
    assert summary.names_normalised == {}


def test_profile_names_match_the_normalised_log(store, tmp_path):
    profile = {
        "outcomes": {"Approve  application": "approved"},
        "departments": {"by_activity": {"Appraise   property": "Valuation  team"}},
    }
    rows = [row[:5] for row in ROWS]
    path = write_csv(tmp_path / "nodept.csv", HEADER[:5], rows)
    ingest(path, "p", con=store, profile=profile)
    outcomes = dict(store.execute("SELECT case_id, outcome FROM cases ORDER BY case_id").fetchall())
    assert outcomes == {"1": "open", "2": "approved"}
    departments = store.execute(
        "SELECT DISTINCT department FROM activity_instances WHERE activity = 'Appraise property'"
    ).fetchall()
    assert departments == [("Valuation team",)]


def test_xes_names_are_normalised_too(store, tmp_path):
    xes = tmp_path / "log.xes"
    events = "".join(
        f'<event><string key="concept:name" value="{name}"/>'
        f'<string key="org:resource" value="{res}"/>'
        f'<date key="time:timestamp" value="2025-01-01T0{i}:00:00+00:00"/></event>'
        for i, (name, res) in enumerate(
            [("Submit  loan", " Ann"), ("Submit loan", "Ann"), ("Decide", "Bob  Lee")]
        )
    )
    xes.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">'
        f'<trace><string key="concept:name" value="c1"/>{events}</trace></log>',
        encoding="utf-8",
    )
    summary = ingest(xes, "x", con=store)
    assert _activities(store, "x") == {"Decide": 1, "Submit loan": 2}
    resources = store.execute("SELECT DISTINCT resource FROM events ORDER BY 1").fetchall()
    assert resources == [("Ann",), ("Bob Lee",)]
    assert summary.names_normalised == {"activity": 1, "resource": 2, "department": 0}


def test_cli_summary_and_json_say_what_was_normalised(tmp_path):
    path = write_csv(tmp_path / "prosimos.csv", HEADER, ROWS)
    db = str(tmp_path / "s.duckdb")
    args = ["ingest", str(path), "--dataset", "p", "--db", db, "--no-prepare"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["names_normalised"]["activity"] == 3
    result = CliRunner().invoke(main, [*args[:3], "q", *args[4:]])
    assert result.exit_code == 0, result.output
    assert "whitespace normalised in 3 activity names, 2 department names" in result.stdout
