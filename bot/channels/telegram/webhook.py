"""POST /telegram/webhook on the project's Starlette app (webhook mode, when public_url is set).

Telegram proves a call is its own with the secret given to setWebhook, sent back in the
X-Telegram-Bot-Api-Secret-Token header. Without the right secret (or with no secret configured,
when no call can be trusted) the answer is 403 and nothing is read. An accepted update is queued
to the Application and answered 200 at once: the Application's update processor keeps each
resident's updates in order, and a slow turn never makes Telegram time out and redeliver.
"""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from bot.channels.telegram.adapter import AnyApplication
from bot.runtime import Runtime

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram updates are a few kilobytes; anything far larger is not from Telegram.
MAX_BODY_BYTES = 1_000_000


def webhook_url(public_url: str) -> str:
    return public_url.rstrip("/") + WEBHOOK_PATH


def webhook_routes(runtime: Runtime, application: AnyApplication) -> list[Route]:
    """The Telegram webhook route, for bot.web.create_app(runtime, routes=...)."""
    secret = runtime.settings.telegram_webhook_secret.value.encode("latin-1")

    async def telegram_webhook(request: Request) -> Response:
        # Starlette decodes headers as latin-1: encoding back gives the bytes that were sent.
        given = request.headers.get(SECRET_HEADER, "").encode("latin-1")
        if not secret or not hmac.compare_digest(given, secret):
            log.warning("telegram webhook call refused: wrong or missing secret")
            return Response(status_code=403)
        if not application.running:
            # Telegram retries later; accepting now could lose the update at shutdown.
            return Response(status_code=503)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return Response(status_code=413)
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            log.warning("telegram webhook call refused: not an update")
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return [Route(WEBHOOK_PATH, telegram_webhook, methods=["POST"])]
