"""Who acts: the logged-in staff member every domain entry point is handed, so that each query
can be scoped by their practice. Its own module because audit and billing need it below the
accounts package that makes it (accounts/sessions.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The logged-in staff member on whose behalf a request runs."""

    user_id: int
    practice_id: int
    role: str
    name: str
    email: str
    practice_name: str
    session_id: int
    # Set when an integration acts through an API key (/api/v1): the audit trail names the
    # key, never a person; `user_id` is then 0 (no staff member).
    api_key_id: int | None = None

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"
