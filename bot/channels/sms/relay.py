"""The SMS conversation, whatever the gateway: one inbound SMS in, the SMS texts to send back out.

Each gateway adapter (twilio.py, android_gateway.py) turns its webhook into an `InboundSms` and sends
the `Outcome`'s messages its own way. Here: the keywords (AIDE, MENU, RETOUR, RECOMMENCER, LANGUE,
OUBLI, SUITE, STOP), the turn through the storage service (pseudonymised, deduplicated by the
gateway's message id), the rendering as at most three GSM-7 SMS, and the text kept for SUITE.

    relay = SmsRelay(runtime.service)
    outcome = await asyncio.to_thread(relay.process, InboundSms("twilio", "+33612345678", "bonjour", "SM..."))

Nothing here logs a number or a text.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.channels.sms.keywords import ENGINE_COMMANDS, STOP_KEYWORD, keyword
from bot.channels.sms.render import MAX_PARTS, MORE_KEYWORD, render, render_pending
from bot.channels.sms.split import split_sms
from bot.dialog.messages import Incoming, Reply
from bot.i18n import translator
from bot.storage.database import StorageUnavailable
from bot.storage.service import Rendered, TurnService

log = logging.getLogger(__name__)

CHANNEL = "sms"  # one conversation per number, whichever gateway carried the SMS
DEFAULT_LANGUAGE = "fr"

@dataclass(frozen=True)
class InboundSms:
    gateway: str  # "twilio", "android": keeps message ids of different gateways apart
    sender: str  # the number as the gateway gave it
    text: str
    message_id: str  # the gateway's id for this SMS: a redelivery carries the same one


@dataclass(frozen=True)
class Outcome:
    messages: list[str] = field(default_factory=list)  # SMS to send, in order; each one GSM-7 segment
    # Already handled: messages are those of the first delivery (the provider may never have got them),
    # empty when the person was erased since or after 48 h.
    duplicate: bool = False
    queued: bool = False  # messages are already in the durable outbox (process(..., durable=True))
    erased: bool = False  # everything about the person was deleted (OUBLI, STOP)
    stopped: bool = False  # STOP: after these messages, send nothing until the person texts again
    unavailable: bool = False  # storage down or an unexpected error: messages apologise
    ignored: bool = False  # not a message we answer (no usable sender number): nothing stored


_SEPARATORS = re.compile(r"[\s().\-/]")
_NUMBER = re.compile(r"\+?[0-9]{3,20}")
_FRENCH_NATIONAL = re.compile(r"0[1-9][0-9]{8}")


def subscriber(sender: str) -> str | None:
    """The sender as one canonical number (the pseudonym is computed from it), or None when it is
    not a number (an operator's alphanumeric sender such as "INFO"), which we never answer.

    "+33 6 12 34 56 78", "0033612345678" and "06 12 34 56 78" are the same person: a phone behind the
    Android gateway may report a French number in national form, Twilio gives E.164.
    """
    compact = _SEPARATORS.sub("", sender or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if _FRENCH_NATIONAL.fullmatch(compact):
        compact = "+33" + compact[1:]
    return compact if _NUMBER.fullmatch(compact) else None


def unavailable_messages(lang: str = DEFAULT_LANGUAGE) -> list[str]:
    t = translator(lang)
    return split_sms(t.gettext("Service momentanément indisponible. Réessayez dans quelques minutes."),
                     MAX_PARTS).parts


class SmsRelay:
    """Applies inbound SMS to the conversations. `process` is synchronous and thread-safe: call it
    with asyncio.to_thread."""

    def __init__(self, service: TurnService) -> None:
        self.service = service

    def process(self, sms: InboundSms, durable: bool = False) -> Outcome:
        """Apply one SMS exactly once (per gateway message id) and return what to send back.

        durable: the answer goes into the durable outbox in the turn's transaction (Android gateway);
        otherwise the caller sends it (Twilio: in the webhook's response)."""
        number = subscriber(sms.sender)
        if number is None:
            log.info("sms ignored: sender is not a number gateway=%s", sms.gateway)
            return Outcome(ignored=True)
        message_id = f"{sms.gateway}:{sms.message_id}"
        try:
            return self._process(number, message_id, sms.text, durable)
        except StorageUnavailable:
            log.warning("sms turn failed: storage unavailable gateway=%s", sms.gateway)
            return Outcome(unavailable_messages(), unavailable=True)
        except Exception as exc:  # a bug must not leave the person without an answer
            # Frames only: an exception's message could quote what the person wrote.
            log.error("sms turn failed gateway=%s error=%s\n%s", sms.gateway, type(exc).__name__,
                      "".join(traceback.format_tb(exc.__traceback__)))
            return Outcome(unavailable_messages(), unavailable=True)

    # -- the kinds of messages -------------------------------------------------------------------------

    def _process(self, number: str, message_id: str, text: str, durable: bool) -> Outcome:
        word = keyword(text)
        if word == "more":
            outcome = self._more(number, message_id, durable)
            if outcome is not None:
                return outcome
            # Nothing kept: "suite" goes to the engine like any text (after the results it means
            # "continue, refine"; elsewhere the engine asks its question again).
        if word == "stop":
            return self._stop(number, message_id, durable)
        if word in ENGINE_COMMANDS:
            incoming = Incoming("command", command=word)
        else:
            incoming = Incoming.from_text(text)

        def rendered(replies: tuple[Reply, ...], lang: str) -> Rendered:
            if word == "help":
                replies = _with_sms_help(replies, lang)
            batch = render(replies, lang)
            # A new turn replaces what SUITE would have sent.
            return _rendered(batch.messages, batch.pending or None, durable)

        result = self.service.handle(CHANNEL, number, message_id, incoming, channel_data=rendered)
        messages = _messages(result.rendered, result.replies, result.language)
        return Outcome(messages, duplicate=result.duplicate, erased=result.erased, queued=durable)

    def _more(self, number: str, message_id: str, durable: bool) -> Outcome | None:
        def next_part(pending: str, lang: str) -> Rendered:
            batch = render_pending(pending, lang)
            return _rendered(batch.messages, batch.pending or None, durable)

        result = self.service.advance_channel_data(CHANNEL, number, message_id, next_part)
        if not result.applied and not result.duplicate:
            return None
        return Outcome(_messages(result.rendered, (), result.language), duplicate=result.duplicate, queued=durable)

    def _stop(self, number: str, message_id: str, durable: bool) -> Outcome:
        """Erase everything, confirm once, and send nothing more until the person texts again (a
        pseudonymous STOP record; a redelivery of an older message is a duplicate with nothing left
        to resend)."""
        def confirmation(lang: str) -> Rendered:
            t = translator(lang)
            text = t.gettext("C'est noté : vous ne recevrez plus de message et vos réponses sont effacées. "
                             "Pour recommencer, envoyez un SMS.")
            # Nothing is kept for SUITE: whatever does not fit in MAX_PARTS SMS is dropped.
            return _rendered(split_sms(text, MAX_PARTS).parts, None, durable)

        result = self.service.stop(CHANNEL, number, message_id, confirmation)
        return Outcome(_messages(result.rendered, (), result.language), duplicate=result.duplicate, erased=True,
                       stopped=True, queued=durable)


def _rendered(messages: list[str], pending: str | None, durable: bool) -> Rendered:
    return Rendered(sent=json.dumps(messages, ensure_ascii=False), keep=pending,
                    queue=tuple(messages) if durable else ())


def _messages(rendered: str | None, replies: tuple[Reply, ...], lang: str) -> list[str]:
    """The SMS of a turn: as rendered and stored with the message, else rendered from the replies."""
    if rendered is not None:
        try:
            stored = json.loads(rendered)
            if isinstance(stored, list) and all(isinstance(text, str) for text in stored):
                return stored
        except ValueError:
            pass
    return render(replies, lang).messages if replies else []


def _with_sms_help(replies: Sequence[Reply], lang: str) -> tuple[Reply, ...]:
    """The engine's help, plus the two words only SMS has, right after the help text."""
    t = translator(lang)
    extra = Reply("info", t.gettext("Par SMS, envoyez aussi {more} pour lire la suite d'un long message, ou "
                                    "{stop} pour ne plus rien recevoir.").format(more=MORE_KEYWORD,
                                                                              stop=STOP_KEYWORD))
    replies = list(replies)
    position = next((i + 1 for i, reply in enumerate(replies) if reply.kind == "info"), 0)
    replies.insert(position, extra)
    return tuple(replies)
