"""Typed rows the pages render: frozen dataclasses, so a page reads `row.name` (Reflex 0.10
turns a dataclass var into a typed object var) and a state can only hold what it declares."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Choice:
    """One option of a select or filter: the id as the form sends it back, and its name."""

    id: str
    name: str


class _Named(Protocol):
    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...


def choices(items: Iterable[_Named]) -> list[Choice]:
    """Stored records (treatments, practitioners, staff) as select options."""
    return [Choice(id=str(item.id), name=item.name) for item in items]
