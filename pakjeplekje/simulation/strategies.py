"""The six strategies the simulator compares: five fixed rhythms (what competitors do, and
PakJePlekje's own fixed waves before adaptive) and the adaptive plan. Keys are the names used
on the command line (--strategies) and in the CSV."""

from __future__ import annotations

from datetime import timedelta

from pakjeplekje.domain.core_loop.adaptive import Adaptive
from pakjeplekje.domain.core_loop.wave_strategies import Fixed, Strategy

EVERYONE = 10_000  # more than any waitlist: "blast-all" texts every match at once

STRATEGIES: dict[str, Strategy] = {
    "alles": Fixed("alles tegelijk", EVERYONE, None),
    "10per5": Fixed("10 per 5 min", 10, timedelta(minutes=5)),
    "eerste5": Fixed("eerste 5", 5, None),
    "1per30": Fixed("1 per 30 min", 1, timedelta(minutes=30)),
    "vast": Fixed("vast (vandaag)", 5, timedelta(minutes=10)),
    "adaptief": Adaptive(),
}
ADAPTIVE = "adaptief"
