"""Benchmark: turn latency when several threads write to SQLite at once, as `aiguillage run` does (every
channel calls the TurnService through asyncio.to_thread: min(32, cores + 4) threads).

    .venv/bin/python bench/sqlite_contention.py [--threads 6] [--seconds 6]

Prints one JSON line. `threads` threads play turns (the real engine, the real SQLite storage, one in
five an erasure, which also checkpoints the WAL) without pause for `seconds`, three ways:

* busy: no lock in the process: waiting for SQLite's write lock is SQLite's busy handler, which sleeps
  and retries without any queue, so a thread can lose the lock again and again (the code before
  issue 19);
* lock: a process-wide threading.Lock held around each transaction, so waiting threads queue in Python;
* as_is: the code as it is: a first-come first-served ticket lock (Database's writer lock).

With --purge-rows N (default 100 000), a fourth measurement: the same turns while `purge` deletes N
stale conversations (inserted directly beforehand, with their processed ids), reported as purge_*:
the purge's duration and the turns' latency meanwhile.

With --scale, only the scale figures: one thread's turn latency with 10 000 and 100 000 conversations
stored, the purge of those, and the resident memory of one `aiguillage run` worker.

Reported for each: turns per second, and turn latency p50 / p99 / max (ms). A latency near the
busy_timeout (10 s) means a resident was about to be told "try again later" while the machine was not
overloaded, only unfair.
"""

from __future__ import annotations

import argparse
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


def stale_conversations(runtime, count: int) -> None:  # type: ignore[no-untyped-def]
    """count conversations inactive for 60 days, each with two processed ids, written directly."""
    from datetime import UTC, datetime, timedelta

    from bot.storage.models import Conversation, ProcessedMessage

    old = datetime.now(UTC) - timedelta(days=60)
    with runtime.database.connection() as db:
        for first in range(0, count, 5_000):
            batch = range(first, min(count, first + 5_000))
            db.execute(Conversation.__table__.insert(), [
                {"channel": "sms", "user_key": f"{n:064x}", "language": "fr", "state": "v1:" + "A" * 400,
                 "channel_data": None, "created_at": old, "updated_at": old} for n in batch])
    with runtime.database.connection() as db:
        ids = [row[0] for row in db.exec_driver_sql("SELECT id FROM conversations")]
        for first in range(0, len(ids), 5_000):
            db.execute(ProcessedMessage.__table__.insert(), [
                {"channel": "sms", "message_key": f"{i:032x}{k:032x}", "conversation_id": i, "processed_at": old,
                 "reply": None} for i in ids[first:first + 5_000] for k in (1, 2)])


def measure(mode: str, threads: int, seconds: float, purge_rows: int = 0) -> dict:
    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as directory:
        runtime = build_runtime(Settings(data_dir=Path(directory)))
        database = runtime.database
        if mode == "busy":
            database._writer = None  # noqa: SLF001 - the measurement is of this very lock
        elif mode == "lock":
            database._writer = threading.Lock()  # type: ignore[assignment]  # noqa: SLF001
        purge_seconds: list[float] = []
        if purge_rows:
            stale_conversations(runtime, purge_rows)

            def purge() -> None:
                time.sleep(min(0.5, seconds / 4))  # turns are already under way
                began = time.perf_counter()
                runtime.service.purge()
                purge_seconds.append(time.perf_counter() - began)

            purger = threading.Thread(target=purge)
            purger.start()
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
        if purge_rows:
            purger.join()
        runtime.database.dispose()
    latencies.sort()
    extra = {"purge_rows": purge_rows, "purge_seconds": round(purge_seconds[0], 2)} if purge_rows else {}
    return {**extra, "turns_per_second": round(len(latencies) / wall, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1), "refused": refused}


def scale(sizes: tuple[int, ...] = (10_000, 100_000), turns: int = 400) -> dict:
    """Turn latency (one thread) with N conversations stored, then the purge of those N; and the memory
    of one `aiguillage run` worker (VmRSS once /healthcheck answers)."""
    result: dict = {"bench": "sqlite_scale"}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as directory:
            runtime = build_runtime(Settings(data_dir=Path(directory)))
            stale_conversations(runtime, size)
            latencies = []
            for turn in range(turns):
                started = time.perf_counter()
                runtime.service.handle("sms", f"+3369{turn % 80:07d}", f"s{turn}",
                                       Incoming.from_text(("bonjour", "manger", "34", "non")[turn % 4]))
                latencies.append(time.perf_counter() - started)
            latencies.sort()
            began = time.perf_counter()
            deleted = runtime.service.purge()
            result[f"n{size}_purge_seconds"] = round(time.perf_counter() - began, 2)
            result[f"n{size}_purged"] = deleted
            result[f"n{size}_turn_p50_ms"] = round(statistics.median(latencies) * 1000, 2)
            result[f"n{size}_turn_p99_ms"] = round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2)
            runtime.database.dispose()
    result["worker_rss_mb"] = worker_rss_mb()
    return result


def worker_rss_mb() -> float:
    """Resident memory of `aiguillage run` (one worker, SQLite, nothing configured) once it answers."""
    import os
    import socket
    import subprocess
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as directory:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
        env.update(AIGUILLAGE_PORT=str(port), AIGUILLAGE_DATA_DIR=directory, PYTHONPATH=str(ROOT))
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=directory, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthcheck", timeout=1):
                        break
                except OSError:
                    time.sleep(0.2)
            status = Path(f"/proc/{process.pid}/status").read_text()
            rss_kb = int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])
        finally:
            process.terminate()
            process.wait(timeout=30)
    return round(rss_kb / 1024, 1)


def run(threads: int, seconds: float, purge_rows: int) -> dict:
    result: dict = {"bench": "sqlite_contention", "threads": threads, "seconds": seconds}
    for mode in ("busy", "lock", "as_is"):
        for key, value in measure(mode, threads, seconds).items():
            result[f"{mode}_{key}"] = value
    if purge_rows:
        for key, value in measure("as_is", threads, seconds, purge_rows).items():
            result[f"purge_{key}"] = value
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--purge-rows", type=int, default=100_000)
    parser.add_argument("--scale", action="store_true", help="only the scale figures (10 000 and 100 000 stored)")
    arguments = parser.parse_args()
    if arguments.scale:
        print(json.dumps(scale()))
    else:
        print(json.dumps(run(arguments.threads, arguments.seconds, arguments.purge_rows)))
