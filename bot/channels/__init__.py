"""The channel registry: which channels a running Aiguillage has, their routes, how each starts and stops.

A channel is one package under bot/channels/ plus one entry in REGISTRY below: its name, when the
settings enable it, and a `build(runtime) -> Channel` giving its HTTP routes and, when it has one, an
async `start` and `stop`. bot.web mounts the routes; bot.serve starts and stops the channels.

Channels start independently. A channel marked `background` (Telegram: its start needs the Bot API)
starts in a task that retries with backoff when the start fails; meanwhile it is "degraded" in
/healthcheck and every other channel serves as usual.

    channels = Channels(runtime)              # every channel the settings enable
    app = create_app(runtime, channels=channels)
    await channels.start(); ...; await channels.stop()
    channels.status()                         # {"sms": "ok", "desk": "ok", "telegram": "degraded"}
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from starlette.routing import BaseRoute

from bot.config import Secret, Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("aiguillage.channels")

Status = Literal["starting", "ok", "degraded", "stopped"]
FIRST_RETRY, MAX_RETRY = 1.0, 60.0  # seconds between start attempts of a background channel, doubling


@dataclass
class Channel:
    name: str
    routes: list[BaseRoute] = field(default_factory=list)
    start: Callable[[], Awaitable[None]] | None = None
    stop: Callable[[], Awaitable[None]] | None = None
    background: bool = False  # start in a retrying task; a failed start leaves the channel degraded


@dataclass(frozen=True)
class Entry:
    name: str
    enabled: Callable[[Settings], bool]
    build: Callable[[Runtime], Channel]


def _sms(runtime: Runtime) -> Channel:
    from bot.channels.sms.web import SmsChannel

    sms = SmsChannel(runtime)
    return Channel("sms", sms.routes(), stop=sms.aclose)  # stop: send the replies still queued


def _desk(runtime: Runtime) -> Channel:
    from bot.channels.desk.web import Desk

    # No stop: its executors' idle threads end with the process, and an app whose lifespan ended (tests
    # reuse apps) keeps answering.
    return Channel("desk", Desk(runtime).routes())


def with_webhook_secret(runtime: Runtime) -> None:
    """Webhook mode needs a secret Telegram echoes back; derive a stable one from the pepper when none is
    set, so every worker sharing the pepper agrees without another setting to manage."""
    settings = runtime.settings
    if settings.public_url and not settings.telegram_webhook_secret:
        derived = hmac.new(runtime.pepper, b"telegram-webhook-secret", hashlib.sha256).hexdigest()
        runtime.settings = replace(settings, telegram_webhook_secret=Secret(derived))


def _telegram(runtime: Runtime) -> Channel:
    from bot.channels.telegram import TelegramHandle, build_application, start_telegram, stop_telegram, webhook_routes

    with_webhook_secret(runtime)
    application = build_application(runtime)
    routes: list[BaseRoute] = list(webhook_routes(runtime, application)) if runtime.settings.public_url else []
    handle: list[TelegramHandle] = []

    async def start() -> None:
        # start_telegram shuts the Application down again when it fails, so it can be started anew.
        handle.append(await start_telegram(runtime, application))

    async def stop() -> None:
        if handle:
            await stop_telegram(handle.pop())

    return Channel("telegram", routes, start, stop, background=True)


REGISTRY: tuple[Entry, ...] = (
    Entry("sms", lambda settings: True, _sms),  # each gateway answers 404 until its key is set
    Entry("desk", lambda settings: True, _desk),
    Entry("telegram", lambda settings: bool(settings.telegram_token), _telegram),
    Entry("followup", lambda settings: True, lambda runtime: _follow_up(runtime)),
)


def _follow_up(runtime: Runtime) -> Channel:
    from bot.followup.channel import follow_up_channel

    return follow_up_channel(runtime)  # type: ignore[no-any-return]


class Channels:
    """The enabled channels of one runtime, their routes, and their start, stop and status."""

    def __init__(self, runtime: Runtime, names: Iterable[str] | None = None,
                 registry: Iterable[Entry] = REGISTRY) -> None:
        wanted = set(names) if names is not None else None
        self.channels = [entry.build(runtime) for entry in registry
                         if (wanted is None or entry.name in wanted) and entry.enabled(runtime.settings)]
        self._status: dict[str, Status] = {c.name: "ok" if c.start is None else "starting" for c in self.channels}
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = False
        self.first_retry, self.max_retry = FIRST_RETRY, MAX_RETRY

    def routes(self) -> list[BaseRoute]:
        return [route for channel in self.channels for route in channel.routes]

    def status(self) -> dict[str, Status]:
        return dict(self._status)

    async def start(self) -> None:
        """Start every channel: in the foreground those that cannot fail on the network, in a retrying
        task the background ones (never raising: they stay degraded until a start succeeds)."""
        for channel in self.channels:
            if channel.start is None:
                continue
            if channel.background:
                self._tasks.append(asyncio.create_task(self._keep_starting(channel), name=f"start-{channel.name}"))
            else:
                await channel.start()
                self._status[channel.name] = "ok"

    async def _keep_starting(self, channel: Channel) -> None:
        assert channel.start is not None
        delay = self.first_retry
        while True:
            try:
                await channel.start()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._status[channel.name] = "degraded"
                log.warning("channel cannot start, retrying", extra={
                    "channel": channel.name, "error": type(error).__name__, "retry_in_s": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry)
            else:
                self._status[channel.name] = "ok"
                log.info("channel started", extra={"channel": channel.name})
                return

    async def stop(self) -> None:
        """Stop retrying, then stop every channel in reverse order (each finishes its turns in flight).
        Only the first call does anything."""
        if self._stopped:
            return
        self._stopped = True
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for channel in reversed(self.channels):
            if channel.stop is None:
                continue
            try:
                await channel.stop()
            except Exception:
                log.exception("channel did not stop cleanly", extra={"channel": channel.name})
            self._status[channel.name] = "stopped"


__all__ = ["REGISTRY", "Channel", "Channels", "Entry", "Status", "with_webhook_secret"]
