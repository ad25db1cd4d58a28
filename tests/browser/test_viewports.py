"""Every staff page at desktop (1280 px), tablet (768 px) and phone (390 px) width.

With realistic data on each page (long names, an open slot with its offers, a privacy request,
entries up for review, a colleague), the page must never scroll sideways and no two pieces of
text or controls may overlap. A full-page screenshot of each page at each width lands in
test-artifacts/screenshots/<width>/<page>.png, for a person to look at.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, select

from pakjeplekje import clock, routes
from pakjeplekje.db import make_engine
from pakjeplekje.domain.privacy import retention
from pakjeplekje.domain.waitlist import patients
from pakjeplekje.models import Patient, PrivacyRequest, Treatment, User
from pakjeplekje.services.demo import waiting_patient
from tests.browser.conftest import ROOT
from tests.browser.flows import App, open_slot, signed_up_owner, unique_email

WIDTHS = (1280, 768, 390)
HEIGHT = {1280: 800, 768: 1024, 390: 844}

# Every staff page (routes.py), with something that shows the page's data has loaded.
PAGES = {
    "dashboard": (routes.DASHBOARD, "[data-open-slot]"),
    "wachtlijst": (routes.WAITLIST, "tr[data-patient]"),
    "plekken": (routes.SLOTS, "[data-offer]"),
    "abonnement": (routes.SUBSCRIPTION, "#abonnement-status"),
    "privacy": (routes.PRIVACY, "tr.audit-rij"),
    "instellingen": (routes.SETTINGS, "tr[data-treatment]"),
    "medewerkers": (routes.TEAM, "tr[data-email]"),
    "koppelingen": (routes.INTEGRATIONS, "tr[data-key]"),
}

LONG_NAMES = [
    "Maria Magdalena van den Oudenrijn-Hoogerwerf",
    "Johannes Bartholomeus Vredenburgh-Tjalsma",
    "Anne-Fleur Wilhelmina Schimmelpenninck van der Oye",
    "Kees Jansen",
    "Fatima-Zahra El Khadiri Benali",
    "Pieter-Jan Oosterbaan",
]

# Runs in the page: what sticks out on the right, and which texts or controls overlap.
LAYOUT_PROBLEMS_JS = r"""
([rootSelector, noScrollers]) => {
  const root = document.querySelector(rootSelector);
  const vw = window.innerWidth;
  const problems = [];
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\s+/g, ' ').slice(0, 60);
    const id = el.id ? '#' + el.id : '';
    return `<${el.tagName.toLowerCase()}${id}> "${text}"`;
  };
  const visible = (el) => {
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    if (el.closest('[aria-hidden="true"], [data-sonner-toaster]')) return false;
    const r = el.getBoundingClientRect();
    return r.width > 2 && r.height > 2;
  };
  // inside a box that scrolls (or clips) sideways on its own: the page does not overflow
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') return true;
    }
    return false;
  };

  const doc = document.documentElement;
  if (doc.scrollWidth > vw) {
    problems.push(`page scrolls sideways: scrollWidth ${doc.scrollWidth} > ${vw}`);
  }
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    if (noScrollers && visible(el) && el.scrollWidth > el.clientWidth + 1
        && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)) {
      problems.push(`scrolls sideways inside the page: ${describe(el)}`);
    }
    if (!visible(el) || inScroller(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 || r.left < -1) {
      const where = `${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`;
      problems.push(`sticks out (${where}): ${describe(el)}`);
    }
  }

  // texts and controls: the box a control draws, or the box its text takes
  const selector = [
    'button', 'a', 'input', 'select', 'textarea', 'label',
    'h1', 'h2', 'h3', 'h4', 'p', 'td', 'th', '.rt-Badge', '.rt-Text', '.rt-Code',
  ].join(',');
  const boxes = [];
  for (const el of root.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    const tag = el.tagName.toLowerCase();
    let r;
    const textual = ['td', 'th', 'p', 'h1', 'h2', 'h3', 'h4', 'label'].includes(tag);
    if (textual || el.matches('.rt-Text')) {
      const range = document.createRange();
      range.selectNodeContents(el);
      r = range.getBoundingClientRect();  // where the text really is, also when it overflows
      if (r.width < 2 || r.height < 2) continue;
    } else {
      r = el.getBoundingClientRect();
    }
    boxes.push([el, r]);
  }
  const seen = new Set();
  for (let i = 0; i < boxes.length; i++) {
    const [a, ra] = boxes[i];
    for (let j = i + 1; j < boxes.length; j++) {
      const [b, rb] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 2 && h > 2) {
        const key = describe(a) + ' / ' + describe(b);
        if (seen.has(key)) continue;
        seen.add(key);
        problems.push(`overlap ${Math.round(w)}x${Math.round(h)} px: ${key}`);
      }
    }
  }
  return problems;
}
"""


def _db(app: App) -> Session:
    return Session(make_engine(f"sqlite:///{app.data_dir / 'pakjeplekje.db'}"))


def _seed(app: App, owner_email: str) -> None:
    """Set-up straight in the database: long-named patients (three of them up for review),
    and a privacy request with a long message."""
    now = clock.now()
    with _db(app) as db:
        practice_id = db.exec(select(User.practice_id).where(User.email == owner_email)).one()
        treatment = db.exec(
            select(Treatment.id).where(Treatment.practice_id == practice_id)
        ).first()
        assert treatment is not None
        for i, name in enumerate(LONG_NAMES * 2):
            clean = waiting_patient(f"{name} {i}", f"+316{30000000 + i}", treatment)
            if i % 3 == 0:
                clean = replace(clean, urgency="hoog")
            patients.insert(db, practice_id, clean, now)
        db.flush()
        stale = db.exec(
            select(Patient).where(Patient.practice_id == practice_id).order_by(Patient.id)  # type: ignore[arg-type]
        ).all()[-3:]
        for patient in stale:
            patient.updated_at = now - timedelta(days=400)
            db.add(patient)
        db.flush()
        retention.flag_for_review(db, now)
        db.add(
            PrivacyRequest(
                practice_id=practice_id,
                kind="correctie",
                subject="patient",
                verified_by="sms",
                message="Mijn achternaam is sinds mijn huwelijk Schimmelpenninck van der Oye-"
                "Vredenburgh; wilt u dat aanpassen in alle systemen van de praktijk?",
                received_at=now,
                due_at=now + timedelta(days=30),
            )
        )
        db.commit()


@pytest.fixture(scope="module")
def owner_state(browser: Browser, app: App, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A practice with everything on its pages; returns the logged-in owner's storage state."""
    context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(20_000)
    page = context.new_page()
    email = signed_up_owner(page, app, "Tandartspraktijk Van Oosterhout-Wijnbergen en Partners")
    _seed(app, email)
    page.goto(app.url(routes.TEAM))
    page.locator("#invite_name").fill("Bartholomeus Vredenburgh-Tjalsma")
    page.locator("#invite_email").fill(unique_email("assistent-met-een-lang-adres"))
    page.get_by_role("button", name="Uitnodiging versturen").click()
    expect(page.locator("tr[data-email]")).to_have_count(2)
    page.goto(app.url(routes.INTEGRATIONS))
    page.locator("#sleutel-naam").fill("Agendakoppeling Van Oosterhout-Wijnbergen en Partners")
    page.get_by_role("button", name="Sleutel maken").click()
    expect(page.locator("tr[data-key]")).to_have_count(1)
    page.goto(app.url(routes.SLOTS))
    open_slot(page, "10:00")
    expect(page.locator("[data-offer]").first).to_be_visible()
    path = tmp_path_factory.mktemp("viewports") / "owner.json"
    context.storage_state(path=str(path))
    context.close()
    return str(path)


def _open(page: Page, app: App, path: str, ready: str) -> None:
    page.goto(app.url(path))
    expect(page.locator(ready).first).to_be_attached()
    expect(page.locator(".rt-Spinner")).to_have_count(0)
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(300)  # let late layout (fonts, images, transitions) settle


def layout_problems(page: Page, root: str = "body", *, no_scrollers: bool = False) -> list[str]:
    """What sticks out or overlaps inside `root`; `no_scrollers`: a box that scrolls sideways
    on its own (a wide table) is a problem too: on a desktop screen everything fits."""
    return page.evaluate(LAYOUT_PROBLEMS_JS, [root, no_scrollers])  # type: ignore[no-any-return]


def _patient_dialog_problems(page: Page, shots: Path) -> list[str]:
    page.get_by_role("button", name="Patiënt toevoegen").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Mobiel nummer")).to_be_visible()
    page.wait_for_timeout(300)  # the dialog's opening animation
    dialog.screenshot(path=str(shots / "wachtlijst-patient.png"))
    problems = [f"dialog: {p}" for p in layout_problems(page, "[role=dialog]", no_scrollers=True)]
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_staff_page_fits_the_screen(
    browser: Browser, app: App, owner_state: str, width: int
) -> None:
    context = browser.new_context(
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": width, "height": HEIGHT[width]},
        storage_state=owner_state,
    )
    context.set_default_timeout(20_000)
    shots = ROOT / "test-artifacts" / "screenshots" / str(width)
    shots.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}
    try:
        page = context.new_page()
        for name, (path, ready) in PAGES.items():
            _open(page, app, path, ready)
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            # only a tablet may scroll a wide table inside its box; a phone shows it as cards
            problems = layout_problems(page, no_scrollers=width != 768)
            if name == "wachtlijst":  # and the form staff fill in most
                problems += _patient_dialog_problems(page, shots)
            if problems:
                failures[name] = problems
    finally:
        context.close()
    report = "\n".join(
        f"{name} at {width} px:\n  " + "\n  ".join(problems[:25])
        for name, problems in failures.items()
    )
    assert not failures, report


def test_phone_menu_opens_and_navigates(browser: Browser, app: App, owner_state: str) -> None:
    context = browser.new_context(
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": 390, "height": 844},
        storage_state=owner_state,
    )
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        _open(page, app, routes.DASHBOARD, "[data-open-slot]")
        expect(page.get_by_role("navigation", name="Hoofdmenu")).to_be_hidden()
        for label, path in [
            ("Wachtlijst", routes.WAITLIST),
            ("Plekken", routes.SLOTS),
            ("Privacy", routes.PRIVACY),
            ("Dashboard", routes.DASHBOARD),
        ]:
            page.get_by_role("button", name="Menu openen").click()
            menu = page.get_by_role("dialog")
            expect(menu).to_be_visible()
            expect(menu).to_contain_text("Van Oosterhout-Wijnbergen")  # the practice, in the menu
            menu.get_by_role("link", name=label).click()
            page.wait_for_url(re.compile(re.escape(path) + r"/?$"))
            expect(page.get_by_role("dialog")).to_have_count(0)  # navigating closed the menu
            expect(page.locator(".pjp-topbar h1")).to_have_text(label)
        page.get_by_role("button", name="Menu openen").click()
        page.wait_for_timeout(700)  # the sheet slides in
        page.screenshot(
            path=str(ROOT / "test-artifacts" / "screenshots" / "390" / "menu.png"), full_page=True
        )
        assert not layout_problems(page, "[role=dialog]")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)
    finally:
        context.close()
