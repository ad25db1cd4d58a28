"""What the patient reads behind the link: the claim page and the calendar file name the
treatment, the practice's address and phone; opting out asks first, on a page of its own."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain.core_loop import claims
from pakjeplekje.models import Patient, Practice, Slot
from pakjeplekje.services import jobs
from pakjeplekje.services.demo import OfferedSlot
from pakjeplekje.web import claim as claim_web
from pakjeplekje.web import twilio_webhooks as api_webhooks
from tests.conftest import AppEnv, Factory
from tests.test_claims import make_slot
from tests.test_webhooks import BASE, TOKEN, sms, texted

ADDRESS = "Molenstraat 1, 1234 AB Molendam"


@pytest.fixture
def client(app_env: AppEnv) -> TestClient:
    return TestClient(Starlette(routes=claim_web.routes()))


def with_details(setup: OfferedSlot, address: str = ADDRESS, phone: str = "+31201234567") -> None:
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None
        practice = db.get(Practice, slot.practice_id)
        assert practice is not None
        practice.address, practice.phone = address, phone


def test_the_claim_page_names_treatment_address_and_phone(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Adres", 2)
    with_details(setup)
    page = client.get(f"/c/{setup.tokens[0]}").text
    assert '<p class="what" id="behandeling">Controle</p>' in page
    assert f'<p id="adres">{ADDRESS}</p>' in page
    assert '<a id="telefoon" href="tel:+31201234567">020 123 4567</a>' in page
    # the loser's page comes from the kept answer after the win: it names them too
    assert "is van u" in client.post(f"/c/{setup.tokens[0]}").text
    taken = client.get(f"/c/{setup.tokens[1]}").text
    assert "al vergeven" in taken and ADDRESS in taken and "Controle" in taken


def test_without_treatment_address_or_phone_the_page_names_none(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Kaal", 1)
    with session_scope() as db:
        slot = db.get(Slot, setup.slot_id)
        assert slot is not None
        slot.treatment_id = None
    page = client.get(f"/c/{setup.tokens[0]}").text
    assert 'id="behandeling"' not in page and 'id="adres"' not in page
    assert "tel:" not in page and 'class="contact"' not in page
    assert "Ja, ik neem deze plek" in page


def test_the_address_is_escaped_on_the_page(client: TestClient, factory: Factory) -> None:
    setup = make_slot(factory, "Escape", 1)
    with_details(setup, address='<script>alert("x")</script> & Zn')
    page = client.get(f"/c/{setup.tokens[0]}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Zn" in page


def test_opting_out_is_a_small_link_below_the_answer_that_asks_first(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Vraag", 1)
    page = client.get(f"/c/{setup.tokens[0]}").text
    link = f'<a id="afmelden" href="/c/{setup.tokens[0]}/afmelden">Afmelden voor deze praktijk</a>'
    assert link in page
    assert page.count("<button") == 2  # only the answers are buttons: "Ja, ik neem…", "Nee, dank u"
    assert page.index("Ja, ik neem deze plek") < page.index("Wie het eerst") < page.index(link)

    question = client.get(f"/c/{setup.tokens[0]}/afmelden")
    assert question.status_code == 200
    assert "Weet u zeker dat u zich wilt afmelden?" in question.text
    assert "Tandartspraktijk Vraag" in question.text
    assert '<form method="post">' in question.text and "Ja, meld mij af" in question.text
    assert f'href="/c/{setup.tokens[0]}">Nee, terug</a>' in question.text
    with session_scope() as db:
        patient = db.get(Patient, setup.patient_ids[0])
        assert patient is not None and patient.opted_out_at is None  # asking changes nothing

    done = client.post(f"/c/{setup.tokens[0]}/afmelden")
    assert done.status_code == 200 and "U bent afgemeld" in done.text
    with session_scope() as db:
        patient = db.get(Patient, setup.patient_ids[0])
        assert patient is not None and patient.opted_out_at is not None


@pytest.mark.parametrize("token", ["onbekend", "x" * 500])
def test_the_question_for_an_unknown_link_is_a_404(client: TestClient, token: str) -> None:
    response = client.get(f"/c/{token}/afmelden")
    assert response.status_code == 404 and "Weet u zeker" not in response.text


def test_a_link_shows_only_its_own_practice_details(client: TestClient, factory: Factory) -> None:
    alfa, beta = make_slot(factory, "Alfa", 1), make_slot(factory, "Beta", 1)
    with_details(alfa, address="Alfaweg 1", phone="+31201234567")
    with_details(beta, address="Betalaan 2", phone="+31307654321")
    page = client.get(f"/c/{alfa.tokens[0]}").text
    assert "Alfaweg 1" in page and "020 123 4567" in page
    assert "Betalaan" not in page and "030" not in page
    question = client.get(f"/c/{alfa.tokens[0]}/afmelden").text
    assert "Tandartspraktijk Alfa" in question and "Beta" not in question


def unfold(ics: str) -> list[str]:
    """RFC 5545 3.1: a CRLF followed by one space continues the line before."""
    return ics.replace("\r\n ", "").split("\r\n")


def test_the_calendar_file_has_treatment_location_and_phone(
    client: TestClient, factory: Factory
) -> None:
    setup = make_slot(factory, "Agenda", 1)
    with_details(setup, address="Molenstraat 1, 1234 AB Molendam; achterom")
    client.post(f"/c/{setup.tokens[0]}")
    body = client.get(f"/c/{setup.tokens[0]}/afspraak.ics").text
    lines = unfold(body)
    assert "SUMMARY:Controle bij Tandartspraktijk Agenda" in lines
    assert "LOCATION:Molenstraat 1\\, 1234 AB Molendam\\; achterom" in lines
    assert "DESCRIPTION:Verhinderd? Bel de praktijk: 020 123 4567" in lines


START = datetime(2026, 12, 9, 9, 30, tzinfo=UTC)


def view(**changes: str) -> claims.ClaimView:
    base = claims.ClaimView("Mondzorg De Molen", START, "Europe/Amsterdam", 30, "claimed_by_you")
    return claims.ClaimView(**{**base.__dict__, **changes})


def test_ics_escapes_text_values_per_rfc_5545() -> None:
    address = 'Hoek Kerkstraat; Dorpsplein 1,\nAchter\\om "poort"'
    body = claims.ics(view(address=address, treatment="kroon"), uid="u1", now=START)
    lines = unfold(body)
    assert 'LOCATION:Hoek Kerkstraat\\; Dorpsplein 1\\,\\nAchter\\\\om "poort"' in lines
    assert "SUMMARY:Kroon bij Mondzorg De Molen" in lines
    assert body.endswith("END:VCALENDAR\r\n")


def test_ics_without_treatment_address_or_phone() -> None:
    lines = unfold(claims.ics(view(), uid="u1", now=START))
    assert "SUMMARY:Afspraak bij Mondzorg De Molen" in lines
    assert not [line for line in lines if line.startswith(("LOCATION", "DESCRIPTION"))]


def test_ics_folds_long_lines_at_75_octets_without_splitting_a_character() -> None:
    address = "Coëvordenstraat 123, 9999 ZZ Ëindhoven-Zuïd, " + "ingang achterzijde ë" * 7
    body = claims.ics(view(address=address[:200]), uid="u1", now=START)
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    location = [line for line in unfold(body) if line.startswith("LOCATION:")]
    assert location == ["LOCATION:" + claims.ics_text(address[:200])]
    assert re.search(r"\r\n [^\r]", body)  # it really folded


def test_the_confirmation_text_gives_the_practice_number(
    client: TestClient, factory: Factory, app_env: AppEnv
) -> None:
    setup = make_slot(factory, "Bellen", 1)
    with_details(setup)
    with session_scope() as db:
        result = claims.claim(
            db, setup.tokens[0], channel="page", client="1.2.3.4", secret="s", now=clock.now()
        )
    assert result.offer_id is not None and jobs.send_confirmation(result.offer_id)
    outbox = (app_env.data_dir / "outbox" / "sms.jsonl").read_text().splitlines()
    [body] = [json.loads(line)["body"] for line in outbox if "bevestigd" in line]
    assert body.endswith("Verhinderd? Bel 020 123 4567.")


@pytest.fixture
def webhook(app_env: AppEnv, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The Twilio webhook, signed as test_webhooks signs it."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    app_env.reload()
    return TestClient(Starlette(routes=api_webhooks.routes()))


def test_the_reply_to_ja_gives_the_practice_number(webhook: TestClient, factory: Factory) -> None:
    """Through the signed webhook: the confirmation a `JA` gets back names the number; a
    practice without one says "Bel de praktijk"."""
    setup, phones = texted(factory, "Antwoordnummer", 1)
    with_details(setup)
    answer = sms(webhook, phones[0], "JA")
    assert answer.status_code == 200 and "Verhinderd? Bel 020 123 4567." in answer.text
    _, others = texted(factory, "Zondernummer", 1)
    assert "Verhinderd? Bel de praktijk." in sms(webhook, others[0], "JA").text
