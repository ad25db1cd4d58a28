"""GET /wachtlijst/<slug>/poster.pdf: the A4 poster for the reception desk, read back as a
person and a phone camera read it (text, page size, the QR code in a rendered image)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from pakjeplekje import routes
from pakjeplekje.adapters import poster_pdf
from pakjeplekje.config import get_settings
from pakjeplekje.db import session_scope
from pakjeplekje.models import Practice
from pakjeplekje.web.api import create_api
from tests.poster_check import assert_poster_qr, expected_modules, page_size_and_text

if TYPE_CHECKING:
    from conftest import AppEnv, Factory


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(create_api()) as test_client:
        yield test_client


def make_practice(factory: Factory, name: str) -> str:
    with session_scope() as db:
        return factory.practice(db, name).slug


def test_poster_is_one_a4_page_with_name_url_and_the_qr_code(
    client: TestClient, factory: Factory
) -> None:
    slug = make_practice(factory, "Tandartspraktijk Één & Patiënt")
    response = client.get(routes.signup_poster(slug))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.content.startswith(b"%PDF-")
    pages, size, text = page_size_and_text(response.content)
    assert (pages, size) == (1, (595, 842))
    url = get_settings().public_base_url + routes.public_signup(slug)
    assert url.startswith("http") and url.endswith(f"/wachtlijst/{slug}")
    assert "Tandartspraktijk Één & Patiënt" in text  # Dutch accents survive the core font
    assert url in text
    assert "Eerder terecht?" in text and "Zet uzelf op de wachtlijst" in text
    assert "Gratis" in text and "STOP" in text
    assert_poster_qr(response.content, url)


def test_qr_check_fails_for_another_url(client: TestClient, factory: Factory) -> None:
    """The check can fail: the poster of one practice does not carry another's code."""
    slug = make_practice(factory, "Tandartspraktijk Alfa")
    pdf = client.get(routes.signup_poster(slug)).content
    other = get_settings().public_base_url + routes.public_signup(slug + "x")
    assert len(expected_modules(other)) == len(expected_modules(other[:-1]))
    with pytest.raises(AssertionError, match="QR modules differ"):
        assert_poster_qr(pdf, other)


def test_unknown_or_deleted_practice_has_no_poster(client: TestClient, factory: Factory) -> None:
    assert client.get(routes.signup_poster("bestaat-niet")).status_code == 404
    assert client.get(routes.signup_poster("x" * 300)).status_code == 404
    slug = make_practice(factory, "Tandartspraktijk Weg")
    with session_scope() as db:
        practice = db.exec(select(Practice).where(Practice.slug == slug)).one()
        practice.status = "deleted"
    response = client.get(routes.signup_poster(slug))
    assert response.status_code == 404
    assert "Deze praktijk bestaat niet" in response.text


def test_names_outside_the_core_font_print_without_error() -> None:
    assert poster_pdf.printable("Łukasz Ściana ’t Hof €") == "Lukasz Sciana ’t Hof €"
    assert poster_pdf.printable("Tand\u2603arts\n\tpraktijk 😀") == "Tand?arts praktijk ?"
    pdf = poster_pdf.render("Praktijk 牙科 Łódź", "https://example.nl/wachtlijst/p")
    _, _, text = page_size_and_text(pdf)
    assert "Praktijk ?? Lódz" in text


def test_a_long_name_keeps_the_qr_code_clear(client: TestClient, factory: Factory) -> None:
    """The name wraps (at most 100 characters), yet the code's white border stays white."""
    slug = make_practice(factory, "Mondzorgcentrum " + "Zuiderpark Amsterdam-West " * 3 + "B.V.")
    pdf = client.get(routes.signup_poster(slug)).content
    assert_poster_qr(pdf, get_settings().public_base_url + routes.public_signup(slug))
