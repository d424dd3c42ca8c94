"""Building, starting and stopping the Telegram bot (long polling or webhook).

Long polling when a token is set and public_url is empty; webhook mode when public_url is set
(the route comes from bot.channels.telegram.webhook and is served by the project's Starlette app).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.channels.telegram import render
from bot.channels.telegram.adapter import ALLOWED_UPDATES, AnyApplication, TelegramAdapter
from bot.channels.telegram.pacing import PacedRateLimiter, PerUserOrder
from bot.channels.telegram.transport import bot_api_request
from bot.channels.telegram.webhook import webhook_url
from bot.config import ConfigError, Settings
from bot.i18n import LANGUAGES, SOURCE_LANGUAGE, translator
from bot.runtime import Runtime

log = logging.getLogger(__name__)

Mode = Literal["polling", "webhook"]
AnyBuilder = ApplicationBuilder[Any, Any, Any, Any, Any, Any]
# Updates handled at once across residents (one resident's updates are always sequential).
MAX_CONCURRENT_UPDATES = 256


def quiet_library_logs() -> None:
    """Request URLs carry the bot token (httpx logs them at INFO), and PTB's debug logs print
    whole updates, message texts included: keep both above those levels."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # Set on the logger itself (not judged from the current root level), so that lowering the
    # root level later, to debug Aiguillage, does not bring PTB's debug output back.
    telegram_logger = logging.getLogger("telegram")
    telegram_logger.setLevel(max(logging.INFO, telegram_logger.level))


def mode_of(settings: Settings) -> Mode:
    return "webhook" if settings.public_url else "polling"


def configure_builder(builder: AnyBuilder, *, rate_limiter: PacedRateLimiter | None = None,
                      max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> AnyBuilder:
    """Concurrency and pacing of the Aiguillage bot (shared with bench/telegram_bot.py)."""
    limiter = rate_limiter if rate_limiter is not None else PacedRateLimiter()
    return (builder
            .concurrent_updates(PerUserOrder(max_concurrent_updates))
            # No more connections than the limiter lets requests on the wire.
            .request(bot_api_request(limiter.max_in_flight))
            .rate_limiter(limiter))


def build_application(runtime: Runtime) -> AnyApplication:
    """The Application with every handler registered; no network until start_telegram."""
    settings = runtime.settings
    if not settings.telegram_token:
        raise ConfigError("AIGUILLAGE_TELEGRAM_TOKEN is not set")
    quiet_library_logs()
    base_url = settings.telegram_api_url
    builder = (Application.builder()
               .token(settings.telegram_token.value)
               .base_url(base_url)
               .base_file_url(_file_url(base_url)))
    if mode_of(settings) == "webhook":
        builder = builder.updater(None)  # updates arrive through the web app, not getUpdates
    application = configure_builder(builder).build()
    TelegramAdapter(runtime).register(application)
    return application


@dataclass
class TelegramHandle:
    application: AnyApplication
    mode: Mode

    async def stop(self) -> None:
        await stop_telegram(self)


async def start_telegram(runtime: Runtime, application: AnyApplication | None = None) -> TelegramHandle:
    """Initialise the Application, register the commands, then poll or set the webhook."""
    settings = runtime.settings
    mode = mode_of(settings)
    if mode == "webhook" and not settings.telegram_webhook_secret:
        # Every webhook call would be refused (403): fail at start rather than stay silent.
        raise ConfigError("AIGUILLAGE_TELEGRAM_WEBHOOK_SECRET is required when AIGUILLAGE_PUBLIC_URL is set")
    application = application or build_application(runtime)
    await application.initialize()
    try:
        await set_commands(application)
        await application.start()
        if mode == "webhook":
            await application.bot.set_webhook(webhook_url(settings.public_url),
                                              secret_token=settings.telegram_webhook_secret.value,
                                              allowed_updates=ALLOWED_UPDATES)
        else:
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
    except BaseException:
        if application.running:
            await application.stop()
        await application.shutdown()
        raise
    log.info("telegram bot started mode=%s", mode)
    return TelegramHandle(application, mode)


async def stop_telegram(handle: TelegramHandle) -> None:
    """Stop taking updates, finish the turns in flight, then close the HTTP clients.

    The webhook stays set: Telegram keeps the updates that arrive meanwhile for the next start."""
    application = handle.application
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()  # waits for queued and in-flight updates
    await application.shutdown()
    log.info("telegram bot stopped mode=%s", handle.mode)


@contextlib.asynccontextmanager
async def running_telegram(runtime: Runtime, application: AnyApplication | None = None) -> AsyncIterator[TelegramHandle]:
    handle = await start_telegram(runtime, application)
    try:
        yield handle
    finally:
        await stop_telegram(handle)


async def set_commands(application: AnyApplication) -> None:
    """The command menu: French by default, and one per language Aiguillage speaks. A failure is
    logged, not fatal: the commands still work when typed."""
    bot = application.bot
    try:
        await bot.set_my_commands(render.menu_commands(translator(SOURCE_LANGUAGE)))
        for lang in LANGUAGES:
            if lang != SOURCE_LANGUAGE:
                await bot.set_my_commands(render.menu_commands(translator(lang)), language_code=lang)
    except TelegramError as error:
        log.warning("telegram commands not registered error=%s", type(error).__name__)


def _file_url(base_url: str) -> str:
    """https://api.telegram.org/bot -> https://api.telegram.org/file/bot (same for a local server)."""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if head else base_url
