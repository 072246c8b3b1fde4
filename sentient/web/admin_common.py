"""What every administration page shares: the acting administrator, the posted form, confirm-then-apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.responses import Response

from sentient.admin.actor import Actor, AdminError, Outcome
from sentient.auth.wiring import client_ip
from sentient.deps import StateDep
from sentient.web.context import UserDep, render
from sentient.web.errors import WebError

T = TypeVar("T")
MAX_FIELD = 300  # no administration field is longer; the body limit (MAX_BODY_BYTES) bounds the rest


async def posted_form(request: Request) -> dict[str, str]:
    """The posted fields as short strings (files and repeated keys are not used by these forms)."""
    form = await request.form()
    return {k: str(v)[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}


def web_actor(request: Request, state: StateDep, user: UserDep) -> Actor:
    """The signed-in administrator as the service's actor (their role's codes, level and address)."""
    return state.admin.actor_for(user.caller, client_ip(request))


def guarded(call: Callable[[], T]) -> T:
    """Run a service call; its refusals become the web's error page with the same status."""
    try:
        return call()
    except AdminError as exc:
        raise WebError(exc.status, exc.message) from exc


def confirm_then_apply(
    request: Request,
    state: StateDep,
    user: UserDep,
    fields: dict[str, str],
    step: Callable[[bool], Outcome],
    back: str,
) -> Response:
    """First post: the preview and a Confirm button (re-posting the same fields); then apply and report."""
    confirmed = fields.get("confirm") == "yes"
    outcome = guarded(lambda: step(confirmed))
    if confirmed or not outcome.changed:
        return render(request, state, user, "admin/done.html", outcome=outcome, back=back)
    hidden = {k: v for k, v in fields.items() if k != "confirm"}
    return render(
        request,
        state,
        user,
        "admin/confirm.html",
        outcome=outcome,
        hidden=hidden,
        action=request.url.path,
        back=back,
    )


FormDep = Annotated[dict[str, str], Depends(posted_form)]
ActorDep = Annotated[Actor, Depends(web_actor)]
