"""The open-source Android "SMS Gateway" app (capcom6/android-sms-gateway): webhooks in, API calls out.

Inbound: the phone POSTs JSON events to our webhook, signed with the key set in the app
(X-Signature = hex HMAC-SHA256(key, raw body + X-Timestamp), X-Timestamp = unix seconds):

    {"id": "...", "webhookId": "...", "event": "sms:received", "deviceId": "...",
     "payload": {"messageId": "...", "sender": "+33612345678", "message": "bonjour", "receivedAt": "..."}}

(older versions name the sender "phoneNumber"). Outbound: we answer through the phone's HTTP API,
POST {url}/message with basic auth and {"textMessage": {"text": ...}, "phoneNumbers": [number]}, from
background tasks (`Outbox`) so that a slow or absent phone never delays the webhook's answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import random
import threading
import time
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field

import httpx

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


# -- outbound --------------------------------------------------------------------------------------


@dataclass
class _Outgoing:
    text: str
    # Sent with every attempt: the app refuses a second message with the same id (409), so a retry
    # after a lost answer cannot send the SMS twice.
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    cancelled: bool = False


class Outbox:
    """Sends SMS through the app's API in background tasks, in order per recipient, with retries.

    `send` returns at once. Each SMS is tried up to `max_attempts` times, waiting base_delay, 2x, 4x...
    (at most max_delay, with jitter) between attempts, on network errors, timeouts, 408, 429 and 5xx;
    another 4xx is final (409 means the app already has it: success). A failure is logged without the
    number or the text. Deliveries live in memory only: `aclose` waits for them (bounded) at shutdown.
    """

    def __init__(self, url: str, user: str = "", password: str = "", *, max_attempts: int = 8,
                 base_delay: float = 1.0, max_delay: float = 60.0, timeout: float = 10.0, concurrency: int = 4,
                 max_queued: int = 5_000, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not url:
            raise ValueError("the SMS gateway's URL is not set")
        self._endpoint = url.rstrip("/") + "/message"
        self._auth = httpx.BasicAuth(user, password) if user else None
        self._max_attempts, self._base_delay, self._max_delay = max_attempts, base_delay, max_delay
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._concurrency = concurrency
        self._max_queued = max_queued
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._queues: dict[str, deque[_Outgoing]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._queued = 0
        self.sent = 0  # counters for tests and operators
        self.failed = 0

    def send(self, recipient: str, texts: list[str]) -> None:
        """Queue SMS for a recipient, after whatever is still queued for them. Call from the event loop."""
        if not texts:
            return
        if self._queued + len(texts) > self._max_queued:
            self.failed += len(texts)
            log.error("sms gateway outbox full: %d sms dropped", len(texts))
            return
        queue = self._queues.setdefault(recipient, deque())
        queue.extend(_Outgoing(text) for text in texts)
        self._queued += len(texts)
        if recipient not in self._workers:
            self._workers[recipient] = asyncio.get_running_loop().create_task(self._drain(recipient))

    def cancel(self, recipient: str) -> int:
        """Drop what is still queued for a recipient (after STOP or OUBLI); returns how many SMS.

        An attempt already under way finishes, but is not retried."""
        queue = self._queues.get(recipient)
        if not queue:
            return 0
        for item in queue:
            item.cancelled = True
        count = len(queue)
        queue.clear()
        self._queued -= count
        return count

    @property
    def pending(self) -> int:
        return self._queued

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued; False when the timeout came first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._workers:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return False
            await asyncio.wait(list(self._workers.values()), timeout=remaining)
        return True

    async def aclose(self, timeout: float = 10.0) -> None:
        """Give queued SMS up to `timeout` seconds, then cancel the rest (logged) and close the client."""
        if not await self.join(timeout):
            log.error("sms gateway outbox closed with %d sms not sent", self._queued)
            for task in list(self._workers.values()):
                task.cancel()
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- internals -----------------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(auth=self._auth, timeout=self._timeout, transport=self._transport,
                                             follow_redirects=False)
            self._semaphore = asyncio.Semaphore(self._concurrency)
        return self._client

    async def _drain(self, recipient: str) -> None:
        try:
            queue = self._queues[recipient]
            while queue:
                item = queue[0]
                await self._deliver(recipient, item)
                if queue and queue[0] is item:
                    queue.popleft()
                    self._queued -= 1
        finally:
            self._workers.pop(recipient, None)
            if not self._queues.get(recipient):
                self._queues.pop(recipient, None)

    async def _deliver(self, recipient: str, item: _Outgoing) -> None:
        client = self._http()
        assert self._semaphore is not None
        body = {"id": item.id, "textMessage": {"text": item.text}, "phoneNumbers": [recipient]}
        outcome = "no attempt"
        for attempt in range(1, self._max_attempts + 1):
            if item.cancelled:
                return
            try:
                async with self._semaphore:
                    response = await client.post(self._endpoint, json=body)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            else:
                status = response.status_code
                if 200 <= status < 300 or status == 409:
                    self.sent += 1
                    if attempt > 1:
                        log.info("sms sent through the gateway after %d attempts", attempt)
                    return
                outcome = f"status {status}"
                if 400 <= status < 500 and status not in (408, 429):
                    break  # our request is wrong or refused: repeating it changes nothing
            if attempt < self._max_attempts:
                delay = min(self._max_delay, self._base_delay * 2 ** (attempt - 1))
                await asyncio.sleep(delay * random.uniform(0.5, 1.0))
        self.failed += 1
        log.error("sms not sent through the gateway: %s after %d attempts", outcome, attempt)
