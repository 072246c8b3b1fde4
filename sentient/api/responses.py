"""Every response each API operation can give, declared in one place for the OpenAPI schema (issue 16).

Shared errors (the one error shape) go on every operation by what it has: a body (413, 422), parameters
(422), the API key (401), the database (503). What only some operations answer (403, 404, 423, 429...) is
listed per route below. tests/integration/test_openapi_contract.py fails when the app answers a status
that is not declared here.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    """A stable code and a human message."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """The JSON body of every error response (sentient/errors.py)."""

    error: ErrorDetail


WHY = {
    400: "The request cannot be carried out (e.g. a tool refused its arguments).",
    401: "Missing or wrong credentials (API key or sign-in token).",
    403: "Not allowed: unknown user, role without the permission, bad signature or foreign Origin.",
    404: "No such resource.",
    413: "Request body over MAX_BODY_BYTES.",
    422: "The request is invalid: malformed JSON, a missing field or a broken rule (`invalid_request`).",
    423: "The account is locked after too many failed sign-ins.",
    429: "Too many requests; wait and retry.",
    500: "An unexpected error on our side (`internal_error`).",
    503: "The database (or search) is unavailable right now; retry after `Retry-After` seconds.",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
}
_READYZ_503: dict[str, Any] = {
    "description": "Not ready: the warehouse does not answer or is not migrated.",
    "content": {"application/json": {"schema": {"type": "object"}}},
}

# What only some operations answer, by (method, path).
SPECIFIC: dict[tuple[str, str], tuple[int, ...]] = {
    ("POST", "/api/chat"): (401, 403, 429),
    ("GET", "/api/search"): (403,),
    ("GET", "/api/alerts"): (400, 403),
    ("POST", "/webhooks/twilio/whatsapp"): (403,),
    ("POST", "/webhooks/twilio/status"): (403,),
    ("POST", "/api/auth/login"): (401, 423, 429),
    ("POST", "/api/auth/refresh"): (401,),
    ("POST", "/api/auth/logout"): (401,),
    ("POST", "/api/auth/users/{username}/logout"): (401, 403, 404),
}
_NO_DATABASE = {"/healthz"}  # answers without touching the warehouse


def declare_responses(app: FastAPI) -> None:
    """Make the app's OpenAPI schema list the shared and the per-route error responses of every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            add_error_responses(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def add_error_responses(schema: dict[str, Any]) -> None:
    """Add every error status each operation can answer, in the one error shape, to an OpenAPI dict."""
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(body.pop("$defs", {}))
    components["ErrorBody"] = body
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            for status in sorted(_statuses(path, method.upper(), op)):
                responses[str(status)] = _response(path, status)


def _response(path: str, status: int) -> dict[str, Any]:
    if path == "/readyz" and status == 503:
        return _READYZ_503  # its own body: the checks
    response: dict[str, Any] = {
        "description": WHY[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if status == 503:
        response["headers"] = _RETRY_AFTER
    return response


def _statuses(path: str, method: str, op: dict[str, Any]) -> set[int]:
    statuses = {500, *SPECIFIC.get((method, path), ())}
    if path not in _NO_DATABASE:
        statuses.add(503)
    if "requestBody" in op or method == "POST":
        statuses |= {413, 422}
    params = op.get("parameters", [])
    if params:
        statuses.add(422)
    if any(p.get("in") == "header" and p.get("name", "").lower() == "x-api-key" for p in params):
        statuses.add(401)  # the API key dependency (declared whether or not API_KEY is set)
    return statuses
