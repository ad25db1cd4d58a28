"""Freed slots on the staff side: the form's rules, the preview, opening with wave 1, later
waves and closing. Staff type local times; everything stored is UTC, so DST is tested."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slots, waves
from pakjeplekje.domain.core_loop.slots import SlotForm
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.models import AuditEvent, Offer, Patient, Slot
from pakjeplekje.services.demo import offered_slot
from tests import timeplan
from tests.conftest import Factory
from tests.test_matching import World, make_world


@dataclass
class Desk:
    """A practice's world plus a logged-in staff member and a valid form for it."""

    world: World
    actor: Actor
    form: SlotForm

    @property
    def db(self) -> Session:
        return self.world.db


def make_desk(db: Session, factory: Factory, now: datetime, name: str = "Alfa") -> Desk:
    world = make_world(db, factory, now, name)
    user = factory.user(db, world.practice, f"assistent@{name.lower()}.nl")
    _, actor = factory.login(db, user)
    day, start = timeplan.form_fields(timeplan.weekday_at(now, 10, 0, days_ahead=1))
    form = SlotForm(
        day=day, start=start, duration="30", treatment_id=str(world.treatments["vulling"])
    )
    return Desk(world, actor, form)


@pytest.fixture
def now(office_now: datetime) -> datetime:
    """The form's rules are about a working morning ("an hour ago", "30 minutes ahead"): these
    tests run at 10:00 Amsterdam on a weekday, with the desk's slot on the next weekday."""
    return office_now


@pytest.fixture
def desk(db: Session, factory: Factory, now: datetime) -> Desk:
    return make_desk(db, factory, now)


def _form(desk: Desk, now: datetime, changes: dict[str, str | int]) -> SlotForm:
    """The desk's valid form with `changes`: an int `day` counts Amsterdam days from today,
    `{day}` in a text stands for the desk's own day."""
    values = {}
    for key, value in changes.items():
        if key == "day" and isinstance(value, int):
            value = (timeplan.local_day(now) + timedelta(days=value)).isoformat()
        values[key] = str(value).format(day=desk.form.day)
    return replace(desk.form, **values)


# (case id, form changes, the Dutch message expected). `now` is 10:00 local, `day` 0 today.
REFUSALS: list[tuple[str, dict[str, str | int], str]] = [
    ("empty date", {"day": ""}, "Kies een datum."),
    ("dutch date order", {"day": "25-11-2026"}, "Kies een datum."),
    ("date with text", {"day": "morgen"}, "Kies een datum."),
    ("30 february", {"day": "2026-02-30"}, "Deze datum bestaat niet."),
    ("month 13", {"day": "2026-13-01"}, "Deze datum bestaat niet."),
    ("empty time", {"start": ""}, "Vul een begintijd in als 10:30."),
    ("hour 24", {"start": "24:00"}, "Vul een begintijd in als 10:30."),
    ("minute 60", {"start": "10:60"}, "Vul een begintijd in als 10:30."),
    ("dot separator", {"start": "10.30"}, "Vul een begintijd in als 10:30."),
    ("yesterday", {"day": -1}, "Deze tijd is al voorbij."),
    ("an hour ago", {"day": 0, "start": "09:00"}, "Deze tijd is al voorbij."),
    ("right now", {"day": 0, "start": "10:00"}, "Deze tijd is al voorbij."),
    (
        "30 minutes ahead",
        {"day": 0, "start": "10:30"},
        "Te kort dag: een plek moet minstens 60 minuten van tevoren worden vrijgegeven.",
    ),
    (
        "59 minutes ahead",
        {"day": 0, "start": "10:59"},
        "Te kort dag: een plek moet minstens 60 minuten van tevoren worden vrijgegeven.",
    ),
    (
        "60 days and 5 minutes ahead",
        {"day": 60, "start": "10:05"},
        "Een plek kan hooguit 60 dagen vooruit worden vrijgegeven.",
    ),
    (
        "61 days ahead",
        {"day": 61},
        "Een plek kan hooguit 60 dagen vooruit worden vrijgegeven.",
    ),
    ("starts 06:59", {"start": "06:59"}, "Een plek ligt tussen 07:00 en 22:00."),
    ("starts 05:00", {"start": "5:00"}, "Een plek ligt tussen 07:00 en 22:00."),
    ("ends 22:15", {"start": "21:45"}, "Een plek ligt tussen 07:00 en 22:00."),
    ("starts 22:00", {"start": "22:00", "duration": "5"}, "Een plek ligt tussen 07:00 en 22:00."),
    ("runs past midnight", {"start": "21:00", "duration": "240"}, "Een plek ligt tussen"),
    ("duration 4", {"duration": "4"}, "De duur is 5 tot 240 minuten."),
    ("duration 241", {"duration": "241"}, "De duur is 5 tot 240 minuten."),
    ("duration 0", {"duration": "0"}, "De duur is 5 tot 240 minuten."),
    ("duration negative", {"duration": "-30"}, "De duur is 5 tot 240 minuten."),
    ("duration text", {"duration": "half uur"}, "De duur is 5 tot 240 minuten."),
    ("duration decimal", {"duration": "30.5"}, "De duur is 5 tot 240 minuten."),
    ("duration empty", {"duration": ""}, "De duur is 5 tot 240 minuten."),
    ("no treatment", {"treatment_id": ""}, "Kies een behandeling."),
    (
        "treatment not a number",
        {"treatment_id": "vulling"},
        "Kies een behandeling uit de lijst van de praktijk.",
    ),
    (
        "unknown treatment",
        {"treatment_id": "999999"},
        "Kies een behandeling uit de lijst van de praktijk.",
    ),
    (
        "huge treatment id",
        {"treatment_id": "99999999999999999999"},
        "Kies een behandeling uit de lijst van de praktijk.",
    ),
    (
        "unknown practitioner",
        {"practitioner_id": "999999"},
        "Kies een behandelaar uit de lijst van de praktijk.",
    ),
]


@pytest.mark.parametrize(("case", "changes", "message"), REFUSALS, ids=[c[0] for c in REFUSALS])
def test_shape_from_form_refuses_in_dutch(
    desk: Desk, now: datetime, case: str, changes: dict[str, str | int], message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        slots.shape_from_form(desk.db, desk.actor, _form(desk, now, changes), now)
    assert refused.value.message.startswith(message), case


def test_another_practices_treatment_or_practitioner_is_refused(
    db: Session, factory: Factory, now: datetime, desk: Desk
) -> None:
    """Ids come from a form: one of practice B's must not slip into A's slot."""
    other = make_world(db, factory, now, "Beta")
    attempts = [
        (
            {"treatment_id": str(other.treatments["vulling"])},
            "Kies een behandeling uit de lijst van de praktijk.",
        ),
        ({"practitioner_id": str(other.dr1)}, "Kies een behandelaar uit de lijst van de praktijk."),
    ]
    for changes, message in attempts:
        with pytest.raises(DomainError) as refused:
            slots.shape_from_form(db, desk.actor, replace(desk.form, **changes), now)
        assert refused.value.message == message


# (case id, form changes, the local start expected on the form's day). Everything else about
# the form is the valid default: 10:00 on the next weekday.
ACCEPTED: list[tuple[str, dict[str, str | int], str]] = [
    ("next weekday 10:00", {}, "10:00"),
    ("exactly the notice", {"day": 0, "start": "11:00"}, "11:00"),
    ("exactly 60 days", {"day": 60, "start": "10:00"}, "10:00"),
    ("starts 07:00", {"start": "07:00"}, "07:00"),
    ("single-digit hour", {"start": "7:30"}, "07:30"),
    ("ends 22:00", {"start": "21:30", "duration": "30"}, "21:30"),
    ("duration 5", {"duration": "5"}, "10:00"),
    ("duration 240", {"start": "08:00", "duration": "240"}, "08:00"),
    ("spaces around", {"day": " {day} ", "start": " 10:00 ", "duration": " 30 "}, "10:00"),
]


@pytest.mark.parametrize(("case", "changes", "local_start"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_shape_from_form_accepts(
    desk: Desk, now: datetime, case: str, changes: dict[str, str | int], local_start: str
) -> None:
    form = _form(desk, now, changes)
    shape = slots.shape_from_form(desk.db, desk.actor, form, now)
    hour, minute = map(int, local_start.split(":"))
    assert shape.starts_at == timeplan.at_local(date.fromisoformat(form.day.strip()), hour, minute)
    assert shape.starts_at.utcoffset() == timedelta(0)
    assert shape.practice_id == desk.actor.practice_id
    assert shape.duration_minutes == int(form.duration)
    assert shape.treatment_id == desk.world.treatments["vulling"]
    assert shape.practitioner_id is None
    assert shape.slot_id is None


def test_own_practitioner_is_kept(desk: Desk, now: datetime) -> None:
    form = replace(desk.form, practitioner_id=str(desk.world.dr2))
    assert slots.shape_from_form(desk.db, desk.actor, form, now).practitioner_id == desk.world.dr2


# (local day, UTC start of a 10:00 slot): either side of both 2026 DST switches.
DST_CASES = [
    ("2026-03-28", datetime(2026, 3, 28, 9, 0, tzinfo=UTC)),  # Saturday, CET
    ("2026-03-30", datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),  # Monday after the switch, CEST
    ("2026-10-24", datetime(2026, 10, 24, 8, 0, tzinfo=UTC)),  # Saturday, CEST
    ("2026-10-26", datetime(2026, 10, 26, 9, 0, tzinfo=UTC)),  # Monday after the switch, CET
]


@pytest.mark.parametrize(("day", "starts_at"), DST_CASES, ids=[d for d, _ in DST_CASES])
def test_local_time_becomes_utc_across_dst(desk: Desk, day: str, starts_at: datetime) -> None:
    """10:00 on the practice's wall clock, whatever the offset that day."""
    clock = datetime.fromisoformat(day).replace(tzinfo=UTC) - timedelta(days=3)
    form = replace(desk.form, day=day, start="10:00")
    assert slots.shape_from_form(desk.db, desk.actor, form, clock).starts_at == starts_at


def test_min_notice_follows_the_practice_setting(desk: Desk, now: datetime) -> None:
    form = _form(desk, now, {"day": 0, "start": "11:30"})  # 90 minutes ahead
    slots.shape_from_form(desk.db, desk.actor, form, now)
    desk.world.practice.min_notice_minutes = 120
    desk.db.add(desk.world.practice)
    desk.db.flush()
    with pytest.raises(DomainError, match="minstens 120 minuten"):
        slots.shape_from_form(desk.db, desk.actor, form, now)


# (case, the wall clock now, the slot's day and start, accepted): "hooguit 60 dagen vooruit"
# counts days on the practice's calendar, so a change of offset in between moves nothing.
SIXTY_DAYS_ACROSS_DST = [
    ("autumn, exactly 60 days", (2026, 9, 1, 10, 0), "2026-10-31", "10:00", True),
    ("autumn, a minute more", (2026, 9, 1, 10, 0), "2026-10-31", "10:01", False),
    ("spring, exactly 60 days", (2027, 2, 15, 10, 0), "2027-04-16", "10:00", True),
    ("spring, 30 minutes more", (2027, 2, 15, 10, 0), "2027-04-16", "10:30", False),
]


@pytest.mark.parametrize(
    ("case", "wall_now", "day", "start", "accepted"),
    SIXTY_DAYS_ACROSS_DST,
    ids=[c[0] for c in SIXTY_DAYS_ACROSS_DST],
)
def test_sixty_days_ahead_are_counted_on_the_wall_clock_across_dst(
    desk: Desk, case: str, wall_now: tuple[int, ...], day: str, start: str, accepted: bool
) -> None:
    clock = timeplan.at_local(date(*wall_now[:3]), *wall_now[3:])
    form = replace(desk.form, day=day, start=start)
    if accepted:
        slots.shape_from_form(desk.db, desk.actor, form, clock)
    else:
        with pytest.raises(DomainError, match="hooguit 60 dagen"):
            slots.shape_from_form(desk.db, desk.actor, form, clock)


def _desk_start(desk: Desk) -> datetime:
    return timeplan.at_local(date.fromisoformat(desk.form.day), 10, 0)


def test_preview_shows_matches_total_and_wave_plan(desk: Desk, now: datetime) -> None:
    """Staff see who would be texted, how many fit in all, and how the waves will go."""
    fits = desk.world.patients(25)
    desk.world.patients(4, duration_minutes=60)  # need more time than the slot has
    seen = slots.preview(desk.db, desk.actor, desk.form, now)
    assert seen.total == 25
    assert [m.patient_id for m in seen.matches] == [p.id for p in fits[:20]]
    assert seen.wave_plan == "5 nu, daarna elke 10 minuten 5 meer"
    assert seen.shape.starts_at == _desk_start(desk)
    assert len(slots.preview(desk.db, desk.actor, desk.form, now, shown=3).matches) == 3

    desk.world.practice.wave_size, desk.world.practice.wave_interval_minutes = 3, 15
    desk.db.add(desk.world.practice)
    desk.db.flush()
    plan = slots.preview(desk.db, desk.actor, desk.form, now).wave_plan
    assert plan == "3 nu, daarna elke 15 minuten 3 meer"
    # A preview stores nothing.
    assert desk.db.exec(select(Slot)).all() == []


def test_preview_refuses_a_bad_form(desk: Desk, now: datetime) -> None:
    with pytest.raises(DomainError, match="Kies een datum"):
        slots.preview(desk.db, desk.actor, replace(desk.form, day=""), now)


def _offers(db: Session, slot_id: int) -> list[Offer]:
    return list(db.exec(select(Offer).where(Offer.slot_id == slot_id).order_by(Offer.id)).all())  # type: ignore[arg-type]


def test_open_slot_stores_the_slot_and_queues_wave_one(desk: Desk, now: datetime) -> None:
    """Wave 1 goes to the top `wave_size` of the ranking, and nothing personal is audited."""
    world = desk.world
    ranked_first = world.patients(2, urgency="hoog")
    rest = world.patients(5)
    world.patients(2, treatments=("kroon",))  # does not want this slot
    slot, offer_ids = slots.open_slot(desk.db, desk.actor, desk.form, now)

    assert slot.id is not None
    assert (slot.status, slot.practice_id) == ("open", desk.actor.practice_id)
    assert slot.starts_at == _desk_start(desk)
    assert (slot.duration_minutes, slot.treatment_id) == (30, world.treatments["vulling"])
    assert (slot.created_by_user_id, slot.created_at) == (desk.actor.user_id, now)

    offers = _offers(desk.db, slot.id)
    assert [o.id for o in offers] == offer_ids
    assert [o.patient_id for o in offers] == [p.id for p in ranked_first + rest[:3]]
    for offer in offers:
        assert (offer.status, offer.wave, offer.practice_id) == ("queued", 1, slot.practice_id)
        assert (offer.created_at, offer.expires_at) == (now, slot.starts_at)
    assert len({o.token_hash for o in offers}) == 5

    [event] = desk.db.exec(select(AuditEvent).where(AuditEvent.action == "slot.opened")).all()
    assert (event.target_type, event.target_id, event.detail) == ("slot", slot.id, "5")
    assert (event.practice_id, event.actor_user_id) == (desk.actor.practice_id, desk.actor.user_id)
    names_and_numbers = [v for p in desk.db.exec(select(Patient)).all() for v in (p.name, p.phone)]
    for text in (event.detail or "", event.target_type or "", event.action):
        assert not any(v in text for v in names_and_numbers)


def test_open_slot_with_nobody_matching_still_opens(desk: Desk, now: datetime) -> None:
    slot, offer_ids = slots.open_slot(desk.db, desk.actor, desk.form, now)
    assert slot.status == "open"
    assert offer_ids == []


def test_refused_form_opens_nothing(desk: Desk, now: datetime) -> None:
    desk.world.patients(3)
    with pytest.raises(DomainError):
        slots.open_slot(desk.db, desk.actor, replace(desk.form, duration="999"), now)
    assert desk.db.exec(select(Slot)).all() == []
    assert desk.db.exec(select(Offer)).all() == []


def test_add_wave_skips_patients_already_offered(desk: Desk, now: datetime) -> None:
    """Wave 2 goes to the next best; nobody gets a second text for the same slot."""
    patients_ = desk.world.patients(7)
    slot, wave1 = slots.open_slot(desk.db, desk.actor, desk.form, now)
    later = now + timedelta(minutes=10)
    wave2 = slots.add_wave(desk.db, slot, 2, later)
    assert len(wave1) == 5 and len(wave2) == 2
    offers = _offers(desk.db, slot.id)  # type: ignore[arg-type]
    assert [o.patient_id for o in offers] == [p.id for p in patients_]
    assert [o.wave for o in offers] == [1] * 5 + [2] * 2
    assert {o.created_at for o in offers if o.wave == 2} == {later}
    assert slots.add_wave(desk.db, slot, 3, now + timedelta(minutes=20)) == []


def test_close_slot_expires_open_offers(desk: Desk, now: datetime) -> None:
    """Closing stops outreach: every offer still in flight expires, finished ones stay."""
    desk.world.patients(7)
    slot, _ = slots.open_slot(desk.db, desk.actor, desk.form, now)
    offers = _offers(desk.db, slot.id)  # type: ignore[arg-type]
    for offer, status in zip(
        offers, ("queued", "sending", "sent", "delivered", "failed"), strict=True
    ):
        offer.status = status
        desk.db.add(offer)
    desk.db.flush()

    later = now + timedelta(minutes=5)
    closed = slots.close_slot(
        desk.db, desk.actor, slot_id=slot.id, reason="zelf_ingevuld", now=later
    )  # type: ignore[arg-type]
    assert (closed.status, closed.closed_reason) == ("closed", "zelf_ingevuld")
    desk.db.expire_all()
    assert [o.status for o in _offers(desk.db, slot.id)] == ["expired"] * 4 + ["failed"]  # type: ignore[arg-type]
    [event] = desk.db.exec(select(AuditEvent).where(AuditEvent.action == "slot.closed")).all()
    assert (event.target_id, event.detail, event.created_at) == (slot.id, "zelf_ingevuld", later)


def test_close_slot_expires_clicked_offers(desk: Desk, now: datetime) -> None:
    """A patient looking at the page right now must not be able to claim a closed slot."""
    desk.world.patients(1)
    slot, [offer_id] = slots.open_slot(desk.db, desk.actor, desk.form, now)
    offer = desk.db.get(Offer, offer_id)
    assert offer is not None
    offer.status = "clicked"
    desk.db.add(offer)
    desk.db.flush()
    slots.close_slot(desk.db, desk.actor, slot_id=slot.id, reason="gaat_niet_door", now=now)  # type: ignore[arg-type]
    desk.db.expire_all()
    assert desk.db.get(Offer, offer_id).status == "expired"  # type: ignore[union-attr]


def test_close_slot_refuses_twice_and_unknown_reasons(desk: Desk, now: datetime) -> None:
    slot, _ = slots.open_slot(desk.db, desk.actor, desk.form, now)
    assert slot.id is not None
    for reason in ("", "geen zin", "closed"):
        with pytest.raises(DomainError, match="Kies waarom de plek sluit"):
            slots.close_slot(desk.db, desk.actor, slot_id=slot.id, reason=reason, now=now)
    desk.db.expire_all()
    assert desk.db.get(Slot, slot.id).status == "open"  # type: ignore[union-attr]

    slots.close_slot(desk.db, desk.actor, slot_id=slot.id, reason="gaat_niet_door", now=now)
    with pytest.raises(DomainError, match="al gevuld of gesloten"):
        slots.close_slot(desk.db, desk.actor, slot_id=slot.id, reason="zelf_ingevuld", now=now)
    desk.db.expire_all()
    again = desk.db.get(Slot, slot.id)
    assert again is not None and again.closed_reason == "gaat_niet_door"
    assert (
        len(desk.db.exec(select(AuditEvent).where(AuditEvent.action == "slot.closed")).all()) == 1
    )


def test_close_slot_refuses_a_claimed_slot(desk: Desk, now: datetime) -> None:
    slot, _ = slots.open_slot(desk.db, desk.actor, desk.form, now)
    slot.status = "claimed"
    desk.db.add(slot)
    desk.db.flush()
    with pytest.raises(DomainError, match="al gevuld of gesloten"):
        slots.close_slot(desk.db, desk.actor, slot_id=slot.id, reason="zelf_ingevuld", now=now)  # type: ignore[arg-type]


def test_reopen_puts_the_claimer_back_and_the_slot_open(
    db: Session, factory: Factory, now: datetime
) -> None:
    """A no-show or cancellation: the patient waits again, the slot can be offered again."""
    from pakjeplekje.domain.core_loop import claims

    practice = factory.practice(db, "Tandartspraktijk Heropen")
    owner = factory.user(db, practice, "eigenaar@heropen.nl", role="owner")
    _, actor = factory.login(db, owner)
    offered = offered_slot(
        db, practice.id, 1, now, starts_at=timeplan.weekday_at(now), name="Henk Heropen"
    )  # type: ignore[arg-type]
    [token], [patient_id] = offered.tokens, offered.patient_ids
    slot, patient = db.get(Slot, offered.slot_id), db.get(Patient, patient_id)
    assert slot is not None and patient is not None
    assert claims.claim(db, token, channel="page", client="c", secret="s", now=now).result == (
        "claimed"
    )
    with pytest.raises(DomainError):
        slots.close_slot(db, actor, slot_id=slot.id, reason="zelf_ingevuld", now=now)  # type: ignore[arg-type]
    slots.reopen_slot(db, actor, slot_id=slot.id, now=now)  # type: ignore[arg-type]
    db.refresh(slot)
    db.refresh(patient)
    assert (slot.status, slot.claimed_patient_id, patient.status) == ("open", None, "waiting")
    with pytest.raises(DomainError, match="gevulde plek"):
        slots.reopen_slot(db, actor, slot_id=slot.id, now=now)  # type: ignore[arg-type]


def test_a_slot_opened_in_quiet_hours_texts_nobody_until_they_end(
    desk: Desk, now: datetime
) -> None:
    """Staff open a slot at 23:30 for tomorrow 10:00: no patient is texted at night. Wave 1
    goes out when the quiet hours (21:00–08:00) end, through the wave tick."""
    desk.world.patients(7)
    late = timeplan.weekday_at(now, 23, 30, days_ahead=0)
    day = timeplan.local_day(late) + timedelta(days=1)
    form = replace(desk.form, day=day.isoformat(), start="10:00")
    assert slots.preview(desk.db, desk.actor, form, late).wave_plan == (
        "5 om 08:00 (na de stille uren), daarna elke 10 minuten 5 meer"
    )
    slot, offer_ids = slots.open_slot(desk.db, desk.actor, form, late)
    assert (slot.status, offer_ids) == ("open", [])
    assert waves.run_due_waves(desk.db, late + timedelta(minutes=10)) == []
    assert waves.run_due_waves(desk.db, timeplan.at_local(day, 7, 59)) == []
    morning = waves.run_due_waves(desk.db, timeplan.at_local(day, 8, 0))
    assert len(morning) == 5
    assert {o.wave for o in _offers(desk.db, slot.id)} == {1}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "why"),
    [
        ("07:30", "starts before the quiet hours end"),
        ("08:30", "held to 08:00 it would leave less than the 60 minutes' notice"),
    ],
)
def test_in_quiet_hours_wave_one_still_goes_when_holding_it_is_useless(
    desk: Desk, now: datetime, start: str, why: str
) -> None:
    desk.world.patients(7)
    late = timeplan.weekday_at(now, 23, 30, days_ahead=0)
    day = timeplan.local_day(late) + timedelta(days=1)
    form = replace(desk.form, day=day.isoformat(), start=start)
    assert slots.preview(desk.db, desk.actor, form, late).wave_plan.startswith("5 nu"), why
    _, offer_ids = slots.open_slot(desk.db, desk.actor, form, late)
    assert len(offer_ids) == 5, why
