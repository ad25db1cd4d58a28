"""The product speaks one Dutch: "u", never "je"; real plurals, never "patiënt(en)".

The scan reads every string literal in the package (f-string parts included), skipping
docstrings and log calls: those are for developers, and the logs are English.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pakjeplekje import texts

PACKAGE = Path(__file__).resolve().parents[1] / "pakjeplekje"
INFORMAL = re.compile(r"(?<![\w'’-])(je|jij|jou|jouw|jezelf|jullie)(?![\w'’-])", re.IGNORECASE)
BRACKET_PLURAL = re.compile(r"\w\((en|sen|s|'s|jes|n|e)\)")
ALLOWED = {"http(s)", "ws(s)"}  # URL schemes in operator messages, not plurals
LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _log_arguments(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_CALLS
        ):
            ids.update(id(n) for arg in node.args for n in ast.walk(arg))
    return ids


def strings_in(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _docstrings(tree) | _log_arguments(tree)
    skipped |= {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            yield node.lineno, "{}".join(str(p) for p in parts)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def offences(text: str) -> list[str]:
    found = [m.group(0) for m in INFORMAL.finditer(text)]
    for match in BRACKET_PLURAL.finditer(text):
        word = text[: match.end()].split()[-1] if text[: match.end()].split() else match.group(0)
        if not any(word.endswith(allowed) for allowed in ALLOWED):
            found.append(word)
    return found


def test_every_string_in_the_package_says_u_and_has_real_plurals() -> None:
    problems = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {bad!r} in {text!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, text in strings_in(path)
        for bad in offences(text)
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Je sessie is verlopen.", ["Je"]),
        ("Heb jij dit gevraagd?", ["jij"]),
        ("Kies jouw wachtwoord", ["jouw"]),
        ("3 patiënt(en) passen", ["patiënt(en)"]),
        ("2 gebeurtenis(sen)", ["gebeurtenis(sen)"]),
        ("1 SMS'je(s) onbekend", ["SMS'je(s)"]),
        ("U heeft 3 SMS'jes verstuurd", []),  # 'je' inside SMS'jes is not a pronoun
        ("geen http(s)-adres", []),
        ("Uw sessie is verlopen.", []),
        ("Jeroen en Jetske", []),
    ],
)
def test_the_scan_catches_what_it_should_and_nothing_else(text: str, flagged: list[str]) -> None:
    assert offences(text) == flagged


@pytest.mark.parametrize(
    ("n", "noun", "said"),
    [
        (0, "patiënt", "0 patiënten"),
        (1, "patiënt", "1 patiënt"),
        (2, "patiënt", "2 patiënten"),
        (1, "aanbieding", "1 aanbieding"),
        (5, "gebeurtenis", "5 gebeurtenissen"),
        (3, "SMS", "3 SMS'jes"),
        (1, "rij", "1 rij"),
        (12, "rij", "12 rijen"),
    ],
)
def test_counted_nouns(n: int, noun: str, said: str) -> None:
    assert texts.count(n, noun) == said


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "binnen een minuut"),
        (40, "binnen een minuut"),
        (60, "1 min"),
        (89, "1 min"),
        (90, "2 min"),
        (150, "2 min"),
        (151, "3 min"),
        (3600, "60 min"),
    ],
)
def test_one_way_to_say_how_long_a_fill_took(seconds: float, said: str) -> None:
    assert texts.duration(seconds) == said
