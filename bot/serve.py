"""`aiguillage run`: everything that is configured, in one process.

The ASGI server (desk, SMS webhooks, Telegram webhook, /healthcheck) always runs; Telegram long
polling runs when a token is set and no public URL is; with no configuration at all, Aiguillage
starts on SQLite in ./data with the desk on http://127.0.0.1:8080 and a first counsellor account.
SIGTERM stops taking updates, lets the turns in flight finish (each commits before it replies),
and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import uvicorn
from starlette.applications import Starlette

from bot.channels.sms.web import sms_channel_of
from bot.config import Secret, Settings
from bot.runtime import Runtime, build_runtime
from bot.web import create_app

log = logging.getLogger("aiguillage.serve")
PURGE_EVERY = timedelta(hours=1)


def ensure_first_counsellor(runtime: Runtime, out) -> None:
    """A newcomer can sign in to the desk at once: create one account and print its password once."""
    if not runtime.settings.create_first_counsellor:
        return
    try:
        from bot.channels.desk.accounts import add_counsellor, count_counsellors
    except ImportError:  # the desk is not installed in this build
        return
    if count_counsellors(runtime.database) == 0:
        password = add_counsellor(runtime.database, "admin")
        out(f"Desk account created: name 'admin', password '{password}' (shown once; "
            f"change it with: aiguillage counsellor reset admin)")


async def _purge_periodically(runtime: Runtime) -> None:
    retention = timedelta(days=runtime.settings.retention_days)
    while True:
        try:
            deleted = await asyncio.to_thread(runtime.service.purge, None, retention)
            log.info("retention purge", extra={"conversations_deleted": deleted})
        except Exception:
            log.exception("retention purge failed")
        await asyncio.sleep(PURGE_EVERY.total_seconds())


def _with_webhook_secret(runtime: Runtime) -> None:
    """Webhook mode needs a secret Telegram echoes back; derive a stable one from the pepper when none is
    set, so every worker sharing the pepper agrees without another setting to manage."""
    settings = runtime.settings
    if settings.public_url and not settings.telegram_webhook_secret:
        derived = hmac.new(runtime.pepper, b"telegram-webhook-secret", hashlib.sha256).hexdigest()
        runtime.settings = replace(settings, telegram_webhook_secret=Secret(derived))


def build_app(runtime: Runtime) -> Starlette:
    routes = []
    application = None
    if runtime.settings.telegram_token:
        from bot.channels.telegram import build_application, webhook_routes

        _with_webhook_secret(runtime)
        application = build_application(runtime)
        if runtime.settings.public_url:
            routes += webhook_routes(runtime, application)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        purge = asyncio.create_task(_purge_periodically(runtime))
        async with contextlib.AsyncExitStack() as stack:
            if application is not None:
                from bot.channels.telegram import running_telegram

                await stack.enter_async_context(running_telegram(runtime, application))
            try:
                yield
            finally:
                purge.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await purge
                sms = sms_channel_of(app)
                if sms is not None:
                    await sms.aclose()  # send the replies still queued for the Android gateway
        # Telegram has stopped and finished its turns (each committed before replying): close the pool.
        await asyncio.to_thread(runtime.database.dispose)
        log.info("stopped")

    return create_app(runtime, routes=routes, lifespan=lifespan)


def run(settings: Settings, out=lambda text: print(text, flush=True)) -> int:
    runtime = build_runtime(settings)
    ensure_first_counsellor(runtime, out)
    app = build_app(runtime)
    out(f"Aiguillage is running: desk on http://{settings.host}:{settings.port}/desk "
        f"(catalogue {runtime.catalogue.version}, {len(runtime.catalogue.aids)} aids). Stop with Ctrl+C.")
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                            timeout_graceful_shutdown=15, server_header=False)
    uvicorn.Server(config).run()
    return 0
