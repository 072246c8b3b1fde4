"""The FastAPI application factory; everything it holds is built once in the lifespan (sentient/state.py)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sentient.api import alerts as alerts_api
from sentient.api import chat, dashboard, health, search, webhooks
from sentient.api.responses import declare_responses
from sentient.errors import install_error_handlers
from sentient.settings import Settings, get_settings
from sentient.state import AppState
from sentient.web.mount import mount_web

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for these settings (default: the environment's)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = AppState.build(settings)
        app.state.sentient = state  # read only by sentient.deps.get_state
        await state.astart()
        log.info(
            "sentient started: database=%s today=%s", state.engine.url.get_backend_name(), settings.today()
        )
        try:
            yield
        finally:
            await state.astop()

    app = FastAPI(title="Sentient Factory", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app, settings.db_retry_after_s)
    app.include_router(health.router)
    app.include_router(dashboard.router)
    app.include_router(chat.router)
    app.include_router(search.router)
    app.include_router(alerts_api.router)  # GET /api/alerts (issue 7)
    app.include_router(webhooks.router)  # /webhooks/twilio/whatsapp and /status (signature-checked)
    mount_web(app, settings)  # /api/auth, /metrics, hardening middleware and the dashboard pages under /
    declare_responses(app)  # every status each operation can answer, in the OpenAPI schema
    return app
