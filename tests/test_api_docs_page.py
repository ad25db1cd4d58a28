"""/api/v1/docs: the readable page rendered from the OpenAPI document, over real HTTP.

The renderer knows the OpenAPI 3.1 structure, not our endpoints; these tests feed it a small
document with the hard parts (refs, path/query/header parameters, a request body, problem
responses, a hostile description) and check what a reader gets.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pakjeplekje.config import get_settings
from pakjeplekje.web import api_docs, api_v1
from pakjeplekje.web.api import create_api
from pakjeplekje.web.api_v1 import problems
from pakjeplekje.web.security_headers import SecurityHeaders
from tests.conftest import AppEnv

SAMPLE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "PakJePlekje API",
        "version": "1.0.0",
        "description": "Voor de agenda van de praktijk. <script>alert(1)</script>",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"sleutel": []}],
    "paths": {
        "/slots": {
            "get": {
                "summary": "Plekken opvragen",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["open", "claimed"]},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "integer", "maximum": 100, "default": 25},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Een pagina plekken",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Slot"},
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                "summary": "Een plek vrijgeven",
                "description": "Zelfde controles als het formulier. Gebruik `Idempotency-Key`.",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "schema": {"type": "string", "maxLength": 100},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/SlotIn"}}
                    },
                },
                "responses": {
                    "201": {
                        "description": "Vrijgegeven",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Slot"}}
                        },
                    },
                    "422": {"$ref": "#/components/responses/Problem"},
                },
            },
        },
        "/slots/{slot_id}": {
            "parameters": [
                {"name": "slot_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"summary": "Eén plek", "responses": {"200": {"description": "De plek"}}},
            "delete": {
                "summary": "Plek sluiten",
                "responses": {"204": {"description": "Gesloten"}},
            },
        },
        "/health": {
            "get": {
                "summary": "Leeft de API?",
                "security": [],
                "responses": {"200": {"description": "Ja"}},
            }
        },
    },
    "webhooks": {
        "slot.filled": {
            "post": {
                "summary": "Een plek is gevuld",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Slot"}}
                    }
                },
                "responses": {"200": {"description": "Ontvangen"}},
            }
        }
    },
    "components": {
        "securitySchemes": {"sleutel": {"type": "http", "scheme": "bearer"}},
        "responses": {
            "Problem": {
                "description": "Ongeldige invoer",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        },
        "schemas": {
            "SlotIn": {
                "type": "object",
                "required": ["start", "duration_minutes"],
                "properties": {
                    "start": {"type": "string", "format": "date-time", "description": "Begin"},
                    "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 240},
                    "practitioner": {"type": ["string", "null"], "maxLength": 100},
                },
            },
            "Slot": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["open", "claimed", "closed"]},
                },
            },
            "Problem": {
                "type": "object",
                "properties": {"title": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}


def _client(document: dict[str, Any]) -> TestClient:
    app = Starlette(routes=api_docs.routes(lambda: document))
    app.add_middleware(SecurityHeaders)
    return TestClient(app)


def _sections(page: str) -> dict[str, str]:
    """Each operation's section, keyed `METHOD path`."""
    found = {}
    for match in re.finditer(
        r'<section class="op" id="[^"]+" data-path="([^"]+)" data-method="(\w+)">(.*?)</section>',
        page,
        re.S,
    ):
        found[f"{match.group(2).upper()} {html.unescape(match.group(1))}"] = match.group(3)
    return found


def every_operation(document: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in api_docs.METHODS
        if method in item
    }


def test_every_path_and_operation_of_the_document_is_on_the_page() -> None:
    response = _client(SAMPLE).get("/api/v1/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for path in SAMPLE["paths"]:
        assert f"<code>{html.escape(path)}</code>" in page, path
    sections = _sections(page)
    assert set(sections) == every_operation(SAMPLE)
    for key, section in sections.items():
        assert "<h4>Voorbeeld</h4>" in section and "curl -X " + key.split()[0] in section


def test_a_reader_gets_parameters_bodies_responses_and_schemas() -> None:
    page = _client(SAMPLE).get("/api/v1/docs").text
    sections = _sections(page)
    post = sections["POST /slots"]
    assert "Een plek vrijgeven" in post and "<code>Idempotency-Key</code>" in post
    assert 'href="#schema-slotin"' in post and "verplicht" in post
    assert "<code>422</code>" in post and "application/problem+json" in post
    # the curl example: base URL from the public base, key from the environment, a JSON body
    base = get_settings().public_base_url
    assert f"curl -X POST &#x27;{base}/api/v1/slots&#x27;" in post
    assert "Authorization: Bearer $PJP_SLEUTEL" in post
    assert "Idempotency-Key: $(uuidgen)" in post
    assert "&quot;duration_minutes&quot;: 5" in post  # required fields only, at their minimum
    assert "practitioner" not in post.split("<h4>Voorbeeld</h4>")[1]
    one = sections["GET /slots/{slot_id}"]
    assert "<code>slot_id</code>" in one and "pad" in one  # path-item parameters count too
    assert "/slots/&lt;slot_id&gt;" in one
    assert "limit=25" in sections["GET /slots"]  # a required query parameter, its default
    assert "Zonder sleutel bereikbaar." in sections["GET /health"]
    assert "Authorization" not in sections["GET /health"]
    for name in ("SlotIn", "Slot", "Problem"):
        assert f'id="schema-{name.lower()}"' in page
    assert "hoogstens 240" in page and "tekst of null" in page
    assert 'id="webhook-slot-filled"' in page
    assert "Authorization: Bearer &lt;sleutel&gt;" in page


def test_the_page_runs_no_script_and_loads_nothing_from_elsewhere() -> None:
    response = _client(SAMPLE).get("/api/v1/docs")
    page = response.text
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # escaped, shown as text
    assert not re.search(r'(src|href)="(https?:)?//', page)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-eval'" in csp and "sha256-" not in csp


def test_a_document_with_odd_shapes_still_renders() -> None:
    odd = {
        "openapi": "3.1.0",
        "info": {},
        "paths": {
            "/a": {"get": {"responses": {}}, "summary": "not an operation"},
            "/b": None,
            "/c": {"post": {"requestBody": {"$ref": "#/components/requestBodies/Nope"}}},
        },
        "components": {
            "schemas": {
                "Loop": {
                    "type": "object",
                    "properties": {"self": {"$ref": "#/components/schemas/Loop"}},
                    "required": ["self"],
                }
            }
        },
    }
    odd["paths"]["/d"] = {
        "post": {
            "requestBody": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Loop"}}}
            }
        }
    }
    response = _client(odd).get("/api/v1/docs")
    assert response.status_code == 200
    assert set(_sections(response.text)) == {"GET /a", "POST /c", "POST /d"}


# --- the app's own page, from the document /api/v1/openapi.json serves --------------------


@pytest.fixture
def client(app_env: AppEnv) -> Iterator[TestClient]:
    with TestClient(create_api(), client=("127.0.0.1", 50000)) as test_client:
        yield test_client


def test_the_docs_page_shows_every_operation_of_the_served_document(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["paths"]
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.text
    for path in document["paths"]:
        assert f"<code>{html.escape(path)}</code>" in page, path
    assert set(_sections(page)) == every_operation(document)
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name.lower()}"' in page, name
    assert "<script" not in page.lower()


def test_every_problem_type_of_the_api_has_its_anchor(client: TestClient) -> None:
    """A problem's `type` is /api/v1/docs#<slug>: each slug the API can answer with (the
    status table, and every `slug=` in the API's source) is an element id on the page."""
    page = client.get("/api/v1/docs").text
    source = "".join(p.read_text() for p in Path(api_v1.__file__).parent.glob("*.py"))
    slugs = set(problems.TYPES) | set(re.findall(r'slug="([a-z-]+)"', source))
    assert {"validatie", "dubbel", "idempotentie"} <= slugs
    for slug in slugs:
        assert f'id="{slug}"' in page, slug
    answer = client.get("/api/v1/slots")  # no key: a real problem answer
    assert answer.status_code == 401
    docs, _, anchor = answer.json()["type"].partition("#")
    assert docs == "/api/v1/docs" and f'id="{anchor}"' in page
