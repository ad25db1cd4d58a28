"""The figures of /resultaten as CSV: plain HTTP so the browser saves a file, authenticated by
the HttpOnly session cookie like the waitlist downloads, scoped to that session's practice."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pakjeplekje import clock
from pakjeplekje import routes as paths
from pakjeplekje.db import session_scope
from pakjeplekje.domain import results
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.web.session_cookie import token_from_cookie_header

CSV_TYPE = "text/csv; charset=utf-8"
_NO_STORE = {"Cache-Control": "no-store"}


def download(request: Request) -> Response:
    """GET ?per=week|maand (default week): the last 12 periods, newest first."""
    unit = request.query_params.get("per", results.WEEK).strip().lower()
    if unit not in results.UNITS:
        return JSONResponse(
            {"error": "Kies per=week of per=maand."}, status_code=400, headers=_NO_STORE
        )
    raw = token_from_cookie_header(request.headers.get("cookie"))
    now = clock.now()
    with session_scope() as db:
        actor = resolve_session(db, raw, now)
        if actor is None:
            return JSONResponse(
                {"error": "Log opnieuw in om de resultaten te downloaden."},
                status_code=401,
                headers=_NO_STORE,
            )
        periods = results.overview(db, actor.practice_id, unit, now)
        today = results.local_today(db, actor.practice_id, now).isoformat()
    return Response(
        results.export_csv(periods),
        media_type=CSV_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="resultaten-per-{unit}-{today}.csv"',
            "X-Content-Type-Options": "nosniff",
            **_NO_STORE,
        },
    )


def routes() -> list[Route]:
    return [Route(paths.RESULTS_CSV, download, methods=["GET"])]
