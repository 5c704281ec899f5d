"""Every failure a user can cause reads in the reader's language on the dashboard.

Each construction of a :class:`etl.errors.LoanFlowError` (or a subclass, or a
:class:`etl.errors.Phrase` inside one) names a ``code`` the catalogue knows
(``error.<code>``) and passes, by name, every value its message shows; the catalogue's
English is then the CLI's message itself: the message's f-string with each value written
``{name}`` (with its ``!r`` or format spec). Read from the source (AST), so a new raise
without a code fails here before anyone sees it in English on a Chinese screen.
"""

from __future__ import annotations

import ast
import string
from dataclasses import dataclass
from pathlib import Path

import pytest

from vocabulary import LANGUAGES, MESSAGES

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("etl", "analysis", "accounts", "report", "dashboard", "loanflow", "sample_logs",
            "vocabulary")  # fmt: skip
BASE = "LoanFlowError"
REBUILT = {"etl/errors.py"}  # LoanFlowError.from_json: a code read back from JSON


@dataclass(frozen=True)
class Site:
    """One construction of an error (or phrase) in the source."""

    where: str
    cls: str
    code: str | None
    template: str | None  # the message with {value} placeholders; None: not checkable
    problem: str | None


def _sources() -> list[tuple[str, ast.Module]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found.append((str(path.relative_to(ROOT)), ast.parse(path.read_text("utf-8"))))
    return found


def _error_classes(sources: list[tuple[str, ast.Module]]) -> set[str]:
    """LoanFlowError and every class derived from it (by name, through any depth)."""
    names = {BASE}
    classes = [
        node for _, tree in sources for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
    ]
    grew = True
    while grew:
        grew = False
        for node in classes:
            bases = {
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            }
            if node.name not in names and bases & names:
                names.add(node.name)
                grew = True
    return names


def _self_coded(sources: list[tuple[str, ast.Module]], classes: set[str]) -> set[str]:
    """Subclasses whose constructor passes a constant code itself (DatasetExistsError)."""
    coded = set()
    for _, tree in sources:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ClassDef) and node.name in classes):
                continue
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "__init__"
                    and any(
                        k.arg == "code" and isinstance(k.value, ast.Constant) for k in call.keywords
                    )
                ):
                    coded.add(node.name)
    return coded


def _template(message: ast.expr, values: dict[str, ast.expr]) -> tuple[str | None, str | None]:
    """The message as a catalogue template, or why it cannot be one."""
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        return message.value.replace("{", "{{").replace("}", "}}"), None
    if not isinstance(message, ast.JoinedStr):
        return None, "the message is not a string or an f-string written at the raise"
    by_source = {ast.dump(expr): name for name, expr in values.items()}
    parts = []
    for piece in message.values:
        if isinstance(piece, ast.Constant):
            parts.append(str(piece.value).replace("{", "{{").replace("}", "}}"))
            continue
        assert isinstance(piece, ast.FormattedValue)
        name = by_source.get(ast.dump(piece.value))
        if name is None:
            return None, f"{ast.unparse(piece.value)!r} is shown but not passed as a value"
        conversion = {-1: "", 114: "!r", 115: "!s", 97: "!a"}[piece.conversion]
        spec = ""
        if piece.format_spec is not None:
            spec_parts = piece.format_spec.values  # type: ignore[attr-defined]
            if not all(isinstance(p, ast.Constant) for p in spec_parts):
                return None, "a computed format spec"
            spec = ":" + "".join(str(p.value) for p in spec_parts)
        parts.append("{" + name + conversion + spec + "}")
    return "".join(parts), None


def _site(relative: str, node: ast.Call, classes: set[str], self_coded: set[str]) -> Site | None:
    """What one call is: an error or phrase construction (checked), or None."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else None
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    if isinstance(func, ast.Attribute) and func.attr == "__init__":
        if "code" not in keywords:
            return None  # a subclass's constructor passing its caller's code: read at callers
        name = "super().__init__"
    elif name not in classes and name != "Phrase":
        return None
    where = f"{relative}:{node.lineno}"
    code_node = keywords.pop("code", None)
    message = node.args[0] if node.args else keywords.pop("message", None)
    if code_node is None:
        return Site(where, name, None, None, None if name in self_coded else "no code=")
    if not (isinstance(code_node, ast.Constant) and isinstance(code_node.value, str)):
        if isinstance(code_node, ast.Name) and code_node.id == "code":
            return None  # a constructor handing on the code its caller named
        # only a failure rebuilt from its JSON (a load's worker) takes its code as data
        problem = None if relative in REBUILT else "the code is not a constant"
        return Site(where, name, None, None, problem)
    if message is None:
        return Site(where, name, code_node.value, None, "no message")
    template, problem = _template(message, keywords)
    return Site(where, name, code_node.value, template, problem)


def raise_sites() -> list[Site]:
    """Every construction of an error class or a Phrase in LoanFlow's packages."""
    sources = _sources()
    classes = _error_classes(sources)
    self_coded = _self_coded(sources, classes)
    sites = []
    for relative, tree in sources:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                site = _site(relative, node, classes, self_coded)
                if site is not None:
                    sites.append(site)
    return sites


SITES = raise_sites()


def test_the_scan_finds_the_raises() -> None:
    """The scan itself: it sees the known raises (a broken scan would pass everything)."""
    assert len(SITES) > 150
    classes = {site.cls for site in SITES}
    assert {"BadInputError", "ProfileError", "LoanFlowError", "Phrase"} <= classes
    assert any(site.code == "unknown_dataset" for site in SITES)


def test_every_raise_has_a_code_the_catalogue_knows() -> None:
    problems = [f"{s.where} {s.cls}: {s.problem}" for s in SITES if s.problem]
    unknown = [
        f"{s.where} {s.cls}: error.{s.code} is not in the catalogue"
        for s in SITES
        if s.code and f"error.{s.code}" not in MESSAGES
    ]
    assert problems + unknown == []


def test_the_catalogue_english_is_the_cli_message() -> None:
    """error.<code>'s English is each raise's message, placeholder for placeholder."""
    wrong = [
        f"{s.where}: error.{s.code}\n  raise:     {s.template!r}\n  catalogue: "
        f"{MESSAGES[f'error.{s.code}']['en']!r}"
        for s in SITES
        if s.template is not None
        and f"error.{s.code}" in MESSAGES
        and MESSAGES[f"error.{s.code}"]["en"] != s.template
    ]
    assert wrong == []


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_each_error_is_worded_in_every_language_with_its_values() -> None:
    """Every error.* entry has all three languages, and the Chinese use no value the
    English does not have (a typo would fail on the page); the Chinese are not English."""
    for key, entry in MESSAGES.items():
        if not key.startswith("error."):
            continue
        assert set(entry) == set(LANGUAGES), key
        for lang in ("zh-Hant", "zh-Hans"):
            assert _fields(entry[lang]) <= _fields(entry["en"]), (key, lang)
            assert entry[lang] != entry["en"] or not any(c.isalpha() for c in entry["en"]), key


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ('BadInputError(f"{path} is gone.")', "no code="),
        ('BadInputError(f"{path} is gone.", code="file_not_found")', "is shown but not passed"),
        (
            'BadInputError(f"{p} is gone.", code="file_not_found", path=q)',
            "is shown but not passed",
        ),
        ('BadInputError(message, code="file_empty")', "not a string or an f-string"),
        ('BadInputError("Nothing.", code=kind)', "the code is not a constant"),
    ],
)
def test_the_scan_refuses_a_raise_without_its_code_or_values(source: str, problem: str) -> None:
    """A raise without a code, with a shown value not passed (or passed under another
    expression), with a message made elsewhere, or with a computed code, is reported."""
    call = ast.parse(source, mode="eval").body
    assert isinstance(call, ast.Call)
    site = _site("etl/example.py", call, {BASE, "BadInputError"}, set())
    assert site is not None and site.problem is not None and problem in site.problem


def test_the_scan_reads_a_message_as_its_template() -> None:
    """A passed value becomes its placeholder, with its conversion and format spec."""
    call = ast.parse(
        'BadInputError(f"{path.name!r} has {n:,} rows {{x}}", code="c", file=path.name, n=n)',
        mode="eval",
    ).body
    assert isinstance(call, ast.Call)
    site = _site("etl/example.py", call, {BASE, "BadInputError"}, set())
    assert site == Site(
        "etl/example.py:1", "BadInputError", "c", "{file!r} has {n:,} rows {{x}}", None
    )
