"""The preferences link `/voorkeuren/<token>` through HTTP: reached from every offer's page,
only by a link we signed, only ever the one entry it names, and every change — availability,
a pause, leaving — persists while bad input changes nothing."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.adapters import live_bus
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import matching, preferences
from pakjeplekje.domain.waitlist import patients, preference_links
from pakjeplekje.domain.waitlist.patients import CELLS, cell
from pakjeplekje.models import AuditEvent, Offer, Patient, Slot
from pakjeplekje.services import claiming, declining
from pakjeplekje.services.demo import OfferedSlot, offered_slot
from pakjeplekje.web import claim as web_claim
from pakjeplekje.web import preferences as web_preferences
from tests import timeplan
from tests.conftest import AppEnv, Factory

LINK = re.compile(r'id="voorkeuren" href="(/c/[^"]+/voorkeuren)"')


@pytest.fixture
def client(app_env: AppEnv) -> TestClient:
    return TestClient(Starlette(routes=[*web_claim.routes(), *web_preferences.routes()]))


def make_slot(factory: Factory, name: str, offers: int, first_phone: int) -> OfferedSlot:
    now = clock.now()
    with session_scope() as db:
        practice = factory.practice(db, f"Tandartspraktijk {name}")
        return offered_slot(
            db,
            practice.id,  # type: ignore[arg-type]  # stored rows have an id
            offers,
            now,
            starts_at=timeplan.weekday_at(now),
            name=f"Patiënt {name}",
            first_phone=first_phone,
        )


def link_on_claim_page(client: TestClient, claim_token: str) -> str:
    page = client.get(f"/c/{claim_token}")
    assert page.status_code == 200
    found = LINK.search(page.text)
    assert found, "the claim page shows no preferences link"
    assert "Uw voorkeuren aanpassen of pauzeren" in page.text
    hop = client.get(found[1], follow_redirects=False)
    assert hop.status_code == 303 and hop.headers["cache-control"] == "no-store"
    location = hop.headers["location"]
    assert location.startswith("/voorkeuren/")
    return location


def patient(patient_id: int) -> Patient:
    with session_scope() as db:
        row = db.get(Patient, patient_id)
        assert row is not None
        db.expunge(row)
        return row


def snapshot(patient_id: int) -> dict[str, Any]:
    return patient(patient_id).model_dump()


def audit_actions(patient_id: int) -> list[tuple[str, str | None]]:
    with session_scope() as db:
        rows = db.exec(
            select(AuditEvent)
            .where(AuditEvent.target_type == "patient", AuditEvent.target_id == patient_id)
            .order_by(col(AuditEvent.id))
        ).all()
        return [(r.action, r.detail) for r in rows]


def matched(patient_id: int, practice_id: int, now: datetime) -> bool:
    """Whether matching would offer this patient a fresh weekday-morning slot now."""
    shape = matching.SlotShape(
        practice_id=practice_id,
        starts_at=timeplan.weekday_at(now),
        duration_minutes=30,
        treatment_id=None,
        practitioner_id=None,
    )
    with session_scope() as db:
        return patient_id in [m.patient_id for m in matching.ranked(db, shape, now, 1000)]


@dataclass
class One:
    """One practice, one patient with an offer, and the preferences link from its claim page."""

    setup: OfferedSlot
    link: str
    practice_id: int

    @property
    def patient_id(self) -> int:
        return self.setup.patient_ids[0]


@pytest.fixture
def one(client: TestClient, factory: Factory) -> One:
    setup = make_slot(factory, "Alfa", 1, 11_000_000)
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None
        practice_id = slot.practice_id
    return One(setup, link_on_claim_page(client, setup.tokens[0]), practice_id)


# --- reaching the page ---------------------------------------------------------------------


def test_every_state_of_the_claim_page_links_to_the_patients_own_preferences(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Alfa", 4, 12_000_000)
    links = {"open": link_on_claim_page(client, setup.tokens[0])}
    declining.decline_by_link(setup.tokens[1])
    links["declined"] = link_on_claim_page(client, setup.tokens[1])
    assert claiming.claim_by_link(setup.tokens[2], "api", "10.0.0.1").result == "claimed"
    links["claimed"] = link_on_claim_page(client, setup.tokens[2])
    links["taken"] = link_on_claim_page(client, setup.tokens[3])
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None
        slot.status = "expired"
        db.add(slot)
    links["expired"] = link_on_claim_page(client, setup.tokens[0])
    assert links["open"] == links["expired"]  # one link per patient, the same every time
    owners = {state: client.get(link).text for state, link in links.items()}
    for state, index in (("open", 0), ("declined", 1), ("claimed", 2), ("taken", 3)):
        assert f"Patiënt Alfa {index}" in owners[state], state
        others = {f"Patiënt Alfa {i}" for i in range(4)} - {f"Patiënt Alfa {index}"}
        assert not any(other in owners[state] for other in others), state
    assert "afgemeld" not in owners["claimed"]
    assert "afspraak gekregen" in owners["claimed"]  # booked: still may change or leave


def test_an_unknown_claim_link_leads_to_no_preferences(client: TestClient, one: One) -> None:
    for token in ("niet-bestaand", one.setup.tokens[0][:-1], "x" * 300):
        answer = client.get(f"/c/{token}/voorkeuren", follow_redirects=False)
        assert answer.status_code == 404, token


def test_the_page_shows_what_the_practice_holds_and_the_privacy_policy(
    client: TestClient, one: One
) -> None:
    page = client.get(one.link)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Tandartspraktijk Alfa" in page.text and "Patiënt Alfa 0" in page.text
    assert 'href="/privacybeleid"' in page.text
    assert "U staat op de wachtlijst" in page.text
    checked = re.findall(r'value="([a-z]+-[a-z]+)" id="[^"]+" checked', page.text)
    holder = patient(one.patient_id)
    assert {CELLS[k] for k in checked} == {b for b in CELLS.values() if holder.availability & b}


def _tampered(link: str) -> list[str]:
    token = link.removeprefix("/voorkeuren/")
    version, practice_id, patient_id, binding, signature = token.split(".")
    flip = "A" if signature[0] != "A" else "B"
    return [
        f"{version}.{practice_id}.{patient_id}.{binding}.{flip}{signature[1:]}",
        f"{version}.{practice_id}.{int(patient_id) + 1}.{binding}.{signature}",
        f"{version}.{int(practice_id) + 1}.{patient_id}.{binding}.{signature}",
        f"2.{practice_id}.{patient_id}.{binding}.{signature}",
        f"{version}.{practice_id}.{patient_id}.{binding[::-1]}.{signature}",
        f"{token}x",
        f"{token}%0A",
        token[:-1],
        "1.1.1.AAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "niet-bestaand",
        "x" * 500,
    ]


def test_a_tampered_or_forged_link_is_a_plain_404_and_changes_nothing(
    client: TestClient, factory: Factory, one: One
) -> None:
    neighbour = make_slot(factory, "Alfa2", 1, 13_000_000)  # another id in the same id space
    before = {pid: snapshot(pid) for pid in (one.patient_id, neighbour.patient_ids[0])}
    for token in _tampered(one.link):
        assert client.get(f"/voorkeuren/{token}").status_code == 404, token
        for form in (
            {"actie": "afmelden"},
            {"actie": "pauzeren", "weken": "4"},
            {"actie": "beschikbaarheid", "dagdeel": "ma-avond"},
        ):
            answer = client.post(f"/voorkeuren/{token}", data=form)
            assert answer.status_code == 404, (token, form)
            assert "Deze link bestaat niet" in answer.text
    assert {pid: snapshot(pid) for pid in before} == before


def test_a_link_of_practice_a_never_reaches_practice_b(
    client: TestClient, factory: Factory, app_env: AppEnv
) -> None:
    """Two practices with the same id space: swapping ids in A's link, or even a correctly
    signed link naming A's practice with B's patient id, never reads or changes B's entry."""
    a = make_slot(factory, "Alfa", 1, 14_000_000)
    b = make_slot(factory, "Bravo", 1, 15_000_000)
    link_a = link_on_claim_page(client, a.tokens[0])
    link_b = link_on_claim_page(client, b.tokens[0])
    _, pa, patient_a, binding_a, sig_a = link_a.removeprefix("/voorkeuren/").split(".")
    _, pb, patient_b, _, _ = link_b.removeprefix("/voorkeuren/").split(".")
    assert pa != pb
    b_before = snapshot(b.patient_ids[0])
    for token in (
        f"1.{pb}.{patient_b}.{binding_a}.{sig_a}",
        f"1.{pa}.{patient_b}.{binding_a}.{sig_a}",
        f"1.{pb}.{patient_a}.{binding_a}.{sig_a}",
    ):
        assert client.post(f"/voorkeuren/{token}", data={"actie": "afmelden"}).status_code == 404
    # Even a genuinely signed pair (A's practice, B's patient) finds no row: the lookup
    # filters on both ids.
    secret = get_settings().secret_key
    crossed = preference_links.sign(
        secret, int(pa), int(patient_b), patient(b.patient_ids[0]).added_at, "+31600000000"
    )
    answer = client.post(f"/voorkeuren/{crossed}", data={"actie": "afmelden"})
    assert answer.status_code == 410 and "Patiënt Bravo" not in answer.text
    assert snapshot(b.patient_ids[0]) == b_before
    # A's own link works and touches A only.
    assert client.post(link_a, data={"actie": "afmelden"}).status_code == 200
    assert patient(a.patient_ids[0]).opted_out_at is not None
    assert snapshot(b.patient_ids[0]) == b_before
    assert "Patiënt Bravo" not in client.get(link_a).text


def test_a_deleted_entry_or_a_corrected_number_leaves_the_old_link_kindly_dead(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Alfa", 2, 16_000_000)
    first = link_on_claim_page(client, setup.tokens[0])
    second = link_on_claim_page(client, setup.tokens[1])
    with session_scope() as db:
        row = db.get(Patient, setup.patient_ids[0])
        assert row is not None
        db.delete(row)
        other = db.get(Patient, setup.patient_ids[1])
        assert other is not None
        other.phone = "+31619999999"  # staff corrected the number: the texts went elsewhere
        db.add(other)
    for link in (first, second):
        page = client.get(link)
        assert page.status_code == 410
        assert "Deze link werkt niet meer" in page.text and "Patiënt Alfa" not in page.text
        assert client.post(link, data={"actie": "afmelden"}).status_code == 410
    assert patient(setup.patient_ids[1]).opted_out_at is None


# --- changing availability ------------------------------------------------------------------


def test_availability_is_saved_and_audited(client: TestClient, one: One) -> None:
    answer = client.post(
        one.link, data={"actie": "beschikbaarheid", "dagdeel": ["ma-avond", "za-ochtend"]}
    )
    assert answer.status_code == 200
    assert "Opgeslagen" in answer.text
    assert patient(one.patient_id).availability == cell(0, 2) | cell(5, 0)
    assert re.search(r'value="ma-avond" id="ma-avond" checked', answer.text)
    assert not re.search(r'value="ma-ochtend" id="ma-ochtend" checked', answer.text)
    assert audit_actions(one.patient_id) == [("patient.availability_changed", "voorkeurenpagina")]


BAD_FORMS: list[tuple[str, dict[str, Any], str]] = [
    ("no cell", {"actie": "beschikbaarheid"}, "Kies minstens één dagdeel"),
    ("empty cell", {"actie": "beschikbaarheid", "dagdeel": ""}, "Er ging iets mis"),
    ("unknown cell", {"actie": "beschikbaarheid", "dagdeel": "zo-nacht"}, "Er ging iets mis"),
    ("weeks 0", {"actie": "pauzeren", "weken": "0"}, "1, 2, 3 of 4"),
    ("weeks 5", {"actie": "pauzeren", "weken": "5"}, "1, 2, 3 of 4"),
    ("weeks abc", {"actie": "pauzeren", "weken": "abc"}, "1, 2, 3 of 4"),
    ("weeks -1", {"actie": "pauzeren", "weken": "-1"}, "1, 2, 3 of 4"),
    ("weeks 1.5", {"actie": "pauzeren", "weken": "1.5"}, "1, 2, 3 of 4"),
    ("weeks huge", {"actie": "pauzeren", "weken": "9" * 400}, "1, 2, 3 of 4"),
    ("weeks missing", {"actie": "pauzeren"}, "1, 2, 3 of 4"),
    ("no pause to end", {"actie": "pauze-beeindigen"}, "niet op pauze"),
    ("no action", {"weken": "2"}, "Er ging iets mis met het formulier"),
    ("unknown action", {"actie": "verwijderen"}, "Er ging iets mis met het formulier"),
    ("empty body", {}, "Er ging iets mis met het formulier"),
]


@pytest.mark.parametrize(("case", "form", "message"), BAD_FORMS, ids=[c[0] for c in BAD_FORMS])
def test_bad_input_says_why_in_dutch_and_changes_nothing(
    client: TestClient, one: One, case: str, form: dict[str, Any], message: str
) -> None:
    before = snapshot(one.patient_id)
    answer = client.post(one.link, data=form)
    assert answer.status_code == 400, case
    assert message in answer.text, case
    assert 'role="alert"' in answer.text
    assert snapshot(one.patient_id) == before
    assert audit_actions(one.patient_id) == []


def test_huge_and_foreign_bodies_are_refused_without_a_change(client: TestClient, one: One) -> None:
    before = snapshot(one.patient_id)
    huge = "actie=afmelden&" + "dagdeel=ma-ochtend&" * 2_000
    big = client.post(
        one.link, content=huge, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert big.status_code == 413 and "te groot" in big.text
    chunked = client.post(
        one.link,
        content=iter([huge.encode()]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert chunked.status_code == 413
    as_json = client.post(one.link, json={"actie": "afmelden"})
    assert as_json.status_code == 400 and "Er ging iets mis" in as_json.text
    as_multipart = client.post(one.link, files={"actie": ("a", b"afmelden")})
    assert as_multipart.status_code == 400
    cross_site = client.post(
        one.link, data={"actie": "afmelden"}, headers={"sec-fetch-site": "cross-site"}
    )
    assert cross_site.status_code == 403
    assert snapshot(one.patient_id) == before
    assert audit_actions(one.patient_id) == []


# --- pausing -----------------------------------------------------------------------------


def test_a_pause_skips_the_patient_until_the_day_it_ends_then_matches_again(
    client: TestClient, one: One, frozen_clock: time_machine.Coordinates
) -> None:
    now = clock.now()
    assert matched(one.patient_id, one.practice_id, now)
    answer = client.post(one.link, data={"actie": "pauzeren", "weken": "2"})
    assert answer.status_code == 200
    end_day = timeplan.local_day(now) + timedelta(weeks=2)
    until = timeplan.at_local(end_day, 0, 0)
    assert patient(one.patient_id).paused_until == until
    shown = preferences.day_text(until, "Europe/Amsterdam")
    assert f"Gepauzeerd tot {shown}" in answer.text
    assert 'id="pauze-beeindigen"' in answer.text
    assert audit_actions(one.patient_id) == [("patient.paused", "2 weken")]
    assert not matched(one.patient_id, one.practice_id, clock.now())
    frozen_clock.move_to(until - timedelta(minutes=1))
    assert not matched(one.patient_id, one.practice_id, clock.now())
    assert "Gepauzeerd tot" in client.get(one.link).text
    frozen_clock.move_to(until)
    assert matched(one.patient_id, one.practice_id, clock.now())
    page = client.get(one.link).text
    assert "Gepauzeerd tot" not in page and 'id="pauzeren"' in page


def test_staff_see_the_pause_on_the_waitlist_until_it_ends(
    client: TestClient, one: One, frozen_clock: time_machine.Coordinates
) -> None:
    client.post(one.link, data={"actie": "pauzeren", "weken": "1"})
    until = patient(one.patient_id).paused_until
    assert until is not None

    def flag() -> str:
        with session_scope() as db:
            rows = patients.list_page(db, one.practice_id, patients.PatientQuery()).rows
        return next(r.sms_problem for r in rows if r.id == one.patient_id)

    assert flag() == f"Gepauzeerd tot {timeplan.local(until):%d-%m-%Y}"
    frozen_clock.move_to(until)
    assert flag() == ""


@pytest.mark.parametrize("weeks", [1, 2, 3, 4])
def test_each_pause_length_ends_on_midnight_weeks_later(
    client: TestClient, one: One, weeks: int
) -> None:
    assert client.post(one.link, data={"actie": "pauzeren", "weken": str(weeks)}).is_success
    until = patient(one.patient_id).paused_until
    assert until is not None
    local = timeplan.local(until)
    assert (local.hour, local.minute) == (0, 0)
    assert local.date() == timeplan.local_day(clock.now()) + timedelta(weeks=weeks)


def test_ending_a_pause_makes_the_patient_matchable_at_once(client: TestClient, one: One) -> None:
    client.post(one.link, data={"actie": "pauzeren", "weken": "4"})
    assert not matched(one.patient_id, one.practice_id, clock.now())
    answer = client.post(one.link, data={"actie": "pauze-beeindigen"})
    assert answer.status_code == 200 and "De pauze is beëindigd" in answer.text
    assert patient(one.patient_id).paused_until is None
    assert matched(one.patient_id, one.practice_id, clock.now())
    assert [a for a, _ in audit_actions(one.patient_id)] == [
        "patient.paused",
        "patient.pause_ended",
    ]


# --- leaving -----------------------------------------------------------------------------


def test_leaving_asks_first_then_opts_out_like_stop_and_is_never_texted_again(
    client: TestClient, one: One
) -> None:
    question = client.get(f"{one.link}?stap=afmelden")
    assert "Weet u zeker dat u van de wachtlijst af wilt?" in question.text
    assert patient(one.patient_id).opted_out_at is None  # asking changes nothing
    answer = client.post(one.link, data={"actie": "afmelden"})
    assert answer.status_code == 200
    assert "Gelukt: u bent van de wachtlijst af." in answer.text
    assert "U bent afgemeld" in answer.text
    assert 'name="actie"' not in answer.text  # nothing left to change here
    assert patient(one.patient_id).opted_out_at is not None
    assert audit_actions(one.patient_id) == [("patient.opted_out", "voorkeurenpagina")]
    # the same rule as STOP: matching skips the entry, for every later slot
    assert not matched(one.patient_id, one.practice_id, clock.now())
    later = clock.now() + timedelta(days=30)
    assert not matched(one.patient_id, one.practice_id, later)
    with session_scope() as db:
        fresh = offered_slot_for_practice(db, one.practice_id)
        assert one.patient_id not in fresh
    # no way back through the link: a second leave or any change is refused kindly
    again = client.post(one.link, data={"actie": "pauzeren", "weken": "1"})
    assert again.status_code == 400 and "niet meer op deze wachtlijst" in again.text
    assert client.get(f"{one.link}?stap=afmelden").text.count("Weet u zeker") == 0


def offered_slot_for_practice(db: Any, practice_id: int) -> list[int]:
    """Who the practice's next slot would be offered to (the ranking a wave sends to)."""
    shape = matching.SlotShape(
        practice_id=practice_id,
        starts_at=timeplan.weekday_at(clock.now()),
        duration_minutes=30,
        treatment_id=None,
        practitioner_id=None,
    )
    return [m.patient_id for m in matching.ranked(db, shape, clock.now(), 1000)]


def test_a_pending_sign_up_may_use_the_link_and_leave(client: TestClient, one: One) -> None:
    with session_scope() as db:
        row = db.get(Patient, one.patient_id)
        assert row is not None
        row.status = "pending"
        db.add(row)
    page = client.get(one.link).text
    assert "wacht nog op een akkoord van de praktijk" in page
    saved = client.post(one.link, data={"actie": "beschikbaarheid", "dagdeel": "di-middag"})
    assert saved.status_code == 200 and patient(one.patient_id).availability == cell(1, 1)
    assert client.post(one.link, data={"actie": "afmelden"}).status_code == 200
    assert patient(one.patient_id).opted_out_at is not None


def test_a_removed_entry_sees_its_state_and_can_change_nothing(
    client: TestClient, one: One
) -> None:
    with session_scope() as db:
        row = db.get(Patient, one.patient_id)
        assert row is not None
        row.status = "removed"
        db.add(row)
    before = snapshot(one.patient_id)
    page = client.get(one.link)
    assert page.status_code == 200 and "U staat niet meer op de wachtlijst" in page.text
    assert 'name="actie"' not in page.text
    for form in ({"actie": "afmelden"}, {"actie": "pauzeren", "weken": "1"}):
        answer = client.post(one.link, data=form)
        assert answer.status_code == 400 and "niet meer op deze wachtlijst" in answer.text
    assert snapshot(one.patient_id) == before


def test_the_claim_page_opt_out_uses_the_same_rule(client: TestClient, one: One) -> None:
    assert client.post(f"/c/{one.setup.tokens[0]}/afmelden").status_code == 200
    assert audit_actions(one.patient_id) == [("patient.opted_out", "claimpagina")]
    assert "U bent afgemeld" in client.get(one.link).text


def test_an_offer_sent_before_leaving_still_has_its_link(client: TestClient, one: One) -> None:
    """Leaving does not break the offer page already on the phone (it still links here)."""
    client.post(one.link, data={"actie": "afmelden"})
    assert link_on_claim_page(client, one.setup.tokens[0]) == one.link
    with session_scope() as db:
        assert db.exec(select(Offer).where(Offer.patient_id == one.patient_id)).first()


# --- the live refresh listener ---------------------------------------------------------------


@pytest.fixture
def heard(app_env: AppEnv) -> Iterator[list[int]]:
    """Practice ids the live bus hands to a listening app process (single-process mode)."""
    got: list[int] = []
    ready, stop = threading.Event(), threading.Event()

    async def listener(practice_id: int, message: str, skip: str) -> None:
        got.append(practice_id)

    async def main() -> None:
        async with live_bus.listening(listener):
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.01)

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(5)
    yield got
    stop.set()
    thread.join(5)


@pytest.mark.needs_running_clock  # the listener runs on its own thread and loop
def test_every_change_refreshes_the_staff_pages(
    client: TestClient, one: One, heard: list[int]
) -> None:
    """Staff pages of the patient's practice hear of each change once it is committed; a
    refused change (bad input) publishes nothing."""
    forms: list[dict[str, Any]] = [
        {"actie": "beschikbaarheid", "dagdeel": "wo-middag"},
        {"actie": "pauzeren", "weken": "3"},
        {"actie": "pauze-beeindigen"},
        {"actie": "afmelden"},
    ]
    for count, form in enumerate(forms, start=1):
        assert client.post(one.link, data=form).status_code == 200, form
        assert _wait_for(heard, one.practice_id, count), form
    assert client.post(one.link, data={"actie": "pauzeren", "weken": "9"}).status_code == 400
    threading.Event().wait(0.2)
    assert heard == [one.practice_id] * len(forms)


def _wait_for(heard: list[int], practice_id: int, count: int = 1) -> bool:
    for _ in range(300):
        if heard.count(practice_id) >= count:
            return True
        threading.Event().wait(0.01)
    return False
