"""Every event handler the app registers, named as the frontend names them on the websocket.

Run as `python -m tests.browser.registered_handlers` in the app's environment: it imports the
app module as `reflex run` does (which imports every page and state) and prints JSON. The list
is what the server dispatches on (reflex's registration context, the same table the event
processor looks names up in), joined with a walk of the `rx.State` tree: a handler is callable
by any client whether the code means it to be or not.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def _params(fn: Any) -> list[dict[str, Any]]:
    """The handler's arguments after `self`: name, annotation as written, required or not."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    return [
        {
            "name": p.name,
            "type": str(p.annotation) if p.annotation is not p.empty else "",
            "required": p.default is p.empty,
        }
        for p in params
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def collect() -> list[dict[str, Any]]:
    from reflex.state import State
    from reflex_base.registry import RegistrationContext

    import pakjeplekje.app  # noqa: F401  (builds the app: registers pages and states)

    def walk(cls: type[State]) -> list[type[State]]:
        return [cls, *(s for sub in cls.get_substates() for s in walk(sub))]

    states = {cls.get_full_name(): cls for cls in walk(State)}
    handlers = {
        f"{name}.{handler}": (cls, event_handler)
        for name, cls in states.items()
        for handler, event_handler in cls.event_handlers.items()
    }
    for name, registered in RegistrationContext.get().event_handlers.items():
        handlers.setdefault(name, (registered.states[0], registered.handler))
    rows = []
    for name, (cls, event_handler) in sorted(handlers.items()):
        rows.append(
            {
                "event": name,
                "state": cls.get_full_name(),
                "handler": name.rpartition(".")[2],
                "params": _params(event_handler.fn),
                "vars": sorted(cls.base_vars),
                "siblings": sorted(cls.event_handlers),
                "backend_vars": sorted(
                    n for n in cls.__fields__ if n.startswith("_") and n not in cls.base_vars
                ),
            }
        )
    return rows


def registered_handlers(env: dict[str, str], cwd: Path) -> list[dict[str, Any]]:
    """The list, computed in a fresh interpreter with the app's own environment."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.browser.registered_handlers"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(collect()))
