"""The upload's mapping step: activities and end activities proposed from the staged file,
a profile built from the choices, its YAML read back by ``loanflow ingest --profile``.

The log below has no outcome column; its cases, worked by hand:

| case | activities (in time order)                      | last activities          |
|------|-------------------------------------------------|--------------------------|
| C1   | Submit, Review, Approve loan                    | Approve loan             |
| C2   | Submit, Review, Reject application              | Reject application       |
| C3   | Submit, Review                                  | Review                   |
| C4   | Submit, Approve loan                            | Approve loan             |
| C5   | Submit, Review and Customer withdrew (one time) | Review, Customer withdrew|

plus one row without a case id (rejected). Cases with / ending: Submit 5/0, Review 4/2
(0.5: an end activity by the rule "ends at least half of its cases"), Approve loan 2/2,
Reject application 1/1, Customer withdrew 1/1.
"""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.errors import ProfileError
from etl.load import ingest
from etl.profile import load_profile
from etl.profile_choices import (
    ChoiceError,
    ProfileChoices,
    guess_outcome,
    log_activities,
    profile_from_choices,
    profile_yaml,
    propose_outcomes,
)
from loanflow.cli import main

ROWS = [
    ("C1", "Submit", "2025-03-03 09:00"),
    ("C1", "Review", "2025-03-03 11:00"),
    ("C1", "Approve loan", "2025-03-04 10:00"),
    ("C2", "Submit", "2025-03-03 09:30"),
    ("C2", "Review", "2025-03-03 12:00"),
    ("C2", "Reject application", "2025-03-05 16:00"),
    ("C3", "Submit", "2025-03-04 09:00"),
    ("C3", "Review", "2025-03-04 15:00"),
    ("C4", "Submit", "2025-03-05 09:00"),
    ("C4", "Approve loan", "2025-03-06 09:00"),
    ("C5", "Submit", "2025-03-05 10:00"),
    ("C5", "Review", "2025-03-06 14:00"),
    ("C5", "Customer withdrew", "2025-03-06 14:00"),
    ("", "Review", "2025-03-06 15:00"),
]


def write_log(folder: Path) -> Path:
    """The log above as GB18030 CSV with Chinese headers."""
    lines = ["申請編號,活動,時間"] + [",".join(row) for row in ROWS]
    path = folder / "貸款.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    return path


def test_activities_and_end_activities_from_the_staged_file(tmp_path: Path) -> None:
    found = log_activities(write_log(tmp_path))
    got = [(a.activity, a.cases_with, a.cases_ending) for a in found.activities]
    assert got == [
        ("Approve loan", 2, 2),
        ("Review", 4, 2),
        ("Customer withdrew", 1, 1),
        ("Reject application", 1, 1),
        ("Submit", 5, 0),
    ]
    assert [a.activity for a in found.end_activities()] == [
        "Approve loan",
        "Review",
        "Customer withdrew",
        "Reject application",
    ]
    assert (found.cases, found.rows_read, found.complete) == (5, 14, True)
    # only the first rows of a big file: C1 and C2 (six rows), and so it says
    head = log_activities(write_log(tmp_path), limit=6)
    assert head.complete is False
    assert {a.activity: a.cases_ending for a in head.activities} == {
        "Approve loan": 1,
        "Reject application": 1,
        "Review": 0,
        "Submit": 0,
    }


def test_the_proposal_agrees_with_the_analysis_on_the_loaded_store(tmp_path: Path) -> None:
    from analysis.open_cases import end_activity_candidates
    from etl.store import connect

    path = write_log(tmp_path)
    db = tmp_path / "s.duckdb"
    ingest(path, "loans", db=db)
    with connect(db, read_only=True) as con:
        stored = end_activity_candidates(con, "loans")
    proposed = {a.activity: a.cases_ending for a in log_activities(path).end_activities()}
    assert dict(zip(stored["activity"], stored["cases_ending"], strict=True)) == proposed


@pytest.mark.parametrize(
    ("activity", "outcome"),
    [
        ("Approve loan", "approved"),
        ("A_APPROVED", "approved"),
        ("Reject application", "rejected"),
        ("Customer withdrew", "withdrawn"),
        ("Approval withdrawn", "withdrawn"),
        ("Approval rejected", "rejected"),
        ("放款", "approved"),
        ("核准", "approved"),
        ("拒絕通知", "rejected"),
        ("拒绝通知", "rejected"),
        ("客戶撤回", "withdrawn"),
        ("Review", None),
        ("資料審核", None),
    ],
)
def test_guess_outcome_from_the_name(activity: str, outcome: str | None) -> None:
    assert guess_outcome(activity) == outcome


def test_outcomes_proposed_only_for_end_activities_whose_name_says_it(tmp_path: Path) -> None:
    assert propose_outcomes(log_activities(write_log(tmp_path))) == {
        "Approve loan": "approved",
        "Customer withdrew": "withdrawn",
        "Reject application": "rejected",
    }


def choices(**changes: object) -> ProfileChoices:
    values: dict[str, object] = {
        "columns": {
            "case_id": "申請編號",
            "activity": "活動",
            "timestamp": "時間",
            "resource": None,
        },
        "case_attributes": {"amount": None},
        "outcomes": {"Approve loan": "approved", "Reject application": "rejected", "Review": None},
        "departments": {"Submit": "前台", "Review": " 信貸部 ", "Approve loan": ""},
        "workdays": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat"),
        "hours": ("08:30", "18:00"),
        "sla_hours": "48",
    }
    values.update(changes)
    return ProfileChoices(**values)  # type: ignore[arg-type]


def test_profile_from_the_choices(tmp_path: Path) -> None:
    profile = profile_from_choices(choices())
    assert profile.columns.case_id == "申請編號"
    assert profile.columns.resource is None
    assert profile.outcomes == {"Approve loan": "approved", "Reject application": "rejected"}
    assert profile.departments.by_activity == {"Submit": "前台", "Review": "信貸部"}
    assert profile.calendar.workdays == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
    assert profile.calendar.hours == (time(8, 30), time(18, 0))
    assert profile.sla.cycle_time_hours == 48.0
    assert profile.case_attributes == {}
    assert profile.timezone == "UTC"  # no time zone chosen: the default
    assert profile_from_choices(choices(timezone=" Asia/Taipei ")).timezone == "Asia/Taipei"


def test_the_choices_win_over_a_typed_profile_where_they_are_set() -> None:
    base = {
        "timezone": "Asia/Shanghai",
        "outcomes": {"Customer withdrew": "withdrawn", "Approve loan": "rejected"},
        "calendar": {"workdays": ["Mon", "Tue"], "holidays": ["2025-01-01"]},
        "sla": {"cycle_time_hours": 72},
        "case_attributes": {"product": "產品"},
    }
    untouched = choices(
        workdays=("Mon", "Tue", "Wed", "Thu", "Fri"),
        hours=("09:00", "17:30"),
        sla_hours="",
        case_attributes={"amount": "金額"},
    )
    profile = profile_from_choices(untouched, base)
    assert profile.timezone == "Asia/Shanghai"
    assert profile.outcomes == {
        "Customer withdrew": "withdrawn",
        "Approve loan": "approved",
        "Reject application": "rejected",
    }
    # controls left at their defaults keep the typed calendar and SLA
    assert profile.calendar.workdays == ("Mon", "Tue")
    assert profile.calendar.holidays[0].isoformat() == "2025-01-01"
    assert profile.sla.cycle_time_hours == 72
    assert profile.case_attributes == {"product": "產品", "amount": "金額"}


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"sla_hours": "two days"}, "profile_sla", "positive number of hours"),
        ({"sla_hours": "-4"}, "profile_sla", "positive number of hours"),
        ({"sla_hours": "nan"}, "profile_sla", "positive number of hours"),
        ({"workdays": ()}, "profile_workdays", "at least one working day"),
        ({"hours": ("18:00", "09:00")}, "profile_hours_order", "start before they end"),
        ({"hours": ("09:00", None)}, "profile_hours_both", "both the start and the end"),
        ({"hours": ("9 am", "17:00")}, "profile_hours_format", "times such as 09:00"),
        ({"outcomes": {"Approve loan": "granted"}}, "profile_outcome", "use one of approved"),
        ({"timezone": "Taipei"}, "profile_timezone", "IANA name such as Asia/Shanghai"),
    ],
)
def test_bad_choices_say_what_to_fix(changes: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(ChoiceError, match=words) as caught:
        profile_from_choices(choices(**changes))
    assert caught.value.code == key


def test_a_bad_typed_profile_is_a_profile_error() -> None:
    with pytest.raises(ProfileError, match="timezone"):
        profile_from_choices(choices(), {"timezone": "Mars/Olympus"})


def test_the_yaml_reads_back_as_the_same_profile(tmp_path: Path) -> None:
    profile = profile_from_choices(choices(), {"calendar": {"holidays": ["2025-01-01"]}})
    text = profile_yaml(profile)
    assert "hours:\n  - 08:30\n  - '18:00'\n" in text
    assert "信貸部" in text  # Chinese as it is, not \u escapes
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_profile(path) == profile
    assert profile_yaml(profile_from_choices(ProfileChoices({}, {}, {}, {}))).endswith("{}\n")


def test_loanflow_ingest_with_the_downloaded_profile_measures_outcomes(tmp_path: Path) -> None:
    """C1, C4 approved; C2 rejected; C5 withdrawn (its mapped last activity); C3 open."""
    profile = profile_from_choices(
        choices(
            outcomes={
                "Approve loan": "approved",
                "Reject application": "rejected",
                "Customer withdrew": "withdrawn",
            }
        )
    )
    path = tmp_path / "loans.profile.yaml"
    path.write_text(profile_yaml(profile), encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    log = str(write_log(tmp_path))
    runner = CliRunner()
    loaded = runner.invoke(
        main, ["ingest", log, "--dataset", "l", "--db", db, "--profile", str(path)]
    )
    assert loaded.exit_code == 0, loaded.output
    kpis = runner.invoke(main, ["kpis", "l", "--db", db, "--json"])
    shares = json.loads(kpis.stdout)["outcome_share"]
    assert shares == pytest.approx(
        {"approved": 0.4, "rejected": 0.2, "withdrawn": 0.2, "open": 0.2}
    )


def test_the_sample_bank_log_gets_the_outcomes_its_hand_written_profile_sets() -> None:
    """sample_logs/before.csv ends its cases in 放款, 拒絕通知 or 客戶撤回: the proposed
    end activities and the guesses from their names give exactly the outcomes of the
    hand-written sample_logs/before.profile.yaml."""
    root = Path(__file__).resolve().parent.parent / "sample_logs"
    found = log_activities(root / "before.csv")
    assert found.complete and found.cases == 2000
    assert propose_outcomes(found) == dict(load_profile(root / "before.profile.yaml").outcomes)
