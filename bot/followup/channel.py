"""The follow-up sender as a channel of a running Aiguillage (bot.channels.REGISTRY): every worker runs
it; the claim in the database makes each follow-up go from one worker only.

It sends on Telegram when a token is set, and by SMS through the Android gateway's durable outbox when
that gateway is configured. Twilio answers SMS inside its webhook's response (TwiML) and this project
has no Twilio REST client: with Twilio alone, SMS follow-ups stay scheduled and are not sent (see
docs/followup.md for what sending them would need).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bot.followup.runner import Deliver, FollowUps

log = logging.getLogger(__name__)

EVERY = 60.0  # seconds between two looks for due follow-ups


def build_follow_ups(runtime: Any, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
                     ) -> tuple[FollowUps, list[Callable[[], Awaitable[None]]]]:
    settings = runtime.settings
    deliver: dict[str, Deliver] = {}
    closers: list[Callable[[], Awaitable[None]]] = []
    if settings.telegram_token:
        from bot.channels.telegram.followup import follow_up_sender

        send, close = follow_up_sender(settings.telegram_token.value, settings.telegram_api_url)
        deliver["telegram"] = send
        closers.append(close)
    sms = wake = None
    if settings.smsgateway_signing_key and settings.smsgateway_url:
        from bot.channels.sms import android_gateway
        from bot.channels.sms.render import render
        from bot.storage.outbox import OutboxStore

        outboxes: list[android_gateway.Outbox] = []

        def sms(replies, language):  # type: ignore[no-untyped-def]
            return render(replies, language).messages

        def wake() -> None:
            # Made on the first follow-up SMS only: until then the SMS channel's own sender has the table.
            # On the same clock as the follow-ups: the SMS written now are due now.
            if not outboxes:
                outboxes.append(android_gateway.Outbox(
                    settings.smsgateway_url, settings.smsgateway_user, settings.smsgateway_password.value,
                    store=OutboxStore(runtime.database, runtime.pepper, clock)))
            outboxes[0].wake()

        async def close_outbox() -> None:
            if outboxes:
                await outboxes.pop().aclose()

        closers.append(close_outbox)
    follow_ups = FollowUps(runtime.database, runtime.pepper, runtime.engine, clock, deliver, sms, wake)
    return follow_ups, closers


def follow_up_channel(runtime: Any) -> Any:
    from bot.channels import Channel

    follow_ups, closers = build_follow_ups(runtime)
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        if follow_ups.channels:
            tasks.append(asyncio.create_task(follow_ups.run_forever(EVERY), name="follow-ups"))
        else:
            log.info("follow-ups: no channel can send them (no Telegram token, no Android SMS gateway)")

    async def stop() -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()
        for close in closers:
            with contextlib.suppress(Exception):
                await close()

    return Channel("followup", [], start, stop)
