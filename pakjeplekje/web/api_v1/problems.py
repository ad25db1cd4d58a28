"""RFC 9457 problem details for every error of /api/v1: `application/problem+json` with
type, title, status, a Dutch `detail` and the request path as `instance`; validation
errors add `errors`, one {field, message} per field."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from pakjeplekje import routes
from pakjeplekje.web.api_v1.openapi import PROBLEM_TITLES

MEDIA_TYPE = "application/problem+json"
NO_STORE = {"Cache-Control": "no-store"}
SLUGS = {
    400: "ongeldig-verzoek",
    401: "niet-geautoriseerd",
    403: "geen-toestemming",
    404: "niet-gevonden",
    405: "methode-niet-toegestaan",
    409: "conflict",
    413: "te-groot",
    415: "mediatype",
    422: "validatie",
    429: "te-veel-verzoeken",
    500: "interne-fout",
    503: "niet-beschikbaar",
}

# Every problem `type` (the anchor on the docs page) and its status: one per status, and two
# more specific ones.
TYPES: dict[str, int] = {
    **{slug: status for status, slug in SLUGS.items()},
    "dubbel": 409,  # this phone number is already on the waitlist
    "idempotentie": 422,  # the Idempotency-Key was used for another request
}


class Problem(Exception):
    """Raised anywhere in a route: becomes the problem response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Mapping[str, str] | None = None,
        slug: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.slug = status, detail, slug
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})


def problem_response(request: Request, problem: Problem) -> Response:
    status = problem.status
    body: dict[str, object] = {
        "type": f"{routes.API_V1_DOCS}#{problem.slug or SLUGS.get(status, 'fout')}",
        "title": PROBLEM_TITLES.get(status, "Fout"),
        "status": status,
        "detail": problem.detail,
        "instance": request.url.path,
    }
    if problem.errors:
        body["errors"] = [{"field": f, "message": m} for f, m in problem.errors.items()]
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers={**NO_STORE, **problem.headers},
    )
