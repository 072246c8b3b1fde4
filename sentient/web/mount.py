"""Adds the web pages, their static files, sign-in API and /metrics to the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sentient.api.auth import router as auth_router
from sentient.middleware import install_middleware
from sentient.observability.routes import router as metrics_router
from sentient.settings import Settings
from sentient.web.admin_pages import router as admin_router
from sentient.web.admin_users import router as admin_users_router
from sentient.web.errors import install_web_errors
from sentient.web.routes import router as web_router

STATIC = Path(__file__).with_name("static")


def mount_web(app: FastAPI, settings: Settings) -> None:
    """Routes for /api/auth/*, /metrics, /static and the pages under /."""
    app.include_router(auth_router)
    app.include_router(metrics_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(web_router)
    app.include_router(admin_router)  # administration (issue 15): hub, roles, sessions, audit
    app.include_router(admin_users_router)  # administration: users and their WhatsApp numbers
    install_web_errors(app)
    install_middleware(app, settings)
