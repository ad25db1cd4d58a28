"""The e-mails the product sends, in Dutch. Building them is a rule; sending is an adapter's job."""

from __future__ import annotations

from dataclasses import dataclass


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
            f"Hallo,\n\n{inviter_name} nodigt je uit om mee te werken in PakJePlekje voor "
            f"{practice_name}.\n\nKies via deze link een wachtwoord (7 dagen geldig, één keer "
            f"te gebruiken):\n{link}\n\nVerwachtte je deze uitnodiging niet? Dan kun je deze "
            "e-mail negeren.\n\nPakJePlekje"
        ),
    )


def reset_email(to: str, link: str) -> Email:
    return Email(
        to=to,
        subject="Nieuw wachtwoord instellen voor PakJePlekje",
        body=(
            "Hallo,\n\nJe hebt gevraagd om een nieuw wachtwoord. Kies het via deze link "
            f"(1 uur geldig, één keer te gebruiken):\n{link}\n\nNa het instellen word je op "
            "alle andere apparaten uitgelogd.\n\nHeb jij dit niet gevraagd? Dan kun je deze "
            "e-mail negeren; je wachtwoord blijft hetzelfde.\n\nPakJePlekje"
        ),
    )
