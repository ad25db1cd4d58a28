"""Integration API v1 (/api/v1) for practice software: slots and waitlist entries, with a
per-practice bearer key, a rate limit per key, idempotent POSTs and RFC 9457 errors.

Every request: the key (looked up in the database each time: a revoked key stops at once),
then its rate, then its scope (a read key may only GET), then the input (the OpenAPI
document's schemas, then the practice's own rules through the services). Nothing the client
sends can end in a 500: every failure is a problem response with a Dutch `detail`.

Mounted last in `web/api.py::create_api`, so a page under /api/v1 (the docs) mounted before
it wins; everything else under /api/v1 is answered here, unknown paths with a 404 problem.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from pakjeplekje import routes as paths
from pakjeplekje.config import get_settings
from pakjeplekje.db import read_scope
from pakjeplekje.domain.core_loop import slot_api
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.integrations import idempotency
from pakjeplekje.domain.waitlist import entry_api
from pakjeplekje.domain.waitlist.patients import NOT_FOUND as ENTRY_NOT_FOUND
from pakjeplekje.domain.waitlist.patients import DuplicatePhone, ValidationFailed
from pakjeplekje.services import integration_api as api
from pakjeplekje.services.integration_api import Caller, Idempotency, Reply
from pakjeplekje.web.api_v1 import bodies
from pakjeplekje.web.api_v1.openapi import DOCUMENT, MAX_ID, PAGE_MAX
from pakjeplekje.web.api_v1.problems import Problem, problem_response
from pakjeplekje.web.unavailable import MESSAGE as UNAVAILABLE
from pakjeplekje.web.unavailable import RETRY_AFTER_S, _is_outage

log = logging.getLogger(__name__)

Handler = Callable[[Request, Caller, bytes], Response]
JSON_HEADERS = {"Cache-Control": "no-store"}
PAGE_PARAMETERS = ("limit", "cursor", "status")
_DOCUMENT = json.dumps(DOCUMENT, ensure_ascii=False).encode()


def _json(reply: Reply, location: str | None = None) -> Response:
    headers = dict(JSON_HEADERS)
    if reply.replayed:
        headers["Idempotent-Replayed"] = "true"
    if location and reply.status == 201:
        headers["Location"] = location
    if reply.body is None:
        return Response(status_code=reply.status, headers=headers)
    return Response(
        json.dumps(reply.body, ensure_ascii=False),
        status_code=reply.status,
        media_type="application/json",
        headers=headers,
    )


# --- the steps every request takes -------------------------------------------------------


def _caller(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, raw = header.partition(" ")
    caller = api.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        raise Problem(
            401,
            "Stuur een geldige API-sleutel mee: Authorization: Bearer pjp_… (maak er een in "
            "Instellingen → Koppelingen). Een ingetrokken sleutel werkt niet meer.",
            headers={"WWW-Authenticate": 'Bearer realm="PakJePlekje"'},
        )
    return caller


def _admit(caller: Caller) -> None:
    wait = api.admit(caller)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise Problem(
            429,
            f"Te veel verzoeken met deze sleutel (hoogstens "
            f"{get_settings().api_requests_per_minute} per minuut). Probeer het over "
            f"{seconds} seconden opnieuw.",
            headers={"Retry-After": str(seconds)},
        )


async def _body(request: Request) -> bytes:
    """At most MAX_BODY (+1, to know it was more), however much the client sends."""
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > bodies.MAX_BODY:
        raise Problem(413, "Het verzoek is groter dan 64 kB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > bodies.MAX_BODY:
            raise Problem(413, "Het verzoek is groter dan 64 kB.")
    return b"".join(chunks)


def _answer(request: Request, run: Callable[[], Response]) -> Response:
    """The domain's refusals as problems (Dutch messages straight from the rules)."""
    try:
        return run()
    except Problem:
        raise
    except DuplicatePhone as exc:
        raise Problem(409, exc.message, errors={"phone": exc.message}, slug="dubbel") from exc
    except ValidationFailed as exc:
        raise Problem(422, bodies.INVALID, errors=exc.errors) from exc
    except NotFound as exc:
        raise Problem(404, exc.message) from exc
    except DomainError as exc:  # a rule of the practice's state: subscription, already closed
        raise Problem(409, exc.message) from exc
    except api.KeyReused as exc:
        raise Problem(
            422,
            "Deze Idempotency-Key is al gebruikt voor een ander verzoek. Gebruik een nieuwe "
            "sleutel voor een nieuwe handeling.",
            slug="idempotentie",
        ) from exc
    except IntegrityError as exc:  # two requests raced for the same unique value
        log.info("api v1: integrity conflict on %s", request.url.path)
        raise Problem(409, "Een gelijktijdig verzoek was u voor. Probeer het opnieuw.") from exc


def _known_parameters(request: Request, allowed: tuple[str, ...]) -> None:
    """A misspelt parameter (`?statuss=open`) is an error, not a silently ignored filter."""
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        errors = {name[:50]: "Onbekende parameter." for name in unknown}
        raise Problem(400, "Controleer de parameters.", errors=errors)


def _gate(request: Request, write: bool, query: tuple[str, ...]) -> Caller:
    """Key, rate, parameters, scope — in this order (off the event loop: the key is a
    database lookup, the rate a Redis call)."""
    caller = _caller(request)
    _admit(caller)
    _known_parameters(request, query)
    if write and not caller.may_write:
        raise Problem(
            403,
            "Deze sleutel mag alleen lezen. Maak in Instellingen → Koppelingen een "
            "sleutel met schrijfrechten.",
        )
    return caller


def endpoint(
    handler: Handler, *, write: bool = False, query: tuple[str, ...] = ()
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            caller = await run_in_threadpool(_gate, request, write, query)
            body = await _body(request) if write else b""
            return await run_in_threadpool(_answer, request, lambda: handler(request, caller, body))
        except Problem as problem:
            return problem_response(request, problem)

    return run


def _id(request: Request, message: str) -> int:
    raw = str(request.path_params.get("id", ""))
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 10 or not 0 < int(raw) <= MAX_ID:
        raise Problem(404, message)
    return int(raw)


def _idempotency(request: Request, body: bytes) -> Idempotency | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not idempotency.valid_key(key):
        raise Problem(
            400,
            "De Idempotency-Key is 1 tot 255 zichtbare ASCII-tekens zonder spaties, "
            "bijvoorbeeld een UUID.",
            errors={"Idempotency-Key": "Heeft niet de juiste vorm."},
        )
    return Idempotency(key, idempotency.request_hash(request.method, request.url.path, body))


def _digits(text: str, most: int) -> bool:
    """ASCII digits only: `int()` also reads "٣" and "１０"."""
    return text.isascii() and text.isdecimal() and len(text) <= most


def _paging(request: Request, statuses: tuple[str, ...]) -> tuple[int, int, str | None]:
    """(limit, after-id, status) from the query string, or a 400 naming the parameter."""
    query = request.query_params
    errors: dict[str, str] = {}
    limit = 25
    raw_limit = query.get("limit")
    if raw_limit is not None:
        if _digits(raw_limit, 3) and 1 <= int(raw_limit) <= PAGE_MAX:
            limit = int(raw_limit)
        else:
            errors["limit"] = f"Een geheel getal van 1 tot {PAGE_MAX}."
    after = 0
    cursor = query.get("cursor")
    if cursor is not None:
        if _digits(cursor, 10):
            after = int(cursor)
        else:
            errors["cursor"] = "Gebruik de next_cursor van de vorige pagina."
    status = query.get("status")
    if status is not None and status not in statuses:
        errors["status"] = "Kies uit: " + ", ".join(statuses) + "."
    if errors:
        raise Problem(400, "Controleer de parameters.", errors=errors)
    return limit, after, status


def _page(rows: list[dict[str, Any]], next_id: int | None) -> Response:
    body = {"data": rows, "next_cursor": None if next_id is None else str(next_id)}
    return JSONResponse(body, headers=JSON_HEADERS)


# --- slots ------------------------------------------------------------------------------


def list_slots(request: Request, caller: Caller, _: bytes) -> Response:
    limit, after, status = _paging(request, slot_api.STATUSES)
    with read_scope() as db:
        rows, next_id = slot_api.slot_page(
            db, caller.practice_id, status=status, after=after, limit=limit
        )
        return _page([slot_api.slot_view(db, s) for s in rows], next_id)


def get_slot(request: Request, caller: Caller, _: bytes) -> Response:
    slot_id = _id(request, slot_api.NOT_FOUND)
    with read_scope() as db:
        slot = slot_api.own_slot(db, caller.practice_id, slot_id)
        return _json(Reply(200, slot_api.slot_view(db, slot)))


def open_slot(request: Request, caller: Caller, body: bytes) -> Response:
    idem = _idempotency(request, body)
    data = bodies.check(
        "NewSlot", bodies.parse_json(body, request.headers.get("content-type", ""), required=True)
    )
    new = slot_api.NewSlot(
        starts_at=data["starts_at"],
        duration_minutes=data["duration_minutes"],
        treatment_id=data["treatment_id"],
        practitioner_id=data.get("practitioner_id"),
    )
    reply = api.open_slot(caller, new, idem)
    slot_id = reply.body["id"] if reply.body else ""
    return _json(reply, f"{paths.API_V1}/slots/{slot_id}")


def close_slot(request: Request, caller: Caller, body: bytes) -> Response:
    slot_id = _id(request, slot_api.NOT_FOUND)
    with read_scope() as db:  # another practice's id: 404 whatever the body says
        slot_api.own_slot(db, caller.practice_id, slot_id)
    idem = _idempotency(request, body)
    raw = bodies.parse_json(body, request.headers.get("content-type", ""), required=False)
    data = bodies.check("CloseSlot", {} if raw is None else raw)
    return _json(api.close_slot(caller, slot_id, data.get("reason", "gaat_niet_door"), idem))


# --- waitlist -----------------------------------------------------------------------------


def list_entries(request: Request, caller: Caller, _: bytes) -> Response:
    limit, after, status = _paging(request, entry_api.STATUSES)
    with read_scope() as db:
        rows, next_id = entry_api.entry_page(
            db, caller.practice_id, status=status, after=after, limit=limit
        )
        return _page(entry_api.entry_views(db, rows), next_id)


def get_entry(request: Request, caller: Caller, _: bytes) -> Response:
    entry_id = _id(request, ENTRY_NOT_FOUND)
    with read_scope() as db:
        patient = entry_api.own_entry(db, caller.practice_id, entry_id)
        return _json(Reply(200, entry_api.entry_views(db, [patient])[0]))


def add_entry(request: Request, caller: Caller, body: bytes) -> Response:
    idem = _idempotency(request, body)
    data = bodies.check(
        "NewWaitlistEntry",
        bodies.parse_json(body, request.headers.get("content-type", ""), required=True),
    )
    reply = api.add_entry(caller, data, idem)
    entry_id = reply.body["id"] if reply.body else ""
    return _json(reply, f"{paths.API_V1}/waitlist/{entry_id}")


def update_entry(request: Request, caller: Caller, body: bytes) -> Response:
    entry_id = _id(request, ENTRY_NOT_FOUND)
    with read_scope() as db:  # another practice's id: 404 whatever the body says
        entry_api.own_entry(db, caller.practice_id, entry_id)
    data = bodies.check(
        "WaitlistEntryChanges",
        bodies.parse_json(body, request.headers.get("content-type", ""), required=True),
    )
    return _json(api.update_entry(caller, entry_id, data))


def delete_entry(request: Request, caller: Caller, _: bytes) -> Response:
    entry_id = _id(request, ENTRY_NOT_FOUND)
    return _json(api.delete_entry(caller, entry_id))


# --- the practice's choices -----------------------------------------------------------------


def list_treatments(request: Request, caller: Caller, _: bytes) -> Response:
    with read_scope() as db:
        found = slot_api.catalogue(db, caller.practice_id)
    return JSONResponse({"data": found["treatments"]}, headers=JSON_HEADERS)


def list_practitioners(request: Request, caller: Caller, _: bytes) -> Response:
    with read_scope() as db:
        found = slot_api.catalogue(db, caller.practice_id)
    return JSONResponse({"data": found["practitioners"]}, headers=JSON_HEADERS)


def openapi_document(_: Request) -> Response:
    return Response(_DOCUMENT, media_type="application/json")


# --- errors outside the routes: unknown path, wrong method, database outage --------------------


async def _http_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {
        404: "Deze URL bestaat niet in de API. Zie /api/v1/openapi.json.",
        405: f"Deze methode ({request.method}) kan hier niet.",
    }
    detail = messages.get(exc.status_code, "Dit verzoek kan niet worden verwerkt.")
    problem = Problem(exc.status_code, detail, headers=dict(exc.headers or {}))
    return problem_response(request, problem)


async def _database_problem(request: Request, exc: Exception) -> Response:
    if not _is_outage(exc):
        raise exc
    log.warning("api v1: database unreachable on %s %s", request.method, request.url.path)
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    return problem_response(request, Problem(503, UNAVAILABLE, headers=headers))


def _sub(path: str) -> str:
    return path.removeprefix(paths.API_V1)


def _resource(path: str, **handlers: Callable[[Request], Awaitable[Response]]) -> Route:
    """One route per path whatever its methods, so a 405 lists them all in `Allow`."""

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method.lower()](request)

    methods = [m.upper() for m in handlers]
    return Route(path, dispatch, methods=methods)


def app() -> Starlette:
    return Starlette(
        routes=[
            Route(_sub(paths.API_V1_OPENAPI), openapi_document, methods=["GET"]),
            _resource(
                "/slots",
                get=endpoint(list_slots, query=PAGE_PARAMETERS),
                post=endpoint(open_slot, write=True),
            ),
            _resource("/slots/{id}", get=endpoint(get_slot)),
            _resource("/slots/{id}/close", post=endpoint(close_slot, write=True)),
            _resource(
                "/waitlist",
                get=endpoint(list_entries, query=PAGE_PARAMETERS),
                post=endpoint(add_entry, write=True),
            ),
            _resource(
                "/waitlist/{id}",
                get=endpoint(get_entry),
                patch=endpoint(update_entry, write=True),
                delete=endpoint(delete_entry, write=True),
            ),
            _resource("/treatments", get=endpoint(list_treatments)),
            _resource("/practitioners", get=endpoint(list_practitioners)),
        ],
        exception_handlers={
            HTTPException: _http_problem,
            DBAPIError: _database_problem,
            PoolTimeout: _database_problem,
        },
    )


def routes() -> list[BaseRoute]:
    return [Mount(paths.API_V1, app=app())]
