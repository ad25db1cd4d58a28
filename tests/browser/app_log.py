"""The app's log as the browser tests read it: what it wrote since a point, and the
tracebacks in it, each summed up by its exception and the innermost frame of our code.

Reflex prints through rich, which wraps long lines at 80 columns in a file; the parsing here
copes with that. A failed log handler prints the call stack and the record it dropped.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

_TRACEBACK = "Traceback (most recent call last)"
_EXCEPTION_LINE = re.compile(
    r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)\b.*)$", re.M
)


def log_from(log: Path, offset: int) -> bytes:
    """What the app logged since `offset`, once it has stopped writing."""
    size = -1
    for _ in range(20):
        if log.stat().st_size == size:
            break
        size = log.stat().st_size
        time.sleep(0.25)
    with log.open("rb") as f:
        f.seek(offset)
        return f.read()


@dataclass(frozen=True)
class Traceback:
    at: int  # offset in app.log
    text: str

    @property
    def summary(self) -> str:
        """The exception and the innermost frame of our code (else of any code)."""
        flat = re.sub(r"\n(?!\s*File |Traceback|\S+(?:Error|Exception)\b)", "", self.text)
        frames = re.findall(r'File\s+"([^"]+)",\s+line\s+(\d+),\s+in\s+(\w+)', flat)
        ours = [f for f in frames if "/pakjeplekje/" in f[0]] or frames
        where = f"{Path(ours[-1][0]).name}:{ours[-1][1]} in {ours[-1][2]}" if ours else "?"
        failed, _, call_stack = self.text.partition("Call stack:")  # a log handler that
        last_frame = failed.rfind("File ")  # failed prints what it could not log after that
        exception = _EXCEPTION_LINE.search(failed, max(last_frame, 0))
        message = (
            "".join(failed[exception.start() :].split("\n\n")[0].splitlines()[:2])
            if exception
            else "?"
        )
        if dropped := re.search(r"^Message: (.*)$", call_stack, re.M):
            message = f"logging {dropped.group(1)[:80]} failed: {message}"
        return f"{message[:160]} ({where})"


def tracebacks(logged: bytes, offset: int) -> list[Traceback]:
    """Every traceback the app logged, with where it starts in app.log."""
    marker = _TRACEBACK.encode()
    starts = [m.start() for m in re.finditer(re.escape(marker), logged)]
    ends = [*starts[1:], len(logged)] if starts else []
    found: list[Traceback] = []
    for s, e in zip(starts, ends, strict=True):
        text = logged[s:e].decode("utf-8", "replace")
        if found and found[-1].text.rstrip().endswith("exception:"):  # a chained one: the
            found[-1] = Traceback(found[-1].at, found[-1].text + text)  # same failure
        else:
            found.append(Traceback(offset + s, text))
    return found
