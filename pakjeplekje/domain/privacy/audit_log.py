"""The audit log as the owner reads it on /privacy: who (a staff member of the practice, or the
system), what (a Dutch label per action), which record (type and id), when (Europe/Amsterdam).

AuditEvents hold ids and action names only, so this view shows no personal data either; the
only name on screen is the staff member's own (the practice's employee, already on the team
page). One page of rows at a time (COUNT + LIMIT/OFFSET), always scoped by practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, and_, col, func, or_, select

from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.errors import DomainError, NotFound, PermissionDenied
from pakjeplekje.models import AuditEvent, User

PAGE_SIZE = 25

# Filter "soort": a label and the action prefixes it covers.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "inloggen": ("Inloggen en wachtwoorden", ("auth.",)),
    "wachtlijst": ("Wachtlijst", ("patient.",)),
    "plekken": ("Plekken", ("slot.",)),
    "privacy": ("Privacy", ("privacy.",)),
    "praktijk": ("Praktijk, account en instellingen", ("practice.", "account.", "settings.")),
    "team": ("Medewerkers", ("staff.",)),
    "abonnement": ("Abonnement", ("billing.",)),
    "mail": ("E-mails van PakJePlekje", ("mail.",)),
}

ACTIONS = {
    "auth.login": "Ingelogd",
    "auth.login_failed": "Mislukte inlogpoging",
    "auth.logout": "Uitgelogd",
    "auth.password_changed": "Wachtwoord gewijzigd",
    "auth.password_reset": "Wachtwoord hersteld via link",
    "auth.reset_requested": "Wachtwoordherstel aangevraagd",
    "account.name_changed": "Eigen naam gewijzigd",
    "account.email_change_requested": "E-mailwijziging aangevraagd (wacht op bevestiging)",
    "account.email_change_cancelled": "E-mailwijziging ingetrokken",
    "account.email_changed": "E-mailadres gewijzigd (bevestigd)",
    "billing.customer_created": "Klant aangemaakt bij Stripe",
    "billing.status_set": "Abonnementsstatus gezet",
    "billing.stripe_event": "Stripe-gebeurtenis verwerkt",
    "mail.monthly_summary": "Maandoverzicht gemaild",
    "patient.added": "Patiënt toegevoegd",
    "patient.viewed": "Patiënt bekeken",
    "patient.updated": "Patiënt gewijzigd",
    "patient.deleted": "Patiënt definitief verwijderd",
    "patient.status_waiting": "Patiënt terug op de wachtlijst",
    "patient.status_booked": "Patiënt op geboekt gezet",
    "patient.status_removed": "Patiënt van de wachtlijst gehaald",
    "patient.status_pending": "Patiënt op te beoordelen gezet",
    "patient.opted_out": "Patiënt afgemeld voor SMS (STOP)",
    "patient.imported": "Wachtlijst geïmporteerd (CSV)",
    "patient.exported": "Wachtlijst geëxporteerd (CSV)",
    "patient.retention_kept": "Inschrijvingen behouden na bewaartermijn",
    "patient.retention_removed": "Automatisch verwijderd na bewaartermijn",
    "patient.signed_up": "Patiënt aangemeld via het online formulier (sms-code bevestigd)",
    "patient.signup_existing": "Online aanmelding van een nummer dat al op de lijst stond",
    "patient.signup_accepted": "Online aanmelding geaccepteerd",
    "patient.signup_refused": "Online aanmelding geweigerd (gegevens gewist)",
    "practice.signup": "Praktijk aangemeld",
    "practice.email_confirmed": "E-mailadres van de praktijk bevestigd",
    "practice.name_changed": "Praktijknaam gewijzigd",
    "practice.objections_changed": "Bezwaar-voorkeuren gewijzigd",
    "practice.deletion_requested": "Verwijdering van de praktijk aangevraagd",
    "practice.deletion_undone": "Verwijdering ongedaan gemaakt",
    "privacy.exported": "Alle gegevens geëxporteerd (ZIP)",
    "privacy.request_inzage": "Privacyverzoek: inzage",
    "privacy.request_correctie": "Privacyverzoek: correctie",
    "privacy.request_verwijdering": "Privacyverzoek: verwijdering",
    "privacy.request_overdracht": "Privacyverzoek: overdracht",
    "privacy.request_bezwaar": "Privacyverzoek: bezwaar",
    "privacy.request_done": "Privacyverzoek afgehandeld",
    "privacy.request_rejected": "Privacyverzoek afgewezen",
    "privacy.request_open": "Privacyverzoek heropend",
    "settings.treatment_added": "Behandeling toegevoegd",
    "settings.treatment_changed": "Behandeling gewijzigd",
    "settings.practitioner_added": "Behandelaar toegevoegd",
    "settings.practitioner_changed": "Behandelaar gewijzigd",
    "settings.outreach_changed": "SMS-regels gewijzigd",
    "settings.details_changed": "Praktijkgegevens gewijzigd",
    "settings.calendar_feed_created": "Agenda-koppeling (iCal) gemaakt",
    "settings.calendar_feed_replaced": "Agenda-koppeling (iCal) vervangen door een nieuwe link",
    "settings.calendar_feed_revoked": "Agenda-koppeling (iCal) ingetrokken",
    "settings.minute_value_changed": "Waarde per behandelminuut gewijzigd",
    "settings.signup_mode_changed": "Online aanmelden: beoordelen of automatisch gewijzigd",
    "settings.api_key_created": "API-sleutel gemaakt",
    "settings.api_key_revoked": "API-sleutel ingetrokken",
    "slot.opened": "Plek vrijgegeven",
    "slot.claimed": "Plek geclaimd",
    "slot.closed": "Plek gesloten",
    "slot.reopened": "Plek heropend",
    "staff.invited": "Medewerker uitgenodigd",
    "staff.invite_accepted": "Uitnodiging geaccepteerd",
    "staff.role_changed": "Rol gewijzigd",
    "staff.deactivated": "Medewerker geblokkeerd",
    "staff.reactivated": "Medewerker weer toegelaten",
    "webhook.created": "Webhook-endpoint toegevoegd",
    "webhook.enabled": "Webhook-endpoint aangezet",
    "webhook.disabled": "Webhook-endpoint uitgezet",
    "webhook.deleted": "Webhook-endpoint verwijderd",
    "webhook.resent": "Webhook opnieuw verstuurd",
}
TARGETS = {
    "patient": "Patiënt",
    "slot": "Plek",
    "offer": "Aanbieding",
    "user": "Medewerker",
    "practice": "Praktijk",
    "privacy_request": "Privacyverzoek",
    "treatment": "Behandeling",
    "practitioner": "Behandelaar",
    "subscription": "Abonnement",
    "api_key": "API-sleutel",
    "webhook_endpoint": "Webhook-endpoint",
    "webhook_delivery": "Webhook-aflevering",
}
SYSTEM = "Systeem"
SUBJECT = "Betrokkene (via verzoek)"
BAD_DATE = "Vul een datum in als 2026-11-24."


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


@dataclass(frozen=True)
class AuditQuery:
    date_from: str = ""  # YYYY-MM-DD, local (Europe/Amsterdam), inclusive
    date_to: str = ""  # inclusive
    kind: str = ""  # a key of KINDS, or "" for all
    user_id: int | None = None  # a staff member of the practice
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass(frozen=True)
class AuditRow:
    id: int
    when: str  # dd-mm-yyyy HH:MM, Europe/Amsterdam
    who: str
    what: str
    record: str  # "Patiënt #12"
    detail: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    pages: int


def _day(value: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise DomainError(BAD_DATE, field="date")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DomainError(BAD_DATE, field="date") from exc


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM)


def staff_choices(db: Session, actor: Actor) -> list[tuple[int, str]]:
    """The practice's staff (every status: the log outlives a blocked account)."""
    if not actor.is_owner:
        raise PermissionDenied()
    rows = db.exec(
        select(User.id, User.name).where(User.practice_id == actor.practice_id).order_by(User.name)
    ).all()
    return [(uid, name) for uid, name in rows]


def page(db: Session, actor: Actor, query: AuditQuery) -> AuditPage:
    """Owner only. Filters: period (local days, inclusive), kind of action, staff member.
    A user id that is not of this practice is NotFound, like every other foreign id."""
    if not actor.is_owner:
        raise PermissionDenied()
    start, end = _day(query.date_from), _day(query.date_to)
    if start and end and end < start:
        raise DomainError("De einddatum ligt voor de begindatum.", field="date")
    where = [col(AuditEvent.practice_id) == actor.practice_id]
    if start:
        where.append(col(AuditEvent.created_at) >= _local_midnight(start))
    if end:
        where.append(col(AuditEvent.created_at) < _local_midnight(end + timedelta(days=1)))
    if query.kind:
        if query.kind not in KINDS:
            raise DomainError("Onbekende soort.", field="kind")
        prefixes = KINDS[query.kind][1]
        where.append(or_(*(col(AuditEvent.action).startswith(p) for p in prefixes)))
    if query.user_id is not None:
        own = db.exec(
            select(User.id).where(User.id == query.user_id, User.practice_id == actor.practice_id)
        ).first()
        if own is None:
            raise NotFound("Deze medewerker bestaat niet (meer).")
        where.append(col(AuditEvent.actor_user_id) == query.user_id)
    size = max(1, min(query.page_size, 100))
    total = db.exec(select(func.count()).select_from(AuditEvent).where(*where)).one()
    pages = max(1, -(-total // size))
    current = min(max(1, query.page), pages)
    # the actor's name, only when the actor is staff of this very practice
    named = (
        select(AuditEvent, User.name)
        .outerjoin(
            User,
            and_(
                col(User.id) == col(AuditEvent.actor_user_id),
                col(User.practice_id) == actor.practice_id,
            ),
        )
        .where(*where)
        .order_by(col(AuditEvent.created_at).desc(), col(AuditEvent.id).desc())
        .offset((current - 1) * size)
        .limit(size)
    )
    result = []
    for event, name in db.exec(named).all():
        if name is None:
            from_subject = (
                event.action.startswith("privacy.request_")
                and event.target_type == "privacy_request"
                and event.actor_user_id is None
            )
            name = SUBJECT if from_subject else SYSTEM
        record = ""
        if event.target_type:
            record = TARGETS.get(event.target_type, event.target_type)
            if event.target_id is not None:
                record += f" #{event.target_id}"
        result.append(
            AuditRow(
                id=event.id,
                when=event.created_at.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M"),
                who=name,
                what=action_label(event.action),
                record=record,
                detail=event.detail or "",
            )
        )
    return AuditPage(result, total, current, pages)
