"""Signing in and out of the desk (a part of bot.channels.desk.web.Desk).

In order, before any password is hashed: the client's throttle (CLIENT_ATTEMPTS a minute, in memory;
beyond, answered "try again in a minute" after THROTTLED_DELAY),
then a place in the hashing pool (a full pool answers "try again in a minute" at once), then the lock
per account and client counted in the database. Every refusal of a name or password looks and takes
the same; the audit trail names the account that was tried when it exists.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from bot.channels.desk import accounts, store
from bot.channels.desk.forms import Refusal, first, read_form
from bot.channels.desk.guard import Busy
from bot.channels.desk.security import ABSOLUTE_LIMIT, COOKIE

if TYPE_CHECKING:
    from bot.channels.desk.web import Desk

log = logging.getLogger(__name__)
SESSION_LIFETIME = timedelta(seconds=ABSOLUTE_LIMIT)
THROTTLED_DELAY = 2.0  # seconds


def client_of(request: Request) -> str:
    """The client's address as the server sees it (uvicorn applies X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else ""


async def signin_page(desk: Desk, request: Request) -> Response:
    session, counsellor = await desk.who(request)
    if counsellor is not None:
        return desk.redirect("/desk")
    fresh = session is None
    if fresh:
        session = desk.sessions.new()
    assert session is not None
    message = request.query_params.get("m", "")
    return desk.page("signin.html", {"csrf": desk.sessions.csrf_token(session), "name": "",
                                     "message": message if message in ("out", "expired") else ""},
                     session=session if fresh else desk.sessions.touched(session))


async def signin(desk: Desk, request: Request) -> Response:
    session = desk.sessions.read(request.cookies.get(COOKIE))
    try:
        form = await read_form(request, desk.refused)
    except Refusal as refusal:
        return refusal.response
    if session is None:
        # The sign-in page stayed open past the idle limit, or cookies are blocked: nothing was done,
        # show a fresh sign-in page that says so.
        return desk.redirect("/desk/signin?m=expired")
    if not desk.sessions.csrf_ok(session, first(form, "csrf", 200)):
        return desk.refused(403)
    name, password = first(form, "name", 200), first(form, "password", 500)
    client = client_of(request)
    context = {"csrf": desk.sessions.csrf_token(session), "name": name[:100]}
    if not desk.throttle.allow(client):
        log.info("desk sign-in throttled")
        # Held a moment before answering (a sleeping coroutine costs nothing): a client that keeps
        # hammering gets one answer every THROTTLED_DELAY instead of hundreds a second.
        await asyncio.sleep(THROTTLED_DELAY)
        return desk.page("signin.html", {**context, "message": "busy"}, status=429, retry_after=60)
    now = desk.clock()
    try:
        with desk.hashing.slot():
            # Database steps on the desk's threads, the hash alone on the low-priority hashing thread.
            prepared = await desk.io(accounts.prepare_sign_in, desk.database, name, password, now, client)
            password_ok = await desk.hashing.compute(accounts.check_password, prepared, password)
            attempt = await desk.io(accounts.finish_sign_in, desk.database, prepared, password_ok)
    except Busy:
        log.warning("desk sign-in refused: hashing pool full")
        return desk.page("signin.html", {**context, "message": "busy"}, status=503, retry_after=60)
    tag = store.client_tag(desk.runtime.pepper, client)
    if attempt.signed_in is None:
        if attempt.account:  # an existing account was tried: the audit says which, and from which client
            await desk.io(store.record, desk.database, "signin_refused", attempt.account, now, tag)
        return desk.page("signin.html", {**context, "message": "refused"}, status=401)
    counsellor = attempt.signed_in
    signed_in = desk.sessions.new(counsellor.counsellor_id, counsellor.password_hash)  # a new id: no fixation

    def open_session() -> None:
        store.open_session(desk.database, signed_in.sid, counsellor.counsellor_id, now,
                           now + SESSION_LIFETIME)
        store.record(desk.database, "signin", counsellor.name, now, tag)

    await desk.io(open_session)
    return desk.redirect("/desk", session=signed_in)


async def signout(desk: Desk, request: Request) -> Response:
    session = desk.sessions.read(request.cookies.get(COOKIE))
    try:
        form = await read_form(request, desk.refused)
    except Refusal as refusal:
        return refusal.response
    if session is None:
        return desk.redirect("/desk/signin?m=expired", clear=True)
    if not desk.sessions.csrf_ok(session, first(form, "csrf", 200)):
        return desk.refused(403)
    if session.counsellor_id is not None:
        _, counsellor = await desk.who(request)
        await desk.io(store.close_session, desk.database, session.sid)
        if counsellor is not None:
            await desk.io(store.record, desk.database, "signout", counsellor.name, desk.clock())
    response = desk.redirect("/desk/signin?m=out", clear=True)
    response.headers["Clear-Site-Data"] = '"cache"'
    log.info("desk sign-out")
    return response

