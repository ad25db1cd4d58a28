"""Schemathesis against /api/v1's own OpenAPI document, through the app (`create_api`): for
every operation, valid and hostile inputs (wrong types, out-of-range numbers, strings full of
odd unicode, unknown fields) sent with a read key and with a write key. No answer may be a 5xx,
and every answer must match the document: status code, media type, headers and body schema;
data that breaks the schema must be refused with a 4xx. (Not checked: that schema-valid data is
always accepted. A schema cannot say "in the future, inside opening hours, one of your own
treatment ids"; those rules answer 409/422 with the Dutch reason, as the staff form does.)

Deterministic (derandomized Hypothesis, no example database) and bounded, so it can run in
`make test` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from pakjeplekje.adapters import api_rate
from pakjeplekje.web.api import create_api
from pakjeplekje.web.api_v1.openapi import DOCUMENT
from tests.test_api_v1 import Tenant, _tenant

if TYPE_CHECKING:
    from conftest import AppEnv, Factory

MAX_EXAMPLES = 20
CASES: Counter[str] = Counter()  # generated cases per operation


@pytest.fixture(scope="module", autouse=True)
def report_cases() -> Iterator[None]:
    """How much was fuzzed (see it with `pytest -s`); every operation must have had cases."""
    yield
    total = sum(CASES.values())
    print(f"\nschemathesis: {total} cases, {2 * total} requests, {len(CASES)} operations")
    CASES.clear()


@pytest.fixture
def now(office_now: datetime) -> datetime:
    return office_now


@pytest.fixture
def tenants(
    app_env: AppEnv, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Tenant, Tenant]]:
    monkeypatch.setenv("API_REQUESTS_PER_MINUTE", "1000000")  # the limit has its own test
    app_env.reload()
    api_rate.forget()
    yield _tenant(factory, "Alfa"), _tenant(factory, "Beta")
    api_rate.forget()


# Loaded from the module that serves it (the same dict as GET /api/v1/openapi.json, which
# test_api_v1 checks), so collection needs no database.
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = create_api()  # the app's routes without Reflex; settings are read per request
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_v1_matches_its_openapi_document(case: Any, tenants: tuple[Tenant, Tenant]) -> None:
    alfa, _ = tenants
    CASES[case.operation.label] += 1
    for headers in (alfa.auth(read=True), alfa.auth()):
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
