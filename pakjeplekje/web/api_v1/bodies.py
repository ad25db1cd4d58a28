"""Request bodies of /api/v1: JSON, checked against the OpenAPI document's own schemas, every
violation named by field in Dutch. Whatever arrives — no body, another media type, broken
JSON, NaN, a number of a thousand digits, nesting a mile deep — ends as a 4xx problem."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import (  # type: ignore[import-untyped]  # jsonschema ships no type information
    Draft202012Validator,
)
from jsonschema.exceptions import (  # type: ignore[import-untyped]  # jsonschema ships no type information
    ValidationError,
)

from pakjeplekje.web.api_v1.openapi import SCHEMAS
from pakjeplekje.web.api_v1.problems import Problem

MAX_BODY = 64 * 1024
INVALID = "Controleer de gemarkeerde velden."

_TYPES = {
    "integer": "een geheel getal",
    "string": "tekst",
    "array": "een lijst",
    "object": "een object",
    "boolean": "true of false",
    "null": "null",
    "number": "een getal",
}


def _constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not JSON


def parse_json(raw: bytes, content_type: str, *, required: bool) -> Any:
    """The decoded body, or None when it may be absent and is."""
    if len(raw) > MAX_BODY:
        raise Problem(413, "Het verzoek is groter dan 64 kB.")
    if not raw.strip():
        if required:
            raise Problem(422, "Stuur een JSON-object als body.", errors={"body": "Verplicht."})
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise Problem(415, "Stuur de body als JSON, met Content-Type: application/json.")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_constant)
        # "\ud800" is valid JSON but no text: no database can store a lone surrogate
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError) as exc:  # Unicode*Error is a ValueError
        raise Problem(400, "De body is geen geldige JSON (UTF-8).") from exc
    return body


def _field(error: ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "body"


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p and p != "body") or "body"


def _message(error: ValidationError) -> list[tuple[str, str]]:
    """(field, Dutch message) for one violation."""
    where = _field(error)
    value = error.validator_value
    match error.validator:
        case "required":
            given = error.instance if isinstance(error.instance, dict) else {}
            return [(_join(where, n), "Dit veld is verplicht.") for n in value if n not in given]
        case "additionalProperties":
            allowed = error.schema.get("properties", {})
            extra = [k for k in error.instance if k not in allowed]
            return [(_join(where, str(k)[:50]), "Onbekend veld.") for k in extra]
        case "type":
            names = value if isinstance(value, list) else [value]
            wanted = " of ".join(_TYPES.get(str(n), str(n)) for n in names)
            return [(where, f"Moet {wanted} zijn.")]
        case "minimum":
            return [(where, f"Moet minstens {value} zijn.")]
        case "maximum":
            return [(where, f"Mag hoogstens {value} zijn.")]
        case "minLength":
            return [(where, "Mag niet leeg zijn." if value == 1 else f"Minstens {value} tekens.")]
        case "maxLength":
            return [(where, f"Mag hoogstens {value} tekens zijn.")]
        case "minItems":
            return [(where, f"Geef er minstens {value}.")]
        case "maxItems":
            return [(where, f"Geef er hoogstens {value}.")]
        case "enum":
            return [(where, "Kies uit: " + ", ".join(str(v) for v in value) + ".")]
        case "pattern":
            return [(where, "Heeft niet de juiste vorm.")]
        case _:
            return [(where, "Ongeldige waarde.")]


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(SCHEMAS[name])


def check(name: str, body: Any) -> dict[str, Any]:
    """`body` if it matches the schema `name`; else a 422 naming every field."""
    errors: dict[str, str] = {}
    for error in sorted(_validator(name).iter_errors(body), key=lambda e: [str(p) for p in e.path]):
        for field, message in _message(error):
            errors.setdefault(field, message)
    if errors:
        raise Problem(422, INVALID, errors=errors)
    assert isinstance(body, dict)
    return body
