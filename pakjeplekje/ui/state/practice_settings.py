"""Instellingen: the practice's treatments, practitioners, SMS rules, address and phone; one's
own password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock, routes
from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.accounts import practice_settings as rules
from pakjeplekje.domain.actor import Actor
from pakjeplekje.ui.state.base import in_transaction, record_id
from pakjeplekje.ui.state.guard import RecordId, staff_event


@dataclass(frozen=True)
class TreatmentSetting:
    """A treatment row: its usual duration (as the field shows it) and whether it is offered."""

    id: str
    name: str
    duration: str
    active: bool


@dataclass(frozen=True)
class PractitionerSetting:
    id: str
    name: str
    active: bool


@dataclass(frozen=True)
class OutreachForm:
    """The SMS rules as the form's fields show them (all text: they prefill inputs)."""

    wave_size: str = ""
    wave_interval: str = ""
    quiet_start: str = ""
    quiet_end: str = ""
    min_notice: str = ""
    max_offers: str = ""
    sender: str = ""
    wave_mode: str = "adaptief"


@dataclass(frozen=True)
class DetailsForm:
    """The practice's address and phone as the form's fields show them."""

    address: str = ""
    phone: str = ""


class PracticeSettingsState(rx.State):
    treatments: list[TreatmentSetting] = []
    practitioners: list[PractitionerSetting] = []
    outreach: OutreachForm = OutreachForm()
    details: DetailsForm = DetailsForm()
    error: str = ""
    outreach_error: str = ""
    details_error: str = ""

    async def _run(
        self,
        actor: Actor,
        action: Callable[[Session, Actor], object],
        *,
        saved: str = "",
    ) -> rx.event.EventSpec | None:
        """Apply the change, reload what the page shows."""

        def work(db: Session) -> rules.SettingsView:
            action(db, actor)
            return rules.view(db, actor)

        settings = await in_transaction(work)  # refused: the guard shows the message
        self.error = self.outreach_error = self.details_error = ""
        self.treatments = [
            TreatmentSetting(
                id=str(t.id),
                name=t.name,
                duration=str(t.default_duration_minutes),
                active=t.active,
            )
            for t in settings.treatments
        ]
        self.practitioners = [
            PractitionerSetting(id=str(p.id), name=p.name, active=p.active)
            for p in settings.practitioners
        ]
        o = settings.outreach
        self.outreach = OutreachForm(
            wave_size=str(o.wave_size),
            wave_interval=str(o.wave_interval_minutes),
            quiet_start=o.quiet_start,
            quiet_end=o.quiet_end,
            min_notice=str(o.min_notice_minutes),
            max_offers=str(o.max_offers_per_week),
            sender=o.sms_sender_name,
            wave_mode=o.wave_mode,
        )
        self.details = DetailsForm(address=settings.details.address, phone=settings.details.phone)
        return rx.toast.success(saved) if saved else None

    @staff_event(error="error")
    async def load(self, actor: Actor) -> None:
        await self._run(actor, lambda db, actor: None)

    @staff_event(error="error")
    async def add_treatment(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        name, duration = str(form.get("name", "")), str(form.get("duration", ""))
        return await self._run(
            actor,
            lambda db, actor: rules.add_treatment(
                db, actor, name=name, duration=duration, now=clock.now()
            ),
            saved="Behandeling toegevoegd.",
        )

    @staff_event(error="error")
    async def save_treatment(
        self, actor: Actor, treatment_id: RecordId, duration: str, active: bool
    ) -> rx.event.EventSpec | None:
        tid = record_id(treatment_id)
        if tid is None:
            self.error = "Niet gevonden."
            return None
        return await self._run(
            actor,
            lambda db, actor: rules.update_treatment(
                db,
                actor,
                treatment_id=tid,
                duration=str(duration),
                active=bool(active),
                now=clock.now(),
            ),
            saved="Behandeling opgeslagen.",
        )

    @staff_event(error="error")
    async def add_practitioner(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        name = str(form.get("name", ""))
        return await self._run(
            actor,
            lambda db, actor: rules.add_practitioner(db, actor, name=name, now=clock.now()),
            saved="Behandelaar toegevoegd.",
        )

    @staff_event(error="error")
    async def set_practitioner_active(
        self, actor: Actor, practitioner_id: RecordId, active: bool
    ) -> rx.event.EventSpec | None:
        pid = record_id(practitioner_id)
        if pid is None:
            self.error = "Niet gevonden."
            return None
        return await self._run(
            actor,
            lambda db, actor: rules.set_practitioner_active(
                db, actor, practitioner_id=pid, active=bool(active), now=clock.now()
            ),
        )

    @staff_event(error="outreach_error")
    async def save_outreach(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        values = {
            k: str(form.get(k, ""))
            for k in (
                "wave_size",
                "wave_interval",
                "quiet_start",
                "quiet_end",
                "min_notice",
                "max_offers",
                "sender",
                "wave_mode",
            )
        }
        return await self._run(
            actor,
            lambda db, actor: rules.update_outreach(
                db,
                actor,
                wave_size=values["wave_size"],
                wave_interval=values["wave_interval"],
                quiet_start=values["quiet_start"],
                quiet_end=values["quiet_end"],
                min_notice=values["min_notice"],
                max_offers=values["max_offers"],
                sender_name=values["sender"],
                now=clock.now(),
                wave_mode=values["wave_mode"],
            ),
            saved="SMS-regels opgeslagen.",
        )

    @staff_event(error="details_error")
    async def save_details(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        address, phone = str(form.get("address", "")), str(form.get("phone", ""))
        return await self._run(
            actor,
            lambda db, actor: rules.update_details(
                db, actor, address=address, phone=phone, now=clock.now()
            ),
            saved="Praktijkgegevens opgeslagen.",
        )


class AccountState(rx.State):
    """Instellingen → "Wachtwoord wijzigen": one's own password, whatever the role."""

    error: str = ""

    @staff_event(error="error")
    async def change_password(self, actor: Actor, form: dict) -> rx.event.EventSpec | list | None:
        current, new = str(form.get("current", "")), str(form.get("new", ""))
        if new != str(form.get("new_repeat", "")):
            self.error = "De twee nieuwe wachtwoorden zijn niet gelijk."
            return None
        await in_transaction(
            lambda db: auth.change_password(db, actor, current=current, new=new, now=clock.now())
        )
        self.error = ""
        return [
            rx.toast.success("Wachtwoord gewijzigd. Andere apparaten zijn uitgelogd."),
            rx.set_value("current", ""),
            rx.set_value("new", ""),
            rx.set_value("new_repeat", ""),
        ]


class MinuteValueState(rx.State):
    """Instellingen → "Resultaten": what a treatment minute is worth (€ on /resultaten)."""

    value: str = ""  # as the field shows it: "3,67"
    error: str = ""

    @staff_event(error="error")
    async def load(self, actor: Actor) -> None:
        cents = await in_transaction(lambda db: rules.minute_value(db, actor))
        self.value, self.error = rules.euro_text(cents), ""

    @staff_event(error="error")
    async def save(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        raw = str(form.get("minute_value", ""))
        cents = await in_transaction(
            lambda db: rules.update_minute_value(db, actor, value=raw, now=clock.now())
        )
        self.value, self.error = rules.euro_text(cents), ""
        return rx.toast.success("Waarde per behandelminuut opgeslagen.")


class SignupSettingsState(rx.State):
    """Instellingen → "Online aanmelden": the public sign-up link, its poster, and whether a
    confirmed sign-up joins the list at once or waits for review (owner decides)."""

    link: str = ""
    poster: str = ""
    mode: str = "beoordelen"
    error: str = ""

    @staff_event(error="error")
    async def load(self, actor: Actor) -> None:
        setting = await in_transaction(lambda db: rules.signup_setting(db, actor))
        settings = get_settings()
        self.link = settings.url(routes.public_signup(setting.slug))
        self.poster = settings.url(routes.signup_poster(setting.slug))
        self.mode, self.error = setting.mode, ""

    @staff_event(error="error")
    async def set_mode(self, actor: Actor, mode: str) -> rx.event.EventSpec | None:
        chosen = str(mode)[:20]
        self.mode = await in_transaction(
            lambda db: rules.update_signup_mode(db, actor, mode=chosen, now=clock.now())
        )
        self.error = ""
        return rx.toast.success("Online aanmelden opgeslagen.")
