"""Instellingen: the practice's treatments, practitioners and SMS rules."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from sqlmodel import Session

from pakjeplekje import clock
from pakjeplekje.domain.accounts import practice_settings as rules
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.ui.state.base import in_transaction, record_id
from pakjeplekje.ui.state.guard import RecordId, staff_event


class PracticeSettingsState(rx.State):
    treatments: list[dict[str, str]] = []
    practitioners: list[dict[str, str]] = []
    outreach: dict[str, str] = {}
    error: str = ""
    outreach_error: str = ""

    async def _run(
        self,
        actor: Actor,
        action: Callable[[Session, Actor], object],
        *,
        outreach: bool = False,
        saved: str = "",
    ) -> rx.event.EventSpec | None:
        """Apply the change, reload what the page shows."""

        def work(db: Session) -> rules.SettingsView:
            action(db, actor)
            return rules.view(db, actor)

        try:
            settings = await in_transaction(work)
        except DomainError as exc:
            if outreach:
                self.outreach_error = exc.message
            else:
                self.error = exc.message
            return None
        self.error = self.outreach_error = ""
        self.treatments = [
            {
                "id": str(t.id),
                "name": t.name,
                "duration": str(t.default_duration_minutes),
                "active": "1" if t.active else "",
            }
            for t in settings.treatments
        ]
        self.practitioners = [
            {"id": str(p.id), "name": p.name, "active": "1" if p.active else ""}
            for p in settings.practitioners
        ]
        o = settings.outreach
        self.outreach = {
            "wave_size": str(o.wave_size),
            "wave_interval": str(o.wave_interval_minutes),
            "quiet_start": o.quiet_start,
            "quiet_end": o.quiet_end,
            "min_notice": str(o.min_notice_minutes),
            "max_offers": str(o.max_offers_per_week),
            "sender": o.sms_sender_name,
        }
        return rx.toast.success(saved) if saved else None

    @staff_event
    async def load(self, actor: Actor) -> None:
        await self._run(actor, lambda db, actor: None)

    @staff_event
    async def add_treatment(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        name, duration = str(form.get("name", "")), str(form.get("duration", ""))
        return await self._run(
            actor,
            lambda db, actor: rules.add_treatment(
                db, actor, name=name, duration=duration, now=clock.now()
            ),
            saved="Behandeling toegevoegd.",
        )

    @staff_event
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

    @staff_event
    async def add_practitioner(self, actor: Actor, form: dict) -> rx.event.EventSpec | None:
        name = str(form.get("name", ""))
        return await self._run(
            actor,
            lambda db, actor: rules.add_practitioner(db, actor, name=name, now=clock.now()),
            saved="Behandelaar toegevoegd.",
        )

    @staff_event
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

    @staff_event
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
            ),
            outreach=True,
            saved="SMS-regels opgeslagen.",
        )
