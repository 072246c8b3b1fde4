"""One error shape for the whole API: {"error": {"code", "message"}}, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from warehouse.retry import DatabaseUnavailable, is_transient

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error a client may see: HTTP status, a stable code and a human message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers  # e.g. Retry-After on a 429


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The JSON body of every error response."""
    return {"error": {"code": code, "message": message}}


def install_error_handlers(app: FastAPI, retry_after_s: int = 5) -> None:
    """Map our errors, HTTP errors, validation errors and anything unexpected to the one shape."""

    # Handlers for named classes answer inside Starlette's ExceptionMiddleware, which keeps the connection
    # open; only the catch-all Exception handler runs in ServerErrorMiddleware, which closes it afterwards.
    async def _database_down(req: Request, exc: Exception) -> JSONResponse:
        if not is_transient(exc):
            return await _unexpected(req, exc)
        log.warning("database unavailable on %s %s: %s", req.method, req.url.path, type(exc).__name__)
        body = error_body(
            "database_unavailable", "The database is not reachable right now; try again shortly."
        )
        return JSONResponse(body, status_code=503, headers={"Retry-After": str(retry_after_s)})

    for cls in (DatabaseUnavailable, DBAPIError, PoolTimeout):
        app.add_exception_handler(cls, _database_down)

    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        if (
            exc.status_code == 400
        ):  # FastAPI's "error parsing the body": malformed JSON is a 422 like the rest
            return JSONResponse(error_body("invalid_request", f"body: {exc.detail}"), 422)
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(error_body("invalid_request", f"{where}: {first.get('msg', 'invalid')}"), 422)

    app.add_exception_handler(Exception, _unexpected)


async def _unexpected(req: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", req.method, req.url.path, exc_info=exc)
    return JSONResponse(error_body("internal_error", "Something went wrong on our side."), 500)
