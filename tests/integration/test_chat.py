"""POST /api/chat and `sentient ask` over the same agent: answers, refusals, follow-ups, the chat log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from sentient.app import create_app
from sentient.settings import Settings


@pytest.fixture
def client(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[TestClient]:
    url = seeded_engine.url.render_as_string(hide_password=False)
    settings = Settings(
        _env_file=None,
        database_url=url,
        factory_today=spec_today,
        data_dir=tmp_path,  # type: ignore[call-arg]
        api_key="k3y",
    )
    with TestClient(create_app(settings), headers={"X-API-Key": "k3y"}) as c:
        yield c


def _ask(client: TestClient, user: str, message: str, **extra: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/chat", json={"user": user, "message": message, **extra})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_answer_shape_and_exact_figure(client: TestClient) -> None:
    body = _ask(client, "director", "Berapa penjualan bulan ini?")
    assert set(body) >= {"answer", "mode", "language", "tools", "data", "citations"}
    assert (body["mode"], body["language"]) == ("deterministic", "id")
    assert body["tools"][0]["name"] == "sales_summary"
    assert "Rp 463.700.000" in body["answer"]


def test_english_question_gets_english_amounts(client: TestClient) -> None:
    body = _ask(client, "director", "How much did we sell last month?")
    assert body["language"] == "en" and "IDR 580,000,000" in body["answer"]


def test_follow_up_in_the_same_conversation(client: TestClient) -> None:
    _ask(client, "director", "Berapa penjualan bulan ini?", conversation_id="c1")
    body = _ask(client, "director", "dan bulan lalu?", conversation_id="c1")
    assert body["tools"][0]["args"]["start"] == "2024-11-01" and "Rp 580.000.000" in body["answer"]


def test_operator_is_refused_money_without_figures(client: TestClient) -> None:
    body = _ask(client, "operator1", "berapa saldo kas sekarang?")
    assert body["refused"] is True and body["tools"] == [] and body["data"] == []
    assert "1.250.000.000" not in body["answer"] and "Rp" not in body["answer"]


def test_by_phone_and_unknown_users(client: TestClient) -> None:
    assert _ask(client, "+6281100000006", "ringkasan hari ini")["tools"][0]["name"] == "dashboard_summary"
    for who in ("nobody", "resigned", "+6289999999999"):
        response = client.post("/api/chat", json={"user": who, "message": "halo"})
        assert response.status_code == 403 and response.json()["error"]["code"] == "unknown_user"


def test_bad_requests_get_clean_errors(client: TestClient) -> None:
    assert client.post("/api/chat", json={"user": "director", "message": "x" * 2001}).status_code == 422
    assert client.post("/api/chat", json={"user": "director"}).status_code == 422
    assert (
        client.post(
            "/api/chat", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )
    no_key = client.post("/api/chat", json={"user": "director", "message": "halo"}, headers={"X-API-Key": ""})
    assert no_key.status_code == 401
    bearer = client.post(
        "/api/chat",
        json={"user": "director", "message": "halo"},
        headers={"X-API-Key": "", "Authorization": "Bearer k3y"},
    )
    assert bearer.status_code == 200


def test_every_turn_is_logged_with_tokens(client: TestClient, seeded_engine: Engine) -> None:
    _ask(client, "director", "Berapa penjualan bulan ini?")
    _ask(client, "operator1", "berapa saldo kas?")
    with seeded_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT user_role, channel, mode, lang, msg_in, msg_out, tokens_in, tokens_out, "
                "tokens_used, latency_ms FROM ai_chat ORDER BY id"
            )
        ).all()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("DIRECTOR", "web", "deterministic", "id"),
        ("OPERATOR", "web", "deterministic", "id"),
    ]
    assert rows[0][4] == "Berapa penjualan bulan ini?" and "Rp 463.700.000" in rows[0][5]
    assert all(r[6] > 0 and r[7] > 0 and r[8] == r[6] + r[7] and r[9] >= 0 for r in rows)


def test_control_characters_never_reach_the_log(client: TestClient, seeded_engine: Engine) -> None:
    body = _ask(client, "director", "penjualan\x00 bulan\x07 ini")
    assert "Rp 463.700.000" in body["answer"]


def test_ask_cli_batch_mode(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": seeded_engine.url.render_as_string(hide_password=False),
        "FACTORY_TODAY": spec_today.isoformat(),
        "DATA_DIR": str(tmp_path),
    }
    exe = str(Path(sys.executable).with_name("sentient"))
    out = subprocess.run(
        [exe, "ask", "--user", "director", "-"],
        input="Berapa penjualan bulan ini?\n\nis SO-202412-0004 shipped?\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["tools"][0]["name"] for r in lines] == ["sales_summary", "so_status"]
    assert lines[1]["language"] == "en"
    single = subprocess.run(
        [exe, "ask", "--user", "nobody", "halo"], env=env, capture_output=True, text=True, timeout=120
    )
    assert single.returncode == 2 and "no active user" in single.stderr
