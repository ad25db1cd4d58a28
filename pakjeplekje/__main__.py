"""`python -m pakjeplekje <command>`: operator commands."""

from __future__ import annotations

import argparse
import sys

from pakjeplekje.config import ConfigError, get_settings


def _migrate(_: argparse.Namespace) -> int:
    from pakjeplekje.migrations import upgrade

    upgrade()
    print("Database bijgewerkt.")
    return 0


def _seed_demo(_: argparse.Namespace) -> int:
    from pakjeplekje.db import session_scope
    from pakjeplekje.services.demo import DEMO_EMAIL, seed_demo

    settings = get_settings()
    if settings.is_prod:
        print("Geen demo-data in productie.")
        return 0
    with session_scope() as db:
        password = seed_demo(db)
    bar = "=" * 64
    if password:
        print(
            f"\n{bar}\n  Demo-praktijk aangemaakt: Tandartspraktijk De Molen\n"
            f"  Inloggen:   {DEMO_EMAIL}\n  Wachtwoord: {password}\n"
            f"  (wordt maar één keer getoond; vergeten? gebruik 'Wachtwoord vergeten'\n"
            f"   en open de link op {settings.url('/dev/mail')})\n{bar}\n"
        )
    else:
        print(
            f"Demo-data bestaat al (inloggen als {DEMO_EMAIL}; "
            f"wachtwoord vergeten? zie {settings.url('/dev/mail')})."
        )
    return 0


def _worker(_: argparse.Namespace) -> int:
    from pakjeplekje.services.scheduler import run_worker

    return run_worker()


def _billing_set_status(args: argparse.Namespace) -> int:
    """Demo/test tool: set a practice's subscription state without Stripe."""
    from sqlmodel import select

    from pakjeplekje import clock
    from pakjeplekje.db import session_scope
    from pakjeplekje.domain import billing
    from pakjeplekje.domain.errors import DomainError
    from pakjeplekje.models import Practice

    ref = str(args.practice)
    try:
        with session_scope() as db:
            found = db.exec(
                select(Practice.id).where(
                    (Practice.slug == ref) | (Practice.id == (int(ref) if ref.isdecimal() else -1))
                )
            ).first()
            if found is None:
                print(f"Geen praktijk met id of slug {ref!r}.", file=sys.stderr)
                return 1
            billing.set_status(db, found, args.status, clock.now())
            state = billing.entitlement(db, found, clock.now())
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"Abonnement van praktijk {found}: {state.label}.")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    """The outreach simulator (issue 14): every strategy on the real core loop, simulated."""
    import time
    from pathlib import Path

    from pakjeplekje.simulation import metrics, report, runner
    from pakjeplekje.simulation.strategies import ADAPTIVE, STRATEGIES

    chosen = tuple(k.strip() for k in args.strategies.split(",") if k.strip())
    unknown = [k for k in chosen if k not in STRATEGIES]
    if unknown or not chosen:
        print(f"Onbekende strategie: {', '.join(unknown) or '(geen)'}; kies uit "
              f"{', '.join(STRATEGIES)}.", file=sys.stderr)  # fmt: skip
        return 2
    if args.days < 1 or args.practices < 1:
        print("--days en --practices zijn minstens 1.", file=sys.stderr)
        return 2
    started = time.monotonic()
    settings = runner.Settings(args.seed, args.days, args.practices, chosen, args.workers)
    rows = metrics.summarize(runner.simulate(settings))
    print(report.table(rows))
    if ADAPTIVE in chosen and len(chosen) > 1:
        print(report.verdict_text(metrics.goal(rows, ADAPTIVE)))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        report.write_csv(rows, out / "simulatie.csv")
        report.write_chart(rows, out / "simulatie.png")
        print(f"\nGeschreven: {out / 'simulatie.csv'} en {out / 'simulatie.png'}")
    print(f"Duur: {time.monotonic() - started:.0f} s")
    return 0


def _check_config(_: argparse.Namespace) -> int:
    get_settings().check_startable()
    print("Configuratie in orde.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pakjeplekje")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="database naar de nieuwste versie").set_defaults(
        run=_migrate
    )
    commands.add_parser("seed-demo", help="demo-praktijk (alleen dev)").set_defaults(run=_seed_demo)
    commands.add_parser("worker", help="achtergrondtaken (huey-consumer)").set_defaults(run=_worker)
    commands.add_parser("check-config", help="controleer de configuratie").set_defaults(
        run=_check_config
    )
    simulate = commands.add_parser("simulate", help="uitkomstsimulator van de SMS-strategieën")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--days", type=int, default=90, help="dagen met vrijgegeven plekken")
    simulate.add_argument("--practices", type=int, default=3)
    simulate.add_argument("--out", default="", help="map voor simulatie.csv en simulatie.png")
    simulate.add_argument(
        "--strategies",
        default="alles,10per5,eerste5,1per30,vast,adaptief",
        help="komma-gescheiden: alles, 10per5, eerste5, 1per30, vast, adaptief",
    )
    simulate.add_argument(
        "--workers", type=int, default=2, help="processen naast elkaar (uitkomst gelijk)"
    )
    simulate.set_defaults(run=_simulate)
    billing = commands.add_parser("billing", help="abonnementen (demo's en tests)")
    billing_commands = billing.add_subparsers(dest="billing_command", required=True)
    set_status = billing_commands.add_parser(
        "set-status", help="zet de abonnementsstatus van een praktijk (zonder Stripe)"
    )
    set_status.add_argument("practice", help="id of slug van de praktijk")
    set_status.add_argument(
        "status", choices=["trialing", "active", "past_due", "canceled", "expired"]
    )
    set_status.set_defaults(run=_billing_set_status)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
