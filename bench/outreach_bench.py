"""The outreach simulator at bench size (issue 14): one practice, three weeks of released
slots, seed 1, every strategy on the real core loop. Prints the comparison table and the goal
verdict, and reports per strategy the fill rate, SMS per filled slot and disappointed
clickers. Its own in-memory databases: `url` is not used."""

from __future__ import annotations

import time

from pakjeplekje.simulation import metrics, report, runner
from pakjeplekje.simulation.strategies import ADAPTIVE

SETTINGS = runner.Settings(seed=1, days=21, practices=1, workers=2)


def run(url: str) -> list[tuple[str, float, str]]:
    started = time.monotonic()
    rows = metrics.summarize(runner.simulate(SETTINGS))
    print(report.table(rows))
    print(report.verdict_text(metrics.goal(rows, ADAPTIVE)), flush=True)
    figures: list[tuple[str, float, str]] = []
    for row in (r for r in rows if r.bucket == metrics.ALL):
        figures += [
            (f"simulator {row.strategy}: fill rate", row.fill_rate * 100, "%"),
            (f"simulator {row.strategy}: SMS per filled slot", row.sms_per_fill or 0.0, "SMS"),
            (f"simulator {row.strategy}: disappointed clickers", row.disappointed, "clicks"),
        ]
    figures.append(("simulator run (6 strategies, 21 days)", time.monotonic() - started, "s"))
    return figures
