"""Form posts in Chromium: without JavaScript sign-in and chat still work; another origin's form is 403."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import text

from tests.browser.conftest import Served
from warehouse.seed.access import DEV_PASSWORD

FORGED = "forged question from another origin"


def _tab(browser: Any, artifacts: Path, name: str, **options: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    tab.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def plain_page(browser: Any, request: pytest.FixtureRequest, artifacts: Path) -> Iterator[Any]:
    """A browser context with JavaScript off: every form is a real form post."""
    yield from _tab(browser, artifacts, request.node.name, java_script_enabled=False)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest, artifacts: Path) -> Iterator[Any]:
    yield from _tab(browser, artifacts, request.node.name)


def _sign_in(page: Any, served: Served, path: str) -> None:
    page.goto(f"{served.base}{path}")
    page.fill("input[name=username]", "director")
    page.fill("input[name=password]", DEV_PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as posted:
        page.click("button[type=submit]")
    assert posted.value.status == 303 and posted.value.request.all_headers()["origin"] == served.base
    page.wait_for_load_state()


def test_sign_in_and_chat_through_the_form_without_javascript(plain_page: Any, served: Served) -> None:
    _sign_in(plain_page, served, "/chat")
    assert plain_page.url.endswith("/chat")
    plain_page.fill("#chat-input", "Berapa penjualan bulan ini?")
    with plain_page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/chat")
    ) as posted:
        plain_page.click("#chat-form button")
    assert posted.value.status == 200  # Chromium sent our own Origin, so the form was accepted
    answer = plain_page.locator("li.bot[data-testid=chat-answer]")
    assert "Rp 463.700.000" in answer.inner_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_form_on_another_origin_of_the_same_site_is_refused(page: Any, served: Served) -> None:
    """127.0.0.1 on another port is the same site, so SameSite=Lax sends the cookies: only Origin stops it."""
    _sign_in(page, served, "/")
    evil = f"http://127.0.0.1:{_free_port()}/evil"
    form = (
        f'<form method="post" action="{served.base}/chat"><input name="message" value="{FORGED}">'
        '<button type="submit">win a prize</button></form>'
    )
    page.route(evil, lambda route: route.fulfill(status=200, content_type="text/html", body=form))
    page.goto(evil)
    with page.expect_response(lambda r: r.url == f"{served.base}/chat") as posted:
        page.click("button")
    assert posted.value.status == 403
    assert posted.value.request.all_headers()["origin"] == evil.rsplit("/", 1)[0]
    with served.engine.connect() as conn:
        asked = conn.execute(text("SELECT COUNT(*) FROM ai_chat WHERE msg_in = :m"), {"m": FORGED}).scalar()
    assert asked == 0
    page.goto(f"{served.base}/chat")  # the victim is still signed in and unharmed
    assert page.url.endswith("/chat")


def test_a_plain_http_client_with_a_foreign_origin_gets_403(served: Served) -> None:
    login = {"username": "director", "password": DEV_PASSWORD, "next": "/"}
    with httpx.Client(base_url=served.base, follow_redirects=False, timeout=30) as client:
        refused = client.post("/login", data=login, headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403 and "sf_access" not in refused.cookies
        accepted = client.post("/login", data=login, headers={"Origin": served.base})
        assert accepted.status_code == 303 and "sf_access" in accepted.cookies
