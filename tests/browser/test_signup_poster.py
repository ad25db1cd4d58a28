"""The reception poster in the browser: a new practice's owner opens Instellingen, and the
poster PDF of the practice (public: the reception desk prints it, logged in or not) is one A4
page whose rendered image carries the QR code of the practice's sign-up page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from pakjeplekje import routes
from tests.browser.flows import App, signed_up_owner
from tests.poster_check import assert_poster_qr, page_size_and_text


def practice_slug(app: App, owner_email: str) -> str:
    """The practice's public slug, read from the app's database (set-up, not the subject)."""
    from sqlmodel import Session, select

    from pakjeplekje.db import make_engine
    from pakjeplekje.models import Practice, User

    engine = make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}")
    with Session(engine) as db:
        slug = db.exec(
            select(Practice.slug)
            .join(User, User.practice_id == Practice.id)  # type: ignore[arg-type]
            .where(User.email == owner_email)
        ).one()
    engine.dispose()
    return slug


def test_poster_pdf_renders_with_the_sign_up_qr_code(page: Page, new_page, app: App) -> None:  # type: ignore[no-untyped-def]
    owner = signed_up_owner(page, app, "Tandartspraktijk Het Plein")
    page.goto(app.url(routes.SETTINGS))
    expect(page.get_by_role("heading", name="Instellingen").first).to_be_visible()
    slug = practice_slug(app, owner)

    signed_in = page.request.get(app.url(routes.signup_poster(slug)))
    assert signed_in.status == 200
    assert signed_in.headers["content-type"] == "application/pdf"

    reception = new_page()  # nobody logged in: the poster is public
    response = reception.request.get(app.url(routes.signup_poster(slug)))
    assert response.status == 200
    pdf = response.body()
    pages, size, text = page_size_and_text(pdf)
    assert (pages, size) == (1, (595, 842))
    url = app.url(routes.public_signup(slug))
    assert "Tandartspraktijk Het Plein" in text and url in text
    assert_poster_qr(pdf, url)

    assert reception.request.get(app.url(routes.signup_poster(slug + "-x"))).status == 404
