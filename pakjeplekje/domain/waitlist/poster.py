"""The reception-desk poster: which practice a public slug names. Only public facts leave here
(the name); a deleted practice or an unknown slug has no poster."""

from __future__ import annotations

from sqlmodel import Session, select

from pakjeplekje.models import Practice


def practice_name(db: Session, slug: str) -> str | None:
    """The name of the active practice with this public slug, or None."""
    if not slug or len(slug) > 60:
        return None
    return db.exec(
        select(Practice.name).where(Practice.slug == slug, Practice.status == "active")
    ).first()
