"""One guard for every event handler a browser can call.

Reflex turns every public method of a state into a handler that any websocket client may call,
with any arguments, logged in or not. So no handler is written bare: each is declared with

- `staff_event`: the caller must be a logged-in staff member; the handler receives the `Actor`
  (resolved from the session cookie of the websocket handshake) as its first argument, which
  the client can neither see nor send;
- `public_event`: deliberately callable without a session (log in, sign up, reset, boot).

Both check the client's arguments against the handler's signature and type hints before any
work is done, turn a `DomainError` into its Dutch message, and never let an exception reach
Reflex (whose handler logs the request, cookies included, and shows "An error occurred").
`tests/test_event_guard.py` walks every registered handler and fails on one that is neither.
"""

from __future__ import annotations

import inspect
import logging
import types
import typing
from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from pakjeplekje.domain.errors import DomainError
from pakjeplekje.ui.state.base import current_actor, login_redirect, session_token

log = logging.getLogger(__name__)

GUARD = "__pakjeplekje_guard__"
STAFF, PUBLIC = "staff", "public"

BAD_REQUEST = "Dit verzoek klopt niet. Herlaad de pagina en probeer het opnieuw."
FAILED = "Er ging iets mis aan onze kant. Probeer het over een minuut opnieuw."

Reply = rx.event.EventSpec | list | None
# A record's id as the page sends it: a string from a row dict, or a number from an int var.
RecordId = str | int
# A page number: declared as a union so Reflex passes it through untouched (for a plain `int`
# it tries to convert "abc" itself and logs the client's raw value on failure).
PageNumber = int | str


def page_number(value: PageNumber, last: int) -> int | None:
    """1…last, or None for anything that is not a page number."""
    text = str(value)
    if not text.isdecimal() or len(text) > 6:
        return None
    return max(1, min(int(text), last))


def refuse(message: str = BAD_REQUEST) -> rx.event.EventSpec:
    return rx.toast.error(message, close_button=True)


def _is_valid_text(value: str) -> bool:
    """UTF-8 encodable: a lone surrogate from a tampered payload would crash hashing later."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _valid_value(value: object) -> bool:
    if isinstance(value, str):
        return _is_valid_text(value)
    if isinstance(value, dict):
        return all(_valid_value(k) and _valid_value(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_valid_value(v) for v in value)
    return True


def _matches(value: object, hint: object) -> bool:
    """The few shapes our handlers take: text, numbers, flags, a form (dict), a list."""
    origin = typing.get_origin(hint) or hint
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, option) for option in typing.get_args(hint))
    if origin is type(None):
        return value is None
    if origin is str:
        return isinstance(value, str)
    if origin is bool:
        return isinstance(value, bool)
    if origin is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is dict:
        return isinstance(value, dict)
    if origin is list:
        item = (typing.get_args(hint) or (object,))[0]
        return isinstance(value, list) and (
            not isinstance(item, type) or all(isinstance(v, item) for v in value)
        )
    return True  # uploads and the like: Reflex builds those itself


def _client_view(
    fn: Callable[..., Any], takes_actor: bool
) -> tuple[inspect.Signature, dict[str, Any]]:
    """The signature and hints the client may use: `self` and the handler's own arguments,
    without the actor the guard supplies."""
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    own = params[2:] if takes_actor else params[1:]
    hints = typing.get_type_hints(fn)
    client_hints = {p.name: hints[p.name] for p in own if p.name in hints}
    if "return" in hints:
        client_hints["return"] = hints["return"]
    return signature.replace(parameters=[params[0], *own]), client_hints


def _guard(fn: Callable[..., Any], kind: str, background: bool) -> Any:
    takes_actor = kind == STAFF
    signature, hints = _client_view(fn, takes_actor)
    name = fn.__qualname__

    async def handler(self: rx.State, *args: Any, **kwargs: Any) -> Reply:
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            log.warning("event %s refused: arguments do not fit", name)
            return refuse()
        for arg, value in list(bound.arguments.items())[1:]:
            if not (_matches(value, hints.get(arg)) and _valid_value(value)):
                log.warning("event %s refused: %s has the wrong type", name, arg)
                return refuse()
        given, named = bound.args[1:], bound.kwargs
        try:
            if takes_actor:
                actor = await current_actor(self)
                if actor is None:
                    return login_redirect("verlopen" if session_token(self) else "inloggen")
                result = fn(self, actor, *given, **named)
            else:
                result = fn(self, *given, **named)
            if inspect.isawaitable(result):
                result = await result
        except DomainError as exc:
            return refuse(exc.message)
        except Exception:
            log.exception("event %s failed", name)  # our bug: the traceback is for us
            return refuse(FAILED)
        return result

    handler.__name__ = fn.__name__
    handler.__qualname__ = fn.__qualname__
    handler.__module__ = fn.__module__
    handler.__doc__ = fn.__doc__
    handler.__signature__ = signature  # type: ignore[attr-defined]  # inspect reads __signature__ off any function; typeshed does not declare it
    handler.__annotations__ = hints
    setattr(handler, GUARD, kind)
    return rx.event(background=True)(handler) if background else rx.event(handler)  # type: ignore[operator]  # rx.event is callable at runtime; Reflex types it as a namespace


def staff_event(fn: Callable[..., Any] | None = None, *, background: bool = False) -> Any:
    """A handler for logged-in staff; it gets the `Actor` after `self`."""
    if fn is None:
        return lambda f: _guard(f, STAFF, background)
    return _guard(fn, STAFF, background)


def public_event(fn: Callable[..., Any]) -> Any:
    """A handler deliberately open to anyone (it checks what it needs itself)."""
    return _guard(fn, PUBLIC, background=False)


def guard_kind(handler: object) -> str | None:
    """`staff`, `public`, or None for a handler that skipped the guard."""
    fn = getattr(handler, "fn", handler)
    return getattr(fn, GUARD, None)


def framework_error(exception: Exception) -> EventSpec:  # reflex evals this annotation
    """Reflex's own handlers (setvar, hydrate, …) given nonsense by a client: one log line
    without the request (whose headers carry the session cookie), and a Dutch notice."""
    log.warning("event refused by the framework: %s", type(exception).__name__)
    return refuse()
