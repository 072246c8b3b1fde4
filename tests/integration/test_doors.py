"""Doors besides /api: /metrics and the schema need a key once one is set; forms refuse foreign origins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sentient.web.context import form_origin
from sentient.web.routes import router as web_router
from tests.integration.web_support import API_KEY, app_client, sign_in, web_settings

METRICS_TOKEN = "scrape-me-0123456789"
EVIL = "https://evil.example"


@pytest.fixture
def client(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[TestClient]:
    settings = web_settings(seeded_engine, spec_today, tmp_path, metrics_token=METRICS_TOKEN)
    with app_client(settings) as c:
        yield c


def test_metrics_need_the_api_key_or_the_metrics_token(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"X-API-Key": METRICS_TOKEN}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200
    keyed = client.get("/metrics", headers={"X-API-Key": API_KEY})
    assert keyed.status_code == 200 and "sentient_" in keyed.text


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc"])
def test_the_schema_and_explorer_need_the_api_key(client: TestClient, path: str) -> None:
    refused = client.get(path)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert client.get(path, headers={"X-API-Key": API_KEY}).status_code == 200
    assert client.get(path, headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 200


def test_without_keys_development_keeps_metrics_and_docs_open(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    with app_client(web_settings(seeded_engine, spec_today, tmp_path, api_key=None)) as c:
        assert c.get("/metrics").status_code == 200 and c.get("/openapi.json").status_code == 200


def _chats(engine: Engine, message: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT COUNT(*) FROM ai_chat WHERE msg_in = :m"), {"m": message}).scalar()
        )


def test_forms_from_a_foreign_origin_get_403(client: TestClient, seeded_engine: Engine) -> None:
    login = {"username": "director", "password": "factory-demo", "next": "/"}
    assert client.post("/login", data=login, headers={"Origin": EVIL}).status_code == 403
    assert "sf_access" not in client.cookies
    assert client.post("/login", data=login, headers={"Origin": "http://testserver"}).status_code == 303
    for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/page"}):
        refused = client.post("/chat", data={"message": "forged question 1"}, headers=headers)
        assert refused.status_code == 403 and "another site" in refused.text
    assert _chats(seeded_engine, "forged question 1") == 0
    assert client.post("/logout", headers={"Origin": EVIL}).status_code == 403
    own = client.post(
        "/chat", data={"message": "status SO-202412-0001"}, headers={"Origin": "http://testserver"}
    )
    assert own.status_code == 200 and "chat-answer" in own.text  # still signed in: the logout was refused
    referer = client.post(
        "/chat", data={"message": "status SO-202412-0001"}, headers={"Referer": "http://testserver/chat"}
    )
    assert referer.status_code == 200


def test_public_base_url_is_our_origin_behind_a_proxy(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    settings = web_settings(
        seeded_engine, spec_today, tmp_path, public_base_url="https://factory.example.com"
    )
    with app_client(settings) as c:
        sign_in(c, "director")
        mine = c.post(
            "/chat",
            data={"message": "status SO-202412-0001"},
            headers={"Origin": "https://factory.example.com"},
        )
        assert mine.status_code == 200
        other = c.post(
            "/chat",
            data={"message": "status SO-202412-0001"},
            headers={"Origin": "http://factory.example.com"},
        )
        assert other.status_code == 403  # another scheme is another origin


def test_every_form_post_of_the_web_pages_checks_its_origin() -> None:
    posts = [r for r in web_router.routes if isinstance(r, APIRoute) and "POST" in r.methods]
    assert {r.path for r in posts} >= {"/login", "/logout", "/chat"}
    for route in posts:
        assert any(d.call is form_origin for d in route.dependant.dependencies), route.path
