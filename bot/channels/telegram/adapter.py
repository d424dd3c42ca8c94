"""The Telegram adapter: Telegram updates in, channel-neutral Incoming to the turn service, replies out.

One resident's turn::

    update -> Incoming -> TurnService.handle (state loaded, engine, state saved, message marked
    processed, committed) -> replies sent (buttons, venues, location keyboard)

The conversation state is the engine's, kept by the TurnService: no ConversationHandler, no PTB
persistence. Exactly-once comes from the inbound ids: "m<chat>:<message>" for messages,
"c<callback query id>" for button presses; a redelivered update is a duplicate and gets nothing.

Logs say what happened (event names, counts, error classes), never a token, a user id, a chat id
or a message text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from typing import Any

from telegram import (
    Bot,
    CallbackQuery,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram import render
from bot.channels.telegram.outbound import bad_request_reason, quietly, send_replies, send_text
from bot.dialog.messages import Incoming
from bot.i18n import translator
from bot.runtime import Runtime
from bot.storage import StorageUnavailable, TurnResult

log = logging.getLogger(__name__)

CHANNEL = "telegram"

# The update types the bot asks Telegram for (getUpdates and setWebhook): nothing else is used.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "channel_post"]

# What a resident may send that the engine cannot read, as the `what` of Incoming("unsupported").
# Animations also carry a document, so they come first. Anything else (service messages such as
# "pinned" or "auto-delete timer changed") is not something the person said: it gets no answer.
UNSUPPORTED_KINDS = ("sticker", "animation", "photo", "voice", "audio", "video_note", "video", "document",
                     "contact", "poll", "dice", "game", "story", "paid_media", "invoice", "checklist")

_PRIVATE = filters.ChatType.PRIVATE
_NEW_MESSAGE = filters.UpdateType.MESSAGE
# PTB's Application is generic in its bot, context and data types; Aiguillage uses the defaults.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# "typing…" is shown only for a turn still running after this many seconds: most turns answer in
# a few milliseconds, and an indicator for them would be one more Bot API call per message.
TYPING_DELAY = 0.5
# Telegram shows the indicator for about 5 seconds; a longer turn sends it again.
TYPING_REPEAT = 4.5


class TelegramAdapter:
    """The handlers of the Telegram bot; `handlers()` lists them in the order PTB must try them."""

    def __init__(self, runtime: Runtime, *, typing_delay: float = TYPING_DELAY) -> None:
        self._service = runtime.service
        self._typing_delay = typing_delay

    def register(self, application: AnyApplication) -> None:
        application.add_handlers(self.handlers())
        application.add_error_handler(self.on_error)

    def handlers(self) -> list[BaseHandler[Any, Any, Any]]:
        private_message = _NEW_MESSAGE & _PRIVATE
        return [
            # Groups and channels first: nothing of theirs reaches the turn service.
            MessageHandler((_NEW_MESSAGE & ~_PRIVATE) | filters.UpdateType.CHANNEL_POST, self.on_not_private),
            MessageHandler(filters.UpdateType.EDITED, self.on_edited),
            CommandHandler("start", self.on_start, filters=private_message),
            CommandHandler(list(render.COMMANDS), self.on_command, filters=private_message),
            MessageHandler(private_message & filters.LOCATION, self.on_location),
            MessageHandler(private_message & filters.TEXT, self.on_text),
            CallbackQueryHandler(self.on_button),
            MessageHandler(private_message, self.on_other),
        ]

    # ------------------------------------------------------------------------------ inbound

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, with an optional deep-link payload (a language code or a place's deep link)."""
        payload = (context.args[0] if context.args else "")[:64]
        await self._message_turn(update, context, Incoming("start", payload=payload, lang=_lang(update)))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/aide, /recommencer, /retour, /resultats, /langue, /oubli."""
        message = update.effective_message
        assert message is not None and message.text is not None
        word = message.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
        command = render.COMMANDS.get(word, "help")
        await self._message_turn(update, context, Incoming("command", command=command, lang=_lang(update)))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text, at every step (an unknown /command too: the engine reads it as words)."""
        message = update.effective_message
        assert message is not None
        incoming = Incoming("text", text=message.text or "", lang=_lang(update))
        await self._message_turn(update, context, incoming)

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared position (from the location keyboard, or the attachment menu)."""
        message = update.effective_message
        assert message is not None and message.location is not None
        incoming = Incoming("location", lat=message.location.latitude, lon=message.location.longitude,
                            lang=_lang(update))
        await self._message_turn(update, context, incoming)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice notes…: the engine answers kindly that it reads words only."""
        message = update.effective_message
        assert message is not None
        what = next((kind for kind in UNSUPPORTED_KINDS if getattr(message, kind, None)), None)
        if what is None:
            log.debug("telegram service message ignored")
            return
        await self._message_turn(update, context, Incoming("unsupported", what=what, lang=_lang(update)))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button: answered at once (the client shows a spinner until then)."""
        query = update.callback_query
        assert query is not None
        await _answer(query)
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE or not query.data:
            return  # the bot never sends buttons outside private chats
        incoming = render.incoming_from_callback(query.data, _lang(update))
        pressed = query.message if isinstance(query.message, Message) else None
        await self._turn(update, context, incoming, f"c{query.id}", pressed=pressed)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message is not re-read: the conversation has moved on since, and replaying an
        old answer against the current question would record it in the wrong place."""
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        if message.location is not None:
            return  # a live location updating itself, not the person writing
        t = translator(_lang(update))
        await self._send_plain(context, chat.id, t.gettext(
            "Je ne lis pas les messages modifiés. Envoyez plutôt un nouveau message, s'il vous plaît."))

    async def on_not_private(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Groups and channels: point to a private chat; store nothing about anyone there."""
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None or not (message.text or message.caption):
            return  # service messages (members joining…) are not addressed to the bot
        t = translator(_lang(update))
        text = t.gettext("Aiguillage fonctionne seulement en conversation privée, pour que vos réponses "
                         "restent entre vous et moi. Écrivez-moi directement :")
        username = context.bot.username if context.bot else None
        text += f"\nhttps://t.me/{username}" if username else ""
        log.info("telegram message outside a private chat answered")
        await self._send_plain(context, chat.id, text)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Last resort: log the exception class only (its text may carry a message), ask to retry."""
        error = context.error
        log.error("telegram update failed error=%s at=%s", type(error).__name__, _where(error))
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE or isinstance(error, Forbidden):
            return
        t = translator(_lang(update))
        await self._send_plain(context, update.effective_chat.id,
                               t.gettext("Désolé, un problème est survenu. Réessayez dans un instant, s'il vous plaît."))

    # ------------------------------------------------------------------------------ the turn

    async def _message_turn(self, update: Update, context: ContextTypes.DEFAULT_TYPE, incoming: Incoming) -> None:
        message = update.effective_message
        assert message is not None
        await self._turn(update, context, incoming, f"m{message.chat_id}:{message.message_id}")

    async def _turn(self, update: Update, context: ContextTypes.DEFAULT_TYPE, incoming: Incoming, inbound_id: str,
                    pressed: Message | None = None) -> TurnResult | None:
        user, chat = update.effective_user, update.effective_chat
        assert user is not None and chat is not None
        typing = _Typing(context.bot, chat.id, self._typing_delay)
        try:
            result = await asyncio.to_thread(self._service.handle, CHANNEL, str(user.id), inbound_id, incoming)
        except StorageUnavailable:
            # Nothing was committed, so the same message sent again will be handled normally.
            log.warning("telegram turn refused: storage unavailable")
            await typing.stop()
            t = translator(_lang(update))
            await self._send_plain(context, chat.id, t.gettext(
                "Le service est momentanément indisponible. Réessayez dans quelques minutes."))
            return None
        except BaseException:
            typing.cancel()
            raise
        await typing.stop()
        if result.duplicate:
            return result
        if pressed is not None and pressed.reply_markup is not None:
            # The pressed keyboard goes away so old buttons are not pressed twice (one pressed
            # anyway still works: the engine answers it in the current context).
            await quietly(context.bot.edit_message_reply_markup(chat.id, pressed.message_id, reply_markup=None))
        await send_replies(context.bot, chat.id, result.replies, translator(result.language))
        return result

    async def _send_plain(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
        with contextlib.suppress(TelegramError):
            await send_text(context.bot, chat_id, text)


class _Typing:
    """The typing indicator of a turn, sent only once the turn has run for `delay` seconds."""

    def __init__(self, bot: Bot, chat_id: int, delay: float) -> None:
        self._bot, self._chat_id, self._delay = bot, chat_id, delay
        self._sending: asyncio.Task[None] | None = None
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        await asyncio.sleep(self._delay)
        while True:
            self._sending = asyncio.create_task(quietly(self._bot.send_chat_action(self._chat_id, ChatAction.TYPING)))
            await asyncio.shield(self._sending)  # stop() lets a send on its way finish
            self._sending = None
            await asyncio.sleep(TYPING_REPEAT)

    async def stop(self) -> None:
        """Before the replies: an indicator already on its way is waited for, so that it cannot
        arrive after the answer (it would show "typing…" under it for 5 seconds)."""
        self._task.cancel()
        if self._sending is not None:
            await self._sending

    def cancel(self) -> None:
        self._task.cancel()
        if self._sending is not None:
            self._sending.cancel()


# ---------------------------------------------------------------------------------- helpers


def _lang(update: Update) -> str:
    """The resident's Telegram language (an IETF tag), as a hint for new conversations."""
    user = update.effective_user
    return (user.language_code or "") if user else ""


async def _answer(query: CallbackQuery) -> None:
    # A query can be answered once; a redelivered one is refused with BadRequest, which is fine.
    with contextlib.suppress(TelegramError):
        await query.answer()


def _where(error: BaseException | None) -> str:
    """Where an exception was raised (file:line in function): enough to find a bug, without the
    exception's text, which may quote what a resident wrote."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    if not frames:
        return "-"
    frame = frames[-1]
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"


__all__ = ["ALLOWED_UPDATES", "CHANNEL", "TelegramAdapter", "bad_request_reason", "send_replies"]
