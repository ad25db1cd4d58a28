"""iCalendar (RFC 5545) text: escaping and line folding, shared by the claim page's .ics file
and the practice's calendar feed."""

from __future__ import annotations

from datetime import UTC, datetime


def ics_stamp(moment: datetime) -> str:
    """A DATE-TIME in UTC form (`20261124T090000Z`); a naive `moment` is UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def ics_text(value: str) -> str:
    """A TEXT value per RFC 5545 3.3.11: backslash, `;` and `,` escaped, line breaks as `\\n`."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """Content lines longer than 75 octets folded (RFC 5545 3.1): CRLF and a space, never inside
    a UTF-8 character (an address may hold "ë")."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        octets = len(ch.encode("utf-8"))
        if size + octets > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with the space
        current += ch
        size += octets
    parts.append(current)
    return "\r\n ".join(parts)


def ics_document(lines: list[str]) -> str:
    """Content lines folded and joined with CRLF, ending in CRLF."""
    return "\r\n".join(ics_fold(line) for line in [*lines, ""])
