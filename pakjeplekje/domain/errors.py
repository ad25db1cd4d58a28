"""Errors whose message is Dutch and safe to show to the person who caused them."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    def __init__(self, message: str = "Dit mag alleen de eigenaar van de praktijk.") -> None:
        super().__init__(message)


class NotFound(DomainError):
    """Also used for records of another practice: never reveal that they exist."""

    def __init__(self, message: str = "Niet gevonden.") -> None:
        super().__init__(message)
