"""One clock: only `pakjeplekje/clock.py` reads the wall clock, so tests can freeze it and an
app started with CLOCK_START runs on the tests' instant. Any other read of the current date or
time in the app (`datetime.now()`, `date.today()`, `time.time()`, the database's `now()`...)
turns this test red, with the file and line to fix."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pakjeplekje"
THE_CLOCK = PACKAGE / "clock.py"

# Every way to ask for the current date or time, by its full dotted name.
WALL_CLOCK = frozenset(
    {
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "time.time",
        "time.time_ns",
        "time.localtime",
        "time.gmtime",
        "time.ctime",
        "time.asctime",
        "time.strftime",
        "email.utils.formatdate",
        "email.utils.localtime",
        "sqlalchemy.func.now",
        "sqlalchemy.func.current_timestamp",
        "sqlalchemy.func.current_date",
        "sqlalchemy.func.current_time",
        "sqlalchemy.func.localtimestamp",
        "sqlalchemy.func.sysdate",
        "sqlmodel.func.now",
        "sqlmodel.func.current_timestamp",
        "sqlmodel.func.current_date",
        "sqlmodel.func.current_time",
        "sqlmodel.func.localtimestamp",
        "sqlmodel.func.sysdate",
    }
)

# (file, dotted name): the few reads that must stay on the wall clock, each with its reason.
ALLOWED = {
    # File ages on disk: the OS stamps mtimes with the wall clock, so they are compared with
    # the wall clock (the app's clock may be set elsewhere by CLOCK_START).
    ("adapters/private_uploads.py", "time.time"),
}


@dataclass(frozen=True)
class Read:
    file: str
    line: int
    name: str

    def __str__(self) -> str:
        return f"pakjeplekje/{self.file}:{self.line}: {self.name}"


def _imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name → full dotted name, from the module's imports (aliases included)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    names[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None for anything that is not a plain name chain."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def wall_clock_reads(source: str, file: str) -> list[Read]:
    """Each reference to a wall-clock reader in `source`, called or passed on (as in
    `default_factory=datetime.now`)."""
    tree = ast.parse(source)
    imported = _imported_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute | ast.Name):
            continue
        parts = _dotted(node)
        if parts is None or parts[0] not in imported:
            continue
        name = ".".join([imported[parts[0]], *parts[1:]])
        if name in WALL_CLOCK:
            found.append(Read(file, node.lineno, name))
    return found


def _app_reads() -> list[Read]:
    reads = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != THE_CLOCK:
            file = path.relative_to(PACKAGE).as_posix()
            reads += wall_clock_reads(path.read_text(encoding="utf-8"), file)
    return reads


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    stray = [r for r in _app_reads() if (r.file, r.name) not in ALLOWED]
    listed = "\n".join(map(str, stray))
    assert not stray, f"Read the time through pakjeplekje.clock.now() instead:\n{listed}"


def test_every_allowed_read_is_still_there() -> None:
    """An exception nobody needs any more is a hole waiting to be used: remove it."""
    used = {(r.file, r.name) for r in _app_reads()}
    assert used >= ALLOWED, f"No longer needed, remove from ALLOWED: {ALLOWED - used}"


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("from datetime import datetime\nx = datetime.now()", "datetime.datetime.now"),
        ("import datetime\nx = datetime.datetime.utcnow()", "datetime.datetime.utcnow"),
        ("import datetime as dt\nx = dt.date.today()", "datetime.date.today"),
        ("from datetime import date as d\nx = d.today()", "datetime.date.today"),
        ("import time\nx = time.time()", "time.time"),
        ("from time import time\nx = time()", "time.time"),
        ("from time import time as wall\nx = wall()", "time.time"),
        ("from datetime import datetime\nf = Field(default_factory=datetime.now)", None),
        ("from sqlalchemy import func\nq = select(func.now())", "sqlalchemy.func.now"),
        ("from email.utils import formatdate\nh = formatdate()", "email.utils.formatdate"),
    ],
)
def test_the_check_sees_each_way_of_reading_the_clock(source: str, name: str | None) -> None:
    """The guard itself must be able to fail: every spelling of a wall-clock read is caught."""
    [read] = wall_clock_reads(source, "x.py")
    assert read.name == (name or "datetime.datetime.now")


@pytest.mark.parametrize(
    "source",
    [
        "from pakjeplekje import clock\nx = clock.now()",
        "from datetime import datetime, UTC\nx = datetime.fromtimestamp(0, UTC)",
        "from datetime import time\nx = time(10, 30)",
        "import time\ntime.monotonic()",  # a duration, not a date
    ],
)
def test_the_check_leaves_the_clock_and_plain_values_alone(source: str) -> None:
    assert wall_clock_reads(source, "x.py") == []
