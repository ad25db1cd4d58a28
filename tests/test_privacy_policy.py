"""The published policy is the company's text: every heading of it is rendered as a heading,
and it stays in step with the copy in shared/ (when this checkout sits next to it)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from pakjeplekje.ui.pages.privacy_policy import HEADINGS

SHIPPED = resources.files("pakjeplekje.data").joinpath("privacybeleid.txt").read_text("utf-8")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "privacybeleid.txt"


def test_the_shipped_policy_is_the_one_in_shared() -> None:
    if not SHARED.exists():
        pytest.skip("no shared/ next to this checkout")
    assert SHARED.read_text("utf-8") == SHIPPED


def test_every_section_of_the_policy_becomes_a_heading() -> None:
    lines = {line.strip() for line in SHIPPED.splitlines()}
    assert lines >= HEADINGS  # a renamed section would silently become body text
