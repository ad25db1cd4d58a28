"""Normalising and validating what people type about themselves and their practice."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from pakjeplekje.domain.errors import DomainError

NAME_MAX = 100
EMAIL_MAX = 254


def normalize_email(raw: str) -> str:
    """Trimmed, lower-cased and syntactically valid; no DNS lookups (offline-safe)."""
    candidate = (raw or "").strip().lower()
    if not candidate or len(candidate) > EMAIL_MAX:
        raise DomainError("Vul een geldig e-mailadres in.", field="email")
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError("Vul een geldig e-mailadres in.", field="email") from exc
    return result.normalized.lower()


def clean_name(raw: str, field: str, label: str) -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise DomainError(f"Vul {label} in.", field=field)
    if len(value) > NAME_MAX:
        raise DomainError(f"{label.capitalize()} mag maximaal {NAME_MAX} tekens zijn.", field=field)
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise DomainError(f"{label.capitalize()} bevat ongeldige tekens.", field=field)
    return value


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:50] or "praktijk"


def sender_name(name: str) -> str:
    """Default alphanumeric SMS sender: letters and digits only, at most 11 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^A-Za-z0-9]+", ascii_name) if w]
    skip = {"tandartspraktijk", "tandarts", "praktijk", "de", "het", "van"}
    core = "".join(w.capitalize() for w in words if w.lower() not in skip) or "Tandarts"
    return core[:11]
