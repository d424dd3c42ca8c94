"""The open-source Android "SMS Gateway" app (capcom6/android-sms-gateway): webhooks in, API calls out.

Inbound: the phone POSTs JSON events to our webhook, signed with the key set in the app
(X-Signature = hex HMAC-SHA256(key, raw body + X-Timestamp), X-Timestamp = unix seconds):

    {"id": "...", "webhookId": "...", "event": "sms:received", "deviceId": "...",
     "payload": {"messageId": "...", "sender": "+33612345678", "message": "bonjour", "receivedAt": "..."}}

(older versions name the sender "phoneNumber"). Outbound: we answer through the phone's HTTP API,
POST {url}/message with basic auth, from the durable outbox (bot.channels.sms.outbox) so that a slow
or absent phone never delays the webhook's answer and a crash loses no reply.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
MAX_SKEW = 300  # seconds: older (or newer) signed requests are refused as replays
RECEIVED_EVENT = "sms:received"


# -- inbound ---------------------------------------------------------------------------------------


def signature(key: str, body: bytes, timestamp: str) -> str:
    """The X-Signature the app computes for this body and X-Timestamp."""
    return hmac.new(key.encode("utf-8"), body + timestamp.encode("utf-8"), hashlib.sha256).hexdigest()


def fresh(timestamp: str, now: float, max_skew: int = MAX_SKEW) -> bool:
    """Whether X-Timestamp is unix seconds within max_skew of now."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(now - int(timestamp)) <= max_skew


def verify(key: str, body: bytes, timestamp: str, provided: str) -> bool:
    """Whether `provided` is the app's signature of body + timestamp. Constant time."""
    if not key or not provided:
        return False
    expected = signature(key, body, timestamp).encode("ascii")
    return hmac.compare_digest(expected, provided.strip().lower().encode("utf-8", "replace"))


class ReplayGuard:
    """Signatures seen within the freshness window: the very same signed request twice is a replay.

    The app signs each attempt anew (its timestamp changes), so its own retries pass; they are then
    deduplicated by message id like any redelivery. Per process and in memory: the message-id
    deduplication in storage is what guarantees one effect, this only refuses exact replays loudly.
    """

    def __init__(self, window: float = 2 * MAX_SKEW, maximum: int = 50_000) -> None:
        self._window, self._maximum = window, maximum
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, signature_hex: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now:
                self._seen.popitem(last=False)
            if signature_hex in self._seen:
                return False
            self._seen[signature_hex] = now + self._window
            while len(self._seen) > self._maximum:
                self._seen.popitem(last=False)
            return True


@dataclass(frozen=True)
class Event:
    event: str
    message_id: str = ""
    sender: str = ""
    text: str = ""


def parse_event(body: bytes) -> Event:
    """The event of a webhook body; ValueError when it is not a well-formed event."""
    document = json.loads(body.decode("utf-8"))  # JSONDecodeError and UnicodeDecodeError are ValueErrors
    if not isinstance(document, dict) or not isinstance(document.get("event"), str):
        raise ValueError("not a webhook event")
    kind = document["event"]
    if kind != RECEIVED_EVENT:
        return Event(kind)
    payload = document.get("payload")
    if not isinstance(payload, dict):
        raise ValueError("sms:received without a payload")
    message_id = payload.get("messageId")
    if message_id is None or message_id == "":
        message_id = document.get("id")  # the event's own id, stable across the app's retries
    sender = payload.get("sender") or payload.get("phoneNumber")
    text = payload.get("message")
    if not isinstance(message_id, (str, int)) or isinstance(message_id, bool) or not str(message_id):
        raise ValueError("sms:received without a message id")
    if not isinstance(sender, str) or not sender or not isinstance(text, str):
        raise ValueError("sms:received without a sender or a message")
    if len(str(message_id)) > 200 or len(sender) > 64:
        raise ValueError("sms:received with an oversized field")
    return Event(kind, str(message_id), sender, text)


# -- outbound: bot.channels.sms.outbox ----------------------------------------------------------------

from bot.channels.sms.outbox import Outbox  # noqa: E402  (where it always was)

__all__ = ["Event", "Outbox", "ReplayGuard", "fresh", "parse_event", "signature", "verify"]
