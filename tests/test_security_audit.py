"""Audit of loads and deletes: from the command line too, and whether each load worked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask, g

import accounts
from dashboard.audit import outcome_recorder
from dashboard.jobs import JobRunner
from dashboard.views.audit_details import shown_detail
from etl.errors import BadInputError
from etl.store import close_shared, connect, cursor
from loanflow.cli import main
from tests.test_dashboard_fixtures import ROWS, write_log, write_profile


def entries(db: Path) -> list[tuple[str | None, str, str | None, str | None]]:
    con = connect(db)
    try:
        found = accounts.audit_entries(con)
    finally:
        con.close()
    return [(e.username, e.action, e.target, e.detail) for e in reversed(found)]


def test_cli_ingest_replace_failure_and_drop_are_audited(db_path: Path, tmp_path: Path) -> None:
    log, profile = write_log(tmp_path), write_profile(tmp_path)
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n", encoding="utf-8")
    runner = CliRunner()
    base = ["--db", str(db_path), "--no-prepare"]
    for args in (
        ["ingest", str(log), "--dataset", "loans", "--profile", str(profile), *base],
        ["ingest", str(log), "--dataset", "loans", "--profile", str(profile), "--replace", *base],
        ["ingest", str(junk), "--dataset", "junk", *base],
    ):
        runner.invoke(main, args)
    assert runner.invoke(main, ["drop", "loans", "--yes", "--db", str(db_path)]).exit_code == 0
    rows = entries(db_path)
    assert all(user is not None and user.endswith("@cli") for user, *_ in rows)
    assert [(action, target) for _, action, target, _ in rows] == [
        ("load", "loans"),
        ("load", "loans"),
        ("load", "junk"),
        ("delete", "loans"),
    ]
    details = [detail or "" for *_, detail in rows]
    events = len(ROWS)  # layout 2: one row per activity instance, each a start and an end
    assert details[0].startswith(f"create (cli): done: {2 * events:,} events, 4 cases")
    assert details[1].startswith("replace (cli): done:")
    assert details[2].startswith("create (cli): failed: ")
    assert details[3] == "cli"
    # the Admin page reads them in the reader's words (the failure's message too, by the
    # catalogue template it was made from)
    shown = [shown_detail(action, detail, "zh-Hant") for _, action, _, detail in rows]
    assert shown[0] == f"新資料集（命令列）：完成，{2 * events:,} 個事件、4 個案件、0 列被拒"
    assert shown[1].startswith("取代（命令列）：完成，")
    assert shown[2].startswith("新資料集（命令列）：失敗：找不到案件編號、活動、時間的欄位。")
    assert "`columns:\n  case_id: <欄位名稱>" in shown[2]
    assert shown[3] == "由命令列"


def test_a_dashboard_load_is_audited_when_it_ends_with_its_outcome(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(db_path).close()
    server = Flask(__name__)
    server.config["LOANFLOW_AUTH"] = True
    monkeypatch.setattr("dashboard.data.STORE.path", db_path.resolve())
    runner = JobRunner()

    class Loaded:
        events = 1234

    def fail(_job: object) -> None:
        raise BadInputError("The file has no case id column.")

    with server.test_request_context("/", environ_base={"REMOTE_ADDR": "10.0.0.7"}):
        g.lf_user = ("ana", "analyst")
        done = runner.submit(
            "load", "a", lambda _job: Loaded(), outcome_recorder("load", "a", "create")
        )
        failed = runner.submit("load2", "b", fail, outcome_recorder("load", "b", "replace"))
    for job in (done, failed):
        runner.wait(job.id)
    con = cursor(db_path)
    rows = sorted(
        (e.username, e.target, e.detail, e.remote_addr) for e in accounts.audit_entries(con)
    )
    del con
    close_shared(db_path)
    assert rows == [
        ("ana", "a", "create: done: 1,234 events", "10.0.0.7"),
        ("ana", "b", "replace: failed: The file has no case id column.", "10.0.0.7"),
    ]
    assert shown_detail("load", rows[0][2], "zh-Hans") == "新数据集：完成，1,234 个事件"
    assert shown_detail("load", rows[1][2], "en") == (
        "replace: failed: The file has no case id column."
    )


def test_loanflow_audit_shows_how_often_a_refusal_repeated(db_path: Path) -> None:
    con = connect(db_path)
    for _ in range(3):
        accounts.audit(con, "eve", "sign-in-failure", "eve", remote_addr="10.0.0.9")
    con.close()
    result = CliRunner().invoke(main, ["audit", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if "sign-in-failure" in line]
    assert "from 10.0.0.9  x3, last " in line


@pytest.mark.parametrize(
    ("action", "detail", "lang", "shown"),
    [
        ("upload", "1234 bytes", "zh-Hant", "1.2 KB"),  # dashboard/uploads.py
        ("export", "12 rows", "zh-Hant", "12 列"),  # dashboard/exports.py
        ("export", "1,234 rows", "zh-Hans", "1,234 行"),
        ("export", "comparison report (split)", "zh-Hans", "比较报告：单一数据集按日期切分"),
        ("user-signout", "2 sessions", "zh-Hant", "結束 2 個工作階段"),  # loanflow users
        ("sign-in-refused", "rate limit", "zh-Hans", "登录失败次数过多"),  # dashboard/auth.py
        ("load", "append: cancelled", "zh-Hant", "附加：已取消"),  # dashboard/audit.py
        ("load", "create: done", "en", "new dataset: done"),
        ("upload", "something else", "zh-Hant", "something else"),  # unknown: as written
        ("export", "1234 bytes", "zh-Hant", "1234 bytes"),  # only its own action's patterns
        ("sign-in", None, "zh-Hant", None),
    ],
)
def test_audit_details_read_in_the_readers_language(
    action: str, detail: str | None, lang: str, shown: str | None
) -> None:
    assert shown_detail(action, detail, lang) == shown


# The functions that write audit rows, and where their action argument stands.
AUDIT_WRITERS = {"audit": 2, "_audit": 1, "record": 0, "outcome_recorder": 0, "audit_cli": 1}
PACKAGES = ("accounts", "dashboard", "loanflow", "etl", "analysis", "report")
# Files that write example rows for the screenshots from a table of their own (checked below).
EXAMPLES = {"dashboard/screenshots.py"}


def _action_codes(node: ast.expr) -> list[str] | None:
    """The action codes a call's argument can be: a literal, or a choice of literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _action_codes(node.body), _action_codes(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _audit_calls(tree: ast.AST) -> list[tuple[ast.Call, ast.expr, list[ast.FunctionDef]]]:
    """Every call of an audit writer, with its action argument and the functions around it."""
    found = []

    def visit(node: ast.AST, within: list[ast.FunctionDef]) -> None:
        if isinstance(node, ast.FunctionDef):
            within = [*within, node]
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in AUDIT_WRITERS:
                at = AUDIT_WRITERS[name]
                keyword = [k.value for k in node.keywords if k.arg == "action"]
                argument = keyword[0] if keyword else node.args[at] if len(node.args) > at else None
                if argument is not None:
                    found.append((node, argument, within))
        for child in ast.iter_child_nodes(node):
            visit(child, within)

    visit(tree, [])
    return found


def written_actions() -> set[str]:
    """Every action code any audit row is written with, found in the source. An action that
    is not a literal must be a parameter of an enclosing audit writer (whose callers are
    then read); anything else fails, so a new way of writing rows cannot go unseen."""
    root = Path(__file__).resolve().parent.parent
    codes: set[str] = set()
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if path.relative_to(root).as_posix() in EXAMPLES:
                continue
            for call, argument, within in _audit_calls(ast.parse(path.read_text("utf-8"))):
                literal = _action_codes(argument)
                if literal is not None:
                    codes |= set(literal)
                    continue
                owner = [
                    f.name
                    for f in within
                    if isinstance(argument, ast.Name)
                    and argument.id in {a.arg for a in f.args.args + f.args.kwonlyargs}
                ]
                where = f"{path.relative_to(root)}:{call.lineno}"
                assert owner and owner[-1] in AUDIT_WRITERS, f"unreadable audit action at {where}"
    return codes


def test_every_audit_action_written_is_declared_and_named_in_every_language() -> None:
    from vocabulary import LANGUAGES, MESSAGES, audit_action_label, role_label

    written = written_actions()
    assert {"sign-in", "load", "export", "user-disable", "user-enable"} <= written  # the scan
    assert written == set(accounts.ACTIONS)  # declared: nothing missing, nothing stale
    from dashboard.screenshots import AUDIT_ROWS

    assert {row[1] for row in AUDIT_ROWS} <= set(accounts.ACTIONS)
    for action in accounts.ACTIONS:
        entry = MESSAGES[f"audit.{action}"]
        assert set(entry) == set(LANGUAGES), action
        assert audit_action_label(action, "zh-Hans") != action
    for role in accounts.ROLES:
        assert set(MESSAGES[f"role.{role}"]) == set(LANGUAGES), role
        assert role_label(role, "zh-Hant") != role
    assert audit_action_label("no-such-action", "zh-Hant") == "no-such-action"  # as stored
