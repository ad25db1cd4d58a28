"""Password rules and bcrypt hashing (cost 12)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import bcrypt

from pakjeplekje.domain.errors import DomainError

BCRYPT_COST = 12
MIN_LENGTH = 12
MAX_BYTES = 72  # bcrypt's limit; bcrypt 5 raises beyond it instead of truncating


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("pakjeplekje.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str) -> str | None:
    """The Dutch reason a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_LENGTH} tekens."
    if len(password.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return (
            f"Dit wachtwoord is te lang: maximaal {MAX_BYTES} bytes "
            "(letters met accenten en emoji tellen dubbel of meer)."
        )
    if password.lower() in _common_passwords():
        return "Dit wachtwoord komt voor in lijsten van veelgebruikte wachtwoorden. Kies een ander."
    return None


def require_acceptable(password: str) -> None:
    if problem := password_problem(password):
        raise DomainError(problem, field="password")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(BCRYPT_COST)).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8", "surrogatepass"), password_hash.encode())
    except ValueError:  # over 72 bytes or a malformed hash: never a match, never a 500
        return False


@cache
def dummy_hash() -> str:
    """Checked against for unknown e-mails so both paths cost one bcrypt verification."""
    return hash_password("pakjeplekje-dummy-password")
