"""Demo data for `make run`: one practice, its owner and a small waitlist — only in dev, only
on an empty database — so a newcomer can open a slot and watch it fill straight away."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from pakjeplekje import clock
from pakjeplekje.config import get_settings
from pakjeplekje.domain import phones
from pakjeplekje.domain.accounts import auth, email_confirmation, practice_settings
from pakjeplekje.domain.offers import add_offers
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Practice, Slot, Treatment

DEMO_PRACTICE = "Tandartspraktijk De Molen"
DEMO_EMAIL = "eigenaar@demo.pakjeplekje.nl"
DEMO_OWNER = "Sanne de Vries"
DEMO_ADDRESS = "Molenstraat 1, 1234 AB Molendam"  # fictitious, like the patients below
DEMO_PHONE = "020-1234567"
DEMO_PATIENTS = (  # fictitious people and numbers; texts only reach the console at /dev/sms
    ("Anna Jansen", "controle"),
    ("Bram de Boer", "controle"),
    ("Cor Visser", "vulling"),
    ("Daan Smit", "gebitsreiniging"),
    ("Eva Mulder", "controle"),
    ("Fleur Bos", "kroon"),
    ("Gijs Meijer", "controle"),
    ("Hanna de Groot", "overig"),
    ("Ivo Dekker", "controle"),
    ("Julia Peters", "vulling"),
)


def seed_demo(db: Session) -> str | None:
    """Returns the generated password when it created the demo, None when data already exists."""
    if get_settings().is_prod:
        raise RuntimeError("Demo-data wordt nooit in productie aangemaakt.")
    if db.exec(select(Practice.id)).first() is not None:
        return None
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    now = clock.now()
    owner = auth.sign_up(
        db,
        practice_name=DEMO_PRACTICE,
        name=DEMO_OWNER,
        email=DEMO_EMAIL,
        password=password,
        now=now,
    )
    email_confirmation.mark_confirmed(db, owner.practice_id, now)  # a made-up address
    practice = db.get(Practice, owner.practice_id)
    assert practice is not None
    practice.address = practice_settings.clean_address(DEMO_ADDRESS)  # the claim page shows
    practice.phone = phones.parse_practice_phone(DEMO_PHONE)  # them: patients go and call
    db.add(practice)
    treatments = dict(
        db.exec(
            select(Treatment.name, Treatment.id).where(Treatment.practice_id == owner.practice_id)
        ).all()
    )
    patients.insert_many(
        db,
        owner.practice_id,
        [
            waiting_patient(name, f"+3161000{i:04d}", treatments[treatment])
            for i, (name, treatment) in enumerate(DEMO_PATIENTS)
        ],
        now,
    )
    return password


def waiting_patient(name: str, phone: str, treatment_id: int) -> patients.CleanPatient:
    """A consenting entry, available all week, that fits any 30-minute slot of the treatment:
    for demo data, the benches and the tests."""
    return patients.CleanPatient(
        name=name,
        phone=phone,
        treatment_ids=(treatment_id,),
        duration_minutes=30,
        availability=patients.ALL_CELLS,
        preferred_practitioner_id=None,
        urgency="normaal",
        note="",
        consent_method="balie",
        status="waiting",
    )


@dataclass(frozen=True)
class OfferedSlot:
    slot_id: int
    tokens: list[str]  # the raw claim token of each offer, as the texts would carry them
    patient_ids: list[int]


def offered_slot(
    db: Session,
    practice_id: int,
    count: int,
    now: datetime,
    *,
    starts_at: datetime,
    name: str = "Patiënt",
    first_phone: int = 50_000_000,
) -> OfferedSlot:
    """An open 30-minute slot at `starts_at` offered to `count` new waiting patients of the
    practice, numbers +316<first_phone + i>: the set-up of the claim tests and the claim-storm
    bench. The caller picks the start: "now + 1 day" is a Sunday night for a run that starts on
    Saturday night, when nobody matches and no wave goes out."""
    if db.exec(select(Treatment.id).where(Treatment.practice_id == practice_id)).first() is None:
        practice_settings.create_default_treatments(db, practice_id)
        db.flush()
    treatment = db.exec(
        select(Treatment.id).where(Treatment.practice_id == practice_id).order_by(col(Treatment.id))
    ).first()
    assert treatment is not None
    people = patients.insert_many(
        db,
        practice_id,
        [
            waiting_patient(f"{name} {i}", f"+316{first_phone + i:08d}", treatment)
            for i in range(count)
        ],
        now,
    )
    slot = Slot(
        practice_id=practice_id,
        starts_at=starts_at,
        duration_minutes=30,
        treatment_id=treatment,
        created_at=now,
    )
    db.add(slot)
    db.flush()
    assert slot.id is not None
    offers = add_offers(db, slot, [p.id for p in people], wave=1, now=now)
    tokens = [raw for _, raw in offers]
    return OfferedSlot(slot.id, tokens, [p.id for p in people])
