"""The API does what its OpenAPI schema says (issue 16, item 4): Schemathesis generates requests for every
operation and checks that none is a server error, every status is declared and every body matches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from sentient.app import create_app
from sentient.settings import Settings
from tests.dbutil import fresh_database
from tests.integration.web_support import API_KEY, web_settings
from warehouse.seed.base import seed_base
from warehouse.seed.calendar import SPEC_TODAY

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "25"))  # per operation; CI keeps the default
# The schema as the app publishes it (building an app reads no database: the lifespan is not run here).
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(_env_file=None, api_key=API_KEY)).openapi())  # type: ignore[call-arg, arg-type]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app on a seeded SQLite warehouse for every generated case (the lifespan runs once)."""
    tmp: Path = tmp_path_factory.mktemp("contract")
    with fresh_database("sqlite", tmp) as engine:
        seed_base(engine, SPEC_TODAY, ZoneInfo("Asia/Jakarta"))
        app = create_app(web_settings(engine, SPEC_TODAY, tmp / "data", rate_chat_per_min=10_000))
        with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as c:
            yield c


@SCHEMA.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same cases on every run: a failure reproduces
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_response_is_declared(case: schemathesis.Case, client: TestClient) -> None:
    kwargs = case.as_transport_kwargs(headers={"X-API-Key": API_KEY})
    kwargs.pop("base_url", None)
    client.cookies.clear()  # per-request cookies are deprecated in httpx: generated ones go on the client
    for name, value in (kwargs.pop("cookies", None) or {}).items():
        client.cookies.set(name, value)
    if isinstance(kwargs.get("data"), bytes | str):  # raw bodies go as `content` in httpx
        kwargs["content"] = kwargs.pop("data")
    response = client.request(**kwargs)
    case.validate_response(response, checks=CHECKS)
