"""The ASGI app: one Starlette application carrying every HTTP route.

/healthcheck, and the routes of every channel of the registry (bot.channels): the SMS gateways'
webhooks, the counsellors' desk, the Telegram webhook in webhook mode. Extra routes may be passed in.

Every answer, a 404 or 405 too, goes through `Guard`: the security headers, HSTS when the public URL is
https, and bounded parsing: a JSON body is at most MAX_JSON_BODY bytes and MAX_JSON_DEPTH levels deep,
else 413 or 400 before any route parses it (Python's json recursion would answer 500).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels import Channels
from bot.channels.desk.security import SECURITY_HEADERS
from bot.runtime import Runtime

MAX_JSON_BODY = 1024 * 1024  # Telegram updates and SMS webhooks are a few kilobytes
MAX_JSON_DEPTH = 32  # Telegram's deepest (a keyboard in a message in an update) is under 10
HSTS = "max-age=31536000; includeSubDomains"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests deeper than `limit`; without recursion, brackets inside strings ignored."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


class Guard:
    """ASGI middleware for every answer of the app: headers, and JSON bodies within bounds."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
        if https:
            self.extra.append((b"strict-transport-security", HSTS.encode("latin-1")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in self.extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        messages = [await receive()]
        while _more(messages[-1]) and not b"".join(m.get("body", b"") for m in messages).strip():
            messages.append(await receive())  # the first bytes of the body may come after empty chunks
        head = b"".join(m.get("body", b"") for m in messages)
        if head.lstrip()[:1] not in (b"[", b"{"):
            await self.app(scope, _replay(messages, receive), send_with_headers)
            return
        # A JSON body: read it whole (bounded) and check its depth before any route parses it.
        size = len(head)
        while _more(messages[-1]):
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > MAX_JSON_BODY:
                await PlainTextResponse("body too large\n", status_code=413)(scope, receive, send_with_headers)
                return
        if messages[-1]["type"] == "http.request" and json_too_deep(b"".join(m.get("body", b"") for m in messages)):
            await PlainTextResponse("JSON nested too deeply\n", status_code=400)(scope, receive, send_with_headers)
            return
        await self.app(scope, _replay(messages, receive), send_with_headers)


def _more(message: Message) -> bool:
    return message["type"] == "http.request" and bool(message.get("more_body", False))


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _healthcheck(runtime: Runtime, channels: Channels) -> Callable[[Request], Any]:
    async def healthcheck(request: Request) -> JSONResponse:
        def ping() -> bool:
            # A plain read on a pooled connection, outside any transaction: the healthcheck never takes
            # SQLite's write lock (BEGIN IMMEDIATE), so it never queues behind turns or the desk. A
            # database locked for writing is still there: turns wait and retry, the process is healthy.
            try:
                raw = runtime.database.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    cursor.execute("select 1")
                    cursor.fetchall()
                    cursor.close()
                finally:
                    raw.close()
                return True
            except Exception:
                return False

        database_ok = await asyncio.to_thread(ping)
        statuses = channels.status()
        degraded = sorted(name for name, status in statuses.items() if status == "degraded")
        body: dict[str, object] = {"status": "ok" if database_ok and not degraded else "degraded",
                "database": "ok" if database_ok else "unavailable", "catalogue": runtime.catalogue.version,
                "channels": statuses}
        if degraded:
            body["degraded_channels"] = degraded
        # 503 only when this process cannot serve anyone (no database): a channel that cannot reach its
        # service (Telegram) is retried here, and restarting the process would not bring it back sooner.
        return JSONResponse(body, status_code=200 if database_ok else 503)

    return healthcheck


DEFAULT_CHANNELS = ("sms", "desk")  # what create_app mounts when not given channels (tests add Telegram's routes)


def create_app(runtime: Runtime, routes: list[BaseRoute] | None = None,
               lifespan: Callable[[Starlette], contextlib.AbstractAsyncContextManager[Any]] | None = None,
               channels: Channels | None = None) -> Starlette:
    """The app with /healthcheck, the channels' routes and `routes`. Its lifespan stops the channels at
    the end (after `lifespan`, which may start and stop more)."""
    channels = channels if channels is not None else Channels(runtime, names=DEFAULT_CHANNELS)
    all_routes: list[BaseRoute] = [Route("/healthcheck", _healthcheck(runtime, channels), methods=["GET"])]
    all_routes += channels.routes()
    all_routes += routes or []

    @contextlib.asynccontextmanager
    async def default_lifespan(app: Starlette) -> AsyncIterator[None]:
        yield

    @contextlib.asynccontextmanager
    async def with_channels(app: Starlette) -> AsyncIterator[None]:
        try:
            async with (lifespan or default_lifespan)(app):
                yield
        finally:
            await channels.stop()

    app = Starlette(routes=all_routes, lifespan=with_channels)
    app.state.runtime = runtime
    app.state.channels = channels
    https = runtime.settings.public_url.lower().startswith("https://")
    app.add_middleware(Guard, https=https)
    return app
