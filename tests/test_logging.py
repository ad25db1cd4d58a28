"""Log lines end up in third-party tooling: a full e-mail address must never be in one."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlmodel import Session

from pakjeplekje.adapters.mail import ConsoleOutbox
from pakjeplekje.domain.accounts import auth
from pakjeplekje.domain.emails import invite_email
from pakjeplekje.logmask import mask_email, mask_text

if TYPE_CHECKING:
    from conftest import Factory

EMAIL = "jan.jansen@praktijk-molen.nl"


def leaked(records: list[logging.LogRecord], secret: str) -> list[str]:
    """Every rendered message, argument or exception text that contains `secret`."""
    found = []
    for record in records:
        texts = [record.getMessage(), repr(record.args), str(record.exc_text or "")]
        found += [text for text in texts if secret.lower() in text.lower()]
    return found


def test_console_outbox_logs_masked_address(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """The dev outbox announces each mail, with the recipient masked."""
    caplog.set_level(logging.DEBUG, logger="pakjeplekje")
    outbox = ConsoleOutbox(tmp_path)
    outbox.send(invite_email(EMAIL, "De Molen", "Sanne", "https://pakjeplekje.test/uitnodiging"))
    assert outbox.messages()[0]["to"] == EMAIL  # the mail itself does carry the address
    assert caplog.records, "the outbox is expected to log each mail"
    assert mask_email(EMAIL) in caplog.text
    assert leaked(caplog.records, EMAIL) == []


def test_failed_login_and_reset_never_log_the_address(
    caplog: pytest.LogCaptureFixture, db: Session, factory: Factory, now: datetime, tmp_path: Path
) -> None:
    """Failed logins and reset requests for a real address leave no readable trace in logs."""
    caplog.set_level(logging.DEBUG, logger="pakjeplekje")
    factory.user(db, factory.practice(db), EMAIL)
    result = auth.log_in(
        db, email=EMAIL, password="verkeerd-wachtwoord", client="198.51.100.9", secret="s", now=now
    )
    assert result.error == auth.INVALID_LOGIN
    outbox = ConsoleOutbox(tmp_path)
    auth.request_password_reset(
        db,
        email=EMAIL.upper(),
        client="198.51.100.9",
        secret="s",
        send_mail=outbox.send,
        link=lambda path: f"https://pakjeplekje.test{path}",
        now=now,
    )
    assert [mail["to"] for mail in outbox.messages()] == [EMAIL]
    assert leaked(caplog.records, EMAIL) == []
    assert leaked(caplog.records, EMAIL.split("@")[0]) == []


@pytest.mark.parametrize(
    ("email", "masked"),
    [(EMAIL, "j***@p***"), ("a@b.nl", "a***@b***"), ("geen-adres", "***"), ("", "***")],
)
def test_mask_email(email: str, masked: str) -> None:
    """Enough to tell two log lines apart, never enough to contact the person."""
    assert mask_email(email) == masked


def test_every_handler_masks_personal_data_from_any_logger(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A driver's error or a traceback we did not write still reaches the log masked."""
    from pakjeplekje.logmask import PersonalDataFilter

    handler = logging.StreamHandler()
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    driver = logging.getLogger("psycopg.test")
    driver.addHandler(handler)
    try:
        driver.warning("Key (phone)=(%s) already exists for %s", "+31612345678", EMAIL)
        try:
            raise ValueError(f"recipient {EMAIL} refused; call 06-12345678 or 0031612345678")
        except ValueError:
            driver.exception("sending failed")
    finally:
        driver.removeHandler(handler)
    written = capsys.readouterr().err
    assert "sending failed" in written and "ValueError" in written
    for secret in (EMAIL, "+31612345678", "06-12345678", "0031612345678", "12345678"):
        assert secret not in written, secret
    assert "j***@p***" in written and "+31******78" in written
    assert "offer 1234 of slot 56" in mask_text("offer 1234 of slot 56")  # ids stay readable
