"""Pacing: the order in which updates are handled, and the retries of outbound calls.

* `PerUserOrder`: updates of different residents run concurrently; the updates of one resident
  run one after the other, in the order Telegram gave them (one asyncio.Lock per resident, FIFO,
  dropped as soon as nobody holds or waits for it, so memory stays bounded by the updates in flight).
* `PacedRateLimiter`: PTB's AIORateLimiter (Telegram's flood limits, waiting out RetryAfter a
  bounded number of times) plus bounded exponential back-off for network failures, and at most
  MAX_IN_FLIGHT requests on the wire at once. BadRequest is a NetworkError subclass in PTB but
  repeating a refused request gets the same refusal, so it is never retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, BaseUpdateProcessor

log = logging.getLogger(__name__)

# RetryAfter: Telegram says how long to wait; after this many waits for one request, give up.
RETRY_AFTER_ATTEMPTS = 5
# Network failures (timeouts, 5xx, dropped connections): retried this many times, waiting
# BACKOFF_BASE * 2**attempt seconds (with jitter, at most BACKOFF_MAX) in between.
NETWORK_RETRIES = 3
BACKOFF_BASE = 0.25
BACKOFF_MAX = 4.0
# Bot API requests on the wire at once (getUpdates aside: PTB sends it past the limiter). With
# hundreds in flight httpx's pool spends about three times more CPU per request on bookkeeping
# than with a few, and Telegram answers no faster; 16 keeps a slow round trip from idling the bot.
MAX_IN_FLIGHT = 16


def ordering_key(update: object) -> int | None:
    """The resident an update belongs to; None for updates without a person (channel posts)."""
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


class PerUserOrder(BaseUpdateProcessor):
    """Concurrent across residents, sequential per resident.

    PTB starts one task per update in arrival order, and nothing between the task's start and
    `do_process_update` yields to the event loop while the concurrency limit is not reached (and
    its semaphore is FIFO when it is), so the per-resident locks are queued for in arrival order.
    """

    def __init__(self, max_concurrent_updates: int = 256,
                 key: Callable[[object], Any] = ordering_key) -> None:
        super().__init__(max_concurrent_updates)
        self._key = key
        # key -> [lock, holders and waiters]; an entry disappears when its count falls to zero.
        self._locks: dict[Any, list[Any]] = {}

    @property
    def active_keys(self) -> int:
        """How many residents have an update in flight (for tests: idle locks are dropped)."""
        return len(self._locks)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                await coroutine
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class PacedRateLimiter(AIORateLimiter):
    """AIORateLimiter with bounded, backed-off retries of network failures."""

    def __init__(self, *, network_retries: int = NETWORK_RETRIES, backoff_base: float = BACKOFF_BASE,
                 max_retries: int = RETRY_AFTER_ATTEMPTS, max_in_flight: int = MAX_IN_FLIGHT,
                 **limits: Any) -> None:
        super().__init__(max_retries=max_retries, **limits)
        self._network_retries = network_retries
        self._backoff_base = backoff_base
        self.max_in_flight = max_in_flight
        self._wire = asyncio.Semaphore(max_in_flight)
        self.in_flight = 0  # requests on the wire now
        self.most_in_flight = 0  # the most seen at once (for tests and benchmarks)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        async def on_the_wire(*call_args: Any, **call_kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            # Only the HTTP exchange holds a slot: waits for flood limits and back-off do not.
            async with self._wire:
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                try:
                    return await callback(*call_args, **call_kwargs)
                finally:
                    self.in_flight -= 1

        attempt = 0
        while True:
            try:
                return await super().process_request(on_the_wire, args, kwargs, endpoint, data, rate_limit_args)
            except (BadRequest, RetryAfter):
                raise
            except (TimedOut, NetworkError) as error:
                if attempt >= self._network_retries:
                    log.warning("telegram request failed method=%s error=%s attempts=%d",
                                endpoint, type(error).__name__, attempt + 1)
                    raise
                delay = min(BACKOFF_MAX, self._backoff_base * 2 ** attempt) * random.uniform(0.8, 1.2)
                log.info("telegram request retried method=%s error=%s attempt=%d delay_s=%.2f",
                         endpoint, type(error).__name__, attempt + 1, delay)
                attempt += 1
                await asyncio.sleep(delay)
