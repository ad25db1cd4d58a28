"""Load against a running server (issue 13 item 4): the mixed locust load and the claim storms.

It measures a server someone else started (nginx + N app processes from deploy/, or one app
for development: `python -m bench.load.one_process`), so its entry point takes where that
server is, the DATABASE_URL it uses and the environment it was started with
(PUBLIC_BASE_URL for signatures and the websocket Origin, TWILIO_AUTH_TOKEN to sign webhooks as
Twilio does, CLOCK_START if it runs on a fixed clock):

    rows = load_bench.run_against(base_url, database_url, env, seconds=20, pids={"app1": …})

Short form (`run_against`, what `make bench` runs against the stack; about 2 minutes):
    20 s of the mixed load at a quarter of the long form's numbers (50 staff tabs on
    dashboards, 500 claim clicks on 10 slots, 25 status callbacks/s, 20 slots opened per
    minute through the /plekken events), then one claim storm each at N=50 and N=200 on the
    link and the signed `JA` path.
Long form (the CLI with `--long`; about 10 minutes):
    60 s at the full numbers (200 tabs, 2,000 clicks on 10 slots, 100 callbacks/s, 20 slots a
    minute), then storms at N=50, 200 and 1000 on both paths, 3 runs each, with their spread.

    python -m bench.load_bench --base-url http://127.0.0.1:8080 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/db \\
        --public-base-url http://localhost:8080 --auth-token … [--clock-start …] \\
        --server-pids app1=123,app2=456,worker=789 [--long]

Each figure is one row (name, value, unit), as every bench module returns them. The mixed
load runs in a child process (`python -m bench.load.locustfile`): locust patches the
interpreter with gevent, which must not reach the storms (asyncio) or the other benches.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

from bench import storm

SHORT_SCALE, LONG_SCALE = 0.25, 1.0


def stack_pids(stack: Any) -> dict[str, int]:
    """`name -> pid` of a deploy stack's processes (`app_processes`, `worker_processes`:
    Popen objects or pids); CPU and connections are measured over each one's process tree."""
    pids: dict[str, int] = {}
    for kind in ("app", "worker"):
        for i, proc in enumerate(getattr(stack, f"{kind}_processes", []) or [], start=1):
            pids[f"{kind}{i}"] = int(getattr(proc, "pid", proc))
    return pids


def mixed_load(
    base_url: str,
    database_url: str,
    env: dict[str, str],
    *,
    seconds: float,
    scale: float,
    pids: dict[str, int],
) -> dict[str, Any]:
    """The locust run's report (see bench/load/locustfile.py `build_report`)."""
    keys = ("PUBLIC_BASE_URL", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "CLOCK_START")
    args = [
        sys.executable,
        "-m",
        "bench.load.locustfile",
        "--host",
        base_url,
        "--database-url",
        database_url,
        "--env-json",
        json.dumps({k: env[k] for k in keys if env.get(k)}),
        "--server-pids",
        ",".join(f"{name}={pid}" for name, pid in pids.items()),
        "--seconds",
        str(seconds),
        "--scale",
        str(scale),
    ]
    # our own interpreter and module; the arguments are the caller's, not outside input
    done = subprocess.run(args, capture_output=True, text=True, timeout=seconds + 900)  # noqa: S603
    lines = [line for line in done.stdout.splitlines() if line.startswith("LOAD-REPORT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the load run failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    report: dict[str, Any] = json.loads(lines[-1].removeprefix("LOAD-REPORT "))
    return report


def report_rows(report: dict[str, Any]) -> list[tuple[str, float, str]]:
    """One row per figure: every route's percentiles and failures, then the whole."""
    rows: list[tuple[str, float, str]] = []
    for route, s in sorted(report["routes"].items()):
        name = f"load {route}"
        rows += [
            (f"{name}: p50", float(s["p50_ms"]), "ms"),
            (f"{name}: p95", float(s["p95_ms"]), "ms"),
            (f"{name}: p99", float(s["p99_ms"]), "ms"),
            (f"{name}: failures", float(s["failures"]), f"of {s['requests']}"),
        ]
    claims = report["claims"]
    rows += [
        ("load: errors", float(report["errors_total"]), "requests"),
        ("load: staff tabs connected", float(report["staff_tabs_connected"]), "tabs"),
        ("load: live updates received", float(sum(report["live_updates"].values())), "frames"),
        (
            "load: fill toasts received",
            float(report["fill_toasts_received"]),
            f"of {report['fill_toasts_expected']} expected",
        ),
        (
            "load: tabs dropped by the server",
            float(report["live_updates"].get("disconnected", 0)),
            "",
        ),
        ("load: claim clicks", float(report["clicks"]), f"of {report['clicks_planned']}"),
        ("load: claim clicks took", float(report["click_burst_s"] or 0), "s"),
        ("load: slots with exactly 1 winner", float(claims["slots_with_one_winner"]), "of 10"),
        ("load: slots with 2+ winners", float(claims["slots_with_two_or_more"]), ""),
        ("load: slots opened", float(report["slots_opened"]), ""),
        (
            "load: status callbacks reached",
            float(report["routes"].get("POST /api/webhooks/twilio/status", {}).get("rps", 0.0)),
            "per s",
        ),
        ("load: PostgreSQL connections (max)", float(report["pg_connections_max"]), ""),
        ("load: generator CPU (avg)", float(report["generator_cpu_avg_pct"]), "% of a core"),
    ]
    for name, p in sorted(report["processes"].items()):
        rows += [
            (f"load: {name} CPU avg", float(p["cpu_avg_pct"]), "% of a core"),
            (f"load: {name} CPU max", float(p["cpu_max_pct"]), "% of a core"),
            (f"load: {name} TCP sockets max", float(p["tcp_max"]), "any state"),
            (f"load: {name} TCP established max", float(p["tcp_established_max"]), ""),
        ]
    return rows


def run_against(
    base_url: str,
    database_url: str,
    env: dict[str, str],
    seconds: float = 20,
    *,
    pids: dict[str, int] | None = None,
    scale: float = SHORT_SCALE,
    storm_sizes: tuple[int, ...] = (50, 200),
    storm_runs: int = 1,
) -> list[tuple[str, float, str]]:
    """The short form by default; the long form is `seconds=60, scale=1.0,
    storm_sizes=(50, 200, 1000), storm_runs=3`."""
    report = mixed_load(base_url, database_url, env, seconds=seconds, scale=scale, pids=pids or {})
    rows = report_rows(report)
    rows += storm.run_storms(base_url, database_url, env, storm_sizes, storm.PATHS, storm_runs)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--public-base-url", default="")
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--clock-start", default="")
    parser.add_argument("--server-pids", default="", help="name=pid,… (app1=…,worker1=…)")
    parser.add_argument("--long", action="store_true", help="the long form")
    parser.add_argument("--seconds", type=float, help="mixed-load duration (20 s; long: 60 s)")
    parser.add_argument("--json", default="", help="also write the locust report here")
    args = parser.parse_args(argv)
    env = {
        "PUBLIC_BASE_URL": args.public_base_url or args.base_url,
        "TWILIO_AUTH_TOKEN": args.auth_token,
        "CLOCK_START": args.clock_start,
    }
    pids = {k: int(v) for k, v in (p.split("=") for p in args.server_pids.split(",") if p)}
    seconds = args.seconds or (60 if args.long else 20)
    scale = LONG_SCALE if args.long else SHORT_SCALE
    report = mixed_load(
        args.base_url, args.database_url, env, seconds=seconds, scale=scale, pids=pids
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)
    for name, value, unit in report_rows(report):
        print(f"{name}: {value:.2f} {unit}", flush=True)
    return storm.main(
        [
            "--base-url", args.base_url,
            "--database-url", args.database_url,
            "--public-base-url", env["PUBLIC_BASE_URL"],
            "--auth-token", args.auth_token,
            "--clock-start", args.clock_start,
            "--runs", "3" if args.long else "1",
            *[x for n in ((50, 200, 1000) if args.long else (50, 200)) for x in ("--n", str(n))],
        ]
    )  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
