"""The FastAPI application factory; heavy clients are built once in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sentient.api import chat, dashboard, health, search
from sentient.errors import install_error_handlers
from sentient.settings import Settings, get_settings
from sentient.state import AppState

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for these settings (default: the environment's)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = AppState.build(settings)
        app.state.sentient = state
        log.info(
            "sentient started: database=%s today=%s", state.engine.url.get_backend_name(), settings.today()
        )
        try:
            yield
        finally:
            state.close()

    app = FastAPI(title="Sentient Factory", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(dashboard.router)
    app.include_router(chat.router)
    app.include_router(search.router)
    return app
