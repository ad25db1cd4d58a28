"""`/api/v1/docs`: the integration API as a person reads it, rendered on the server from the same
OpenAPI 3.1 document the API serves at `/api/v1/openapi.json`, so the two never disagree.

No JavaScript and nothing from another host (the CSP in security_headers.py allows neither a
CDN nor inline scripts): one HTML page with an inline stylesheet. Every operation gets its
parameters, request body, responses and a curl example; every schema in `components.schemas`
its fields. The renderer knows the OpenAPI structure, not our endpoints: a new path in the
document shows up here without a change to this module.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from pakjeplekje import routes as paths
from pakjeplekje.config import get_settings

Document = dict[str, Any]
ProblemType = tuple[int, str]  # status, title

METHODS = ("get", "post", "put", "patch", "delete")
PLACES = {"path": "pad", "query": "query", "header": "kop", "cookie": "cookie"}
TYPES = {
    "string": "tekst",
    "integer": "geheel getal",
    "number": "getal",
    "boolean": "ja/nee",
    "array": "lijst",
    "object": "object",
    "null": "null",
}
KEY_PLACEHOLDER = "$PJP_SLEUTEL"
MAX_DEPTH = 6  # examples of recursive schemas stop here

# What to do about each kind of problem (its `type` is /api/v1/docs#<slug>).
PROBLEM_HELP = {
    "ongeldig-verzoek": "De body is geen geldige JSON, een query-parameter klopt niet, of de "
    "`Idempotency-Key` is ongeldig. Herstel het verzoek; opnieuw sturen helpt niet.",
    "niet-geautoriseerd": "Geen sleutel, een onbekende of een ingetrokken sleutel. Controleer "
    "de kop `Authorization: Bearer pjp_…`; een ingetrokken sleutel werkt nooit meer.",
    "geen-toestemming": "Deze sleutel mag alleen lezen. Laat de eigenaar een sleutel met "
    "lezen en schrijven maken.",
    "niet-gevonden": "Bestaat niet, of hoort bij een andere praktijk (dat verschil vertellen "
    "wij niet).",
    "methode-niet-toegestaan": "Deze methode kan niet op dit pad.",
    "conflict": "Mag nu niet, door de toestand van de praktijk of de plek (bijvoorbeeld al "
    "gevuld, of het abonnement staat het niet toe). `detail` zegt waarom.",
    "dubbel": "Dit telefoonnummer staat al op de wachtlijst van de praktijk.",
    "te-groot": "Het verzoek is te groot.",
    "mediatype": "Stuur de body als `application/json`.",
    "validatie": "Ongeldige invoer: `errors` noemt elk veld met de Nederlandse reden. Er is "
    "niets opgeslagen.",
    "idempotentie": "Deze `Idempotency-Key` is al gebruikt voor een ander verzoek. Gebruik "
    "een nieuwe sleutel voor een nieuwe handeling.",
    "te-veel-verzoeken": "Te veel verzoeken met deze sleutel. Wacht het aantal seconden uit "
    "de kop `Retry-After`.",
    "interne-fout": "Er ging iets mis aan onze kant. Probeer het later opnieuw; met dezelfde "
    "`Idempotency-Key` gebeurt een handeling nooit twee keer.",
    "niet-beschikbaar": "Even niet bereikbaar. Probeer het na `Retry-After` seconden opnieuw.",
}

STYLE = """
body{font-family:system-ui,-apple-system,sans-serif;margin:0;background:#f4f7f6;color:#1a1a1a;
line-height:1.5}
main{max-width:960px;margin:0 auto;padding:24px 18px 60px}
h1{font-size:1.8rem;margin:0 0 4px}h2{margin-top:2.2em;border-bottom:2px solid #d5dedc}
h3{margin:0 0 6px;font-size:1.1rem;word-break:break-all}
.op,.schema,.intro{background:#fff;border-radius:12px;padding:18px 20px;margin:18px 0;
box-shadow:0 1px 3px #0002}
.method{display:inline-block;min-width:62px;text-align:center;border-radius:6px;color:#fff;
font-weight:700;font-size:.85rem;padding:2px 8px;margin-right:8px;text-transform:uppercase}
.get{background:#0d7f73}.post{background:#1d5fbf}.put,.patch{background:#a05a00}
.delete{background:#b42318}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:.95rem}
th,td{text-align:left;border-bottom:1px solid #e3e8e7;padding:6px 8px;vertical-align:top}
th{background:#f0f4f3}td p{margin:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;background:#eef2f1;
padding:1px 4px;border-radius:4px}
pre{background:#1f2a29;color:#e9f2f0;padding:12px 14px;border-radius:8px;overflow-x:auto;
white-space:pre-wrap;word-break:break-all}
pre code{background:none;padding:0;color:inherit}
.muted{color:#555}.req{color:#b42318;font-weight:600}
nav ul{columns:2;padding-left:1.2em}@media(max-width:640px){nav ul{columns:1}}
a{color:#0d7f73}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


_CODE = re.compile(r"`([^`]+)`")


def _prose(text: object) -> str:
    """Description text as paragraphs; `code` spans kept; everything else escaped."""
    if not text:
        return ""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", str(text)) if p.strip()]
    return "".join("<p>" + _CODE.sub(r"<code>\1</code>", _e(p)) + "</p>" for p in paragraphs)


def _anchor(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", "-".join(parts)).strip("-").lower()


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


class Renderer:
    """One document, rendered once per request (the document is small)."""

    def __init__(
        self,
        document: Document,
        public_base_url: str,
        problem_types: Mapping[str, ProblemType] | None = None,
    ) -> None:
        self.doc = document
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {}) or {}
        self.base = self._base_url(public_base_url)
        self.api_address = public_base_url.rstrip("/") + paths.API_V1
        self.problem_types = dict(problem_types or {})

    def _base_url(self, public_base_url: str) -> str:
        """Where the paths start: the first server (made absolute), else the public base."""
        servers = self.doc.get("servers") or []
        url = str(servers[0].get("url", "")) if servers and isinstance(servers[0], dict) else ""
        if url.startswith(("http://", "https://")):
            return url.rstrip("/")
        return public_base_url.rstrip("/") + url.rstrip("/")

    # --- schemas --------------------------------------------------------------------------

    def _resolve(self, schema: Any) -> dict[str, Any]:
        if isinstance(schema, dict) and "$ref" in schema:
            return self.schemas.get(_ref_name(str(schema["$ref"])), {}) or {}
        return schema if isinstance(schema, dict) else {}

    def type_html(self, schema: Any) -> str:
        """A schema's type in a few words, with a link for a named schema."""
        if not isinstance(schema, dict):
            return ""
        if "$ref" in schema:
            name = _ref_name(str(schema["$ref"]))
            return f'<a href="#{_anchor("schema", name)}"><code>{_e(name)}</code></a>'
        for combinator in ("oneOf", "anyOf"):
            if combinator in schema:
                options = [self.type_html(s) for s in schema[combinator]]
                return " of ".join(o for o in options if o)
        if "allOf" in schema:
            return " en ".join(self.type_html(s) for s in schema["allOf"])
        kind = schema.get("type", "")
        kinds = kind if isinstance(kind, list) else [kind] if kind else []
        words = []
        for k in kinds:
            if k == "array":
                words.append(f"lijst van {self.type_html(schema.get('items', {})) or 'waarden'}")
            else:
                words.append(_e(TYPES.get(k, k)))
        if "const" in schema:
            words.append(f"<code>{_e(json.dumps(schema['const']))}</code>")
        text = " of ".join(words) or "waarde"
        if schema.get("format"):
            text += f" <span class='muted'>({_e(schema['format'])})</span>"
        return text

    def constraints(self, schema: Any) -> str:
        schema = schema if isinstance(schema, dict) else {}
        parts = []
        if "enum" in schema:
            parts.append(
                "een van: " + ", ".join(f"<code>{_e(json.dumps(v))}</code>" for v in schema["enum"])
            )
        labels = {
            "minLength": "minstens {} tekens",
            "maxLength": "hoogstens {} tekens",
            "minimum": "minstens {}",
            "maximum": "hoogstens {}",
            "minItems": "minstens {} items",
            "maxItems": "hoogstens {} items",
            "pattern": "patroon <code>{}</code>",
        }
        if schema.get("minLength") == 1:
            parts.append("niet leeg")
        for key, label in labels.items():
            if key in schema and not (key == "minLength" and schema[key] == 1):
                parts.append(label.format(_e(schema[key])))
        if "default" in schema:
            parts.append(f"standaard <code>{_e(json.dumps(schema['default']))}</code>")
        return "; ".join(parts)

    def fields_table(self, schema: Any) -> str:
        """The properties of an object schema (a named schema links to its own section)."""
        resolved = self._resolve(schema)
        properties = resolved.get("properties") or {}
        if not properties:
            return f"<p>Type: {self.type_html(schema)}</p>"
        required = set(resolved.get("required") or [])
        named = f"<p>Schema: {self.type_html(schema)}</p>" if "$ref" in schema else ""
        rows = []
        for name, prop in properties.items():
            prop = prop if isinstance(prop, dict) else {}
            description = _prose(prop.get("description") or self._resolve(prop).get("description"))
            rule = self.constraints(prop)
            rows.append(
                f"<tr><td><code>{_e(name)}</code>"
                + (" <span class='req'>verplicht</span>" if name in required else "")
                + f"</td><td>{self.type_html(prop)}</td><td>{description}"
                + (f"<div class='muted'>{rule}</div>" if rule else "")
                + "</td></tr>"
            )
        return (
            named
            + "<table><thead><tr><th>Veld</th><th>Type</th><th>Betekenis</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )

    def example(self, schema: Any, depth: int = 0) -> Any:
        """An example value: the schema's own example, else one made from its type."""
        if depth > MAX_DEPTH or not isinstance(schema, dict):
            return None
        if "$ref" in schema:
            return self.example(self._resolve(schema), depth + 1)
        if "example" in schema:
            return schema["example"]
        if schema.get("examples"):
            examples = schema["examples"]
            return examples[0] if isinstance(examples, list) else None
        if "default" in schema:
            return schema["default"]
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        for combinator in ("oneOf", "anyOf", "allOf"):
            if schema.get(combinator):
                return self.example(schema[combinator][0], depth + 1)
        kind = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object":
            required = schema.get("required") or list(schema.get("properties") or {})
            return {
                name: self.example(prop, depth + 1)
                for name, prop in (schema.get("properties") or {}).items()
                if name in required
            }
        if kind == "array":
            return [self.example(schema.get("items", {}), depth + 1)]
        if kind in ("integer", "number"):
            return schema.get("minimum", 1)
        samples = {"boolean": True, "null": None}
        if kind in samples:
            return samples[kind]
        formats = {"date-time": "2026-12-08T10:30:00+01:00", "date": "2026-12-08"}
        return formats.get(str(schema.get("format", "")), "tekst")

    # --- operations -----------------------------------------------------------------------

    def operations(self) -> Iterable[tuple[str, str, dict[str, Any], list[Any]]]:
        """(path, method, operation, parameters incl. the path item's own), in document order."""
        for path, item in (self.doc.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            shared = item.get("parameters") or []
            for method in METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    own = operation.get("parameters") or []
                    yield path, method, operation, [*shared, *own]

    def _parameter(self, parameter: Any) -> dict[str, Any]:
        if isinstance(parameter, dict) and "$ref" in parameter:
            name = _ref_name(str(parameter["$ref"]))
            found = self.doc.get("components", {}).get("parameters", {}).get(name)
            return found if isinstance(found, dict) else {}
        return parameter if isinstance(parameter, dict) else {}

    def parameters_table(self, parameters: list[Any]) -> str:
        rows = []
        for raw in parameters:
            p = self._parameter(raw)
            if not p:
                continue
            schema = p.get("schema", {})
            rule = self.constraints(schema)
            rows.append(
                f"<tr><td><code>{_e(p.get('name', ''))}</code>"
                + (" <span class='req'>verplicht</span>" if p.get("required") else "")
                + f"</td><td>{_e(PLACES.get(p.get('in', ''), p.get('in', '')))}</td>"
                + f"<td>{self.type_html(schema)}</td><td>{_prose(p.get('description'))}"
                + (f"<div class='muted'>{rule}</div>" if rule else "")
                + "</td></tr>"
            )
        if not rows:
            return ""
        return (
            "<h4>Parameters</h4><table><thead><tr><th>Naam</th><th>Waar</th><th>Type</th>"
            "<th>Betekenis</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )

    def _json_body(self, body: Any) -> tuple[str, dict[str, Any]] | None:
        if not isinstance(body, dict):
            return None
        if "$ref" in body:
            body = (
                self.doc.get("components", {})
                .get("requestBodies", {})
                .get(_ref_name(str(body["$ref"])), {})
            )
        content = body.get("content") or {}
        for media_type, spec in content.items():
            if isinstance(spec, dict):
                return media_type, spec
        return None

    def request_body(self, operation: dict[str, Any]) -> str:
        found = self._json_body(operation.get("requestBody"))
        if found is None:
            return ""
        media_type, spec = found
        required = operation.get("requestBody", {}).get("required")
        return (
            f"<h4>Inhoud van het verzoek <span class='muted'>({_e(media_type)}"
            + (", verplicht" if required else "")
            + ")</span></h4>"
            + _prose(operation.get("requestBody", {}).get("description"))
            + self.fields_table(spec.get("schema", {}))
        )

    def responses(self, operation: dict[str, Any]) -> str:
        rows = []
        for status, response in (operation.get("responses") or {}).items():
            if isinstance(response, dict) and "$ref" in response:
                response = (
                    self.doc.get("components", {})
                    .get("responses", {})
                    .get(_ref_name(str(response["$ref"])), {})
                )
            response = response if isinstance(response, dict) else {}
            kinds = []
            for media_type, spec in (response.get("content") or {}).items():
                schema = spec.get("schema") if isinstance(spec, dict) else None
                kinds.append(
                    f"<code>{_e(media_type)}</code> {self.type_html(schema) if schema else ''}"
                )
            rows.append(
                f"<tr><td><code>{_e(status)}</code></td>"
                f"<td>{_prose(response.get('description'))}</td><td>{'<br>'.join(kinds)}</td></tr>"
            )
        if not rows:
            return ""
        return (
            "<h4>Antwoorden</h4><table><thead><tr><th>Status</th><th>Betekenis</th>"
            "<th>Inhoud</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )

    def _secured(self, operation: dict[str, Any]) -> bool:
        """OpenAPI: `security: []` is open, `[{}]` optional, `[{"name": []}]` required."""
        security = operation.get("security", self.doc.get("security")) or []
        return any(isinstance(s, dict) and s for s in security)

    def curl(self, path: str, method: str, operation: dict[str, Any], parameters: list[Any]) -> str:
        """A command to paste: path parameters as <naam>, the key from an environment variable."""
        url_path = re.sub(r"\{([^}]+)\}", r"<\1>", path)
        query = []
        headers = []
        for raw in parameters:
            p = self._parameter(raw)
            if p.get("in") == "query" and p.get("required"):
                value = self.example(p.get("schema", {}))
                query.append(f"{p.get('name')}={value}")
            if p.get("in") == "header" and (
                p.get("required") or str(p.get("name", "")).lower() == "idempotency-key"
            ):
                value = p.get("example") or self.example(p.get("schema", {})) or "…"
                if str(p.get("name", "")).lower() == "idempotency-key":
                    value = "$(uuidgen)"
                headers.append(f"{p.get('name')}: {value}")
        url = self.base + url_path + ("?" + "&".join(query) if query else "")
        lines = [f"curl -X {method.upper()} '{url}'"]
        if self._secured(operation):
            lines.append(f'-H "Authorization: Bearer {KEY_PLACEHOLDER}"')
        lines += [f'-H "{h}"' for h in headers]
        found = self._json_body(operation.get("requestBody"))
        if found is not None:
            media_type, spec = found
            example = spec.get("example")
            if example is None:
                example = self.example(spec.get("schema", {}))
            lines.append(f'-H "Content-Type: {media_type}"')
            body = json.dumps(example, ensure_ascii=False, indent=2).replace("'", "'\\''")
            lines.append("-d '" + body.replace("\n", "\n  ") + "'")
        return "<h4>Voorbeeld</h4><pre><code>" + _e(" \\\n  ".join(lines)) + "</code></pre>"

    def operation(
        self, path: str, method: str, operation: dict[str, Any], parameters: list[Any]
    ) -> str:
        anchor = _anchor(method, path)
        summary = operation.get("summary")
        scopes = operation.get("x-scope") or operation.get("x-pakjeplekje-scope")
        notes = []
        if scopes:
            notes.append(f"<p class='muted'>Sleutel nodig met bereik: {_e(scopes)}</p>")
        if not self._secured(operation):
            notes.append("<p class='muted'>Zonder sleutel bereikbaar.</p>")
        return (
            f'<section class="op" id="{anchor}" data-path="{_e(path)}" data-method="{method}">'
            f'<h3><span class="method {method}">{method.upper()}</span><code>{_e(path)}</code>'
            "</h3>"
            + (f"<p><strong>{_e(summary)}</strong></p>" if summary else "")
            + _prose(operation.get("description"))
            + "".join(notes)
            + self.parameters_table(parameters)
            + self.request_body(operation)
            + self.responses(operation)
            + self.curl(path, method, operation, parameters)
            + "</section>"
        )

    # --- the page -------------------------------------------------------------------------

    def security_schemes(self) -> str:
        schemes = self.doc.get("components", {}).get("securitySchemes") or {}
        if not schemes:
            return ""
        items = []
        for name, scheme in schemes.items():
            scheme = scheme if isinstance(scheme, dict) else {}
            kind = scheme.get("type")
            if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
                how = "in de kop <code>Authorization: Bearer &lt;sleutel&gt;</code>"
            elif kind == "apiKey":
                place = PLACES.get(scheme.get("in", ""), scheme.get("in", ""))
                how = f"in {_e(place)} <code>{_e(scheme.get('name', ''))}</code>"
            else:
                how = _e(kind or "")
            items.append(
                f"<li><strong>{_e(name)}</strong>: {how}{_prose(scheme.get('description'))}</li>"
            )
        return "<h2 id='inloggen'>Toegang</h2><ul>" + "".join(items) + "</ul>"

    def schemas_section(self) -> str:
        if not self.schemas:
            return ""
        parts = ["<h2 id='schemas'>Gegevens (schema's)</h2>"]
        for name, schema in self.schemas.items():
            schema = schema if isinstance(schema, dict) else {}
            parts.append(
                f'<section class="schema" id="{_anchor("schema", name)}">'
                f"<h3><code>{_e(name)}</code></h3>{_prose(schema.get('description'))}"
                f"{self.fields_table(schema)}</section>"
            )
        return "".join(parts)

    def webhooks_section(self) -> str:
        """OpenAPI 3.1 `webhooks`: what we send to the practice's own address."""
        hooks = self.doc.get("webhooks") or {}
        if not hooks:
            return ""
        parts = [
            "<h2 id='webhooks'>Webhooks</h2><p>Berichten die PakJePlekje naar uw eigen adres "
            "stuurt (in te stellen onder Instellingen → Koppelingen → Webhooks).</p>"
        ]
        for name, item in hooks.items():
            for method in METHODS:
                operation = (item or {}).get(method)
                if isinstance(operation, dict):
                    parts.append(
                        f'<section class="op" id="{_anchor("webhook", name)}">'
                        f'<h3><span class="method {method}">{method.upper()}</span>'
                        f"<code>{_e(name)}</code></h3>"
                        + _prose(operation.get("summary"))
                        + _prose(operation.get("description"))
                        + self.request_body(operation)
                        + "</section>"
                    )
        return "".join(parts)

    def problems_section(self) -> str:
        """The `type` of every problem answer points here (`/api/v1/docs#<slug>`)."""
        if not self.problem_types:
            return ""
        rows = [
            f'<tr id="{_e(slug)}"><td><code>{_e(slug)}</code></td><td><code>{status}</code></td>'
            f"<td><strong>{_e(title)}</strong>{_prose(PROBLEM_HELP.get(slug, ''))}</td></tr>"
            for slug, (status, title) in self.problem_types.items()
        ]
        return (
            "<h2 id='fouten'>Fouten</h2><p>Elke fout is een <code>application/problem+json</code>"
            " (RFC 9457): <code>type</code> wijst naar een regel hieronder, <code>title</code> "
            "noemt de soort, <code>detail</code> zegt in het Nederlands wat er mis is (veilig om "
            "te tonen), <code>instance</code> is het pad van het verzoek. Bij ongeldige invoer "
            "noemt <code>errors</code> elk veld met de reden.</p><table><thead><tr><th>Soort"
            "</th><th>Status</th><th>Betekenis</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )

    def toc(self) -> str:
        items = [
            f'<li><a href="#{_anchor(method, path)}"><span class="method {method}">'
            f"{method.upper()}</span>{_e(path)}</a> {_e(op.get('summary', ''))}</li>"
            for path, method, op, _ in self.operations()
        ]
        return "<nav aria-label='Inhoud'><ul>" + "".join(items) + "</ul></nav>"

    def page(self) -> str:
        info = self.doc.get("info") or {}
        title = str(info.get("title") or "API")
        version = str(info.get("version") or "")
        operations = "".join(
            self.operation(path, method, operation, parameters)
            for path, method, operation, parameters in self.operations()
        )
        return (
            '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)} · documentatie</title><style>{STYLE}</style></head><body><main>"
            f"<h1>{_e(title)}</h1><p class='muted'>Versie {_e(version)} · "
            f'<a href="{paths.API_V1_OPENAPI}">OpenAPI-document (JSON)</a></p>'
            "<div class='intro'>"
            f"{_prose(info.get('description'))}"
            "<p>Met deze API praat de software van uw praktijk (agenda, patiëntendossier) met "
            "PakJePlekje: plekken vrijgeven, opvragen en sluiten, en patiënten op de "
            f"wachtlijst zetten. Het adres van de API is <code>{_e(self.api_address)}</code>.</p>"
            "<p>U hebt een API-sleutel nodig: de eigenaar van de praktijk maakt die onder "
            f'<a href="{paths.INTEGRATIONS}">Instellingen → Koppelingen</a>. De sleutel hoort '
            "bij één praktijk; een sleutel met <em>alleen lezen</em> kan niets wijzigen. Zet "
            f"hem in de voorbeelden hieronder in de variabele <code>{KEY_PLACEHOLDER}</code>, "
            f"bijvoorbeeld <code>export {KEY_PLACEHOLDER.lstrip('$')}=pjp_…</code>.</p>"
            "<p>Fouten komen terug als <code>application/problem+json</code> (RFC 9457) met "
            "een Nederlandse uitleg in <code>detail</code>.</p></div>"
            f"{self.security_schemes()}"
            "<h2 id='endpoints'>Endpoints</h2>"
            f"{self.toc()}{operations}{self.webhooks_section()}{self.problems_section()}"
            f"{self.schemas_section()}"
            "</main></body></html>"
        )


def render(
    document: Document,
    public_base_url: str,
    problem_types: Mapping[str, ProblemType] | None = None,
) -> str:
    """The whole docs page for `document` (an OpenAPI 3.1 dict); `problem_types`: slug →
    (status, title) of every problem `type` the API answers with, each an anchor here."""
    return Renderer(document, public_base_url, problem_types).page()


def routes(
    document: Callable[[], Document], problem_types: Mapping[str, ProblemType] | None = None
) -> list[Route]:
    """`document`: the function that builds the API's OpenAPI document."""

    def docs_page(_: Request) -> HTMLResponse:
        page = render(document(), get_settings().public_base_url, problem_types)
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    return [Route(paths.API_V1_DOCS, docs_page, methods=["GET"])]
