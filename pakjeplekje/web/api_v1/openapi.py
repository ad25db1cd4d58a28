"""The OpenAPI 3.1 document of /api/v1: the single source of the contract.

Served as `/api/v1/openapi.json`, read by the docs page, and used by the routes themselves:
request bodies are checked against the schemas below (JSON Schema 2020-12, OpenAPI 3.1's own
dialect) before any rule of the practice is asked, so the document cannot drift from what the
server accepts. Schemathesis fuzzes the server against it in the test suite.
"""

from __future__ import annotations

from typing import Any

from pakjeplekje import routes
from pakjeplekje.domain.core_loop import slot_api
from pakjeplekje.domain.integrations.idempotency import KEY_PATTERN
from pakjeplekje.domain.waitlist import entry_api

V1 = routes.API_V1
MAX_ID = 2_147_483_647  # an id the database can hold; anything larger is a 404 or a 422
PAGE_MAX = 100

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
INSTANT: Schema = {
    "type": "string",
    "format": "date-time",
    "maxLength": 40,
    "description": "ISO 8601 met tijdzone, bijvoorbeeld 2026-11-25T10:30:00+01:00.",
}
OUT_INSTANT: Schema = {"type": "string", "format": "date-time"}
NULLABLE_ID: Schema = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}

CONSENT_IN: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["method", "at", "text_version"],
    "properties": {
        "method": {
            "type": "string",
            "enum": list(entry_api.CONSENT_METHODS),
            "description": "balie: mondeling aan de balie; formulier: op papier of in uw "
            "software; zelf: de patiënt meldde zich zelf aan.",
        },
        "at": {**INSTANT, "description": "Wanneer de patiënt toestemming gaf."},
        "text_version": {
            "type": "string",
            "minLength": 1,
            "maxLength": entry_api.TEXT_VERSION_MAX,
            "description": "De versie van de toestemmingstekst die de patiënt zag.",
        },
    },
    "example": {"method": "balie", "at": "2026-11-24T09:12:00+01:00", "text_version": "2026-1"},
}

ENTRY_FIELDS: dict[str, Schema] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "phone": {
        "type": "string",
        "minLength": 1,
        "maxLength": 30,
        "description": "Mobiel nummer; wordt opgeslagen in E.164 (+31612345678).",
    },
    "treatment_ids": {
        "type": "array",
        "items": ID,
        "minItems": 1,
        "maxItems": 50,
        "description": "Ids uit GET /api/v1/treatments.",
    },
    "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 240},
    "availability": {
        "type": "array",
        "items": {"type": "string", "enum": list(entry_api.AVAILABILITY)},
        "minItems": 1,
        "maxItems": len(entry_api.AVAILABILITY),
        "description": "Dagdelen waarop de patiënt kan: dag (ma–za) en ochtend, middag of avond.",
    },
    "preferred_practitioner_id": {
        **NULLABLE_ID,
        "description": "Id uit GET /api/v1/practitioners, of null.",
    },
    "urgency": {"type": "string", "enum": list(entry_api.URGENCIES)},
    "note": {"type": "string", "maxLength": 500},
    "consent": CONSENT_IN,
}

ENTRY_EXAMPLE = {
    "name": "Sanne de Vries",
    "phone": "+31612345678",
    "treatment_ids": [1],
    "duration_minutes": 30,
    "availability": ["ma-ochtend", "wo-middag"],
    "preferred_practitioner_id": None,
    "urgency": "normaal",
    "note": "",
    "consent": CONSENT_IN["example"],
}

SCHEMAS: dict[str, Schema] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; `detail` is Dutch and safe to show.",
        "required": ["type", "title", "status", "detail", "instance"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
        "example": {
            "type": f"{routes.API_V1_DOCS}#validatie",
            "title": "Ongeldige invoer",
            "status": 422,
            "detail": "Controleer de gemarkeerde velden.",
            "instance": f"{V1}/slots",
            "errors": [{"field": "duration_minutes", "message": "De duur is 5 tot 240 minuten."}],
        },
    },
    "NewSlot": {
        "type": "object",
        "additionalProperties": False,
        "required": ["starts_at", "duration_minutes", "treatment_id"],
        "properties": {
            "starts_at": {**INSTANT, "description": "Begin, op een hele minuut."},
            "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 240},
            "treatment_id": {**ID, "description": "Id uit GET /api/v1/treatments."},
            "practitioner_id": {
                **NULLABLE_ID,
                "description": "Id uit GET /api/v1/practitioners, of null.",
            },
        },
        "example": {
            "starts_at": "2026-11-25T10:30:00+01:00",
            "duration_minutes": 30,
            "treatment_id": 1,
            "practitioner_id": None,
        },
    },
    "CloseSlot": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "reason": {
                "type": "string",
                "enum": list(slot_api.CLOSE_REASONS),
                "description": "zelf_ingevuld: de praktijk vulde de plek zelf; gaat_niet_door: "
                "de plek vervalt. Standaard gaat_niet_door.",
            }
        },
        "example": {"reason": "zelf_ingevuld"},
    },
    "Slot": {
        "type": "object",
        "required": [
            "id",
            "status",
            "starts_at",
            "duration_minutes",
            "treatment_id",
            "practitioner_id",
            "created_at",
            "claimed_at",
            "claimed_via",
            "claimed_by_waitlist_entry_id",
            "closed_reason",
        ],
        "properties": {
            "id": {"type": "integer"},
            "status": {"type": "string", "enum": list(slot_api.STATUSES)},
            "starts_at": OUT_INSTANT,
            "duration_minutes": {"type": "integer"},
            "treatment_id": {"type": ["integer", "null"]},
            "practitioner_id": {"type": ["integer", "null"]},
            "created_at": OUT_INSTANT,
            "claimed_at": {"type": ["string", "null"], "format": "date-time"},
            "claimed_via": {"type": ["string", "null"], "description": "page, sms of api"},
            "claimed_by_waitlist_entry_id": {"type": ["integer", "null"]},
            "closed_reason": {"type": ["string", "null"]},
        },
        "example": {
            "id": 42,
            "status": "open",
            "starts_at": "2026-11-25T10:30:00+01:00",
            "duration_minutes": 30,
            "treatment_id": 1,
            "practitioner_id": None,
            "created_at": "2026-11-24T10:02:11+01:00",
            "claimed_at": None,
            "claimed_via": None,
            "claimed_by_waitlist_entry_id": None,
            "closed_reason": None,
        },
    },
    "SlotList": {
        "type": "object",
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": _ref("Slot")},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Geef mee als ?cursor= voor de volgende pagina; null: dit was "
                "de laatste.",
            },
        },
    },
    "NewWaitlistEntry": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "name",
            "phone",
            "treatment_ids",
            "duration_minutes",
            "availability",
            "consent",
        ],
        "properties": ENTRY_FIELDS,
        "example": ENTRY_EXAMPLE,
    },
    "WaitlistEntryChanges": {
        "type": "object",
        "additionalProperties": False,
        "description": "Alleen de velden die veranderen; een nieuwe `consent` vervangt de "
        "vastgelegde toestemming.",
        "properties": {
            **ENTRY_FIELDS,
            "status": {"type": "string", "enum": list(entry_api.STATUSES)},
        },
        "example": {"availability": ["di-ochtend"], "urgency": "hoog"},
    },
    "WaitlistEntry": {
        "type": "object",
        "required": [
            "id",
            "name",
            "phone",
            "treatment_ids",
            "duration_minutes",
            "availability",
            "preferred_practitioner_id",
            "urgency",
            "note",
            "status",
            "consent",
            "sms_blocked_reason",
            "paused_until",
            "added_at",
            "updated_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "phone": {"type": "string", "description": "E.164"},
            "treatment_ids": {"type": "array", "items": {"type": "integer"}},
            "duration_minutes": {"type": "integer"},
            "availability": {"type": "array", "items": {"type": "string"}},
            "preferred_practitioner_id": {"type": ["integer", "null"]},
            "urgency": {"type": "string"},
            "note": {"type": "string"},
            "status": {
                "type": "string",
                "description": "waiting, booked, removed (of pending: een aanmelding die de "
                "praktijk nog beoordeelt)",
            },
            "consent": {
                "type": "object",
                "required": ["method", "at", "text_version"],
                "properties": {
                    "method": {"type": "string"},
                    "at": OUT_INSTANT,
                    "text_version": {"type": "string"},
                },
            },
            "sms_blocked_reason": {
                "type": ["string", "null"],
                "description": "Waarom geen SMS aankomt (afgemeld, nummer ongeldig), of null.",
            },
            "paused_until": {"type": ["string", "null"], "format": "date-time"},
            "added_at": OUT_INSTANT,
            "updated_at": OUT_INSTANT,
        },
    },
    "WaitlistEntryList": {
        "type": "object",
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": _ref("WaitlistEntry")},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
    "Treatment": {
        "type": "object",
        "required": ["id", "name", "duration_minutes"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "duration_minutes": {"type": "integer"},
        },
    },
    "Practitioner": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
    "TreatmentList": {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"type": "array", "items": _ref("Treatment")}},
    },
    "PractitionerList": {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"type": "array", "items": _ref("Practitioner")}},
    },
}

PROBLEM_TITLES = {
    400: "Ongeldig verzoek",
    401: "Niet geautoriseerd",
    403: "Geen toestemming",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    409: "Conflict",
    413: "Verzoek te groot",
    415: "Verkeerd mediatype",
    422: "Ongeldige invoer",
    429: "Te veel verzoeken",
    500: "Interne fout",
    503: "Tijdelijk niet beschikbaar",
}


def _problem(status: int, description: str) -> Schema:
    response: Schema = {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "required": True,
                "description": "Seconden tot een nieuw verzoek weer mag.",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
            }
        }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}}
    return response


COMMON_ERRORS = {
    "401": _problem(401, "Geen, een onbekende of een ingetrokken API-sleutel."),
    "429": _problem(429, "Meer verzoeken per minuut dan deze sleutel mag."),
    "503": _problem(503, "De database is even niet bereikbaar; probeer het later opnieuw."),
    "default": _problem(500, "Elke andere fout, als problem details."),
}
WRITE_ERRORS = {
    "400": _problem(400, "Geen geldige JSON, of een ongeldige Idempotency-Key."),
    "403": _problem(403, "Deze sleutel mag alleen lezen."),
    "413": _problem(413, "Het verzoek is groter dan 64 kB."),
    "415": _problem(415, "Stuur de body als application/json."),
    "422": _problem(422, "Ongeldige invoer; `errors` noemt elk veld met de Nederlandse reden."),
}
NOT_FOUND = {"404": _problem(404, "Bestaat niet, of hoort bij een andere praktijk.")}
CONFLICT = {"409": _problem(409, "Mag nu niet (bijvoorbeeld: plek al gevuld, abonnement).")}

IDEMPOTENCY_KEY: Schema = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Een unieke waarde per bedoelde handeling (bijvoorbeeld een UUID). Een "
    "herhaling met dezelfde sleutel en body krijgt het eerste antwoord terug (header "
    "Idempotent-Replayed: true); met een andere body volgt 422. Sleutels gelden 24 uur.",
    "schema": {"type": "string", "pattern": KEY_PATTERN, "minLength": 1, "maxLength": 255},
}
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "true als dit het bewaarde antwoord op een eerder verzoek is.",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
PATH_ID: Schema = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": ID,
}
PAGING: list[Schema] = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"Aantal per pagina (1–{PAGE_MAX}, standaard 25).",
        "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX, "default": 25},
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "`next_cursor` van de vorige pagina.",
        "schema": {"type": "string", "pattern": "^[0-9]{1,10}$"},
    },
]


def _json(schema_name: str, description: str) -> Schema:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _body(schema_name: str, required: bool = True) -> Schema:
    return {
        "required": required,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _status_filter(values: tuple[str, ...]) -> Schema:
    return {
        "name": "status",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(values)},
    }


READ: list[dict[str, list[str]]] = [{"bearer": []}]

PATHS: dict[str, Schema] = {
    f"{V1}/slots": {
        "get": {
            "operationId": "listSlots",
            "summary": "Plekken, oudste eerst, per pagina",
            "security": READ,
            "parameters": [*PAGING, _status_filter(slot_api.STATUSES)],
            "responses": {
                "200": _json("SlotList", "Een pagina plekken."),
                "400": _problem(400, "Ongeldige limit, cursor of status."),
                **COMMON_ERRORS,
            },
        },
        "post": {
            "operationId": "openSlot",
            "summary": "Een vrijgekomen plek openzetten (dezelfde regels als het formulier)",
            "description": "De praktijk moet plekken mogen openzetten (e-mailadres bevestigd, "
            "abonnement of proefperiode); de eerste golf SMS'jes gaat meteen uit, of na de "
            "stille uren.",
            "security": READ,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": _body("NewSlot"),
            "responses": {
                "201": {**_json("Slot", "De plek staat open."), "headers": REPLAYED},
                **WRITE_ERRORS,
                **CONFLICT,
                **COMMON_ERRORS,
            },
        },
    },
    f"{V1}/slots/{{id}}": {
        "get": {
            "operationId": "getSlot",
            "summary": "Eén plek",
            "security": READ,
            "parameters": [PATH_ID],
            "responses": {"200": _json("Slot", "De plek."), **NOT_FOUND, **COMMON_ERRORS},
        },
    },
    f"{V1}/slots/{{id}}/close": {
        "post": {
            "operationId": "closeSlot",
            "summary": "Een open plek sluiten (de golven stoppen)",
            "security": READ,
            "parameters": [PATH_ID, IDEMPOTENCY_KEY],
            "requestBody": _body("CloseSlot", required=False),
            "responses": {
                "200": {**_json("Slot", "De plek is gesloten."), "headers": REPLAYED},
                **WRITE_ERRORS,
                **NOT_FOUND,
                **CONFLICT,
                **COMMON_ERRORS,
            },
        },
    },
    f"{V1}/waitlist": {
        "get": {
            "operationId": "listWaitlist",
            "summary": "Wachtlijst, oudste eerst, per pagina",
            "security": READ,
            "parameters": [*PAGING, _status_filter(entry_api.STATUSES)],
            "responses": {
                "200": _json("WaitlistEntryList", "Een pagina wachtlijst."),
                "400": _problem(400, "Ongeldige limit, cursor of status."),
                **COMMON_ERRORS,
            },
        },
        "post": {
            "operationId": "addWaitlistEntry",
            "summary": "Een patiënt op de wachtlijst zetten, met toestemming",
            "security": READ,
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": _body("NewWaitlistEntry"),
            "responses": {
                "201": {**_json("WaitlistEntry", "Op de wachtlijst."), "headers": REPLAYED},
                **WRITE_ERRORS,
                "409": _problem(409, "Dit nummer staat al op de wachtlijst."),
                **COMMON_ERRORS,
            },
        },
    },
    f"{V1}/waitlist/{{id}}": {
        "get": {
            "operationId": "getWaitlistEntry",
            "summary": "Eén wachtlijstregel",
            "security": READ,
            "parameters": [PATH_ID],
            "responses": {
                "200": _json("WaitlistEntry", "De regel."),
                **NOT_FOUND,
                **COMMON_ERRORS,
            },
        },
        "patch": {
            "operationId": "updateWaitlistEntry",
            "summary": "Een wachtlijstregel wijzigen",
            "security": READ,
            "parameters": [PATH_ID],
            "requestBody": _body("WaitlistEntryChanges"),
            "responses": {
                "200": _json("WaitlistEntry", "De gewijzigde regel."),
                **WRITE_ERRORS,
                **NOT_FOUND,
                "409": _problem(409, "Dit nummer staat al op de wachtlijst."),
                **COMMON_ERRORS,
            },
        },
        "delete": {
            "operationId": "deleteWaitlistEntry",
            "summary": "Een wachtlijstregel definitief verwijderen",
            "security": READ,
            "parameters": [PATH_ID],
            "responses": {
                "204": {"description": "Verwijderd."},
                "403": WRITE_ERRORS["403"],
                **NOT_FOUND,
                **COMMON_ERRORS,
            },
        },
    },
    f"{V1}/treatments": {
        "get": {
            "operationId": "listTreatments",
            "summary": "De actieve behandelingen van de praktijk (ids voor plekken en wachtlijst)",
            "security": READ,
            "responses": {"200": _json("TreatmentList", "Behandelingen."), **COMMON_ERRORS},
        },
    },
    f"{V1}/practitioners": {
        "get": {
            "operationId": "listPractitioners",
            "summary": "De actieve behandelaars van de praktijk",
            "security": READ,
            "responses": {"200": _json("PractitionerList", "Behandelaars."), **COMMON_ERRORS},
        },
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "PakJePlekje Integratie-API",
        "version": "1.0.0",
        "description": "Voor praktijksoftware: plekken openzetten en sluiten, de wachtlijst "
        "bijhouden. Maak een sleutel in Instellingen → Koppelingen en stuur hem mee als "
        "`Authorization: Bearer pjp_…`. Een leessleutel mag alleen GET; schrijven (POST, "
        "PATCH, DELETE) vraagt een schrijfsleutel. Fouten zijn RFC 9457 problem details met "
        "een Nederlandse `detail`. Tijden in ISO 8601 met tijdzone, telefoonnummers in E.164.",
    },
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "Een API-sleutel (pjp_…) uit Instellingen → Koppelingen.",
            }
        },
    },
    "security": READ,
}
