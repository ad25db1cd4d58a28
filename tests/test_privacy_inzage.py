"""A patient's inzage through the real /privacy/verzoek routes: a readable Dutch page (sections,
Dutch statuses, Amsterdam times, 06-numbers, no claim link in full), and "Download als JSON"
with the same data as an attachment — only for the form whose code was just accepted, for the
same number. Strangers, other patients and late-comers get a 404 and nothing else."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import time_machine
from sqlmodel import select
from starlette.testclient import TestClient

from pakjeplekje import clock, routes
from pakjeplekje.db import session_scope
from pakjeplekje.domain.dutch_dates import AMSTERDAM, dated_moment
from pakjeplekje.domain.offers import OfferStatus
from pakjeplekje.domain.privacy import request_codes
from pakjeplekje.models import Message, Offer, Patient, Slot
from tests import test_privacy_requests as requests_test
from tests.job_queue import job_queue_fixture  # noqa: F401  (fixture)
from tests.test_privacy_requests import NUMBER, TYPED, Place, _ask, _code, _confirm, _ref

client = requests_test.client  # the routes, with the code jobs held until `_code()` runs them
places = requests_test.places  # two practices with NUMBER on their waitlist, "Ander" at A

if TYPE_CHECKING:
    from conftest import AppEnv

TOKEN = "Zx9AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_q7Rk"
OTHER = "+31687654321"  # "Ander", on practice A's waitlist only


def _offer_with_link(place: Place, expired: bool) -> Slot:
    """An offer to NUMBER at `place`, and the SMS that carried its claim link."""
    now = clock.now()
    with session_scope() as db:
        patient = db.exec(
            select(Patient).where(Patient.phone == NUMBER, Patient.practice_id == place.practice_id)
        ).one()
        slot = Slot(
            practice_id=place.practice_id,
            starts_at=now + timedelta(days=2, hours=5),
            duration_minutes=30,
            status="open",
            created_at=now,
        )
        db.add(slot)
        db.flush()
        offer = Offer(
            practice_id=place.practice_id,
            slot_id=slot.id,
            patient_id=patient.id,
            token_hash=f"hash-{place.practice_id}-{expired}",
            status=OfferStatus.SENT,
            created_at=now,
            sent_at=now,
            expires_at=now - timedelta(minutes=1) if expired else now + timedelta(days=1),
        )
        db.add(offer)
        db.flush()
        db.add(
            Message(
                practice_id=place.practice_id,
                offer_id=offer.id,
                patient_id=patient.id,
                direction="out",
                phone=NUMBER,
                body=f"Plek vrij. Claim: https://app.example.nl/c/{TOKEN} STOP = afmelden",
                status="delivered",
                created_at=now,
                updated_at=now,
            )
        )
        db.expunge(slot)
        return slot


def _inzage(client: TestClient, app_env: AppEnv, number: str = TYPED) -> tuple[str, str]:
    """The result page of a verified inzage, and its form reference."""
    asked = _ask(client, "inzage", number)
    response = _confirm(client, asked, _code(app_env, _e164(number)), "inzage")
    assert response.status_code == 200, response.text
    return response.text, _ref(asked)


def _e164(typed: str) -> str:
    digits = re.sub(r"\D", "", typed)
    return "+31" + digits[1:] if digits.startswith("06") else "+" + digits


def _download(client: TestClient, ref: str, value: str = NUMBER):  # type: ignore[no-untyped-def]
    return client.post(routes.PRIVACY_REQUEST_DOWNLOAD, data={"ref": ref, "value": value})


def test_inzage_is_a_readable_dutch_page(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, b = places
    slot = _offer_with_link(a, expired=True)
    _offer_with_link(b, expired=False)
    text, _ = _inzage(client, app_env)

    for heading in ("Gegevens", "Wachtlijst", "Aanbiedingen", "Berichten"):
        assert f"<h3>{heading}</h3>" in text
    assert "<h2>Tandartspraktijk Alfa</h2>" in text and "<h2>Tandartspraktijk Beta</h2>" in text
    assert "06-12345678" in text and NUMBER not in text.replace(f'value="{NUMBER}"', "")
    assert "<dt>Status</dt><dd>wacht</dd>" in text and "afgeleverd" in text and "verstuurd" in text
    for english in (">waiting<", ">delivered<", ">sent<", '"status"', "T09:00:00"):
        assert english not in text
    assert f"Plek op {dated_moment(slot.starts_at)}" in text  # "di 26 nov 2026 15:00"
    assert re.search(r"(ma|di|wo|do|vr|za|zo) \d+ \w{3} \d{4} \d\d:\d\d", text)
    assert TOKEN not in text and "/c/" not in text
    assert "[link (verlopen)]" in text  # Alfa's offer has expired
    assert f"[link …{TOKEN[-4:]}]" in text  # Beta's still works: only its last characters
    assert "Ander" not in text
    assert "Download als JSON" in text and "data:application/json" not in text


def test_inzage_shows_a_pause_set_through_the_preferences_link(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, _ = places
    until = clock.now() + timedelta(weeks=2)
    with session_scope() as db:
        patient = db.exec(
            select(Patient).where(Patient.phone == NUMBER, Patient.practice_id == a.practice_id)
        ).one()
        patient.paused_until = until
    text, ref = _inzage(client, app_env)
    assert f"<dt>Aanbiedingen gepauzeerd tot</dt><dd>{dated_moment(until)}</dd>" in text
    data = json.loads(_download(client, ref).text)
    paused = [p["wachtlijst"]["gepauzeerd_tot"] for p in data["praktijken"]]
    assert paused == [until.astimezone(AMSTERDAM).isoformat(), None]  # only Alfa's entry is paused


def test_download_as_json_is_the_same_data_as_an_attachment(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    a, _ = places
    _offer_with_link(a, expired=False)
    _, ref = _inzage(client, app_env)
    response = _download(client, ref)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert re.match(
        r'attachment; filename="mijn-gegevens-pakjeplekje-\d{8}-\d{4}\.json"',
        response.headers["content-disposition"],
    )
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)
    assert [p["praktijk"] for p in data["praktijken"]] == [
        "Tandartspraktijk Alfa",
        "Tandartspraktijk Beta",
    ]
    alfa = data["praktijken"][0]
    assert (
        alfa["wachtlijst"]["naam"] == "Alfa Patiënt" and alfa["wachtlijst"]["status"] == "waiting"
    )
    assert [o["status"] for o in alfa["aanbiedingen"]] == ["sent"]
    starts = datetime.fromisoformat(alfa["aanbiedingen"][0]["plek_begint_op"])
    assert starts.utcoffset() == starts.astimezone(AMSTERDAM).utcoffset()  # Amsterdam, with offset
    assert starts.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    assert TOKEN not in response.text and "Ander" not in response.text
    assert OTHER not in response.text
    # asking again within the window works; the same reference with a typed number too
    assert _download(client, ref, TYPED).status_code == 200


def test_strangers_and_other_patients_get_nothing(
    client: TestClient, app_env: AppEnv, places: tuple[Place, Place]
) -> None:
    _, ref = _inzage(client, app_env)
    # "Ander" (practice A only) asks for their own data
    other_text, other_ref = _inzage(client, app_env, "06-87654321")
    assert "Ander" in other_text and "Alfa Patiënt" not in other_text
    assert "Tandartspraktijk Beta" not in other_text

    refusals = [
        _download(client, "verzonnen-referentie"),  # a guess
        _download(client, ""),  # nothing
        _download(client, ref, OTHER),  # my reference, someone else's number
        _download(client, other_ref, NUMBER),  # their reference, my number
        _download(client, ref, "geen nummer"),
    ]
    for response in refusals:
        assert response.status_code == 404
        assert "attachment" not in response.headers.get("content-disposition", "")
        for leaked in ("Alfa Patiënt", "Beta Patiënt", "Ander", "praktijken", NUMBER, OTHER):
            assert leaked not in response.text
        assert "niet (meer) beschikbaar" in response.text

    theirs = json.loads(_download(client, other_ref, OTHER).text)
    assert [p["wachtlijst"]["naam"] for p in theirs["praktijken"]] == ["Ander"]


def test_no_download_before_the_code_for_other_requests_or_after_the_window(
    client: TestClient,
    app_env: AppEnv,
    places: tuple[Place, Place],
    frozen_clock: time_machine.Coordinates,
) -> None:
    asked = _ask(client, "inzage")
    code = _code(app_env)
    assert _download(client, _ref(asked)).status_code == 404  # code not yet given
    correctie = _ask(client, "correctie")
    _confirm(client, correctie, _code(app_env), "correctie", message="Mijn naam is anders")
    assert _download(client, _ref(correctie)).status_code == 404  # not a data request

    response = _confirm(client, asked, code, "inzage")
    assert response.status_code == 200
    assert _download(client, _ref(asked)).status_code == 200
    frozen_clock.shift(request_codes.DOWNLOAD_WINDOW + timedelta(seconds=1))
    assert _download(client, _ref(asked)).status_code == 404
