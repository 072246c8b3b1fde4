"""Metrics exposition, request-id and latency middleware, JSON logs, hardening middleware, rate limits."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from sentient.middleware import CSP, BodyLimit, SecurityHeaders
from sentient.observability.logs import REQUEST_ID, JsonFormatter
from sentient.observability.middleware import RequestObservability
from sentient.ratelimit import MemoryLimiter
from sentient.web.charts import Series, bar_chart
from telemetry import metrics


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int, request: Request) -> dict[str, object]:
        return {"id": item_id, "rid": request.state.request_id, "ctx": REQUEST_ID.get()}

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"n": len(await request.body())}

    app.add_middleware(BodyLimit, limit=100)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestObservability)
    return app


def _count(route: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "sentient_http_request_seconds_count", {"method": "GET", "route": route, "status": "2xx"}
    )
    return value or 0.0


def test_every_metric_family_is_exported() -> None:
    text = metrics.render()[0].decode()
    for name in (
        "sentient_http_request_seconds",
        "sentient_chat_turns_total",
        "sentient_tokens_total",
        "sentient_model_latency_seconds",
        "sentient_model_ttft_seconds",
        "sentient_breaker_state",
        "sentient_tool_seconds",
        "sentient_retrieval_seconds",
        "sentient_outbound_messages_total",
        "sentient_alerts_fired_total",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name


def test_breaker_state_gauge_values() -> None:
    for state, value in (("closed", 0), ("half_open", 1), ("open", 2), ("weird", 2)):
        metrics.set_breaker_state(state, "unit")
        assert metrics.REGISTRY.get_sample_value("sentient_breaker_state", {"breaker": "unit"}) == value


def test_latency_is_labelled_by_route_template_not_raw_path() -> None:
    before = _count("/items/{item_id}")
    with TestClient(_app()) as client:
        client.get("/items/1")
        client.get("/items/2")
    assert _count("/items/{item_id}") == before + 2
    assert (
        metrics.REGISTRY.get_sample_value(
            "sentient_http_request_seconds_count", {"method": "GET", "route": "/items/1", "status": "2xx"}
        )
        is None
    )


def test_request_id_is_echoed_generated_and_sanitised() -> None:
    with TestClient(_app()) as client:
        given = client.get("/items/1", headers={"X-Request-ID": "abc-123"})
        assert given.headers["x-request-id"] == "abc-123"
        assert given.json()["rid"] == "abc-123" and given.json()["ctx"] == "abc-123"
        fresh = client.get("/items/1")
        assert len(fresh.headers["x-request-id"]) == 32
        hostile = client.get("/items/1", headers={"X-Request-ID": 'x" onload=alert(1)'})
        assert hostile.headers["x-request-id"] != 'x" onload=alert(1)'


def test_security_headers_and_body_limit() -> None:
    with TestClient(_app()) as client:
        ok = client.post("/echo", content=b"x" * 100)
        assert ok.status_code == 200
        assert ok.headers["content-security-policy"] == CSP and "frame-ancestors 'none'" in CSP
        assert ok.headers["x-content-type-options"] == "nosniff"
        assert ok.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        big = client.post("/echo", content=b"x" * 101)
        assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams in
            yield b"x" * 60
            yield b"x" * 60

        streamed = client.post("/echo", content=chunks())
        assert streamed.status_code == 413, streamed.text


def test_json_log_lines_carry_the_request_id() -> None:
    record = logging.LogRecord("sentient.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    token = REQUEST_ID.set("rid-42")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == "hello world" and line["request_id"] == "rid-42" and line["level"] == "INFO"


def test_memory_rate_limiter_windows() -> None:
    now = [0.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert all(limiter.hit("login", "u", 3) for _ in range(3))
    assert not limiter.hit("login", "u", 3)
    assert limiter.hit("login", "other", 3)  # per key
    now[0] = 61.0
    assert limiter.hit("login", "u", 3)  # a new window


def test_svg_chart_is_responsive_and_escapes_labels() -> None:
    svg = str(bar_chart("Sales <b>", ["Jan", "<x>"], [Series("A", [10, None]), Series("B", [5, 7])]))
    assert svg.startswith("<svg") and 'viewBox="0 0 480 300"' in svg and 'width="100%"' in svg
    assert "<b>" not in svg and "&lt;x&gt;" in svg and "style=" not in svg  # CSP: no inline styles
    assert svg.count("<rect") >= 4
