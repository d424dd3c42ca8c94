"""The ASGI app: one Starlette application carrying every HTTP route.

/healthcheck, the SMS gateways' webhooks (bot.channels.sms.web), the counsellors' desk
(bot.channels.desk.web), and the Telegram webhook when bot.serve passes it in.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.runtime import Runtime


def _healthcheck(runtime: Runtime) -> Callable:
    async def healthcheck(request: Request) -> JSONResponse:
        def ping() -> bool:
            try:
                with runtime.database.transaction() as session:
                    session.execute(text("select 1"))
                return True
            except Exception:
                return False

        database_ok = await asyncio.to_thread(ping)
        body = {"status": "ok" if database_ok else "degraded", "database": "ok" if database_ok else "unavailable",
                "catalogue": runtime.catalogue.version}
        return JSONResponse(body, status_code=200 if database_ok else 503)

    return healthcheck


def create_app(runtime: Runtime, routes: list[BaseRoute] | None = None,
               lifespan: Callable[[Starlette], contextlib.AbstractAsyncContextManager[Any]] | None = None) -> Starlette:
    from bot.channels.desk.web import routes as desk_routes
    from bot.channels.sms.web import routes as sms_routes

    all_routes: list[BaseRoute] = [Route("/healthcheck", _healthcheck(runtime), methods=["GET"])]
    all_routes += sms_routes(runtime)
    all_routes += desk_routes(runtime)
    all_routes += routes or []

    @contextlib.asynccontextmanager
    async def default_lifespan(app: Starlette) -> AsyncIterator[None]:
        yield

    app = Starlette(routes=all_routes, lifespan=lifespan or default_lifespan)
    app.state.runtime = runtime
    return app
