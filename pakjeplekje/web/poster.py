"""GET /wachtlijst/<slug>/poster.pdf: the A4 poster for the reception desk. Public: it holds
only what the waiting room may read (the practice's name and its sign-up address)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pakjeplekje import routes
from pakjeplekje.services import signup_poster
from pakjeplekje.web.html_pages import page

# Public and the same for everyone; short, so a renamed or deleted practice is soon current.
CACHE = {"Cache-Control": "public, max-age=300", "X-Robots-Tag": "noindex"}


def poster(request: Request) -> Response:
    slug = str(request.path_params["slug"])
    pdf = signup_poster.poster_pdf_for(slug)
    if pdf is None:
        return page(
            "Niet gevonden",
            "<h1>Deze praktijk bestaat niet</h1><p>Controleer het adres.</p>",
            status=404,
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**CACHE, "Content-Disposition": 'inline; filename="wachtlijst-poster.pdf"'},
    )


def poster_routes() -> list[Route]:
    return [Route(routes.SIGNUP_POSTER, poster, methods=["GET"])]
