"""The waitlist at the domain boundary: validation, duplicates, edits, removal and the grid query.

Real database (rolled back per test), fixed clock, no bcrypt: the factory inserts staff rows
directly. The grid tests seed through `patients.insert` so that 60 patients stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts import practice_settings
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.errors import DomainError, NotFound
from pakjeplekje.domain.phones import INVALID, NOT_MOBILE
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.domain.waitlist.patients import (
    CleanPatient,
    DuplicatePhone,
    PatientInput,
    PatientQuery,
    ValidationFailed,
)
from pakjeplekje.models import (
    AuditEvent,
    Patient,
    PatientTreatment,
    Practitioner,
    Treatment,
)
from tests import timeplan

if TYPE_CHECKING:
    from conftest import Factory

ALL_FIELDS = {
    "name",
    "phone",
    "treatments",
    "duration",
    "availability",
    "practitioner",
    "urgency",
    "note",
    "consent",
    "status",
}


@dataclass(frozen=True)
class Desk:
    """One practice as its front desk sees it: who acts, and the ids its forms offer."""

    practice_id: int
    owner: Actor
    staff: Actor
    treatments: dict[str, int]
    practitioner_id: int


def make_desk(db: Session, factory: Factory, name: str) -> Desk:
    practice = factory.practice(db, f"Tandartspraktijk {name}")
    assert practice.id is not None
    practice_settings.create_default_treatments(db, practice.id)
    practitioner = Practitioner(practice_id=practice.id, name=f"Dr. {name}")
    db.add(practitioner)
    db.flush()
    owner = factory.user(db, practice, f"eigenaar@{name.lower()}.nl", role="owner")
    staff = factory.user(db, practice, f"balie@{name.lower()}.nl")
    treatments = {
        t.name: t.id
        for t in db.exec(select(Treatment).where(Treatment.practice_id == practice.id))
        if t.id is not None
    }
    assert practitioner.id is not None
    return Desk(
        practice.id,
        factory.login(db, owner)[1],
        factory.login(db, staff)[1],
        treatments,
        practitioner.id,
    )


@pytest.fixture
def desk(db: Session, factory: Factory) -> Desk:
    return make_desk(db, factory, "Molen")


@pytest.fixture
def other(db: Session, factory: Factory) -> Desk:
    """A second practice: its ids must never be usable from `desk`."""
    return make_desk(db, factory, "Elders")


def entry(desk: Desk, **changes: object) -> PatientInput:
    """A valid waitlist entry for `desk`; each test breaks or changes only what it is about."""
    base = PatientInput(
        name="Jan Jansen",
        phone="06-12345678",
        treatment_ids=[desk.treatments["controle"]],
        duration_minutes=30,
        availability=["ma-ochtend"],
        preferred_practitioner_id=None,
        urgency="normaal",
        note="",
        consent_method="balie",
        status="waiting",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def count(db: Session, model: type) -> int:
    db.flush()
    return db.exec(select(func.count()).select_from(model)).one()


def written(db: Session) -> tuple[int, int, int]:
    """Row counts that a refused write must leave alone."""
    return count(db, Patient), count(db, PatientTreatment), count(db, AuditEvent)


def row_values(db: Session, patient_id: int) -> tuple[object, ...]:
    db.flush()
    db.expire_all()
    patient = db.get(Patient, patient_id)
    assert patient is not None
    links = db.exec(
        select(PatientTreatment.treatment_id)
        .where(PatientTreatment.patient_id == patient_id)
        .order_by(PatientTreatment.treatment_id)  # type: ignore[arg-type]
    ).all()
    return (*(getattr(patient, f) for f in Patient.model_fields), tuple(links))


def audit_rows(db: Session, action: str) -> list[AuditEvent]:
    db.flush()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def assert_no_personal_data(event: AuditEvent, *secrets: str) -> None:
    """The audit trail survives deletion, so it may hold ids and action names only."""
    for name in AuditEvent.model_fields:
        value = getattr(event, name)
        if isinstance(value, str):
            for secret in secrets:
                assert secret.lower() not in value.lower(), (name, value)


# --- validate: one rule at a time ------------------------------------------------------


def test_a_valid_entry_is_cleaned(db: Session, desk: Desk) -> None:
    clean = patients.validate(
        db,
        desk.practice_id,
        entry(
            desk,
            name="  Jan   Jansen ",
            phone="+31 6 12345678",
            treatment_ids=[str(desk.treatments["vulling"]), desk.treatments["controle"]],
            duration_minutes=" 45 ",
            availability=["wo-avond", "ma-ochtend"],
            preferred_practitioner_id=str(desk.practitioner_id),
            urgency="hoog",
            note="  belt liever na 17 uur  ",
            consent_method="formulier",
        ),
    )
    assert clean == CleanPatient(
        name="Jan Jansen",
        phone="+31612345678",
        treatment_ids=tuple(sorted([desk.treatments["vulling"], desk.treatments["controle"]])),
        duration_minutes=45,
        availability=patients.cell(0, 0) | patients.cell(2, 2),
        preferred_practitioner_id=desk.practitioner_id,
        urgency="hoog",
        note="belt liever na 17 uur",
        consent_method="formulier",
        status="waiting",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   \t "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"phone": ""}, "phone"),
        ({"phone": "abc"}, "phone"),
        ({"phone": "020-1234567"}, "phone"),
        ({"treatment_ids": []}, "treatments"),
        ({"treatment_ids": ["abc"]}, "treatments"),
        ({"treatment_ids": [987654321]}, "treatments"),
        ({"duration_minutes": 4}, "duration"),
        ({"duration_minutes": 241}, "duration"),
        ({"duration_minutes": 0}, "duration"),
        ({"duration_minutes": "-30"}, "duration"),
        ({"duration_minutes": "dertig"}, "duration"),
        ({"duration_minutes": "30.5"}, "duration"),
        ({"duration_minutes": ""}, "duration"),
        ({"availability": []}, "availability"),
        ({"availability": ["zo-ochtend"]}, "availability"),
        ({"availability": ["ma-nacht"]}, "availability"),
        ({"availability": ["ma-ochtend", "onbekend"]}, "availability"),
        ({"preferred_practitioner_id": 987654321}, "practitioner"),
        ({"preferred_practitioner_id": "dokter"}, "practitioner"),
        ({"urgency": "spoed"}, "urgency"),
        ({"urgency": ""}, "urgency"),
        ({"note": "x" * 501}, "note"),
        ({"consent_method": ""}, "consent"),
        ({"consent_method": "telefoon"}, "consent"),
        ({"status": "weg"}, "status"),
        ({"status": ""}, "status"),
    ],
)
def test_each_rule_refuses_with_a_message_on_its_own_field(
    db: Session, desk: Desk, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        patients.validate(db, desk.practice_id, entry(desk, **changes))
    assert set(refused.value.errors) == {field}
    assert refused.value.errors[field]
    assert refused.value.field == field


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "x" * 100},
        {"name": "Ölçer-O'Brien van den Berg"},
        {"duration_minutes": 5},
        {"duration_minutes": 240},
        {"duration_minutes": "60"},
        {"note": "x" * 500},
        {"note": "  " + "x" * 500 + "  "},  # the limit counts what is stored, not padding
        {"urgency": "hoog"},
        {"consent_method": "formulier"},
        {"consent_method": "zelf"},
        {"status": "booked"},
        {"status": "removed"},
        {"preferred_practitioner_id": ""},
        {"preferred_practitioner_id": "0"},
        {"availability": list(patients.CELLS)},
    ],
)
def test_values_on_the_edge_of_each_rule_are_accepted(
    db: Session, desk: Desk, changes: dict[str, object]
) -> None:
    patients.validate(db, desk.practice_id, entry(desk, **changes))


def test_phone_messages_tell_landline_from_garbage(db: Session, desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as landline:
        patients.validate(db, desk.practice_id, entry(desk, phone="020-1234567"))
    with pytest.raises(ValidationFailed) as garbage:
        patients.validate(db, desk.practice_id, entry(desk, phone="12"))
    assert landline.value.errors["phone"] == NOT_MOBILE
    assert garbage.value.errors["phone"] == INVALID


def test_another_practices_treatment_is_refused(db: Session, desk: Desk, other: Desk) -> None:
    """An id copied from another practice's form must not attach its treatment here."""
    for ids in (
        [other.treatments["controle"]],
        [desk.treatments["controle"], other.treatments["kroon"]],
    ):
        with pytest.raises(ValidationFailed) as refused:
            patients.validate(db, desk.practice_id, entry(desk, treatment_ids=ids))
        assert set(refused.value.errors) == {"treatments"}


def test_an_inactive_treatment_cannot_be_chosen(db: Session, desk: Desk) -> None:
    kroon = db.get(Treatment, desk.treatments["kroon"])
    assert kroon is not None
    kroon.active = False
    db.add(kroon)
    db.flush()
    with pytest.raises(ValidationFailed) as refused:
        patients.validate(db, desk.practice_id, entry(desk, treatment_ids=[kroon.id]))
    assert set(refused.value.errors) == {"treatments"}


def test_practitioner_must_be_this_practices_and_active(
    db: Session, desk: Desk, other: Desk
) -> None:
    with pytest.raises(ValidationFailed) as foreign:
        patients.validate(
            db, desk.practice_id, entry(desk, preferred_practitioner_id=other.practitioner_id)
        )
    assert set(foreign.value.errors) == {"practitioner"}

    own = db.get(Practitioner, desk.practitioner_id)
    assert own is not None
    own.active = False
    db.add(own)
    db.flush()
    with pytest.raises(ValidationFailed) as inactive:
        patients.validate(
            db, desk.practice_id, entry(desk, preferred_practitioner_id=desk.practitioner_id)
        )
    assert set(inactive.value.errors) == {"practitioner"}


def test_every_broken_field_is_reported_at_once(db: Session, desk: Desk) -> None:
    """The dialog shows all problems in one go instead of one per save."""
    with pytest.raises(ValidationFailed) as refused:
        patients.validate(
            db,
            desk.practice_id,
            PatientInput(
                preferred_practitioner_id=987654321,
                urgency="x",
                note="x" * 501,
                status="x",
            ),
        )
    assert set(refused.value.errors) == ALL_FIELDS
    assert all(refused.value.errors.values())


def test_control_characters_in_name_and_note_are_refused(db: Session, desk: Desk) -> None:
    with pytest.raises(ValidationFailed) as refused:
        patients.validate(
            db, desk.practice_id, entry(desk, name="Jan\x00Jansen", note="zie\x00boven")
        )
    assert set(refused.value.errors) == {"name", "note"}


# --- add ---------------------------------------------------------------------------------


def test_add_stores_the_entry_in_e164_with_its_treatments_and_cells(
    db: Session, desk: Desk, now: datetime
) -> None:
    data = entry(
        desk,
        phone="06 1234 5678",
        treatment_ids=[desk.treatments["vulling"], desk.treatments["kroon"]],
        availability=["di-middag", "za-avond"],
        preferred_practitioner_id=desk.practitioner_id,
        urgency="hoog",
        note="Liever niet op vrijdag",
        consent_method="zelf",
    )
    patient = patients.add(db, desk.staff, data, now, secret=get_settings().secret_key)
    stored = db.get(Patient, patient.id)
    assert stored is not None
    assert stored.practice_id == desk.practice_id
    assert stored.phone == "+31612345678"
    assert stored.name == "Jan Jansen"
    assert stored.availability == patients.cell(1, 1) | patients.cell(5, 2)
    assert stored.preferred_practitioner_id == desk.practitioner_id
    assert (stored.urgency, stored.note, stored.consent_method, stored.status) == (
        "hoog",
        "Liever niet op vrijdag",
        "zelf",
        "waiting",
    )
    assert stored.added_at == stored.updated_at == stored.consent_at == now
    assert (stored.offers_count, stored.last_offer_at, stored.last_claim_at) == (0, None, None)
    links = db.exec(
        select(PatientTreatment.treatment_id).where(PatientTreatment.patient_id == patient.id)
    ).all()
    assert sorted(links) == sorted([desk.treatments["vulling"], desk.treatments["kroon"]])


def test_add_writes_an_audit_event_without_personal_data(
    db: Session, desk: Desk, now: datetime
) -> None:
    patient = patients.add(
        db, desk.staff, entry(desk, note="geheim briefje"), now, secret=get_settings().secret_key
    )
    [event] = audit_rows(db, "patient.added")
    assert (event.practice_id, event.actor_user_id) == (desk.practice_id, desk.staff.user_id)
    assert (event.target_type, event.target_id, event.created_at) == ("patient", patient.id, now)
    assert_no_personal_data(event, "Jan", "Jansen", "12345678", "geheim")


def test_invalid_entry_writes_nothing(db: Session, desk: Desk, now: datetime) -> None:
    before = written(db)
    with pytest.raises(ValidationFailed):
        patients.add(
            db, desk.staff, entry(desk, availability=[]), now, secret=get_settings().secret_key
        )
    assert written(db) == before


@pytest.mark.parametrize("second_spelling", ["06-12345678", "+31 6 12345678", "0031612345678"])
def test_same_number_twice_in_one_practice_points_to_the_existing_entry(
    db: Session, desk: Desk, now: datetime, second_spelling: str
) -> None:
    first = patients.add(
        db, desk.staff, entry(desk, phone="0612345678"), now, secret=get_settings().secret_key
    )
    before = written(db)
    with pytest.raises(DuplicatePhone) as refused:
        patients.add(
            db,
            desk.owner,
            entry(desk, name="Iemand Anders", phone=second_spelling),
            now,
            secret=get_settings().secret_key,
        )
    assert refused.value.existing_id == first.id
    assert refused.value.field == "phone"
    assert written(db) == before


def test_same_number_in_another_practice_is_allowed(
    db: Session, desk: Desk, other: Desk, now: datetime
) -> None:
    ours = patients.add(db, desk.staff, entry(desk), now, secret=get_settings().secret_key)
    theirs = patients.add(
        db,
        other.staff,
        entry(other, name="Piet Pietersen", phone="+31612345678"),
        now,
        secret=get_settings().secret_key,
    )
    assert ours.phone == theirs.phone == "+31612345678"
    assert ours.practice_id != theirs.practice_id


def test_duplicate_check_comes_after_validation(db: Session, desk: Desk, now: datetime) -> None:
    """A broken form is reported field by field, even when the number is also taken."""
    patients.add(db, desk.staff, entry(desk), now, secret=get_settings().secret_key)
    with pytest.raises(ValidationFailed) as refused:
        patients.add(db, desk.staff, entry(desk, name=""), now, secret=get_settings().secret_key)
    assert set(refused.value.errors) == {"name"}


# --- get / update ------------------------------------------------------------------------


def test_get_returns_the_form_and_the_offer_history(db: Session, desk: Desk, now: datetime) -> None:
    data = entry(
        desk,
        treatment_ids=[desk.treatments["kroon"]],
        availability=["vr-avond", "ma-ochtend"],
        preferred_practitioner_id=desk.practitioner_id,
    )
    patient = patients.add(db, desk.staff, data, now, secret=get_settings().secret_key)
    patient.offers_count, patient.last_offer_at = 2, now + timedelta(days=1)
    db.add(patient)
    db.flush()

    detail = patients.get(db, desk.staff, patient.id)  # type: ignore[arg-type]
    assert detail.id == patient.id
    assert detail.phone_display == "06-12345678"
    assert detail.form.name == "Jan Jansen"
    assert list(detail.form.treatment_ids) == [desk.treatments["kroon"]]
    assert sorted(detail.form.availability) == ["ma-ochtend", "vr-avond"]
    assert detail.form.preferred_practitioner_id == desk.practitioner_id
    assert (detail.offers_count, detail.last_offer_at, detail.last_claim_at) == (
        2,
        now + timedelta(days=1),
        None,
    )
    assert detail.added_at == now


def test_saving_the_edit_form_unchanged_changes_nothing(
    db: Session, desk: Desk, now: datetime
) -> None:
    """Open, save, done: the displayed phone and every stored value survive a round trip."""
    patient = patients.add(
        db,
        desk.staff,
        entry(desk, availability=["di-ochtend", "do-avond"], note="n", urgency="hoog"),
        now,
        secret=get_settings().secret_key,
    )
    before = row_values(db, patient.id)  # type: ignore[arg-type]
    detail = patients.get(db, desk.staff, patient.id)  # type: ignore[arg-type]
    form = replace(detail.form, phone=detail.phone_display)
    patients.update(db, desk.staff, patient.id, form, now)  # type: ignore[arg-type]
    assert row_values(db, patient.id) == before  # type: ignore[arg-type]


def test_update_changes_fields_treatments_and_audits(
    db: Session, desk: Desk, now: datetime
) -> None:
    patient = patients.add(db, desk.staff, entry(desk), now, secret=get_settings().secret_key)
    later = now + timedelta(hours=2)
    patients.update(
        db,
        desk.owner,
        patient.id,  # type: ignore[arg-type]
        entry(
            desk,
            name="Jan J. Jansen",
            phone="06-87654321",
            treatment_ids=[desk.treatments["extractie"], desk.treatments["overig"]],
            duration_minutes=60,
            availability=["za-middag"],
            urgency="hoog",
            note="nieuw",
        ),
        later,
    )
    db.flush()
    db.expire_all()
    stored = db.get(Patient, patient.id)
    assert stored is not None
    assert (stored.name, stored.phone, stored.duration_minutes) == (
        "Jan J. Jansen",
        "+31687654321",
        60,
    )
    assert stored.availability == patients.cell(5, 1)
    assert (stored.urgency, stored.note, stored.updated_at, stored.added_at) == (
        "hoog",
        "nieuw",
        later,
        now,
    )
    assert stored.consent_at == now  # same consent method: the original moment stays
    links = db.exec(
        select(PatientTreatment.treatment_id).where(PatientTreatment.patient_id == patient.id)
    ).all()
    assert sorted(links) == sorted([desk.treatments["extractie"], desk.treatments["overig"]])
    [event] = audit_rows(db, "patient.updated")
    assert (event.target_id, event.actor_user_id) == (patient.id, desk.owner.user_id)
    assert_no_personal_data(event, "Jansen", "87654321", "nieuw")


def test_changing_the_consent_method_records_when(db: Session, desk: Desk, now: datetime) -> None:
    patient = patients.add(
        db, desk.staff, entry(desk, consent_method="balie"), now, secret=get_settings().secret_key
    )
    later = now + timedelta(days=3)
    patients.update(db, desk.staff, patient.id, entry(desk, consent_method="formulier"), later)  # type: ignore[arg-type]
    db.flush()
    db.expire_all()
    stored = db.get(Patient, patient.id)
    assert stored is not None
    assert (stored.consent_method, stored.consent_at) == ("formulier", later)


def test_update_to_another_patients_number_is_a_duplicate(
    db: Session, desk: Desk, now: datetime
) -> None:
    first = patients.add(
        db, desk.staff, entry(desk, phone="0612345678"), now, secret=get_settings().secret_key
    )
    second = patients.add(
        db,
        desk.staff,
        entry(desk, name="Els", phone="0687654321"),
        now,
        secret=get_settings().secret_key,
    )
    before = row_values(db, second.id), written(db)  # type: ignore[arg-type]
    with pytest.raises(DuplicatePhone) as refused:
        patients.update(
            db,
            desk.staff,
            second.id,  # type: ignore[arg-type]
            entry(desk, name="Els Veranderd", phone="+31 6 12345678"),
            now + timedelta(hours=1),
        )
    assert refused.value.existing_id == first.id
    assert (row_values(db, second.id), written(db)) == before  # type: ignore[arg-type]


def test_update_with_invalid_data_changes_nothing(db: Session, desk: Desk, now: datetime) -> None:
    patient = patients.add(db, desk.staff, entry(desk), now, secret=get_settings().secret_key)
    before = row_values(db, patient.id), written(db)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        patients.update(db, desk.staff, patient.id, entry(desk, name="", treatment_ids=[]), now)  # type: ignore[arg-type]
    assert (row_values(db, patient.id), written(db)) == before  # type: ignore[arg-type]


def test_unknown_patient_id_is_not_found(db: Session, desk: Desk, now: datetime) -> None:
    for call in (
        lambda: patients.get(db, desk.staff, 987654321),
        lambda: patients.update(db, desk.staff, 987654321, entry(desk), now),
        lambda: patients.set_status(db, desk.staff, 987654321, "removed", now),
        lambda: patients.delete_permanently(db, desk.staff, 987654321, now),
    ):
        with pytest.raises(NotFound):
            call()


def test_a_switched_off_treatment_does_not_block_editing_existing_entries(
    db: Session, desk: Desk, now: datetime
) -> None:
    kroon = desk.treatments["kroon"]
    patient = patients.add(
        db, desk.staff, entry(desk, treatment_ids=[kroon]), now, secret=get_settings().secret_key
    )
    practice_settings.update_treatment(
        db, desk.owner, treatment_id=kroon, duration=60, active=False, now=now
    )
    patients.update(
        db,
        desk.staff,
        patient.id,
        entry(desk, treatment_ids=[kroon], note="belt terug"),
        now,  # type: ignore[arg-type]
    )


def test_a_deactivated_practitioner_does_not_block_editing_existing_entries(
    db: Session, desk: Desk, now: datetime
) -> None:
    data = entry(desk, preferred_practitioner_id=desk.practitioner_id)
    patient = patients.add(db, desk.staff, data, now, secret=get_settings().secret_key)
    practice_settings.set_practitioner_active(
        db, desk.owner, practitioner_id=desk.practitioner_id, active=False, now=now
    )
    patients.update(db, desk.staff, patient.id, replace(data, note="belt terug"), now)  # type: ignore[arg-type]


# --- remove (with undo) and permanent delete ----------------------------------------------


def test_remove_and_undo(db: Session, desk: Desk, now: datetime) -> None:
    patient = patients.add(db, desk.staff, entry(desk), now, secret=get_settings().secret_key)
    pid: int = patient.id  # type: ignore[assignment]
    assert patients.count_waiting(db, desk.practice_id) == 1

    patients.set_status(db, desk.staff, pid, "removed", now + timedelta(minutes=1))
    assert patients.count_waiting(db, desk.practice_id) == 0
    assert patients.list_page(db, desk.practice_id, PatientQuery()).total == 0
    removed = patients.list_page(db, desk.practice_id, PatientQuery(status="removed"))
    assert [r.id for r in removed.rows] == [pid]

    patients.set_status(db, desk.staff, pid, "waiting", now + timedelta(minutes=2))
    db.flush()
    db.expire_all()
    stored = db.get(Patient, pid)
    assert stored is not None
    assert (stored.status, stored.updated_at) == ("waiting", now + timedelta(minutes=2))
    assert patients.count_waiting(db, desk.practice_id) == 1
    actions = [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id))]  # type: ignore[arg-type]
    assert actions[-2:] == ["patient.status_removed", "patient.status_waiting"]


def test_unknown_status_is_refused_and_changes_nothing(
    db: Session, desk: Desk, now: datetime
) -> None:
    patient = patients.add(db, desk.staff, entry(desk), now, secret=get_settings().secret_key)
    before = row_values(db, patient.id), written(db)  # type: ignore[arg-type]
    with pytest.raises(DomainError):
        patients.set_status(db, desk.staff, patient.id, "archived", now)  # type: ignore[arg-type]
    assert (row_values(db, patient.id), written(db)) == before  # type: ignore[arg-type]


def test_delete_permanently_removes_row_and_links_and_keeps_an_anonymous_trail(
    db: Session, desk: Desk, now: datetime
) -> None:
    keep = patients.add(
        db,
        desk.staff,
        entry(desk, name="Blijft", phone="0687654321"),
        now,
        secret=get_settings().secret_key,
    )
    gone = patients.add(
        db,
        desk.staff,
        entry(
            desk,
            name="Gerda Verwijderd",
            phone="0611223344",
            treatment_ids=[desk.treatments["controle"], desk.treatments["kroon"]],
        ),
        now,
        secret=get_settings().secret_key,
    )
    gone_id: int = gone.id  # type: ignore[assignment]

    patients.delete_permanently(db, desk.owner, gone_id, now + timedelta(hours=1))

    db.flush()
    db.expire_all()
    assert db.get(Patient, gone_id) is None
    assert db.get(Patient, keep.id) is not None
    links = db.exec(select(PatientTreatment.patient_id)).all()
    assert gone_id not in links and keep.id in links
    [event] = audit_rows(db, "patient.deleted")
    assert (event.target_type, event.target_id, event.practice_id) == (
        "patient",
        gone_id,
        desk.practice_id,
    )
    assert event.actor_user_id == desk.owner.user_id
    assert_no_personal_data(event, "Gerda", "Verwijderd", "11223344", "+31611223344")
    with pytest.raises(NotFound):
        patients.get(db, desk.owner, gone_id)


def test_staff_may_delete_permanently_too(db: Session, desk: Desk, now: datetime) -> None:
    patient = patients.add(db, desk.staff, entry(desk), now, secret=get_settings().secret_key)
    patients.delete_permanently(db, desk.staff, patient.id, now)  # type: ignore[arg-type]
    assert count(db, Patient) == 0


# --- the grid: list_page and count_waiting ------------------------------------------------


def seed(db: Session, desk: Desk, n: int, start: datetime, **overrides: object) -> list[int]:
    """n patients, one minute apart, named `Patiënt 000`… (cheap: no validation queries).

    Numbers continue after the practice's existing patients, so seeding twice never collides."""
    offset = db.exec(
        select(func.count()).select_from(Patient).where(Patient.practice_id == desk.practice_id)
    ).one()
    ids = []
    for i in range(n):
        values: dict[str, object] = {
            "name": f"Patiënt {offset + i:03d}",
            "phone": f"+3169{desk.practice_id % 100:02d}{offset + i:05d}",
            "treatment_ids": (desk.treatments["controle"],),
            "duration_minutes": 30,
            "availability": patients.cell(0, 0),
            "preferred_practitioner_id": None,
            "urgency": "normaal",
            "note": "",
            "consent_method": "balie",
            "status": "waiting",
        }
        values.update(overrides)
        clean = CleanPatient(**values)  # type: ignore[arg-type]
        patient = patients.insert(db, desk.practice_id, clean, start + timedelta(minutes=i))
        ids.append(patient.id)  # type: ignore[arg-type]
    db.flush()
    return ids


def all_ids(db: Session, desk: Desk, query: PatientQuery) -> list[int]:
    """Every row the grid would show for this query, page by page."""
    first = patients.list_page(db, desk.practice_id, replace(query, page=1, page_size=100))
    ids = [r.id for r in first.rows]
    for page in range(2, first.pages + 1):
        more = patients.list_page(db, desk.practice_id, replace(query, page=page, page_size=100))
        ids += [r.id for r in more.rows]
    return ids


@pytest.mark.parametrize(
    ("page_size", "page", "expected_size", "expected_page", "expected_pages", "rows"),
    [
        (25, 1, 25, 1, 3, 25),
        (25, 2, 25, 2, 3, 25),
        (25, 3, 25, 3, 3, 10),
        (50, 2, 50, 2, 2, 10),
        (100, 1, 100, 1, 1, 60),
        (30, 1, 25, 1, 3, 25),  # not offered: falls back to 25
        (0, 1, 25, 1, 3, 25),
        (-50, 1, 25, 1, 3, 25),
        (25, 99, 25, 3, 3, 10),  # beyond the end: the last page
        (25, 0, 25, 1, 3, 25),
        (25, -4, 25, 1, 3, 25),
    ],
)
def test_paging(
    db: Session,
    desk: Desk,
    now: datetime,
    page_size: int,
    page: int,
    expected_size: int,
    expected_page: int,
    expected_pages: int,
    rows: int,
) -> None:
    ids = seed(db, desk, 60, now)
    result = patients.list_page(db, desk.practice_id, PatientQuery(page=page, page_size=page_size))
    assert (result.total, result.page, result.pages, len(result.rows)) == (
        60,
        expected_page,
        expected_pages,
        rows,
    )
    start = (expected_page - 1) * expected_size
    assert [r.id for r in result.rows] == ids[start : start + rows]


def test_pages_cover_every_patient_exactly_once(db: Session, desk: Desk, now: datetime) -> None:
    ids = seed(db, desk, 60, now)
    seen: list[int] = []
    for page in (1, 2, 3):
        seen += [
            r.id for r in patients.list_page(db, desk.practice_id, PatientQuery(page=page)).rows
        ]
    assert seen == ids


def test_empty_waitlist_is_one_empty_page(db: Session, desk: Desk) -> None:
    result = patients.list_page(db, desk.practice_id, PatientQuery(page=3))
    assert (result.rows, result.total, result.page, result.pages) == ([], 0, 1, 1)
    assert patients.count_waiting(db, desk.practice_id) == 0


def test_a_row_shows_what_the_grid_needs(db: Session, desk: Desk, now: datetime) -> None:
    patient = patients.add(
        db,
        desk.staff,
        entry(
            desk,
            treatment_ids=[desk.treatments["vulling"], desk.treatments["controle"]],
            availability=["ma-ochtend", "ma-middag", "ma-avond", "wo-avond"],
            urgency="hoog",
            duration_minutes=45,
        ),
        now,
        secret=get_settings().secret_key,
    )
    patient.offers_count, patient.last_offer_at = (
        1,
        datetime.fromisoformat("2026-11-30T23:30:00+00:00"),
    )
    db.add(patient)
    db.flush()
    [row] = patients.list_page(db, desk.practice_id, PatientQuery()).rows
    assert row.id == patient.id
    assert (row.name, row.phone, row.treatments) == (
        "Jan Jansen",
        "06-12345678",
        "controle, vulling",
    )
    assert (row.duration_minutes, row.urgency, row.status, row.offers_count) == (
        45,
        "hoog",
        "waiting",
        1,
    )
    assert row.added_on == f"{timeplan.local_day(now):%d-%m-%Y}"  # the Amsterdam date
    assert row.last_offer_on == "01-12-2026"  # Amsterdam date, not the UTC one
    assert row.availability == "ma hele dag · wo avond"


def _sorted_ids(db: Session, desk: Desk, sort: str, descending: bool) -> list[int]:
    return all_ids(db, desk, PatientQuery(sort=sort, descending=descending, status=""))


def test_sort_by_name_is_case_insensitive_with_id_tiebreak(
    db: Session, desk: Desk, now: datetime
) -> None:
    cees, anna_u, bram_l, bram_u, anna_l = (
        seed(db, desk, 1, now + timedelta(hours=i), name=name)[0]
        for i, name in enumerate(["cees", "Anna", "bram", "Bram", "anna"])
    )
    assert _sorted_ids(db, desk, "name", False) == [anna_u, anna_l, bram_l, bram_u, cees]
    assert _sorted_ids(db, desk, "name", True) == [cees, bram_u, bram_l, anna_l, anna_u]


def test_sort_by_added(db: Session, desk: Desk, now: datetime) -> None:
    early = seed(db, desk, 1, now, name="Eerder")
    same = seed(db, desk, 1, now, name="Tegelijk")  # ties `early`: the id decides
    late = seed(db, desk, 2, now + timedelta(days=1), name="Later")
    assert _sorted_ids(db, desk, "added", False) == [*early, *same, *late]
    assert _sorted_ids(db, desk, "added", True) == [*reversed(late), *same, *early]


def test_sort_by_urgency_puts_hoog_first_and_keeps_ties_stable(
    db: Session, desk: Desk, now: datetime
) -> None:
    normaal = seed(db, desk, 3, now, urgency="normaal")
    hoog = seed(db, desk, 2, now + timedelta(hours=1), urgency="hoog", name="Spoed")
    assert _sorted_ids(db, desk, "urgency", False) == [*hoog, *normaal]
    assert _sorted_ids(db, desk, "urgency", True) == [*reversed(normaal), *reversed(hoog)]


def _offered(db: Session, ids: list[int], moments: list[datetime | None]) -> None:
    for pid, moment in zip(ids, moments, strict=True):
        patient = db.get(Patient, pid)
        assert patient is not None
        patient.last_offer_at = moment
        db.add(patient)
    db.flush()


def test_sort_by_last_offer(db: Session, desk: Desk, now: datetime) -> None:
    a, b, c, d = seed(db, desk, 4, now)
    _offered(db, [a, b, c, d], [now + timedelta(days=3), now, now + timedelta(days=1), now])
    assert _sorted_ids(db, desk, "last_offer", False) == [b, d, c, a]
    assert _sorted_ids(db, desk, "last_offer", True) == [a, c, d, b]


def test_never_offered_patients_sort_last_in_both_directions(
    db: Session, desk: Desk, now: datetime
) -> None:
    never, offered_late, offered_early = seed(db, desk, 3, now)
    _offered(db, [never, offered_late, offered_early], [None, now + timedelta(days=2), now])
    assert _sorted_ids(db, desk, "last_offer", False) == [offered_early, offered_late, never]
    assert _sorted_ids(db, desk, "last_offer", True) == [offered_late, offered_early, never]


def test_unknown_sort_falls_back_to_added(db: Session, desk: Desk, now: datetime) -> None:
    ids = seed(db, desk, 3, now)
    assert _sorted_ids(db, desk, "phone; drop table patient", False) == ids


@pytest.fixture
def people(db: Session, desk: Desk, now: datetime) -> dict[str, int]:
    """A small waitlist with names and numbers that search must tell apart."""
    t = desk.treatments
    rows = {
        "jan": entry(desk, name="Jan Jansen", phone="06-12345678"),
        "marieke": entry(
            desk,
            name="Marieke de Vries",
            phone="06-87654321",
            treatment_ids=[t["vulling"]],
            urgency="hoog",
            availability=["wo-avond"],
        ),
        "anne": entry(
            desk,
            name="Anne_Marie 100%",
            phone="+49 151 12345678",
            treatment_ids=[t["kroon"], t["controle"]],
            availability=["za-middag", "ma-avond"],
        ),
        "sjaak": entry(
            desk,
            name="Sjaak Zonder",
            phone="0611223355",
            treatment_ids=[t["vulling"]],
            urgency="hoog",
            availability=["di-ochtend"],
            status="removed",
        ),
    }
    return {
        key: patients.add(
            db, desk.staff, data, now + timedelta(minutes=i), secret=get_settings().secret_key
        ).id  # type: ignore[misc]
        for i, (key, data) in enumerate(rows.items())
    }


def found(db: Session, desk: Desk, people: dict[str, int], **query: object) -> set[str]:
    """Which of `people` a grid query shows (all pages), by their short key."""
    by_id = {v: k for k, v in people.items()}
    ids = all_ids(db, desk, PatientQuery(**query))  # type: ignore[arg-type]
    assert len(ids) == len(set(ids))
    return {by_id[i] for i in ids}


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("jansen", {"jan"}),
        ("JAN", {"jan"}),
        ("  vries ", {"marieke"}),
        ("mArIe", {"marieke", "anne"}),
        ("e_M", {"anne"}),
        ("e%M", set()),
        ("%", {"anne"}),
        ("_", {"anne"}),
        ("0%", {"anne"}),
        ("niemand", set()),
        ("", {"jan", "marieke", "anne"}),
    ],
)
def test_search_by_name_fragment(
    db: Session, desk: Desk, people: dict[str, int], search: str, expected: set[str]
) -> None:
    """Case-insensitive, and `%`/`_` are the characters themselves, not wildcards."""
    assert found(db, desk, people, search=search) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("1234", {"jan", "anne"}),
        ("06-1234", {"jan"}),
        ("06 1234", {"jan"}),
        ("+31 6 1234", {"jan"}),
        ("0031 6 1234", {"jan"}),
        ("06-12345678", {"jan"}),
        ("+31612345678", {"jan"}),
        ("(06) 87 65", {"marieke"}),
        ("8765", {"marieke"}),
        ("+49 151", {"anne"}),
        ("0049151", {"anne"}),
        ("+31 6", {"jan", "marieke"}),
        ("06", set()),  # too short to mean a number; no name contains it
    ],
)
def test_search_by_phone_fragment_in_any_spelling(
    db: Session, desk: Desk, people: dict[str, int], search: str, expected: set[str]
) -> None:
    assert found(db, desk, people, search=search) == expected


def test_search_by_a_tail_fragment_that_starts_with_zero(
    db: Session, desk: Desk, now: datetime
) -> None:
    patient = patients.add(
        db, desk.staff, entry(desk, phone="06-12340567"), now, secret=get_settings().secret_key
    )
    result = patients.list_page(db, desk.practice_id, PatientQuery(search="0567"))
    assert [r.id for r in result.rows] == [patient.id]


def test_removed_patient_is_found_when_status_filter_allows(
    db: Session, desk: Desk, people: dict[str, int]
) -> None:
    assert found(db, desk, people, search="0611223355") == set()
    assert found(db, desk, people, search="06-11223355", status="") == {"sjaak"}


def test_filters(db: Session, desk: Desk, people: dict[str, int]) -> None:
    t = desk.treatments
    assert found(db, desk, people, treatment_id=t["vulling"]) == {"marieke"}
    assert found(db, desk, people, treatment_id=t["vulling"], status="") == {"marieke", "sjaak"}
    assert found(db, desk, people, treatment_id=t["controle"]) == {"jan", "anne"}
    assert found(db, desk, people, treatment_id=t["extractie"]) == set()
    assert found(db, desk, people, urgency="hoog") == {"marieke"}
    assert found(db, desk, people, urgency="normaal") == {"jan", "anne"}
    assert found(db, desk, people, status="removed") == {"sjaak"}
    assert found(db, desk, people, status="booked") == set()
    assert found(db, desk, people, status="") == {"jan", "marieke", "anne", "sjaak"}
    assert found(db, desk, people) == {"jan", "marieke", "anne"}  # default: waiting


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (0, {"jan", "anne"}),  # ma: jan ochtend, anne avond
        (1, {"sjaak"}),
        (2, {"marieke"}),
        (3, set()),
        (4, set()),
        (5, {"anne"}),
        (None, {"jan", "marieke", "anne", "sjaak"}),
    ],
)
def test_day_filter_uses_the_availability_bits(
    db: Session, desk: Desk, people: dict[str, int], day: int | None, expected: set[str]
) -> None:
    assert found(db, desk, people, day=day, status="") == expected


def test_filters_combine(db: Session, desk: Desk, people: dict[str, int]) -> None:
    t = desk.treatments
    assert found(db, desk, people, treatment_id=t["controle"], day=5) == {"anne"}
    assert found(db, desk, people, urgency="hoog", day=2, search="vries") == {"marieke"}
    assert found(db, desk, people, urgency="hoog", day=0) == set()


def test_filtered_total_counts_all_pages(db: Session, desk: Desk, now: datetime) -> None:
    seed(db, desk, 30, now, urgency="hoog")
    seed(db, desk, 40, now, urgency="normaal", name="Ander")
    result = patients.list_page(db, desk.practice_id, PatientQuery(urgency="hoog"))
    assert (result.total, result.pages, len(result.rows)) == (30, 2, 25)


def test_grid_shows_only_this_practices_patients(
    db: Session, desk: Desk, other: Desk, now: datetime
) -> None:
    ours = seed(db, desk, 3, now)
    seed(db, other, 5, now)
    result = patients.list_page(db, desk.practice_id, PatientQuery(page_size=100))
    assert result.total == 3
    assert [r.id for r in result.rows] == ours
    assert patients.count_waiting(db, desk.practice_id) == 3
    assert patients.count_waiting(db, other.practice_id) == 5


def test_count_waiting_counts_only_waiting(db: Session, desk: Desk, now: datetime) -> None:
    seed(db, desk, 4, now)
    seed(db, desk, 2, now, status="removed", name="Weg")
    seed(db, desk, 1, now, status="booked", name="Geboekt")
    assert patients.count_waiting(db, desk.practice_id) == 4


def test_availability_cells_are_eighteen_distinct_bits() -> None:
    """Six days × three parts; the day filter relies on each day owning three bits."""
    assert len(patients.CELLS) == 18
    assert len(set(patients.CELLS.values())) == 18
    assert patients.ALL_CELLS == (1 << 18) - 1
    for day in range(6):
        assert patients.day_mask(day) == sum(patients.cell(day, p) for p in range(3))
