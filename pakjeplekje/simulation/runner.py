"""Runs the chosen strategies over one synthetic world: one run per (strategy, practice),
each on its own database, in parallel processes when asked (the runs share nothing, so the
result does not depend on the order they finish in)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from pakjeplekje.simulation import metrics, population, world
from pakjeplekje.simulation.strategies import STRATEGIES


@dataclass(frozen=True)
class Settings:
    seed: int = 1
    days: int = 90
    practices: int = 3
    strategies: tuple[str, ...] = tuple(STRATEGIES)
    workers: int = 1


def _one(pop: population.Population, key: str, practice: int) -> metrics.Observed:
    return metrics.observe(world.run(pop, key, STRATEGIES[key], practice))


def simulate(settings: Settings) -> list[metrics.Observed]:
    """Every (strategy, practice) run, in the order of `settings.strategies` then practice."""
    pop = population.generate(settings.seed, settings.days, settings.practices)
    jobs = [(key, p) for key in settings.strategies for p in range(settings.practices)]
    if settings.workers <= 1:
        return [_one(pop, key, p) for key, p in jobs]
    with ProcessPoolExecutor(max_workers=settings.workers) as pool:
        futures = [pool.submit(_one, pop, key, p) for key, p in jobs]
        return [f.result() for f in futures]
