"""The outreach simulator (issue 14): deterministic, driving the real core loop, each strategy
doing what its name says, never texting in quiet hours or above the cap, and the CLI writing
its CSV and PNG. Small worlds (one practice, a few days) keep this file fast."""

from __future__ import annotations

import csv
import io
import itertools
import subprocess
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from pakjeplekje.domain.core_loop import matching
from pakjeplekje.domain.offers import OfferStatus, SlotStatus
from pakjeplekje.models import Message, Offer, Patient, Slot
from pakjeplekje.simulation import metrics, population, report, runner, world
from pakjeplekje.simulation.strategies import STRATEGIES

SMALL = runner.Settings(seed=3, days=1, practices=1, strategies=("adaptief",))


def _csv(settings: runner.Settings) -> str:
    return report.csv_text(metrics.summarize(runner.simulate(settings)))


def test_same_seed_gives_the_same_csv_and_another_seed_another() -> None:
    first = _csv(SMALL)
    assert first == _csv(SMALL)
    other = runner.Settings(5, SMALL.days, SMALL.practices, SMALL.strategies)
    assert _csv(other) != first


def test_answers_depend_on_patient_and_slot_only() -> None:
    """A patient's answer to a slot is the same whichever strategy texts them, and when."""
    pop = population.generate(1, 5, 1)
    patient, slot = pop.patients[0], pop.slots[0]
    kinds = {population.answer(1, patient, slot.key, slot.released_at).kind for _ in range(3)}
    later = population.answer(1, patient, slot.key, slot.released_at + timedelta(minutes=30))
    assert len(kinds) == 1 and later.kind in kinds
    kinds_all = {population.answer(1, p, s.key, s.released_at).kind for p in pop.patients
                 for s in pop.slots}  # fmt: skip
    assert kinds_all == {"ja", "nee", "stil"}


@pytest.fixture(scope="module")
def fixed_run() -> world.Run:
    """Today's fixed waves, one practice, a week: the rows the real code wrote."""
    return world.run(population.generate(2, 7, 1), "vast", STRATEGIES["vast"], 0)


def test_the_simulator_drives_the_real_core_loop(fixed_run: world.Run) -> None:
    with Session(fixed_run.engine) as db:
        texts = db.exec(select(func.count()).select_from(Message)).one()
        sent = db.exec(
            select(func.count()).select_from(Offer).where(col(Offer.sent_at).is_not(None))
        ).one()
        claimed = db.exec(select(Slot).where(Slot.status == SlotStatus.CLAIMED)).all()
        assert texts > 0 and texts == sent  # one Message per offer texted (dispatch)
        assert claimed, "no slot was claimed in a week"
        for slot in claimed:
            assert slot.claimed_via == "page" and slot.claimed_at is not None
            winner = db.exec(
                select(Offer).where(Offer.slot_id == slot.id, Offer.status == OfferStatus.CLAIMED)
            ).one()
            assert winner.patient_id == slot.claimed_patient_id
            patient = db.get(Patient, winner.patient_id)
            assert patient is not None and patient.status == "booked"  # the real claim did it
        declined = db.exec(
            select(func.count()).select_from(Offer).where(Offer.status == OfferStatus.DECLINED)
        ).one()
        assert declined > 0  # "Nee" went through declines.decline_link


def test_blast_all_texts_every_eligible_patient_at_once() -> None:
    pop = population.generate(3, 1, 1)
    sim = world.World(pop, "alles", STRATEGIES["alles"], 0)
    while sim.events[0][2] != "release":
        sim.step()
    spec = sim.events[0][3]
    shape = matching.SlotShape(
        sim.practice_ids[0],
        spec.starts_at,
        spec.duration,
        sim.treatment_ids[0, spec.treatment],
        None,
    )
    with Session(sim.run.engine) as db:
        eligible = matching.count(db, shape, spec.released_at)
    sim.step()
    with Session(sim.run.engine) as db:
        offers = db.exec(select(Offer)).all()
    assert eligible > 10  # more than a fixed wave would text
    assert len(offers) == eligible
    assert {o.sent_at for o in offers} == {spec.released_at}


def test_one_per_half_hour_never_texts_a_slot_twice_within_30_minutes() -> None:
    run = world.run(population.generate(2, 7, 1), "1per30", STRATEGIES["1per30"], 0)
    with Session(run.engine) as db:
        rows = db.exec(select(Offer.slot_id, Offer.sent_at).order_by(col(Offer.sent_at))).all()
    by_slot: dict[int, list] = defaultdict(list)
    for slot_id, sent_at in rows:
        by_slot[slot_id].append(sent_at)
    gaps = [b - a for times in by_slot.values() for a, b in itertools.pairwise(times)]
    assert gaps and min(gaps) >= timedelta(minutes=30)
    assert max(len(times) for times in by_slot.values()) > 1


def test_the_cli_writes_csv_and_png_with_no_quiet_hour_text_and_none_above_the_cap(
    tmp_path: Path,
) -> None:
    out = tmp_path / "uit"
    done = subprocess.run(
        [sys.executable, "-m", "pakjeplekje", "simulate", "--days", "7", "--practices", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Alle plekken" in done.stdout and "Doel (issue 14)" in done.stdout
    rows = list(csv.DictReader(io.StringIO((out / "simulatie.csv").read_text("utf-8"))))
    assert list(rows[0]) == report.COLUMNS
    assert {r["strategy"] for r in rows} == set(STRATEGIES)
    assert len(rows) == len(STRATEGIES) * (len(metrics.BUCKETS) + 1)
    everything = [r for r in rows if r["bucket"] == metrics.ALL]
    assert all(int(r["slots"]) > 0 for r in everything)
    assert all(r["quiet_violations"] == "0" and r["over_cap"] == "0" for r in rows)
    assert (out / "simulatie.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_cli_refuses_an_unknown_strategy(capsys: pytest.CaptureFixture[str]) -> None:
    from pakjeplekje.__main__ import main

    assert main(["simulate", "--strategies", "alles,willekeurig"]) == 2
    assert "Onbekende strategie: willekeurig" in capsys.readouterr().err
