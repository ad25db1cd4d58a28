"""Log masking: credentials and links never readable in a log line, from any logger, and
masking stays linear however hostile the text (it runs on the event-loop thread)."""

from __future__ import annotations

import logging
import time

import pytest

from pakjeplekje import logmask
from pakjeplekje.logmask import MAX_CHARS, configure_logging, mask_all, mask_text

TOKEN = "Zq3_vR8-kL0pXyT2mN5bW7cD9eF1gH4jK6sA8uB0iO2"  # the shape secrets.token_urlsafe(32) has
EMAIL = "jan.jansen@praktijk-molen.nl"


@pytest.mark.parametrize(
    "line",
    [
        f"headers={{'host': 'x', 'cookie': 'theme=dark; pjp_sessie={TOKEN}; other=1'}}",
        f'"headers": {{"cookie": "pjp_sessie={TOKEN}"}}',
        f"Cookie: pjp_sessie={TOKEN}",
        f"set-cookie: pjp_sessie={TOKEN}; Path=/; HttpOnly",
        f"GET /c/{TOKEN} 200",
        f"GET /c/{TOKEN}/afspraak.ics",
        f"POST /api/claim/{TOKEN} 409",
        f"'asPath': '/wachtwoord-herstellen?token={TOKEN}'",
        f"/uitnodiging?token={TOKEN}&x=1",
        f"'query': {{'token': '{TOKEN}'}}",
        f"GET /api/auth/sessie?grant={TOKEN}&next=/dashboard",
        f"grant: {TOKEN}",
        f"pjp_inlog={TOKEN}",
        f"Authorization: Basic {TOKEN}",
    ],
)
def test_credentials_and_links_are_masked(line: str) -> None:
    masked = mask_text(line)
    assert TOKEN not in masked
    assert TOKEN[:8] not in masked
    assert "***" in masked


def test_ordinary_text_stays_readable() -> None:
    text = "offer 1234 of slot 56 sent in wave 2; tokens used: 3; GET /dashboard 200"
    assert mask_text(text) == text
    assert mask_text(f"mail aan {EMAIL}") == "mail aan j***@p***"


HOSTILE = {
    "word characters": "a" * 1_000_000,
    "a@ repeated": "a@" * 500_000,
    "dots": "a." * 500_000,
    "one long domain": "x@" + "a." * 499_999,
    "digits": "0" * 1_000_000,
    "spaced digits": "+1 " * 333_333,
    "keys without values": "token=" * 166_666,
    "cookie headers": "cookie: " * 125_000,
    "claim paths": "/c/" * 333_333,
    "everything": f"{EMAIL} token={TOKEN} /c/{TOKEN} +31612345678 cookie: x=1\n" * 10_000,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_1mb_line_is_masked_in_under_100ms(name: str) -> None:
    """The old e-mail pattern took 5 s on 40 KB (quadratic); a record is cut, then masked."""
    record = logging.LogRecord("reflex.app", logging.ERROR, __file__, 1, HOSTILE[name], None, None)
    started = time.perf_counter()
    logmask.mask_record(record)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.1, f"{name}: {elapsed * 1000:.0f} ms"
    assert len(record.getMessage()) < MAX_CHARS + 200


@pytest.mark.parametrize("name", HOSTILE)
def test_masking_itself_is_linear(name: str) -> None:
    """Without the cut: 1 MB of hostile text in well under a second (0.1 s per 1 MB
    budget × 10 for a busy CI machine); a quadratic pattern would take hours."""
    started = time.perf_counter()
    mask_all(HOSTILE[name])
    assert time.perf_counter() - started < 2.0


def test_a_secret_cut_at_the_edge_is_still_masked() -> None:
    text = "x" * (MAX_CHARS - 10) + f" grant={TOKEN} and more " + "y" * 5000
    assert TOKEN[:6] not in mask_text(text)


def test_framework_loggers_that_do_not_propagate_are_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Reflex logs through its own handler (propagate=False): masking must happen when the
    record is made, traceback included, not in a filter on our handlers."""
    configure_logging()
    framework = logging.getLogger("reflex.test_framework")
    handler = logging.StreamHandler()  # like reflex's console handler: no filter of ours
    framework.addHandler(handler)
    framework.propagate = False
    try:
        framework.error(
            "Error processing event queue entry for Event(router_data={'headers': "
            f"{{'cookie': 'pjp_sessie={TOKEN}'}}, 'asPath': '/c/{TOKEN}'}})"
        )
        try:
            raise ValueError(f"bad event for {EMAIL} grant={TOKEN}")
        except ValueError:
            framework.exception("handler failed")
    finally:
        framework.removeHandler(handler)
    written = capsys.readouterr().err
    assert "Error processing event" in written and "ValueError" in written
    assert TOKEN[:8] not in written
    assert EMAIL not in written
