"""A busy practice's changes are folded together before they reach its staff tabs: a hundred
delivery callbacks a second must not mean a hundred refreshes of every tab a second (the load
test saw 8 of 100 fill toasts arrive that way), and no fill's toast may be lost."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pakjeplekje.ui.live import Coalesced


class SlowRefresh:
    """Stands in for reading the practice's slots into every tab: it takes a while."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, list[str], str]] = []
        self.running = 0
        self.most_at_once = 0

    async def __call__(self, practice_id: int, messages: Sequence[str], skip: str) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.calls.append((practice_id, list(messages), skip))
        await asyncio.sleep(0.05)
        self.running -= 1


def test_a_burst_of_changes_becomes_two_refreshes_with_every_toast() -> None:
    refresh = SlowRefresh()
    listener = Coalesced(refresh)

    async def burst() -> None:
        changes = [listener(7, "", "tab-a") for _ in range(98)]
        changes += [listener(7, "Plek van di 10:00 is gevuld door Anna.", "tab-a")]
        changes += [listener(7, "Plek van di 11:00 is gevuld door Bram.", "tab-b")]
        await asyncio.gather(*changes)

    asyncio.run(burst())
    assert len(refresh.calls) == 2  # the first, and one for everything that came meanwhile
    assert refresh.most_at_once == 1
    first, folded = refresh.calls
    assert first == (7, [], "tab-a")
    assert folded[1] == [
        "Plek van di 10:00 is gevuld door Anna.",
        "Plek van di 11:00 is gevuld door Bram.",
    ]
    assert folded[2] == ""  # two tabs to skip: refresh them all rather than miss one


def test_practices_do_not_wait_for_each_other() -> None:
    refresh = SlowRefresh()
    listener = Coalesced(refresh)

    async def both() -> None:
        await asyncio.gather(listener(1, "gevuld 1"), listener(2, "gevuld 2"))

    asyncio.run(both())
    assert sorted(refresh.calls) == [(1, ["gevuld 1"], ""), (2, ["gevuld 2"], "")]
    assert refresh.most_at_once == 2


def test_a_change_after_the_refresh_gets_its_own() -> None:
    refresh = SlowRefresh()
    listener = Coalesced(refresh)

    async def one_after_another() -> None:
        await listener(3, "eerste")
        await listener(3, "tweede")

    asyncio.run(one_after_another())
    assert refresh.calls == [(3, ["eerste"], ""), (3, ["tweede"], "")]
