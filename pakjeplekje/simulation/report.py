"""The simulator's output: a table on the terminal, one CSV row per strategy × lead-time
bucket, and a PNG chart (matplotlib, imported only here and only when a chart is asked for)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path

from pakjeplekje.simulation.metrics import ALL, BUCKETS, Row, Verdict

COLUMNS = [f.name for f in fields(Row)]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def csv_text(rows: Sequence[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in COLUMNS])
    return out.getvalue()


def _fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def table(rows: Sequence[Row]) -> str:
    """Per bucket, one line per strategy; fairness (whole run) in the `alle` block."""
    head = (
        f"{'strategie':<16}{'plekken':>8}{'gevuld':>8}{'mediaan':>9}{'SMS/vul':>9}"
        f"{'teleurg.':>9}{'te laat':>8}{'ja/SMS':>8}{'>max':>6}{'stil':>6}"
        f"{'nooit':>7}{'Gini':>6}"
    )
    lines = []
    for label in [b for b, _ in BUCKETS] + [ALL]:
        lines += ["", f"Aanloop {label}" if label != ALL else "Alle plekken", head]
        for r in (r for r in rows if r.bucket == label):
            lines.append(
                f"{r.name:<16}{r.slots:>8}{r.fill_rate:>8.0%}"
                f"{_fmt(r.median_fill_min, '.0f'):>9}{_fmt(r.sms_per_fill, '.1f'):>9}"
                f"{r.disappointed:>9}{r.late:>8}{r.yes_per_sms:>8.1%}{r.over_cap:>6}"
                f"{r.quiet_violations:>6}{_fmt(r.never_offered, '.0%'):>7}"
                f"{_fmt(r.gini, '.2f'):>6}"
            )
    lines += [
        "",
        "gevuld: plekken gevuld via de wachtlijst; mediaan: minuten van vrijgeven tot claim;",
        "teleurg.: 'ja' op een al vergeven plek; te laat: 'ja' na het begin; >max: SMS boven",
        "het maximum per week; stil: SMS in stille uren; nooit: deel van de wachtlijst dat",
        "nooit een SMS kreeg; Gini: ongelijkheid van SMS'jes per patiënt (0 = gelijk).",
    ]
    return "\n".join(lines)


def verdict_text(verdicts: Sequence[Verdict]) -> str:
    lines = ["", "Doel (issue 14): adaptief vult minstens zoveel als de beste vaste strategie,"]
    lines.append("met hooguit de helft SMS per vulling en een derde van de teleurgestelden.")
    for v in verdicts:
        state = "gehaald" if v.met else "niet gehaald: " + "; ".join(v.reasons)
        lines.append(f"  {v.bucket:<8} tegen {v.best:<16} {state}")
    return "\n".join(lines)


def write_csv(rows: Sequence[Row], path: Path) -> None:
    path.write_text(csv_text(rows), encoding="utf-8")


def write_chart(rows: Sequence[Row], path: Path) -> None:
    """Four panels (fill rate, SMS per fill, disappointed per slot, median time to fill),
    bars per strategy within each lead-time bucket."""
    import matplotlib  # only the chart needs it (a dev extra)

    matplotlib.use("Agg")
    from matplotlib import pyplot

    labels = [b for b, _ in BUCKETS] + [ALL]
    names = list(dict.fromkeys(r.name for r in rows))
    panels: tuple[tuple[str, Callable[[Row], float], str], ...] = (
        ("Vulgraad", lambda r: r.fill_rate * 100, "%"),
        ("SMS per gevulde plek", lambda r: r.sms_per_fill or 0.0, "SMS"),
        ("Teleurgestelde klikkers per plek", lambda r: r.disappointed_per_slot, "per plek"),
        ("Mediaan tijd tot vullen", lambda r: (r.median_fill_min or 0.0) / 60, "uur"),
    )
    figure = pyplot.figure(figsize=(13, 8))
    width = 0.8 / max(1, len(names))
    for number, (title, value, unit) in enumerate(panels, start=1):
        axis = figure.add_subplot(2, 2, number)
        for i, name in enumerate(names):
            mine = {r.bucket: r for r in rows if r.name == name}
            xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(labels))]
            axis.bar(xs, [value(mine[b]) if b in mine else 0.0 for b in labels], width, label=name)
        axis.set_title(title)
        axis.set_ylabel(unit)
        axis.set_xticks(range(len(labels)), labels)
        if number == 1:
            axis.legend(fontsize=8)
    figure.suptitle("Uitkomstsimulator: strategieën per aanlooptijd")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=80, metadata={"Software": None})
    pyplot.close(figure)
