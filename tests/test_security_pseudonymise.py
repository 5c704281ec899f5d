"""Pseudonymisation at load: keyed HMAC on distinct values, same key same pseudonym."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import duckdb
import pytest

from etl import pseudonymise
from etl.errors import LoanFlowError
from etl.profile import parse_profile

PROFILE = parse_profile(
    {"pseudonymise": {"case_id": True, "resource": True, "attributes": ["客戶", "customer_no"]}}
)


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = pseudonymise.create_key_file(tmp_path / "pseudonym.key")
    monkeypatch.setenv("LOANFLOW_PSEUDONYM_KEY_FILE", str(path))
    return path


def staged(con: duckdb.DuckDBPyConnection, name: str = "staged") -> None:
    con.execute(
        f"CREATE TEMP TABLE {name} (case_id VARCHAR, activity VARCHAR, resource VARCHAR,"
        " customer_no BIGINT, attributes JSON)"
    )
    con.execute(
        f"INSERT INTO {name} VALUES"
        " ('A-1', '申請', '王小明', 1001, '{\"客戶\": \"陳大文\", \"amount\": 5}'),"
        " ('A-1', '放款', '李四', 1001, '{\"客戶\": \"陳大文\"}'),"
        " ('A-2', '申請', NULL, NULL, '{\"amount\": 7}')"
    )


def expected(key_file: Path, value: str) -> str:
    key = bytes.fromhex(key_file.read_text().strip())
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:20]


def test_identities_replaced_by_keyed_hmac(key_file: Path) -> None:
    con = duckdb.connect()
    staged(con)
    pseudonymise.apply(con, "staged", PROFILE)
    rows = con.execute(
        "SELECT case_id, activity, resource, customer_no, attributes->>'客戶', "
        "attributes->>'amount' FROM staged"
    ).fetchall()
    a1, a2 = expected(key_file, "A-1"), expected(key_file, "A-2")
    customer, number = expected(key_file, "陳大文"), expected(key_file, "1001")
    assert sorted(rows, key=repr) == sorted(
        [
            (a1, "申請", expected(key_file, "王小明"), number, customer, "5"),
            (a2, "申請", None, None, None, "7"),
            (a1, "放款", expected(key_file, "李四"), number, customer, None),
        ],
        key=repr,
    )
    dump = str(con.execute("SELECT * FROM staged").fetchall())
    for raw in ("A-1", "A-2", "王小明", "李四", "陳大文", "1001"):
        assert raw not in dump


def test_same_key_same_pseudonym_across_tables(key_file: Path) -> None:
    con = duckdb.connect()
    staged(con, "first")
    staged(con, "second")
    pseudonymise.apply(con, "first", PROFILE)
    pseudonymise.apply(con, "second", PROFILE)
    joined = con.execute(
        "SELECT count(*) FROM first f JOIN second s USING (case_id, activity)"
    ).fetchone()
    assert joined == (3,)


def test_another_key_gives_other_pseudonyms(
    key_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = duckdb.connect()
    staged(con, "first")
    pseudonymise.apply(con, "first", PROFILE)
    other = pseudonymise.create_key_file(tmp_path / "other.key")
    monkeypatch.setenv("LOANFLOW_PSEUDONYM_KEY_FILE", str(other))
    staged(con, "second")
    pseudonymise.apply(con, "second", PROFILE)
    assert con.execute("SELECT count(*) FROM first f JOIN second s USING (case_id)").fetchone() == (
        0,
    )


def test_nothing_asked_needs_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOANFLOW_PSEUDONYM_KEY_FILE", raising=False)
    con = duckdb.connect()
    staged(con)
    pseudonymise.apply(con, "staged", parse_profile({}))
    assert con.execute("SELECT min(case_id) FROM staged").fetchone() == ("A-1",)


def test_missing_key_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOANFLOW_PSEUDONYM_KEY_FILE", raising=False)
    con = duckdb.connect()
    staged(con)
    with pytest.raises(LoanFlowError, match="loanflow keygen"):
        pseudonymise.apply(con, "staged", PROFILE)
    assert con.execute("SELECT min(case_id) FROM staged").fetchone() == ("A-1",)


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        (None, 0o600, "does not exist"),
        ("not hex at all\n", 0o600, "64 hex digits"),
        ("abcd\n", 0o600, "64 hex digits"),
        ("00" * 32 + "\n", 0o644, "chmod 600"),
    ],
)
def test_bad_key_files_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, mode: int, message: str
) -> None:
    path = tmp_path / "key"
    if content is not None:
        path.write_text(content)
        os.chmod(path, mode)
    monkeypatch.setenv("LOANFLOW_PSEUDONYM_KEY_FILE", str(path))
    with pytest.raises(LoanFlowError, match=message):
        pseudonymise.load_key()


def test_unknown_attribute_is_an_error_not_a_silent_leak(key_file: Path) -> None:
    con = duckdb.connect()
    staged(con)
    profile = parse_profile({"pseudonymise": {"attributes": ["身分證號"]}})
    with pytest.raises(LoanFlowError, match="身分證號"):
        pseudonymise.apply(con, "staged", profile)


def test_hostile_names_are_quoted(key_file: Path) -> None:
    con = duckdb.connect()
    con.execute(
        'CREATE TEMP TABLE "odd ""table""" (case_id VARCHAR, "a""; DROP TABLE x; --" VARCHAR)'
    )
    con.execute("CREATE TEMP TABLE x (keep INTEGER)")
    con.execute('INSERT INTO "odd ""table""" VALUES (\'c1\', \'secret\')')
    profile = parse_profile(
        {"pseudonymise": {"case_id": True, "attributes": ['a"; DROP TABLE x; --']}}
    )
    pseudonymise.apply(con, 'odd "table"', profile)
    assert con.execute('SELECT * FROM "odd ""table"""').fetchone() == (
        expected(key_file, "c1"),
        expected(key_file, "secret"),
    )
    assert con.execute("SELECT count(*) FROM x").fetchone() == (0,)


def test_mapping_is_built_on_distinct_values(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100,000 rows over 50 cases: the HMAC runs 50 times, not 100,000."""
    con = duckdb.connect()
    con.execute(
        "CREATE TEMP TABLE big AS SELECT 'case-' || (i % 50) AS case_id, NULL::VARCHAR AS "
        "resource FROM range(100000) t(i)"
    )
    calls = []
    real = pseudonymise.pseudonym

    def counting(key: bytes, value: str) -> str:
        calls.append(value)
        return real(key, value)

    monkeypatch.setattr(pseudonymise, "pseudonym", counting)
    pseudonymise.apply(con, "big", parse_profile({"pseudonymise": {"case_id": True}}))
    assert len(calls) == 50
    assert con.execute("SELECT count(DISTINCT case_id) FROM big").fetchone() == (50,)
    assert con.execute("SELECT count(*) FROM big WHERE case_id LIKE 'case-%'").fetchone() == (0,)


# --- through the real loader --------------------------------------------------------------

RAW_IDENTITIES = ("APP-2025-0001", "APP-2025-0002", "王小明", "李四", "陳大文", "A123456789")


def write_identified_log(path: Path) -> None:
    """A log with customer and staff identities, one row rejected (bad timestamp)."""
    path.write_text(
        "case_id,activity,timestamp,resource,department,customer_name,national_id,amount\n"
        "APP-2025-0001,申請,2025-01-02 09:00:00,王小明,客戶經理部,陳大文,A123456789,500000\n"
        "APP-2025-0001,審批,2025-01-03 10:00:00,李四,審批委員會,陳大文,A123456789,500000\n"
        "APP-2025-0001,放款,2025-01-04 11:00:00,王小明,運營部,陳大文,A123456789,500000\n"
        "APP-2025-0002,申請,not a time,李四,客戶經理部,陳大文,A123456789,20000\n"
        "APP-2025-0002,申請,2025-01-05 09:00:00,李四,客戶經理部,陳大文,A123456789,20000\n",
        encoding="utf-8",
    )


PSEUDONYMISING_PROFILE = {
    "pseudonymise": {
        "case_id": True,
        "resource": True,
        "attributes": ["customer_name", "national_id"],
    },
    "outcomes": {"放款": "approved"},
}


def every_value_in_store(con: duckdb.DuckDBPyConnection) -> str:
    """Every value of every table in the store, as text."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    return "\n".join(repr(con.execute(f'SELECT * FROM "{table}"').fetchall()) for table in tables)


def test_no_raw_identity_anywhere_in_the_store_after_a_load(
    key_file: Path, db_path: Path, tmp_path: Path
) -> None:
    from analysis.filters import Filters
    from analysis.kpis import kpis
    from etl.load import ingest
    from etl.store import connect

    log = tmp_path / "identified.csv"
    write_identified_log(log)
    summary = ingest(log, "loans", db=db_path, profile=PSEUDONYMISING_PROFILE)
    assert (summary.cases, summary.rejected) == (2, 1)
    con = connect(db_path)
    assert kpis(con, "loans", Filters()).cases == 2  # derived analysis tables built too
    dump = every_value_in_store(con)
    for raw in RAW_IDENTITIES:
        assert raw not in dump, raw
    cases = {r[0] for r in con.execute("SELECT case_id FROM cases").fetchall()}
    assert cases == {expected(key_file, "APP-2025-0001"), expected(key_file, "APP-2025-0002")}
    resources = {r[0] for r in con.execute("SELECT resource FROM events").fetchall()}
    assert resources == {expected(key_file, "王小明"), expected(key_file, "李四")}
    # What is not an identity is kept: activities, departments, amounts.
    assert "審批委員會" in dump and "500000" in dump
    con.close()


def test_same_key_joins_across_datasets_after_loads(
    key_file: Path, db_path: Path, tmp_path: Path
) -> None:
    from etl.load import ingest
    from etl.store import connect

    log = tmp_path / "identified.csv"
    write_identified_log(log)
    ingest(log, "before", db=db_path, profile=PSEUDONYMISING_PROFILE)
    ingest(log, "after", db=db_path, profile=PSEUDONYMISING_PROFILE)
    con = connect(db_path)
    joined = con.execute(
        "SELECT count(*) FROM cases b JOIN cases a ON a.case_id = b.case_id"
        " WHERE b.dataset = 'before' AND a.dataset = 'after'"
    ).fetchone()
    con.close()
    assert joined == (2,)


def test_load_asking_for_pseudonyms_without_key_writes_nothing(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl.load import ingest
    from etl.store import connect

    monkeypatch.delenv("LOANFLOW_PSEUDONYM_KEY_FILE", raising=False)
    log = tmp_path / "identified.csv"
    write_identified_log(log)
    with pytest.raises(LoanFlowError, match="no key is set"):
        ingest(log, "loans", db=db_path, profile=PSEUDONYMISING_PROFILE)
    con = connect(db_path)
    assert every_value_in_store(con).count("APP-2025") == 0
    assert con.execute("SELECT count(*) FROM datasets").fetchone() == (0,)
    con.close()


def test_stored_profile_holds_no_staff_names(key_file: Path, db_path: Path, tmp_path: Path) -> None:
    from etl.load import ingest
    from etl.store import connect

    log = tmp_path / "identified.csv"
    write_identified_log(log)
    log.write_text(log.read_text(encoding="utf-8").replace(",department,", ",memo,"))
    profile = {
        **PSEUDONYMISING_PROFILE,
        "departments": {"by_resource": {"王小明": "客戶經理部", "李四": "審批委員會"}},
    }
    ingest(log, "loans", db=db_path, profile=profile)
    con = connect(db_path)
    dump = every_value_in_store(con)
    for raw in RAW_IDENTITIES:
        assert raw not in dump, raw
    (stored,) = con.execute("SELECT profile FROM datasets").fetchone() or ("",)
    assert expected(key_file, "王小明") in stored
    departments = con.execute("SELECT DISTINCT department FROM events ORDER BY 1").fetchall()
    assert sorted(departments) == sorted([("審批委員會",), ("客戶經理部",)])  # mapped first
    con.close()
