"""A practice's first steps: what has to happen before the waitlist can fill a slot.

The dashboard shows these as a checklist until every step is done, and leaves "Plek
vrijgeven" in the background while nobody is on the waitlist (a slot released to an empty
waitlist texts no one). A step is done by what the practice did, read from its own rows:

1. patients: at least one patient was added to the waitlist (by hand or by CSV import);
2. settings: the owner saved the SMS rules once, sender name included, on the page that also
   lists the treatments (`Practice.settings_checked_at`, set by `update_outreach`);
3. first slot: the practice released at least one slot.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from pakjeplekje.models import Patient, Practice, Slot

PATIENTS, SETTINGS, FIRST_SLOT = "patients", "settings", "first_slot"


@dataclass(frozen=True)
class FirstSteps:
    patients: bool
    settings: bool
    first_slot: bool

    @property
    def all_done(self) -> bool:
        return self.patients and self.settings and self.first_slot

    @property
    def done(self) -> dict[str, bool]:
        """Step key → done, in the order a practice takes them."""
        return {PATIENTS: self.patients, SETTINGS: self.settings, FIRST_SLOT: self.first_slot}

    @property
    def next_step(self) -> str | None:
        """The first step not done yet: the page's call to action."""
        return next((key for key, done in self.done.items() if not done), None)


def first_steps(db: Session, practice_id: int) -> FirstSteps:
    """Three indexed existence checks on this practice's own rows."""
    practice = db.get(Practice, practice_id)
    assert practice is not None
    has_patient = db.exec(select(Patient.id).where(Patient.practice_id == practice_id)).first()
    has_slot = db.exec(select(Slot.id).where(Slot.practice_id == practice_id)).first()
    return FirstSteps(
        patients=has_patient is not None,
        settings=practice.settings_checked_at is not None,
        first_slot=has_slot is not None,
    )
