"""Tokens forged with pyjwt as an attacker would: the old constant, another user's session, a long life."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.integration.web_support import app_client, web_settings
from warehouse.seed.access import DEV_PASSWORD

LEAKED = "a-secret-the-attacker-has-read"


def _key(secret: str) -> bytes:
    """The access-token key as the published source derives it from SECRET_KEY."""
    return hmac.new(secret.encode(), b"sentient-access-token-v1", hashlib.sha256).digest()


def _forge(secret: str, sub: int, usr: str, sid: str, life_s: int = 600) -> str:
    now = int(time.time())
    claims = {"sub": str(sub), "usr": usr, "sid": sid, "typ": "access", "iss": "sentient-factory"}
    return jwt.encode({**claims, "iat": now, "exp": now + life_s}, _key(secret), algorithm="HS256")


def _user_id(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT id FROM adm_user WHERE username = :u"), {"u": username}).scalar()
    return int(found)


def _own_session(client: TestClient, username: str) -> dict[str, Any]:
    """Sign in for real; the attacker reads their own token's claims (they are not encrypted)."""
    tokens = client.post("/api/auth/login", json={"username": username, "password": DEV_PASSWORD}).json()
    claims: dict[str, Any] = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    return claims


def _chat_status(client: TestClient, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return client.post("/api/chat", json={"message": "status SO-202412-0001"}, headers=headers).status_code


@pytest.fixture
def leaked_key_client(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[TestClient]:
    with app_client(web_settings(seeded_engine, spec_today, tmp_path, secret_key=LEAKED)) as c:
        yield c


def test_without_secret_key_the_old_constant_signs_nothing(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    with app_client(web_settings(seeded_engine, spec_today, tmp_path)) as client:
        mine = _own_session(client, "jane.smith")
        sub, sid = int(mine["sub"]), mine["sid"]
        assert _chat_status(client, _forge("dev-only-change-me", sub, "jane.smith", sid)) == 401
        generated = (tmp_path / "secret_key").read_text()  # control: the app signs with the generated key
        assert _chat_status(client, _forge(generated, sub, "jane.smith", sid)) == 200


def test_a_session_of_another_user_does_not_make_a_token_theirs(
    leaked_key_client: TestClient, seeded_engine: Engine
) -> None:
    mine = _own_session(leaked_key_client, "jane.smith")
    director = _user_id(seeded_engine, "director")
    forged = _forge(LEAKED, director, "director", mine["sid"])  # director's id on jane's live session
    assert _chat_status(leaked_key_client, forged) == 401
    own = _forge(LEAKED, int(mine["sub"]), "jane.smith", mine["sid"])  # control: same key, own session
    assert _chat_status(leaked_key_client, own) == 200


def test_a_lifetime_over_access_token_min_is_refused_whatever_exp_says(leaked_key_client: TestClient) -> None:
    mine = _own_session(leaked_key_client, "jane.smith")
    sub, sid = int(mine["sub"]), mine["sid"]
    assert _chat_status(leaked_key_client, _forge(LEAKED, sub, "jane.smith", sid, life_s=15 * 60 + 1)) == 401
    assert _chat_status(leaked_key_client, _forge(LEAKED, sub, "jane.smith", sid, life_s=86400 * 365)) == 401
    assert _chat_status(leaked_key_client, _forge(LEAKED, sub, "jane.smith", sid, life_s=15 * 60)) == 200


def test_unsigned_tokens_are_refused(leaked_key_client: TestClient) -> None:
    mine = _own_session(leaked_key_client, "jane.smith")
    now = int(time.time())
    claims = {**mine, "iat": now, "exp": now + 60}
    unsigned = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    assert _chat_status(leaked_key_client, unsigned) == 401
