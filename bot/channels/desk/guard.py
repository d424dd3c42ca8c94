"""Keeping the desk's sign-in from slowing everything else: a small bounded pool for password hashing
and a per-client throttle checked before any hashing.

Each argon2id check takes 64 MiB and tens of milliseconds of a core. On the default thread pool, the
one SMS turns and the healthcheck use, 40 anonymous clients could make every resident wait seconds.
Here the checks run on HASH_WORKERS threads of their own, at most HASH_QUEUE waiting; a request
beyond that is answered "try again in a minute" at once instead of queueing.

    pool = HashPool()
    result = await pool.run(accounts.authenticate, database, name, password)   # raises Busy when full
    if not throttle.allow(client): ...                                          # before any hashing
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

HASH_WORKERS = 1  # one core at most for hashing: the others stay for residents
HASH_QUEUE = 4  # checks waiting beyond the running one; under a second of work
CLIENT_ATTEMPTS, CLIENT_WINDOW = 10, 60.0  # sign-in attempts per client per minute, whatever the name


class Busy(Exception):
    """Too many password checks are waiting: answer "try again in a minute" now."""


HASH_NICENESS = 10  # the hashing thread yields the cores to residents' turns when both want them


def _lower_priority() -> None:
    """Linux schedules threads one by one: a nicer hashing thread runs only when SMS turns, the event loop
    and the healthcheck leave a core idle (lowering one's own priority needs no privilege)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)
    except (AttributeError, OSError):  # not Linux: the bounded pool still holds
        pass


class HashPool:
    def __init__(self, workers: int = HASH_WORKERS, queue: int = HASH_QUEUE) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="desk-hash",
                                            initializer=_lower_priority)
        self._slots = threading.BoundedSemaphore(workers + queue)

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """A place in the pool for one sign-in, taken before anything is done for it; Busy when full."""
        if not self._slots.acquire(blocking=False):
            raise Busy()
        try:
            yield
        finally:
            self._slots.release()

    async def compute(self, function: Callable[..., T], *args: object) -> T:
        """Run a pure computation (the hash) on the pool's thread. Never a database call: a low-priority
        thread holding SQLite's write lock would make residents' turns wait for it."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def run(self, function: Callable[..., T], *args: object) -> T:
        with self.slot():
            return await self.compute(function, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class ClientThrottle:
    """At most `limit` attempts per client in a sliding `window`, in this process's memory.

    It sheds load, it is not the lock-out (that one is in the database, per account and client): a
    restart forgets it, which costs an attacker nothing they could not get from a second address."""

    MAX_CLIENTS = 10_000  # an attacker with many addresses must not grow this without bound

    def __init__(self, limit: int = CLIENT_ATTEMPTS, window: float = CLIENT_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._seen: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._seen) >= self.MAX_CLIENTS:
                self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < self.window}
                if len(self._seen) >= self.MAX_CLIENTS:
                    return False
            recent = [t for t in self._seen.get(client, ()) if now - t < self.window]
            allowed = len(recent) < self.limit
            if allowed:
                recent.append(now)
            self._seen[client] = recent
            return allowed
