"""One practice can never read or change another practice's records, whatever id it sends.

To cover a new domain function that takes a record id, add a (name, callable) to CROSS_TENANT;
`test_every_id_taking_entry_point_has_a_case` fails until you do.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session, select

import pakjeplekje.domain
from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts import practice_settings, team
from pakjeplekje.domain.accounts.passwords import hash_password
from pakjeplekje.domain.accounts.sessions import resolve_session
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.core_loop import slot_api, slots
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.integrations import webhook_endpoints, webhook_events
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.domain.privacy import audit_log, correction, objections, retention
from pakjeplekje.domain.privacy import inbox as privacy_inbox
from pakjeplekje.domain.privacy import requests as privacy_requests
from pakjeplekje.domain.waitlist import entry_api, patients, signup
from pakjeplekje.domain.waitlist.patients import PatientInput, PatientQuery, ValidationFailed
from pakjeplekje.models import (
    AuditEvent,
    AuthSession,
    Offer,
    Patient,
    PatientTreatment,
    Practice,
    Practitioner,
    PrivacyRequest,
    Slot,
    Treatment,
    User,
    WebhookEndpoint,
)

if TYPE_CHECKING:
    from conftest import Factory


@dataclass(frozen=True)
class Tenant:
    practice_id: int
    owner_id: int
    staff_id: int
    owner: Actor
    staff_token: str
    # The waitlist: a patient whose number both practices have, one only this practice has.
    patient_id: int
    own_number_patient_id: int
    patient_name: str
    own_number: str
    treatment_id: int
    practitioner_id: int
    # An open freed slot with one queued offer (to the shared-number patient).
    slot_id: int


SHARED_NUMBER = "06-12345678"
OWN_NUMBERS = {"Alfa": "06-11112222", "Beta": "06-33334444"}


def waitlist_entry(db: Session, practice_id: int, **changes: object) -> PatientInput:
    """A valid entry for `practice_id`, using that practice's own first treatment."""
    treatment = db.exec(
        select(Treatment.id).where(Treatment.practice_id == practice_id).order_by(Treatment.id)  # type: ignore[arg-type]
    ).first()
    values: dict[str, object] = {
        "name": "Nieuwe Naam",
        "phone": "06-24681357",
        "treatment_ids": [treatment],
        "duration_minutes": 30,
        "availability": ["ma-ochtend"],
        "consent_method": "balie",
        **changes,
    }
    return PatientInput(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Tenants:
    a: Tenant
    b: Tenant


def make_tenant(db: Session, factory: Factory, name: str) -> Tenant:
    practice = factory.practice(db, f"Tandartspraktijk {name}")
    owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
    staff = factory.user(db, practice, f"assistent@{name.lower()}.nl")
    _, owner_actor = factory.login(db, owner)
    staff_token, _ = factory.login(db, staff)
    assert practice.id and owner.id and staff.id
    practice_settings.create_default_treatments(db, practice.id)
    db.flush()
    practitioner = practice_settings.add_practitioner(
        db, owner_actor, name=f"Dr. {name}", now=factory.now
    )
    patient_name = f"{name}ina {name}sma"
    shared = patients.add(
        db,
        owner_actor,
        waitlist_entry(
            db,
            practice.id,
            name=patient_name,
            phone=SHARED_NUMBER,
            preferred_practitioner_id=practitioner.id,
            note=f"notitie van {name}",
        ),
        factory.now,
        secret=get_settings().secret_key,
    )
    own = patients.add(
        db,
        owner_actor,
        waitlist_entry(db, practice.id, name=f"{name} Tweede", phone=OWN_NUMBERS[name]),
        factory.now,
        secret=get_settings().secret_key,
    )
    [treatment] = db.exec(
        select(PatientTreatment.treatment_id).where(PatientTreatment.patient_id == shared.id)
    ).all()
    slot = Slot(
        practice_id=practice.id,
        starts_at=factory.now + timedelta(days=1),
        duration_minutes=30,
        treatment_id=treatment,
        created_by_user_id=owner.id,
        created_at=factory.now,
    )
    db.add(slot)
    db.flush()
    add_offers(db, slot, [shared.id], wave=1, now=factory.now)  # type: ignore[list-item]
    # An open privacy request in the practice's inbox.
    db.add(
        PrivacyRequest(
            practice_id=practice.id,
            kind="correctie",
            subject="patient",
            verified_by="sms",
            patient_id=shared.id,
            message="Mijn naam is anders",
            received_at=factory.now,
            due_at=privacy_requests.add_month(factory.now),
        )
    )
    db.flush()
    assert shared.id and own.id and practitioner.id and slot.id
    return Tenant(
        practice.id,
        owner.id,
        staff.id,
        owner_actor,
        staff_token,
        shared.id,
        own.id,
        patient_name,
        OWN_NUMBERS[name],
        treatment,
        practitioner.id,
        slot.id,
    )


@pytest.fixture
def tenants(db: Session, factory: Factory) -> Tenants:
    """Practices A and B, each with an owner, a logged-in staff member and a small waitlist."""
    return Tenants(a=make_tenant(db, factory, "Alfa"), b=make_tenant(db, factory, "Beta"))


def _privacy_request_of(db: Session, tenant: Tenant) -> int:
    found = db.exec(
        select(PrivacyRequest.id).where(PrivacyRequest.practice_id == tenant.practice_id)
    ).first()
    assert found is not None
    return found


def _webhook_of(db: Session, tenant: Tenant, now: datetime) -> tuple[int, int]:
    """An endpoint of the tenant's practice and one delivery to it (inserted directly: no
    audit row, so the snapshot of A only changes if B's call changes something)."""
    endpoint = WebhookEndpoint(
        practice_id=tenant.practice_id,
        url="https://a.example/hook",
        secret=webhook_endpoints.new_secret(),
        events="patient.joined",
        created_at=now,
    )
    db.add(endpoint)
    db.flush()
    data = {"patient": {"id": tenant.patient_id}}
    [delivery] = webhook_events.record_event(db, tenant.practice_id, "patient.joined", data, now)
    return endpoint.id, delivery.id


# Each case: B's owner acts on one of A's ids. Expected: NotFound, and A is untouched.
CrossTenantCall = Callable[[Session, Actor, Tenant, datetime], object]
CROSS_TENANT: list[tuple[str, CrossTenantCall]] = [
    (
        "change_role: demote A's owner",
        lambda db, b, a, now: team.change_role(db, b, user_id=a.owner_id, role="staff", now=now),
    ),
    (
        "change_role: promote A's staff",
        lambda db, b, a, now: team.change_role(db, b, user_id=a.staff_id, role="owner", now=now),
    ),
    (
        "deactivate: A's owner",
        lambda db, b, a, now: team.deactivate(db, b, user_id=a.owner_id, now=now),
    ),
    (
        "deactivate: A's staff",
        lambda db, b, a, now: team.deactivate(db, b, user_id=a.staff_id, now=now),
    ),
    (
        "reactivate: A's staff",
        lambda db, b, a, now: team.reactivate(db, b, user_id=a.staff_id, now=now),
    ),
    (
        "patients.get: open A's patient",
        lambda db, b, a, now: patients.get(db, b, a.patient_id),
    ),
    (
        "patients.update: A's patient with B's valid data",
        lambda db, b, a, now: patients.update(
            db, b, a.patient_id, waitlist_entry(db, b.practice_id), now
        ),
    ),
    (
        "patients.update: A's patient with data valid for A",
        lambda db, b, a, now: patients.update(
            db, b, a.patient_id, waitlist_entry(db, a.practice_id, phone=a.own_number), now
        ),
    ),
    (
        "patients.update: A's patient with invalid data",
        lambda db, b, a, now: patients.update(db, b, a.patient_id, PatientInput(), now),
    ),
    (
        "patients.set_status: remove A's patient",
        lambda db, b, a, now: patients.set_status(db, b, a.patient_id, "removed", now),
    ),
    (
        "patients.set_status: book A's patient",
        lambda db, b, a, now: patients.set_status(db, b, a.own_number_patient_id, "booked", now),
    ),
    (
        "patients.delete_permanently: A's patient",
        lambda db, b, a, now: patients.delete_permanently(db, b, a.patient_id, now),
    ),
    (
        "signup.accept: accept A's entry",
        lambda db, b, a, now: signup.accept(db, b, a.patient_id, now),
    ),
    (
        "signup.refuse: erase A's entry",
        lambda db, b, a, now: signup.refuse(db, b, a.patient_id, now),
    ),
    (
        "practice_settings.update_treatment: switch off A's treatment",
        lambda db, b, a, now: practice_settings.update_treatment(
            db, b, treatment_id=a.treatment_id, duration=90, active=False, now=now
        ),
    ),
    (
        "practice_settings.set_practitioner_active: switch off A's practitioner",
        lambda db, b, a, now: practice_settings.set_practitioner_active(
            db, b, practitioner_id=a.practitioner_id, active=False, now=now
        ),
    ),
    (
        "slots.close_slot: close A's open slot",
        lambda db, b, a, now: slots.close_slot(
            db, b, slot_id=a.slot_id, reason="zelf_ingevuld", now=now
        ),
    ),
    (
        "slots.reopen_slot: reopen A's slot",
        lambda db, b, a, now: slots.reopen_slot(db, b, slot_id=a.slot_id, now=now),
    ),
    # --- the integration API (/api/v1) ---
    (
        "slot_api.close_slot: close A's open slot",
        lambda db, b, a, now: slot_api.close_slot(db, b, a.slot_id, "zelf_ingevuld", now),
    ),
    (
        "slot_api.close_slot: A's slot with a bad reason",
        lambda db, b, a, now: slot_api.close_slot(db, b, a.slot_id, "x", now),
    ),
    (
        "entry_api.update: A's patient",
        lambda db, b, a, now: entry_api.update(db, b, a.patient_id, {"name": "Overgenomen"}, now),
    ),
    (
        "entry_api.update: A's patient with invalid data",
        lambda db, b, a, now: entry_api.update(db, b, a.patient_id, {"duration_minutes": 0}, now),
    ),
    (
        "entry_api.delete: A's patient",
        lambda db, b, a, now: entry_api.delete(db, b, a.patient_id, now),
    ),
    # --- privacy ---
    (
        "retention.keep_one: keep A's entry (not flagged)",
        lambda db, b, a, now: retention.keep_one(db, b, a.patient_id, now),
    ),
    (
        "inbox.resolve: close A's privacy request",
        lambda db, b, a, now: privacy_inbox.resolve(
            db, b, request_id=_privacy_request_of(db, a), status="done", resolution="x", now=now
        ),
    ),
    # --- webhooks (A's endpoint and its delivery log) ---
    (
        "webhook_endpoints.set_enabled: disable A's endpoint",
        lambda db, b, a, now: webhook_endpoints.set_enabled(
            db, b, _webhook_of(db, a, now)[0], False, now
        ),
    ),
    (
        "webhook_endpoints.remove: delete A's endpoint",
        lambda db, b, a, now: webhook_endpoints.remove(db, b, _webhook_of(db, a, now)[0], now),
    ),
    (
        "webhook_endpoints.resend: resend A's delivery",
        lambda db, b, a, now: webhook_endpoints.resend(db, b, _webhook_of(db, a, now)[1], now),
    ),
    (
        "inbox.resolve: reject A's privacy request",
        lambda db, b, a, now: privacy_inbox.resolve(
            db, b, request_id=_privacy_request_of(db, a), status="rejected", resolution="x", now=now
        ),
    ),
]
# Entry points (they take an `actor`) with an id parameter, by "module.function".
COVERED = {
    "team.change_role",
    "team.deactivate",
    "team.reactivate",
    "patients.get",
    "patients.update",
    "patients.set_status",
    "patients.delete_permanently",
    "signup.accept",
    "signup.refuse",
    "practice_settings.update_treatment",
    "practice_settings.set_practitioner_active",
    "slots.close_slot",
    "slots.reopen_slot",
    "inbox.resolve",
    "retention.keep_one",
    "webhook_endpoints.set_enabled",
    "webhook_endpoints.remove",
    "webhook_endpoints.resend",
    "slot_api.close_slot",
    "entry_api.update",
    "entry_api.delete",
}


def snapshot(db: Session, practice_id: int) -> list[tuple[object, ...]]:
    """Everything a cross-tenant call could change about a practice: its people and sessions,
    settings, treatments, practitioners, waitlist (with treatment links), slots, offers and
    audit trail."""
    db.flush()
    db.expire_all()
    users = db.exec(select(User).where(User.practice_id == practice_id).order_by(User.id)).all()  # type: ignore[arg-type]
    ids = [u.id for u in users]
    sessions = db.exec(
        select(AuthSession).where(AuthSession.user_id.in_(ids)).order_by(AuthSession.id)  # type: ignore[union-attr,attr-defined]
    ).all()
    practice = db.get(Practice, practice_id)
    assert practice is not None
    rows: list[tuple[object, ...]] = [tuple(practice.model_dump().items())]
    for model in (Treatment, Practitioner, Patient, Slot, Offer, AuditEvent, PrivacyRequest):
        rows += [
            (model.__name__, *row.model_dump().items())
            for row in db.exec(
                select(model).where(model.practice_id == practice_id).order_by(model.id)  # type: ignore[attr-defined]
            )
        ]
    rows += db.exec(
        select(PatientTreatment.patient_id, PatientTreatment.treatment_id)
        .join(Patient, Patient.id == PatientTreatment.patient_id)  # type: ignore[arg-type]
        .where(Patient.practice_id == practice_id)
        .order_by(PatientTreatment.patient_id, PatientTreatment.treatment_id)  # type: ignore[arg-type]
    ).all()
    return (
        [(u.id, u.email, u.role, u.status, u.password_hash) for u in users]
        + [(s.id, s.revoked_at, s.last_seen_at) for s in sessions]
        + rows
    )


@pytest.mark.parametrize(("name", "call"), CROSS_TENANT, ids=[name for name, _ in CROSS_TENANT])
def test_other_practices_ids_are_not_found(
    db: Session, tenants: Tenants, now: datetime, name: str, call: CrossTenantCall
) -> None:
    """Another practice's record looks exactly like one that does not exist."""
    before = snapshot(db, tenants.a.practice_id)
    with pytest.raises(NotFound):
        call(db, tenants.b.owner, tenants.a, now)
    assert snapshot(db, tenants.a.practice_id) == before, name
    assert resolve_session(db, tenants.a.staff_token, now) is not None


def test_b_cannot_close_as_slot(db: Session, tenants: Tenants, now: datetime) -> None:
    """Closing expires offers and stops waves: B doing that to A would cancel A's outreach."""
    a, b = tenants.a, tenants.b
    with pytest.raises(NotFound):
        slots.close_slot(db, b.owner, slot_id=a.slot_id, reason="gaat_niet_door", now=now)
    db.expire_all()
    slot = db.get(Slot, a.slot_id)
    assert slot is not None and (slot.status, slot.closed_reason) == ("open", None)
    offers = db.exec(select(Offer.status).where(Offer.slot_id == a.slot_id)).all()
    assert offers == ["queued"]
    # A's own staff can still close it: the refusal was about the tenant, not the slot.
    assert (
        slots.close_slot(db, a.owner, slot_id=a.slot_id, reason="gaat_niet_door", now=now).status
        == "closed"
    )


def test_team_list_shows_only_own_practice(db: Session, tenants: Tenants) -> None:
    """The team page of B never lists A's people, and the other way round."""
    for own, other in ((tenants.b, tenants.a), (tenants.a, tenants.b)):
        ids = {member.id for member in team.list_team(db, own.owner)}
        assert ids == {own.owner_id, own.staff_id}
        assert not ids & {other.owner_id, other.staff_id}


def _id_taking_entry_points() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(pakjeplekje.domain.__path__, "pakjeplekje.domain."):
        module = importlib.import_module(info.name)
        name = info.name.rsplit(".", 1)[-1]
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or fname.startswith("_"):
                continue
            params = inspect.signature(fn).parameters
            if "actor" in params and any(p.endswith("_id") for p in params):
                found.add(f"{name}.{fname}")
    return found


def test_every_id_taking_entry_point_has_a_case() -> None:
    """A new function acting on an id must come with its cross-tenant case above."""
    assert _id_taking_entry_points() == COVERED


def test_every_covered_entry_point_is_really_called() -> None:
    """COVERED is a promise: each name in it has a case (named `[module.]function: …`)."""
    prefixes = {name.split(":")[0] for name, _ in CROSS_TENANT}
    for entry_point in COVERED:
        function = entry_point.split(".")[1]
        assert entry_point in prefixes or function in prefixes, entry_point


def test_the_snapshot_sees_the_waitlist(db: Session, tenants: Tenants, now: datetime) -> None:
    """Guard the guard: a change to A's waitlist or settings must show in A's snapshot."""
    a = tenants.a
    before = snapshot(db, a.practice_id)
    patients.set_status(db, a.owner, a.patient_id, "removed", now)
    assert snapshot(db, a.practice_id) != before
    before = snapshot(db, a.practice_id)
    practice_settings.set_practitioner_active(
        db, a.owner, practitioner_id=a.practitioner_id, active=False, now=now
    )
    assert snapshot(db, a.practice_id) != before


# --- the waitlist grid: B searches with everything it might know about A's patients ---


def _visible(db: Session, practice_id: int, **query: object) -> set[int]:
    """Ids on every page of the grid (all statuses unless the query says otherwise)."""
    base = PatientQuery(**{"status": "", "page_size": 100, **query})  # type: ignore[arg-type]
    first = patients.list_page(db, practice_id, base)
    ids = {r.id for r in first.rows}
    for page in range(2, first.pages + 1):
        ids |= {r.id for r in patients.list_page(db, practice_id, replace(base, page=page)).rows}
    assert len(ids) == first.total
    return ids


def _waitlist_ids(db: Session, practice_id: int) -> set[int]:
    return set(db.exec(select(Patient.id).where(Patient.practice_id == practice_id)).all())  # type: ignore[arg-type]


def test_grid_and_count_never_include_another_practices_patients(
    db: Session, tenants: Tenants
) -> None:
    for own, other in ((tenants.b, tenants.a), (tenants.a, tenants.b)):
        theirs = _waitlist_ids(db, other.practice_id)
        mine = _visible(db, own.practice_id)
        assert (
            mine
            == _waitlist_ids(db, own.practice_id)
            == {
                own.patient_id,
                own.own_number_patient_id,
            }
        )
        assert not mine & theirs
        assert patients.count_waiting(db, own.practice_id) == 2
        searches = [
            other.patient_name,
            other.patient_name.upper(),
            other.patient_name.split()[0],
            other.own_number,
            other.own_number.replace("-", ""),
            "+31 6 " + other.own_number[3:],
            "0031" + other.own_number[1:].replace("-", ""),
            other.own_number[-4:],
        ]
        for search in searches:
            assert _visible(db, own.practice_id, search=search) == set(), search
        # the number both practices have: each sees only its own entry
        assert _visible(db, own.practice_id, search=SHARED_NUMBER) == {own.patient_id}
        # another practice's treatment id as a filter matches nothing here
        assert _visible(db, own.practice_id, treatment_id=other.treatment_id) == set()


def test_count_waiting_ignores_changes_in_another_practice(
    db: Session, tenants: Tenants, now: datetime
) -> None:
    a, b = tenants.a, tenants.b
    patients.add(
        db, a.owner, waitlist_entry(db, a.practice_id), now, secret=get_settings().secret_key
    )
    patients.set_status(db, a.owner, a.patient_id, "removed", now)
    assert patients.count_waiting(db, a.practice_id) == 2
    assert patients.count_waiting(db, b.practice_id) == 2


def test_b_cannot_attach_as_treatment_or_practitioner(
    db: Session, tenants: Tenants, now: datetime
) -> None:
    """Ids inside a form are checked too: B cannot link its patients to A's records."""
    a, b = tenants.a, tenants.b
    before = snapshot(db, a.practice_id)
    attempts = [
        (waitlist_entry(db, b.practice_id, treatment_ids=[a.treatment_id]), "treatments"),
        (
            waitlist_entry(db, b.practice_id, preferred_practitioner_id=a.practitioner_id),
            "practitioner",
        ),
    ]
    for data, field in attempts:
        with pytest.raises(ValidationFailed) as refused:
            patients.add(db, b.owner, data, now, secret=get_settings().secret_key)
        assert field in refused.value.errors
        with pytest.raises(ValidationFailed) as refused:
            patients.update(db, b.owner, b.patient_id, data, now)
        assert field in refused.value.errors
    assert snapshot(db, a.practice_id) == before


def test_a_number_on_another_practices_list_is_never_revealed(
    db: Session, tenants: Tenants, now: datetime
) -> None:
    """B can add A's patient's number: no DuplicatePhone, no hint that A has it."""
    a, b = tenants.a, tenants.b
    before = snapshot(db, a.practice_id)
    added = patients.add(
        db,
        b.owner,
        waitlist_entry(db, b.practice_id, phone=a.own_number),
        now,
        secret=get_settings().secret_key,
    )
    assert added.practice_id == b.practice_id
    patients.update(
        db,
        b.owner,
        b.own_number_patient_id,
        waitlist_entry(db, b.practice_id, phone="+31 6 " + "55556666"),
        now,
    )
    assert snapshot(db, a.practice_id) == before


def test_settings_show_only_own_treatments_and_practitioners(
    db: Session, tenants: Tenants, now: datetime
) -> None:
    a, b = tenants.a, tenants.b
    before = snapshot(db, a.practice_id)
    practice_settings.update_outreach(
        db,
        b.owner,
        wave_size=9,
        wave_interval=20,
        quiet_start="20:00",
        quiet_end="09:00",
        min_notice=120,
        max_offers=1,
        sender_name="Beta",
        now=now,
    )
    view = practice_settings.view(db, b.owner)
    a_treatments = set(
        db.exec(select(Treatment.id).where(Treatment.practice_id == a.practice_id)).all()
    )
    assert not {t.id for t in view.treatments} & a_treatments
    assert [p.id for p in view.practitioners] == [b.practitioner_id]
    assert snapshot(db, a.practice_id) == before


# --- the audit log on /privacy ---


def test_audit_log_of_b_shows_nothing_of_a(db: Session, tenants: Tenants) -> None:
    a, b = tenants.a, tenants.b
    b_events = db.exec(select(AuditEvent.id).where(AuditEvent.practice_id == b.practice_id)).all()
    a_events = set(
        db.exec(select(AuditEvent.id).where(AuditEvent.practice_id == a.practice_id)).all()
    )
    assert a_events and b_events
    shown = audit_log.page(db, b.owner, audit_log.AuditQuery(page_size=100))
    assert {r.id for r in shown.rows} == set(b_events)
    assert not {r.id for r in shown.rows} & a_events
    assert {uid for uid, _ in audit_log.staff_choices(db, b.owner)} == {b.owner_id, b.staff_id}
    # filtering on A's people is a foreign id: not found, as if they did not exist
    for foreign in (a.owner_id, a.staff_id):
        with pytest.raises(NotFound):
            audit_log.page(db, b.owner, audit_log.AuditQuery(user_id=foreign))


def test_b_cannot_keep_as_flagged_entry(db: Session, tenants: Tenants, now: datetime) -> None:
    """Retention review: B keeping A's flagged entry would stop A's automatic removal."""
    a, b = tenants.a, tenants.b
    for patient in db.exec(select(Patient)).all():
        patient.updated_at = now - timedelta(days=400)
        db.add(patient)
    db.flush()
    retention.flag_for_review(db, now)
    before = snapshot(db, a.practice_id)
    with pytest.raises(NotFound):
        retention.keep_one(db, b.owner, a.patient_id, now)
    assert snapshot(db, a.practice_id) == before
    assert {f.id for f in retention.flagged(db, b.practice_id)} == {
        b.patient_id,
        b.own_number_patient_id,
    }
    assert retention.keep_flagged(db, b.owner, now) == 2
    assert retention.flagged_count(db, a.practice_id) == 2


def test_correctie_by_b_changes_nothing_of_a(db: Session, tenants: Tenants, now: datetime) -> None:
    """Renaming the practice, oneself or one's e-mail acts on the actor's own rows only."""
    a, b = tenants.a, tenants.b
    owner = db.get(User, b.owner_id)
    assert owner is not None
    owner.password_hash = hash_password("een lang geheim wachtwoord")
    db.add(owner)
    before = snapshot(db, a.practice_id)
    correction.rename_practice(db, b.owner, name="Tandartspraktijk Alfa", now=now)
    correction.rename_self(db, b.owner, name="Eigenaar Alfa", now=now)
    with pytest.raises(DomainError, match="al een account"):  # A's address is not for taking
        correction.request_email_change(
            db,
            b.owner,
            new_email="eigenaar@alfa.nl",
            password="een lang geheim wachtwoord",
            link=str,
            now=now,
        )
    correction.request_email_change(
        db,
        b.owner,
        new_email="nieuw@beta.nl",
        password="een lang geheim wachtwoord",
        link=str,
        now=now,
    )
    correction.cancel_email_change(db, b.owner, now)
    assert snapshot(db, a.practice_id) == before
    assert db.get(Practice, b.practice_id).name == "Tandartspraktijk Alfa"  # type: ignore[union-attr]


def test_bezwaar_of_b_changes_nothing_of_a(db: Session, tenants: Tenants, now: datetime) -> None:
    a, b = tenants.a, tenants.b
    before = snapshot(db, a.practice_id)
    objections.set_preferences(db, b.owner, product_emails=False, usage_statistics=False, now=now)
    assert snapshot(db, a.practice_id) == before
    assert objections.preferences(db, a.owner) == objections.Preferences(True, True)
    assert objections.preferences(db, b.owner) == objections.Preferences(False, False)
