"""Who reads /resultaten's figures: the CSV route (session cookie, the session's practice
only, bad input, no formulas) and the page's events (staff only, own practice, Week/Maand);
the value of a treatment minute in Instellingen (owner only, Dutch amounts, bad input saves
nothing). Rows are committed for real (`app_env`); sessions are real tokens."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje import clock
from pakjeplekje.db import session_scope
from pakjeplekje.domain import results
from pakjeplekje.domain.accounts import auth, practice_settings
from pakjeplekje.domain.accounts.sessions import resolve_session, start_session
from pakjeplekje.domain.errors import DomainError, PermissionDenied
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import AuditEvent, Practice, Slot, Treatment
from pakjeplekje.services.demo import waiting_patient
from pakjeplekje.ui.state.practice_settings import MinuteValueState
from pakjeplekje.ui.state.results import ResultsState
from pakjeplekje.web import results_download
from pakjeplekje.web.session_cookie import COOKIE_NAME
from tests.conftest import AppEnv, Factory
from tests.test_state_events import connected, run

CSV = "/api/resultaten.csv"


@dataclass(frozen=True)
class Tenant:
    practice_id: int
    owner_token: str
    staff_token: str


@pytest.fixture
def tenants(app_env: AppEnv, factory: Factory) -> tuple[Tenant, Tenant]:
    """A: three slots released this week, one filled via the waitlist in 5 minutes (45 min);
    B: ten slots, none filled."""
    now = clock.now()
    made = []
    with session_scope() as db:
        for name, released in (("alfa", 3), ("beta", 10)):
            practice = factory.practice(db, f"Tandartspraktijk {name.title()}")
            assert practice.id is not None
            owner = factory.user(db, practice, f"eigenaar@{name}.nl", role="owner")
            staff = factory.user(db, practice, f"assistent@{name}.nl")
            practice_settings.create_default_treatments(db, practice.id)
            db.flush()
            treatment = db.exec(
                select(Treatment.id).where(Treatment.practice_id == practice.id)
            ).first()
            assert treatment is not None
            patient = patients.insert(
                db, practice.id, waiting_patient("Anna", "+31611111111", treatment), now
            )
            for i in range(released):
                filled = name == "alfa" and i == 0
                db.add(
                    Slot(
                        practice_id=practice.id,
                        starts_at=now + timedelta(days=2),
                        duration_minutes=45 if filled else 30,
                        created_at=now - timedelta(minutes=10),
                        status="claimed" if filled else "open",
                        claimed_at=now - timedelta(minutes=5) if filled else None,
                        claimed_via="page" if filled else None,
                        claimed_patient_id=patient.id if filled else None,
                    )
                )
            made.append(
                Tenant(practice.id, start_session(db, owner, now), start_session(db, staff, now))
            )
    return made[0], made[1]


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=results_download.routes())) as test_client:
        yield test_client


def cookie(token: str) -> dict[str, str]:
    return {"cookie": f"{COOKIE_NAME}={token}"}


def rows(response: object) -> list[list[str]]:
    body = response.content.decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=";"))


@pytest.mark.parametrize("per", ["week", "maand", "MAAND"])
def test_csv_has_the_sessions_practice_only(
    client: TestClient, tenants: tuple[Tenant, Tenant], per: str
) -> None:
    a, b = tenants
    response = client.get(CSV, params={"per": per}, headers=cookie(a.staff_token))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    table = rows(response)
    assert table[0] == list(results.CSV_HEADERS)
    assert len(table) == 13  # the header and twelve periods, newest first
    newest = dict(zip(table[0], table[1], strict=True))
    assert (newest["Vrijgegeven"], newest["Gevuld via wachtlijst"]) == ("3", "1")
    assert newest["Vulgraad (%)"] == "33,3" and newest["Teruggewonnen (EUR)"] == "165,15"
    assert newest["Mediane tijd tot gevuld (min)"] == "5,0"
    assert sum(int(r[3]) for r in table[1:]) == 3  # none of B's ten slots
    theirs = rows(client.get(CSV, params={"per": per}, headers=cookie(b.owner_token)))
    assert (theirs[1][3], theirs[1][4]) == ("10", "0")


def test_csv_needs_a_valid_session(client: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    with session_scope() as db:
        actor = resolve_session(db, a.owner_token, clock.now())
        assert actor is not None
        auth.log_out(db, actor, clock.now())
    for headers in ({}, cookie("verzonnen"), cookie(a.owner_token), {"cookie": "x=\x7f;"}):
        response = client.get(CSV, headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == {"error": "Log opnieuw in om de resultaten te downloaden."}


@pytest.mark.parametrize("per", ["jaar", "", "week;DROP", "=1+1", "w" * 5000])
def test_csv_refuses_an_unknown_period_in_dutch(
    client: TestClient, tenants: tuple[Tenant, Tenant], per: str
) -> None:
    a, _ = tenants
    response = client.get(CSV, params={"per": per}, headers=cookie(a.staff_token))
    assert response.status_code == 400
    assert response.json() == {"error": "Kies per=week of per=maand."}


def test_no_csv_cell_starts_a_formula(client: TestClient, tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    for per in results.UNITS:
        table = rows(client.get(CSV, params={"per": per}, headers=cookie(a.staff_token)))
        for row in table:
            for cell in row:
                assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell


# --- the page's events ----------------------------------------------------------------


def test_page_events_show_the_own_practice_per_week_and_month(
    tenants: tuple[Tenant, Tenant],
) -> None:
    a, b = tenants
    page = connected(ResultsState, a.staff_token)
    run(page.load())
    assert page.has_slots and len(page.rows) == 12 and len(page.chart) == 12
    assert (page.rows[0].released, page.rows[0].filled, page.rows[0].fill_rate) == (
        "3",
        "1",
        "33 %",
    )
    assert page.rows[0].recovered == "€ 165,15" and page.chart[-1]["euro"] == 165.15
    assert "/api/resultaten.csv?per=week" in str(run(page.download_csv()))
    run(page.set_unit("maand"))
    # the month as the practice counts it: Amsterdam time (New Year's Eve 23:10 UTC is January)
    local_year = clock.now().astimezone(ZoneInfo("Europe/Amsterdam")).year
    assert page.unit == "maand" and page.rows[0].label.endswith(str(local_year))
    assert "/api/resultaten.csv?per=maand" in str(run(page.download_csv()))
    assert page.rows[0].released == "3"
    before = list(page.rows)
    run(page.set_unit("jaar"))  # refused: nothing changes
    assert page.unit == "maand" and page.rows == before

    theirs = connected(ResultsState, b.staff_token)
    run(theirs.load())
    assert theirs.rows[0].released == "10" and theirs.rows[0].recovered == "€ 0,00"


def test_page_events_need_a_session(tenants: tuple[Tenant, Tenant]) -> None:
    page = connected(ResultsState, None)
    reply = run(page.load())
    assert page.rows == [] and "inloggen" in str(reply)


# --- the value of a treatment minute ----------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("3,67", 367), ("€ 3,67", 367), ("3.5", 350), ("4", 400), (" 0,01 ", 1), ("50,00", 5000)],
)
def test_dutch_amounts_are_read(typed: str, cents: int) -> None:
    assert practice_settings.parse_euros(typed) == cents


@pytest.mark.parametrize(
    "typed", ["", "0", "0,00", "50,01", "abc", "3,678", "-3", "1.234,56", "3,6,7", "1e2", "٣"]
)
def test_bad_amounts_are_refused_in_dutch(typed: str) -> None:
    with pytest.raises(DomainError, match="vul een bedrag in van 0,01 tot 50,00 euro"):
        practice_settings.parse_euros(typed)


def _minute_value(practice_id: int) -> int:
    with session_scope() as db:
        practice = db.get(Practice, practice_id)
        assert practice is not None
        return practice.minute_value_cents


def test_the_owner_sets_the_minute_value_and_results_follow(
    tenants: tuple[Tenant, Tenant],
) -> None:
    a, b = tenants
    settings = connected(MinuteValueState, a.owner_token)
    run(settings.load())
    assert settings.value == "3,67"
    run(settings.save({"minute_value": "4,20"}))
    assert (settings.value, settings.error) == ("4,20", "")
    assert (_minute_value(a.practice_id), _minute_value(b.practice_id)) == (420, 367)
    page = connected(ResultsState, a.staff_token)
    run(page.load())
    assert page.rows[0].recovered == "€ 189,00"  # 45 min × € 4,20
    with session_scope() as db:
        event = db.exec(
            select(AuditEvent).where(AuditEvent.action == "settings.minute_value_changed")
        ).one()
        assert (event.practice_id, event.detail) == (a.practice_id, "420")


def test_bad_input_or_staff_saves_nothing(tenants: tuple[Tenant, Tenant]) -> None:
    a, _ = tenants
    owner = connected(MinuteValueState, a.owner_token)
    run(owner.save({"minute_value": "99"}))
    assert "0,01 tot 50,00" in owner.error and _minute_value(a.practice_id) == 367
    staff = connected(MinuteValueState, a.staff_token)
    run(staff.save({"minute_value": "5"}))
    assert staff.error == "Alleen de eigenaar mag de waarde per behandelminuut wijzigen."
    assert _minute_value(a.practice_id) == 367
    with session_scope() as db:
        actor = resolve_session(db, a.staff_token, clock.now())
        assert actor is not None
        with pytest.raises(PermissionDenied):
            practice_settings.update_minute_value(db, actor, value="5", now=clock.now())
