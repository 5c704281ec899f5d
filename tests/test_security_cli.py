"""`loanflow users`, `audit` and `keygen`: passwords never on the command line, audit kept."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import stat
import sys
import termios
import time
from pathlib import Path

from click.testing import CliRunner

import accounts
from etl.store import connect
from loanflow.cli import main

PASSWORD = "a long enough secret"
LOANFLOW = str(Path(sys.executable).with_name("loanflow"))


def run(db: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--db", str(db)], input=stdin)
    return result.exit_code, result.output


def test_add_list_passwd_remove_with_piped_password(db_path: Path) -> None:
    code, out = run(db_path, "users", "add", "alice", "--role", "analyst", stdin=PASSWORD + "\n")
    assert code == 0, out
    code, out = run(db_path, "users", "list", "--json")
    listed = json.loads(out)["users"]
    assert [(u["username"], u["role"], u["disabled"]) for u in listed] == [
        ("alice", "analyst", False)
    ]
    assert "hash" not in out and PASSWORD not in out
    code, out = run(db_path, "users", "passwd", "alice", stdin="a different secret\n")
    assert code == 0, out
    con = connect(db_path)
    assert accounts.verify(con, "alice", "a different secret") is not None
    assert accounts.verify(con, "alice", PASSWORD) is None
    con.close()
    code, out = run(db_path, "users", "remove", "alice")
    assert code == 0, out
    code, out = run(db_path, "users", "list", "--json")
    assert json.loads(out)["users"] == []


def test_password_option_does_not_exist(db_path: Path) -> None:
    for args in (
        ["users", "add", "alice", "--role", "admin", "--password", PASSWORD],
        ["users", "add", "alice", "--role", "admin", f"--password={PASSWORD}"],
        ["users", "passwd", "alice", "-p", PASSWORD],
    ):
        code, out = run(db_path, *args)
        assert code != 0
        assert "No such option" in out
    con = connect(db_path)
    assert accounts.user_count(con) == 0
    con.close()


def test_extra_argument_is_not_taken_as_a_password(db_path: Path) -> None:
    code, out = run(db_path, "users", "add", "alice", PASSWORD, "--role", "admin", stdin="")
    assert code != 0 and "unexpected extra argument" in out
    con = connect(db_path)
    assert accounts.user_count(con) == 0
    con.close()


def test_short_or_missing_piped_password_is_refused(db_path: Path) -> None:
    code, out = run(db_path, "users", "add", "alice", "--role", "admin", stdin="short\n")
    assert code == 2 and "too short" in out
    code, out = run(db_path, "users", "add", "alice", "--role", "admin", stdin="")
    assert code == 2 and "standard input is empty" in out
    assert "Traceback" not in out


def test_user_changes_are_audited(db_path: Path) -> None:
    run(db_path, "users", "add", "root", "--role", "admin", stdin=PASSWORD + "\n")
    run(db_path, "users", "add", "bob", "--role", "viewer", stdin=PASSWORD + "\n")
    run(db_path, "users", "role", "bob", "analyst")
    run(db_path, "users", "passwd", "bob", stdin=PASSWORD + "!\n")
    run(db_path, "users", "disable", "bob")
    run(db_path, "users", "remove", "bob")
    code, out = run(db_path, "audit", "--json")
    assert code == 0
    entries = json.loads(out)["entries"]
    assert [(e["action"], e["target"]) for e in reversed(entries)] == [
        ("user-add", "root"),
        ("user-add", "bob"),
        ("user-role", "bob"),
        ("user-password", "bob"),
        ("user-disable", "bob"),
        ("user-remove", "bob"),
    ]
    assert all(e["username"].endswith("@cli") for e in entries)
    assert all(PASSWORD not in json.dumps(e) for e in entries)
    code, out = run(db_path, "audit", "--since", "2999-01-01", "--json")
    assert json.loads(out)["entries"] == []
    code, out = run(db_path, "audit")
    assert "user-remove" in out.splitlines()[0]


def _echo_off(fd: int) -> bool:
    return not termios.tcgetattr(fd)[3] & termios.ECHO


def _drive_terminal(args: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the real console script on a pseudo-terminal, answering its hidden prompts.

    An answer is typed only once the prompt is shown and echo is off: the hidden prompt
    flushes what was typed before it.
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal
        os.execve(LOANFLOW, [LOANFLOW, *args], env)
    output = b""
    pending = list(answers)
    shown = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        prompts = output.count(b": ")
        if pending and prompts > shown and _echo_off(fd):
            shown = prompts
            os.write(fd, (pending.pop(0) + "\n").encode())
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_terminal_prompt_hides_and_confirms_the_password(db_path: Path) -> None:
    env = {**os.environ, "LOANFLOW_DB": str(db_path)}
    code, out = _drive_terminal(
        ["users", "add", "alice", "--role", "admin"], [PASSWORD, PASSWORD], env
    )
    assert code == 0, out
    assert "Repeat for confirmation" in out
    assert PASSWORD not in out  # never echoed
    con = connect(db_path)
    assert accounts.verify(con, "alice", PASSWORD) is not None
    con.close()


def test_keygen_creates_private_key_and_never_overwrites(tmp_path: Path) -> None:
    key = tmp_path / "pseudonym.key"
    result = CliRunner().invoke(main, ["keygen", str(key)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    text = key.read_text().strip()
    assert len(bytes.fromhex(text)) == 32
    again = CliRunner().invoke(main, ["keygen", str(key)])
    assert again.exit_code == 2 and "never overwrites" in again.output
    assert key.read_text().strip() == text


def test_audit_output_escapes_control_characters(db_path: Path) -> None:
    con = connect(db_path)
    accounts.audit(con, "x\x1b[2J\x1b[31m", "sign-in-failure", "x\x1b[2J", remote_addr="10.0.0.1")
    con.close()
    code, out = run(db_path, "audit")
    assert code == 0
    assert "\x1b" not in out and "\\x1b[2J" in out
