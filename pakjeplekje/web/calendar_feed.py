"""GET /agenda/<token>.ics: the practice's secret calendar feed of slots filled through
PakJePlekje, for agenda programs that subscribe to it. Unknown or revoked token: 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from pakjeplekje import clock, routes
from pakjeplekje.db import session_scope
from pakjeplekje.domain.integrations import calendar_feed
from pakjeplekje.web.html_pages import NO_STORE


def feed(request: Request) -> Response:
    token = str(request.path_params["token"])
    with session_scope() as db:
        body = calendar_feed.feed(db, token, clock.now())
    if body is None:
        return PlainTextResponse("Niet gevonden", status_code=404, headers=NO_STORE)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={**NO_STORE, "Content-Disposition": 'inline; filename="pakjeplekje.ics"'},
    )


def calendar_routes() -> list[Route]:
    return [Route(routes.CALENDAR_FEED, feed, methods=["GET"])]
