"""When the database cannot be reached (restarting, failing over, every pooled connection in
use past the pool's timeout), every route answers a plain Dutch 503 instead of a stack trace:
the transaction rolled back, nothing was half written, and the next request tries again on a
fresh connection (`pool_pre_ping`)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pakjeplekje.web.html_pages import NO_STORE, page

log = logging.getLogger(__name__)

RETRY_AFTER_S = 30
MESSAGE = "PakJePlekje is even niet bereikbaar. Probeer het over een halve minuut opnieuw."


def _is_outage(exc: Exception) -> bool:
    """Connection trouble only: a constraint or a bad query stays a real error (500)."""
    if isinstance(exc, PoolTimeout | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


async def database_unavailable(request: Request, exc: Exception) -> Response:
    if not _is_outage(exc):
        raise exc
    log.warning(
        "database unreachable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    headers = {**NO_STORE, "Retry-After": str(RETRY_AFTER_S)}
    if request.url.path.startswith("/api/"):
        return JSONResponse({"result": "unavailable", "melding": MESSAGE}, 503, headers=headers)
    response = page("Even niet bereikbaar", f"<h1>Even geduld</h1><p>{MESSAGE}</p>", status=503)
    response.headers.update(headers)
    return response


EXCEPTION_HANDLERS = {DBAPIError: database_unavailable, PoolTimeout: database_unavailable}
