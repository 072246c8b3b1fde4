"""Web pages answer errors with HTML: 401 sends the browser to sign in, 403 shows a plain page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from sentient.auth.cookies import clear_session_cookies
from sentient.web.templating import templates


class WebError(Exception):
    """An error on a web page (never used by /api routes, which keep the JSON error shape)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def install_web_errors(app: FastAPI) -> None:
    """Register the handler that turns WebError into a redirect or an HTML page."""

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        if exc.status == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            response = RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            clear_session_cookies(response)  # stale cookies would loop through silent refresh again
            return response
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status, "message": exc.message, "user": None, "menus": [], "banner": None},
            status_code=exc.status,
        )
