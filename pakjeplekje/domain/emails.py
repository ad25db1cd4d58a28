"""The e-mails the product sends, in Dutch. Building them is a rule; sending is an adapter's job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pakjeplekje.domain.dutch_dates import AMSTERDAM, long_date


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def invite_email(to: str, practice_name: str, inviter_name: str, link: str) -> Email:
    return Email(
        to=to,
        subject=f"Uitnodiging voor {practice_name} op PakJePlekje",
        body=(
            f"Hallo,\n\n{inviter_name} nodigt u uit om mee te werken in PakJePlekje voor "
            f"{practice_name}.\n\nKies via deze link een wachtwoord (7 dagen geldig, één keer "
            f"te gebruiken):\n{link}\n\nVerwachtte u deze uitnodiging niet? Dan kunt u deze "
            "e-mail negeren.\n\nPakJePlekje"
        ),
    )


def reset_email(to: str, link: str) -> Email:
    return Email(
        to=to,
        subject="Nieuw wachtwoord instellen voor PakJePlekje",
        body=(
            "Hallo,\n\nU heeft gevraagd om een nieuw wachtwoord. Kies het via deze link "
            f"(1 uur geldig, één keer te gebruiken):\n{link}\n\nNa het instellen wordt u op "
            "alle andere apparaten uitgelogd.\n\nHeeft u dit niet gevraagd? Dan kunt u deze "
            "e-mail negeren; uw wachtwoord blijft hetzelfde.\n\nPakJePlekje"
        ),
    )


def email_change_confirm(to: str, name: str, link: str) -> Email:
    return Email(
        to=to,
        subject="Bevestig uw nieuwe e-mailadres voor PakJePlekje",
        body=(
            f"Hallo {name},\n\nU wilt dit adres gebruiken om in te loggen bij PakJePlekje. "
            f"Bevestig het via deze link (24 uur geldig, één keer te gebruiken):\n{link}\n\n"
            "Tot u bevestigt, blijft uw oude e-mailadres gelden.\n\nHeeft u dit niet "
            "gevraagd? Dan kunt u deze e-mail negeren.\n\nPakJePlekje"
        ),
    )


def email_change_notice(to: str, name: str, masked_new: str) -> Email:
    return Email(
        to=to,
        subject="Wijziging van uw e-mailadres bij PakJePlekje",
        body=(
            f"Hallo {name},\n\nEr is gevraagd het e-mailadres van uw account te wijzigen in "
            f"{masked_new}. Er is een bevestigingslink naar dat adres gestuurd; tot die "
            "gebruikt is, blijft dit adres uw inlognaam.\n\nWas u dit niet? Wijzig dan meteen "
            "uw wachtwoord (Instellingen → Mijn account) en trek de wijziging in op de "
            "privacypagina.\n\nPakJePlekje"
        ),
    )


def code_email(to: str, code: str) -> Email:
    return Email(
        to=to,
        subject="Uw code voor uw privacyverzoek bij PakJePlekje",
        body=(
            f"Hallo,\n\nUw code is: {code}\n\nDe code is 10 minuten geldig. Heeft u geen "
            "privacyverzoek gedaan? Dan kunt u deze e-mail negeren.\n\nPakJePlekje"
        ),
    )


def deletion_email(to: str, practice_name: str, final: datetime, undo_link: str | None) -> Email:
    if undo_link is None:
        body = (
            f"Hallo,\n\nU heeft het account van {practice_name} op PakJePlekje verwijderd. "
            "Alle gegevens van de praktijk, de wachtlijst, berichten en accounts zijn "
            "definitief gewist.\n\nPakJePlekje"
        )
    else:
        body = (
            f"Hallo,\n\nU heeft het account van {practice_name} op PakJePlekje verwijderd. "
            "Niemand kan meer inloggen en er worden geen SMS'jes meer verstuurd.\n\n"
            f"Op {long_date(final, AMSTERDAM)} worden alle gegevens definitief gewist: de "
            "praktijk, de wachtlijst, plekken, berichten, accounts en het audit-log.\n\n"
            f"Tot die datum kunt u dit ongedaan maken via deze link:\n{undo_link}\n\n"
            "PakJePlekje"
        )
    return Email(to=to, subject=f"Account van {practice_name} verwijderd", body=body)


def signup_confirm_email(to: str, name: str, practice_name: str, link: str) -> Email:
    return Email(
        to=to,
        subject="Bevestig uw e-mailadres voor PakJePlekje",
        body=(
            f"Hallo {name},\n\nWelkom bij PakJePlekje! Bevestig via deze link dat dit uw "
            f"e-mailadres is (7 dagen geldig, één keer te gebruiken):\n{link}\n\nPas daarna "
            f"kan {practice_name} plekken vrijgeven en SMS'jes versturen.\n\nHeeft u zich niet "
            "aangemeld? Dan kunt u deze e-mail negeren.\n\nPakJePlekje"
        ),
    )
