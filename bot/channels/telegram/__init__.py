"""Residents on Telegram: the only package that imports python-telegram-bot.

What `aiguillage run` calls (a token is set)::

    from bot.channels.telegram import build_application, running_telegram, webhook_routes

    application = build_application(runtime)            # handlers registered, no network yet
    routes = webhook_routes(runtime, application) if runtime.settings.public_url else []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with running_telegram(runtime, application):  # long polling, or setWebhook
            yield                                          # on exit: finish in-flight turns

    app = bot.web.create_app(runtime, routes=routes, lifespan=lifespan)

`start_telegram(runtime, application) -> TelegramHandle` and `stop_telegram(handle)` (or
`handle.stop()`) do the same without a context manager.

Modules: adapter (updates -> Incoming -> TurnService -> replies, the typing indicator), outbound
(replies as Telegram messages), render (buttons, keyboards, text splitting), pacing (per-resident
order, rate limiting, requests on the wire, retries), transport (the HTTP client of the Bot API
calls), webhook (the Starlette route), runner (build, start, stop).
"""

from bot.channels.telegram.adapter import ALLOWED_UPDATES, CHANNEL, TelegramAdapter, send_replies
from bot.channels.telegram.runner import (
    TelegramHandle,
    build_application,
    configure_builder,
    mode_of,
    running_telegram,
    set_commands,
    start_telegram,
    stop_telegram,
)
from bot.channels.telegram.webhook import WEBHOOK_PATH, webhook_routes

__all__ = [
    "ALLOWED_UPDATES", "CHANNEL", "TelegramAdapter", "TelegramHandle", "WEBHOOK_PATH", "build_application",
    "configure_builder", "mode_of", "running_telegram", "send_replies", "set_commands", "start_telegram",
    "stop_telegram", "webhook_routes",
]
