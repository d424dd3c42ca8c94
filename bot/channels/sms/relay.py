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

import hashlib
import logging
import re
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.channels.sms.gsm7 import split_sms
from bot.channels.sms.keywords import ENGINE_COMMANDS, STOP_KEYWORD, keyword
from bot.channels.sms.render import MAX_PARTS, MORE_KEYWORD, SmsBatch, render, render_pending
from bot.dialog.messages import Incoming, Reply
from bot.i18n import translator
from bot.storage.database import StorageUnavailable
from bot.storage.service import TurnService

log = logging.getLogger(__name__)

CHANNEL = "sms"  # one conversation per number, whichever gateway carried the SMS
DEFAULT_LANGUAGE = "fr"

# An erasing turn leaves no processed-message row behind (the conversation is gone), so a gateway's
# retry of OUBLI or STOP would erase an empty conversation again and send a second confirmation.
# The ids of recent erasing messages are kept in memory, hashed, for as long as gateways retry.
ERASED_IDS_TTL = 3600.0
ERASED_IDS_MAX = 10_000


@dataclass(frozen=True)
class InboundSms:
    gateway: str  # "twilio", "android": keeps message ids of different gateways apart
    sender: str  # the number as the gateway gave it
    text: str
    message_id: str  # the gateway's id for this SMS: a redelivery carries the same one


@dataclass(frozen=True)
class Outcome:
    messages: list[str] = field(default_factory=list)  # SMS to send, in order; each one GSM-7 segment
    duplicate: bool = False  # already handled: send nothing
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


class _RecentIds:
    """A bounded, expiring set of hashed message ids (thread-safe)."""

    def __init__(self, ttl: float, maximum: int) -> None:
        self._ttl, self._maximum = ttl, maximum
        self._seen: OrderedDict[bytes, float] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(message_id: str) -> bytes:
        return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).digest()

    def add(self, message_id: str) -> None:
        key, now = self._key(message_id), time.monotonic()
        with self._lock:
            self._seen[key] = now + self._ttl
            self._seen.move_to_end(key)
            while len(self._seen) > self._maximum:
                self._seen.popitem(last=False)

    def __contains__(self, message_id: str) -> bool:
        now = time.monotonic()
        with self._lock:
            expiry = self._seen.get(self._key(message_id))
            return expiry is not None and expiry > now


class SmsRelay:
    """Applies inbound SMS to the conversations. `process` is synchronous and thread-safe: call it
    with asyncio.to_thread."""

    def __init__(self, service: TurnService) -> None:
        self.service = service
        self._erased_ids = _RecentIds(ERASED_IDS_TTL, ERASED_IDS_MAX)

    def process(self, sms: InboundSms) -> Outcome:
        """Apply one SMS exactly once (per gateway message id) and return what to send back."""
        number = subscriber(sms.sender)
        if number is None:
            log.info("sms ignored: sender is not a number gateway=%s", sms.gateway)
            return Outcome(ignored=True)
        message_id = f"{sms.gateway}:{sms.message_id}"
        if message_id in self._erased_ids:
            log.info("duplicate message ignored channel=%s", CHANNEL)
            return Outcome(duplicate=True)
        try:
            return self._process(number, message_id, sms.text)
        except StorageUnavailable:
            log.warning("sms turn failed: storage unavailable gateway=%s", sms.gateway)
            return Outcome(unavailable_messages(), unavailable=True)
        except Exception as exc:  # a bug must not leave the person without an answer
            # Frames only: an exception's message could quote what the person wrote.
            log.error("sms turn failed gateway=%s error=%s\n%s", sms.gateway, type(exc).__name__,
                      "".join(traceback.format_tb(exc.__traceback__)))
            return Outcome(unavailable_messages(), unavailable=True)

    # -- the kinds of messages -------------------------------------------------------------------------

    def _process(self, number: str, message_id: str, text: str) -> Outcome:
        word = keyword(text)
        if word == "more":
            outcome = self._more(number, message_id)
            if outcome is not None:
                return outcome
            # Nothing kept: "suite" goes to the engine like any text (after the results it means
            # "continue, refine"; elsewhere the engine asks its question again).
        if word == "stop":
            return self._stop(number, message_id)
        if word in ENGINE_COMMANDS:
            incoming = Incoming("command", command=word)
        else:
            incoming = Incoming.from_text(text)
        rendered: list[SmsBatch] = []

        def keep_pending(replies: tuple[Reply, ...], lang: str) -> str | None:
            if word == "help":
                replies = _with_sms_help(replies, lang)
            batch = render(replies, lang)
            rendered.append(batch)
            return batch.pending or None  # a new turn replaces what SUITE would have sent

        result = self.service.handle(CHANNEL, number, message_id, incoming, channel_data=keep_pending)
        if result.duplicate:
            return Outcome(duplicate=True)
        erased = any(reply.kind == "erased" for reply in result.replies)
        if erased:
            self._erased_ids.add(message_id)
        if rendered:
            messages = rendered[-1].messages
        else:  # an erasing turn stores nothing, so keep_pending was not called; nothing is kept either
            messages = render(result.replies, result.language).messages
        return Outcome(messages, erased=erased)

    def _more(self, number: str, message_id: str) -> Outcome | None:
        sent: list[SmsBatch] = []

        def next_part(pending: str, lang: str) -> str | None:
            batch = render_pending(pending, lang)
            sent.append(batch)
            return batch.pending or None

        result = self.service.advance_channel_data(CHANNEL, number, message_id, next_part)
        if result.duplicate:
            return Outcome(duplicate=True)
        if not result.applied:
            return None
        return Outcome(sent[-1].messages)

    def _stop(self, number: str, message_id: str) -> Outcome:
        """Erase everything and confirm once. Nothing is stored: a later SMS starts a new conversation,
        and since we only ever answer, nothing is sent until then."""
        result = self.service.handle(CHANNEL, number, message_id, Incoming("command", command="erase"))
        if result.duplicate:  # cannot happen after an erasure, kept for safety
            return Outcome(duplicate=True)
        self._erased_ids.add(message_id)
        t = translator(result.language)
        text = t.gettext("C'est noté : vous ne recevrez plus de message et vos réponses sont effacées. "
                         "Pour recommencer, envoyez un SMS.")
        # Nothing is kept for SUITE: whatever does not fit in MAX_PARTS SMS is dropped.
        return Outcome(split_sms(text, MAX_PARTS).parts, erased=True, stopped=True)


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
