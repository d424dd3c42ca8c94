"""Sending a follow-up on Telegram, outside any update: a Bot of its own, opened on first use.

    deliver = follow_up_sender(settings)      # bot.followup.runner.Deliver
    await deliver(user_id, replies, language)
    await close()
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Bot

from bot.channels.telegram.adapter import send_replies
from bot.dialog.messages import Reply
from bot.i18n import translator


class FollowUpSender:
    def __init__(self, token: str, base_url: str) -> None:
        self._bot = Bot(token, base_url=base_url)
        self._open = False

    async def __call__(self, identifier: str, replies: tuple[Reply, ...], language: str) -> None:
        if not self._open:
            await self._bot.initialize()
            self._open = True
        # A private chat's id is the person's user id: the identifier the conversation is keyed on.
        if not await send_replies(self._bot, int(identifier), replies, translator(language)):
            raise ConnectionError("the follow-up could not be sent on Telegram")

    async def close(self) -> None:
        if self._open:
            await self._bot.shutdown()
            self._open = False


def follow_up_sender(token: str, base_url: str) -> tuple[Callable[[str, tuple[Reply, ...], str], Awaitable[None]],
                                                         Callable[[], Awaitable[None]]]:
    sender = FollowUpSender(token, base_url)
    return sender, sender.close
