"""The dashboard's pages: sign-in, overview, alerts, order lookup, machines, inventory, finance, chat."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from sentient.auth.cookies import clear_session_cookies, set_session_cookies
from sentient.auth.current import REFRESH_COOKIE
from sentient.auth.service import AuthError
from sentient.auth.throttle import Throttled, normalise_username
from sentient.auth.wiring import client_ip
from sentient.deps import AuthDep, LimiterDep, LoginGuardDep, StateDep
from sentient.web import data
from sentient.web.context import FormOrigin, UserDep, menus_for, render, require
from sentient.web.errors import WebError
from warehouse.periods import month_start

router = APIRouter(include_in_schema=False)

_SAFE_NEXT = re.compile(r"^/[A-Za-z0-9/_\-?=&.%]*$")


def _next(target: str | None) -> str:
    """Only same-site paths (no //host or scheme) after sign-in: no open redirect."""
    return target if target and _SAFE_NEXT.match(target) and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, state: StateDep, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, state, None, "login.html", next=_next(next), error=None)


@router.post("/login", dependencies=[FormOrigin])
def login_submit(
    request: Request,
    state: StateDep,
    auth: AuthDep,
    guard: LoginGuardDep,
    limiter: LimiterDep,
    username: Annotated[str, Form(max_length=50)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=300)] = "/",
) -> Response:
    """Check the password; on success set the HttpOnly cookies and go to the page asked for."""
    ip = client_ip(request)
    if not limiter.hit("login", f"{normalise_username(username)}|{ip}", state.settings.rate_login_per_min):
        return _refused(request, state, next, 429, "Too many attempts; wait a minute.", 60)
    try:
        pair = guard.login(auth, username, password, ip, request.headers.get("user-agent"))
    except Throttled as exc:
        message = "Too many failed sign-ins from here; try again later."
        return _refused(request, state, next, 429, message, exc.retry_after)
    except AuthError as exc:
        if exc.code == "password_change_required":  # a one-time code or an expired password
            return render(
                request, state, None, "password.html", username=username, next=_next(next), error=None
            )
        return _refused(request, state, next, exc.status, exc.message)
    response = RedirectResponse(_next(next), status_code=303)
    st = state.settings
    set_session_cookies(response, pair, st.cookie_secure, st.access_token_min, st.refresh_token_days)
    return response


def _refused(
    request: Request, state: StateDep, next: str, status: int, error: str, retry_after: int | None = None
) -> Response:
    """The sign-in form again, with the reason (and Retry-After when throttled)."""
    response = render(request, state, None, "login.html", status, next=_next(next), error=error)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/password")
def password_page(request: Request, state: StateDep, next: str | None = None) -> Response:
    """The form to choose a new password (after a reset, when expired, or by choice)."""
    return render(request, state, None, "password.html", username="", next=_next(next), error=None)


@router.post("/password", dependencies=[FormOrigin])
def password_submit(
    request: Request,
    state: StateDep,
    auth: AuthDep,
    guard: LoginGuardDep,
    limiter: LimiterDep,
    username: Annotated[str, Form(max_length=50)],
    current: Annotated[str, Form(max_length=256)],
    new: Annotated[str, Form(max_length=256)],
    repeat: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=300)] = "/",
) -> Response:
    """Check the current password (or one-time code) and the policy, store the new one, then sign in."""
    ip = client_ip(request)

    def again(status: int, error: str) -> Response:
        ctx = {"username": username, "next": _next(next), "error": error}
        return render(request, state, None, "password.html", status, **ctx)

    if not limiter.hit("login", f"{normalise_username(username)}|{ip}", state.settings.rate_login_per_min):
        return again(429, "Too many attempts; wait a minute.")
    if new != repeat:
        return again(422, "The two new passwords differ.")
    try:
        guard.check(username, ip)  # the same wrong-password budget as the sign-in form
        auth.change_password(username, current, new, ip)
        pair = guard.login(auth, username, new, ip, request.headers.get("user-agent"))
    except Throttled as exc:
        return again(429, f"Too many failed attempts from here; try again in {exc.retry_after:,} s.")
    except AuthError as exc:
        if exc.code == "invalid_credentials":
            guard.failed(username, ip)
        return again(exc.status, exc.message)
    response = RedirectResponse(_next(next), status_code=303)
    st = state.settings
    set_session_cookies(response, pair, st.cookie_secure, st.access_token_min, st.refresh_token_days)
    return response


@router.post("/logout", dependencies=[FormOrigin])
def logout(request: Request, auth: AuthDep) -> Response:
    """End this browser's sign-in (audited) and forget its cookies."""
    refresh = request.cookies.get(REFRESH_COOKIE)
    found = auth.family_of(refresh) if refresh else None
    if found:
        auth.logout(found[0], found[1], client_ip(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookies(response)
    return response


@router.get("/")
def home(request: Request, state: StateDep, user: UserDep) -> Response:
    """KPI cards and charts; roles without the dashboard go to their first page."""
    if not user.caller.may("DASH.READ"):
        with state.sessions() as s:
            first = next((m.path for m in menus_for(s, user.caller.role) if m.path != "/"), "/chat")
        return RedirectResponse(first, status_code=303)
    st = state.settings
    with state.sessions() as s:
        summary = data.run_tool(st, s, user.caller, "dashboard_summary", {})
        alerts = data.run_tool(st, s, user.caller, "active_alerts", {})
        sales = data.sales_chart(st, s, user.caller) if user.caller.may("SO.READ") else None
        perf = data.machines(st, s, user.caller, month_start(st.today()), st.today())
        ar = data.run_tool(st, s, user.caller, "receivables", {}) if user.caller.may("AR.READ") else None
    charts = [c for c in (sales,) if c is not None]
    if perf.ok and perf.data.machines:
        charts.append(data.reject_chart(perf.data, st.reject_rate_threshold_pct))
    if ar is not None and ar.ok:
        charts.append(data.ageing_chart(ar.data))
    return render(
        request,
        state,
        user,
        "dashboard.html",
        summary=summary.data if summary.ok else None,
        alerts=alerts.data if alerts.ok else None,
        charts=charts,
    )


@router.get("/alerts")
def alerts(request: Request, state: StateDep, user: UserDep, severity: str | None = None) -> Response:
    """Active alerts, grouped by severity."""
    require(user, "ALERT.READ")
    args = {"severity": severity} if severity else {}
    with state.sessions() as s:
        result = data.run_tool(state.settings, s, user.caller, "active_alerts", args)
    if not result.ok:
        raise WebError(400, result.message or "Cannot show alerts.")
    return render(request, state, user, "alerts.html", alerts=result.data, severity=severity)


def _lookup(request: Request, state: StateDep, user: UserDep, kind: str, doc_no: str | None) -> Response:
    tool, permission = ("so_status", "SO.READ") if kind == "so" else ("po_status", "PO.READ")
    require(user, permission)
    result = None
    if doc_no:
        with state.sessions() as s:
            result = data.run_tool(state.settings, s, user.caller, tool, {"doc_no": doc_no.strip().upper()})
    return render(request, state, user, "orders.html", kind=kind, doc_no=doc_no or "", result=result)


@router.get("/sales-orders")
def sales_orders(
    request: Request,
    state: StateDep,
    user: UserDep,
    doc_no: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Sales order lookup by document number."""
    return _lookup(request, state, user, "so", doc_no)


@router.get("/purchase-orders")
def purchase_orders(
    request: Request,
    state: StateDep,
    user: UserDep,
    doc_no: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """Purchase order lookup by document number."""
    return _lookup(request, state, user, "po", doc_no)


@router.get("/machines")
def machines(request: Request, state: StateDep, user: UserDep) -> Response:
    """Output, reject rate, downtime and OEE per machine this month, with the reject chart."""
    require(user, "PROD.READ")
    st = state.settings
    with state.sessions() as s:
        perf = data.machines(st, s, user.caller, month_start(st.today()), st.today())
    if not perf.ok:
        raise WebError(400, perf.message or "Cannot show machines.")
    chart = data.reject_chart(perf.data, st.reject_rate_threshold_pct) if perf.data.machines else None
    return render(request, state, user, "machines.html", perf=perf.data, chart=chart)


@router.get("/inventory")
def inventory(request: Request, state: StateDep, user: UserDep) -> Response:
    """Stock that is low or oversold."""
    require(user, "INV.READ")
    with state.sessions() as s:
        low = data.run_tool(state.settings, s, user.caller, "inventory_status", {"only": "low"})
        over = data.run_tool(state.settings, s, user.caller, "inventory_status", {"only": "oversold"})
    return render(request, state, user, "inventory.html", low=low.data, oversold=over.data)


@router.get("/finance")
def finance(request: Request, state: StateDep, user: UserDep) -> Response:
    """Receivables ageing: only for roles that may see money (AR.READ, as the receivables tool)."""
    require(user, "AR.READ")
    with state.sessions() as s:
        ar = data.run_tool(state.settings, s, user.caller, "receivables", {"overdue_only": True})
    if not ar.ok:
        raise WebError(403, ar.message or "Not permitted.")
    return render(request, state, user, "finance.html", ar=ar.data, chart=data.ageing_chart(ar.data))


@router.get("/chat")
def chat_page(request: Request, state: StateDep, user: UserDep) -> Response:
    """The chat panel (JavaScript streams from /api/chat; without it the form posts here)."""
    return render(request, state, user, "chat.html", question="", reply=None)


@router.post("/chat", dependencies=[FormOrigin])
def chat_submit(
    request: Request,
    state: StateDep,
    user: UserDep,
    limiter: LimiterDep,
    message: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    """The no-JavaScript chat: ask, then render the answer on the page."""
    if not limiter.hit("chat", user.caller.username, state.settings.rate_chat_per_min):
        raise WebError(429, "Too many questions in a minute; wait a moment.")
    rid = getattr(request.state, "request_id", None)
    reply = state.chat.chat(user.caller, message, channel="web", request_id=rid)  # signed in: loaded once
    return render(request, state, user, "chat.html", question=message, reply=reply.as_json())
