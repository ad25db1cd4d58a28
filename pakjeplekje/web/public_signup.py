"""/wachtlijst/<slug>: a patient puts themself on a practice's waitlist (server-rendered, a
plain form that works without JavaScript on a phone), then confirms the number with the SMS
code. The form carries no session and no cookie, so there is no ambient authority for a forged
cross-site post to borrow; the code step's data is signed and bound to its code
(domain/waitlist/signup.py)."""

from __future__ import annotations

import html
from functools import partial

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pakjeplekje import routes as paths
from pakjeplekje.config import get_settings
from pakjeplekje.domain import phones
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.privacy import request_codes
from pakjeplekje.domain.waitlist import patients, signup
from pakjeplekje.domain.waitlist.patients import ValidationFailed
from pakjeplekje.services import public_signup as service
from pakjeplekje.web.html_pages import client_host, page

STYLE = (
    "<style>.field{margin:14px 0}.field>label,.field legend{display:block;font-weight:700;"
    "margin-bottom:6px}.field input[type=text],.field input[type=tel],.code{display:block;"
    "width:100%;font-size:1.1rem;padding:10px;box-sizing:border-box}fieldset{border:0;padding:0;"
    "margin:0}.check{display:block;padding:8px 0;font-size:1.05rem}.check input{width:22px;"
    "height:22px;vertical-align:middle;margin-right:8px}.days{border-collapse:collapse;"
    "width:100%}.days th,.days td{padding:6px 2px;text-align:center}.days th[scope=row]"
    "{text-align:left}.days input{width:24px;height:24px}.err{color:#b00020;margin:4px 0}"
    ".consent{font-size:.95rem}</style>"
)

NOT_FOUND = (
    "<h1>Pagina niet gevonden</h1><p>Deze wachtlijst bestaat niet (meer). Controleer de link of "
    "vraag uw praktijk om de juiste link.</p>"
)


def _not_found() -> Response:
    return page("Niet gevonden", NOT_FOUND, 404)


def _error(message: str) -> str:
    return f'<p class="card" role="alert" style="color:#b00020">{html.escape(message)}</p>'


def _field_error(errors: dict[str, str], key: str) -> str:
    message = errors.get(key)
    return f'<p class="err" id="fout-{key}">{html.escape(message)}</p>' if message else ""


def _form_page(
    practice: service.PracticeView,
    form: signup.SignupForm | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
) -> str:
    form = form or signup.SignupForm()
    errors = errors or {}
    chosen_t, chosen_a = set(form.treatment_ids), set(form.availability)
    treatments = "".join(
        f'<label class="check"><input type="checkbox" name="behandeling" value="{tid}"'
        f"{' checked' if str(tid) in chosen_t else ''}> {html.escape(name)}</label>"
        for tid, name in practice.treatments
    )
    head = "".join(f'<th scope="col">{part}</th>' for part in patients.PARTS)
    rows = "".join(
        f'<tr><th scope="row">{patients.DAY_NAMES[d]}</th>'
        + "".join(
            f'<td><input type="checkbox" name="dagdeel" value="{key}" '
            f'aria-label="{patients.DAY_NAMES[d]} {patients.PARTS[p]}"'
            f"{' checked' if key in chosen_a else ''}></td>"
            for p in range(len(patients.PARTS))
            for key in [patients.cell_key(d, p)]
        )
        + "</tr>"
        for d in range(len(patients.DAYS))
    )
    countries = phones.country_names(get_settings().sms_allowed_countries)
    action = html.escape(paths.public_signup(practice.slug))
    summary = message or (
        "Controleer de velden hieronder." if errors and set(errors) - {"form"} else ""
    )
    return (
        STYLE + f'<p class="practice">{html.escape(practice.name)}</p>'
        "<h1>Op de wachtlijst</h1><p>Komt er eerder een afspraak vrij die bij u past? Dan "
        "krijgt u een SMS en kunt u de plek met één tik pakken.</p>"
        + (_error(summary) if summary else "")
        + f'<form method="post" action="{action}" class="card" novalidate>'
        '<div class="field"><label for="name">Uw naam</label>'
        f'<input id="name" name="name" type="text" autocomplete="name" maxlength="100" '
        f'required value="{html.escape(form.name)}">{_field_error(errors, "name")}</div>'
        '<div class="field"><label for="phone">Uw mobiele nummer</label>'
        f'<input id="phone" name="phone" type="tel" autocomplete="tel" maxlength="30" '
        f'required value="{html.escape(form.phone)}">{_field_error(errors, "phone")}'
        f'<p class="muted">Wij sturen een code naar dit nummer. Alleen mobiele nummers uit '
        f"{html.escape(countries)}.</p></div>"
        '<fieldset class="field"><legend>Voor welke behandeling?</legend>'
        f"{treatments}{_field_error(errors, 'treatments')}</fieldset>"
        '<fieldset class="field"><legend>Wanneer kunt u?</legend>'
        f'<table class="days"><tr><td></td>{head}</tr>{rows}</table>'
        f"{_field_error(errors, 'availability')}</fieldset>"
        '<div class="field consent"><label class="check"><input type="checkbox" '
        f'name="toestemming" value="ja"{" checked" if form.consent else ""}> '
        f"{html.escape(signup.consent_text(practice.name))}</label>"
        f'<p class="muted">Versie {signup.CONSENT_TEXT_VERSION} van deze tekst.</p>'
        f"{_field_error(errors, 'consent')}</div>"
        '<button type="submit">Stuur mij een code</button></form>'
    )


def _code_page(practice: service.PracticeView, carried: str, notice: str, error: str = "") -> str:
    action = html.escape(paths.PUBLIC_SIGNUP_CONFIRM.format(slug=practice.slug))
    return (
        STYLE + f'<p class="practice">{html.escape(practice.name)}</p>'
        f"<h1>Vul uw code in</h1><p>{html.escape(notice)}</p>"
        + (_error(error) if error else "")
        + f'<form method="post" action="{action}" class="card">'
        f'<input type="hidden" name="gegevens" value="{html.escape(carried)}">'
        '<label for="code">Code (6 cijfers)</label><input id="code" class="code" name="code" '
        'inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>'
        '<button type="submit">Bevestigen</button></form>'
        f'<p class="muted"><a href="{html.escape(paths.public_signup(practice.slug))}">'
        "Geen code gekregen? Vul het formulier opnieuw in</a></p>"
    )


def _form_from(raw: list[tuple[str, str]]) -> signup.SignupForm:
    def many(key: str) -> list[str]:
        return [v[:20] for k, v in raw if k == key][:50]

    one = dict(raw)
    return signup.SignupForm(
        name=one.get("name", "")[:200],
        phone=one.get("phone", "")[:40],
        treatment_ids=many("behandeling"),
        availability=many("dagdeel"),
        consent=one.get("toestemming") == "ja",
    )


async def signup_form(request: Request) -> Response:
    practice = await run_in_threadpool(service.practice, request.path_params["slug"])
    if practice is None:
        return _not_found()
    return page(f"Wachtlijst {practice.name}", _form_page(practice))


async def signup_start(request: Request) -> Response:
    slug = request.path_params["slug"]
    practice = await run_in_threadpool(service.practice, slug)
    if practice is None:
        return _not_found()
    raw = [(k, str(v)) for k, v in (await request.form()).multi_items()]
    form = _form_from(raw)
    title = f"Wachtlijst {practice.name}"
    try:
        started = await run_in_threadpool(service.start, slug, form, client_host(request))
    except ValidationFailed as exc:
        return page(title, _form_page(practice, form, exc.errors), 400)
    except DomainError as exc:
        status = 429 if exc.message in _LIMITS else 400  # a refusal: said once, at the top
        return page(title, _form_page(practice, form, message=exc.message), status)
    if started is None:
        return _not_found()
    notice = (
        f"Wij hebben een code van 6 cijfers gestuurd naar {phones.display(started.clean.phone)}. "
        "De code is 10 minuten geldig."
    )
    return page("Vul uw code in", _code_page(practice, started.carried, notice))


_LIMITS = {
    request_codes.TOO_MANY_CLIENT,
    request_codes.TOO_MANY_CODES.format(what="nummer"),
}


def _done(practice: service.PracticeView, outcome: signup.Outcome) -> str:
    name = html.escape(practice.name)
    if outcome.existing:
        body = f"<h1>U staat al op de lijst</h1><p>{html.escape(signup.ALREADY_LISTED)}</p>"
    elif outcome.status == signup.PENDING:
        body = (
            "<h1>Bedankt voor uw aanmelding</h1>"
            f'<p id="resultaat">Uw nummer is bevestigd. {name} bekijkt uw aanmelding; daarna '
            "krijgt u een SMS zodra er een plek vrijkomt die bij u past.</p>"
        )
    else:
        body = (
            "<h1>U staat op de wachtlijst</h1>"
            f'<p id="resultaat">Uw nummer is bevestigd. U krijgt een SMS van {name} zodra er '
            "een plek vrijkomt die bij u past.</p>"
        )
    return (
        f'<p class="practice">{name}</p>{body}'
        '<p class="muted">Afmelden kan altijd: antwoord STOP op een SMS van de praktijk.</p>'
    )


async def signup_confirm(request: Request) -> Response:
    slug = request.path_params["slug"]
    practice = await run_in_threadpool(service.practice, slug)
    if practice is None:
        return _not_found()
    form = await request.form()
    carried, code = str(form.get("gegevens", ""))[:4000], str(form.get("code", ""))[:20]
    try:
        outcome = await run_in_threadpool(partial(service.confirm, slug, carried, code))
    except DomainError as exc:
        return page(f"Wachtlijst {practice.name}", _form_page(practice, message=exc.message), 400)
    if outcome is None:
        return _not_found()
    if outcome.error:
        notice = "Controleer de code uit het bericht."
        return page("Vul uw code in", _code_page(practice, carried, notice, outcome.error), 400)
    return page("Aanmelding bevestigd", _done(practice, outcome))


def routes() -> list[Route]:
    return [
        Route(paths.PUBLIC_SIGNUP, signup_form, methods=["GET"]),
        Route(paths.PUBLIC_SIGNUP, signup_start, methods=["POST"]),
        Route(paths.PUBLIC_SIGNUP_CONFIRM, signup_confirm, methods=["POST"]),
    ]
