"""Replies out: a turn's replies as Telegram messages (venues, keyboards, long texts split), and the
best-effort calls whose failure changes no answer.

Plain text only (no parse_mode): neither a resident's words nor catalogue text can break entity
parsing. Logs name what failed with fixed words, never the text that was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest, TelegramError

from bot.channels.telegram import render
from bot.dialog.messages import Reply
from bot.i18n import Translator

log = logging.getLogger(__name__)

# No link previews: a catalogue URL must not turn an answer into a large card.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


async def send_replies(bot: Bot, chat_id: int, replies: Sequence[Reply], t: Translator) -> int:
    """Send a turn's replies in order; returns how many Telegram messages were sent.

    A reply keyboard (the location button) left from an earlier question is removed by the first
    message that carries no other keyboard, in every turn that does not ask for a location again:
    sending ReplyKeyboardRemove when no keyboard is shown changes nothing, so no memory of which
    chat has one is needed.
    """
    remove_keyboard = not any(reply.expects == "location" for reply in replies)
    sent = 0

    def free_markup() -> ReplyKeyboardRemove | None:
        nonlocal remove_keyboard
        if remove_keyboard:
            remove_keyboard = False
            return ReplyKeyboardRemove()
        return None

    for reply in render.merged(replies):
        try:
            sent += await _send_reply(bot, chat_id, reply, t, free_markup)
        except BadRequest as error:
            # A refused message: the next replies can still be right.
            log.warning("telegram reply refused kind=%s reason=%s", reply.kind, bad_request_reason(error))
        except TelegramError as error:
            # Blocked by the person, or the network still failing after retries: the rest would fail too.
            log.warning("telegram replies abandoned error=%s", type(error).__name__)
            break
    return sent


async def _send_reply(bot: Bot, chat_id: int, reply: Reply, t: Translator,
                      free_markup: Callable[[], ReplyKeyboardRemove | None]) -> int:
    sent = 0
    text = reply.text
    if reply.place is not None:
        card = reply.place
        if card.name and card.address:
            try:
                await bot.send_venue(chat_id, latitude=card.lat, longitude=card.lon, title=card.name,
                                     address=card.address, reply_markup=free_markup())
            except BadRequest as error:
                # The text alone still says where to go: send it whole.
                log.warning("telegram venue refused reason=%s", bad_request_reason(error))
            else:
                sent += 1
                # The venue already shows the name and the address; the text keeps the rest.
                text = "\n".join(line for line in text.split("\n")
                                 if line.strip() not in (card.name, card.address))
    inline = render.inline_keyboard(reply.choices)
    location = reply.expects == "location"
    markup: Markup = inline
    if location and inline is None:
        markup = render.location_keyboard(t)
    chunks = render.split_text(text) or ([] if markup is None else ["…"])
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        chunk_markup = markup if last else None
        await send_text(bot, chat_id, chunk, chunk_markup if chunk_markup is not None else free_markup())
        sent += 1
    if location and inline is not None:
        # One message carries one keyboard: the buttons stay on the question, the location
        # button comes with a short pointer to it.
        await send_text(bot, chat_id, t.gettext("Pour envoyer votre position, appuyez sur le bouton en bas "
                                                 "de l'écran."), render.location_keyboard(t))
        sent += 1
    return sent


async def send_text(bot: Bot, chat_id: int, text: str, markup: Markup = None) -> Message:
    # No parse_mode: neither a resident's words nor catalogue text can break entity parsing.
    return await bot.send_message(chat_id, text, reply_markup=markup, link_preview_options=_NO_PREVIEW)



async def quietly(awaitable: Awaitable[Any]) -> None:
    """Best-effort calls (typing indicator, keyboard removal): their failure changes no answer."""
    try:
        await awaitable
    except BadRequest as error:
        log.debug("telegram best-effort call refused reason=%s", bad_request_reason(error))
    except TelegramError as error:
        log.debug("telegram best-effort call failed error=%s", type(error).__name__)


_BAD_REQUEST_REASONS = (
    ("not modified", "not_modified"),
    ("query is too old", "query_too_old"),
    ("not found", "not_found"),
    ("too long", "too_long"),
    ("can't parse", "parse_error"),
    ("button_data_invalid", "button_data_invalid"),
    ("text is empty", "empty_text"),
    ("chat not found", "chat_not_found"),
)


def bad_request_reason(error: BadRequest) -> str:
    """A fixed word for a BadRequest: its description may quote what was sent, so it is not logged."""
    description = str(error.message).lower()
    return next((reason for needle, reason in _BAD_REQUEST_REASONS if needle in description), "other")
