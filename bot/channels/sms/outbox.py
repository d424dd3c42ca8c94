"""Sending SMS through the Android gateway app's API: POST {url}/message with basic auth and
{"id": ..., "textMessage": {"text": ...}, "phoneNumbers": [number]}.

Replies to inbound SMS are durable: the turn's transaction writes them to the sms_outbox table
(bot.storage.outbox), and this sender delivers them in order per person, one attempt at a time, with
backoff between attempts kept in the table, so a kill -9 loses none: after a restart they go out. A
second worker on the same database shares the table (rows are claimed). `send` is for the few texts
that cannot be stored (the database is down): in memory, best effort.

Everything runs in one background thread with its own event loop, started when there is something to
send (or rows left by a previous run): a slow or absent phone never delays a webhook. Each SMS carries
an id the app keeps, so a retry after a lost answer gets 409 ("already have it") and counts as sent.
A failure is logged without the number or the text.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from bot.storage.outbox import DueSms, OutboxStore

log = logging.getLogger(__name__)

_IDLE_EXIT = 2.0  # seconds with nothing to send before the thread stops (a wake starts it again)
_STORE_FAILURES_MAX = 5  # consecutive database errors before the thread stops polling (until a wake)


@dataclass
class _Volatile:
    recipient: str
    text: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


class Outbox:
    def __init__(self, url: str, user: str = "", password: str = "", *, store: OutboxStore | None = None,
                 max_attempts: int = 12, base_delay: float = 1.0, max_delay: float = 300.0, timeout: float = 10.0,
                 concurrency: int = 4, max_queued: int = 5_000, poll: float = 0.5,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not url:
            raise ValueError("the SMS gateway's URL is not set")
        self._endpoint = url.rstrip("/") + "/message"
        self._auth = httpx.BasicAuth(user, password) if user else None
        self._max_attempts, self._base_delay, self._max_delay = max_attempts, base_delay, max_delay
        self._timeout = timeout
        self._concurrency, self._max_queued, self._poll = concurrency, max_queued, poll
        self._transport = transport
        self._store = store
        self._volatile: deque[_Volatile] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._busy = 0  # sends under way
        self.sent = 0  # counters for tests and operators
        self.failed = 0
        if store is not None and store.count():
            log.info("sms gateway outbox: resuming sms left by a previous run")
            self.wake()

    # -- the API used by the webhook (from the event loop or any thread) ---------------------------

    def wake(self) -> None:
        """Durable SMS were committed: send them now."""
        with self._lock:
            if self._closing:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sms-outbox", daemon=True)
                self._thread.start()
                return
            loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None:
            try:
                loop.call_soon_threadsafe(wakeup.set)
            except RuntimeError:  # the loop is just closing: the next wake starts a new thread
                pass

    def queued(self, recipient: str, texts: list[str]) -> None:
        """The turn committed these SMS for recipient to the outbox table: send them now."""
        if texts:
            self.wake()

    def send(self, recipient: str, texts: list[str]) -> None:
        """SMS that cannot be stored (the database is down): kept in memory, sent after what is queued."""
        if not texts:
            return
        with self._lock:
            if len(self._volatile) + self._busy + len(texts) > self._max_queued:  # in flight counts too
                self.failed += len(texts)
                log.error("sms gateway outbox full: %d sms dropped", len(texts))
                return
            self._volatile.extend(_Volatile(recipient, text) for text in texts)
        self.wake()

    @property
    def pending(self) -> int:
        """SMS not yet delivered nor given up (durable and in memory)."""
        durable = 0
        if self._store is not None:
            try:
                durable = self._store.count()
            except Exception:  # noqa: BLE001 - a count for tests and operators, never fatal
                durable = 0
        return durable + len(self._volatile) + self._busy

    async def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is left to send; False when the timeout came first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while await asyncio.to_thread(lambda: self.pending):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            self.wake()
            await asyncio.sleep(0.02)
        return True

    async def aclose(self, timeout: float = 10.0) -> None:
        """Give what is queued up to `timeout` seconds, then stop; durable SMS stay for the next start."""
        if not await self.join(timeout):
            log.error("sms gateway outbox closed with %d sms not sent yet", self.pending)
        self.stop()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the sender now (an attempt under way is abandoned; its row is tried again later)."""
        with self._lock:
            self._closing = True
            thread, loop, task = self._thread, self._loop, self._task
        if loop is not None and task is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:
                pass
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- the sender thread -------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # noqa: BLE001 - the thread must end quietly; a wake starts another
            log.error("sms gateway outbox stopped: %s", type(exc).__name__)
        finally:
            with self._lock:
                self._loop = self._wakeup = self._task = None
                if self._thread is threading.current_thread():
                    self._thread = None
            # A wake that came while this loop was ending found no one to run it: look once more.
            if not self._closing and (self._volatile or self._rows_left()):
                self.wake()

    def _rows_left(self) -> bool:
        try:
            return self._store is not None and self._store.next_due_in() is not None
        except Exception:  # noqa: BLE001 - the database is down: the next wake will retry
            return False

    async def _main(self) -> None:
        with self._lock:
            self._loop, self._wakeup = asyncio.get_running_loop(), asyncio.Event()
            self._task = asyncio.current_task()
            wakeup = self._wakeup
            if self._closing:
                return
        timeout = httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0))
        semaphore = asyncio.Semaphore(self._concurrency)
        idle_since = time.monotonic()
        store_failures = 0
        async with httpx.AsyncClient(auth=self._auth, timeout=timeout, transport=self._transport,
                                     follow_redirects=False) as client:
            while not self._closing:
                wakeup.clear()
                due: list[DueSms] = []
                next_in: float | None = None
                if self._store is not None and store_failures < _STORE_FAILURES_MAX:
                    try:
                        due = await asyncio.to_thread(self._store.claim_due, self._concurrency * 4,
                                                      timedelta(seconds=self._timeout + 5))
                        next_in = None if due else await asyncio.to_thread(self._store.next_due_in)
                        store_failures = 0
                    except Exception as exc:  # noqa: BLE001 - the database may be down for a while
                        store_failures += 1
                        log.warning("sms gateway outbox cannot read its table: %s", type(exc).__name__)
                        next_in = self._poll
                volatile = self._take_volatile()
                if due or volatile:
                    idle_since = time.monotonic()
                    await asyncio.gather(*(self._durable(client, semaphore, item) for item in due),
                                         self._volatile_batch(client, semaphore, volatile))
                    continue
                if next_in is None and time.monotonic() - idle_since > _IDLE_EXIT:
                    return
                wait = self._poll if next_in is None else min(max(next_in, 0.01), self._poll)
                try:
                    await asyncio.wait_for(wakeup.wait(), wait)
                except TimeoutError:
                    pass

    def _take_volatile(self) -> list[_Volatile]:
        with self._lock:
            taken = list(self._volatile)
            self._volatile.clear()
            self._busy += len(taken)
        return taken

    async def _attempt(self, client: httpx.AsyncClient, semaphore: asyncio.Semaphore, sms_id: str,
                       recipient: str, text: str) -> tuple[str, str]:
        """("sent" | "retry" | "refused", what happened for the log)."""
        body = {"id": sms_id, "textMessage": {"text": text}, "phoneNumbers": [recipient]}
        try:
            async with semaphore:
                response = await client.post(self._endpoint, json=body)
        except httpx.HTTPError as exc:
            return "retry", type(exc).__name__
        status = response.status_code
        if 200 <= status < 300 or status == 409:
            return "sent", ""
        if 400 <= status < 500 and status not in (408, 429):
            return "refused", f"status {status}"  # our request is wrong or refused: repeating changes nothing
        return "retry", f"status {status}"

    def _delay(self, attempt: int) -> float:
        return min(self._max_delay, self._base_delay * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)

    async def _durable(self, client: httpx.AsyncClient, semaphore: asyncio.Semaphore, item: DueSms) -> None:
        assert self._store is not None
        with self._lock:
            self._busy += 1
        try:
            outcome, why = await self._attempt(client, semaphore, item.sms_id, item.recipient, item.text)
            attempt = item.attempts + 1
            if outcome == "retry" and attempt < self._max_attempts:
                await asyncio.to_thread(self._store.retry_later, item.id, attempt,
                                        timedelta(seconds=self._delay(attempt)))
                return
            await asyncio.to_thread(self._store.delivered, item.id)
            self._count(outcome, why, attempt)
        except Exception as exc:  # noqa: BLE001 - the row stays; its lease ends and it is tried again
            log.warning("sms gateway outbox: %s while recording a delivery", type(exc).__name__)
        finally:
            with self._lock:
                self._busy -= 1

    async def _volatile_batch(self, client: httpx.AsyncClient, semaphore: asyncio.Semaphore,
                              items: list[_Volatile]) -> None:
        by_recipient: dict[str, list[_Volatile]] = {}
        for item in items:
            by_recipient.setdefault(item.recipient, []).append(item)
        await asyncio.gather(*(self._volatile_in_order(client, semaphore, queue) for queue in by_recipient.values()))

    async def _volatile_in_order(self, client: httpx.AsyncClient, semaphore: asyncio.Semaphore,
                                 queue: list[_Volatile]) -> None:
        for item in queue:
            try:
                for attempt in range(1, self._max_attempts + 1):
                    outcome, why = await self._attempt(client, semaphore, item.id, item.recipient, item.text)
                    if outcome != "retry" or attempt == self._max_attempts or self._closing:
                        self._count(outcome, why, attempt)
                        break
                    await asyncio.sleep(self._delay(attempt))
            finally:
                with self._lock:
                    self._busy -= 1

    def _count(self, outcome: str, why: str, attempt: int) -> None:
        with self._lock:
            if outcome == "sent":
                self.sent += 1
            else:
                self.failed += 1
        if outcome == "sent":
            if attempt > 1:
                log.info("sms sent through the gateway after %d attempts", attempt)
        else:
            log.error("sms not sent through the gateway: %s after %d attempts", why, attempt)
