"""Privacy HTTP routes: the practice's ZIP export (Overdracht).

The export is a plain HTTP download (the websocket caps `rx.download` at 1 MB): the privacy
page asks for a two-minute, single-use token over the websocket, then navigates here. The
route also requires the owner's session cookie, spends the token, and streams the ZIP from a
sync generator that Starlette runs in its threadpool — nothing is written to disk.
"""

from __future__ import annotations

from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from pakjeplekje.db import session_scope
from pakjeplekje.domain import privacy_export
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.sessions import resolve_session
from pakjeplekje.models import utcnow
from pakjeplekje.session_cookie import token_from_cookie_header

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
EXPORT_PATH = "/api/privacy/export.zip"


def _stream(practice_id: int) -> Iterator[bytes]:
    with session_scope() as db:
        if db.get_bind().dialect.name == "postgresql":  # one snapshot for every table
            db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield from privacy_export.export_zip(db, practice_id, utcnow())


def export_zip(request: Request) -> Response:
    raw_session = token_from_cookie_header(request.headers.get("cookie"))
    try:
        with session_scope() as db:
            now = utcnow()
            actor = resolve_session(db, raw_session, now)
            practice_id = privacy_export.redeem_export(
                db, request.query_params.get("token", ""), actor, now
            )
    except DomainError as exc:
        return JSONResponse({"error": exc.message}, status_code=403, headers=NO_STORE)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        _stream(practice_id),
        media_type="application/zip",
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="pakjeplekje-export-{stamp}.zip"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes() -> list[Route]:
    return [Route(EXPORT_PATH, export_zip, methods=["GET"])]
