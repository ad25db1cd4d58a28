"""The link from the sign-up mail: confirms the practice's e-mail address (before any SMS).

Server-rendered: GET shows a button (mail scanners only GET, and must not confirm), POST
confirms. The link's single-use token is the proof; no session is needed, so it works on the
phone where the mail was opened."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pakjeplekje import clock, routes
from pakjeplekje.db import session_scope
from pakjeplekje.domain.accounts import email_confirmation
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.web.html_pages import page


def _refused(message: str) -> Response:
    return page(
        "E-mailadres bevestigen",
        '<h1>Bevestigen lukt niet</h1><p class="card" role="alert" style="color:#b00020">'
        f"{html.escape(message)}</p><p>Log in: op het dashboard kunt u een nieuwe link laten "
        f'sturen.</p><a class="button" href="{routes.LOGIN}">Inloggen</a>',
        400,
    )


def confirm_page(request: Request) -> Response:
    token = request.query_params.get("token", "")
    try:
        with session_scope() as db:
            if request.method == "POST":
                practice = email_confirmation.confirm(db, token, clock.now())
            else:
                practice = email_confirmation.check(db, token, clock.now())
            name = html.escape(practice.name)
    except DomainError as exc:
        return _refused(exc.message)
    if request.method == "POST":
        return page(
            "E-mailadres bevestigd",
            f"<h1>Uw e-mailadres is bevestigd</h1><p>{name} kan nu plekken vrijgeven en "
            f'SMS\'jes versturen.</p><a class="button" href="{routes.DASHBOARD}">Naar het '
            "dashboard</a>",
        )
    return page(
        "E-mailadres bevestigen",
        f"<h1>E-mailadres bevestigen</h1><p>Bevestig het e-mailadres van {name}; daarna "
        "kunt u plekken vrijgeven en SMS'jes versturen.</p>"
        f'<form method="post" action="{routes.CONFIRM_EMAIL}?token='
        f'{html.escape(token)}"><button type="submit">E-mailadres bevestigen</button></form>',
    )


def account_routes() -> list[Route]:
    return [Route(routes.CONFIRM_EMAIL, confirm_page, methods=["GET", "POST"])]
