"""The dashboard pages and web sign-in over HTTP: figures, permissions, lockout, rotation, audit, chat."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.integration.independent_sql import expected_summary
from tests.integration.web_support import (
    API_KEY,
    app_client,
    hold_the_windows,
    kpi_value,
    sign_in,
    web_settings,
)
from textkit.format import money, pct


@pytest.fixture
def client(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> Iterator[TestClient]:
    with app_client(web_settings(seeded_engine, spec_today, tmp_path)) as c:
        yield c


def _audit(engine: Engine, action: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT COUNT(*) FROM log_audit WHERE action = :a"), {"a": action}).scalar()
        )


def test_pages_need_sign_in(client: TestClient) -> None:
    response = client.get("/machines")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fmachines"


def test_kpi_cards_show_the_figures_rederived_by_sql(
    client: TestClient, seeded_engine: Engine, spec_today: date
) -> None:
    sign_in(client, "director")
    html = client.get("/").text
    want = expected_summary(seeded_engine, spec_today)
    assert kpi_value(html, "revenue_mtd") == money(want["revenue_mtd"], "en")
    assert kpi_value(html, "cash_balance") == money(want["cash_balance"], "en")
    assert kpi_value(html, "ar_overdue") == money(want["ar_overdue"], "en")
    assert kpi_value(html, "production_oee") == pct(want["production_oee"], "en")
    assert kpi_value(html, "active_alerts") == str(want["active_alerts"])
    assert kpi_value(html, "pending_orders") == str(want["pending_orders"])
    assert html.count("<svg") == 3  # sales by month, reject rate by machine and shift, receivables ageing


def test_operator_sees_no_money_pages_or_menus(client: TestClient) -> None:
    sign_in(client, "operator1")
    home = client.get("/")
    assert home.status_code == 303 and home.headers["location"] != "/"  # no dashboard permission
    page = client.get("/machines").text
    assert 'data-menu="MENU_MACHINE"' in page and 'data-menu="MENU_FIN"' not in page
    for path in ("/finance", "/sales-orders?doc_no=SO-202412-0001", "/inventory"):
        denied = client.get(path)
        assert denied.status_code == 403 and "Rp" not in denied.text and "IDR" not in denied.text, path


def test_order_lookup_alerts_and_tables(client: TestClient, seeded_engine: Engine) -> None:
    sign_in(client, "director")
    with seeded_engine.connect() as conn:
        doc, total = conn.execute(text("SELECT doc_no, total_amt FROM t_so ORDER BY id LIMIT 1")).one()
        alerts = conn.execute(
            text("SELECT COUNT(*) FROM ai_alert WHERE cleared_at IS NULL AND is_read = :f"), {"f": False}
        ).scalar()
    order = client.get(f"/sales-orders?doc_no={doc.lower()}").text
    assert 'data-testid="order"' in order and money(total, "en") in order
    assert "not found" in client.get("/sales-orders?doc_no=SO-199901-9999").text
    assert client.get("/alerts").text.count('data-testid="alert"') == alerts
    assert 'data-testid="machines"' in client.get("/machines").text
    assert 'data-testid="oversold"' in client.get("/inventory").text
    assert 'data-testid="ageing"' in client.get("/finance").text


def test_failures_throttle_the_source_and_everything_is_audited(
    client: TestClient, seeded_engine: Engine
) -> None:
    hold_the_windows(client.app)  # the five failures and the refusal fall in one window
    before = {k: _audit(seeded_engine, k) for k in ("LOGIN_FAILED", "LOGIN", "LOGOUT")}
    for _ in range(5):
        bad = client.post("/api/auth/login", json={"username": "john.doe", "password": "wrong"})
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_credentials"
    throttled = client.post("/api/auth/login", json={"username": "john.doe", "password": "factory-demo"})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
    assert _audit(seeded_engine, "LOGIN_FAILED") == before["LOGIN_FAILED"] + 5
    with seeded_engine.connect() as conn:
        until = conn.execute(text("SELECT locked_until FROM adm_user WHERE username = 'john.doe'")).scalar()
    assert until is None  # the account itself is never locked by failures
    ok = client.post("/api/auth/login", json={"username": "jane.smith", "password": "factory-demo"})
    assert ok.status_code == 200 and _audit(seeded_engine, "LOGIN") == before["LOGIN"] + 1
    client.post("/api/auth/logout", json={"refresh_token": ok.json()["refresh_token"]})
    assert _audit(seeded_engine, "LOGOUT") == before["LOGOUT"] + 1


def test_refresh_rotates_and_reuse_revokes_the_family(client: TestClient, seeded_engine: Engine) -> None:
    first = client.post("/api/auth/login", json={"username": "director", "password": "factory-demo"}).json()
    second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    reused = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and reused.json()["error"]["code"] == "token_reused"
    # The thief's reuse ended the family: the newest refresh token and the access token stop working too.
    assert (
        client.post("/api/auth/refresh", json={"refresh_token": second.json()["refresh_token"]}).status_code
        == 401
    )
    chat = client.post(
        "/api/chat",
        json={"message": "hi"},
        headers={"Authorization": f"Bearer {second.json()['access_token']}"},
    )
    assert chat.status_code == 401
    assert _audit(seeded_engine, "TOKEN_REUSE") == 1


def test_chat_api_accepts_tokens_and_acts_as_that_user(client: TestClient, seeded_engine: Engine) -> None:
    tokens = client.post("/api/auth/login", json={"username": "operator1", "password": "factory-demo"}).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}", "X-Request-ID": "web-test-rid-1"}
    reply = client.post("/api/chat", json={"message": "Berapa penjualan bulan ini?"}, headers=bearer)
    assert reply.status_code == 200 and reply.json()["refused"] is True  # the operator's rights, not more
    assert reply.headers["x-request-id"] == "web-test-rid-1"
    other = client.post("/api/chat", json={"user": "director", "message": "hi"}, headers=bearer)
    assert other.status_code == 403
    assert client.post("/api/chat", json={"user": "director", "message": "hi"}).status_code == 401  # no key
    keyed = client.post(
        "/api/chat", json={"user": "director", "message": "hi"}, headers={"X-API-Key": API_KEY}
    )
    assert keyed.status_code == 200
    with seeded_engine.connect() as conn:
        rid = conn.execute(
            text("SELECT request_id FROM ai_chat WHERE request_id = 'web-test-rid-1'")
        ).scalar()
    assert rid == "web-test-rid-1"


def test_force_logout_revokes_access_immediately(client: TestClient) -> None:
    user = client.post("/api/auth/login", json={"username": "john.doe", "password": "factory-demo"}).json()
    admin = client.post("/api/auth/login", json={"username": "admin", "password": "factory-demo"}).json()
    bearer = {"Authorization": f"Bearer {user['access_token']}"}
    assert client.post("/api/chat", json={"message": "hi"}, headers=bearer).status_code == 200
    denied = client.post(
        "/api/auth/users/admin/logout", headers={"Authorization": f"Bearer {user['access_token']}"}
    )
    assert denied.status_code == 403  # a sales manager may not end other people's sessions
    done = client.post(
        "/api/auth/users/john.doe/logout", headers={"Authorization": f"Bearer {admin['access_token']}"}
    )
    assert done.status_code == 200 and done.json()["revoked"] >= 1
    assert client.post("/api/chat", json={"message": "hi"}, headers=bearer).status_code == 401


def test_web_sign_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, "director")
    assert client.get("/alerts").status_code == 200
    refresh = client.cookies.get("sf_refresh")
    assert client.post("/logout").status_code == 303
    client.cookies.set("sf_refresh", refresh or "")
    assert client.get("/alerts").status_code == 303  # the old refresh cookie no longer signs in


def test_metrics_and_hardening_on_the_real_app(client: TestClient) -> None:
    sign_in(client, "director")
    client.get("/")
    client.post("/chat", data={"message": "Berapa penjualan bulan ini?"})
    scrape = client.get("/metrics", headers={"X-API-Key": API_KEY})
    assert 'sentient_tool_seconds_count{outcome="ok",tool="dashboard_summary"}' in scrape.text
    assert 'sentient_chat_turns_total{channel="web",mode="deterministic",role="DIRECTOR"}' in scrape.text
    assert (
        scrape.status_code == 200
        and 'route="/"' in scrape.text
        and "sentient_chat_turns_total" in scrape.text
    )
    page = client.get("/alerts")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    big = client.post(
        "/api/auth/login", content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"}
    )
    assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"


def test_sign_in_is_rate_limited(seeded_engine: Engine, spec_today: date, tmp_path: Path) -> None:
    settings = web_settings(seeded_engine, spec_today, tmp_path, rate_login_per_min=2, login_max_failures=50)
    with app_client(settings) as c:
        hold_the_windows(c.app)  # the three sign-ins fall in one minute
        codes = [
            c.post("/api/auth/login", json={"username": "x", "password": "y"}).status_code for _ in range(3)
        ]
    assert codes == [401, 401, 429]


@pytest.mark.postgres
def test_log_audit_is_append_only_on_postgres(seeded_engine: Engine) -> None:
    if seeded_engine.dialect.name != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    for sql in ("UPDATE log_audit SET action = 'X'", "DELETE FROM log_audit", "TRUNCATE log_audit"):
        with pytest.raises(Exception, match="append-only"), seeded_engine.begin() as conn:
            conn.execute(text(sql))


@pytest.mark.parametrize("username", ["admin", "director", "john.doe", "jane.smith", "operator1"])
def test_every_menu_entry_opens_for_its_role(
    username: str, seeded_engine: Engine, client: TestClient
) -> None:
    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("menus are the same data on both backends; once is enough")
    sign_in(client, username)
    page = client.get("/chat")
    links = re.findall(r'<a href="(/[^"]*)" data-menu=', page.text)
    assert links and "/chat" in links
    for link in links:
        response = client.get(link, follow_redirects=True)
        assert response.status_code == 200, (username, link)


def test_chat_is_rate_limited_per_signed_in_user(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("limiter logic is backend-independent")
    with app_client(web_settings(seeded_engine, spec_today, tmp_path, rate_chat_per_min=2)) as c:
        hold_the_windows(c.app)  # the three chats fall in one minute
        token = c.post("/api/auth/login", json={"username": "director", "password": "factory-demo"}).json()
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        codes = [c.post("/api/chat", json={"message": "hi"}, headers=bearer).status_code for _ in range(3)]
        keyed = c.post(
            "/api/chat", json={"user": "director", "message": "hi"}, headers={"X-API-Key": API_KEY}
        )
    assert codes == [200, 200, 429] and keyed.status_code == 200  # the service key is not a person
