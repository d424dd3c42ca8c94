"""Benchmark: turn latency when several threads write to SQLite at once, as `aiguillage run` does (every
channel calls the TurnService through asyncio.to_thread: min(32, cores + 4) threads).

    .venv/bin/python bench/sqlite_contention.py [--threads 6] [--seconds 6]

Prints one JSON line. `threads` threads play turns (the real engine, the real SQLite storage, one in
five an erasure, which also checkpoints the WAL) without pause for `seconds`, three ways:

* as_is: the code as it is. Waiting for SQLite's write lock is SQLite's busy handler: it sleeps and
  retries, without any queue, so a thread can lose the lock again and again while others take it;
* lock: the same with a process-wide threading.Lock held around each transaction (the change proposed
  in docs/hardening.md), so waiting threads queue in Python instead;
* fifo: the same with a first-come first-served ticket lock.

Reported for each: turns per second, and turn latency p50 / p99 / max (ms). A latency near the
busy_timeout (10 s) means a resident was about to be told "try again later" while the machine was not
overloaded, only unfair.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.dialog.messages import Incoming  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.storage import StorageUnavailable  # noqa: E402


class FifoLock:
    """A ticket lock: threads enter in the order they asked."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._next = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._condition:
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._condition.wait()

    def __exit__(self, *exc: object) -> None:
        with self._condition:
            self._serving += 1
            self._condition.notify_all()


def measure(mode: str, threads: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as directory:
        runtime = build_runtime(Settings(data_dir=Path(directory)))
        database = runtime.database
        if mode != "as_is":
            guard = threading.Lock() if mode == "lock" else FifoLock()
            plain = database.transaction

            @contextlib.contextmanager
            def serialised():
                with guard:
                    with plain() as session:
                        yield session

            database.transaction = serialised  # type: ignore[method-assign]
        latencies: list[float] = []
        refused = 0
        stop = time.monotonic() + seconds
        lock = threading.Lock()

        def worker(number: int) -> None:
            nonlocal refused
            turn = 0
            while time.monotonic() < stop:
                turn += 1
                text = "oubli" if turn % 5 == 0 else ("bonjour", "manger", "34", "non")[turn % 4]
                started = time.perf_counter()
                try:
                    runtime.service.handle("sms", f"+3369{number:03d}{turn % 40:04d}", f"{number}-{turn}",
                                           Incoming.from_text(text))
                except StorageUnavailable:
                    with lock:
                        refused += 1
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)

        pool = [threading.Thread(target=worker, args=(number,)) for number in range(threads)]
        began = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        wall = time.perf_counter() - began
        runtime.database.dispose()
    latencies.sort()
    return {"turns_per_second": round(len(latencies) / wall, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1), "refused": refused}


def run(threads: int, seconds: float) -> dict:
    result: dict = {"bench": "sqlite_contention", "threads": threads, "seconds": seconds}
    for mode in ("as_is", "lock", "fifo"):
        for key, value in measure(mode, threads, seconds).items():
            result[f"{mode}_{key}"] = value
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=6.0)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.threads, arguments.seconds)))
