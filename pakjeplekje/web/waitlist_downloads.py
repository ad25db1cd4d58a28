"""Waitlist downloads: the filtered list as CSV and the import template.

Plain HTTP (not Reflex events) so the browser can save a file; authenticated by the HttpOnly
session cookie. Route functions are sync, so Starlette runs them (and the sync generator that
streams the export) in its threadpool: database work never blocks the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from pakjeplekje import clock
from pakjeplekje import routes as paths
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.waitlist import patient_csv
from pakjeplekje.domain.waitlist.patients import (
    DAYS,
    SORTS,
    STATUSES,
    URGENCIES,
    PatientQuery,
)
from pakjeplekje.web.session_cookie import token_from_cookie_header

CSV_TYPE = "text/csv; charset=utf-8"
_MAX_ID = 2**31 - 1  # an INTEGER column: larger ids would make PostgreSQL raise
_TRUE = {"1", "true", "ja", "yes", "on"}
_ALL_STATUSES = {"", "all", "alle"}  # present but empty: every status, as in the grid


def _actor(request: Request, *, exporting: bool = False) -> Actor | None:
    raw = token_from_cookie_header(request.headers.get("cookie"))
    now = clock.now()
    with session_scope() as db:
        actor = resolve_session(db, raw, now)
        if actor is not None and exporting:
            patient_csv.record_export(db, actor, now)
        return actor


def _unauthorized() -> JSONResponse:
    return JSONResponse(
        {"error": "Log opnieuw in om de wachtlijst te downloaden."},
        status_code=401,
        headers={"Cache-Control": "no-store"},
    )


def _small_int(value: str | None, low: int, high: int) -> int | None:
    text = (value or "").strip()
    if not (text.isascii() and text.isdecimal()) or len(text) > 10:
        return None
    number = int(text)
    return number if low <= number <= high else None


def query_from_params(params: Mapping[str, str]) -> PatientQuery:
    """The grid's filters from a URL; anything unknown or malformed falls back to its default."""
    search = "".join(ch for ch in params.get("q", "") if ch.isprintable())[:100]
    urgency = params.get("urgency", "")
    status = params.get("status", "waiting")
    day_text = params.get("day", "").strip().lower()
    day = DAYS.index(day_text) if day_text in DAYS else _small_int(day_text, 0, len(DAYS) - 1)
    sort = params.get("sort", "added")
    return PatientQuery(
        search=search,
        treatment_id=_small_int(params.get("treatment"), 1, _MAX_ID),
        urgency=urgency if urgency in URGENCIES else "",
        status="" if status in _ALL_STATUSES else status if status in STATUSES else "waiting",
        day=day,
        sort=sort if sort in SORTS else "added",
        descending=params.get("desc", "").strip().lower() in _TRUE,
    )


def _csv_headers(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def _stream(practice_id: int, query: PatientQuery) -> Iterator[str]:
    """A sync generator: Starlette pulls each chunk in its threadpool."""
    with session_scope() as db:
        yield from patient_csv.export_csv(db, practice_id, query)


def export_waitlist(request: Request) -> Response:
    actor = _actor(request, exporting=True)
    if actor is None:
        return _unauthorized()
    query = query_from_params(request.query_params)
    today = clock.now().astimezone(AMSTERDAM).date().isoformat()
    return StreamingResponse(
        _stream(actor.practice_id, query),
        media_type=CSV_TYPE,
        headers=_csv_headers(f"wachtlijst-{today}.csv"),
    )


def template(request: Request) -> Response:
    if _actor(request) is None:
        return _unauthorized()
    return Response(
        "\ufeff" + patient_csv.template_csv(),
        media_type=CSV_TYPE,
        headers=_csv_headers("wachtlijst-sjabloon.csv"),
    )


def routes() -> list[Route]:
    return [
        Route(paths.WAITLIST_EXPORT, export_waitlist, methods=["GET"]),
        Route(paths.WAITLIST_TEMPLATE, template, methods=["GET"]),
    ]
